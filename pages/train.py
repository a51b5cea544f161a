"""Train page: choose a configuration, start a run in the background, watch it live.

The training thread never calls Streamlit: it writes into its RunLog, and the live panel below
reads it from a fragment that reruns every second while the run is active.
"""

import time

import streamlit as st

import json

from gan_core.checkpoint import CheckpointError
from gan_core.config import ConfigError, TrainConfig
from gan_core.run import LimitError
from gan_core.store import read_json, read_jsonl, runs_root
from ui.config_form import config_form, load_into_form, lr_preview
from ui.figures import lr_figure, metrics_figure, points_figure
from ui.scores import alarm_banners, score_charts, score_settings
from ui.session import add_run, get_manager, live_figures, my_run_ids, session_owner

MAX_CONFIG_BYTES = 100_000

POLL_S = 1.0

st.title("Train a GAN")
manager = get_manager()
owner = session_owner()

manager.heartbeat(owner)


def _import_config() -> None:
    """Fill the form from an uploaded config JSON, field by field validated; the form is left
    untouched when anything is wrong."""
    up = st.session_state.get("config_upload")
    if up is None:
        return
    try:
        if up.size > MAX_CONFIG_BYTES:
            raise ConfigError("file", f"{up.size:,} bytes; a config file is at most {MAX_CONFIG_BYTES:,} bytes")
        try:
            doc = json.loads(up.getvalue().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ConfigError("file", f"not valid JSON ({e})") from e
        cfg = TrainConfig.from_dict(doc)
    except ConfigError as e:
        st.session_state.import_error = f"Config not imported: {e}"
        return
    load_into_form(cfg)
    st.session_state.import_error = None


with st.sidebar:
    st.header("Configuration")
    cfg, form_error = config_form()
    score_settings()  # score_every and tensorboard (the form reads their values)
    with st.expander("Export / import config"):
        if cfg is not None:
            st.download_button("Export config (JSON)", json.dumps(cfg.to_dict(), indent=2), "gan_config.json",
                               "application/json", icon=":material/download:")
        st.file_uploader("Import config (JSON)", type=["json"], key="config_upload", on_change=_import_config,
                         help="A config exported from this app or written by hand; every field is checked.")
        if st.session_state.get("import_error"):
            st.error(st.session_state.import_error)


def _start(cfg: TrainConfig) -> None:
    try:
        run = manager.submit(cfg, owner=owner)
    except (LimitError, ConfigError) as e:
        st.session_state.start_error = str(e)
        return
    st.session_state.start_error = None
    add_run(run.id)


if form_error:
    st.error(f"Cannot start: {form_error}")
top = st.columns([1, 3])
top[0].button("Start training", type="primary", disabled=cfg is None, icon=":material/play_arrow:",
              on_click=_start, args=(cfg,))
if st.session_state.get("start_error"):
    st.error(st.session_state.start_error)
if cfg is not None:
    with top[1].expander("Learning-rate schedule preview", expanded=cfg.schedule != "constant"):  # open when there is a curve to see
        s, g, d = lr_preview(cfg.to_dict())
        st.plotly_chart(lr_figure(s, g, d), key="lr_preview")

ids = my_run_ids()
if not ids:
    st.info("Choose a configuration in the sidebar and press **Start training**. The ring of 8 Gaussians "
            "trains in under a minute on a laptop CPU.")
    st.stop()


def _label(run_id: str) -> str:
    """Stable text (no state in it: a select box whose labels change would reset itself)."""
    run = manager.get(run_id)
    if run is not None:
        return f"{run_id} · {run.cfg.dataset} / {run.cfg.arch} / {run.cfg.loss}"
    return f"{run_id} (from disk)"


current = st.query_params.get("run", ids[0])
if current not in ids:
    current = ids[0]
chosen = st.selectbox("Your runs", ids, index=ids.index(current), format_func=_label)
if chosen != st.query_params.get("run"):
    st.query_params["run"] = chosen
run = manager.get(chosen)

# ---- controls (outside the polling fragment; callbacks act before the page redraws)
def _stop(run_id: str) -> None:
    manager.stop(run_id)
    r = manager.get(run_id)
    if r is not None:
        r.join(5.0)  # the run writes its checkpoint before the thread ends


if run is not None:
    c = st.columns(5)
    c[0].button("Pause", disabled=run.state not in ("running", "starting"), icon=":material/pause:", on_click=run.pause)
    c[1].button("Resume", disabled=run.state != "paused", icon=":material/play_arrow:", on_click=run.resume)
    c[2].button("Step", disabled=run.state != "paused", icon=":material/skip_next:", on_click=run.step_once,
                help="One training step (d_steps D updates and one G update), then pause again.")
    c[3].button("Stop", disabled=not run.active, icon=":material/stop:", on_click=_stop, args=(run.id,),
                help="End the run now; its checkpoint is written first.")


def _continue(run_id: str, steps: int) -> None:
    try:
        run = manager.resume(run_id, owner=owner, steps=steps)
    except (LimitError, ConfigError, CheckpointError) as e:
        st.session_state.start_error = str(e)
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
    steps = c[0].number_input("Train until step", ck + 1, 10_000_000, default, step=500, key=f"more_{run_id}")
    c[1].button("Continue from checkpoint", icon=":material/replay:", on_click=_continue, args=(run_id, int(steps)),
                help=f"Same config; starts at the checkpoint's step {ck:,}; metrics are appended.")


def _disk_view(run_id: str) -> None:
    """A run this server process does not hold (finished before a restart): read its directory."""
    d = runs_root() / run_id
    if not (d / "status.json").is_file():
        st.warning(f"Run {run_id} is not on this server any more (no {d}/status.json).")
        return
    status = read_json(d / "status.json")
    st.write(f"**{status['state']}** · step {status['step']}/{status['steps']} · device {status.get('device')}")
    if status.get("error"):
        st.warning(status["error"])
    alarm_banners(read_jsonl(d / "alarms.jsonl"))
    _continue_controls(run_id, status)
    rows = read_jsonl(d / "metrics.jsonl")
    if rows:
        cols = {k: [r.get(k, float("nan")) for r in rows] for k in rows[-1]}
        st.plotly_chart(metrics_figure(cols), key="disk_metrics")
        score_charts(cols, (read_jsonl(d / "scores.jsonl") or [None])[-1], key="disk")
    pngs = sorted((d / "samples").glob("step_*.png"))
    if pngs:
        st.image(str(pngs[-1]), caption=f"fixed-noise samples, {pngs[-1].stem}")


def _active_ids() -> frozenset[str]:
    return frozenset(i for i in my_run_ids() if (r := manager.get(i)) is not None and r.active)


def live_panel(run_id: str, polling_for: frozenset[str] | None) -> None:
    """The run's live view. `polling_for`: the active runs when polling began (None: static)."""
    polling = polling_for is not None
    run = manager.get(run_id)
    if run is None:
        _disk_view(run_id)
        return
    manager.heartbeat(owner)  # this session is still watching its runs
    status = run.status()
    if polling and _active_ids() != polling_for:
        st.rerun()  # a run started or ended: redraw the page (controls, and polling on or off)
    state = status["state"]
    frac = status["step"] / status["steps"]
    if state == "queued":
        pos = manager.queue_position(run_id)
        text = f"Queued (position {pos}): starts by itself when a training slot frees."
    else:
        rate = status["steps_per_s"]
        eta = status["eta_s"]
        eta_txt = f" · {time.strftime('%M:%S', time.gmtime(eta))} left" if eta is not None else ""
        text = f"{state} · step {status['step']:,}/{status['steps']:,} · {rate:.1f} steps/s{eta_txt} · on {status['device']}"
    st.progress(min(1.0, frac), text=text)
    if state == "finished":
        st.success(f"Finished {status['steps']:,} steps in {status['train_seconds']:.1f} s. Checkpoint: "
                   f"{run.dir / 'checkpoints' / 'last.safetensors'}")
    elif state == "stopped":
        st.info(f"Stopped at step {status['step']:,}; checkpoint kept at step {status['last_checkpoint_step']}."
                + (f" {status['error']}" if status.get("error") else ""))
    elif state == "failed":
        st.error(status["error"])
    alarm_banners(status.get("alarms"))
    if not run.active and not polling:
        _continue_controls(run_id, status)
    left, right = st.columns([3, 2])
    cols = run.log.since(0)
    with left:
        if cols.get("step"):
            kept = live_figures(run_id)  # refreshed in place from poll to poll
            kept["metrics"] = metrics_figure(cols, reuse=kept.get("metrics"))
            st.plotly_chart(kept["metrics"], key=f"metrics_{run_id}")
            score_charts(cols, dict(run.scores), key=run_id, class_names=run.scores.get("class_names"), kept=kept)
        else:
            st.caption("Waiting for the first metrics...")
    with right:
        sample = run.log.sample()
        if sample is None:
            st.caption("Waiting for the first samples...")
        elif sample["kind"] == "points":
            st.plotly_chart(points_figure(sample["fake"], sample["real"], extent=sample.get("extent", 1.6)), key=f"points_{run_id}")
            st.caption(f"Real points (grey) and G(fixed z) (orange) at step {sample['step']:,}")
        else:
            st.image(sample["png"], caption=f"G(fixed z) at step {sample['step']:,}")


# Poll while any of this session's runs is active (its heartbeat keeps them alive), not only
# the one shown.
active = _active_ids()
if active:
    st.fragment(run_every=POLL_S)(live_panel)(chosen, active)
else:
    live_panel(chosen, None)
