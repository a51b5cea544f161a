"""The 2-D lab's MLP: G and D with `depth` hidden layers (0-5) of constant `width`, as in GAN Lab
(Kahng et al. 2018).

Unlike the classic `mlp` (three hidden layers of doubling width, made for images), every size is
a free knob here, small enough to train in seconds on a CPU and to watch: depth 0 makes G an
affine map of the noise (it can only produce an ellipse of a Gaussian) and D a linear classifier
(a straight decision boundary); each hidden layer lets G fold the noise once more and D bend its
boundary once more. LeakyReLU(0.2) everywhere (no dead units at small widths); no normalisation
unless asked for (batch norm in G makes a fake point depend on the rest of its batch, which is
confusing to watch); no output squashing for 2-D points, which are unbounded (Tanh for images).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from gan_core.models._registry import norm_layer, register_arch

MAX_DEPTH = 5


def _stack(n_in: int, n_out: int, *, width: int, depth: int, norm: str) -> nn.Sequential:
    layers: list[nn.Module] = []
    a = n_in
    for _ in range(depth):
        layers.append(nn.Linear(a, width))
        if (n := norm_layer(norm, width, 1)) is not None:
            layers.append(n)
        layers.append(nn.LeakyReLU(0.2))
        a = width
    layers.append(nn.Linear(a, n_out))
    return nn.Sequential(*layers)


class ToyGenerator(nn.Module):
    def __init__(self, *, latent_dim: int, shape: tuple[int, ...], width: int = 32, depth: int = 2,
                 norm: str = "none"):
        super().__init__()
        self.shape = tuple(shape)
        self.net = _stack(latent_dim, math.prod(shape), width=width, depth=depth, norm=norm)
        if len(shape) > 1:  # images: squash to the data range [-1, 1] (points stay unbounded)
            self.net.append(nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(z.shape[0], *self.shape)  # (B, latent) -> (B, *shape)


class ToyDiscriminator(nn.Module):
    def __init__(self, *, shape: tuple[int, ...], width: int = 32, depth: int = 2, norm: str = "none"):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), _stack(math.prod(shape), 1, width=width, depth=depth, norm=norm))
        self.feature_dim = width if depth > 0 else math.prod(shape)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.net[1][:-1](self.net[0](x))  # (B, *shape) -> (B, F): the last hidden layer (or x itself)

    def head(self, h: torch.Tensor) -> torch.Tensor:
        return self.net[1][-1](h).squeeze(1)  # (B, F) -> (B,)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)  # (B, *shape) -> (B,)


@register_arch(
    "toy-mlp",
    label="Small MLP (2-D lab: 0-5 hidden layers of one width)",
    help="G and D each with `depth` hidden layers (0-5) of `width` units, LeakyReLU(0.2), no normalisation "
    "unless chosen, as in GAN Lab (Kahng et al. 2018). Here depth is the number of hidden layers: 0 makes G "
    "an affine map of the noise and D a linear classifier. For 2-D points; small and fast enough to watch "
    "every step.",
    default_g_norm="none", default_d_norm="none", max_depth=MAX_DEPTH,
)
def build_toy_mlp(*, shape: tuple[int, ...], latent_dim: int, width: int, d_shape: tuple[int, ...] | None = None,
                  depth: int = 2, g_norm: str = "none", d_norm: str = "none", **_unused):
    return (ToyGenerator(latent_dim=latent_dim, shape=shape, width=width, depth=depth, norm=g_norm),
            ToyDiscriminator(shape=d_shape or shape, width=width, depth=depth, norm=d_norm))
