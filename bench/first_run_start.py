"""How long the first run after a server start takes from Start to its first training step.

    python bench/first_run_start.py          # the server's preload as it is now (ui/preload.load_all)
    python bench/first_run_start.py --old    # the preload before 3 Dec (ui/preload.import_engine only)

Each call is one fresh process: the preload a server runs at start, then one ring8 run of 300
steps submitted to a RunManager. It prints the preload's seconds, submit -> first step, and how
many modules the run itself imported (each one held the GIL inside the training thread while the
pages that had just clicked Start waited for their answers; see ui/preload.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", action="store_true", help="preload only the engine's modules (before 3 Dec)")
    args = ap.parse_args()
    from ui.preload import import_engine, load_all

    t = time.perf_counter()
    (import_engine if args.old else load_all)()
    preload_s = time.perf_counter() - t
    from gan_core.config import preset
    from gan_core.manager import RunManager

    modules = len(sys.modules)
    with tempfile.TemporaryDirectory() as tmp:
        mgr = RunManager(root=tmp)
        try:
            t0 = time.perf_counter()
            run = mgr.submit(preset("ring8-mlp").replace(steps=300), owner="bench")
            while run.step < 1 and run.state not in ("failed", "stopped", "finished"):
                time.sleep(0.01)
            start_s, state = time.perf_counter() - t0, run.state
        finally:
            mgr.stop_all()
    print(f"{'old' if args.old else 'new'} preload {preload_s:.2f} s | submit -> first step {start_s:.2f} s "
          f"({state}) | modules the run imported: {len(sys.modules) - modules} | load avg "
          f"{os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
