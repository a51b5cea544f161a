"""Generator / discriminator families, chosen by registry name.

Each entry is a builder `build(*, shape, latent_dim, width, d_batchnorm) -> (G, D)`:
- G maps z (B, latent_dim) to a sample of `shape` (images in [-1, 1] via Tanh; 2-D points
  unbounded, in data coordinates);
- D maps a sample to one raw score per sample (B,): a logit for BCE losses, a critic value
  for Wasserstein losses. Any sigmoid lives in the loss, not in D.
"""

from __future__ import annotations

from typing import Callable

from torch import nn

from gan_core.registry import Registry

Builder = Callable[..., tuple[nn.Module, nn.Module]]
ARCHS: Registry[Builder] = Registry("architecture")


def build_models(arch: str, *, shape: tuple[int, ...], latent_dim: int, width: int,
                 d_batchnorm: bool = True) -> tuple[nn.Module, nn.Module]:
    return ARCHS.get(arch)(shape=shape, latent_dim=latent_dim, width=width, d_batchnorm=d_batchnorm)


from gan_core.models import dcgan, mlp  # noqa: E402,F401
