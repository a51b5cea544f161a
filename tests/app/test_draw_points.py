"""AppTest: drawing your own 2-D distribution (ui/draw_points.py) on the Train page and the 2-D lab.
The drawn points become a CSV saved like an upload and the form's dataset names it (the path an
uploaded CSV takes); too few points are refused in words, and the file reads back as drawn."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from gan_core.data import data_root
from gan_core.data.csvpoints import MIN_DRAWN, read_points_csv

APP = str(Path(__file__).resolve().parents[2] / "app.py")
# a ring of 8 clusters, 40 points each: more than the presets' batch sizes (256 on Train, 128 in the lab)
RING = [[round(math.cos(k * math.pi / 4) + 0.05 * math.sin(7 * i), 3),
         round(math.sin(k * math.pi / 4) + 0.05 * math.cos(5 * i), 3)] for k in range(8) for i in range(40)]


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
    at.switch_page(page or "app_pages/train.py")  # None: the Train page (not the default page: Lessons is)
    at.run()
    at.selectbox(key=prefix + "dataset").set_value("csv").run()  # as a user chooses it, after the preset
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
    at.number_input(key="cfg_batch_size").set_value(4)
    at.session_state["cfg_draw_points"] = RING[:3]
    at.run()
    assert any(f"3 points drawn: draw at least {MIN_DRAWN} to train on them." == w.value for w in at.warning)
    assert _use(at, "cfg_").disabled
    assert "cfg_arg_csv" not in at.session_state or not at.session_state["cfg_arg_csv"]


def test_fewer_points_than_the_batch_size_are_refused_with_why():
    """A batch is drawn from the data without replacement: a drawing smaller than the batch size would
    be refused when training starts; the dialog says so first."""
    at = _open("cfg_", None)
    assert at.session_state["cfg_batch_size"] == 256  # the ring8-mlp preset's
    at.session_state["cfg_draw_points"] = RING[:100]
    at.run()
    assert any("100 points drawn: draw at least 256" in w.value and "Batch size" in w.value for w in at.warning)
    assert _use(at, "cfg_").disabled
    at.number_input(key="cfg_batch_size").set_value(64).run()
    assert not _use(at, "cfg_").disabled


def test_reopening_edits_the_drawing_it_made():
    at = _open("cfg_", None)
    at.session_state["cfg_draw_points"] = RING
    at.run()
    _use(at, "cfg_").click().run()
    at.button(key="cfg_draw_button").click().run()
    assert at.session_state["cfg_draw_points"] == RING


def test_the_lab_draws_from_any_dataset_and_restarts_on_the_drawing():
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("app_pages/toy_lab.py").run()
    assert not at.exception, at.exception
    assert at.session_state["labcfg_dataset"] == "ring8"
    at.button(key="lab_draw").click().run()
    at.session_state["labcfg_draw_points"] = RING
    at.run()
    _use(at, "labcfg_").click().run()
    assert not at.exception, at.exception
    assert at.session_state["labcfg_dataset"] == "csv"
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["toylab"].cfg.dataset == "csv:" + at.session_state["labcfg_arg_csv"]
    assert not [b for b in at.button if b.key == "labcfg_draw_use"]  # the dialog closed
