"""AppTest of an image lesson on the Lessons page: two finished run directories written by hand (no
training) are shown with their sample grids and score charts, and the check's verdict reads their scores."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _run_dir(root: Path, run_id: str, fd: list[float], classes: list[float]) -> None:
    """A finished 400-step Fashion-MNIST run scored at steps 200 and 400, with a sample grid."""
    d = root / run_id
    (d / "samples").mkdir(parents=True)
    rows = []
    for step in range(10, 401, 10):
        row = {"step": step, "d_loss": 1.2, "g_loss": 1.0, "d_real": 0.6, "d_fake": 0.4}
        if step in (200, 400):
            i = step // 200 - 1
            row.update(fd_clf=fd[i], precision=0.6, recall=0.1, classes_covered=classes[i], class_entropy=2.1)
        rows.append(row)
    (d / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (d / "scores.jsonl").write_text(json.dumps({"step": 400, "fd_clf": fd[-1], "class_hist": [100] * 10}) + "\n")
    (d / "status.json").write_text(json.dumps({"id": run_id, "state": "finished", "step": 400, "steps": 400,
                                               "dataset": "fashion-mnist"}))
    (d / "config.json").write_text(json.dumps({"dataset": "fashion-mnist", "steps": 400}))
    Image.fromarray(np.full((62, 62), 128, np.uint8)).save(d / "samples" / "step_0000400.png")


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    from ui.session import get_manager

    get_manager.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("app_pages/lessons.py")
    yield at, tmp_path / "runs"
    get_manager.clear()


def test_image_lesson_shows_grids_scores_and_verdict(app):
    at, root = app
    _run_dir(root, "ra", fd=[71.0, 55.4], classes=[10, 10])  # A: unconditional
    _run_dir(root, "rb", fd=[36.0, 31.1], classes=[10, 10])  # B: conditional, clearly ahead
    at.query_params["lesson"] = "conditional"
    at.query_params["lesson_runs"] = "ra,rb"
    at.run()
    assert not at.exception
    assert len(at.get("image")) == 2  # one sample grid per run
    charts = at.get("plotly_chart")
    assert len(charts) >= 4  # per run: the training metrics and the scores
    assert any("FD" in c.proto.spec for c in charts)  # the scores chart, FD_clf among its panels
    verdict = [s.value for s in at.success if "It showed" in s.value]
    assert verdict and "10 of 10" in verdict[0] and "31.1" in verdict[0]


def test_each_image_lesson_opens_at_each_step(app):
    """Every step of every image lesson renders, saying what to look at."""
    from gan_core.lessons.format import TARGETS
    from gan_core.lessons.images import IMAGE_LESSONS

    at, _ = app
    for lesson in IMAGE_LESSONS:
        for k, step in enumerate(lesson.steps, start=1):
            at.query_params["lesson"] = lesson.id
            at.query_params["step"] = str(k)
            at.run()
            assert not at.exception, (lesson.id, k)
            shown = next(i.value for i in at.info if "Step " in i.value)
            assert f"Step {k} of {len(lesson.steps)}" in shown and step.text.split("**")[0][:20] in shown
            assert not step.points_at or TARGETS[step.points_at] in shown
