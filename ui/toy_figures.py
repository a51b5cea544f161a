"""Plotly figures of the 2-D lab: pure functions, a Snapshot (numpy arrays) in, go.Figure out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures import downsample

LAYERS = {  # key -> label of the toggle
    "heat": "D's output (heat map)",
    "real": "Real points",
    "fake": "Fake points G(z)",
    "arrows": "G's gradients (arrows)",
    "manifold": "G's manifold",
}
REAL_COLOUR = "#2ca02c"
FAKE_COLOUR = "#9467bd"
ARROW_COLOUR = "#d62728"
MANIFOLD_COLOUR = "rgba(60,60,60,0.55)"


def _polylines(lines: Iterable[np.ndarray]) -> tuple[list[float | None], list[float | None]]:
    """Several polylines as one trace: None between them breaks the line."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for ln in lines:
        xs += ln[:, 0].tolist() + [None]
        ys += ln[:, 1].tolist() + [None]
    return xs, ys


def arrow_segments(origins: np.ndarray, vectors: np.ndarray, head: float = 0.3) -> list[np.ndarray]:
    """A shaft and a two-stroke head per arrow, as polylines (each arrow one 5-point line)."""
    out = []
    for p, v in zip(np.asarray(origins, float), np.asarray(vectors, float)):
        n = float(np.hypot(*v))
        if n <= 0:
            continue
        tip = p + v
        back = -v * head
        left = np.array([back[0] * 0.866 - back[1] * 0.5, back[0] * 0.5 + back[1] * 0.866])
        right = np.array([back[0] * 0.866 + back[1] * 0.5, -back[0] * 0.5 + back[1] * 0.866])
        out.append(np.stack([p, tip, tip + left, tip, tip + right]))
    return out


def lab_figure(snap, layers: Sequence[str] = tuple(LAYERS), height: int = 560) -> go.Figure:
    """The lab's view: D's heat map under real and fake points, G's arrows and manifold."""
    fig = go.Figure()
    if "heat" in layers:
        prob = snap.heat_is_probability
        fig.add_trace(go.Heatmap(
            x=snap.heat_x, y=snap.heat_y, z=snap.heat, name="D", colorscale="RdBu", opacity=0.75,
            zmin=0.0 if prob else None, zmax=1.0 if prob else None, zmid=None if prob else 0.0,
            colorbar=dict(title=dict(text="P(real)" if prob else "D score", side="right"), thickness=12, len=0.8),
            hovertemplate="x %{x:.2f}, y %{y:.2f}<br>" + ("P(real) %{z:.3f}" if prob else "D %{z:.3f}")
            + "<extra></extra>"))
    if "manifold" in layers and snap.manifold is not None:
        xs, ys = _polylines(snap.manifold)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="G's manifold", hoverinfo="skip",
                                 line=dict(color=MANIFOLD_COLOUR, width=1)))
    if "real" in layers:
        fig.add_trace(go.Scatter(x=snap.real[:, 0], y=snap.real[:, 1], mode="markers", name="real",
                                 marker=dict(size=5, color=REAL_COLOUR, line=dict(width=0.5, color="white"))))
    if "arrows" in layers:
        xs, ys = _polylines(arrow_segments(snap.fake, snap.arrows))
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="-∇ L_G (G's push)", hoverinfo="skip",
                                 line=dict(color=ARROW_COLOUR, width=1.2)))
    if "fake" in layers:
        fig.add_trace(go.Scatter(x=snap.fake[:, 0], y=snap.fake[:, 1], mode="markers", name="fake G(z)",
                                 marker=dict(size=5, color=FAKE_COLOUR, line=dict(width=0.5, color="white"))))
    e = snap.extent
    fig.update_layout(height=height, margin=dict(l=30, r=10, t=10, b=30), uirevision="lab",
                      legend=dict(orientation="h", y=-0.06), plot_bgcolor="white")
    # Equal scales (a circle looks round) by shrinking the plot area, not by widening one range:
    # the view stays exactly [-e, e]^2, the square the heat map covers.
    fig.update_xaxes(range=[-e, e], showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(range=[-e, e], scaleanchor="x", scaleratio=1, showgrid=False, zeroline=False, constrain="domain")
    return fig


CHARTS = (
    ("Losses", (("d_loss", "L_D"), ("g_loss", "L_G"))),
    ("D's mean output", (("d_real", "D(x)"), ("d_fake", "D(G(z))"))),
    ("Divergence (grid histogram, nats)", (("kl", "KL(real‖fake)"), ("js", "JS"))),
    ("Mode coverage (PacGAN)", (("modes_covered", "modes covered"), ("hq_pct", "high quality %"))),
)


def _cols(rows: Sequence[dict]) -> dict[str, list[float]]:
    keys: list[str] = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    return {k: [float(r.get(k, np.nan)) for r in rows] for k in keys}


def lab_charts(history: Sequence[dict], scores: Sequence[dict], height: int = 420) -> go.Figure:
    """Under the view: losses and D's outputs (per action), KL/JS and mode coverage (per score)."""
    h, s = _cols(history), _cols(scores)
    fig = make_subplots(rows=2, cols=2, subplot_titles=[c[0] for c in CHARTS], vertical_spacing=0.16,
                        horizontal_spacing=0.09, specs=[[{}, {}], [{}, {"secondary_y": True}]])
    colours = ("#1f77b4", "#ff7f0e")
    for i, (_title, series) in enumerate(CHARTS):
        row, col = i // 2 + 1, i % 2 + 1
        src = h if i < 2 else s
        for j, ((key, name), colour) in enumerate(zip(series, colours)):
            if key not in src or not src.get("step"):
                continue
            x, y = downsample(src["step"], src[key])
            keep = ~np.isnan(y)
            kw = dict(secondary_y=j == 1) if i == 3 else {}
            fig.add_trace(go.Scatter(x=x[keep], y=y[keep], name=name, mode="lines", legendgroup=str(i),
                                     line=dict(color=colour, width=1.6)), row=row, col=col, **kw)
    if s.get("n_modes"):
        fig.update_yaxes(range=[0, max(s["n_modes"]) + 0.5], row=2, col=2, secondary_y=False, title_text="modes")
        fig.update_yaxes(range=[0, 101], row=2, col=2, secondary_y=True, title_text="HQ %")
    else:
        fig.add_annotation(text="mode counts need a Gaussian mixture (ring8, grid25)", showarrow=False,
                           xref="x4 domain", yref="y4 domain", x=0.5, y=0.5, font=dict(color="grey"))
    fig.update_xaxes(title_text="step", row=2)
    fig.update_layout(height=height, margin=dict(l=40, r=10, t=40, b=30), legend=dict(orientation="h", y=-0.15),
                      uirevision="lab-charts")
    return fig
