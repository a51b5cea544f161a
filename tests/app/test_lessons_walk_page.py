"""AppTest of a walk lesson on the Lessons page: no Run button and no runs, a Walk button that draws both paths
of the shipped model (two strips and the charts along the walk) with the check's verdict, and the questions."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("app_pages/lessons.py")
    return at


def test_walk_lesson_walks_and_judges(app):
    app.query_params["lesson"] = "latent-walk"
    app.query_params["step"] = "2"
    at = app.run()
    assert not at.exception
    assert not [b for b in at.button if b.key == "lesson_run"]  # nothing to train
    assert any("Step 2 of" in i.value and "strips" in i.value for i in at.info)
    assert not at.success and not at.get("image")
    at.number_input(key="lesson_walk_seed").set_value(2)
    at.button(key="lesson_walk_go").click().run()
    assert not at.exception
    assert any("It showed" in s.value and "great circle" in s.value for s in at.success), [s.value for s in at.success]
    assert len(at.get("image")) == 2 and len(at.get("plotly_chart")) == 1
    at.button(key="answer_latent-walk:0").click().run()
    assert any("orthogonal" in s.value for s in at.success)


def test_walk_verdict_in_chinese(app):
    """The walk's verdict (Msgs from gan_core.lessons.walks) and the section's labels come from the catalogue."""
    app.query_params["lesson"] = "latent-walk"
    app.query_params["lang"] = "zh"
    at = app.run()
    at.button(key="lesson_walk_go").click().run()
    assert not at.exception
    assert any("现象出现了" in s.value and "大圆" in s.value and "G 的平均图像" in s.value for s in at.success), \
        [s.value for s in at.success]
    assert len(at.get("image")) == 2
