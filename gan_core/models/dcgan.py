"""DCGAN (Radford, Metz & Chintala 2015): all-convolutional G and D with batch norm.

G: z as a (B, z, 1, 1) map -> ConvTranspose to (s0 x s0) -> n x [ConvTranspose 4/2/1 doubling the
size, BatchNorm, ReLU] -> Tanh. D mirrors it with strided convolutions and LeakyReLU(0.2), ending
in a convolution over the last s0 x s0 map that gives one raw score. Weights start from
N(0, 0.02) as in the paper.

Options beyond the paper: the normalisation of G and D (batch, layer or none: the paper's
ablation shows how much it relies on batch norm) and `depth` extra 3x3 convolutions after each
resolution, which make both nets deeper without changing the resolutions.
"""

from __future__ import annotations

import torch
from torch import nn

from gan_core.models._registry import norm_layer, register_arch


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
    elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def _block(conv: nn.Module, c: int, norm: str, act: nn.Module) -> list[nn.Module]:
    n = norm_layer(norm, c, 2)
    return [conv, *([n] if n is not None else []), act]


class DCGANGenerator(nn.Module):
    def __init__(self, *, latent_dim: int, channels: int, resolution: int, width: int = 64, depth: int = 0,
                 norm: str = "batch"):
        super().__init__()
        s0, n = plan(resolution)
        c = width * 2 ** (n - 1)
        bias = norm == "none"  # a bias before a normalisation layer is cancelled by it
        layers = _block(nn.ConvTranspose2d(latent_dim, c, s0, 1, 0, bias=bias), c, norm, nn.ReLU(True))
        for _ in range(depth):
            layers += _block(nn.Conv2d(c, c, 3, 1, 1, bias=bias), c, norm, nn.ReLU(True))
        for _ in range(n - 1):
            layers += _block(nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=bias), c // 2, norm, nn.ReLU(True))
            c //= 2
            for _ in range(depth):
                layers += _block(nn.Conv2d(c, c, 3, 1, 1, bias=bias), c, norm, nn.ReLU(True))
        layers += [nn.ConvTranspose2d(c, channels, 4, 2, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z[:, :, None, None])  # (B, z) -> (B, z, 1, 1) -> (B, C, H, W)


class DCGANDiscriminator(nn.Module):
    def __init__(self, *, channels: int, resolution: int, width: int = 64, batchnorm: bool = True, depth: int = 0,
                 norm: str | None = None):
        super().__init__()
        norm = norm if norm is not None else ("batch" if batchnorm else "none")
        s0, n = plan(resolution)
        c = width
        bias = norm == "none"
        # no norm on the input layer
        layers: list[nn.Module] = [nn.Conv2d(channels, c, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        for _ in range(n - 1):
            for _ in range(depth):
                layers += _block(nn.Conv2d(c, c, 3, 1, 1, bias=bias), c, norm, nn.LeakyReLU(0.2, True))
            layers += _block(nn.Conv2d(c, 2 * c, 4, 2, 1, bias=bias), 2 * c, norm, nn.LeakyReLU(0.2, True))
            c *= 2
        for _ in range(depth):
            layers += _block(nn.Conv2d(c, c, 3, 1, 1, bias=bias), c, norm, nn.LeakyReLU(0.2, True))
        layers.append(nn.Conv2d(c, 1, s0, 1, 0))  # (B, c, s0, s0) -> (B, 1, 1, 1)
        self.net = nn.Sequential(*layers)
        self.feature_shape = (c, s0, s0)
        self.feature_dim = c * s0 * s0
        self.apply(dcgan_init)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.net[:-1](x).flatten(1)  # (B, C, H, W) -> (B, c * s0 * s0)

    def head(self, h: torch.Tensor) -> torch.Tensor:
        return self.net[-1](h.view(-1, *self.feature_shape)).flatten()  # the last conv is a linear map of h: (B,)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).flatten()  # (B, C, H, W) -> (B,)


@register_arch(
    "dcgan",
    label="DCGAN (convolutional)",
    help="Transposed convolutions with batch norm in G, strided convolutions in D (Radford et al. 2015). "
    "The standard for images; sharper than the MLP. Images only.",
    image_only=True, default_g_norm="batch", default_d_norm="batch",
)
def build_dcgan(*, shape: tuple[int, ...], latent_dim: int, width: int, d_batchnorm: bool = True,
                d_shape: tuple[int, ...] | None = None, depth: int = 0, g_norm: str = "batch",
                d_norm: str | None = None, **_unused):
    if len(shape) != 3 or shape[1] != shape[2]:
        raise ValueError(f"DCGAN needs square images (C, H, W); this dataset has samples of shape {shape}. "
                         "Use the MLP.")
    c, r, _ = shape
    dc = (d_shape or shape)[0]
    d_norm = d_norm if d_norm is not None else ("batch" if d_batchnorm else "none")
    return (DCGANGenerator(latent_dim=latent_dim, channels=c, resolution=r, width=width, depth=depth, norm=g_norm),
            DCGANDiscriminator(channels=dc, resolution=r, width=width, depth=depth, norm=d_norm))
