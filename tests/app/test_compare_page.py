"""AppTest of the Compare page: runs from the runs directory overlaid on one chart (against steps
or wall time), the config fields that differ, final scores sorted by a score, and deleting a run
only after confirming (never one that is training)."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gan_core.config import TrainConfig
from gan_core.store import atomic_write_json

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "compare.py")
A, B, C = "20260101-000000-aaaaaa", "20260101-000001-bbbbbb", "20260101-000002-cccccc"


@pytest.fixture
def root(tmp_path, monkeypatch):
    from ui.session import get_manager

    root = tmp_path / "runs"
    monkeypatch.setenv("GAN_RUNS_DIR", str(root))
    get_manager.clear()
    fake_run(root, A, fd=(30, 4.0))
    fake_run(root, B, fd=(30, 3.0), lr_d=1e-3)
    fake_run(root, C, fd=(30, 9.0), state="stopped", batch_size=128)
    yield root
    get_manager.clear()


def fake_run(root: Path, run_id: str, state="finished", fd=(30.0, 20.0), **cfg_fields) -> Path:
    """A run directory as TrainingRun writes it (no training needed)."""
    d = root / run_id
    (d / "samples").mkdir(parents=True)
    atomic_write_json(d / "config.json", TrainConfig(dataset="ring8", steps=200, **cfg_fields).to_dict())
    atomic_write_json(d / "status.json", {"id": run_id, "state": state, "step": 200, "steps": 200})
    rows = [{"step": 100, "time": 1.0, "d_loss": 1.2, "g_loss": 0.9, "fd": fd[0], "modes_covered": 5},
            {"step": 200, "time": 2.0, "d_loss": 1.1, "g_loss": 0.7, "fd": fd[1], "modes_covered": 8}]
    (d / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return d


def page() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=60)


def frame_with(at, column: str):
    return next(f.value for f in at.dataframe if column in f.value.columns)


def test_overlay_diff_and_sorted_scores(root):
    at = page().run()
    assert not at.exception, at.exception
    assert len(at.multiselect[0].value) == 3
    fig = at.get("plotly_chart")[0].proto.spec
    assert fig.count('"name"') >= 3  # one trace per run
    at.selectbox[0].set_value("fd").run()
    at.radio[0].set_value("time").run()  # against wall time
    assert not at.exception
    assert "training time (s)" in at.get("plotly_chart")[0].proto.spec
    diff = frame_with(at, "Setting")
    assert set(diff["Setting"]) == {"LR of D", "Batch size"}  # the form's labels, not lr_d / batch_size
    sort_box = next(s for s in at.selectbox if s.label == "Sort by")
    sort_box.set_value("fd").run()
    scores = frame_with(at, "Run")
    assert _ids(scores["Run"]) == [B, A, C]  # lowest FD first ("best first" for a lower-is-better score)
    next(c for c in at.checkbox if c.label == "Best first").uncheck().run()
    assert _ids(frame_with(at, "Run")["Run"]) == [C, A, B]
    assert list(frame_with(at, "Run")["Fréchet distance (points)"]) == [9.0, 4.0, 3.0]


def _ids(labels) -> list[str]:
    """Run ids from the table's run labels ('<name> · <differing settings>'; unnamed runs: the id)."""
    return [str(v).split(" · ")[0] for v in labels]


def test_runs_are_labelled_by_name_and_what_differs(root):
    """Issue 15, finding 6: which run had which LR is in the legend and the tables, not only in
    'config fields that differ' further down; raw metric keys nowhere."""
    for run_id, name in ((A, "ring8 baseline"), (B, "ring8 fast D")):
        status = json.loads((root / run_id / "status.json").read_text())
        atomic_write_json(root / run_id / "status.json", {**status, "name": name})
    at = page().run()
    assert not at.exception, at.exception
    spec = at.get("plotly_chart")[0].proto.spec
    assert "ring8 baseline · lr D 2e-4 · batch 64" in spec
    assert "ring8 fast D · lr D 1e-3 · batch 64" in spec
    assert f"{C} · lr D 2e-4 · batch 128" in spec  # no name: the id, then its settings
    assert any(o.startswith("ring8 fast D · finished") for o in at.multiselect[0].options)
    runs_col = list(frame_with(at, "Run")["Run"])
    assert "ring8 fast D · lr D 1e-3 · batch 64" in runs_col
    diff = frame_with(at, "Setting")
    assert "ring8 fast D · lr D 1e-3 · batch 64" in diff.columns
    headers = " ".join(str(c) for f in at.dataframe for c in f.value.columns)
    for raw in ("fd", "modes_covered", "d_loss", "g_loss", "lr_d", "batch_size"):
        assert raw not in headers.split(" "), raw
    metric_box = next(s for s in at.selectbox if s.label == "Metric")
    assert "Modes covered" in metric_box.options and "modes_covered" not in metric_box.options


def test_delete_needs_confirmation(root):
    at = page().run()
    next(s for s in at.selectbox if s.label == "Run").set_value(C).run()
    assert (root / C).is_dir()  # choosing it deletes nothing
    confirm = next(b for b in at.button if b.label == "Yes, delete it")
    confirm.click().run()
    assert not at.exception, at.exception
    assert not (root / C).exists() and (root / A).is_dir() and (root / B).is_dir()
    assert any(f"Deleted run {C}" in s.value for s in at.success)
    assert C not in at.multiselect[0].options and len(at.multiselect[0].options) == 2


def test_no_runs_says_how_to_get_one(tmp_path, monkeypatch):
    from ui.session import get_manager

    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "empty"))
    get_manager.clear()
    at = page().run()
    assert not at.exception
    assert any("No runs yet" in i.value for i in at.info)
    get_manager.clear()
