"""AppTest of the Class page and class mode (issue 18, item 4) with several sessions.

Several AppTest instances share the process-wide RunManager (ui.session.get_manager), each its
own browser session (?session=<owner id>), as students and a teacher on one server. Runs are
submitted to the manager directly (the Train page's form is tested elsewhere): a long ring8 run
per student, paused as soon as it is ready (active, but leaving the CPU to the pages under test) and
stopped at teardown.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PASSWORD = "correct horse 42"


def _owner() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A class server: GAN_TEACHER_PASSWORD set; two students, each with one run training."""
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("GAN_TEACHER_PASSWORD", PASSWORD)
    from gan_core.config import TrainConfig
    from ui.session import get_manager

    get_manager.clear()
    manager = get_manager()
    alice, bob = _owner(), _owner()
    runs = {who: manager.submit(TrainConfig(steps=1_000_000, sample_every=20), owner=o, name=f"{who}'s ring")
            for who, o in (("alice", alice), ("bob", bob))}
    for run in runs.values():
        run.pause()  # active, yet not training: the pages under test keep both CPU cores
    yield {"manager": manager, "owners": {"alice": alice, "bob": bob}, "runs": runs, "root": tmp_path / "runs"}
    manager.stop_all()
    get_manager.clear()


def _page(path: str, owner: str, run: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["session"] = owner
    if run is not None:
        at.query_params["run"] = run
    at.switch_page(path)
    return at


def _class_page(owner: str) -> AppTest:
    at = _page("app_pages/class_view.py", owner)
    at.run()
    assert not at.exception, at.exception
    return at


def _unlock(at: AppTest, password: str) -> AppTest:
    at.text_input(key="teacher_pw").input(password)
    next(b for b in at.button if b.label == "Unlock").click().run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown) + " ".join(e.value for e in at.error) + " ".join(
        i.value for i in at.info)


def _buttons(at: AppTest, label: str) -> list:
    return [b for b in at.button if b.label == label]


def test_student_sees_only_the_password_box(server):
    at = _class_page(server["owners"]["bob"])
    assert at.text_input(key="teacher_pw").proto.type == at.text_input(key="teacher_pw").proto.PASSWORD
    assert not _buttons(at, "Stop")
    assert "alice's ring" not in _texts(at) and "bob's ring" not in _texts(at)


def test_wrong_password_is_refused_visibly_and_never_echoed(server):
    at = _unlock(_class_page(server["owners"]["bob"]), "let me in")
    assert any("Wrong password" in e.value for e in at.error)
    assert not _buttons(at, "Stop") and "alice's ring" not in _texts(at)
    assert "let me in" not in _texts(at) and PASSWORD not in _texts(at)
    assert at.text_input(key="teacher_pw").value == ""  # the typed text is not kept in the box


def test_teacher_sees_every_run_and_stops_a_students_run(server):
    teacher = _unlock(_class_page(_owner()), PASSWORD)
    assert not teacher.error
    assert "alice's ring" in _texts(teacher) and "bob's ring" in _texts(teacher)
    alice_run = server["runs"]["alice"]
    assert len(_buttons(teacher, "Stop")) == 2  # one per tile
    links = [p.proto for p in teacher.get("page_link")]
    assert any(link.label == "Open" and link.page_script_hash and link.query_string == f"run={alice_run.id}"
               for link in links), links  # Open: a page of the app (the Train page), watching that run
    assert {m.label for m in teacher.metric} >= {"D loss", "G loss"}  # the sparklines' tiles
    teacher.button(key=f"class_stop_{alice_run.id}").click().run()
    alice_run.join(10.0)
    assert alice_run.state == "stopped"
    assert server["runs"]["bob"].active
    assert PASSWORD not in _texts(teacher)


def test_student_opens_anothers_run_read_only_and_a_forged_stop_is_refused(server):
    alice_run = server["runs"]["alice"]
    bob = _page("app_pages/train.py", server["owners"]["bob"], run=alice_run.id)
    bob.run()
    assert not bob.exception, bob.exception
    assert any("belongs to another session" in i.value for i in bob.info)
    for label in ("Pause", "Resume", "Step", "Stop"):
        assert all(b.proto.disabled for b in _buttons(bob, label)), label
    assert not bob.get("popover") or not any("Rename" in p.proto.label for p in bob.get("popover"))
    assert alice_run.owner == server["owners"]["alice"]  # not taken over by opening the link
    # a hand-made message: a click on the disabled Stop (AppTest refuses to click a disabled widget, so
    # the test enables it on its side only, as a forged client would). Streamlit (1.67) discards a
    # disabled widget's event on the server; the callback's own check is tested below.
    forged = _buttons(bob, "Stop")[0]
    forged.proto.disabled = False
    forged.click().run()
    time.sleep(0.5)
    assert alice_run.active, "a student stopped another session's run"
    assert alice_run.owner == server["owners"]["alice"]


def test_the_stop_callback_itself_checks_the_role(server):
    """The button was drawn enabled (the teacher had unlocked), then the session lost the role before
    the click arrived (Lock pressed in the meantime): the callback refuses, with the reason shown."""
    bob_run = server["runs"]["bob"]
    teacher = _unlock(_class_page(_owner()), PASSWORD)
    teacher.query_params["run"] = bob_run.id
    teacher.switch_page("app_pages/train.py").run()
    stop = _buttons(teacher, "Stop")[0]
    assert not stop.proto.disabled
    del teacher.session_state["teacher_unlocked"]
    stop.click().run()
    time.sleep(0.5)
    assert bob_run.active, "a session without the teacher's role stopped another session's run"
    assert any("belongs to another session" in e.value for e in teacher.error)


def test_teacher_controls_a_students_run_on_the_train_page(server):
    bob_run = server["runs"]["bob"]
    teacher = _unlock(_class_page(_owner()), PASSWORD)
    teacher.query_params["run"] = bob_run.id
    teacher.switch_page("app_pages/train.py").run()
    assert not teacher.exception, teacher.exception
    assert any("teacher's view" in i.value for i in teacher.info)
    stop = _buttons(teacher, "Stop")[0]
    assert not stop.proto.disabled
    stop.click().run()
    bob_run.join(10.0)
    assert bob_run.state == "stopped"
    assert bob_run.owner == server["owners"]["bob"]  # the teacher stopped it without taking it over


def test_runs_page_lists_only_the_students_own_runs(server):
    at = _page("app_pages/runs.py", server["owners"]["bob"])
    at.run()
    assert not at.exception, at.exception
    names = " ".join(m.value for m in at.markdown)
    assert "bob's ring" in names and "alice's ring" not in names


def test_compare_page_lists_only_the_students_own_runs(server):
    at = _page("app_pages/compare.py", server["owners"]["bob"])
    at.run()
    assert not at.exception, at.exception
    options = [o for box in at.multiselect for o in box.options]
    assert any("bob's ring" in o for o in options)
    assert not any("alice's ring" in o for o in options)


def test_without_the_variable_nothing_changes(server, monkeypatch):
    """A laptop: no password box, the wall has Stop for every run, and a run's URL controls it."""
    monkeypatch.delenv("GAN_TEACHER_PASSWORD")
    anyone = _class_page(_owner())
    assert not anyone.text_input and len(_buttons(anyone, "Stop")) == 2
    alice_run = server["runs"]["alice"]
    bob = _page("app_pages/train.py", server["owners"]["bob"], run=alice_run.id)
    bob.run()
    assert not bob.exception, bob.exception
    assert not any("belongs to another session" in i.value for i in bob.info)
    stop = _buttons(bob, "Stop")[0]
    assert not stop.proto.disabled
    stop.click().run()
    alice_run.join(10.0)
    assert alice_run.state == "stopped"
