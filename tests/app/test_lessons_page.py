"""AppTest of the Lessons page: opened by ?lesson=&step=, Next/Back, answers revealed on click, and the
Run button starting A and B on the real engine with the same seed (stopped at once: the check's verdict
on real runs is measured by bench/lessons.py, the checks themselves in tests/test_lessons.py)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    from ui.session import get_manager

    get_manager.clear()  # a fresh process-wide manager rooted in tmp_path
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("app_pages/lessons.py")
    yield at
    get_manager().stop_all()
    get_manager.clear()


def _step_text(at) -> str:
    return next(i.value for i in at.info if "Step " in i.value)


def test_link_opens_lesson_at_step_and_steps_move(app):
    app.query_params["lesson"] = "noise-on-d"
    app.query_params["step"] = "2"
    at = app.run()
    assert not at.exception
    assert at.selectbox(key="lesson_pick").value == "noise-on-d"
    assert "Step 2 of 3" in _step_text(at) and "D(x)" in _step_text(at)
    at.button(key="lesson_next").click().run()
    assert "Step 3 of 3" in _step_text(at) and at.query_params["step"] in ("3", ["3"])
    assert at.button(key="lesson_next").disabled
    at.button(key="lesson_back").click().run()
    assert "Step 2 of 3" in _step_text(at)


def test_bad_link_says_what_is_allowed(app):
    app.query_params["lesson"] = "no-such-lesson"
    app.query_params["step"] = "99"
    at = app.run()
    assert not at.exception
    assert any("no-such-lesson" in e.value and "the-game" in e.value for e in at.error)


def test_answers_revealed_on_click(app):
    from gan_core.lessons import get_lesson

    app.query_params["lesson"] = "the-game"
    at = app.run()
    answer = get_lesson("the-game").questions[0].answer
    assert not any(answer in s.value for s in at.success)
    at.button(key="answer_the-game:0").click().run()
    assert any(answer in s.value for s in at.success)


def test_run_starts_a_and_b_with_the_same_seed(app):
    from ui.session import get_manager

    app.query_params["lesson"] = "saturating-loss"
    at = app.run()
    at.number_input(key="lesson_seed").set_value(7).run()
    at.button(key="lesson_run").click().run()
    assert not at.exception
    raw = at.query_params["lesson_runs"]
    ids = (raw[0] if isinstance(raw, list) else raw).split(",")
    assert len(ids) == 2
    runs = [get_manager().get(i) for i in ids]
    for r in runs:
        r.stop()
    assert [r.cfg.loss for r in runs] == ["minimax", "ns"] and {r.cfg.seed for r in runs} == {7}
    assert all(r.owner == at.session_state["owner"] for r in runs)
    assert any("A**: saturating" in m.value for m in at.markdown)
