"""Compare page: runs side by side (finished, stopped or still training), read from the runs
directory: one metric of several runs on one chart, the config fields that differ, final scores
(sortable), and the run's files: delete (with confirmation), download as a zip, import a zip."""

import pandas as pd
import streamlit as st

from gan_core.branch import read_parent
from gan_core.store import list_runs, runs_root
from ui.class_mode import listed
from ui.compare import (
    RunDeleteError,
    RunImportError,
    config_diff,
    delete_run,
    export_zip,
    field_label,
    import_zip,
    load_run,
    metric_names,
    run_labels,
    scores_table,
    series,
)
from ui.explore_source import open_in_explore
from ui.metric_labels import label, label_with_unit, metric
from ui.score_figures import LOWER_IS_BETTER, overlay_figure
from ui.session import claim, get_manager

st.title("Compare runs")
root = runs_root()
manager = get_manager()
active = {r.id for r in manager.runs() if r.active}


def _import() -> None:
    up = st.session_state.get("run_zip")
    if up is None:
        return
    try:
        run_id = import_zip(up.getvalue(), root)
    except RunImportError as e:
        st.session_state.compare_msg = ("error", f"Not imported: {e}")
        return
    claim(run_id)  # an imported run is this session's own (listed for it on a class server)
    st.session_state.compare_msg = ("success", f"Imported as run {run_id}.")


with st.sidebar:
    st.file_uploader("Import a run (zip exported from this page)", type=["zip"], key="run_zip", on_change=_import,
                     help="Checked before anything is written: only a run's own files (no paths that climb out, no "
                          "links), a valid config, JSON metrics, PNG samples and safetensors weights; at most "
                          "256 MB unpacked per file and 512 MB in all (the upload itself is capped by the server's "
                          "maxUploadSize, .streamlit/config.toml).")
msg = st.session_state.pop("compare_msg", None)
if msg:
    getattr(st, msg[0])(msg[1])

statuses = listed(list_runs(root))  # on a class server a student's own runs only (ui/class_mode.py)
if not statuses:
    st.info(f"No runs yet in {root}/. Train one on the Train page, or import a zip in the sidebar.")
    st.stop()
ids = [s["id"] if "id" in s else s["dir"].rsplit("/", 1)[-1] for s in statuses]
runs_all = {i: load_run(s["dir"]) for i, s in zip(ids, statuses)}
chosen = st.multiselect("Runs", ids, default=ids[: min(3, len(ids))], format_func=lambda i: runs_all[i].label)
runs = [runs_all[i] for i in chosen]
if not runs:
    st.info("Pick one or more runs above.")
    st.stop()
labels = run_labels(runs)  # name + the settings that differ between the chosen runs
dirs = dict(zip(ids, (s["dir"] for s in statuses)))
branches = [f"{runs_all[i].label} is a branch of run {p.get('run_id')} from its step {p.get('step')}"
            for i in chosen if (p := read_parent(dirs[i]))]
if branches:  # gan_core.branch: a run started from another's checkpoint with changed settings
    st.caption("; ".join(branches) + ".")

# ---- one metric, all chosen runs
names = metric_names(runs)
if names:
    c = st.columns([2, 1, 1])
    default = next((k for k in ("fd_clf", "modes_covered", "g_loss") if k in names), names[0])
    metric_key = c[0].selectbox("Metric", names, index=names.index(default), format_func=label_with_unit,
                                help="What each metric measures is in its hover text and in the table below.")
    x_key = c[1].radio("Against", ["step", "time"], horizontal=True,
                       format_func=lambda k: {"step": "steps", "time": "wall time (s)"}[k])
    log_y = c[2].checkbox("Log scale", value=False)
    fig = overlay_figure({labels[r.id]: series(r, metric_key, x_key) for r in runs}, metric_key,
                         "step" if x_key == "step" else "training time (s)", log_y=log_y)
    st.plotly_chart(fig, key="overlay")
    st.caption(f"**{label(metric_key)}**: {metric(metric_key).help}")
else:
    st.caption("These runs have no metrics yet.")

# ---- final scores
st.subheader("Final scores")
table = scores_table(runs)
score_cols = [k for k in (table[0].keys() if table else [])
              if k not in ("run", "state", "step", "dataset", "alarms", "best")]
if score_cols:
    c = st.columns([2, 1])
    sort_by = c[0].selectbox("Sort by", score_cols, format_func=label_with_unit)
    best_first = c[1].checkbox("Best first", value=True)
    descending = (sort_by not in LOWER_IS_BETTER) == best_first
    table = scores_table(runs, sort_by=sort_by, descending=descending)
# What people read: run labels and metric labels (the raw keys stay in the files)
frame = pd.DataFrame([{**t, "run": labels.get(t["run"], t["run"])} for t in table])
raw_cols = ("run", "state", "alarms", "best")
frame = frame.rename(columns={k: label_with_unit(k) for k in frame.columns if k not in raw_cols}
                     | {"run": "Run", "state": "State", "alarms": "Alarms", "best": "Best checkpoint"})
st.dataframe(frame, hide_index=True)
st.caption("The last value of each score; the best checkpoint is the one with the best monitored score (open it "
           "on Explore with the buttons under Run files). The Fréchet distance and KID are computed on the dataset "
           "classifier's features (not Inception's): compare them between runs on the same dataset only.")

# ---- config differences
st.subheader("Config fields that differ")
diff = config_diff(runs)
if len(runs) < 2:
    st.caption("Pick two or more runs to see how their configs differ.")
elif diff:
    st.dataframe(pd.DataFrame([{"Setting": field_label(d["field"]), **{labels[r.id]: d[r.id] for r in runs}}
                               for d in diff]), hide_index=True)
else:
    st.caption("The chosen runs have the same config.")

# ---- files: download, delete
st.subheader("Run files")
target = st.selectbox("Run", chosen, format_func=lambda i: runs_all[i].label, key="file_run")
c = st.columns(3)
c[0].download_button("Download as zip", data=lambda: export_zip(runs_all[target].dir), file_name=f"{target}.zip",
                     mime="application/zip", icon=":material/download:")
with c[1].popover("Delete run", icon=":material/delete:", disabled=target in active,
                  help="Stop it first" if target in active else "Removes the run directory for good"):
    st.write(f"Delete **{target}** and all its files (checkpoint, samples, metrics)? This cannot be undone.")
    if st.button("Yes, delete it", type="primary", key="confirm_delete"):
        try:
            delete_run(root, target, active)
        except RunDeleteError as e:
            st.session_state.compare_msg = ("error", str(e))
        else:
            st.session_state.compare_msg = ("success", f"Deleted run {target}.")
        st.rerun()
if target in active:
    c[2].caption("This run is training: stop it on the Train page before deleting it.")
ckpt = runs_all[target].dir / "checkpoints"
opens = [(w, t) for w, t in (("last", "Open latest checkpoint in Explore"), ("best", "Open best checkpoint in Explore"))
         if (ckpt / f"{w}.safetensors").is_file()]
for col, (which, text) in zip(st.columns(2), opens):
    if col.button(text, key=f"open_{which}", icon=":material/explore:"):
        open_in_explore(target, which)
        st.switch_page("app_pages/explore.py")
