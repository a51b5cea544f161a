"""Pictures of the 2-D lab: pure functions, a Snapshot (numpy arrays) in, data for the browser out.

The view itself is drawn by a canvas component (ui/components/lab_canvas.py, which says why: it
replaced a Plotly figure of the view) from the compact frame `encode_frame` makes; `lab_charts`
makes the Plotly charts under the view.

Words: every word these pictures show (the view's legend, colour-bar title and description, the layer
toggles, the charts' titles, legends, axes and hover) is looked up with ui.i18n's `_()` when the
picture is made, so it is in the session's language (English outside a session, as in the tests).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures import downsample
from ui.i18n import _

LAYERS = ("heat", "real", "fake", "arrows", "manifold")  # the view's layers, in drawing order


def layer_label(key: str) -> str:
    """The label of a layer's toggle, in the session's language."""
    return {"heat": _("D's output (heat map)"), "real": _("Real points"), "fake": _("Fake points G(z)"),
            "arrows": _("G's gradients (arrows)"), "manifold": _("G's manifold")}[key]


REAL_COLOUR = "#2ca02c"
FAKE_COLOUR = "#9467bd"
# G's arrows: a near-black stroke inside a white halo. The heat map runs from dark red through
# white to dark blue, so no single colour stands out on all of it (the old red arrows vanished on
# the dark red of a confident D): the dark stroke shows on the light middle, the halo on both
# dark ends (tests/test_toy_frames.py checks the contrast against every colour of the palette).
ARROW_COLOUR = "#111111"
ARROW_HALO = "#ffffff"
MANIFOLD_COLOUR = "rgba(60,60,60,0.55)"
HEAT_PALETTE = (  # ColorBrewer RdBu (Plotly's "RdBu"): 0 red (fake) -> 1 blue (real)
    "rgb(103,0,31)", "rgb(178,24,43)", "rgb(214,96,77)", "rgb(244,165,130)", "rgb(253,219,199)", "rgb(247,247,247)",
    "rgb(209,229,240)", "rgb(146,197,222)", "rgb(67,147,195)", "rgb(33,102,172)", "rgb(5,48,97)")
HEAT_ALPHA = 0.75  # the heat map is blended over white, so the points on it stay the strongest colours
POINT_SCALE_STEPS = 8000  # int16 steps per `extent` when points are packed (covers +-4 extents)


# ---------------------------------------------------------------------------- frames for the canvas view
def heat_to_u8(heat: np.ndarray, is_probability: bool) -> tuple[np.ndarray, float, float]:
    """D's displayed output as palette indices 0..255 -> (u8 of heat's shape, value at 0, value at 255).

    P(real) maps [0, 1] onto the palette, so a colour means the same probability in every frame. A raw
    score (losses without a probability) maps [-m, m] with m its largest |value| in this frame: 0 is
    the palette's white middle, as Plotly's zmid=0 drew it. NaN shows as the middle; +-inf as the ends."""
    z = np.asarray(heat, dtype=np.float64)
    if is_probability:
        lo, hi = 0.0, 1.0
    else:
        finite = np.abs(z[np.isfinite(z)])
        m = float(finite.max()) if finite.size else 0.0
        m = m if m > 0 else 1.0
        lo, hi = -m, m
    with np.errstate(invalid="ignore"):
        u = np.clip((z - lo) / (hi - lo), 0.0, 1.0)
    return np.rint(np.nan_to_num(u, nan=0.5) * 255).astype(np.uint8), lo, hi


def pack_points(xy: np.ndarray, extent: float) -> dict:
    """(N, 2) points as little-endian int16 pairs in base64, in steps of extent / POINT_SCALE_STEPS:
    4 bytes a point (JSON floats take about 20) with a step far below a pixel. Points beyond +-4
    extents (and NaN) are put at the edge of that range: outside the view, as they should be."""
    scale = float(extent) / POINT_SCALE_STEPS
    a = np.asarray(xy, dtype=np.float64).reshape(-1, 2) / scale
    q = np.clip(np.nan_to_num(a, nan=32767.0, posinf=32767.0, neginf=-32767.0), -32767, 32767)
    return {"q": base64.b64encode(np.rint(q).astype("<i2").tobytes()).decode("ascii"), "scale": scale}


def unpack_points(packed: dict) -> np.ndarray:
    """The inverse of pack_points -> (N, 2) (what the canvas component decodes in JavaScript)."""
    q = np.frombuffer(base64.b64decode(packed["q"]), dtype="<i2").astype(np.float64)
    return q.reshape(-1, 2) * packed["scale"]


def frame_labels() -> dict[str, str]:
    """The canvas view's own words (legend, colour-bar title, the picture's description for screen
    readers), in the session's language: the frontend shows what it is sent and has no words of its own."""
    return {"real": _("real"), "fake": _("fake G(z)"), "arrows": _("-∇ L_G (G's push)"), "manifold": _("G's manifold"),
            "heat_probability": _("P(real)"), "heat_score": _("D score"),
            "description": _("D's output over the plane with real points, G's points, G's gradient arrows and "
                             "manifold")}



def _num(v: float) -> str:
    return f"{v:.3g}"


def encode_frame(snap, layers: Sequence[str] = tuple(LAYERS), labels: dict[str, str] | None = None) -> dict:
    """One frame of the canvas view: a Snapshot as JSON-ready data of a few kB (the Plotly figure of
    the same picture is about 160 kB of JSON and takes the browser far longer to draw).

    The heat map goes as palette indices (heat_to_u8, res*res bytes), points and arrows as packed
    int16 (pack_points), the manifold as one packed array with the length of each polyline. Layers
    that are switched off are not sent. `labels`: words to use instead of frame_labels()'s."""
    words = {**frame_labels(), **(labels or {})}
    layers = [k for k in LAYERS if k in layers]
    e = float(snap.extent)
    heat = None
    if "heat" in layers:
        u8, lo, hi = heat_to_u8(snap.heat, snap.heat_is_probability)
        heat = {"res": int(u8.shape[0]), "u8": base64.b64encode(u8.tobytes()).decode("ascii"),
                "lo_label": _num(lo), "hi_label": _num(hi)}
    manifold = None
    if "manifold" in layers and snap.manifold:
        manifold = {"points": pack_points(np.concatenate([np.asarray(m).reshape(-1, 2) for m in snap.manifold]), e),
                    "lengths": [len(m) for m in snap.manifold]}
    return {
        "step": int(snap.step), "extent": e, "layers": layers, "heat": heat, "manifold": manifold,
        "real": pack_points(snap.real, e) if "real" in layers else None,
        "fake": pack_points(snap.fake, e),  # always: the arrows start on them
        "arrows": pack_points(snap.arrows, e) if "arrows" in layers else None,
        "palette": list(HEAT_PALETTE), "heat_alpha": HEAT_ALPHA,
        "colours": {"real": REAL_COLOUR, "fake": FAKE_COLOUR, "arrow": ARROW_COLOUR, "arrow_halo": ARROW_HALO,
                    "manifold": MANIFOLD_COLOUR},
        "labels": {"real": words["real"], "fake": words["fake"], "arrows": words["arrows"],
                   "manifold": words["manifold"], "description": words["description"],
                   "heat": words["heat_probability"] if snap.heat_is_probability else words["heat_score"]},
    }


def charts() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """(title, ((key, legend name), ...)) of each panel under the view, in the session's language."""
    return (
        (_("Losses"), (("d_loss", "L_D"), ("g_loss", "L_G"))),
        (_("D's mean output"), (("d_real", "D(x)"), ("d_fake", "D(G(z))"))),
        (_("Divergence (grid histogram, nats)"), (("kl", _("KL(real‖fake)")), ("js", "JS"))),
        (_("Mode coverage (PacGAN)"), (("modes_covered", _("modes covered")), ("hq_pct", _("high quality %")))),
    )


def _cols(rows: Sequence[dict]) -> dict[str, list[float]]:
    keys: list[str] = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    return {k: [float(r.get(k, np.nan)) for r in rows] for k in keys}


CHART_POINTS = 600  # points per line of the lab's charts: small panels, redrawn while the view animates


def _thin(rows: Sequence[dict], max_points: int = CHART_POINTS) -> Sequence[dict]:
    """Every k-th row and the last, before the rows become columns: while playing the lab adds a
    row per refresh (about 12 a second, 30,000 in a lesson), and turning them all into columns
    every time the charts refresh took most of a second. Fewer points than other charts
    (ui.figures.MAX_POINTS): the browser redraws these panels during Play, on the same thread that draws
    the view, and four small panels show no more detail with more."""
    if len(rows) <= max_points:
        return rows
    idx = np.unique(np.r_[np.linspace(0, len(rows) - 1, max_points).round().astype(int), len(rows) - 1])
    return [rows[i] for i in idx]


def lab_charts(history: Sequence[dict], scores: Sequence[dict], height: int = 420) -> go.Figure:
    """Under the view: losses and D's outputs (per action), KL/JS and mode coverage (per score)."""
    h, s = _cols(_thin(history)), _cols(_thin(scores))
    panels = charts()
    fig = make_subplots(rows=2, cols=2, subplot_titles=[c[0] for c in panels], vertical_spacing=0.16,
                        horizontal_spacing=0.09, specs=[[{}, {}], [{}, {"secondary_y": True}]])
    colours = ("#1f77b4", "#ff7f0e")
    hover = "<b>%{fullData.name}</b><br>" + _("step {x}: {y}").format(x="%{x:,}", y="%{y:.4g}") + "<extra></extra>"
    for i, (_title, series) in enumerate(panels):
        row, col = i // 2 + 1, i % 2 + 1
        src = h if i < 2 else s
        for j, ((key, name), colour) in enumerate(zip(series, colours)):
            if key not in src or not src.get("step"):
                continue
            x, y = downsample(src["step"], src[key])
            keep = ~np.isnan(y)
            kw = {"secondary_y": j == 1} if i == 3 else {}
            fig.add_trace(go.Scatter(x=x[keep], y=y[keep], name=name, mode="lines", legendgroup=str(i),
                                     line={"color": colour, "width": 1.6}, hovertemplate=hover),
                          row=row, col=col, **kw)
    if s.get("n_modes"):
        fig.update_yaxes(range=[0, max(s["n_modes"]) + 0.5], row=2, col=2, secondary_y=False, title_text=_("modes"))
        fig.update_yaxes(range=[0, 101], row=2, col=2, secondary_y=True, title_text=_("HQ %"))
    else:
        fig.add_annotation(text=_("mode counts need a Gaussian mixture (ring8, grid25)"), showarrow=False,
                           xref="x4 domain", yref="y4 domain", x=0.5, y=0.5, font={"color": "grey"})
    fig.update_xaxes(title_text=_("step"), row=2)
    fig.update_layout(height=height, margin={"l": 40, "r": 10, "t": 40, "b": 30},
                      legend={"orientation": "h", "y": -0.15},
                      uirevision="lab-charts")
    return fig
