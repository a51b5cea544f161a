"""AppTest: the Train page draws a run read from its directory as it draws a live one
(gan_core.run_view): scores logged only in some rows are kept (they were lost when the columns
came from the last row of metrics.jsonl)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gan_core.config import TrainConfig
from gan_core.store import append_jsonl, atomic_write_json

APP = str(Path(__file__).resolve().parents[2] / "app.py")


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
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["run"] = run_id
    at.run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert not any("Scores appear after the first scoring" in c for c in captions), captions
    keys = [c.proto.id for c in at.get("plotly_chart")]
    assert len(keys) >= 3, keys  # losses, scores, the latest mode histogram
    assert "Stopped at step 300" in " ".join(i.value for i in at.info)
    assert "step 300/300" in at.get("progress")[0].proto.text
