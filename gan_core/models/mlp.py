"""The classic fully connected GAN (Goodfellow et al. 2014, as in the tutorials).

G: Linear / LeakyReLU(0.2) / BatchNorm1d blocks widening w -> 2w -> 4w, Tanh output for images.
D: Linear / LeakyReLU(0.2) blocks narrowing 4w -> 2w -> 1 raw score (the tutorials' Sigmoid
is folded into the loss as BCE-with-logits, which is the same maths, numerically stable).
`depth` adds hidden layers at the widest width (4w) to both.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from gan_core.models._registry import norm_layer, register_arch


class MLPGenerator(nn.Module):
    def __init__(self, *, latent_dim: int, shape: tuple[int, ...], width: int = 256, depth: int = 0,
                 norm: str = "batch"):
        super().__init__()
        self.shape = tuple(shape)
        out = math.prod(shape)
        w = width
        layers: list[nn.Module] = [nn.Linear(latent_dim, w), nn.LeakyReLU(0.2)]
        for a, b in ((w, 2 * w), (2 * w, 4 * w), *((4 * w, 4 * w),) * depth):
            layers.append(nn.Linear(a, b))
            if (n := norm_layer(norm, b, 1)) is not None:
                layers.append(n)
            layers.append(nn.LeakyReLU(0.2))
        layers.append(nn.Linear(4 * w, out))
        if len(shape) > 1:  # images: squash to the data range [-1, 1]
            layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(z.shape[0], *self.shape)  # (B, latent) -> (B, *shape)


class MLPDiscriminator(nn.Module):
    def __init__(self, *, shape: tuple[int, ...], width: int = 256, depth: int = 0, norm: str = "none"):
        super().__init__()
        w = width
        layers: list[nn.Module] = [nn.Flatten(), nn.Linear(math.prod(shape), 4 * w), nn.LeakyReLU(0.2)]
        for a, b in (*((4 * w, 4 * w),) * depth, (4 * w, 2 * w)):  # no normalisation on the input layer
            layers.append(nn.Linear(a, b))
            if (n := norm_layer(norm, b, 1)) is not None:
                layers.append(n)
            layers.append(nn.LeakyReLU(0.2))
        layers.append(nn.Linear(2 * w, 1))
        self.net = nn.Sequential(*layers)
        self.feature_dim = 2 * w

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.net[:-1](x)  # (B, *shape) -> (B, 2w)

    def head(self, h: torch.Tensor) -> torch.Tensor:
        return self.net[-1](h).squeeze(1)  # (B, 2w) -> (B,)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)  # (B, *shape) -> (B,)


@register_arch(
    "mlp",
    label="MLP (classic fully connected GAN)",
    help="Linear / LeakyReLU(0.2) / BatchNorm1d layers in G with a Tanh output, a mirror-image D "
    "(Goodfellow et al. 2014). The original GAN recipe: simple and fast, good on 2-D data and 28x28 "
    "images; blurry and noisy on anything harder, because it ignores that neighbouring pixels are related.",
    default_g_norm="batch", default_d_norm="none", max_depth=8,
)
def build_mlp(*, shape: tuple[int, ...], latent_dim: int, width: int, d_shape: tuple[int, ...] | None = None,
              depth: int = 0, g_norm: str = "batch", d_norm: str = "none", **_unused):
    return (MLPGenerator(latent_dim=latent_dim, shape=shape, width=width, depth=depth, norm=g_norm),
            MLPDiscriminator(shape=d_shape or shape, width=width, depth=depth, norm=d_norm))
