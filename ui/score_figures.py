"""Plotly builders for the quality scores: pure functions, columns in, go.Figure out (no Streamlit)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures import downsample, reusable, signature, swap_data

# (title, ((column, legend name), ...), better) in display order; panels without data are left out.
SCORE_PANELS = (
    ("Frechet distance (classifier features)", (("fd_clf", "FD"),), "lower is better"),
    ("KID (classifier features)", (("kid_clf", "KID"),), "lower is better"),
    ("Precision / recall (k-NN manifolds)", (("precision", "precision"), ("recall", "recall")), "higher is better"),
    ("Classes covered", (("classes_covered", "classes"),), "higher is better"),
    ("Modes covered (PacGAN)", (("modes_covered", "modes"),), "higher is better"),
    ("High-quality samples (%)", (("hq_pct", "within 3 std"),), "higher is better"),
    ("KL / JS of grid histograms", (("kl", "KL(real || G)"), ("js", "JS")), "lower is better"),
    ("Frechet distance (points)", (("fd", "FD"),), "lower is better"),
    ("Diversity of the fixed-noise batch", (("diversity", "vs real = 1"),), "falls on collapse"),
)
SCORE_LABELS = {key: f"{title}: {name}" if len(series) > 1 else title
                for title, series, _ in SCORE_PANELS for key, name in series}
LOWER_IS_BETTER = {"fd_clf", "kid_clf", "kl", "js", "fd"}


def _points(xs: Sequence[float], ys: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """The (x, y) pairs where y is a finite number (scores are only in some rows)."""
    try:  # the common case, numbers and None (-> NaN), in one numpy pass
        y = np.asarray(ys, dtype=float)
    except (TypeError, ValueError):  # a column with text in it: keep its numbers only
        y = np.array([float(v) if isinstance(v, (int, float)) else np.nan for v in ys], dtype=float)
    if y.ndim != 1 or not len(y):
        return np.zeros(0), np.zeros(0)
    x = np.asarray(xs[:len(y)], dtype=float)
    keep = np.isfinite(y[:len(x)])
    if not keep.any():
        return np.zeros(0), np.zeros(0)
    return downsample(x[keep], y[:len(x)][keep])


def score_traces(cols: dict[str, list], x_key: str = "step") -> tuple[list[tuple], list[tuple]]:
    """(panels with at least one finite value, their traces as (panel index, column, name, x, y))."""
    xs = cols.get(x_key, [])
    panels, traces = [], []
    for title, series, better in SCORE_PANELS:
        mine = [(key, name, *_points(xs, cols[key])) for key, name in series if key in cols]
        mine = [t for t in mine if len(t[2])]
        if mine:
            traces += [(len(panels), *t) for t in mine]
            panels.append((title, series, better))
    return panels, traces


def score_figure(cols: dict[str, list], x_key: str = "step", height_per_row: int = 210,
                 reuse: go.Figure | None = None) -> go.Figure | None:
    """The live score chart: one small panel per score present; None before the first scoring.
    `reuse`: the previous poll's figure, refreshed in place when its panels are still the same."""
    panels, traces = score_traces(cols, x_key)
    if not panels:
        return None
    sig = signature(traces)
    if reusable(reuse, sig):
        return swap_data(reuse, traces)
    ncols = 2 if len(panels) > 1 else 1
    nrows = -(-len(panels) // ncols)
    fig = make_subplots(rows=nrows, cols=ncols, subplot_titles=[f"{t} ({b})" for t, _, b in panels],
                        vertical_spacing=min(0.3, 0.5 / nrows), horizontal_spacing=0.1)
    colours = ("#2ca02c", "#d62728")
    for i, key, name, x, y in traces:
        series = panels[i][1]
        colour = colours[[k for k, _ in series].index(key)]
        fig.add_trace(go.Scatter(x=x, y=y, name=name, mode="lines+markers", marker=dict(size=5),
                                 line=dict(color=colour, width=1.6), showlegend=len(series) > 1),
                      row=i // ncols + 1, col=i % ncols + 1)
    fig.update_layout(height=max(240, height_per_row * nrows), margin=dict(l=40, r=10, t=40, b=30),
                      uirevision="keep", legend=dict(orientation="h", y=-0.12), meta=sig)
    fig.update_annotations(font_size=12)
    return fig


def histogram_figure(counts: Sequence[int], names: Sequence[str] | None = None, title: str = "",
                     height: int = 240) -> go.Figure:
    """Bar chart of the predicted classes (or nearest modes) of the generated samples."""
    names = list(names) if names and len(names) == len(counts) else [str(i) for i in range(len(counts))]
    fig = go.Figure(go.Bar(x=names, y=list(counts), marker_color="#ff7f0e"))
    fig.update_layout(height=height, margin=dict(l=30, r=10, t=30 if title else 10, b=30), title=title or None,
                      yaxis_title="samples")
    return fig


def overlay_figure(series: dict[str, tuple[Sequence[float], Sequence[Any]]], metric: str, x_title: str = "step",
                   height: int = 380, log_y: bool = False) -> go.Figure:
    """One metric of several runs on one chart: {run label: (x, y)}."""
    fig = go.Figure()
    for label, (x, y) in series.items():
        px, py = _points(x, y)
        if len(px):
            fig.add_trace(go.Scatter(x=px, y=py, name=label, mode="lines+markers" if len(px) < 60 else "lines",
                                     marker=dict(size=5)))
    fig.update_layout(height=height, margin=dict(l=40, r=10, t=30, b=40), xaxis_title=x_title,
                      yaxis_title=SCORE_LABELS.get(metric, metric), legend=dict(orientation="h", y=-0.2),
                      uirevision=metric)
    if log_y:
        fig.update_yaxes(type="log")
    return fig
