"""The Lessons page in Chinese (issue 19): every lesson (drafts too) opens by link in Chinese with no English
word (its title, goal, explanation, knobs, step, setups, questions and answers come from the catalogue), a
link `?lesson=<id>&step=<k>&lang=zh` opens that step, and a check's verdict (a Msg from
gan_core.lessons) is shown translated with its figures."""

from __future__ import annotations

import pytest
from apptest import APP
from i18n_words import english_words
from streamlit.testing.v1 import AppTest
from test_i18n_pages import shown_text
from test_lessons_images_page import _run_dir

from gan_core.lessons import get_lesson, lessons


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    from ui.session import get_manager

    get_manager.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("app_pages/lessons.py")
    yield at, tmp_path / "runs"
    get_manager.clear()


def _english(texts: list[str]) -> dict[str, str]:
    return {w: t for t in texts for w in english_words(t)}


def test_every_lesson_in_chinese_shows_no_english(app):
    """Each lesson at one of its steps (a different one each), its answers all shown: no English word."""
    at, _ = app
    for n, lesson in enumerate(lessons()):
        k = n % len(lesson.steps) + 1
        at.query_params.clear()
        at.query_params.update(lesson=lesson.id, step=str(k), lang="zh")
        at.session_state["lesson_answers"] = {f"{lesson.id}:{i}" for i in range(len(lesson.questions))}
        at.run()
        assert not at.exception, (lesson.id, at.exception)
        assert at.subheader[0].value != lesson.title, lesson.id  # the title is translated
        english = _english(shown_text(at))
        assert not english, f"{lesson.id} step {k}: " + "; ".join(f"{w!r} in {t!r}" for w, t in english.items())
        assert len(at.success) == len(lesson.questions)  # the answers were shown (and checked above)


def test_a_link_opens_the_step_in_chinese(app):
    at, _ = app
    lesson = get_lesson("noise-on-d")
    at.query_params.update(lesson="noise-on-d", step="2", lang="zh")
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="lesson_pick").value == "noise-on-d" and at.query_params["step"] in ("2", ["2"])
    step = next(i.value for i in at.info if "第 2 步，共 3 步" in i.value)
    assert "比较 D(x)" in step and "请看D(x) 与 D(G(z)) 图" in step and lesson.steps[1].text not in step
    at.button(key="lesson_next").click().run()
    assert any("第 3 步，共 3 步" in i.value and "检查结论" in i.value for i in at.info)


def test_the_verdict_is_shown_in_chinese_with_its_figures(app):
    """Two finished runs of the conditional lesson (B clearly ahead): the check's Msg reaches the page
    translated, its numbers formatted as in English, and nothing else on the page is English; in English the
    same page says it in English."""
    at, root = app
    _run_dir(root, "ra", fd=[71.0, 55.4], classes=[10, 10])
    _run_dir(root, "rb", fd=[36.0, 31.1], classes=[10, 10])
    at.query_params.update(lesson="conditional", lesson_runs="ra,rb", lang="zh")
    at.run()
    assert not at.exception, at.exception
    verdict = [s.value for s in at.success if "现象出现了" in s.value]
    assert verdict, [s.value for s in at.success]
    assert "覆盖的类别数 10（A）和 10（B，共 10 个）" in verdict[0] and "FD_clf 55.4 和 31.1" in verdict[0]
    assert "第 400 步" in verdict[0] and not english_words(verdict[0]), verdict[0]
    english = _english(shown_text(at))  # and the runs' panels: progress, sample grids, charts, scores
    assert not english, "; ".join(f"{w!r} in {t!r}" for w, t in english.items())

    at.query_params["lang"] = "en"
    at.session_state["lang"] = "en"
    at.run()
    verdict = [s.value for s in at.success if "It showed" in s.value]
    assert verdict and "classes covered 10 (A) and 10 of 10 (B)" in verdict[0] and "At step 400" in verdict[0]


def test_a_verdict_that_did_not_show_says_what_to_try_in_chinese(app):
    """A check that did not fire: the verdict and the lesson's 'what to try' are both translated."""
    at, root = app
    _run_dir(root, "ra", fd=[40.0, 31.0], classes=[10, 10])
    _run_dir(root, "rb", fd=[39.0, 30.0], classes=[9, 9])  # B not ahead
    at.query_params.update(lesson="conditional", lesson_runs="ra,rb", lang="zh")
    at.run()
    warned = [w.value for w in at.warning if "这一次现象没有出现" in w.value]
    assert warned and "可以试试：训练更久" in warned[0] and not english_words(warned[0]), warned
