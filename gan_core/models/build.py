"""G and D of a registered architecture with what is common to every family added: class
conditioning (`models/conditional.py`), PacGAN packing and spectral normalisation of D
(`gan_core.regularizers`).
"""

from __future__ import annotations

from typing import Any

from torch import nn

from gan_core.losses import LOSSES
from gan_core.models._registry import ARCHS, CONDITIONING, GROWING, resolve_norms
from gan_core.models.conditional import (
    EMBED_DIM,
    ConcatDiscriminator,
    ConditionalGenerator,
    PacDiscriminator,
    ProjectionDiscriminator,
)
from gan_core.models.multi_d import MultiDiscriminator
from gan_core.regularizers import apply_spectral_norm


def model_kwargs(cfg: Any) -> dict[str, Any]:
    """build_models keyword arguments that come from a TrainConfig (everything but shape and classes)."""
    return dict(latent_dim=cfg.latent_dim, width=cfg.width, depth=cfg.depth, g_norm=cfg.g_norm, d_norm=cfg.d_norm,
                d_batchnorm=LOSSES.get(cfg.loss).d_batchnorm and cfg.r1_weight == 0, conditioning=cfg.conditioning,
                pac=cfg.pac, spectral_norm=cfg.spectral_norm, num_d=getattr(cfg, "num_d", 1),
                progressive=cfg.progressive)


def build_models(arch: str, *, shape: tuple[int, ...], latent_dim: int, width: int, d_batchnorm: bool = True,
                 depth: int = 0, g_norm: str = "auto", d_norm: str = "auto", conditioning: str = "none",
                 num_classes: int = 0, pac: int = 1, spectral_norm: bool = False,
                 num_d: int = 1, progressive: bool = False) -> tuple[nn.Module, nn.Module]:
    """G and D of architecture `arch` for samples of `shape`.

    conditioning "concat"/"projection" with `num_classes` labels gives G(z, y) and D(x, y); `pac` > 1
    gives a D that scores groups of `pac` samples (PacGAN); `spectral_norm` normalises every weight
    of D by its largest singular value; `num_d` > 1 gives K such discriminators, each freshly initialised,
    in one MultiDiscriminator (GMAN, models/multi_d.py). With one D the draws from the RNG are those of
    the single-D build, so a seed gives the same nets as before the option existed.
    `progressive` gives the growing nets of PGGAN (`models/progressive.py`; one D, not with conditioning
    or packing).
    """
    spec = GROWING.get(arch).build if progressive else ARCHS.get(arch)
    shape = tuple(shape)
    gn, dn = resolve_norms(arch, g_norm, d_norm, d_batchnorm)
    if conditioning not in CONDITIONING:
        raise ValueError(f"unknown conditioning {conditioning!r}; allowed: {', '.join(CONDITIONING.names())}")
    cond = conditioning != "none"
    if cond and num_classes < 1:
        raise ValueError(f"conditioning {conditioning!r} needs the number of classes (got {num_classes})")
    e = min(num_classes, EMBED_DIM) if cond else 0
    d_shape = shape
    if conditioning == "concat":  # label embedding as extra input channels / features of D
        d_shape = (shape[0] + e, *shape[1:]) if len(shape) == 3 else (int(_prod(shape)) + e,)
    if pac > 1:  # PacGAN: D sees `pac` samples stacked along the channels / features
        d_shape = (shape[0] * pac, *shape[1:]) if len(shape) == 3 else (int(_prod(shape)) * pac,)
    G, D = spec(shape=shape, d_shape=d_shape, latent_dim=latent_dim + e, w_dim=latent_dim, width=width, depth=depth,
                g_norm=gn, d_norm=dn)
    if cond:
        G = ConditionalGenerator(G, num_classes=num_classes, embed_dim=e)

    def finish_d(D: nn.Module) -> nn.Module:  # what every D gets: conditioning, packing, spectral norm
        if cond:
            D = (ConcatDiscriminator(D, num_classes=num_classes, embed_dim=e) if conditioning == "concat"
                 else ProjectionDiscriminator(D, num_classes=num_classes))
        if pac > 1:
            D = PacDiscriminator(D, pac)
        if spectral_norm:
            apply_spectral_norm(D)
        return D

    D = finish_d(D)
    if num_d > 1:  # GMAN: D_2..D_K from the architecture's builder again (their G is dropped)
        more = [finish_d(spec(shape=shape, d_shape=d_shape, latent_dim=latent_dim + e, w_dim=latent_dim, width=width,
                              depth=depth, g_norm=gn, d_norm=dn)[1]) for _ in range(num_d - 1)]
        D = MultiDiscriminator([D, *more])
    return G, D


def _prod(shape: tuple[int, ...]) -> int:
    out = 1
    for s in shape:
        out *= s
    return out
