"""Import the training engine while the server starts, not during the first visitor's page.

`streamlit run` runs none of the app's code before a visitor's first script run, and that run
then imported PyTorch (2 to 7 s on a loaded 2-core machine) before the Train page could draw its
form: the first page after a server start was usable after 6 to 8 s, the next ones after 2 to
2.5 s. app.py declares an `st.App` whose lifespan runs this before the server answers, so every
visitor, the first included, gets the warm figure; the server takes that much longer to start
(it prints the seconds) and a teacher starts it before the class arrives.

It also imports what the first *run* would otherwise import inside its training thread
(warm_first_run): torch.optim's first optimizer step pulls in torch._dynamo (about 900 modules,
sympy and mpmath among them) and the live scores pull in torchmetrics, torchvision and scipy
(about 1,300 more): 5.5 s and 6.7 s at load 7 on this machine. Imports hold the GIL, so when ten
students press Start together, the first two runs spent those seconds importing while every
page waited for its "Queued"/"starting" answer (py-spy of bench/load_test.py). Importing them
here also starts scipy's OpenBLAS thread pool in this worker thread, not in a run's.

Nothing is read from the runs directory and no thread of ours is started; the only thing built is
a one-parameter network and its optimizer, stepped once and dropped.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

# what the Train page (the default page) imports behind its spinner, and the charts' library
ENGINE_MODULES = ("torch", "gan_core.run", "gan_core.manager", "gan_core.checks", "gan_core.checkpoint",
                  "gan_core.optim", "gan_core.models", "gan_core.metrics.monitor", "plotly.graph_objects")

_LOG = logging.getLogger("gan_playground.preload")


def import_engine(modules: tuple[str, ...] = ENGINE_MODULES) -> float:
    """Import `modules`; return the seconds it took. A module that fails to import is left to the
    page that needs it, which shows the error where the visitor reads it."""
    t0 = time.perf_counter()
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as e:  # broad on purpose: the page reports it properly
            _LOG.warning("preload: %s did not import (%s: %s); the page that needs it will say why",
                         name, type(e).__name__, e)
    return time.perf_counter() - t0


def warm_first_run() -> float:
    """Import what a run's first steps import lazily (see the module docstring); return the seconds."""
    t0 = time.perf_counter()
    try:
        import torch

        from gan_core.metrics.scores import preload

        preload()  # torchmetrics (FID, KID), torch-fidelity (precision/recall): the live scores
        net = torch.nn.Linear(2, 1)
        opt = torch.optim.Adam(net.parameters())  # every optimizer shares torch.optim's lazy imports
        net(torch.zeros(1, 2)).sum().backward()
        opt.step()
    except Exception as e:  # broad on purpose: the first run then imports them itself, and reports errors
        _LOG.warning("preload: the first run's libraries did not load (%s: %s)", type(e).__name__, e)
    return time.perf_counter() - t0


def load_all() -> float:
    """import_engine, then warm_first_run: the seconds of both."""
    return import_engine() + warm_first_run()


@asynccontextmanager
async def preload_engine(_app: Any) -> AsyncIterator[None]:
    """st.App lifespan: import the engine in a worker thread before the server answers."""
    print("  Loading the training engine (PyTorch) before the first page...", flush=True)
    seconds = await asyncio.to_thread(load_all)
    print(f"  Training engine loaded in {seconds:.1f} s: the app is ready.", flush=True)
    yield
