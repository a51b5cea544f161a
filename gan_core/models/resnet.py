"""SNGAN-style residual networks (Miyato et al. 2018; the blocks of Gulrajani et al. 2017).

G: z -> Linear -> (c0, s0, s0) -> n x GBlock [norm, ReLU, upsample x2, conv3x3, norm, ReLU, conv3x3]
   (+ upsampled 1x1-conv shortcut) -> norm, ReLU, conv3x3 -> Tanh.
D: DBlock [conv3x3, act, conv3x3, avgpool] (+ avgpool/1x1-conv shortcut), then n - 1 blocks
   [act, conv3x3, act, conv3x3, avgpool], act, global pooling -> features phi(x) (B, c),
   Linear(c, 1) -> score. No normalisation in D by default: pair it with spectral norm (the
   SNGAN recipe: hinge loss, Adam betas (0, 0.9), several D steps per G step). SNGAN sums over
   the pixels; the mean used here keeps D's first scores near 0 at every resolution, so BCE and
   hinge losses do not start saturated when spectral norm is off. D's activation is
   LeakyReLU(0.2) (as in DCGAN's and StyleGAN's D) rather than SNGAN's ReLU: no unit of D is dead
   for a whole batch, so every weight of D learns from the first step.

`head="dense"` (StyleGAN-lite's D) replaces the pooling with StyleGAN's epilogue, conv3x3 and a
dense layer over the flattened s0 x s0 map, so D sees where things are, not only which textures.
`depth` adds residual blocks without resampling at the lowest resolution. Weights start from
Xavier-uniform (gain sqrt(2) inside the residual branches), as in the SNGAN code.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from gan_core.models._registry import norm_layer, register_arch
from gan_core.models.dcgan import plan


def _norm(kind: str, c: int) -> nn.Module:
    return norm_layer(kind, c, 2) or nn.Identity()


def _lrelu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.2)


def _xavier(m: nn.Module, gain: float) -> None:
    nn.init.xavier_uniform_(m.weight, gain)
    if m.bias is not None:
        nn.init.zeros_(m.bias)


class GBlock(nn.Module):
    def __init__(self, cin: int, cout: int, norm: str, up: bool = True):
        super().__init__()
        self.up = up
        self.n1, self.c1 = _norm(norm, cin), nn.Conv2d(cin, cout, 3, 1, 1)
        self.n2, self.c2 = _norm(norm, cout), nn.Conv2d(cout, cout, 3, 1, 1)
        self.sc = nn.Conv2d(cin, cout, 1) if (cin != cout or up) else None
        _xavier(self.c1, math.sqrt(2))
        _xavier(self.c2, math.sqrt(2))
        if self.sc is not None:
            _xavier(self.sc, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.n1(x))
        if self.up:
            h = F.interpolate(h, scale_factor=2, mode="nearest")  # (B, c, H, W) -> (B, c, 2H, 2W)
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        h = self.c2(F.relu(self.n2(self.c1(h))))
        return h + (self.sc(x) if self.sc is not None else x)


class DBlock(nn.Module):
    def __init__(self, cin: int, cout: int, norm: str, down: bool = True, first: bool = False):
        super().__init__()
        self.down, self.first = down, first
        self.n1, self.c1 = (nn.Identity() if first else _norm(norm, cin)), nn.Conv2d(cin, cout, 3, 1, 1)
        self.n2, self.c2 = _norm(norm, cout), nn.Conv2d(cout, cout, 3, 1, 1)
        self.sc = nn.Conv2d(cin, cout, 1) if (cin != cout or down) else None
        _xavier(self.c1, math.sqrt(2))
        _xavier(self.c2, math.sqrt(2))
        if self.sc is not None:
            _xavier(self.sc, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x if self.first else _lrelu(self.n1(x))  # the first block sees the image itself
        h = self.c2(_lrelu(self.n2(self.c1(h))))
        if self.down:
            h = F.avg_pool2d(h, 2)  # (B, c, H, W) -> (B, c, H/2, W/2)
        s = x
        if self.first:  # shortcut of the first block: pool, then 1x1 conv (Miyato et al.'s "optimized block")
            s = self.sc(F.avg_pool2d(s, 2) if self.down else s)
        elif self.sc is not None:
            s = self.sc(s)
            s = F.avg_pool2d(s, 2) if self.down else s
        return h + s


class ResNetGenerator(nn.Module):
    def __init__(self, *, latent_dim: int, channels: int, resolution: int, width: int = 64, depth: int = 0,
                 norm: str = "batch"):
        super().__init__()
        s0, n = plan(resolution)
        self.s0 = s0
        chans = [width * 2 ** max(0, n - 1 - i) for i in range(n + 1)]  # channels at s0, 2 s0, ..., resolution
        self.c0 = chans[0]
        self.fc = nn.Linear(latent_dim, chans[0] * s0 * s0)
        blocks = [GBlock(chans[0], chans[0], norm, up=False) for _ in range(depth)]
        blocks += [GBlock(chans[i], chans[i + 1], norm) for i in range(n)]
        self.blocks = nn.Sequential(*blocks)
        self.out_norm = _norm(norm, chans[-1])
        self.out = nn.Conv2d(chans[-1], channels, 3, 1, 1)
        _xavier(self.fc, 1.0)
        _xavier(self.out, 1.0)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.fc(z).view(-1, self.c0, self.s0, self.s0)  # (B, z) -> (B, c0, s0, s0)
        h = self.blocks(h)  # -> (B, c, H, W)
        return torch.tanh(self.out(F.relu(self.out_norm(h))))  # -> (B, C, H, W) in [-1, 1]


class ResNetDiscriminator(nn.Module):
    def __init__(self, *, channels: int, resolution: int, width: int = 64, depth: int = 0, norm: str = "none",
                 mbstd: bool = False, head: str = "pool"):
        super().__init__()
        if head not in ("pool", "dense"):
            raise ValueError(f"head must be 'pool' or 'dense', got {head!r}")
        s0, n = plan(resolution)
        chans = [width * 2 ** min(i, n - 1) for i in range(n)]
        self.mbstd = mbstd
        blocks = [DBlock(channels, chans[0], norm, first=True)]
        blocks += [DBlock(chans[i - 1], chans[i], norm) for i in range(1, n)]
        c = chans[-1] + (1 if mbstd else 0)
        self.blocks = nn.Sequential(*blocks)
        self.tail = nn.Sequential(*[DBlock(c if i == 0 else chans[-1], chans[-1], norm, down=False)
                                    for i in range(depth)])
        self.feature_dim = chans[-1] if depth else c
        self.head_kind = head
        if head == "dense":  # StyleGAN's epilogue: conv3x3, then a dense layer over all s0 x s0 positions
            self.epi_conv = nn.Conv2d(self.feature_dim, chans[-1], 3, 1, 1)
            self.epi_dense = nn.Linear(chans[-1] * s0 * s0, chans[-1])
            self.feature_dim = chans[-1]
        self.fc = nn.Linear(self.feature_dim, 1)
        _xavier(self.fc, 1.0)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.after_blocks(self.blocks(x))  # (B, C, H, W) -> (B, c, s0, s0) -> (B, F)

    def after_blocks(self, h: torch.Tensor) -> torch.Tensor:
        """(B, c, s0, s0) -> (B, F): minibatch stddev, the tail and the head's features (the growing D enters
        the blocks part-way, models/progressive.py)."""
        if self.mbstd:  # minibatch standard deviation (Karras et al. 2018): one extra channel
            std = (h.var(0, unbiased=False) + 1e-8).sqrt().mean()  # how varied the batch is: a scalar
            h = torch.cat([h, std.expand(h.shape[0], 1, *h.shape[2:])], 1)
        h = self.tail(h)
        if self.head_kind == "dense":  # sees where things are: (B, c, s0, s0) -> (B, c * s0 * s0) -> (B, c)
            return _lrelu(self.epi_dense(_lrelu(self.epi_conv(h)).flatten(1)))
        return _lrelu(h).mean((2, 3))  # global average pooling: (B, c) (see the module docstring)

    def head(self, h: torch.Tensor) -> torch.Tensor:
        return self.fc(h).squeeze(1)  # (B, c) -> (B,)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def _check_square(shape: tuple[int, ...], name: str) -> tuple[int, int]:
    if len(shape) != 3 or shape[1] != shape[2]:
        raise ValueError(f"{name} needs square images (C, H, W); this dataset has samples of shape {shape}. "
                         "Use the MLP.")
    return shape[0], shape[1]


@register_arch(
    "resnet",
    label="ResNet (SNGAN)",
    help="Residual G and D (Miyato et al. 2018, after Gulrajani et al. 2017): each block adds a learned "
    "correction to an up- or down-sampled shortcut, so deeper nets still train. D has no normalisation: "
    "use it with spectral norm and the hinge loss (the SNGAN preset). Sharper than DCGAN on CIFAR-like "
    "data, about 2-3x slower per step. Images only.",
    image_only=True, default_g_norm="batch", default_d_norm="none",
)
def build_resnet(*, shape: tuple[int, ...], latent_dim: int, width: int, d_shape: tuple[int, ...] | None = None,
                 depth: int = 0, g_norm: str = "batch", d_norm: str = "none", **_unused):
    c, r = _check_square(shape, "ResNet")
    return (ResNetGenerator(latent_dim=latent_dim, channels=c, resolution=r, width=width, depth=depth, norm=g_norm),
            ResNetDiscriminator(channels=(d_shape or shape)[0], resolution=r, width=width, depth=depth, norm=d_norm))
