"""Plotly builders for the quality scores: pure functions, columns in, go.Figure out (no Streamlit calls).
Their words are in the session's language (ui.i18n), as in ui/figures.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from gan_core.messages import Msg
from ui.figures import (
    FONT,
    axis_name,
    downsample,
    integer_axis,
    legend_name,
    panel_legends,
    reusable,
    signature,
    swap_data,
)
from ui.i18n import _, tr
from ui.metric_labels import LABELS, hover, label_with_unit, metric

# (title, ((column, legend name), ...), better) in display order; panels without data are left out.
# Legend names are short: each legend sits under its own panel's title; hovers carry the full label.
LOWER, HIGHER = Msg("lower is better"), Msg("higher is better")
SCORE_PANELS = (
    (Msg("Fréchet distance (classifier features)"), (("fd_clf", "FD"),), LOWER),
    (Msg("KID (classifier features)"), (("kid_clf", "KID"),), LOWER),
    (Msg("Precision and recall"), (("precision", Msg("precision")), ("recall", Msg("recall"))), HIGHER),
    (Msg("Classes covered"), (("classes_covered", Msg("classes")),), HIGHER),
    (Msg("Modes covered (PacGAN)"), (("modes_covered", Msg("modes")),), HIGHER),
    (Msg("High-quality samples (%)"), (("hq_pct", Msg("within 3 std")),), HIGHER),
    (Msg("KL and JS of grid histograms"), (("kl", Msg("KL(real ‖ G)")), ("js", "JS")), LOWER),
    (Msg("Fréchet distance (points)"), (("fd", "FD"),), LOWER),
    (Msg("Diversity of the fixed-noise batch"), (("diversity", Msg("real = 1")),), Msg("falls on collapse")),
)
LOWER_IS_BETTER = {k for k, m in LABELS.items() if m.better == "lower"}


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
        mine = [(key, tr(name), *_points(xs, cols[key])) for key, name in series if key in cols]
        mine = [t for t in mine if len(t[2])]
        if mine:
            traces += [(len(panels), *t) for t in mine]
            panels.append((title, series, better))
    return panels, traces


def _score_axes(fig: go.Figure, panels: list[tuple], traces: list[tuple]) -> None:
    """Whole-number axes for the counts (classes and modes covered): ticks at 9 and 9.5 read as
    nonsense. Data-dependent, so applied on a fresh build and on a refreshed figure alike."""
    for i, (_title, series, _better) in enumerate(panels):
        if all(metric(k).integer for k, _n in series):
            top = max((float(np.max(t[-1])) for t in traces if t[0] == i and len(t[-1])), default=1.0)
            fig.layout[axis_name("yaxis", i)].update(integer_axis(top))


def score_figure(cols: dict[str, list], x_key: str = "step", height_per_row: int = 230,
                 reuse: go.Figure | None = None) -> go.Figure | None:
    """The live score chart: one small panel per score present; None before the first scoring.
    `reuse`: the previous poll's figure, refreshed in place when its panels are still the same."""
    panels, traces = score_traces(cols, x_key)
    if not panels:
        return None
    sig = signature(traces)
    if reusable(reuse, sig):
        with reuse.batch_update():
            swap_data(reuse, traces)
            _score_axes(reuse, panels, traces)
        return reuse
    ncols = 2 if len(panels) > 1 else 1
    nrows = -(-len(panels) // ncols)
    titles = [_("{title} ({better})").format(title=tr(t), better=tr(b)) for t, _s, b in panels]
    fig = make_subplots(rows=nrows, cols=ncols, subplot_titles=titles,
                        vertical_spacing=min(0.3, 0.6 / nrows), horizontal_spacing=0.12)
    colours = ("#2ca02c", "#d62728")
    with_legend = [i for i, (_t, series, _b) in enumerate(panels) if len(series) > 1]
    for i, key, name, x, y in traces:
        series = panels[i][1]
        colour = colours[[k for k, _n in series].index(key)]
        shown = i in with_legend
        fig.add_trace(go.Scatter(x=x, y=y, name=name, mode="lines+markers", marker={"size": 6},
                                 line={"color": colour, "width": 2}, showlegend=shown,
                                 legend=legend_name(with_legend.index(i)) if shown else None,
                                 hovertemplate=hover(key, x_key)),
                      row=i // ncols + 1, col=i % ncols + 1)
    fig.update_layout(height=max(260, height_per_row * nrows), margin={"l": 50, "r": 10, "t": 60, "b": 30},
                      uirevision="keep", meta=sig, font={"size": FONT - 1}, showlegend=bool(with_legend))
    fig.update_annotations(font_size=FONT)
    panel_legends(fig, with_legend)
    fig.update_xaxes(tickformat="~s")
    _score_axes(fig, panels, traces)
    return fig


def histogram_figure(counts: Sequence[int], names: Sequence[str] | None = None, title: str = "",
                     height: int = 260) -> go.Figure:
    """Bar chart of the predicted classes (or nearest modes) of the generated samples."""
    names = list(names) if names and len(names) == len(counts) else [str(i) for i in range(len(counts))]
    fig = go.Figure(go.Bar(x=names, y=list(counts), marker_color="#ff7f0e",
                           hovertemplate=_("{x}: {n} samples").format(x="%{x}", n="%{y:,d}") + "<extra></extra>"))
    fig.update_layout(height=height, margin={"l": 50, "r": 10, "t": 40 if title else 10, "b": 30},
                      title=title or None, yaxis_title=_("samples"), font={"size": FONT - 1},
                      xaxis={"type": "category"})
    fig.update_yaxes(integer_axis(max(counts, default=1)))
    return fig


def overlay_figure(series: dict[str, tuple[Sequence[float], Sequence[Any]]], metric_key: str,
                   x_title: str = "step", height: int = 420, log_y: bool = False) -> go.Figure:
    """One metric of several runs on one chart: {run label: (x, y)}. The legend (run labels)
    is this chart's only one, under it; the y axis and hovers use the metric's readable label."""
    fig = go.Figure()
    x_hover = "step" if x_title == "step" else "time"  # hover() says it in the session's language
    for run_label, (x, y) in series.items():
        px, py = _points(x, y)
        if len(px):
            fig.add_trace(go.Scatter(x=px, y=py, name=run_label, mode="lines+markers" if len(px) < 60 else "lines",
                                     marker={"size": 6}, line={"width": 2},
                                     hovertemplate="<b>%{fullData.name}</b><br>"
                                     + hover(metric_key, x_hover).replace("<extra></extra>", "") + "<extra></extra>"))
    fig.update_layout(height=height, margin={"l": 50, "r": 10, "t": 30, "b": 40},
                      xaxis_title=_("step") if x_title == "step" else x_title,
                      yaxis_title=label_with_unit(metric_key), legend={"orientation": "h", "y": -0.2},
                      showlegend=True,  # even for one run: the legend says which run it is
                      uirevision=metric_key, font={"size": FONT})
    if log_y:
        fig.update_yaxes(type="log")
    elif metric(metric_key).integer:
        tops = [float(np.nanmax(_points(x, y)[1])) for x, y in series.values() if len(_points(x, y)[1])]
        fig.update_yaxes(integer_axis(max(tops, default=1.0)))
    return fig
