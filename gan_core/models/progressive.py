"""Progressive growing (Karras et al. 2018, PGGAN) for DCGAN and StyleGAN-lite: G and D that train at a
low resolution first and grow to the full one, each new resolution faded in.

The nets hold every resolution's layers from the start (DCGAN's plan: s0 -> 2 s0 -> ... -> R = s0 2^n,
e.g. 7 -> 14 -> 28); `set_growth(level, alpha)` chooses how much of them is used. At level k (resolution
r_k = s0 2^k) during a fade-in (alpha < 1):

    G:  x_k = alpha * rgb_k(F_k) + (1 - alpha) * up2(rgb_{k-1}(F_{k-1}))       F_k: G's features at r_k
    D:  H_{k-1} = alpha * down_k(frgb_k(x_k)) + (1 - alpha) * frgb_{k-1}(avgpool2(x_k))

where rgb_k is a 1x1 convolution to the image channels (at the last level: the fixed-size net's own last
layer, DCGAN's transposed convolution or StyleGAN-lite's to-RGB) and frgb_k its mirror in D (1x1 conv and
LeakyReLU; at the last level D's own first layer). With alpha = 1 only the new block is used.

Both nets keep the full size at their interface: G's output is upsampled with nearest neighbours to
R x R, and D average-pools its R x R input down to r_k first (avgpool of a nearest upsampling is the
identity, so D sees exactly G's r_k image). So sampling, scoring, the sample grid (which shows the
resolution grow) and checkpoints need no change; the engine only sets the growth from the step
(`growth_at`) and feeds real images at the current resolution (`real_at`: avg-pooled, and blended as
PGGAN does during a fade-in). Gradient penalties (WGAN-GP, R1) are taken with respect to the R x R
input, as in a fixed-resolution run.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from gan_core.models._registry import GROWING, norm_layer, register_growing
from gan_core.models.dcgan import dcgan_init, plan
from gan_core.models.resnet import ResNetDiscriminator, _check_square
from gan_core.models.stylegan import StyleGenerator


def sizes(resolution: int) -> tuple[int, ...]:
    """The resolutions a DCGAN of `resolution` can grow through: s0, 2 s0, ..., resolution."""
    s0, n = plan(resolution)
    return tuple(s0 * 2**k for k in range(n + 1))


def growth_at(step: int, *, start: int, final: int, every: int) -> tuple[int, float]:
    """(level, alpha) at `step`: level `start` for the first `every` steps, then one level more every
    `every` steps, each faded in linearly over the first half of its phase (alpha 0 -> 1), up to `final`."""
    j = step // every
    if j == 0 or start + j > final:
        return min(start + j, final), 1.0
    return start + j, min(1.0, (step - j * every) / max(1, every // 2))


def growth_end(*, start: int, final: int, every: int) -> int:
    """The step from which the final resolution is used alone (its fade-in done)."""
    return (final - start) * every + max(1, every // 2) if final > start else 0


def growth_for(cfg: Any, resolution: int, step: int) -> tuple[int, float]:
    """(level, alpha) of a progressive run's config (arch, grow_from, grow_every) at `step`."""
    levels = GROWING.get(cfg.arch).sizes(resolution)
    return growth_at(step, start=levels.index(cfg.grow_from or levels[0]), final=len(levels) - 1,
                     every=cfg.grow_every)


def _pool(x: torch.Tensor, f: int) -> torch.Tensor:
    return F.avg_pool2d(x, f) if f > 1 else x


def _up(x: torch.Tensor, f: int) -> torch.Tensor:
    return F.interpolate(x, scale_factor=f, mode="nearest") if f > 1 else x


def real_at(x: torch.Tensor, level: int, alpha: float, final: int) -> torch.Tensor:
    """Real images (B, C, R, R) as D sees them at `level`: average-pooled to r_k and, during a fade-in,
    x = alpha x_k + (1 - alpha) up2(avgpool2(x_k)) (PGGAN's blend of the real images), back at R x R."""
    f = 2 ** (final - level)
    xk = _pool(x, f)
    if alpha < 1.0:
        xk = torch.lerp(_up(_pool(xk, 2), 2), xk, alpha)
    return _up(xk, f)


def _block(conv: nn.Module, c: int, norm: str, act: nn.Module) -> nn.Sequential:
    n = norm_layer(norm, c, 2)
    return nn.Sequential(conv, *([n] if n is not None else []), act)


class Growing:
    """What every growing net has (a mixin of nn.Module classes): the current level and fade-in weight,
    set by the engine, not trained."""

    def _init_growth(self, levels: int) -> None:
        self.final = levels - 1
        self.level, self.alpha = self.final, 1.0  # a built net samples at full size (a finished run's checkpoint)

    def set_growth(self, level: int, alpha: float) -> None:
        if not 0 <= level <= self.final or not 0.0 <= alpha <= 1.0:
            raise ValueError(f"level must be 0..{self.final} and alpha in [0, 1], got {level}, {alpha}")
        self.level, self.alpha = level, float(alpha)


class ProgressiveDCGANGenerator(Growing, nn.Module):
    def __init__(self, *, latent_dim: int, channels: int, resolution: int, width: int = 64, depth: int = 0,
                 norm: str = "batch"):
        s0, n = plan(resolution)
        super().__init__()
        self._init_growth(n + 1)
        c = width * 2 ** (n - 1)
        bias = norm == "none"
        relu = lambda: nn.ReLU(True)  # noqa: E731
        stem = [_block(nn.ConvTranspose2d(latent_dim, c, s0, 1, 0, bias=bias), c, norm, relu())]
        stem += [_block(nn.Conv2d(c, c, 3, 1, 1, bias=bias), c, norm, relu()) for _ in range(depth)]
        self.stages = nn.ModuleList([nn.Sequential(*stem)])  # stage k: F_{k-1} -> F_k (r_k = s0 2^k)
        self.to_rgb = nn.ModuleList([nn.Conv2d(c, channels, 1)])  # levels 0..n-1: 1x1 conv of F_k
        for _ in range(n - 1):
            layers = [_block(nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=bias), c // 2, norm, relu())]
            c //= 2
            layers += [_block(nn.Conv2d(c, c, 3, 1, 1, bias=bias), c, norm, relu()) for _ in range(depth)]
            self.stages.append(nn.Sequential(*layers))
            self.to_rgb.append(nn.Conv2d(c, channels, 1))
        self.last = nn.ConvTranspose2d(c, channels, 4, 2, 1)  # level n's to-RGB: DCGAN's last layer, F_{n-1} -> R
        self.apply(dcgan_init)

    def _rgb(self, k: int, h: torch.Tensor) -> torch.Tensor:
        return self.last(h) if k == self.final else self.to_rgb[k](h)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        k, a = self.level, self.alpha
        h = z[:, :, None, None]  # (B, z, 1, 1)
        prev = None
        for i in range(min(k, self.final - 1) + 1):  # features F_0 .. F_min(k, n-1)
            prev, h = h, self.stages[i](h)
        x = self._rgb(k, h)  # (B, C, r_k, r_k)
        if a < 1.0 and k > 0:  # fade-in: the previous level's image, upsampled
            fk = h if k == self.final else prev  # F_{k-1}
            x = torch.lerp(_up(self._rgb(k - 1, fk), 2), x, a)
        return _up(torch.tanh(x), 2 ** (self.final - k))  # (B, C, R, R)


class ProgressiveDCGANDiscriminator(Growing, nn.Module):
    def __init__(self, *, channels: int, resolution: int, width: int = 64, depth: int = 0, norm: str = "batch"):
        s0, n = plan(resolution)
        super().__init__()
        self._init_growth(n + 1)
        bias = norm == "none"
        lrelu = lambda: nn.LeakyReLU(0.2, True)  # noqa: E731
        # the width of D's features at r_j: `width` at r_{n-1}, doubling at each halving
        ch = [width * 2 ** (n - 1 - j) for j in range(n)]
        self.first = nn.Sequential(nn.Conv2d(channels, width, 4, 2, 1), lrelu())  # level n: R -> r_{n-1}, no norm
        self.from_rgb = nn.ModuleList([nn.Sequential(nn.Conv2d(channels, ch[j], 1), lrelu()) for j in range(n)])
        self.down = nn.ModuleList([nn.Identity()])  # down[j]: H_j (r_j) -> H_{j-1}, j = 1..n-1
        for j in range(1, n):
            c = ch[j]
            layers = [_block(nn.Conv2d(c, c, 3, 1, 1, bias=bias), c, norm, lrelu()) for _ in range(depth)]
            layers.append(_block(nn.Conv2d(c, 2 * c, 4, 2, 1, bias=bias), 2 * c, norm, lrelu()))
            self.down.append(nn.Sequential(*layers))
        c = ch[0]
        self.tail = nn.Sequential(*[_block(nn.Conv2d(c, c, 3, 1, 1, bias=bias), c, norm, lrelu())
                                    for _ in range(depth)])
        self.out = nn.Conv2d(c, 1, s0, 1, 0)  # (B, c, s0, s0) -> (B, 1, 1, 1)
        self.feature_shape = (c, s0, s0)
        self.feature_dim = c * s0 * s0
        self.apply(dcgan_init)

    def _enter(self, k: int, x: torch.Tensor) -> tuple[int, torch.Tensor]:
        """An image at r_k -> (j, H_j): level n's first conv lands one level lower (r_{n-1})."""
        return (k - 1, self.first(x)) if k == self.final else (k, self.from_rgb[k](x))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        k, a = self.level, self.alpha
        x = _pool(x, 2 ** (self.final - k))  # (B, C, R, R) -> (B, C, r_k, r_k)
        j, h = self._enter(k, x)
        if a < 1.0 and k > 0:  # fade-in: bring the new path to r_{k-1}, mix with the old level's entry
            if j == k:
                h, j = self.down[k](h), k - 1
            h = torch.lerp(self.from_rgb[k - 1](_pool(x, 2)), h, a)
        for i in range(j, 0, -1):
            h = self.down[i](h)
        return self.tail(h).flatten(1)  # (B, c * s0 * s0)

    def head(self, h: torch.Tensor) -> torch.Tensor:
        return self.out(h.view(-1, *self.feature_shape)).flatten()  # (B,)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))  # (B, C, R, R) -> (B,)


@register_growing("dcgan", sizes=sizes)
def build_progressive_dcgan(*, shape: tuple[int, ...], latent_dim: int, width: int, depth: int = 0,
                            g_norm: str = "batch", d_norm: str = "batch", **_unused):
    """G and D of a growing DCGAN for square images of `shape` (C, R, R)."""
    if len(shape) != 3 or shape[1] != shape[2]:
        raise ValueError(f"progressive DCGAN needs square images (C, H, W); this dataset has samples of shape {shape}")
    c, r, _ = shape
    return (ProgressiveDCGANGenerator(latent_dim=latent_dim, channels=c, resolution=r, width=width, depth=depth,
                                      norm=g_norm),
            ProgressiveDCGANDiscriminator(channels=c, resolution=r, width=width, depth=depth, norm=d_norm))


# ---------------------------------------------------------------------- StyleGAN-lite
class ProgressiveStyleGenerator(Growing, StyleGenerator):
    """StyleGAN-lite's generator with a to-RGB 1x1 convolution at every resolution (the last is its own):
    at level k only the style layers up to r_k run. The layers and their w's are those of the fixed-size
    net, so style mixing and truncation work as there."""

    def __init__(self, *, latent_dim: int, w_dim: int, channels: int, resolution: int, width: int = 32,
                 depth: int = 0):
        super().__init__(latent_dim=latent_dim, w_dim=w_dim, channels=channels, resolution=resolution, width=width,
                         depth=depth)
        _, n = plan(resolution)
        self._init_growth(n + 1)
        per = 2 + depth  # style layers per resolution (s0: the constant's layer and 1 + depth convolutions)
        self.ends = [per * (k + 1) for k in range(n + 1)]  # layers[:ends[k]] reach r_k
        self.rgbs = nn.ModuleList([nn.Conv2d(self.layers[e - 1].bias.shape[1], channels, 1) for e in self.ends[:-1]])

    def _rgb(self, k: int, x: torch.Tensor) -> torch.Tensor:
        return self.to_rgb(x) if k == self.final else self.rgbs[k](x)

    def synthesis(self, ws: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        k, a = self.level, self.alpha
        x = self.const.expand(ws.shape[0], -1, -1, -1)  # (B, c0, s0, s0)
        prev = None
        for i, layer in enumerate(self.layers[: self.ends[k]]):
            if k > 0 and i == self.ends[k - 1]:
                prev = x  # the features at r_{k-1}
            x = layer(x, ws[:, i], generator)
        y = self._rgb(k, x)  # (B, C, r_k, r_k)
        if a < 1.0 and k > 0:
            y = torch.lerp(_up(self._rgb(k - 1, prev), 2), y, a)
        return _up(torch.tanh(y), 2 ** (self.final - k))  # (B, C, R, R)


class ProgressiveResNetDiscriminator(Growing, ResNetDiscriminator):
    """StyleGAN-lite's residual D with a from-RGB 1x1 convolution at every resolution below the full one:
    an image at r_k enters before the block that halves r_k; the minibatch-stddev channel and the dense
    epilogue follow as in the fixed-size D."""

    def __init__(self, *, channels: int, resolution: int, width: int = 32, depth: int = 0, norm: str = "none"):
        super().__init__(channels=channels, resolution=resolution, width=width, depth=depth, norm=norm, mbstd=True,
                         head="dense")
        _, n = plan(resolution)
        self._init_growth(n + 1)
        chans = [width * 2 ** min(i, n - 1) for i in range(n)]  # as ResNetDiscriminator: after block i
        self.from_rgb = nn.ModuleList([nn.Sequential(nn.Conv2d(channels, chans[n - k - 1], 1), nn.LeakyReLU(0.2))
                                       for k in range(n)])  # level k < n: r_k -> the input of block n - k

    def features(self, x: torch.Tensor) -> torch.Tensor:
        k, a, n = self.level, self.alpha, self.final
        x = _pool(x, 2 ** (n - k))  # (B, C, r_k, r_k)
        h, b = (x, 0) if k == n else (self.from_rgb[k](x), n - k)  # b: the first block still to run
        if a < 1.0 and k > 0:  # new path down to r_{k-1}, mixed with the old level's entry
            h, b = self.blocks[b](h), b + 1
            h = torch.lerp(self.from_rgb[k - 1](_pool(x, 2)), h, a)
        for block in self.blocks[b:]:
            h = block(h)  # -> (B, c, s0, s0)
        return self.after_blocks(h)


@register_growing("stylegan-lite", sizes=sizes)
def build_progressive_stylegan(*, shape: tuple[int, ...], latent_dim: int, width: int, depth: int = 0,
                               d_norm: str = "none", w_dim: int | None = None, **_unused):
    """G and D of a growing StyleGAN-lite for square images of `shape` (C, R, R)."""
    c, r = _check_square(shape, "progressive StyleGAN-lite")
    return (ProgressiveStyleGenerator(latent_dim=latent_dim, w_dim=w_dim or latent_dim, channels=c, resolution=r,
                                      width=width, depth=depth),
            ProgressiveResNetDiscriminator(channels=c, resolution=r, width=width, depth=depth, norm=d_norm))
