"""A/B charts: two runs' figures drawn side by side on the same scales (the Lessons page), so that a
difference between the runs is a difference the class sees."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from ui.figures import log_ticks


def share_y(figs: list[go.Figure]) -> None:
    """A and B on the same y scale in each panel (the figures of ui.figures.metrics_figure, one per run): on
    scales of their own, D(x) at 0.51 and at 0.45 are drawn at the same height and the class sees no difference.
    A panel's scale spans both runs' values (a log panel: ui.figures.log_ticks over both); a panel that set its
    own range (the learning rates: from 0) gets the union of those ranges."""
    if len(figs) < 2:
        return
    values: dict[str, list[float]] = {}
    for fig in figs:
        for t in fig.data:
            ys = t.y if t.y is not None else ()
            values.setdefault(t.yaxis or "y", []).extend(float(v) for v in ys if v is not None and math.isfinite(v))
    for axis, ys in values.items():
        name = "yaxis" + axis[1:]
        if not ys:
            continue
        if figs[0].layout[name].type == "log":
            if (ticks := log_ticks(ys)) is not None:
                for fig in figs:
                    fig.layout[name].update(tickmode="array", tickvals=ticks[0], ticktext=ticks[1], range=ticks[2])
            continue
        ranges = [fig.layout[name].range for fig in figs]
        if all(r is not None for r in ranges):
            lo, hi = min(r[0] for r in ranges), max(r[1] for r in ranges)
        else:
            lo, hi = min(ys), max(ys)
            pad = 0.05 * (hi - lo) or 0.05 * abs(hi) or 0.1
            lo, hi = lo - pad, hi + pad
        for fig in figs:
            fig.layout[name].update(range=[lo, hi])
