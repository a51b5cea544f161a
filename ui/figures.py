"""Plotly figure builders: pure functions, arrays in, go.Figure out (no Streamlit calls here).

Titles, legends and hovers are in the session's language (ui.i18n): the panel constants are Msg, marked
for the catalogue, and translated with tr() when a figure is built; a figure kept between polls carries the
language in its signature, so a switch builds it again."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from gan_core.messages import Msg
from ui.i18n import _, language, tr
from ui.metric_labels import hover, label

MAX_POINTS = 2000  # charts are downsampled to at most this many points per trace


def downsample(x: Sequence[float], y: Sequence[float], max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Keep every k-th point (and always the last) so a long run still draws quickly."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) <= max_points:
        return x, y
    idx = np.unique(np.r_[np.linspace(0, len(x) - 1, max_points).round().astype(int), len(x) - 1])
    return x[idx], y[idx]


# (title, ((column, legend name), ...)) in display order. The legend names are short because each
# legend sits with its own panel, under the panel's title; hovers give the full label (metric_labels).
PANELS = (
    (Msg("Losses"), (("d_loss", Msg("D loss")), ("g_loss", Msg("G loss")))),
    (Msg("D outputs (mean)"), (("d_real", Msg("D(x), real")), ("d_fake", Msg("D(G(z)), generated")))),
    (Msg("Gradient norms (log scale)"), (("grad_norm_d", "D"), ("grad_norm_g", "G"))),
    (Msg("Learning rates"), (("lr_d", "D"), ("lr_g", "G"))),
)
FONT = 14  # px: charts are read from the back of a classroom
LOG_PANEL = 2  # the gradient norms span decades


def metric_traces(cols: dict[str, list[float]],
                  x_key: str = "step") -> list[tuple[int, str, str, np.ndarray, np.ndarray]]:
    """The live chart's traces as (panel index, column, legend name, x, y), downsampled."""
    xs = cols.get(x_key, [])
    out = []
    if not len(xs):
        return out
    for i, (_title, series) in enumerate(PANELS):
        for key, name in series:
            if key in cols:
                out.append((i, key, tr(name), *downsample(xs, cols[key])))
    return out


def signature(traces: list[tuple]) -> list[str]:
    """What fixes a live figure's layout: which trace goes into which panel, and the language of its
    words. Stored in the figure's `layout.meta`, so a later poll can tell whether the figure can be reused."""
    return [f"{t[0]}:{t[1]}" for t in traces] + [f"lang:{language()}"]


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


# ----------------------------------------------------------------------------- readable axes
def tick_text(v: float) -> str:
    """0.02 -> '0.02', 5000 -> '5000', 2e-05 -> '2e-5': the number itself, never Plotly's bare
    minor digits ('5, 2, 10, 5, 2' on a log axis, where nobody can tell 0.05 from 50)."""
    if 1e-3 <= abs(v) < 1e5:
        return f"{v:g}"
    mant, exp = f"{v:.0e}".split("e")
    return f"{mant}e{int(exp)}"


def log_ticks(values: Sequence[float]) -> tuple[list[float], list[str], list[float]] | None:
    """Ticks for a log axis over `values`: (tick values, their text, axis range in log10 units).

    1, 2 and 5 times each power of ten while the data spans about a decade or less, powers of ten
    only beyond (more ticks would crowd a small panel); the range is framed by a labelled tick on
    each side. None without a positive value."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if not len(v):
        return None
    lo, hi = float(v.min()), float(v.max())
    k0, k1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    mults = (1,) if math.log10(hi / lo) > 1.2 else (1, 2, 5)
    cands = [m * 10.0**k for k in range(k0 - 1, k1 + 2) for m in mults]
    below = max(c for c in cands if c <= lo * (1 + 1e-9))
    above = min(c for c in cands if c >= hi * (1 - 1e-9))
    if above <= below:  # one value exactly on a tick: show one step either side
        i = cands.index(below)
        below, above = cands[max(0, i - 1)], cands[min(len(cands) - 1, i + 1)]
    ticks = [c for c in cands if below <= c <= above]
    return ticks, [tick_text(t) for t in ticks], [math.log10(below), math.log10(above)]


def integer_axis(max_value: float) -> dict:
    """Axis settings for counts (classes, modes, samples): whole-number ticks only, from zero."""
    top = max(1.0, float(max_value)) if math.isfinite(max_value) else 1.0
    dtick = 1 if top <= 6 else 2 if top <= 12 else None
    out = {"tickformat": ",d", "rangemode": "tozero", "range": [0, top * 1.08 + (0.3 if dtick else 0)]}
    if dtick:
        out.update(tickmode="linear", tick0=0, dtick=dtick)
    return out


def axis_name(kind: str, i: int) -> str:
    """Layout key of the axis of subplot i (0-based, row-major): xaxis, xaxis2, ..."""
    return kind if i == 0 else f"{kind}{i + 1}"


def panel_legends(fig: go.Figure, panels: Sequence[int], title_shift: int = 22) -> None:
    """One legend per panel in `panels`, just above that panel's plot and under its title, so a
    legend can never sit under another chart (one shared Plotly legend did). Traces must already
    carry `legend=legend_name(k)` where k is the panel's position in `panels`."""
    titles = list(fig.layout.annotations)
    for k, i in enumerate(panels):
        xd, yd = fig.layout[axis_name("xaxis", i)].domain, fig.layout[axis_name("yaxis", i)].domain
        fig.update_layout({legend_name(k): {"x": xd[0], "y": yd[1], "xanchor": "left", "yanchor": "bottom",
                                            "orientation": "h", "bgcolor": "rgba(0,0,0,0)", "font": {"size": FONT - 1},
                                            "itemwidth": 30, "tracegroupgap": 0}})
        if i < len(titles):
            titles[i].update(yshift=title_shift)


def legend_name(k: int) -> str:
    return "legend" if k == 0 else f"legend{k + 1}"


def _metrics_axes(fig: go.Figure, traces: list[tuple], cols: dict[str, list[float]]) -> None:
    """The data-dependent axis settings (applied on a fresh build and on a refreshed figure alike)."""
    lrs = [v for k in ("lr_g", "lr_d") for v in cols.get(k, []) if v is not None and math.isfinite(v)]
    if lrs:  # a constant LR would otherwise be drawn on an arbitrary +-1 range
        fig.update_yaxes(range=[0, 1.15 * max(lrs)], row=2, col=2)
    ticks = log_ticks([v for t in traces if t[0] == LOG_PANEL for v in t[-1]])
    if ticks:
        fig.update_yaxes(tickmode="array", tickvals=ticks[0], ticktext=ticks[1], range=ticks[2], row=2, col=1)


def metrics_figure(cols: dict[str, list[float]], x_key: str = "step", height: int = 540,
                   reuse: go.Figure | None = None) -> go.Figure:
    """The live training chart: losses, D outputs, gradient norms and learning rates.

    `reuse`: the figure this function returned at the previous poll; when the new data has the
    same traces, that figure gets the new data and is returned (same result, far less work)."""
    traces = metric_traces(cols, x_key)
    sig = signature(traces)
    if reusable(reuse, sig):
        with reuse.batch_update():
            swap_data(reuse, traces)
            _metrics_axes(reuse, traces, cols)
        return reuse
    fig = make_subplots(rows=2, cols=2, subplot_titles=[tr(p[0]) for p in PANELS], vertical_spacing=0.2,
                        horizontal_spacing=0.1)
    colours = ("#1f77b4", "#ff7f0e")
    for i, key, name, x, y in traces:
        colour = colours[[k for k, _n in PANELS[i][1]].index(key)]
        fig.add_trace(go.Scatter(x=x, y=y, name=name, mode="lines", line={"color": colour, "width": 2},
                                 legend=legend_name(i), hovertemplate=hover(key, x_key)),
                      row=i // 2 + 1, col=i % 2 + 1)
    fig.update_layout(height=height, margin={"l": 50, "r": 10, "t": 70, "b": 30}, font={"size": FONT},
                      uirevision="keep", meta=sig)  # uirevision: keep zoom/pan across live updates
    fig.update_annotations(font_size=FONT + 1)
    panel_legends(fig, range(len(PANELS)))
    fig.update_yaxes(type="log", row=2, col=1)
    fig.update_yaxes(tickformat=".1e", row=2, col=2)
    fig.update_xaxes(tickformat="~s")
    _metrics_axes(fig, traces, cols)
    return fig


def points_figure(fake: np.ndarray, real: np.ndarray | None = None, extent: float = 1.6,
                  height: int = 440) -> go.Figure:
    """Real and generated 2-D points in one scatter, on fixed axes so motion is visible."""
    fig = go.Figure()
    if real is not None:
        fig.add_trace(go.Scattergl(x=real[:, 0], y=real[:, 1], mode="markers", name=_("real"),
                                   marker={"size": 4, "color": "rgba(120,120,120,0.45)"}))
    fig.add_trace(go.Scattergl(x=fake[:, 0], y=fake[:, 1], mode="markers", name=_("generated (fixed z)"),
                               marker={"size": 4, "color": "#ff7f0e"}))
    fig.update_layout(height=height, margin={"l": 30, "r": 10, "t": 30, "b": 30},
                      legend={"orientation": "h", "y": -0.1},
                      uirevision="keep")
    fig.update_xaxes(range=[-extent, extent])
    fig.update_yaxes(range=[-extent, extent], scaleanchor="x", scaleratio=1)
    return fig


def lr_figure(steps: Sequence[int], lr_g: Sequence[float], lr_d: Sequence[float], height: int = 220) -> go.Figure:
    """Preview of the learning-rate schedule before training starts (arrays, not lists: Plotly
    validates a 2,000-point list element by element, 0.1 s of the first page's load)."""
    steps = np.asarray(steps)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=steps, y=np.asarray(lr_g, dtype=float), name=label("lr_g"), mode="lines",
                             hovertemplate=hover("lr_g")))
    fig.add_trace(go.Scatter(x=steps, y=np.asarray(lr_d, dtype=float), name=label("lr_d"), mode="lines",
                             line={"dash": "dash"}, hovertemplate=hover("lr_d")))
    fig.update_layout(height=height, margin={"l": 30, "r": 10, "t": 10, "b": 30},
                      legend={"orientation": "h", "y": -0.3},
                      xaxis_title=_("step"), font={"size": FONT - 1})
    fig.update_yaxes(tickformat=".1e", rangemode="tozero")
    return fig
