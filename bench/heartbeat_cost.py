"""What keeping runs alive costs every page: `ui.session.keep_runs_alive` (called by app.py before
every page) timed inside the page run, with one active run of the session, in AppTest.

    python bench/heartbeat_cost.py

Prints the median and worst milliseconds per page run, and how often the heartbeat fragment
reruns at the default orphan timeout (between those, a page pays nothing for it).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def page() -> None:
    import time

    import streamlit as st

    from ui.session import keep_runs_alive

    t = time.perf_counter()
    keep_runs_alive()
    st.session_state.setdefault("cost", []).append(time.perf_counter() - t)
    st.write("a page")


def main(runs: int = 60) -> None:
    os.environ["GAN_RUNS_DIR"] = tempfile.mkdtemp(prefix="gan_hb_")
    from streamlit.testing.v1 import AppTest

    from gan_core.config import TrainConfig
    from ui.session import get_manager

    manager = get_manager()
    owner = "0" * 32
    manager.submit(TrainConfig(steps=10_000_000, sample_every=10_000_000), owner=owner)
    try:
        at = AppTest.from_function(page)
        at.query_params["session"] = owner
        for _ in range(runs):
            at.run()
        cost = at.session_state["cost"][10:]  # the first runs import and warm up
        print(f"keep_runs_alive per page run: median {1000 * statistics.median(cost):.2f} ms, worst "
              f"{1000 * max(cost):.2f} ms over {len(cost)} runs; the heartbeat fragment reruns every "
              f"{manager.heartbeat_every_s:.0f} s at the orphan timeout {manager.orphan_timeout_s:.0f} s; "
              f"load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    finally:
        manager.stop_all()


if __name__ == "__main__":
    main()
