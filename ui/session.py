"""Session handles: the process-wide RunManager and this browser session's run ids.

Runs are owned by the RunManager (one per server process, held by st.cache_resource), never by
st.session_state alone; a session only remembers ids, and the current one is also in the URL
(?run=<id>) so a reload reattaches. Pages send a heartbeat while they show a session's runs; the
manager stops runs nobody has looked at for a while (closed tabs).
"""

from __future__ import annotations

import uuid

import streamlit as st

from gan_core.run import RunManager
from gan_core.store import runs_root


@st.cache_resource
def get_manager() -> RunManager:
    manager = RunManager(runs_root())
    manager.recover()  # runs left 'running' by a previous server process are marked interrupted
    return manager


def session_owner() -> str:
    if "owner" not in st.session_state:
        st.session_state.owner = uuid.uuid4().hex
    return st.session_state.owner


def valid_run_id(run_id: str) -> bool:
    """Run ids are folder names we made: letters, digits, '-' and '_' only (no paths)."""
    return isinstance(run_id, str) and 0 < len(run_id) <= 64 and all(c.isalnum() or c in "-_" for c in run_id)


def my_run_ids() -> list[str]:
    """This session's runs, newest first; a run id in the URL is adopted (reload / shared link)."""
    ids: list[str] = st.session_state.setdefault("my_runs", [])
    url_run = st.query_params.get("run")
    if url_run and url_run not in ids and valid_run_id(url_run):
        ids.insert(0, url_run)
        get_manager().adopt(url_run, session_owner())
    return ids


def add_run(run_id: str) -> None:
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
