"""Every module that registers something, imported in one place (as timm's `models/__init__`).

Importing this module fills every registry: architectures, losses, regularisers and DiffAugment
policies, noise distributions, optimisers and schedules, dataset sources, and the training options
each of them declares. Code that lists or checks *all* of them (validation in `checks.py`, the command
line, the training form, the README's option table) imports this module; the registrants themselves
import only what lies below them (`registry`, `errors`, `config`), so there is no cycle.
"""

from __future__ import annotations

from gan_core import accel, data, losses, models, noise, optim, regularizers  # noqa: F401  (they register)
from gan_core.config import OPTIONS  # noqa: F401  (complete once the modules above are imported)

__all__ = ["OPTIONS"]
