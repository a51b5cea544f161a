"""AppTest of the history scrubber (ui/history.py) on the Train and Runs pages: a slider over the
run's saved grids, the chosen step's grid shown, a time-lapse GIF with one frame per saved grid,
and a run without grids answered in words."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from gan_core.config import TrainConfig
from gan_core.store import atomic_write_json

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TRAIN = "app_pages/train.py"  # not the default page: Lessons is
RID, EMPTY = "20261202-000000-ring", "20261202-000001-none"
STEPS = [0, 100, 200, 300]


@pytest.fixture
def runs(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    from ui.session import get_manager

    get_manager.clear()
    root = tmp_path / "runs"
    _run(root, RID, STEPS, "ring with history")
    _run(root, EMPTY, [], "no grids yet")
    yield root
    get_manager.clear()


def _run(root: Path, run_id: str, steps: list[int], name: str) -> Path:
    d = root / run_id
    (d / "samples").mkdir(parents=True)
    atomic_write_json(d / "config.json", TrainConfig(dataset="ring8", steps=300).to_dict())
    atomic_write_json(d / "status.json", {"id": run_id, "name": name, "state": "stopped", "step": 300,
                                          "steps": 300, "last_checkpoint_step": 300})
    for i, s in enumerate(steps):
        Image.new("RGB", (64, 64), (i * 60, 0, 0)).save(d / "samples" / f"step_{s:07d}.png")
    return d


def _captions(at: AppTest) -> str:
    return " | ".join(c.value for c in at.caption)


def _image_captions(at: AppTest) -> list[str]:
    return [c for im in at.image for c in im.captions]


def _train_page(run_id: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90).switch_page(TRAIN)
    at.query_params["run"] = run_id
    at.session_state["hist_open"] = True  # the History expander, opened
    at.run()
    assert not at.exception, at.exception
    return at


def test_train_page_scrubs_every_saved_grid_and_makes_a_gif(runs):
    at = _train_page(RID)
    slider = at.select_slider(key=f"hist_step_{RID}")
    assert [int(o) for o in slider.options] == STEPS and slider.value == 300  # opens on the newest
    slider.set_value(100).run()
    assert not at.exception, at.exception
    assert any("G(fixed z) at step 100 · grid 2 of 4" in c for c in _image_captions(at)), _image_captions(at)
    next(b for b in at.button if b.key == f"hist_make_{RID}").click().run()
    assert not at.exception, at.exception
    made = at.session_state[f"hist_made_{RID}"]
    gif = Image.open(io.BytesIO(made["data"]))
    assert gif.format == "GIF" and gif.n_frames == len(STEPS)
    assert "GIF: 4 frames (of 4 grids, up to step 300)" in _captions(at)
    assert at.select_slider(key=f"hist_step_{RID}").value == 100  # making it did not move the slider


def test_a_grid_saved_since_joins_the_slider(runs):
    at = _train_page(RID)
    Image.new("RGB", (64, 64), "blue").save(runs / RID / "samples" / "step_0000400.png")  # the run went on
    at.select_slider(key=f"hist_step_{RID}").set_value(0).run()
    assert [int(o) for o in at.select_slider(key=f"hist_step_{RID}").options] == [*STEPS, 400]


def test_a_run_without_grids_says_so(runs):
    at = _train_page(EMPTY)
    assert any("saved no sample grid yet" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == f"hist_make_{EMPTY}"]


def test_mp4_absent_is_said_on_the_page(runs, monkeypatch):
    from gan_core import timelapse

    monkeypatch.setattr(timelapse, "_mp4_codec", lambda: None)
    at = _train_page(RID)
    assert "MP4 is not available on this server" in _captions(at)
    assert at.get("button_group")[0].proto.options and len(at.get("button_group")[0].proto.options) == 1


def test_runs_page_opens_the_history_of_a_run(runs):
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page("app_pages/runs.py").run()
    assert not at.exception, at.exception
    hist = {b.key: b for b in at.button if b.label == "History"}
    assert hist[f"hist_{EMPTY}"].disabled and not hist[f"hist_{RID}"].disabled
    hist[f"hist_{RID}"].click().run()
    assert not at.exception, at.exception
    slider = at.select_slider(key=f"hist_step_{RID}")
    assert slider.value == 300
    slider.set_value(200).run()
    assert any("at step 200 · grid 3 of 4" in c for c in _image_captions(at))
