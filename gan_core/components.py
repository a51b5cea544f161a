"""Every module that registers something, imported in one place (as timm's `models/__init__`).

Importing this module fills every registry: dataset sources, architectures and their normalisation
and conditioning choices, losses, DiffAugment policies, noise distributions, optimisers and
schedules. Code that lists or checks *all* of them (validation in `checks.py`, the option views in
`options.py` behind the command line, the training form and the README's option table) imports this
module; the registrants themselves import only what lies below them (`registry`, `errors`,
`config`), so there is no cycle.

`REGISTRIES` maps the names that option declarations use for their choices (`choices="loss"` in
`gan_core/config.py`) to the registries, so config.py need not import any component.
"""

from __future__ import annotations

from gan_core.data import DATASETS
from gan_core.losses import LOSSES
from gan_core.models import ARCHS, CONDITIONING, NORMS
from gan_core.noise import NOISES
from gan_core.optim import OPTIMIZERS, SCHEDULES
from gan_core.registry import Registry
from gan_core.regularizers import DIFFAUG

REGISTRIES: dict[str, Registry] = {
    "dataset": DATASETS,
    "arch": ARCHS,
    "norm": NORMS,
    "conditioning": CONDITIONING,
    "noise": NOISES,
    "loss": LOSSES,
    "diffaug": DIFFAUG,
    "optimiser": OPTIMIZERS,
    "schedule": SCHEDULES,
}
