"""Issue 19, the Explore / Compare / Class / Gallery-export area in Chinese: what the general page check
(tests/app/test_i18n_pages.py) does not reach: the Class page on a class server (the password box, a wrong
password refused in Chinese, the teacher's wall of live tiles), a shipped model's card on Explore, and
the Gallery's HTML export in the session's language (the CLI's stays English)."""

from __future__ import annotations

import uuid

import pytest
from apptest import APP
from i18n_words import english_words
from streamlit.testing.v1 import AppTest
from test_i18n_pages import shown_text

PASSWORD = "correct horse 42"


def _english(texts: list[str]) -> dict[str, str]:
    return {w: t for t in texts for w in english_words(t)}


def _page(path: str, lang: str, owner: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    if owner:
        at.query_params["session"] = owner
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def class_server(runs_root, monkeypatch):
    """A class server with one student's run, paused (active, leaving the CPU to the page under test)."""
    monkeypatch.setenv("GAN_TEACHER_PASSWORD", PASSWORD)
    from gan_core.config import TrainConfig
    from ui.session import get_manager

    run = get_manager().submit(TrainConfig(steps=1_000_000, sample_every=20), owner=uuid.uuid4().hex,
                               name="ring8-1")
    run.pause()
    return run


def test_class_page_refuses_a_wrong_password_in_chinese(class_server):
    at = _page("app_pages/class_view.py", "zh", uuid.uuid4().hex)
    assert at.title[0].value == "课堂"
    assert any("教师密码" in i.value for i in at.info), [i.value for i in at.info]
    assert not _english(shown_text(at)), _english(shown_text(at))
    at.text_input(key="teacher_pw").input("let me in")
    at.button[0].click().run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any("密码错误" in e and "GAN_TEACHER_PASSWORD" in e for e in errors), errors
    assert not _english(shown_text(at)), _english(shown_text(at))
    at.radio(key="lang").set_value("en").run()  # the refusal is kept as its English id: it follows the switch
    assert any("Wrong password" in e.value for e in at.error), [e.value for e in at.error]


def test_the_teachers_wall_in_chinese(class_server):
    at = _page("app_pages/class_view.py", "zh", uuid.uuid4().hex)
    at.text_input(key="teacher_pw").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    text = shown_text(at)
    assert any("ring8-1" in t for t in text) and any("锁定教师视图" in t for t in text) and "判别器损失" in text, text
    assert not _english(text), _english(text)


def test_the_class_refusal_the_train_page_shows_translates(monkeypatch):
    """ui.class_mode.REFUSED (a student's control of another's run) is a Msg: English where it is stored,
    Chinese where a zh page shows it through tr()."""
    from ui import i18n
    from ui.class_mode import REFUSED

    assert REFUSED.startswith("This run belongs to another session")
    monkeypatch.setattr(i18n, "language", lambda: "zh")
    shown = i18n.tr(REFUSED)
    assert "另一个会话" in shown and not english_words(shown), shown
