"""Seeded draws from torch's global RNG, one thread at a time.

Every random draw of a training step comes from the run's own torch.Generator (Engine.gen), but
a network's initial weights come from torch's global (default) CPU generator: nn.Linear, nn.Conv2d
and the rest initialise themselves from it, and take no generator. A run seeds it and builds its
nets; a second run (or the Explore page building a model to load a checkpoint into, or a PCA)
doing the same in another thread at the same moment could reseed it, or draw from it, in the
middle, so two runs started together with one seed each would not get the weights that seed gives
alone. `global_rng(seed)` holds a process-wide lock for the block, seeds the global CPU generator,
and restores its previous state afterwards (torch.random.fork_rng), so a seeded block draws exactly
what that seed gives, and leaves the rest of the process's random stream as it was.

Rule for gan_core: code that draws from the global generator does it inside `global_rng`; code
that only needs random numbers uses a torch.Generator of its own (the KID's subsets, the engine).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import torch

_GLOBAL_RNG = threading.RLock()


@contextlib.contextmanager
def global_rng(seed: int | None = None) -> Iterator[None]:
    """Hold torch's global CPU generator for this block (other threads' blocks wait), seeded with
    `seed` (None: left as it is), and restore its state afterwards. Models are built on the CPU
    and moved afterwards, so the CUDA generators are not involved."""
    with _GLOBAL_RNG, torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.random.default_generator.manual_seed(int(seed))
        yield
