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
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import streamlit as st

from ui.session import PASSWORD_ENV, class_mode, get_manager, session_owner

__all__ = ["PASSWORD_ENV", "class_mode", "is_teacher", "lock", "may_control", "listed", "may_list", "own_run_ids",
           "unlock"]
REFUSED = ("This run belongs to another session: on this class server a student controls only their own runs "
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


def may_control(run_id: str) -> bool:
    """Whether this session may pause, stop, rename, continue or branch the run `run_id`."""
    if not class_mode() or is_teacher():
        return True
    return run_id in own_run_ids()


def may_list(run_id: str) -> bool:
    """Whether the Runs and Compare pages list this run for this session (a student: only their own)."""
    return may_control(run_id)


def listed(statuses: list[dict]) -> list[dict]:
    """The run statuses (gan_core.store.list_runs) this session may see listed: all of them on a
    laptop or for the teacher, a student's own on a class server."""
    if not class_mode() or is_teacher():
        return statuses
    own = own_run_ids()
    return [s for s in statuses if Path(s["dir"]).name in own]
