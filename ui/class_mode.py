"""Class mode: who may control which run on a shared server.

A class server sets GAN_TEACHER_PASSWORD. Then a student's session controls only its own runs
(those the run manager holds for its owner id, ui.session.session_owner, and those it started or
continued in this session); another session's run opens read-only; the teacher, once the
password is entered on the Class page, controls every run. Without the variable (a laptop, one
user) every session controls every run, as before.

The password is compared with hmac.compare_digest (time independent of where the strings
differ), never shown, never logged, never written to disk. The unlocked state lives in
st.session_state only: a reload (a new Streamlit session) asks for it again. What is kept is a
digest of the password that unlocked it, so a server restarted with another password locks every
teacher session out again.

Each control's callback calls `may_control(run_id)` again before acting: a disabled or absent
button is what the page shows, the check in the callback is what holds against a hand-made
message.

Whose run it is survives a restart of the server: status.json keeps the digest of the owner id
(gan_core.store.owner_digest, written by the run), and a session whose URL carries that owner id
(?session=, ui.session) owns the runs whose status says so, also when no process holds them any more.
Every list of runs a student sees (Runs, Compare, Gallery, Explore, the Train form's init-from
choices) goes through `listed`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import streamlit as st

from gan_core.messages import Msg
from gan_core.store import owner_digest, read_json, runs_root
from ui.session import PASSWORD_ENV, class_mode, get_manager, session_owner, valid_run_id

__all__ = ["PASSWORD_ENV", "class_mode", "is_teacher", "lock", "may_control", "listed", "may_list", "own_run_ids",
           "owned_on_disk", "unlock"]
# a Msg: the English sentence where it is stored or compared, translated where a page shows it (tr)
REFUSED = Msg("This run belongs to another session: on this class server a student controls only their own runs "
              "(the teacher can control every run after unlocking the Class page).")


def _password() -> str:
    return os.environ.get(PASSWORD_ENV, "")


def _digest(password: str) -> str:
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def is_teacher() -> bool:
    """Whether this session is the teacher's: class mode on and unlocked with today's password."""
    pw = _password()
    unlocked = st.session_state.get("teacher_unlocked")
    return bool(pw) and isinstance(unlocked, str) and hmac.compare_digest(unlocked, _digest(pw))


def unlock(given: str) -> bool:
    """Check a typed password; on a match this session becomes the teacher's. -> whether it matched."""
    pw = _password()
    ok = bool(pw) and hmac.compare_digest(given.encode("utf-8"), pw.encode("utf-8"))
    if ok:
        st.session_state.teacher_unlocked = _digest(pw)
    return ok


def lock() -> None:
    st.session_state.pop("teacher_unlocked", None)


def own_run_ids() -> set[str]:
    """The runs this session owns: held by the manager for its owner id, or started/continued here
    (ui.session.add_run records those, so a run stays its own after it ended)."""
    owner = session_owner()
    mine = {r.id for r in get_manager().runs(owner)}
    return mine | set(st.session_state.get("started_here", []))


def owned_on_disk(run_id: str) -> bool:
    """Whether the run's status.json names this session as its owner (a run from before a restart)."""
    if not valid_run_id(run_id):
        return False
    try:
        status = read_json(runs_root() / run_id / "status.json")
    except (OSError, ValueError):
        return False
    return isinstance(status, dict) and status.get("owner") == owner_digest(session_owner())


def may_control(run_id: str) -> bool:
    """Whether this session may pause, stop, rename, continue or branch the run `run_id`."""
    if not class_mode() or is_teacher():
        return True
    return run_id in own_run_ids() or owned_on_disk(run_id)


def may_list(run_id: str) -> bool:
    """Whether the Runs and Compare pages list this run for this session (a student: only their own)."""
    return may_control(run_id)


def listed(statuses: list[dict]) -> list[dict]:
    """The runs (status dicts as gan_core.store.list_runs returns them, or any dict with the run's "id"
    and the status's "owner") this session may see listed: all of them on a laptop or for the teacher, a
    student's own on a class server (held for it by the manager, made in this session, or its owner
    digest in status.json)."""
    if not class_mode() or is_teacher():
        return statuses
    own, mine = own_run_ids(), owner_digest(session_owner())

    def ours(s: dict) -> bool:
        run_id = Path(s["dir"]).name if "dir" in s else s.get("id")
        return run_id in own or s.get("owner") == mine

    return [s for s in statuses if ours(s)]
