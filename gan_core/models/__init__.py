"""Generator / discriminator families, chosen by registry name, and the wrappers shared by all.

Each architecture is an `ArchSpec` whose builder takes keyword arguments only:

    build(*, shape, d_shape, latent_dim, width, depth, g_norm, d_norm) -> (G, D)

- G maps z (B, latent_dim) to a sample of `shape` (images in [-1, 1] via Tanh; 2-D points
  unbounded, in data coordinates);
- D maps a sample of `d_shape` (usually `shape`; more channels when labels or packed samples
  are concatenated to its input) to one raw score per sample (B,): a logit for BCE losses, a
  critic value for Wasserstein and hinge losses. Any sigmoid lives in the loss, not in D.
  Every D also exposes `features(x) -> (B, F)` and `head(h) -> (B,)` (score = head(features)),
  which is what the projection discriminator needs.

`build_models` (`models/build.py`) adds what is common to every family: class conditioning
(`models/conditional.py`), PacGAN packing and spectral normalisation of D (`gan_core.regularizers`).
This package only hands those names on and imports the families; what the families need to
register themselves lives in `models/_registry.py`.
"""

from __future__ import annotations

# Registration order is the order of the menu: the classic MLP first.
from gan_core.models import (  # noqa: F401
    dcgan,
    mlp,
    progressive,
    resnet,
    stylegan,
    toymlp,
)
from gan_core.models._registry import (  # noqa: F401
    ARCHS,
    CONDITIONING,
    GROWING,
    NORMS,
    ArchSpec,
    Builder,
    norm_layer,
    register_arch,
    resolve_norms,
)
from gan_core.models.build import build_models, model_kwargs  # noqa: F401
