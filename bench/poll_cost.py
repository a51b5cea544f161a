"""Server time of one poll of the Train page's live charts: built afresh against refreshed in place.

    python bench/poll_cost.py [--rows 1000] [--polls 30]

While a run trains, each watching page reruns its live panel about once a second, and every poll
draws the metrics chart (4 panels) and the score chart (one panel per score). Building those
figures with make_subplots/add_trace took most of a poll's server time, and with a class of pages
open, most of the server's CPU (bench/load_test.py). The page now keeps each figure between polls
and only swaps the trace data when the panels are unchanged (ui.figures.swap_data).

This prints, from one run, the median milliseconds per poll of both ways for a growing log (each
poll adds rows, as a training run does), including what st.plotly_chart does with a figure
(`to_dict` and `plotly.io.to_json`), and their ratio. It also checks that both ways give the same
JSON, so the saving is not bought with a different chart.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import plotly.io as pio

from ui.figures import metrics_figure
from ui.score_figures import score_figure

METRIC_KEYS = ("d_loss", "g_loss", "d_real", "d_fake", "grad_norm_d", "grad_norm_g", "lr_g", "lr_d", "penalty")
SCORE_KEYS = ("fd_clf", "kid_clf", "precision", "recall", "classes_covered", "diversity")


def log_columns(rows: int, rng: np.random.Generator, score_every_rows: int = 25) -> dict[str, list]:
    """A run log like RunLog.since(0): one row per logged window, scores in every 25th row."""
    cols: dict[str, list] = {"step": list(range(10, 10 * rows + 1, 10)), "time": list(np.arange(rows) * 0.3)}
    for k in METRIC_KEYS:
        cols[k] = list(rng.random(rows))
    for k in SCORE_KEYS:
        cols[k] = [float(v) if i % score_every_rows == 0 else None for i, v in enumerate(rng.random(rows))]
    return cols


def serialise(fig) -> str:
    """What st.plotly_chart does with a figure before it is sent."""
    return pio.to_json(fig.to_dict(), validate=False)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1000, help="log rows at the first poll")
    p.add_argument("--polls", type=int, default=30)
    args = p.parse_args(argv)
    rng = np.random.default_rng(0)
    full = log_columns(args.rows + args.polls, rng)
    fresh_ms, reuse_ms = [], []
    kept: dict = {}
    for i in range(args.polls):
        n = args.rows + i
        cols = {k: v[:n] for k, v in full.items()}
        t = time.perf_counter()
        a = serialise(metrics_figure(cols)) + serialise(score_figure(cols))
        fresh_ms.append(1e3 * (time.perf_counter() - t))
        t = time.perf_counter()
        kept["m"] = metrics_figure(cols, reuse=kept.get("m"))
        kept["s"] = score_figure(cols, reuse=kept.get("s"))
        b = serialise(kept["m"]) + serialise(kept["s"])
        reuse_ms.append(1e3 * (time.perf_counter() - t))
        if a != b:
            print(f"poll {i}: the refreshed figures differ from freshly built ones", file=sys.stderr)
            return 1
    f, r = statistics.median(fresh_ms), statistics.median(reuse_ms)
    print(f"{args.polls} polls, {args.rows:,}+ log rows, metrics + score charts, serialised as st.plotly_chart does")
    print(f"  built afresh each poll   median {f:6.1f} ms")
    print(f"  refreshed in place       median {r:6.1f} ms   (first poll builds: {reuse_ms[0]:.1f} ms)")
    print(f"  afresh / in place = {f / r:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
