"""AppTest: the Train page draws a run read from its directory as it draws a live one
(gan_core.run_view): scores logged only in some rows are kept (they were lost when the columns
came from the last row of metrics.jsonl)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gan_core.config import TrainConfig
from gan_core.store import append_jsonl, atomic_write_json

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TRAIN = "app_pages/train.py"  # not the default page: Lessons is


@pytest.fixture
def runs(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    from ui.session import get_manager

    get_manager.clear()
    yield tmp_path / "runs"
    get_manager().stop_all()
    get_manager.clear()


def _stopped_run(root: Path, run_id: str) -> None:
    d = root / run_id
    (d / "samples").mkdir(parents=True)
    atomic_write_json(d / "config.json", TrainConfig(dataset="ring8", steps=300).to_dict())
    atomic_write_json(d / "status.json", {"id": run_id, "name": "ring before restart", "state": "stopped",
                                          "step": 300, "steps": 300, "last_checkpoint_step": 300})
    append_jsonl(d / "metrics.jsonl", [{"step": 100, "d_loss": 1.2, "g_loss": 0.9},
                                       {"step": 200, "d_loss": 1.1, "g_loss": 0.8, "fd": 4.0, "modes_covered": 6},
                                       {"step": 300, "d_loss": 1.0, "g_loss": 0.7}])
    append_jsonl(d / "scores.jsonl", [{"step": 200, "fd": 4.0, "mode_hist": [3, 0, 2, 5, 1, 0, 4, 2]}])


def test_a_run_from_disk_keeps_its_scores_and_histogram(runs):
    run_id = "20261202-000000-ring"
    _stopped_run(runs, run_id)
    at = AppTest.from_file(APP, default_timeout=60).switch_page(TRAIN)
    at.query_params["run"] = run_id
    at.run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert not any("Scores appear after the first scoring" in c for c in captions), captions
    keys = [c.proto.id for c in at.get("plotly_chart")]
    assert len(keys) >= 3, keys  # losses, scores, the latest mode histogram
    assert "Stopped at step 300" in " ".join(i.value for i in at.info)
    assert "step 300/300" in at.get("progress")[0].proto.text



def test_compile_error_is_shown(runs):
    """A run whose torch.compile failed went on uncompiled (gan_core.engine.warm_up_compile): the
    page says so and why (issue 15)."""
    run_id = "20261202-000001-comp"
    d = runs / run_id
    d.mkdir(parents=True)
    atomic_write_json(d / "config.json", TrainConfig(dataset="ring8", steps=300, compile=True).to_dict())
    atomic_write_json(d / "status.json", {"id": run_id, "steps": 300, "device": "cpu", "state": "finished",
                                          "step": 300, "accel": {"compiled": False,
                                                                 "compile_error": "no C++ compiler found"}})
    at = AppTest.from_file(APP, default_timeout=60).switch_page(TRAIN)
    at.query_params["run"] = run_id
    at.run()
    assert not at.exception
    assert any("torch.compile could not be used, so this run trains uncompiled: no C++ compiler found" in w.value
               for w in at.warning), [w.value for w in at.warning]


def test_compiling_phase_is_shown(runs, monkeypatch):
    """While torch.compile builds the nets (before the first step) the status says so (issue 15)."""
    import threading

    from gan_core.engine import Engine

    release = threading.Event()
    entered = threading.Event()

    def slow_compile(self):  # stands for a compile of seconds to a minute
        entered.set()
        release.wait(60)
        self.compile_pending = False

    monkeypatch.setattr(Engine, "warm_up_compile", slow_compile)
    at = AppTest.from_file(APP, default_timeout=60).switch_page(TRAIN)
    at.run()
    at.sidebar.checkbox(key="cfg_compile").check().run()
    try:
        at.button[0].click().run()
        assert entered.wait(60), "the run never reached its compile"
        at.run()
        texts = [p.proto.text for p in at.get("progress")]
        assert any("compiling the networks (torch.compile" in t for t in texts), texts
    finally:
        release.set()
