"""Plotly figure builders: pure functions, arrays in, go.Figure out (no Streamlit here)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

MAX_POINTS = 2000  # charts are downsampled to at most this many points per trace


def downsample(x: Sequence[float], y: Sequence[float], max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Keep every k-th point (and always the last) so a long run still draws quickly."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) <= max_points:
        return x, y
    idx = np.unique(np.r_[np.linspace(0, len(x) - 1, max_points).round().astype(int), len(x) - 1])
    return x[idx], y[idx]


PANELS = (
    ("Losses", (("d_loss", "D loss"), ("g_loss", "G loss"))),
    ("D outputs (mean)", (("d_real", "D(x)"), ("d_fake", "D(G(z))"))),
    ("Gradient norms", (("grad_norm_d", "|grad D|"), ("grad_norm_g", "|grad G|"))),
    ("Learning rates", (("lr_d", "lr D"), ("lr_g", "lr G"))),
)


def metric_traces(cols: dict[str, list[float]], x_key: str = "step") -> list[tuple[int, str, str, np.ndarray, np.ndarray]]:
    """The live chart's traces as (panel index, column, legend name, x, y), downsampled."""
    xs = cols.get(x_key, [])
    out = []
    if not len(xs):
        return out
    for i, (_title, series) in enumerate(PANELS):
        for key, name in series:
            if key in cols:
                out.append((i, key, name, *downsample(xs, cols[key])))
    return out


def signature(traces: list[tuple]) -> list[str]:
    """What fixes a live figure's layout: which trace goes into which panel. Stored in the
    figure's `layout.meta`, so a later poll can tell whether the figure can be reused."""
    return [f"{t[0]}:{t[1]}" for t in traces]


def reusable(fig: go.Figure | None, sig: list[str]) -> bool:
    return fig is not None and list(fig.layout.meta or []) == sig


def swap_data(fig: go.Figure, traces: list[tuple]) -> go.Figure:
    """Replace the x/y arrays of a figure whose traces are `traces` (same order): a live chart's
    poll then costs about 1 ms instead of the 20-40 ms of building it again with make_subplots
    (`python bench/poll_cost.py` measures both), which was most of a watching page's server time."""
    with fig.batch_update():
        for trace, t in zip(fig.data, traces):
            trace.x, trace.y = t[-2], t[-1]
    return fig


def metrics_figure(cols: dict[str, list[float]], x_key: str = "step", height: int = 520,
                   reuse: go.Figure | None = None) -> go.Figure:
    """The live training chart: losses, D outputs, gradient norms and learning rates.

    `reuse`: the figure this function returned at the previous poll; when the new data has the
    same traces, that figure gets the new data and is returned (same result, far less work)."""
    traces = metric_traces(cols, x_key)
    sig = signature(traces)
    lrs = [v for k in ("lr_g", "lr_d") for v in cols.get(k, []) if v == v]
    lr_range = [0, 1.15 * max(lrs)] if lrs else None  # a constant LR would otherwise be drawn on an arbitrary +-1 range
    if reusable(reuse, sig):
        swap_data(reuse, traces)
        if lr_range:
            reuse.update_yaxes(range=lr_range, row=2, col=2)
        return reuse
    fig = make_subplots(rows=2, cols=2, subplot_titles=[p[0] for p in PANELS], vertical_spacing=0.14,
                        horizontal_spacing=0.08)
    colours = ("#1f77b4", "#ff7f0e")
    for i, key, name, x, y in traces:
        colour = colours[[k for k, _ in PANELS[i][1]].index(key)]
        fig.add_trace(go.Scatter(x=x, y=y, name=name, mode="lines", line=dict(color=colour, width=1.6),
                                 legendgroup=str(i), showlegend=True), row=i // 2 + 1, col=i % 2 + 1)
    fig.update_layout(height=height, margin=dict(l=40, r=10, t=40, b=30), legend=dict(orientation="h", y=-0.08),
                      uirevision="keep", meta=sig)  # uirevision: keep zoom/pan across live updates
    fig.update_yaxes(type="log", row=2, col=1)
    if lr_range:
        fig.update_yaxes(range=lr_range, tickformat=".1e", row=2, col=2)
    return fig


def points_figure(fake: np.ndarray, real: np.ndarray | None = None, extent: float = 1.6, height: int = 440) -> go.Figure:
    """Real and generated 2-D points in one scatter, on fixed axes so motion is visible."""
    fig = go.Figure()
    if real is not None:
        fig.add_trace(go.Scattergl(x=real[:, 0], y=real[:, 1], mode="markers", name="real",
                                   marker=dict(size=4, color="rgba(120,120,120,0.45)")))
    fig.add_trace(go.Scattergl(x=fake[:, 0], y=fake[:, 1], mode="markers", name="generated (fixed z)",
                               marker=dict(size=4, color="#ff7f0e")))
    fig.update_layout(height=height, margin=dict(l=30, r=10, t=30, b=30), legend=dict(orientation="h", y=-0.1),
                      uirevision="keep")
    fig.update_xaxes(range=[-extent, extent])
    fig.update_yaxes(range=[-extent, extent], scaleanchor="x", scaleratio=1)
    return fig


def lr_figure(steps: Sequence[int], lr_g: Sequence[float], lr_d: Sequence[float], height: int = 200) -> go.Figure:
    """Preview of the learning-rate schedule before training starts."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=list(steps), y=list(lr_g), name="lr G", mode="lines"))
    fig.add_trace(go.Scatter(x=list(steps), y=list(lr_d), name="lr D", mode="lines", line=dict(dash="dash")))
    fig.update_layout(height=height, margin=dict(l=30, r=10, t=10, b=30), legend=dict(orientation="h", y=-0.3),
                      xaxis_title="step")
    return fig
