"""Runs page: every run directory on disk (they survive a server restart), one card each: the
newest sample grid, name, state, progress, latest scores in words, the error or stop reason in
full, and the actions a teacher needs: Open (watch it on the Train page) and Continue (train on
from its last checkpoint). Long lists are filtered and shown a page at a time. The cards come
from ui/run_cards.py; the run manager does the continuing."""

import streamlit as st

from gan_core.branch import read_parent
from gan_core.checkpoint import CheckpointError
from gan_core.config import ConfigError
from gan_core.manager import LimitError
from gan_core.store import list_runs, runs_root
from ui.class_mode import listed
from ui.history import history_dialog, open_history
from ui.i18n import _, tr
from ui.run_cards import FILTER_NAMES, STATE_FILTERS, STATE_NAMES, RunCard, matches, page_of, run_card
from ui.session import add_run, get_manager, session_owner

PER_PAGE = 10
STATE_COLOURS = {"running": "green", "starting": "green", "queued": "blue", "paused": "orange", "finished": "blue",
                 "stopped": "gray", "interrupted": "orange", "failed": "red"}

st.title(_("Runs"))
statuses = listed(list_runs())  # on a class server a student's own runs only (ui/class_mode.py)
if not statuses:
    st.info(_("No runs yet in {folder}/. Start one on the Train page.").format(folder=runs_root()))
    st.stop()
manager = get_manager()
msg = st.session_state.pop("runs_msg", None)
if msg:
    st.error(msg)

c = st.columns([3, 3, 1])
text = c[0].text_input(_("Filter"), key="runs_filter", placeholder=_("name, id, dataset, architecture, loss..."),
                       help=_("Every word must appear in the run's name, id, dataset, architecture, loss or state."))
state_filter = c[1].segmented_control(_("State"), list(STATE_FILTERS), default="All", key="runs_state",
                                      format_func=lambda f: tr(FILTER_NAMES.get(f, f)))
shown = [s for s in statuses if matches(s, text or "", state_filter or "All")]
chosen, pages = page_of(shown, int(st.session_state.get("runs_page", 1)), PER_PAGE)
if pages > 1:
    # a narrower filter can leave fewer pages than the page shown: clamp before the widget is made
    st.session_state.runs_page = min(max(1, int(st.session_state.get("runs_page", 1))), pages)
    page = c[2].number_input(_("Page (of {pages})").format(pages=pages), 1, pages, key="runs_page")
    chosen, _pages = page_of(shown, int(page), PER_PAGE)
st.caption(_("{shown:,} of {total:,} runs, newest first.").format(shown=len(shown), total=len(statuses)))
if not shown:
    st.info(_("No run matches the filter."))


def _open(run_id: str) -> None:
    st.switch_page("app_pages/train.py", query_params={"run": run_id})


def _continue(card: RunCard, steps: int) -> None:
    """Train on from the checkpoint (same id and directory, metrics appended), then watch it."""
    try:
        run = manager.resume(card.id, owner=session_owner(), steps=steps)
    except (LimitError, ConfigError, CheckpointError, OSError, ValueError) as e:
        st.session_state.runs_msg = _("Cannot continue {name}: {error}").format(name=card.name, error=tr(e))
        return
    add_run(run.id)
    st.session_state.runs_open = run.id


def _branch(card: RunCard) -> None:
    """Continue with changes: the Train page fills its form from this run's checkpoint (gan_core.branch)."""
    st.session_state.branch_request = str(card.dir)
    st.session_state.runs_branch = True


def _card(card: RunCard) -> None:
    live = manager.get(card.id)
    state = live.state if live is not None else card.state
    with st.container(border=True):
        left, mid, right = st.columns([1, 3, 2], vertical_alignment="top")
        with left:
            if card.thumbnail is not None:
                st.image(str(card.thumbnail), width="stretch",
                         caption=_("step {step:,}").format(step=card.thumbnail_step)
                         if card.thumbnail_step is not None else None)
            else:
                st.caption(_("No samples yet"))
            st.button(_("History"), key=f"hist_{card.id}", icon=":material/history:", on_click=open_history,
                      args=(card.dir, card.id, card.name), disabled=card.thumbnail is None,
                      help=_("Every saved sample grid on a slider, and a time-lapse (GIF or MP4) to download."))
        with mid:
            st.markdown(f"#### {card.name}")
            badge = f":{STATE_COLOURS.get(state, 'gray')}-badge[{tr(STATE_NAMES.get(state, state))}]"
            st.markdown(_("{badge} &nbsp; step **{step:,}** of {steps:,} &nbsp; · &nbsp; {setup}").format(
                badge=badge, step=card.step, steps=card.steps, setup=card.setup))
            st.progress(card.progress)
            if card.error:
                (st.error if state == "failed" else st.warning)(tr(card.error))
            parent = read_parent(card.dir)
            if parent:
                changed = ", ".join(f"{k} {old} → {new}" for k, (old, new) in parent.get("changed", {}).items())
                where = {"run": parent.get("run_id"), "step": parent.get("step"), "changed": changed}
                st.caption(_("Branched from run {run} at step {step}; changed: {changed}").format(**where) if changed
                           else _("Branched from run {run} at step {step}").format(**where))
            st.caption(_("id {id}").format(id=card.id))
        with right:
            if card.scores:
                st.markdown("  \n".join(_("{label}: **{value}**").format(label=tr(lab), value=val)
                                        for lab, val in card.scores),
                            help="  \n".join(_("**{label}**: {text}").format(label=tr(lab), text=tr(text))
                                              for lab, text in card.scores_help))
                st.caption(_("scores at step {step:,}").format(step=card.scores_step) if card.scores_step is not None
                           else _("latest scores"))
            else:
                st.caption(_("No scores yet"))
            b = st.columns(2)
            if b[0].button(_("Open"), key=f"open_{card.id}", icon=":material/visibility:",
                           help=_("Watch this run on the Train page (charts, samples, controls).")):
                _open(card.id)
            if card.can_continue and state in ("stopped", "interrupted", "finished", "failed"):
                with b[1].popover(_("Continue"), icon=":material/replay:",
                                  help=_("Train on from its checkpoint at step {step:,}.").format(
                                      step=card.checkpoint_step)):
                    target = max(card.steps, card.checkpoint_step + 1)
                    if card.steps <= card.checkpoint_step:  # finished: offer as many steps again
                        target = card.checkpoint_step + max(1, card.steps)
                    steps = st.number_input(_("Train until step"), card.checkpoint_step + 1, 10_000_000, target,
                                            step=500, key=f"more_{card.id}")
                    st.button(_("Continue from checkpoint"), key=f"cont_{card.id}", type="primary",
                              on_click=_continue, args=(card, int(steps)),
                              help=_("Same config; starts at the checkpoint's step; metrics are appended."))
                b[1].button(_("Continue with changes"), key=f"branch_{card.id}", icon=":material/call_split:",
                            on_click=_branch, args=(card,),
                            help=_("A new run from this checkpoint with settings you change on the Train page "
                                   "(learning rates, loss, regularisers, schedule, D steps, batch size, steps)."))
            elif state in ("stopped", "interrupted", "finished", "failed"):
                b[1].caption(_("No checkpoint to continue from"))


for status in chosen:
    _card(run_card(status))
history_dialog()  # a run's saved grids, when its History button was pressed

if st.session_state.pop("runs_branch", False):  # set by Continue with changes: the form waits on the Train page
    st.switch_page("app_pages/train.py")
if st.session_state.get("runs_open"):  # set by Continue's callback: watch the continued run
    _open(st.session_state.pop("runs_open"))
