"""The classic fully connected GAN (Goodfellow et al. 2014, as in the tutorials).

G: Linear / LeakyReLU(0.2) / BatchNorm1d blocks widening w -> 2w -> 4w, Tanh output for images.
D: Linear / LeakyReLU(0.2) blocks narrowing 4w -> 2w -> 1 raw score (the tutorials' Sigmoid
is folded into the loss as BCE-with-logits, which is the same maths, numerically stable).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from gan_core.models import ARCHS


class MLPGenerator(nn.Module):
    def __init__(self, *, latent_dim: int, shape: tuple[int, ...], width: int = 256):
        super().__init__()
        self.shape = tuple(shape)
        out = math.prod(shape)
        w = width
        layers: list[nn.Module] = [nn.Linear(latent_dim, w), nn.LeakyReLU(0.2)]
        for a, b in ((w, 2 * w), (2 * w, 4 * w)):
            layers += [nn.Linear(a, b), nn.BatchNorm1d(b), nn.LeakyReLU(0.2)]
        layers.append(nn.Linear(4 * w, out))
        if len(shape) > 1:  # images: squash to the data range [-1, 1]
            layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(z.shape[0], *self.shape)  # (B, latent) -> (B, *shape)


class MLPDiscriminator(nn.Module):
    def __init__(self, *, shape: tuple[int, ...], width: int = 256):
        super().__init__()
        w = width
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(math.prod(shape), 4 * w), nn.LeakyReLU(0.2),
            nn.Linear(4 * w, 2 * w), nn.LeakyReLU(0.2),
            nn.Linear(2 * w, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)  # (B, *shape) -> (B,)


@ARCHS.register(
    "mlp",
    label="MLP (classic fully connected GAN)",
    help="Linear / LeakyReLU(0.2) / BatchNorm1d layers in G with a Tanh output, a mirror-image D. "
    "The original GAN recipe: simple and fast, good on 2-D data and 28x28 images.",
)
def build_mlp(*, shape: tuple[int, ...], latent_dim: int, width: int, d_batchnorm: bool = True):
    return MLPGenerator(latent_dim=latent_dim, shape=shape, width=width), MLPDiscriminator(shape=shape, width=width)
