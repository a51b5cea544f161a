"""Train page: choose a configuration, start a run in the background, watch it live.

The training thread never calls Streamlit: it writes into its RunLog, and the live panel below
reads it from a fragment that reruns every second while the run is active. The controls are
outside that fragment, so the fragment reruns the whole page when the watched run changes state
(after a Step the run pauses again by itself: the buttons must follow).

The sidebar shows the config of the run being watched (also after a reload: ?run=<id>), so what
the form says and what the page shows never disagree; editing it and pressing Start makes a new
run from that config.
"""

import json
import time

import streamlit as st

from ui.i18n import _, pgettext, tr

# The title first: the first page after a server start imports PyTorch (2 to 7 s on a loaded
# 2-core machine) before it can draw the form; the visitor sees the page and, after 0.5 s, why.
st.title(_("Train a GAN"))
with st.spinner(_("Loading the training engine (PyTorch; only the first page after a server start waits)...")):
    from gan_core.branch import branch_config, changes_between, remedy_actions, write_parent
    from gan_core.checkpoint import CheckpointError, read_sidecar
    from gan_core.checks import config_from_dict
    from gan_core.config import OPTIONS, ConfigError, TrainConfig
    from gan_core.manager import LimitError
    from gan_core.messages import Msg, stored_text
    from gan_core.run import ACTIVE
    from gan_core.run_names import MAX_LEN, closest_preset, read_name, suggest_name, validate_name
    from gan_core.run_view import snapshot
    from gan_core.store import read_json, runs_root
    from ui.class_mode import REFUSED, class_mode, may_control
    from ui.config_form import KEY, config_form, load_into_form, lr_preview
    from ui.figures import lr_figure, metrics_figure, points_figure
    from ui.history import history_panel
    from ui.metric_labels import label
    from ui.run_cards import STATE_NAMES
    from ui.scores import alarm_banners, score_charts, score_settings
    from ui.session import add_run, get_manager, live_figures, my_run_ids, session_owner, valid_run_id

MAX_CONFIG_BYTES = 100_000

POLL_S = 1.0

manager = get_manager()
owner = session_owner()
ids = my_run_ids()
current = st.query_params.get("run")
# On a class server (ui/class_mode.py) another session's run (a shared link, the Class page's Open)
# is shown, never adopted: read-only for a student, with its controls for the teacher.
other = current if (class_mode() and current not in ids and valid_run_id(current) and (
    manager.get(current) is not None or (runs_root() / current / "status.json").is_file())) else None
if current not in ids and other is None:
    current = ids[0] if ids else None


def _run_config(run_id: str) -> TrainConfig | None:
    run = manager.get(run_id)
    if run is not None:
        return run.cfg
    try:
        return config_from_dict(read_json(runs_root() / run_id / "config.json"))
    except (OSError, ValueError):  # ConfigError is a ValueError: a config from an older version
        return None


def _run_name(run_id: str) -> str:
    run = manager.get(run_id)
    return run.name if run is not None else (read_name(runs_root() / run_id) or run_id)


# The form follows the watched run: on a reload, a shared link, or another choice in "Your runs"
# (before the form's widgets exist, so their values can still be set).
if current is not None and (st.session_state.get("form_run") != current or KEY + "dataset" not in st.session_state):
    watched_cfg = _run_config(current)
    if watched_cfg is not None:
        load_into_form(watched_cfg, preset=closest_preset(watched_cfg))
    st.session_state.form_run = current  # tried once (a run without a readable config leaves the form as it is)
    st.session_state.form_shows = current if watched_cfg is not None else None


# "Continue with changes" (here or on the Runs page) asked for a branch: the form takes the parent's settings
# (from its checkpoint) and Start makes a branched run (gan_core.branch). Before the form's widgets exist.
_branch_request = st.session_state.pop("branch_request", None)
if _branch_request is not None:
    try:
        _bcfg, _binfo = branch_config(_branch_request, {})
        load_into_form(_bcfg, preset=closest_preset(_bcfg))
        st.session_state.branch_from = _binfo
        st.session_state.form_run, st.session_state.form_shows = current, None
        st.session_state.start_error = None
    except (ConfigError, CheckpointError) as e:
        st.session_state.start_error = _("Cannot branch from {path}: {error}").format(path=_branch_request,
                                                                                     error=tr(e))


def _request_branch(run_id: str) -> None:
    st.session_state.branch_request = str(runs_root() / run_id)


def _cancel_branch() -> None:
    st.session_state.branch_from = None


def _branch_now(run_id: str, changes: dict) -> None:
    """An alarm's remedy in one click: a branch from the run's checkpoint with these changes, started now."""
    try:
        cfg, info = branch_config(runs_root() / run_id, changes)
        name = _("{name} (branch)").format(name=_run_name(run_id))  # a new name, in the reader's language
        suffix = len(name) - len(_run_name(run_id))
        run = manager.submit(cfg, owner=owner, name=_("{name} (branch)").format(
            name=_run_name(run_id)[:MAX_LEN - suffix]))
    except (LimitError, ConfigError, CheckpointError) as e:
        st.session_state.start_error = _("Cannot branch: {error}").format(error=tr(e))
        return
    write_parent(run.dir, info)
    st.session_state.start_error = None
    add_run(run.id)
    st.query_params["run"] = run.id


def _import_config() -> None:
    """Fill the form from an uploaded config JSON, field by field validated; the form is left
    untouched when anything is wrong."""
    up = st.session_state.get("config_upload")
    if up is None:
        return
    try:
        if up.size > MAX_CONFIG_BYTES:
            raise ConfigError("file", Msg("{size:,} bytes; a config file is at most {most:,} bytes", size=up.size,
                                          most=MAX_CONFIG_BYTES))
        try:
            doc = json.loads(up.getvalue().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ConfigError("file", Msg("not valid JSON ({error})", error=str(e))) from e
        cfg = config_from_dict(doc)
    except ConfigError as e:
        st.session_state.import_error = _("Config not imported: {error}").format(error=tr(e))
        return
    load_into_form(cfg)
    st.session_state.import_error = None


def _start(cfg: TrainConfig | None, name: str | None) -> None:
    if cfg is None or name is None:  # a click on the disabled button (e.g. a hand-made message): the reason is shown
        return
    branch = st.session_state.get("branch_info") if st.session_state.get("branch_from") else None
    try:
        run = manager.submit(cfg, owner=owner, name=name)
    except (LimitError, ConfigError) as e:
        st.session_state.start_error = tr(e)
        return
    if branch is not None and branch.get("checkpoint") == cfg.init_from:  # a branch: its parent on record
        write_parent(run.dir, branch)
        st.session_state.branch_from = None
    st.session_state.start_error = None
    st.session_state.form_run = st.session_state.form_shows = run.id  # the form already shows its config
    st.session_state.started = run.id  # answered by start_box before the page is drawn again
    add_run(run.id)


def _why(e: ConfigError) -> str:
    """What a refused value's error says, without its field id (the page names the field), translated."""
    return tr(getattr(e, "message", None) or str(e).removeprefix(f"{e.field}: "))


def _label(run_id: str) -> str:
    """Name and id (no state in it: a select box whose labels change would reset itself)."""
    return f"{_run_name(run_id)} · {run_id}"


def _watch_own(run_id: str) -> None:
    st.query_params["run"] = run_id


def _choose() -> None:
    st.query_params["run"] = st.session_state.your_runs  # the form follows on this rerun


# ---- controls (outside the polling fragment; callbacks act before the page redraws). Each one asks
# may_control again: on a class server a disabled button is what a student sees, this is what holds.
def _refused(run_id: str) -> bool:
    if may_control(run_id):
        return False
    st.session_state.start_error = tr(REFUSED)
    return True


def _act(run_id: str, action: str) -> None:
    """Pause, resume or step the run (TrainingRun's method of that name)."""
    run = manager.get(run_id)
    if run is not None and not _refused(run_id):
        getattr(run, action)()


def _stop(run_id: str) -> None:
    if _refused(run_id):
        return
    manager.stop(run_id)
    r = manager.get(run_id)
    if r is not None:
        r.join(5.0)  # the run writes its checkpoint before the thread ends


def _rename(run_id: str) -> None:
    if _refused(run_id):
        return
    try:
        manager.rename(run_id, st.session_state[f"rename_{run_id}"])
        st.session_state.rename_error = None
    except (ConfigError, OSError) as e:
        st.session_state.rename_error = _("Not renamed: run name {error}").format(error=_why(e))


def _continue(run_id: str, steps: int) -> None:
    if _refused(run_id):
        return
    try:
        run = manager.resume(run_id, owner=owner, steps=steps)
    except (LimitError, ConfigError, CheckpointError) as e:
        st.session_state.start_error = tr(e)
        return
    st.session_state.start_error = None
    add_run(run.id)


def _continue_controls(run_id: str, status: dict) -> None:
    """For a stopped, interrupted or finished run with a checkpoint: train on from it."""
    ck = status.get("last_checkpoint_step")
    if ck is None or status.get("state") not in ("stopped", "interrupted", "finished", "failed"):
        return
    c = st.columns([1, 1, 2])
    default = max(int(status["steps"]), ck + 1)
    # no min/max on the box: a number out of range must reach this check and be refused visibly
    steps = c[0].number_input(_("Train until step"), value=default, step=500, key=f"more_{run_id}")
    bad = not ck + 1 <= steps <= 10_000_000
    if bad:
        c[0].error(_("Train until step: {steps:,} is not allowed; enter a step from {first:,} (after the "
                     "checkpoint) to 10,000,000.").format(steps=steps, first=ck + 1))
    c[1].button(_("Continue from checkpoint"), icon=":material/replay:", on_click=_continue,
                args=(run_id, int(steps)), disabled=bad,
                help=_("Same config; starts at the checkpoint's step {step:,}; metrics are appended.").format(step=ck))
    c[2].button(_("Continue with changes"), icon=":material/call_split:", on_click=_request_branch, args=(run_id,),
                help=_("A new run that starts from the checkpoint at step {step:,} with settings you change in the "
                       "sidebar (learning rates, loss, regularisers, schedule, D steps, batch size, steps).").format(
                    step=ck))


@st.cache_data(max_entries=64, show_spinner=False)
def _remedies(alarm: str, run_dir: str, checkpoint_step: int) -> list:
    """remedy_actions, once per alarm and checkpoint (each candidate is checked by building the nets)."""
    return remedy_actions(alarm, run_dir)


def _remedy_buttons(run_id: str, status: dict, alarms: list) -> None:
    """The alarms' remedies that are a change of settings, as one-click branches from the run's checkpoint."""
    ck = status.get("last_checkpoint_step")
    if ck is None or not alarms or status.get("state") not in ("stopped", "interrupted", "finished", "failed"):
        return
    offered: dict[str, dict] = {}
    for a in alarms:
        for label, changes in _remedies(a.get("name", ""), str(runs_root() / run_id), ck):
            offered.setdefault(label, changes)
    if not offered:
        return
    st.markdown(_("**Try a remedy:** a new run from the checkpoint at step {step:,} with").format(step=ck))
    cols = st.columns(min(3, len(offered)))
    for i, (label, changes) in enumerate(offered.items()):
        what = ", ".join(f"{tr(OPTIONS.label(k))} {v:g}" if isinstance(v, float) else f"{tr(OPTIONS.label(k))} {v}"
                           for k, v in changes.items())
        cols[i % len(cols)].button(tr(label), key=f"remedy_{run_id}_{i}", on_click=_branch_now,
                                   args=(run_id, changes), icon=":material/call_split:",
                                   help=_("Branch with {changes}; starts at once.").format(changes=what))


def _active_ids() -> frozenset[str]:
    return frozenset(i for i in my_run_ids() if (r := manager.get(i)) is not None and r.active)


def _status_text(run_id: str, status: dict, live: bool) -> str:
    """The run's one-line status: queue position, or state, step, and (only while this server
    trains it: a paused run has neither) rate and time left."""
    state = status.get("state", "unknown")
    step, steps = int(status.get("step") or 0), max(1, int(status.get("steps") or 1))
    if state == "queued" and live:
        return _("Queued (position {position}): starts by itself when a training slot frees.").format(
            position=manager.queue_position(run_id))
    rate = status.get("steps_per_s") if live else None
    eta = status.get("eta_s") if live else None
    rate_txt = " · " + _("{rate:.1f} steps/s").format(rate=rate) if rate is not None else ""
    eta_txt = " · " + _("{time} left").format(time=time.strftime("%M:%S", time.gmtime(eta))) if eta is not None else ""
    on = ""
    if status.get("device"):
        processes = status.get("processes") or 1
        on = " · " + (_("on {device}").format(device=status["device"]) if processes <= 1 else
                      # a torchrun job (gan_core.distributed): one run, N processes
                      _("on {device} × {n} processes").format(device=status["device"], n=processes))
    word = tr(STATE_NAMES.get(state, Msg.literal(state)))
    if status.get("phase") == "compiling" and state in ACTIVE:  # before the first step (gan_core.run)
        return _("{state} · compiling the networks (torch.compile: seconds to a minute)").format(state=word) + on
    return _("{state} · step {step:,}/{steps:,}").format(state=word, step=step, steps=steps) + rate_txt + eta_txt + on


def live_panel(run_id: str, polling_for: frozenset[str] | None, state_drawn: str | None = None,
               page_run: dict | None = None) -> None:
    """The run's view, the same for a run this server trains and one read from its directory
    (gan_core.run_view). `polling_for`: the active runs when polling began (None: static);
    `state_drawn`: the shown run's state when the page (and its buttons) were drawn; `page_run`:
    {"first": True} until the first call, the one inside the page's own run (fragment reruns get
    the same dict back)."""
    polling = polling_for is not None
    run = manager.get(run_id)
    if run is not None:
        manager.heartbeat(owner, my_run_ids())  # this session is still watching its runs
    snap = snapshot(run_id, manager)
    if snap is None:
        st.warning(_("Run {run_id} is not on this server any more (no {path}).").format(
            run_id=run_id, path=runs_root() / run_id / "status.json"))
        return
    status = snap.status
    in_page_run = page_run is not None and page_run.pop("first", False)
    # A poll that finds a run started, ended, paused or resumed redraws the page (controls, polling
    # on or off). Not inside the page's own run: a run that just left "starting" would restart the
    # page before its status was drawn (a click on Start then waited for a second page run); the
    # next poll, a second later, sees the change instead.
    if polling and not in_page_run and (_active_ids() != polling_for or status["state"] != state_drawn):
        st.rerun()
    state = status.get("state", "unknown")
    step, steps = int(status.get("step") or 0), max(1, int(status.get("steps") or 1))
    st.progress(min(1.0, step / steps), text=_status_text(run_id, status, snap.live))
    error = stored_text(status, "error")  # the run's error with its template (translated), else its English
    if state == "finished":
        secs = status.get("train_seconds")
        took = _(" in {seconds:.1f} s").format(seconds=secs) if isinstance(secs, (int, float)) else ""
        reason = stored_text(status, "stop_reason")
        if isinstance(reason, Msg) and isinstance(reason.params.get("metric"), str):  # the score by its label
            reason = Msg(reason.template, **{**reason.params, "metric": label(reason.params["metric"])})
        if reason:  # early stopping (--early-stop): the reason, and where the best model is
            st.success(_("Finished at step {step:,} of {steps:,}{took}. {reason}").format(
                step=step, steps=steps, took=took, reason=tr(reason)))
        else:
            st.success(_("Finished {steps:,} steps{took}. Checkpoint: {path}").format(
                steps=steps, took=took, path=snap.dir / "checkpoints" / "last.safetensors"))
    elif state == "stopped":
        st.info(_("Stopped at step {step:,}; checkpoint kept at step {checkpoint}.").format(
            step=step, checkpoint=status.get("last_checkpoint_step")) + (" " + tr(error) if error else ""))
    elif state == "failed":
        st.error(tr(error) if error else _("The run failed (no message was saved)."))
    elif error:
        st.warning(tr(error))
    best = status.get("best")
    if isinstance(best, dict) and isinstance(best.get("value"), (int, float)) and state != "failed":
        st.caption(_("Best {metric} so far: {value:.4g} at step {step} ({path}; open it on Explore or "
                     "Compare).").format(metric=label(str(best.get("metric"))), value=best["value"],
                                         step=best.get("step"), path=snap.dir / "checkpoints" / "best.safetensors"))
    compile_error = (status.get("accel") or {}).get("compile_error")
    if compile_error:  # the run went on without torch.compile (gan_core.engine.warm_up_compile)
        st.warning(_("torch.compile could not be used, so this run trains uncompiled: {error}").format(
            error=compile_error), icon=":material/build:")
    if run is None and state in ACTIVE:  # written by a server that is gone: nobody trains it now
        st.caption(_("Nobody trains this run now: the server that was training it has stopped."))
    alarm_banners(snap.alarms)
    if not (run is not None and run.active) and not polling and may_control(run_id):
        _continue_controls(run_id, status)
        _remedy_buttons(run_id, status, snap.alarms)
    left, right = st.columns([3, 2])
    cols = snap.columns
    with left:
        if cols.get("step"):
            kept = live_figures(run_id)  # refreshed in place from poll to poll
            kept["metrics"] = metrics_figure(cols, reuse=kept.get("metrics"))
            st.plotly_chart(kept["metrics"], key=f"metrics_{run_id}")
            score_charts(cols, snap.scores or None, key=run_id, class_names=snap.scores.get("class_names"),
                         kept=kept)
        else:
            st.caption(_("Waiting for the first metrics...") if snap.live else _("This run logged no metrics."))
    with right:
        sample = snap.sample
        if sample is None:
            st.caption(_("Waiting for the first samples...") if snap.live else _("This run saved no samples."))
        elif sample["kind"] == "points":
            st.plotly_chart(points_figure(sample["fake"], sample["real"], extent=sample.get("extent", 1.6)),
                            key=f"points_{run_id}")
            st.caption(_("Real points (grey) and G(fixed z) (orange) at step {step:,}").format(step=sample["step"]))
        else:
            st.image(sample["png"], caption=_("G(fixed z) at step {step:,}").format(step=sample["step"]))


def _redraw_page(tick: dict) -> None:
    """Ticks once a poll interval after Start was answered: the whole page is drawn again (the
    new run's controls and live view). Its first call, the one that draws the answer, does nothing."""
    if not tick.pop("first", False):
        st.rerun()


def start_box(cfg: TrainConfig | None, name: str | None, blocked: bool, drawn: tuple[str, ...],
              page_run: dict) -> None:
    """The Start button and its answer, a fragment: a click reruns this box only, not the page.

    A full page run draws the sidebar form's ~60 widgets and the LR preview again; with ten
    sessions clicking at once the server sent every "Queued"/"starting" within 1.9 s, but the
    browsers took 13-23 s to draw the page around it (bench/load_test.py). Here the click's answer
    (the new run's status) is the only thing drawn; the page follows a poll interval later.
    The arguments are those of the last page run: every form change reruns the page, so `cfg`
    is the form's. `drawn`: the runs the page showed; `page_run` is {"first": True} until the
    page's own call (fragment reruns get the same dict back)."""
    in_page_run = page_run.pop("first", False)
    st.button(_("Start training"), type="primary", disabled=blocked, icon=":material/play_arrow:", on_click=_start,
              args=(cfg, name))
    if st.session_state.get("start_error"):
        st.error(st.session_state.start_error)
    new = st.session_state.get("started")
    run = manager.get(new) if new is not None and not in_page_run and new not in drawn else None
    if run is None:
        return
    status = run.status()
    st.progress(0.0, text=_status_text(run.id, status, True))
    st.fragment(run_every=POLL_S)(_redraw_page)({"first": True})


# ---- the page. The watched run is drawn first (its controls, then its live view) and the form
# after it (Streamlit sends elements as the script draws them). A click on Start is answered by
# start_box alone, a fragment: see its docstring. The start row keeps its place at the top of the
# page: a container filled last.
start_row = st.container()
if ids or other is not None:
    if other is not None:
        chosen = other
        control = may_control(chosen)
        st.info(_("Run **{name}** belongs to another session.").format(name=_run_name(chosen)) + " "
                + (_("You unlocked the teacher's view: its controls work.") if control else
                   _("You can watch it; only its owner (or the teacher) can pause, stop, rename or continue it. "
                     "Start your own run from its settings in the sidebar.")), icon=":material/visibility:")
        if ids:
            st.button(_("Back to your runs"), icon=":material/arrow_back:", on_click=_watch_own, args=(ids[0],))
    else:
        st.session_state.your_runs = current  # the URL decides (a new run, a reload, a link): the box follows
        chosen = st.selectbox(_("Your runs"), ids, format_func=_label, key="your_runs", on_change=_choose,
                              placeholder=_("Choose an option"))
        if chosen != st.query_params.get("run"):
            st.query_params["run"] = chosen
        control = may_control(chosen)
    run = manager.get(chosen)
    state_drawn = run.state if run is not None else None  # read once: every button follows the same state
    why = None if control else _("Only the run's owner or the teacher can do this.")
    c = st.columns(5)
    if run is not None:
        c[0].button(_("Pause"), disabled=state_drawn not in ("running", "starting") or not control,
                    icon=":material/pause:", on_click=_act, args=(run.id, "pause"), help=why)
        c[1].button(_("Resume"), disabled=state_drawn != "paused" or not control, icon=":material/play_arrow:",
                    on_click=_act, args=(run.id, "resume"), help=why)
        c[2].button(pgettext("button: train one step", "Step"), disabled=state_drawn != "paused" or not control,
                    icon=":material/skip_next:",
                    on_click=_act, args=(run.id, "step_once"),
                    help=why or _("One training step (d_steps D updates and one G update), then pause again."))
        c[3].button(_("Stop"), disabled=state_drawn not in ACTIVE or not control, icon=":material/stop:",
                    on_click=_stop, args=(run.id,), help=why or _("End the run now; its checkpoint is written first."))
    if control and (run is not None or (runs_root() / chosen / "status.json").is_file()):
        with c[4].popover(_("Rename"), icon=":material/edit:"):
            st.text_input(_("New name"), value=_run_name(chosen), key=f"rename_{chosen}", on_change=_rename,
                          args=(chosen,))
    if st.session_state.get("rename_error"):
        st.error(st.session_state.rename_error)
    # Poll while any of this session's runs is active (its heartbeat keeps them alive), not only
    # the one shown.
    active = _active_ids()
    if active or (run is not None and run.active):  # another session's run polls while it trains
        st.fragment(run_every=POLL_S)(live_panel)(chosen, active, state_drawn, {"first": True})
    else:
        live_panel(chosen, None)
    # Every saved grid, scrubbed in a fragment of its own (ui/history.py): it never reruns the live
    # view above, nor the live view it. Drawn only while open (a closed expander costs nothing).
    hist = st.expander(_("History: every saved sample grid, and a time-lapse"), key="hist_open", on_change="rerun",
                       icon=":material/history:")
    if hist.open:
        with hist:
            st.fragment(history_panel)(run.dir if run is not None else runs_root() / chosen, chosen,
                                       _run_name(chosen))

with st.sidebar:
    st.header(_("Configuration"))
    if current is not None and st.session_state.get("form_shows") == current:
        st.info(_("Settings of run **{name}**: change any and start a new run from them.").format(
            name=_run_name(current)), icon=":material/visibility:")
        from_run = st.container()  # its button needs the form's config: drawn below
    else:
        from_run = None
    branch_from = st.session_state.get("branch_from")
    if branch_from:
        st.info(_("Branch of run **{name}** from its checkpoint at step {step}: G and D start from it. Change the "
                  "training settings (learning rates, loss, regularisers, schedule, D steps, batch size, steps) and "
                  "press Start; the nets and the data stay the parent's.").format(
            name=_run_name(branch_from["run_id"]), step=branch_from.get("step")), icon=":material/call_split:")
        st.button(_("Cancel branch"), on_click=_cancel_branch, icon=":material/close:")
    cfg, form_error = config_form()
    st.session_state.branch_info = None
    if cfg is not None and branch_from:
        try:
            cfg, st.session_state.branch_info = branch_config(
                branch_from["checkpoint"], changes_between(read_sidecar(branch_from["checkpoint"])[0], cfg))
        except (ConfigError, CheckpointError) as e:
            cfg, form_error = None, _("Branch: {error}").format(error=tr(e))
    score_settings()  # score_every and tensorboard (the form reads their values)
    with st.expander(_("Export / import config")):
        if cfg is not None:
            st.download_button(_("Export config (JSON)"), json.dumps(cfg.to_dict(), indent=2), "gan_config.json",
                               "application/json", icon=":material/download:")
        st.file_uploader(_("Import config (JSON)"), type=["json"], key="config_upload", on_change=_import_config,
                         help=_("A config exported from this app or written by hand; every field is checked."))
        if st.session_state.get("import_error"):
            st.error(st.session_state.import_error)


# The run's name: the suggestion follows the form until the user types a name of their own.
suggestion = suggest_name(cfg, st.session_state.get("preset"), say=tr) if cfg is not None else None
if suggestion and st.session_state.get("run_name", "") in ("", st.session_state.get("run_name_suggested")):
    st.session_state.run_name = suggestion
st.session_state.run_name_suggested = suggestion
top = start_row.columns([1, 3])
top[0].text_input(_("Run name"), key="run_name", max_chars=None,
                  help=_("Shown wherever runs are listed; suggested from the preset and what you changed."))
try:
    run_name = validate_name(st.session_state.get("run_name", ""))
    name_error = None
except ConfigError as e:
    run_name, name_error = None, _("Run name: {error}").format(error=_why(e))
    top[0].error(name_error)
blocked = form_error or name_error
if blocked:
    start_row.error(_("Cannot start: {why}").format(why=tr(blocked)))
with top[0]:
    st.fragment(start_box)(cfg, run_name, bool(blocked), tuple(ids), {"first": True})
if from_run is not None:
    from_run.button(_("New run from this config"), icon=":material/content_copy:", disabled=bool(blocked),
                    on_click=_start, args=(cfg, run_name), help=_("Same as Start training: the form's settings."))
if cfg is not None:
    # Open by itself when there is a curve to see; the chart is made only while it is open: a first
    # page with a Plotly chart took the browser 2.6 s longer to be usable (bench/first_page.py).
    curve = cfg.schedule != "constant"
    preview = top[1].expander(_("Learning-rate schedule preview"), expanded=curve, key=f"lr_preview_open_{curve}",
                              on_change="rerun")
    if preview.open:
        with preview:
            s, g, d = lr_preview(cfg.to_dict())
            st.plotly_chart(lr_figure(s, g, d), key="lr_preview")

if not ids:
    start_row.info(_("Choose a configuration in the sidebar and press **Start training**. The ring of 8 Gaussians "
                     "trains in under a minute on a laptop CPU."))
