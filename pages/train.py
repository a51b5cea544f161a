"""Train page: choose a configuration, start a run in the background, watch it live.

The training thread never calls Streamlit: it writes into its RunLog, and the live panel below
reads it from a fragment that reruns every second while the run is active.
"""

import time

import streamlit as st

from gan_core.store import read_json, read_jsonl, runs_root
from ui.config_form import config_form, lr_preview
from ui.figures import lr_figure, metrics_figure, points_figure
from ui.session import add_run, get_manager, my_run_ids, session_owner

POLL_S = 1.0

st.title("Train a GAN")
manager = get_manager()
owner = session_owner()

with st.sidebar:
    st.header("Configuration")
    cfg, form_error = config_form()

if form_error:
    st.error(f"Cannot start: {form_error}")
top = st.columns([1, 3])
if top[0].button("Start training", type="primary", disabled=cfg is None, icon=":material/play_arrow:"):
    run = manager.submit(cfg, owner=owner)
    add_run(run.id)
if cfg is not None:
    with top[1].expander("Learning-rate schedule preview"):
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


def _disk_view(run_id: str) -> None:
    """A run this server process does not hold (finished before a restart): read its directory."""
    d = runs_root() / run_id
    if not (d / "status.json").is_file():
        st.warning(f"Run {run_id} is not on this server any more (no {d}/status.json).")
        return
    status = read_json(d / "status.json")
    st.write(f"**{status['state']}** · step {status['step']}/{status['steps']} · device {status.get('device')}")
    rows = read_jsonl(d / "metrics.jsonl")
    if rows:
        cols = {k: [r.get(k, float("nan")) for r in rows] for k in rows[-1]}
        st.plotly_chart(metrics_figure(cols), key="disk_metrics")
    pngs = sorted((d / "samples").glob("step_*.png"))
    if pngs:
        st.image(str(pngs[-1]), caption=f"fixed-noise samples, {pngs[-1].stem}")


def live_panel(run_id: str, polling: bool) -> None:
    run = manager.get(run_id)
    if run is None:
        _disk_view(run_id)
        return
    status = run.status()
    if polling and not run.active:
        st.rerun()  # the run ended: redraw the page once, without polling
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
        st.info(f"Stopped at step {status['step']:,}; checkpoint kept at step {status['last_checkpoint_step']}.")
    elif state == "failed":
        st.error(status["error"])
    left, right = st.columns([3, 2])
    cols = run.log.since(0)
    with left:
        if cols.get("step"):
            st.plotly_chart(metrics_figure(cols), key=f"metrics_{run_id}")
        else:
            st.caption("Waiting for the first metrics...")
    with right:
        sample = run.log.sample()
        if sample is None:
            st.caption("Waiting for the first samples...")
        elif sample["kind"] == "points":
            st.plotly_chart(points_figure(sample["fake"], sample["real"]), key=f"points_{run_id}")
            st.caption(f"Real points (grey) and G(fixed z) (orange) at step {sample['step']:,}")
        else:
            st.image(sample["png"], caption=f"G(fixed z) at step {sample['step']:,}")


polling = run is not None and run.active
if polling:
    st.fragment(run_every=POLL_S)(live_panel)(chosen, True)
else:
    live_panel(chosen, False)
