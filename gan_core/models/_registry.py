"""What the architecture families need to register themselves: the ARCHS registry, its decorator,
the normalisation layers and the class-conditioning choices.

It lives beside `models/__init__.py` rather than in it, so that a family (`mlp.py`, `dcgan.py`, ...)
imports this small module and not the package that imports every family (an import cycle).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn

from gan_core.registry import Registry

Builder = Callable[..., tuple[nn.Module, nn.Module]]


@dataclass(frozen=True)
class ArchSpec:
    build: Builder
    image_only: bool = False  # refuse 2-D point datasets (read by TrainConfig.validate)
    g_norms: tuple[str, ...] = ("batch", "layer", "none")  # what g_norm may be besides "auto"
    default_g_norm: str = "batch"  # what g_norm "auto" means
    default_d_norm: str = "none"  # what d_norm "auto" means (when the loss allows batch norm)
    max_depth: int = 4  # depth beyond this is refused

    def __call__(self, **kw: Any) -> tuple[nn.Module, nn.Module]:
        return self.build(**kw)


ARCHS: Registry[ArchSpec] = Registry("architecture")


def register_arch(name: str, *, label: str, help: str, **spec: Any) -> Callable[[Builder], Builder]:
    """Decorator: register a builder function as architecture `name` (the function is returned)."""

    def deco(fn: Builder) -> Builder:
        ARCHS.register(name, label=label, help=help)(ArchSpec(build=fn, **spec))
        return fn

    return deco


# ---------------------------------------------------------------------- progressive growing
@dataclass(frozen=True)
class GrowSpec:
    """How an architecture grows (`progressive`): the builder of its growing G and D, and the
    resolutions a net of a given final resolution grows through (smallest first)."""

    build: Builder
    sizes: Callable[[int], tuple[int, ...]]


GROWING: Registry[GrowSpec] = Registry("growing architecture")  # keyed by the ARCHS name


def register_growing(arch: str, *, sizes: Callable[[int], tuple[int, ...]]) -> Callable[[Builder], Builder]:
    """Decorator: `fn` builds the growing G and D of architecture `arch` (gan_core/models/progressive.py)."""

    def deco(fn: Builder) -> Builder:
        GROWING.register(arch, label=arch)(GrowSpec(build=fn, sizes=sizes))
        return fn

    return deco


# ---------------------------------------------------------------------- normalisation layers
NORMS: Registry[str] = Registry("normalisation")
NORMS.register("auto", label="Architecture default", help=(
    "The architecture's own choice: batch norm in the generators of MLP, DCGAN and ResNet, AdaIN in "
    "StyleGAN-lite; batch norm in DCGAN's D, none in the other discriminators; and never batch norm in "
    "D when a per-sample gradient penalty (WGAN-GP, R1) is used."))("auto")
NORMS.register("batch", label="Batch norm", help=(
    "y = gamma (x - mu_B) / sigma_B + beta with the batch's mean and std per channel (Ioffe & Szegedy "
    "2015). Stabilises DCGAN training, but couples the samples of a batch: not allowed in D with a "
    "gradient penalty, whose per-sample gradient it makes meaningless."))("batch")
NORMS.register("layer", label="Layer norm", help=(
    "Normalises each sample over its channels (and pixels): y = gamma (x - mu_x) / sigma_x + beta. "
    "No coupling between samples, so it is the norm WGAN-GP recommends for the critic."))("layer")
NORMS.register("none", label="None", help=(
    "No normalisation layers. What spectrally normalised and gradient-penalised discriminators use; "
    "DCGAN without batch norm shows how much the paper relied on it."))("none")


def norm_layer(kind: str, channels: int, dims: int) -> nn.Module | None:
    """A normalisation layer over `channels` of a (B, C) (dims=1) or (B, C, H, W) (dims=2) input."""
    if kind == "batch":
        return nn.BatchNorm1d(channels) if dims == 1 else nn.BatchNorm2d(channels)
    if kind == "layer":
        return nn.LayerNorm(channels) if dims == 1 else nn.GroupNorm(1, channels)
    if kind == "none":
        return None
    raise ValueError(f"unknown normalisation {kind!r}; allowed: batch, layer, none")


def resolve_norms(arch: str, g_norm: str, d_norm: str, d_batchnorm: bool = True) -> tuple[str, str]:
    """'auto' -> the architecture's default; D's batch norm is dropped when `d_batchnorm` is False
    (per-sample gradient penalties)."""
    spec = ARCHS.get(arch)
    g = spec.default_g_norm if g_norm == "auto" else g_norm
    d = spec.default_d_norm if d_norm == "auto" else d_norm
    if d_norm == "auto" and d == "batch" and not d_batchnorm:
        d = "none"
    return g, d


# ---------------------------------------------------------------------- class conditioning
CONDITIONING: Registry[str] = Registry("conditioning")
CONDITIONING.register("none", label="Unconditional", help="G(z) and D(x): no class labels are used.")("none")
CONDITIONING.register("concat", label="Concatenate label embeddings", help=(
    "Conditional GAN (Mirza & Osindero 2014): G(z, y) = G([z, e(y)]) and D(x, y) = D([x, e'(y)]), with "
    "learned label embeddings e, e' (for images e'(y) is repeated over the pixels as extra input "
    "channels). The sample grid shows one row per class, the same noise z in each column. Needs a "
    "dataset with labels."))("concat")
CONDITIONING.register("projection", label="Projection discriminator", help=(
    "G as with concatenation; D(x, y) = psi(phi(x)) + e(y) . phi(x) (Miyato & Koyama 2018): the label "
    "embedding is dotted with D's features instead of fed in with the input. The conditioning of "
    "SNGAN/BigGAN; usually sharper class separation than concatenation. Needs a dataset with labels."))(
    "projection")

