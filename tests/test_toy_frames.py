"""Frames of the 2-D lab's canvas view (ui/toy_figures.py: encode_frame and its parts): what the
browser receives must decode to the lab's own numbers, stay small, and draw arrows that can be
seen on every colour of the heat map."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
import torch

from gan_core.checks import validate_config
from gan_core.config import TrainConfig
from gan_core.toylab import ToyLab
from ui.toy_figures import (
    ARROW_COLOUR,
    ARROW_HALO,
    HEAT_ALPHA,
    HEAT_PALETTE,
    LAYERS,
    POINT_SCALE_STEPS,
    encode_frame,
    heat_to_u8,
    pack_points,
    unpack_points,
)

pytestmark = pytest.mark.usefixtures("isolated")


def test_probability_maps_zero_to_one_onto_the_whole_palette():
    u8, lo, hi = heat_to_u8(np.array([[0.0, 0.5, 1.0], [-0.2, 1.3, np.nan]]), True)
    assert (lo, hi) == (0.0, 1.0)
    assert u8.dtype == np.uint8 and u8.tolist() == [[0, 128, 255], [0, 255, 128]]


def test_raw_scores_map_symmetrically_around_zero():
    u8, lo, hi = heat_to_u8(np.array([[-2.0, 0.0, 1.0]]), False)
    assert (lo, hi) == (-2.0, 2.0) and u8.tolist() == [[0, 128, 191]]
    u8, lo, hi = heat_to_u8(np.array([[np.inf, -1.0, np.nan]]), False)  # the scale comes from finite values
    assert (lo, hi) == (-1.0, 1.0) and u8.tolist() == [[255, 0, 128]]
    u8, lo, hi = heat_to_u8(np.zeros((2, 2)), False)  # a flat D: the middle colour, no division by 0
    assert (lo, hi) == (-1.0, 1.0) and (u8 == 128).all()


def test_points_pack_to_four_bytes_each_and_round_trip():
    rng = np.random.default_rng(0)
    xy = rng.uniform(-1.6, 1.6, (257, 2))
    packed = pack_points(xy, 1.6)
    assert len(base64.b64decode(packed["q"])) == 4 * 257
    back = unpack_points(packed)
    assert back.shape == (257, 2) and np.abs(back - xy).max() <= 0.5 * 1.6 / POINT_SCALE_STEPS + 1e-12


def test_points_outside_the_range_and_nan_land_outside_the_view():
    back = unpack_points(pack_points(np.array([[100.0, -100.0], [np.nan, 0.5], [np.inf, -np.inf]]), 1.0))
    assert np.all(np.abs(back[0]) > 4.0) and abs(back[1, 0]) > 4.0 and back[1, 1] == pytest.approx(0.5)
    assert back[2, 0] > 4.0 and back[2, 1] < -4.0


@pytest.fixture(scope="module")
def snap():
    torch.set_num_threads(1)
    lab = ToyLab(validate_config(TrainConfig(dataset="ring8", arch="toy-mlp", depth=2, width=16, latent_dim=2,
                             batch_size=64, n_fixed=64, steps=100, device="cpu")))
    lab.run_for(0.05)
    return lab.snapshot()


def test_frame_decodes_to_the_snapshot(snap):
    f = json.loads(json.dumps(encode_frame(snap)))  # what goes over the wire
    e = snap.extent
    step = e / POINT_SCALE_STEPS
    assert f["step"] == snap.step and f["extent"] == e and f["layers"] == list(LAYERS)
    # the canvas puts row i of the heat map at heat_y[i], bottom up, and column j at heat_x[j], on [-e, e]
    assert np.allclose(snap.heat_x, np.linspace(-e, e, len(snap.heat_x))) and np.allclose(snap.heat_y, snap.heat_x)
    n = f["heat"]["res"]
    heat = np.frombuffer(base64.b64decode(f["heat"]["u8"]), dtype=np.uint8).reshape(n, n)
    assert (heat == heat_to_u8(snap.heat, snap.heat_is_probability)[0]).all()
    assert (f["heat"]["lo_label"], f["heat"]["hi_label"]) == ("0", "1")
    for key, want in (("real", snap.real), ("fake", snap.fake), ("arrows", snap.arrows)):
        assert np.abs(unpack_points(f[key]) - want).max() <= step, key
    lines = unpack_points(f["manifold"]["points"])
    assert f["manifold"]["lengths"] == [len(m) for m in snap.manifold] and len(lines) == sum(f["manifold"]["lengths"])
    assert np.abs(lines - np.concatenate(snap.manifold)).max() <= step
    assert len(json.dumps(f)) < 40_000  # a few kB a frame (the Plotly figure of it: about 160 kB)


def test_layers_switched_off_are_not_sent(snap):
    f = encode_frame(snap, ["fake", "heat"])
    assert f["layers"] == ["heat", "fake"]  # in the drawing order
    assert f["real"] is None and f["arrows"] is None and f["manifold"] is None and f["heat"] is not None
    assert unpack_points(f["fake"]).shape == snap.fake.shape  # the fake points always (arrows start on them)


# ---------------------------------------------------------------------------- arrows seen on every colour
def _rgb(colour: str) -> np.ndarray:
    if colour.startswith("#"):
        return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
    return np.array([float(v) for v in colour[colour.index("(") + 1:-1].split(",")[:3]])


def _luminance(rgb: np.ndarray) -> float:
    """WCAG 2 relative luminance."""
    c = rgb / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def _contrast(a: np.ndarray, b: np.ndarray) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def heat_colours() -> list[np.ndarray]:
    """The 256 colours the canvas paints the heat map with: the palette's stops interpolated and
    blended over white with HEAT_ALPHA (as buildLut in ui/components/lab_canvas/index.html)."""
    stops = np.array([_rgb(c) for c in HEAT_PALETTE])
    u = np.linspace(0, len(stops) - 1, 256)
    j = np.minimum(np.floor(u).astype(int), len(stops) - 2)
    f = (u - j)[:, None]
    return list(HEAT_ALPHA * (stops[j] * (1 - f) + stops[j + 1] * f) + (1 - HEAT_ALPHA) * 255)


def test_arrows_stand_out_on_every_colour_of_the_heat_map():
    """The stroke or its halo contrasts with every colour of the heat map (>= 3:1, WCAG's bar for
    graphics), and the stroke with its halo (>= 7:1). The old red arrows (#d62728, no halo) reached
    1.4:1 on the dark red a confident D paints: they vanished late in training."""
    arrow, halo = _rgb(ARROW_COLOUR), _rgb(ARROW_HALO)
    assert _contrast(arrow, halo) >= 7.0
    worst = min(max(_contrast(arrow, bg), _contrast(halo, bg)) for bg in heat_colours())
    assert worst >= 3.0, worst
    assert min(_contrast(_rgb("#d62728"), bg) for bg in heat_colours()) < 1.5  # the old choice, for the record


# ---------------------------------------------------------------------------- charts under the view
def test_charts_of_a_long_game_keep_few_points_and_the_last():
    """A lesson of Play adds tens of thousands of history rows; the charts thin them first."""
    from ui.toy_figures import CHART_POINTS, lab_charts

    n = 30_001
    history = [{"step": float(i), "d_loss": 1.0 + (i % 7) / 10, "g_loss": 0.7} for i in range(n)]
    history[-1]["d_loss"] = 9.0  # the newest number must be on the chart
    scores = [{"step": float(i), "kl": 1.0, "js": 0.3} for i in range(0, n, 10)]
    fig = lab_charts(history, scores)
    by_name = {t.name: t for t in fig.data}
    assert len(by_name["L_D"].x) <= CHART_POINTS + 1 and by_name["L_D"].x[-1] == n - 1 and by_name["L_D"].y[-1] == 9.0
    assert len(by_name["KL(real‖fake)"].x) <= CHART_POINTS + 1
    short = lab_charts(history[:50], scores[:5])  # short games are drawn whole
    assert list(next(t for t in short.data if t.name == "L_D").x) == list(range(50))
