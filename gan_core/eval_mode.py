"""Networks in evaluation mode for the length of a block, each put back in the mode it had.

Sampling, scoring and the 2-D lab's views evaluate G and D between training steps: batch norm must
then use its running statistics (and not update them), yet a net that is being trained has to go
back to training mode afterwards, or its next step would normalise with stale statistics. One
context manager does it for all of them, also when the block raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from torch import nn


@contextmanager
def eval_mode(*modules: nn.Module) -> Iterator[None]:
    """`with eval_mode(G, D): ...` -> G and D in eval mode inside; afterwards each in its previous mode."""
    was = [m.training for m in modules]
    try:
        for m in modules:
            m.eval()
        yield
    finally:
        for m, training in zip(modules, was):
            m.train(training)
