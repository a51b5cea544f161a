"""Session handles: the process-wide RunManager and this browser session's runs.

Runs are owned by the RunManager (one per server process, held by st.cache_resource), never by
st.session_state alone. A session is known to the manager by an owner id, and the run being
watched is in the URL (?run=<id>) so a reload or a shared link reattaches.

Why the owner id is in the URL (?session=<32 hex>) rather than the list of runs (?runs=a,b,c):
a reload starts a new Streamlit session with an empty st.session_state; with the owner id in the
URL the new session *is* the old owner, so it finds all of its runs in the manager (however
many, including runs it started in another tab of the same session), its per-session run limit
still counts them, and one heartbeat keeps them all alive. A list of ids would grow with every
run, go stale, and need each id adopted again after every reload. The id is random (uuid4),
checked for its form before use, and never written to disk (status.json keeps its SHA-256, so a class
server knows whose run it is after a restart: ui/class_mode.py).

Every page of the app keeps the session's runs alive: the router (app.py) calls
`keep_runs_alive()` on every script run, which heartbeats and, while the session has active
runs, repeats that from a small fragment every `RunManager.heartbeat_every_s` seconds; while the
page's script itself runs, `heartbeat_while_drawing()` does it from a helper thread. A run
that went unwatched for most of the orphan timeout (a sleeping laptop, a throttled background
tab) is named in a warning on whatever page is open.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from gan_core.store import list_runs, owner_digest, runs_root
from ui.i18n import _

if TYPE_CHECKING:  # the manager's module imports torch; the router imports this one before any page
    from gan_core.manager import RunManager

OWNER_PARAM = "session"
PASSWORD_ENV = "GAN_TEACHER_PASSWORD"  # set: a class server (ui/class_mode.py)
WARN_AFTER = 2 / 3  # warn when a run went unwatched for this fraction of the orphan timeout
WARN_FOR_S = 30.0  # and keep the warning up this long
_OWNER_RE = re.compile(r"[0-9a-f]{32}")


@st.cache_resource
def get_manager() -> RunManager:
    from gan_core.manager import RunManager

    manager = RunManager(runs_root())
    manager.recover()  # runs left 'running' by a previous server process are marked interrupted
    return manager


def valid_owner(value: object) -> bool:
    return isinstance(value, str) and _OWNER_RE.fullmatch(value) is not None


def session_owner() -> str:
    """This session's owner id: the one in the URL after a reload, else a new one (put in the URL)."""
    owner = st.session_state.get("owner")
    if owner is None:
        url_owner = st.query_params.get(OWNER_PARAM)
        owner = url_owner if valid_owner(url_owner) else uuid.uuid4().hex
        st.session_state.owner = owner
    if st.query_params.get(OWNER_PARAM) != owner:  # a page switch drops it from the URL
        st.query_params[OWNER_PARAM] = owner
    return owner


def valid_run_id(run_id: object) -> bool:
    """Run ids are folder names we made: letters, digits, '-' and '_' only (no paths)."""
    return isinstance(run_id, str) and 0 < len(run_id) <= 64 and all(c.isalnum() or c in "-_" for c in run_id)


def class_mode() -> bool:
    """Whether this server is a class server: GAN_TEACHER_PASSWORD set (ui/class_mode.py)."""
    return bool(os.environ.get(PASSWORD_ENV))


def my_run_ids() -> list[str]:
    """This session's runs, newest first: those the manager holds for its owner (a reload finds
    them again), those it listed before, and a run id in the URL (a shared link), adopted.

    On a class server (class_mode) a URL never adopts a run: a student who opens another's link
    must not take that run over, nor the teacher a student's; the Train page shows it read-only.
    There, a session's first call also lists the runs on disk whose status.json names its owner id
    (gan_core.store.owner_digest): after a restart of the server no process holds them, yet they are
    still this student's."""
    ids: list[str] = st.session_state.setdefault("my_runs", [])
    manager = get_manager()
    owner = session_owner()
    url_run = st.query_params.get("run")
    if url_run and url_run not in ids and valid_run_id(url_run) and not class_mode():
        ids.append(url_run)
        manager.adopt(url_run, owner)
    ids.extend(r.id for r in manager.runs(owner) if r.id not in ids)
    if class_mode() and not st.session_state.get("my_runs_on_disk"):
        st.session_state.my_runs_on_disk = True  # once per session: every status.json is read
        mine = owner_digest(owner)
        ids.extend(d for d in (Path(s["dir"]).name for s in list_runs() if s.get("owner") == mine) if d not in ids)
    ids.sort(reverse=True)  # ids start with their creation time (gan_core.store.new_run_id)
    return ids


def claim(run_id: str) -> None:
    """Record a run this session made (started, continued, imported): its own on a class server
    (ui/class_mode.py) also after the run ended and the manager's owner no longer says so."""
    started = st.session_state.setdefault("started_here", [])
    if run_id not in started:
        started.append(run_id)


def add_run(run_id: str) -> None:
    """A run this session started or continued: listed first, watched, and its own (claim)."""
    claim(run_id)
    ids = st.session_state.setdefault("my_runs", [])
    if run_id in ids:
        ids.remove(run_id)
    ids.insert(0, run_id)
    st.query_params["run"] = run_id


def live_figures(run_id: str) -> dict:
    """This session's figures of the run its live view shows, kept between polls so that a poll
    refreshes their data instead of building them again (ui.figures.swap_data). Only one run's
    figures are kept: choosing another run starts afresh."""
    kept = st.session_state.setdefault("live_figures", {})
    if kept.get("run") != run_id:
        kept.clear()
        kept["run"] = run_id
    return kept


# ---------------------------------------------------------------------------- every page
def _session_known() -> bool:
    """Whether this session can have runs (else the router need not load the manager, and torch)."""
    return "owner" in st.session_state or bool(st.query_params.get(OWNER_PARAM) or st.query_params.get("run"))


def _watch() -> None:
    """Heartbeat for this session's runs, and the warning for any that nearly went unwatched."""
    manager = get_manager()
    owner = session_owner()
    ids = st.session_state.get("my_runs", [])
    gaps = manager.unwatched_s(owner, ids)  # before this heartbeat: how long nobody showed them
    manager.heartbeat(owner, ids)
    near = {i: g for i, g in gaps.items() if g >= WARN_AFTER * manager.orphan_timeout_s}
    now = time.monotonic()
    if near:
        st.session_state.near_reap = (now, near)
    when, shown = st.session_state.get("near_reap", (0.0, {}))
    if now - when > WARN_FOR_S:
        return
    for run_id, gap in shown.items():
        run = manager.get(run_id)
        if run is None or not run.active:
            continue
        st.warning(_("Run **{name}** was shown by no page for {gap:.0f} s. A run is stopped when no page of this "
                     "app has been open for {timeout:.0f} s (GAN_ORPHAN_TIMEOUT_S); keep a page open in this "
                     "browser while it trains.").format(name=run.name, gap=gap, timeout=manager.orphan_timeout_s),
                   icon=":material/timer:")


def keep_runs_alive() -> None:
    """Called by the router on every script run of every page. While the session has an active
    run, a fragment repeats the heartbeat every `heartbeat_every_s` (30 s at the default 5-minute
    timeout: a round trip that draws nothing unless there is a warning); without one it costs
    nothing, and before the session has an owner it does not even load the manager."""
    if not _session_known():
        return
    manager = get_manager()
    owner = session_owner()
    if any(r.active for r in manager.runs(owner)) or any(
            (r := manager.get(i)) is not None and r.active for i in st.session_state.get("my_runs", [])):
        st.fragment(run_every=manager.heartbeat_every_s)(_watch)()
    else:
        _watch()


@contextmanager
def heartbeat_while_drawing() -> Iterator[None]:
    """Around a page's script run (the router's page.run()): while it runs, a helper thread sends
    this session's heartbeat every `heartbeat_every_s`. The fragment of keep_runs_alive cannot
    while the page draws (a session runs one script at a time), so a page whose first draw took
    longer than the orphan timeout had its runs stopped while it was open (the first Explore
    visit after a start loads a model and its PCA: 3.6 s at load 4 while a run trained, more
    under load). The thread only calls the manager, never Streamlit."""
    if not _session_known():
        yield
        return
    manager = get_manager()
    owner = session_owner()
    ids = list(st.session_state.get("my_runs", []))
    if not any(r.active for r in manager.runs(owner)) and not any(
            (r := manager.get(i)) is not None and r.active for i in ids):
        yield
        return
    done = threading.Event()

    def beat() -> None:
        while not done.wait(manager.heartbeat_every_s):
            manager.heartbeat(owner, ids)

    helper = threading.Thread(target=beat, name="page-heartbeat", daemon=True)
    helper.start()
    try:
        yield
    finally:
        done.set()
