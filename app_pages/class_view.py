"""Class page: every active run on this server as a wall of live tiles, for the teacher to project.

Each tile shows a run's name, state and step, its newest sample (the image grid, or the 2-D
scatter of real and generated points), sparklines of the D and G losses, and its key settings;
Open watches it on the Train page (?run=<id>), Stop ends it (its checkpoint is written first).

The wall is one fragment that reruns every POLL_S seconds; it reads each run cheaply: the status
dict, the RunLog's last SPARK_ROWS rows (RunLog.since on a tail, not the whole log) and the newest
sample the training thread already rendered. Nothing here is drawn per training step.

On a class server (GAN_TEACHER_PASSWORD set, ui/class_mode.py) the page shows only a password
box until the teacher unlocks it. Why not a read-only wall for students: the wall is the
teacher's projection and control surface; students watch their own runs on the Train page, and
thirty sessions each polling every run of the class would cost the server thirty times the
teacher's one wall for nothing the projector does not already show. Without the variable (a
laptop) the wall is open and its Stop buttons work, like every other control of the app.
"""

import math

import streamlit as st

from gan_core.messages import Msg
from gan_core.run import ACTIVE
from ui.class_mode import class_mode, is_teacher, lock, may_control, unlock
from ui.figures import points_figure
from ui.i18n import _, ngettext, tr
from ui.metric_labels import label
from ui.run_cards import STATE_NAMES
from ui.session import get_manager

POLL_S = 2.0
TILES_PER_ROW = 4
SPARK_ROWS = 200  # logged windows in a sparkline
# Refusals kept in session state as Msgs (English ids), translated where they are shown
WRONG_PASSWORD = Msg("Wrong password: the teacher's view stays locked. The password is the value of "
                     "GAN_TEACHER_PASSWORD on the server.")
STOP_REFUSED = Msg("Not stopped: only the teacher may stop another session's run.")

st.title(_("Class"))
manager = get_manager()


def _unlock() -> None:
    given = st.session_state.get("teacher_pw", "")
    st.session_state.teacher_pw = ""  # never kept in the widget, never drawn again
    # stored as the English id: translated where it is shown, so switching the language translates it too
    st.session_state.unlock_error = None if unlock(given) else WRONG_PASSWORD


if class_mode() and not is_teacher():
    st.info(_("This server is shared by a class: the teacher's password unlocks the wall of every run and the "
              "controls of every run. Your own runs are on the Train and Runs pages."), icon=":material/lock:")
    with st.form("unlock", border=False):
        st.text_input(_("Teacher password"), type="password", key="teacher_pw", autocomplete="off")
        st.form_submit_button(_("Unlock"), icon=":material/lock_open:", on_click=_unlock)
    if st.session_state.get("unlock_error"):
        st.error(tr(st.session_state.unlock_error))
    st.stop()
st.session_state.unlock_error = None
if class_mode():
    st.button(_("Lock the teacher's view"), icon=":material/lock:", on_click=lock,
              help=_("This browser session goes back to a student's rights (a reload does too)."))


def _stop(run_id: str) -> None:
    if not may_control(run_id):  # the button is only drawn for the teacher; a hand-made message lands here
        st.session_state.class_msg = STOP_REFUSED
        return
    manager.stop(run_id)  # not joined: the teacher's wall must not wait for the run's last checkpoint


def _settings(cfg) -> str:
    steps = ngettext("{n} D step", "{n} D steps", cfg.d_steps).format(n=cfg.d_steps)
    return _("{dataset} · {arch} · {loss} · lr G {lr_g:g} / D {lr_d:g} · batch {batch} · {d_steps}").format(
        dataset=cfg.dataset, arch=cfg.arch, loss=cfg.loss, lr_g=cfg.lr_g, lr_d=cfg.lr_d, batch=cfg.batch_size,
        d_steps=steps)


def _spark(values: list) -> list[float]:
    return [float(v) for v in values if isinstance(v, (int, float)) and math.isfinite(v)]


def _tile(run) -> None:
    status = run.status()
    state = status.get("state", "unknown")
    step, steps = int(status.get("step") or 0), max(1, int(status.get("steps") or 1))
    with st.container(border=True):
        st.markdown(f"**{run.name}**")
        where = (_("position {n} in the queue").format(n=manager.queue_position(run.id)) if state == "queued" else
                 _("step {step:,} / {steps:,}").format(step=step, steps=steps))
        st.progress(min(1.0, step / steps), text=_("{state} · {where}").format(
            state=tr(STATE_NAMES.get(state, state)), where=where))
        sample = run.log.sample()
        if sample is None:
            st.caption(_("No samples yet"))
        elif sample["kind"] == "points":
            fig = points_figure(sample["fake"], sample["real"], extent=sample.get("extent", 1.6), height=220)
            fig.update_layout(showlegend=False, margin={"l": 10, "r": 10, "t": 10, "b": 10})
            st.plotly_chart(fig, key=f"class_pts_{run.id}", config={"staticPlot": True})
        else:
            st.image(sample["png"], caption=_("step {step:,}").format(step=sample["step"]))
        n = len(run.log)
        cols = run.log.since(max(0, n - SPARK_ROWS))
        m = st.columns(2)
        for c, key in ((m[0], "d_loss"), (m[1], "g_loss")):
            vals = _spark(cols.get(key, []))
            c.metric(tr(label(key)), f"{vals[-1]:.3g}" if vals else "–", chart_data=vals or None, chart_type="line")
        st.caption(_settings(run.cfg))
        b = st.columns(2)
        b[0].page_link("app_pages/train.py", label=_("Open"), icon=":material/visibility:",
                       query_params={"run": run.id}, help=_("Watch this run on the Train page."))
        if may_control(run.id):
            b[1].button(_("Stop"), key=f"class_stop_{run.id}", icon=":material/stop:", on_click=_stop, args=(run.id,),
                        disabled=state not in ACTIVE, help=_("End the run now; its checkpoint is written first."))


def wall() -> None:
    msg = st.session_state.pop("class_msg", None)
    if msg:
        st.error(tr(msg))
    runs = sorted((r for r in manager.runs() if r.active), key=lambda r: r.id)
    if not runs:
        st.info(_("No run is training or queued on this server now. Runs appear here as soon as anyone starts one."))
        return
    st.caption(ngettext("{n} active run on this server, oldest first; refreshed every {s:g} s.",
                        "{n} active runs on this server, oldest first; refreshed every {s:g} s.", len(runs)).format(
        n=len(runs), s=POLL_S))
    for i in range(0, len(runs), TILES_PER_ROW):
        row = st.columns(TILES_PER_ROW)
        for col, run in zip(row, runs[i:i + TILES_PER_ROW], strict=False):
            with col:
                _tile(run)


st.fragment(run_every=POLL_S)(wall)()
