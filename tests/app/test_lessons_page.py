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
    assert [r.name for r in runs] == ["Lesson saturating-loss A", "Lesson saturating-loss B"]


def test_a_chinese_session_names_its_lesson_runs_in_chinese(app):
    """A run's name is chosen when it starts, in the language of the session that starts it (the Runs page
    lists it so); a zh session's lesson run is not named "Lesson ..." in English."""
    from ui.session import get_manager

    app.query_params["lesson"] = "the-game"
    app.query_params["lang"] = "zh"
    at = app.run()
    at.button(key="lesson_run").click().run()
    assert not at.exception
    raw = at.query_params["lesson_runs"]
    runs = [get_manager().get(i) for i in (raw[0] if isinstance(raw, list) else raw).split(",")]
    for r in runs:
        r.stop()
    assert [r.name for r in runs] == ["课程 the-game A"]


def test_lessons_is_the_default_page(tmp_path, monkeypatch):
    """A new visitor (/) lands on Lessons, the first page of the navigation (issue 18)."""
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Lessons"]


def test_an_old_run_link_opens_the_train_page(tmp_path, monkeypatch):
    """/?run=<id> was a Train page link while Train was the default page: it still opens Train."""
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["run"] = "nonexistent-run"
    at.run()
    assert not at.exception
    assert any(t.value == "Train a GAN" for t in at.title)
    assert "nonexistent-run" in " ".join(str(e.value) for e in [*at.warning, *at.error, *at.info])


def test_a_step_past_the_end_says_which_steps_exist(app):
    app.query_params["lesson"] = "saturating-loss"
    app.query_params["step"] = "99"
    at = app.run()
    assert not at.exception
    assert any("'99'" in w.value and "1 to 4" in w.value for w in at.warning)
    assert "Step 1 of 4" in _step_text(at)


def test_the_steps_box_sets_both_runs_steps(app):
    from ui.session import get_manager

    app.query_params["lesson"] = "noise-on-d"
    at = app.run()
    from gan_core.lessons import get_lesson

    lesson = get_lesson("noise-on-d")
    box = at.number_input(key="lesson_steps_noise-on-d")
    assert box.value == lesson.setups[0].config().steps and box.min == lesson.min_step  # its own; what it judges
    box.set_value(600).run()
    at.button(key="lesson_run").click().run()
    raw = at.query_params["lesson_runs"]
    runs = [get_manager().get(i) for i in (raw[0] if isinstance(raw, list) else raw).split(",")]
    for r in runs:
        r.stop()
    assert [r.cfg.steps for r in runs] == [600, 600]


def test_every_lesson_renders_at_every_step(app):
    """A lesson is data: every lesson of the catalogue opens at each of its steps by link, with no page change."""
    from gan_core.lessons import lessons

    for lesson in lessons():
        for k in range(1, len(lesson.steps) + 1):
            app.query_params["lesson"] = lesson.id
            app.query_params["step"] = str(k)
            at = app.run()
            assert not at.exception, (lesson.id, k, at.exception)
            assert [h.value for h in at.subheader][:1] == [lesson.title], (lesson.id, k)
            assert f"Step {k} of {len(lesson.steps)}." in _step_text(at), (lesson.id, k)
            warned = [w.value for w in at.warning]
            assert warned == ([w for w in warned if "Draft lesson" in w and lesson.draft in w][:1] if lesson.draft
                              else []), (lesson.id, k, warned)
            assert not at.error, (lesson.id, k, [e.value for e in at.error])
            for i in range(len(lesson.questions)):
                assert at.button(key=f"answer_{lesson.id}:{i}")


def test_drafts_are_hidden_until_asked_for_and_say_why(app):
    """A lesson that misses the 4-of-5 rule (Lesson.draft) is not offered by default; a link opens it with a
    warning that gives the measured figures; hiding drafts again moves to a lesson that ships."""
    from gan_core.lessons import lesson_ids, lessons

    drafts = [lesson for lesson in lessons() if lesson.draft]
    assert drafts, "no draft lesson: this test would check nothing"
    at = app.run()
    assert at.selectbox(key="lesson_pick").options == [lesson.title for lesson in lessons(drafts=False)]
    assert not at.warning
    at.toggle(key="lesson_drafts").set_value(True).run()
    assert len(at.selectbox(key="lesson_pick").options) == len(lesson_ids())
    app.query_params["lesson"] = drafts[0].id
    at = app.run()
    assert at.toggle(key="lesson_drafts").value and at.selectbox(key="lesson_pick").value == drafts[0].id
    assert any("Draft lesson" in w.value and drafts[0].draft in w.value for w in at.warning)
    at.toggle(key="lesson_drafts").set_value(False).run()
    assert at.selectbox(key="lesson_pick").value == lesson_ids(drafts=False)[0] and not at.exception
    assert not any("Draft lesson" in w.value for w in at.warning)
