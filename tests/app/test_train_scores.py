"""AppTest of the Train page's score pieces: the 'Scores & monitoring' settings (score interval,
TensorBoard, with the install hint when the package is missing), the alarm banners with their
explanation and remedies, and the live score charts with the class histogram."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TRAIN = "app_pages/train.py"  # not the default page: Lessons is


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    from ui.session import get_manager

    get_manager.clear()
    yield AppTest.from_file(APP, default_timeout=60).switch_page(TRAIN)
    get_manager().stop_all()
    get_manager.clear()


@pytest.mark.parametrize("installed", [True, False])
def test_score_settings_and_tensorboard_hint(app, monkeypatch, installed):
    import ui.scores

    monkeypatch.setattr(ui.scores, "tensorboard_available", lambda: installed)
    at = app.run()
    assert not at.exception, at.exception
    every = at.sidebar.number_input(key="cfg_score_every")
    assert every.value == 250  # the preset's default interval
    tb = at.sidebar.checkbox(key="cfg_tensorboard")
    assert tb.proto.disabled is (not installed)
    hint = [c.value for c in at.sidebar.caption if "pip install tensorboard" in c.value]
    assert bool(hint) is (not installed)
    if installed:
        tb.check().run()
        every.set_value(100).run()
        assert not at.exception
        assert at.session_state["cfg_tensorboard"] is True and at.session_state["cfg_score_every"] == 100
        assert not next(b for b in at.button if b.label == "Start training").proto.disabled


def _banners_and_charts():
    import streamlit as st

    from gan_core.metrics.alarms import Alarm
    from ui.scores import alarm_banners, score_charts

    alarm_banners([Alarm("mode_collapse", 500, "classes covered fell from 10 to 2 (step 500)").to_dict(),
                   Alarm("divergence", 900, "g_loss is nan at step 900", level="error").to_dict()])
    cols = {"step": [100, 200, 300], "d_loss": [1.0, 1.1, 1.2], "fd_clf": [float("nan"), 30.0, 12.0],
            "classes_covered": [float("nan"), 8, 10], "precision": [float("nan"), 0.5, 0.6],
            "recall": [float("nan"), 0.2, 0.4]}
    latest = {"step": 300, "class_hist": [5, 1, 0, 3], "class_names": ["a", "b", "c", "d"]}
    score_charts(cols, latest, key="t")
    st.divider()
    score_charts({"step": [10], "d_loss": [1.0]}, None, key="empty")


def test_alarm_banners_and_score_charts():
    at = AppTest.from_function(_banners_and_charts, default_timeout=30).run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and "Training diverged" in at.error[0].value and "step 900" in at.error[0].value
    assert len(at.warning) == 1 and "Mode collapse" in at.warning[0].value
    assert "fell from 10 to 2" in at.warning[0].value and "few outputs" in at.warning[0].value  # the explanation
    remedies = [e for e in at.expander if "What to try" in e.label]
    assert len(remedies) == 2 and "WGAN-GP" in remedies[-1].markdown[0].value
    charts = at.get("plotly_chart")
    assert len(charts) == 2  # the score panels and the class histogram
    spec = json.loads(charts[0].proto.spec)
    titles = [a["text"] for a in spec["layout"]["annotations"]]
    assert any(t.startswith("Fréchet distance (classifier features)") for t in titles), titles
    assert any(t.startswith("Classes covered") for t in titles), titles
    for raw in ("fd_clf", "classes_covered", "kid_clf"):  # readable labels in the hovers, not the keys
        assert all(raw not in (tr.get("hovertemplate") or "") for tr in spec["data"]), raw
    assert '"a"' in charts[1].proto.spec  # the class names on the histogram
    assert any("not on Inception" in c.value for c in at.caption)
    assert any("Scores appear after the first scoring" in c.value for c in at.caption)
