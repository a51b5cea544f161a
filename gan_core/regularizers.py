"""Regularisers and training aids of the adversarial game, as plain functions.

Penalties are functions of (D, real, fake) where D is any callable from samples to scores (a
conditional D is passed as `lambda x: D(x, y)`). The others act on D's inputs (instance noise,
DiffAugment, packing), on weights (spectral norm, weight clipping), on gradients (norm clipping)
or keep an average of G (EMA). Randomness always comes from an explicit torch.Generator, so a
run is reproducible and resumes exactly.

Their options (weights, rates, on/off) are declared in `gan_core/config.py`, with the formulas.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterable

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.swa_utils import get_ema_multi_avg_fn

from gan_core.registry import Registry

Critic = Callable[[torch.Tensor], torch.Tensor]


# ---------------------------------------------------------------------------- gradient penalties
def gradient_penalty(D: Critic, real: torch.Tensor, fake: torch.Tensor, generator: torch.Generator | None = None,
                     center: float = 1.0) -> torch.Tensor:
    """WGAN-GP penalty E[(||grad_x D(x_hat)||_2 - 1)^2] (Gulrajani et al. 2017).

    x_hat = eps * x + (1 - eps) * G(z), eps ~ U[0, 1] per sample: the critic should have unit
    gradient norm along lines between real and generated samples (where the optimal critic does).
    `center` = 0 gives the zero-centred variant.
    """
    eps_shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    eps = torch.rand(eps_shape, device=real.device, dtype=real.dtype, generator=generator)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)
    norms = grad.flatten(1).norm(2, dim=1)  # (B,)
    return (norms - center).pow(2).mean()


def r1_penalty(D: Critic, real: torch.Tensor) -> torch.Tensor:
    """R1 = E_x[||grad_x D(x)||^2] on real data (Mescheder et al. 2018); L_D += gamma / 2 * R1.

    Penalises D for having a slope where the data is, so that D cannot push G's samples away
    from it with ever steeper gradients: the game converges locally (for non-saturating and other
    losses, unlike WGAN-GP which needs a Wasserstein critic).
    """
    x = real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    return grad.flatten(1).pow(2).sum(1).mean()


# ---------------------------------------------------------------------------- weight constraints
def apply_spectral_norm(module: nn.Module) -> nn.Module:
    """Divide every weight of `module` by its largest singular value (Miyato et al. 2018),
    estimated by one power iteration per training forward pass (torch.nn.utils.parametrizations).
    Each layer is then 1-Lipschitz, and so is the whole network (with 1-Lipschitz activations)."""
    for m in list(module.modules()):
        layer = isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d, nn.Embedding))
        if layer and not hasattr(m, "parametrizations"):
            nn.utils.parametrizations.spectral_norm(m)
    return module


@torch.no_grad()
def clip_weights_(module: nn.Module, c: float) -> None:
    """WGAN weight clipping (Arjovsky et al. 2017): every trainable weight into [-c, c], in place.

    Frozen weights (transfer learning's --freeze-d, requires_grad False) are left as they are: they
    are constant, so they cannot raise the critic's Lipschitz bound during training, and clipping
    them would rewrite the pretrained features that freezing is there to keep."""
    for p in module.parameters():
        if p.requires_grad:
            p.clamp_(-c, c)


def clip_grad_norm_(params: list[torch.nn.Parameter], max_norm: float) -> torch.Tensor:
    """Rescale the gradients so that their global L2 norm is at most max_norm; returns the norm
    before clipping (a device tensor: no host synchronisation)."""
    return torch.nn.utils.clip_grad_norm_(params, max_norm, foreach=True)


# ---------------------------------------------------------------------------- D's inputs
def instance_noise_std(step: int, sigma0: float, anneal_steps: int) -> float:
    """sigma_t = sigma0 * max(0, 1 - t / T): linear annealing to 0 over T steps (a host float)."""
    if sigma0 <= 0:
        return 0.0
    return sigma0 * max(0.0, 1.0 - step / max(1, anneal_steps))


def instance_noise(x: torch.Tensor, sigma: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """x + sigma * N(0, I) (Sonderby et al. 2017; Arjovsky & Bottou 2017): real and generated
    distributions overlap, so D cannot separate them perfectly and G's gradients do not vanish."""
    if sigma <= 0:
        return x
    return x + sigma * torch.randn(x.shape, device=x.device, dtype=x.dtype, generator=generator)


def flipped_labels(real: torch.Tensor, fake: torch.Tensor, p: float, real_label: float = 1.0,
                   generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Label noise for D's BCE targets (Salimans et al. 2016; the "ganhacks" advice): each real
    sample's target is 0 instead of `real_label` with probability p, each fake's 1 instead of 0.
    `real`, `fake`: D's scores, for the shapes. -> (real targets, fake targets), drawn on the device."""
    u_r = torch.rand(real.shape, device=real.device, generator=generator)
    u_f = torch.rand(fake.shape, device=fake.device, generator=generator)
    t_r = torch.where(u_r < p, 0.0, real_label).to(real.dtype)
    t_f = (u_f < p).to(fake.dtype)
    return t_r, t_f


def pack(x: torch.Tensor, m: int) -> torch.Tensor:
    """PacGAN packing: (B, C, H, W) -> (B/m, m C, H, W); (B, F) -> (B/m, m F)."""
    if m == 1:
        return x
    if x.dim() == 4:
        return x.reshape(x.shape[0] // m, m * x.shape[1], *x.shape[2:])
    return x.reshape(x.shape[0] // m, -1)


# DiffAugment (Zhao et al. 2020): the same random, differentiable transformations applied to every
# sample D sees, real and generated, in D's and in G's step, so D cannot memorise a small dataset
# and G still gets gradients through the augmentation. Images are in [-1, 1].
def _brightness(x: torch.Tensor, g: torch.Generator | None) -> torch.Tensor:
    return x + (torch.rand(x.shape[0], 1, 1, 1, device=x.device, dtype=x.dtype, generator=g) - 0.5)


def _saturation(x: torch.Tensor, g: torch.Generator | None) -> torch.Tensor:
    mean = x.mean(1, keepdim=True)
    return (x - mean) * (torch.rand(x.shape[0], 1, 1, 1, device=x.device, dtype=x.dtype, generator=g) * 2) + mean


def _contrast(x: torch.Tensor, g: torch.Generator | None) -> torch.Tensor:
    mean = x.mean((1, 2, 3), keepdim=True)
    return (x - mean) * (torch.rand(x.shape[0], 1, 1, 1, device=x.device, dtype=x.dtype, generator=g) + 0.5) + mean


def _color(x: torch.Tensor, g: torch.Generator | None) -> torch.Tensor:
    return _contrast(_saturation(_brightness(x, g), g), g)


def _translation(x: torch.Tensor, g: torch.Generator | None, ratio: float = 0.125) -> torch.Tensor:
    """Shift each image by up to ratio * size pixels in x and y, filling with zeros (mid-grey)."""
    b, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    tx = torch.randint(-sh, sh + 1, (b, 1, 1), device=x.device, generator=g)
    ty = torch.randint(-sw, sw + 1, (b, 1, 1), device=x.device, generator=g)
    gb, gx, gy = torch.meshgrid(torch.arange(b, device=x.device), torch.arange(h, device=x.device),
                                torch.arange(w, device=x.device), indexing="ij")
    gx = (gx + tx + 1).clamp(0, h + 1)
    gy = (gy + ty + 1).clamp(0, w + 1)
    padded = F.pad(x, [1, 1, 1, 1])  # (B, C, H+2, W+2)
    return padded.permute(0, 2, 3, 1)[gb, gx, gy].permute(0, 3, 1, 2)  # (B, C, H, W)


def _cutout(x: torch.Tensor, g: torch.Generator | None, ratio: float = 0.5) -> torch.Tensor:
    """Zero a random (ratio * size)^2 square of each image."""
    b, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    ox = torch.randint(0, h + (1 - ch % 2), (b, 1, 1), device=x.device, generator=g)
    oy = torch.randint(0, w + (1 - cw % 2), (b, 1, 1), device=x.device, generator=g)
    gb, gx, gy = torch.meshgrid(torch.arange(b, device=x.device), torch.arange(ch, device=x.device),
                                torch.arange(cw, device=x.device), indexing="ij")
    gx = (gx + ox - ch // 2).clamp(0, h - 1)
    gy = (gy + oy - cw // 2).clamp(0, w - 1)
    mask = torch.ones(b, h, w, device=x.device, dtype=x.dtype)
    mask[gb, gx, gy] = 0
    return x * mask[:, None]


AUGMENTATIONS: dict[str, Callable[[torch.Tensor, torch.Generator | None], torch.Tensor]] = {
    "color": _color, "translation": _translation, "cutout": _cutout}  # canonical order

DIFFAUG: Registry[tuple[str, ...]] = Registry("DiffAugment policy")
DIFFAUG.register("none", label="Off", help="D sees the samples as they are.")(())
for _ops in (c for r in range(1, len(AUGMENTATIONS) + 1) for c in itertools.combinations(AUGMENTATIONS, r)):
    DIFFAUG.register(",".join(_ops), label=" + ".join(o.replace("color", "colour") for o in _ops), help=(
        "DiffAugment (Zhao et al. 2020) with " + ", ".join(_ops) + ": colour = random brightness, saturation "
        "and contrast; translation = shift by up to 1/8 of the image; cutout = blank a random square of half "
        "the image size. " + ("All three: the paper's choice for small datasets (a few thousand images)."
                              if len(_ops) == 3 else "")))(_ops)


def diff_augment(x: torch.Tensor, policy: tuple[str, ...], generator: torch.Generator | None = None) -> torch.Tensor:
    """Apply the DiffAugment operations of `policy` (in order) to a batch of images (B, C, H, W)."""
    for op in policy:
        x = AUGMENTATIONS[op](x, generator)
    return x


# ---------------------------------------------------------------------------- generator averaging
class EMA:
    """An exponential moving average of G's weights, the generator that is sampled (Karras et al.
    2018; Yazici et al. 2019): theta_ema <- beta theta_ema + (1 - beta) theta after each G step.

    beta_t = min(decay, (1 + t) / (10 + t)) warms up from 0.1 so that early samples are not stuck
    at the initial weights. The update is torch's own EMA step
    (`torch.optim.swa_utils.get_ema_multi_avg_fn`, a fused lerp); `AveragedModel` is not used
    because its update compares a device counter on the host, a synchronisation per step. Buffers
    (batch-norm statistics, StyleGAN's w_avg) are copied, not averaged.
    """

    def __init__(self, G: nn.Module, decay: float):
        self.decay = decay
        self.module = copy.deepcopy(G).eval().requires_grad_(False)
        self.updates = 0

    def beta(self) -> float:
        return min(self.decay, (1 + self.updates) / (10 + self.updates))

    @torch.no_grad()
    def update(self, G: nn.Module) -> None:
        get_ema_multi_avg_fn(self.beta())(list(self.module.parameters()), list(G.parameters()), None)
        for b_ema, b in zip(self.module.buffers(), G.buffers()):
            b_ema.copy_(b)
        self.updates += 1

    def state_dict(self) -> dict[str, torch.Tensor]:
        return self.module.state_dict()

    def load_state_dict(self, sd: dict[str, torch.Tensor], updates: int) -> None:
        self.module.load_state_dict(sd)
        self.updates = updates


def finite(tensors: Iterable[torch.Tensor]) -> torch.Tensor:
    """One device bool: every element of every tensor is finite."""
    flags = [torch.isfinite(t).all() for t in tensors]
    return torch.stack(flags).all() if flags else torch.ones((), dtype=torch.bool)


__all__ = [
    "AUGMENTATIONS",
    "DIFFAUG",
    "EMA",
    "apply_spectral_norm",
    "clip_grad_norm_",
    "clip_weights_",
    "diff_augment",
    "finite",
    "flipped_labels",
    "gradient_penalty",
    "instance_noise",
    "instance_noise_std",
    "pack",
    "r1_penalty",
]
