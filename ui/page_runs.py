"""Whether the page's last full run was cut short, so that a polling fragment can draw it again.

Streamlit can end a full page run before the end of the script and go on with the page's
fragment polls (seen under load, bench/load_test.py with ten browsers: a run started by a widget
change stopped in the sidebar, before the widget's own caption, and the page then only ran its
polling fragment; the caption under the changed box stayed wrong for good). A fragment cannot
run while the page's script runs (one script thread per session), so a poll that finds the page's
last run started but not finished knows it was cut short, and asks for a new full run.

`page_started()` at the top of the page script, `page_finished()` as its last line, and
`redraw_if_cut_short()` in the polling fragment (not during the page's own run). At most
`MAX_REDRAWS` redraws in a row: a page whose script fails before its end every time is not rerun
for ever (its error is on the page).
"""

from __future__ import annotations

from collections.abc import MutableMapping

import streamlit as st

MAX_REDRAWS = 3


def page_started(state: MutableMapping | None = None) -> None:
    state = st.session_state if state is None else state
    state["page_runs_started"] = state.get("page_runs_started", 0) + 1


def page_finished(state: MutableMapping | None = None) -> None:
    state = st.session_state if state is None else state
    state["page_runs_finished"] = state.get("page_runs_started", 0)
    state["page_redraws"] = 0


def cut_short(state: MutableMapping | None = None) -> bool:
    """The page's last full run began and did not reach its end (and it has not been redrawn
    MAX_REDRAWS times in a row already)."""
    state = st.session_state if state is None else state
    started = state.get("page_runs_started", 0)
    return started > state.get("page_runs_finished", started) and state.get("page_redraws", 0) < MAX_REDRAWS


def redraw_if_cut_short(state: MutableMapping | None = None) -> None:
    """In a fragment poll: a full page run instead, when the page's last run was cut short."""
    state = st.session_state if state is None else state
    if cut_short(state):
        state["page_redraws"] = state.get("page_redraws", 0) + 1
        st.rerun()
