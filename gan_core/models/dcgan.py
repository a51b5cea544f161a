"""DCGAN (Radford, Metz & Chintala 2015): all-convolutional G and D with batch norm.

G: z as a (B, z, 1, 1) map -> ConvTranspose to (s0 x s0) -> n x [ConvTranspose 4/2/1 doubling the
size, BatchNorm, ReLU] -> Tanh. D mirrors it with strided convolutions and LeakyReLU(0.2), ending
in a convolution over the last s0 x s0 map that gives one raw score. Weights start from
N(0, 0.02) as in the paper.
"""

from __future__ import annotations

import torch
from torch import nn

from gan_core.models import ARCHS


def plan(resolution: int) -> tuple[int, int]:
    """Split `resolution` = s0 * 2**n with n upsamplings: s0 >= 4 where that still leaves two
    upsamplings, else s0 >= 2 (8x8 digits: 2 -> 4 -> 8)."""
    best = None
    for min_s0 in (4, 2):
        n = 0
        while resolution % 2 ** (n + 1) == 0 and resolution // 2 ** (n + 1) >= min_s0:
            n += 1
        best = (resolution // 2**n, n)
        if n >= 2:
            return best
    if best is None or best[1] < 1:
        raise ValueError(f"DCGAN needs an even resolution of at least 4, got {resolution}")
    return best


def dcgan_init(m: nn.Module) -> None:
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


class DCGANGenerator(nn.Module):
    def __init__(self, *, latent_dim: int, channels: int, resolution: int, width: int = 64):
        super().__init__()
        s0, n = plan(resolution)
        c = width * 2 ** (n - 1)
        layers: list[nn.Module] = [nn.ConvTranspose2d(latent_dim, c, s0, 1, 0, bias=False), nn.BatchNorm2d(c), nn.ReLU(True)]
        for _ in range(n - 1):
            layers += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c // 2), nn.ReLU(True)]
            c //= 2
        layers += [nn.ConvTranspose2d(c, channels, 4, 2, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z[:, :, None, None])  # (B, z) -> (B, z, 1, 1) -> (B, C, H, W)


class DCGANDiscriminator(nn.Module):
    def __init__(self, *, channels: int, resolution: int, width: int = 64, batchnorm: bool = True):
        super().__init__()
        s0, n = plan(resolution)
        c = width
        layers: list[nn.Module] = [nn.Conv2d(channels, c, 4, 2, 1), nn.LeakyReLU(0.2, True)]  # no BN on the input layer
        for _ in range(n - 1):
            layers.append(nn.Conv2d(c, 2 * c, 4, 2, 1, bias=not batchnorm))
            if batchnorm:
                layers.append(nn.BatchNorm2d(2 * c))
            layers.append(nn.LeakyReLU(0.2, True))
            c *= 2
        layers.append(nn.Conv2d(c, 1, s0, 1, 0))  # (B, c, s0, s0) -> (B, 1, 1, 1)
        self.net = nn.Sequential(*layers)
        self.apply(dcgan_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).flatten()  # (B, C, H, W) -> (B,)


@ARCHS.register(
    "dcgan",
    label="DCGAN (convolutional)",
    help="Transposed convolutions with batch norm in G, strided convolutions in D (Radford et al. 2015). "
    "The standard for images; sharper than the MLP. Images only.",
)
def build_dcgan(*, shape: tuple[int, ...], latent_dim: int, width: int, d_batchnorm: bool = True):
    if len(shape) != 3 or shape[1] != shape[2]:
        raise ValueError(f"DCGAN needs square images (C, H, W); this dataset has samples of shape {shape}. Use the MLP.")
    c, r, _ = shape
    return (DCGANGenerator(latent_dim=latent_dim, channels=c, resolution=r, width=width),
            DCGANDiscriminator(channels=c, resolution=r, width=width, batchnorm=d_batchnorm))


build_dcgan.image_only = True  # read by TrainConfig.validate: refuse DCGAN on 2-D point datasets
