"""AppTest: drawing your own 2-D distribution (ui/draw_points.py) on the Train page and the 2-D lab.
The drawn points become a CSV saved like an upload and the form's dataset names it (the path an
uploaded CSV takes); too few points are refused in words, and the file reads back as drawn."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from gan_core.data import data_root
from gan_core.data.csvpoints import MIN_DRAWN, read_points_csv

APP = str(Path(__file__).resolve().parents[2] / "app.py")
RING = [[round(1.0 * c, 3), round(1.0 * s, 3)] for c, s in
        [(1, 0), (0.7, 0.7), (0, 1), (-0.7, 0.7), (-1, 0), (-0.7, -0.7), (0, -1), (0.7, -0.7)]] * 2


@pytest.fixture(autouse=True)
def roots(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("GAN_DATA_ROOT", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    from ui.session import get_manager

    get_manager.clear()
    yield
    get_manager.clear()


def _open(prefix: str, page: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state[prefix + "dataset"] = "csv"
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    at.button(key=f"{prefix}draw_button").click().run()
    assert not at.exception, at.exception
    return at


def _use(at: AppTest, prefix: str) -> AppTest:
    return at.button(key=f"{prefix}draw_use")


@pytest.mark.parametrize("prefix,page", [("cfg_", None), ("labcfg_", "app_pages/toy_lab.py")])
def test_drawn_points_become_the_csv_dataset(prefix, page):
    at = _open(prefix, page)
    assert "Draw from **10** to **2,000** points" in " ".join(c.value for c in at.caption)
    at.session_state[f"{prefix}draw_points"] = RING  # what the canvas sends after the strokes
    at.run()
    use = _use(at, prefix)
    assert use.label == f"Train on these {len(RING)} points" and not use.disabled
    use.click().run()
    assert not at.exception, at.exception
    arg = at.session_state[f"{prefix}arg_csv"]
    assert arg.startswith("uploads/") and arg.endswith(".csv")
    got = read_points_csv((data_root() / arg).read_bytes())  # read as an uploaded file is
    assert torch.allclose(got, torch.tensor(RING))
    assert at.text_input(key=f"{prefix}path_csv").value == arg
    assert not [b for b in at.button if b.key == f"{prefix}draw_use"]  # the dialog closed
    assert not [e.value for e in at.error if "dataset" in e.value], [e.value for e in at.error]


def test_too_few_points_are_refused_in_words():
    at = _open("cfg_", None)
    at.session_state["cfg_draw_points"] = RING[:3]
    at.run()
    assert any(f"3 points drawn: draw at least {MIN_DRAWN}" in w.value for w in at.warning)
    assert _use(at, "cfg_").disabled
    assert "cfg_arg_csv" not in at.session_state or not at.session_state["cfg_arg_csv"]


def test_reopening_edits_the_drawing_it_made():
    at = _open("cfg_", None)
    at.session_state["cfg_draw_points"] = RING
    at.run()
    _use(at, "cfg_").click().run()
    at.button(key="cfg_draw_button").click().run()
    assert at.session_state["cfg_draw_points"] == RING
