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


def metrics_figure(cols: dict[str, list[float]], x_key: str = "step", height: int = 520) -> go.Figure:
    """The live training chart: losses, D outputs, gradient norms and learning rates."""
    fig = make_subplots(rows=2, cols=2, subplot_titles=[p[0] for p in PANELS], vertical_spacing=0.14,
                        horizontal_spacing=0.08)
    xs = cols.get(x_key, [])
    colours = ("#1f77b4", "#ff7f0e")
    for i, (_title, series) in enumerate(PANELS):
        row, col = i // 2 + 1, i % 2 + 1
        for (key, name), colour in zip(series, colours):
            if key in cols and len(xs):
                x, y = downsample(xs, cols[key])
                fig.add_trace(go.Scatter(x=x, y=y, name=name, mode="lines", line=dict(color=colour, width=1.6),
                                         legendgroup=str(i), showlegend=True), row=row, col=col)
    fig.update_layout(height=height, margin=dict(l=40, r=10, t=40, b=30), legend=dict(orientation="h", y=-0.08),
                      uirevision="keep")  # keep zoom/pan across live updates
    fig.update_yaxes(type="log", row=2, col=1)
    lrs = [v for k in ("lr_g", "lr_d") for v in cols.get(k, []) if v == v]
    if lrs:  # a constant LR would otherwise be drawn on an arbitrary +-1 range
        fig.update_yaxes(range=[0, 1.15 * max(lrs)], tickformat=".1e", row=2, col=2)
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
