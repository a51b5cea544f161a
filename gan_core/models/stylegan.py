"""StyleGAN-lite: a small style-based generator (Karras, Laine & Aila 2019).

The ideas, without StyleGAN's engineering (no equalised learning rate, no path-length regulariser;
progressive growing only as an option, `--progressive`, in models/progressive.py):

- mapping network f: z -> w, 4 x [Linear, LeakyReLU(0.2)] after normalising z (pixel norm);
- synthesis starts from a learned constant (c, s0, s0) instead of z;
- at each resolution two 3x3 convolutions (the first after a x2 upsampling), each followed by
  per-pixel noise scaled by a learned per-channel strength, a bias and LeakyReLU(0.2), and AdaIN:
      AdaIN(x, w) = (1 + s(w)) * (x - mu(x)) / sigma(x) + b(w)     (mu, sigma per sample and channel)
  with (s, b) = A(w) a learned affine map per layer, so w sets each layer's "style";
- a 1x1 convolution to the image channels, then Tanh.

Style mixing: the generator takes one w per layer (`num_ws` of them). `forward(z, mix_z=z2,
cutoff=k)` uses w(z) for layers < k and w(z2) from layer k on: coarse (low resolution) styles
from z, fine ones from z2. Training mixes a share of the batch this way (config style_mixing),
which keeps neighbouring styles independent. `mix(z_a, z_b, k)` is the same at sampling time.

Noise: random in training (drawn from the `generator` passed in, so runs are reproducible);
in eval mode a fixed noise map per layer (a buffer), so sampling is deterministic. A running
mean of w (`w_avg`) supports the truncation trick: w' = w_avg + psi (w - w_avg).

The discriminator is the residual D of `resnet.py` with a minibatch standard-deviation
channel (Karras et al. 2018), which lets D see how varied a batch is, and StyleGAN's epilogue
(conv3x3, then a dense layer over every position of the last feature map) instead of global
average pooling. At 28 px the residual D has only two blocks: with pooling it saw only local
textures and could not learn to tell a collapsed G's few shapes from real clothes (trained alone
for 200 steps against such a G: loss 1.39 = chance; with the dense epilogue: 0.18), so G
collapsed with D at chance.

The mapping network learns at 1% of G's learning rate (StyleGAN's lr multiplier, `SlowLinear`).
With the full rate it folded w onto about two dimensions (3 principal directions held 97% of w's
variance after 12k steps) and each class became a few prototypes (precision 0.93, recall 0.007);
at 1%, same command, step 3000: FD_clf 18.1 and recall 0.38 instead of 29.6 and 0.08.

Initialisation: the mapping network's layers get He init for LeakyReLU(0.2) and zero biases,
and A's weights std 1/sqrt(w_dim), so that w and the styles vary with z from the first step.
With PyTorch's default Linear init w shrank ~3x per layer and was mostly the biases: the
initial samples varied across z by 6% of their contrast (now ~95%), a collapsed start.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gan_core.models._registry import register_arch
from gan_core.models.dcgan import plan
from gan_core.models.resnet import ResNetDiscriminator, _check_square

MAPPING_LAYERS = 4
MAPPING_LR_MUL = 0.01  # the mapping network's share of G's LR (why: the module docstring)
W_AVG_BETA = 0.995  # w_avg <- lerp(w_avg, mean w of the batch, 1 - beta) in training


class SlowLinear(nn.Linear):
    """A Linear layer that learns lr_mul times as fast: the parameters are stored divided by lr_mul
    and multiplied back in forward, so an optimiser step of size ~lr on them (Adam) moves the
    effective weights by ~lr * lr_mul. StyleGAN's learning-rate multiplier for the mapping network,
    without touching the optimiser or the LR schedules. He init for LeakyReLU(0.2), zero bias."""

    def __init__(self, cin: int, cout: int, lr_mul: float):
        super().__init__(cin, cout)
        self.lr_mul = lr_mul
        with torch.no_grad():
            nn.init.kaiming_normal_(self.weight, a=0.2, nonlinearity="leaky_relu")
            self.weight /= lr_mul
            nn.init.zeros_(self.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.lr_mul, self.bias * self.lr_mul)


class MappingNetwork(nn.Module):
    def __init__(self, z_dim: int, w_dim: int, layers: int = MAPPING_LAYERS, lr_mul: float = MAPPING_LR_MUL):
        super().__init__()
        mods: list[nn.Module] = []
        for i in range(layers):
            mods += [SlowLinear(z_dim if i == 0 else w_dim, w_dim, lr_mul), nn.LeakyReLU(0.2)]
        self.net = nn.Sequential(*mods)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = z * (z.pow(2).mean(1, keepdim=True) + 1e-8).rsqrt()  # pixel norm: |z| ~ sqrt(dim)
        return self.net(z)  # (B, z) -> (B, w)


class StyleLayer(nn.Module):
    """[upsample] -> conv3x3 -> + noise * strength -> + bias -> LeakyReLU -> AdaIN(w)."""

    def __init__(self, cin: int, cout: int, w_dim: int, size: int, up: bool = False, conv: bool = True):
        super().__init__()
        self.up = up
        self.conv = nn.Conv2d(cin, cout, 3, 1, 1, bias=False) if conv else None
        self.noise_strength = nn.Parameter(torch.zeros(1, cout, 1, 1))
        self.register_buffer("noise_const", torch.randn(1, 1, size, size))  # eval-mode noise
        self.bias = nn.Parameter(torch.zeros(1, cout, 1, 1))
        self.affine = nn.Linear(w_dim, 2 * cout)  # A: w -> (scale, bias) of AdaIN
        nn.init.normal_(self.affine.weight, std=w_dim ** -0.5)  # unit-variance w -> styles of std ~1
        nn.init.zeros_(self.affine.bias)  # style scale starts at 1 + 0, bias at 0

    def forward(self, x: torch.Tensor, w: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        if self.up:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)  # (B, c, 2H, 2W)
        if self.conv is not None:
            x = self.conv(x)
        if self.training:
            noise = torch.randn(x.shape[0], 1, *x.shape[2:], device=x.device, dtype=x.dtype, generator=generator)
        else:
            noise = self.noise_const
        x = F.leaky_relu(x + noise * self.noise_strength + self.bias, 0.2)
        x = F.instance_norm(x, eps=1e-5)  # (x - mu) / sigma per sample and channel
        scale, bias = self.affine(w).chunk(2, dim=1)  # (B, c) each
        return x * (1 + scale[:, :, None, None]) + bias[:, :, None, None]


class StyleGenerator(nn.Module):
    uses_noise = True

    def __init__(self, *, latent_dim: int, w_dim: int, channels: int, resolution: int, width: int = 32,
                 depth: int = 0):
        super().__init__()
        s0, n = plan(resolution)
        chans = [width * 2 ** max(0, n - 1 - i) for i in range(n + 1)]  # at s0, 2 s0, ..., resolution
        self.w_dim = w_dim
        self.mapping = MappingNetwork(latent_dim, w_dim)
        self.const = nn.Parameter(torch.randn(1, chans[0], s0, s0))
        layers = [StyleLayer(chans[0], chans[0], w_dim, s0, conv=False)]  # the constant gets noise and a style
        layers += [StyleLayer(chans[0], chans[0], w_dim, s0) for _ in range(1 + depth)]
        for i in range(n):
            size = s0 * 2 ** (i + 1)
            layers.append(StyleLayer(chans[i], chans[i + 1], w_dim, size, up=True))
            layers += [StyleLayer(chans[i + 1], chans[i + 1], w_dim, size) for _ in range(1 + depth)]
        self.layers = nn.ModuleList(layers)
        self.to_rgb = nn.Conv2d(chans[-1], channels, 1)
        self.num_ws = len(layers)
        self.register_buffer("w_avg", torch.zeros(w_dim))

    def ws(self, z: torch.Tensor, mix_z: torch.Tensor | None = None, cutoff: int | torch.Tensor | None = None,
           psi: float = 1.0) -> torch.Tensor:
        """One w per layer, (B, num_ws, w_dim): w(z) before `cutoff`, w(mix_z) from it on."""
        w = self.mapping(z)
        if self.training:
            self.w_avg.lerp_(w.detach().mean(0), 1 - W_AVG_BETA)
        ws = w[:, None].expand(-1, self.num_ws, -1)
        if mix_z is not None:
            w2 = self.mapping(mix_z)[:, None].expand(-1, self.num_ws, -1)
            idx = torch.arange(self.num_ws, device=z.device)[None, :]  # (1, L)
            cut = cutoff if torch.is_tensor(cutoff) else torch.full((z.shape[0],), int(cutoff), device=z.device)
            ws = torch.where((idx < cut[:, None])[:, :, None], ws, w2)  # (B, L, w)
        if psi != 1.0:  # truncation trick
            ws = self.w_avg + psi * (ws - self.w_avg)
        return ws

    def synthesis(self, ws: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        x = self.const.expand(ws.shape[0], -1, -1, -1)  # (B, c0, s0, s0)
        for i, layer in enumerate(self.layers):
            x = layer(x, ws[:, i], generator)
        return torch.tanh(self.to_rgb(x))  # (B, C, H, W) in [-1, 1]

    def forward(self, z: torch.Tensor, *, mix_z: torch.Tensor | None = None, cutoff: int | torch.Tensor | None = None,
                psi: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.synthesis(self.ws(z, mix_z, cutoff, psi), generator)

    def mix(self, z_a: torch.Tensor, z_b: torch.Tensor, crossover: int, **kw) -> torch.Tensor:
        """Style mixing at sampling time: layers < crossover take z_a's style, the rest z_b's."""
        return self.forward(z_a, mix_z=z_b, cutoff=crossover, **kw)


def mixing_cutoffs(batch: int, num_ws: int, prob: float, device: torch.device,
                   generator: torch.Generator | None = None) -> torch.Tensor:
    """Per-sample crossover layer for style-mixing regularisation: with probability `prob` a random
    layer in [1, num_ws), else num_ws (no mixing). Drawn on the device: no host synchronisation."""
    cut = torch.randint(1, max(2, num_ws), (batch,), device=device, generator=generator)
    keep = torch.rand(batch, device=device, generator=generator) >= prob
    return torch.where(keep, torch.full_like(cut, num_ws), cut)


@register_arch(
    "stylegan-lite",
    label="StyleGAN-lite (style-based)",
    help="A small style-based generator (Karras et al. 2019): a mapping network z -> w, a learned "
    "constant input, AdaIN style modulation and per-pixel noise at every layer; styles can be mixed "
    "between two latents at sampling time. D is residual with a minibatch-stddev channel and StyleGAN's "
    "dense last layers (it sees the whole shape, not only textures). Pairs well "
    "with the non-saturating loss, R1 and EMA (the style-based preset). Images only; slower per step "
    "than DCGAN.",
    image_only=True, g_norms=(), default_g_norm="adain", default_d_norm="none",
)
def build_stylegan(*, shape: tuple[int, ...], latent_dim: int, width: int, d_shape: tuple[int, ...] | None = None,
                   depth: int = 0, d_norm: str = "none", w_dim: int | None = None, **_unused):
    c, r = _check_square(shape, "StyleGAN-lite")
    G = StyleGenerator(latent_dim=latent_dim, w_dim=w_dim or latent_dim, channels=c, resolution=r, width=width,
                       depth=depth)
    D = ResNetDiscriminator(channels=(d_shape or shape)[0], resolution=r, width=width, depth=depth, norm=d_norm,
                            mbstd=True, head="dense")
    return G, D
