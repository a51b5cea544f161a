"""Class mode (GAN_TEACHER_PASSWORD set) across a restart of the server, and in every list of runs.

Whose run it is is kept in status.json as the digest of the owner id (gan_core.store.owner_digest), so after
a restart (a new RunManager: ui.session.get_manager cleared) a student's session (?session=<owner id>)
still owns its runs and controls them, and another's stay read-only. Gallery, Explore and the Train form's
init-from choices list only a student's own runs (and the shipped models), as Runs and Compare do; the
teacher and a laptop (no password) see every run. Several AppTest sessions share one process, as students
on one server.
"""

from __future__ import annotations

import json
import uuid

import pytest
from apptest import APP, TRAIN
from streamlit.testing.v1 import AppTest

PASSWORD = "correct horse 42"


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A class server where alice and bob each trained a short run to its end (checkpoint and sample grid
    written), then the server restarted: no process holds their runs any more."""
    root = tmp_path / "runs"
    monkeypatch.setenv("GAN_RUNS_DIR", str(root))
    monkeypatch.setenv("GAN_TEACHER_PASSWORD", PASSWORD)
    from gan_core.config import TrainConfig
    from ui.session import get_manager

    get_manager.clear()
    manager = get_manager()
    owners = {"alice": uuid.uuid4().hex, "bob": uuid.uuid4().hex}
    runs = {who: manager.submit(TrainConfig(steps=3, sample_every=1, device="cpu"), owner=o, name=f"{who}'s ring")
            for who, o in owners.items()}
    for run in runs.values():
        run.join(60.0)
        assert run.state == "finished", (run.state, run.error)
    manager.stop_all()
    get_manager.clear()  # the restart: the next page builds a new manager, which holds no run
    yield {"owners": owners, "ids": {who: r.id for who, r in runs.items()}, "root": root}
    get_manager().stop_all()
    get_manager.clear()


def _page(path: str, owner: str, run: str | None = None, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["session"] = owner
    if run is not None:
        at.query_params["run"] = run
    for k, v in state.items():
        at.session_state[k] = v
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def _teacher(path: str, **state) -> AppTest:
    at = _page("app_pages/class_view.py", uuid.uuid4().hex)
    at.text_input(key="teacher_pw").input(PASSWORD)
    next(b for b in at.button if b.label == "Unlock").click().run()
    for k, v in state.items():
        at.session_state[k] = v
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def _infos(at: AppTest) -> str:
    return " ".join(i.value for i in at.info)


def test_the_owner_is_kept_on_disk_as_a_digest_only(server):
    from gan_core.store import owner_digest

    for who, run_id in server["ids"].items():
        owner = server["owners"][who]
        status = json.loads((server["root"] / run_id / "status.json").read_text())
        assert status["owner"] == owner_digest(owner)
        for f in (server["root"] / run_id).rglob("*"):  # the id that controls the run is on no file
            if f.is_file() and f.suffix in (".json", ".jsonl"):
                assert owner not in f.read_text(), f


def test_after_a_restart_a_student_still_owns_their_runs(server):
    alice, bob = server["ids"]["alice"], server["ids"]["bob"]
    at = _page(TRAIN, server["owners"]["bob"], run=bob)  # bob's reload, on the new server
    assert "belongs to another session" not in _infos(at)
    assert any(bob in o for o in at.selectbox(key="your_runs").options)  # in "Your runs" again
    at = _page(TRAIN, server["owners"]["bob"], run=alice)  # alice's run: still read-only for bob
    assert "belongs to another session" in _infos(at)

    runs = _page("app_pages/runs.py", server["owners"]["bob"])
    names = " ".join(m.value for m in runs.markdown)
    assert "bob's ring" in names and "alice's ring" not in names


def test_after_a_restart_a_student_continues_their_run_not_anothers(server):
    from ui.session import get_manager

    bob_id = server["ids"]["bob"]
    other = _page(TRAIN, server["owners"]["bob"], run=server["ids"]["alice"])
    assert not [b for b in other.button if b.label == "Continue from checkpoint"]  # another's run: no control
    at = _page(TRAIN, server["owners"]["bob"], run=bob_id)
    at.number_input(key=f"more_{bob_id}").set_value(5).run()
    next(b for b in at.button if b.label == "Continue from checkpoint").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    run = get_manager().get(bob_id)
    assert run is not None and run.owner == server["owners"]["bob"]
    run.join(60.0)
    assert run.step == 5 and run.state == "finished", (run.step, run.state, run.error)


def test_gallery_lists_only_a_students_own_runs(server):
    at = _page("app_pages/gallery.py", server["owners"]["bob"])
    options = at.multiselect(key="gal_runs").options
    assert any("bob's ring" in o for o in options), options
    assert not any("alice's ring" in o for o in options), options
    teacher = _teacher("app_pages/gallery.py")
    options = teacher.multiselect(key="gal_runs").options
    assert any("bob's ring" in o for o in options) and any("alice's ring" in o for o in options), options


def test_explore_lists_only_a_students_own_runs(server):
    at = _page("app_pages/explore.py", server["owners"]["bob"], exk_source="Run checkpoint")
    options = at.selectbox(key="exk_run").options
    assert any("bob's ring" in o for o in options), options
    assert not any("alice's ring" in o for o in options), options
    teacher = _teacher("app_pages/explore.py", exk_source="Run checkpoint")
    options = teacher.selectbox(key="exk_run").options
    assert any("alice's ring" in o for o in options) and any("bob's ring" in o for o in options), options


def test_init_from_lists_only_a_students_own_runs(server):
    at = _page(TRAIN, server["owners"]["bob"])
    options = at.sidebar.selectbox(key="cfg_init_from").options
    assert any("bob's ring" in o for o in options), options
    assert not any("alice's ring" in o for o in options), options
    assert any(o.startswith("shipped: ") for o in options), options  # the shipped models stay
    teacher = _teacher(TRAIN)
    options = teacher.sidebar.selectbox(key="cfg_init_from").options
    assert any("alice's ring" in o for o in options) and any("bob's ring" in o for o in options), options


def test_without_the_password_every_list_has_every_run(server, monkeypatch):
    monkeypatch.delenv("GAN_TEACHER_PASSWORD")
    bob = server["owners"]["bob"]
    for path, widget, key, state in (("app_pages/gallery.py", "multiselect", "gal_runs", {}),
                                     ("app_pages/explore.py", "selectbox", "exk_run", {"exk_source": "Run checkpoint"}),
                                     (TRAIN, "selectbox", "cfg_init_from", {})):
        at = _page(path, bob, **state)
        options = getattr(at, widget)(key=key).options
        assert any("alice's ring" in o for o in options) and any("bob's ring" in o for o in options), (path, options)
