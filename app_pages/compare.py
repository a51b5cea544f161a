"""Compare page: runs side by side (finished, stopped or still training), read from the runs
directory: one metric of several runs on one chart, the config fields that differ, final scores
(sortable), and the run's files: delete (with confirmation), download as a zip, import a zip."""

import pandas as pd
import streamlit as st

from gan_core.branch import read_parent
from gan_core.messages import Msg
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
from ui.i18n import _, tr
from ui.metric_labels import label, metric
from ui.run_cards import STATE_NAMES
from ui.score_figures import LOWER_IS_BETTER, overlay_figure
from ui.session import claim, get_manager

st.title(_("Compare runs"))
X_NAMES = {"step": Msg("steps"), "time": Msg("wall time (s)")}  # the x axis choices, as the radio shows them


def label_with_unit(key: str) -> str:
    """'Training time (s)' in the page's language: the metric's label translated, its unit as it is."""
    unit = metric(key).unit
    return _("{label} ({unit})").format(label=tr(label(key)), unit=unit) if unit else tr(label(key))


def _why(e: BaseException):
    """An error's message kept for the next run of the page: its Msg (translated where shown), else its text."""
    return e.args[0] if len(e.args) == 1 and isinstance(e.args[0], Msg) else str(e)


def _run_text(run) -> str:
    """What a select box shows of a run: name, state (translated) and id (RunSnapshot.label, in words)."""
    state = run.status.get("state")
    return f"{run.name} · {tr(STATE_NAMES[state]) if state in STATE_NAMES else state} · {run.id}"


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
        st.session_state.compare_msg = ("error", Msg("Not imported: {error}", error=_why(e)))
        return
    claim(run_id)  # an imported run is this session's own (listed for it on a class server)
    st.session_state.compare_msg = ("success", Msg("Imported as run {run_id}.", run_id=run_id))


with st.sidebar:
    st.file_uploader(_("Import a run (zip exported from this page)"), type=["zip"], key="run_zip", on_change=_import,
                     help=_("Checked before anything is written: only a run's own files (no paths that climb out, "
                            "no links), a valid config, JSON metrics, PNG samples and safetensors weights; at most "
                            "256 MB unpacked per file and 512 MB in all (the upload itself is capped by the "
                            "server's maxUploadSize, .streamlit/config.toml)."))
msg = st.session_state.pop("compare_msg", None)
if msg:
    getattr(st, msg[0])(tr(msg[1]))  # kept as a Msg: shown in the language of this run of the page

statuses = listed(list_runs(root))  # on a class server a student's own runs only (ui/class_mode.py)
if not statuses:
    st.info(_("No runs yet in {root}/. Train one on the Train page, or import a zip in the sidebar.").format(root=root))
    st.stop()
ids = [s["id"] if "id" in s else s["dir"].rsplit("/", 1)[-1] for s in statuses]
runs_all = {i: load_run(s["dir"]) for i, s in zip(ids, statuses)}
chosen = st.multiselect(_("Runs"), ids, default=ids[: min(3, len(ids))], format_func=lambda i: _run_text(runs_all[i]),
                        placeholder=_("Choose runs"))
runs = [runs_all[i] for i in chosen]
if not runs:
    st.info(_("Pick one or more runs above."))
    st.stop()
labels = run_labels(runs, translate=tr)  # name + the settings that differ between the chosen runs
dirs = dict(zip(ids, (s["dir"] for s in statuses)))
branches = [_("{run} is a branch of run {parent} from its step {step}").format(
    run=_run_text(runs_all[i]), parent=p.get("run_id"), step=p.get("step"))
    for i in chosen if (p := read_parent(dirs[i]))]
if branches:  # gan_core.branch: a run started from another's checkpoint with changed settings
    st.caption(_("{branches}.").format(branches=_("; ").join(branches)))

# ---- one metric, all chosen runs
names = metric_names(runs)
if names:
    c = st.columns([2, 1, 1])
    default = next((k for k in ("fd_clf", "modes_covered", "g_loss") if k in names), names[0])
    metric_key = c[0].selectbox(_("Metric"), names, index=names.index(default), format_func=label_with_unit,
                                placeholder=_("Choose an option"),
                                help=_("What each metric measures is in its hover text and in the table below."))
    x_key = c[1].radio(_("Against"), ["step", "time"], horizontal=True,
                       format_func=lambda k: tr(X_NAMES[k]))
    log_y = c[2].checkbox(_("Log scale"), value=False)
    fig = overlay_figure({labels[r.id]: series(r, metric_key, x_key) for r in runs}, metric_key,
                         "step" if x_key == "step" else "training time (s)", log_y=log_y)
    st.plotly_chart(fig, key="overlay")
    st.caption(_("**{name}**: {help}").format(name=tr(label(metric_key)), help=tr(metric(metric_key).help)))
else:
    st.caption(_("These runs have no metrics yet."))

# ---- final scores
st.subheader(_("Final scores"))
table = scores_table(runs)
score_cols = [k for k in (table[0].keys() if table else [])
              if k not in ("run", "state", "step", "dataset", "alarms", "best")]
if score_cols:
    c = st.columns([2, 1])
    sort_by = c[0].selectbox(_("Sort by"), score_cols, format_func=label_with_unit,
                             placeholder=_("Choose an option"))
    best_first = c[1].checkbox(_("Best first"), value=True)
    descending = (sort_by not in LOWER_IS_BETTER) == best_first
    table = scores_table(runs, sort_by=sort_by, descending=descending)
# What people read: run labels and metric labels (the raw keys stay in the files)
frame = pd.DataFrame([{**t, "run": labels.get(t["run"], t["run"]), "best": tr(t["best"]) if t["best"] else "",
                       "state": tr(STATE_NAMES[t["state"]]) if t["state"] in STATE_NAMES else t["state"]}
                      for t in table])
raw_cols = ("run", "state", "alarms", "best")
frame = frame.rename(columns={k: label_with_unit(k) for k in frame.columns if k not in raw_cols}
                     | {"run": _("Run"), "state": _("State"), "alarms": _("Alarms"), "best": _("Best checkpoint")})
st.dataframe(frame, hide_index=True)
st.caption(_("The last value of each score; the best checkpoint is the one with the best monitored score (open it "
             "on Explore with the buttons under Run files). The Fréchet distance and KID are computed on the dataset "
             "classifier's features (not Inception's): compare them between runs on the same dataset only."))

# ---- config differences
st.subheader(_("Config fields that differ"))
diff = config_diff(runs, translate=tr)
if len(runs) < 2:
    st.caption(_("Pick two or more runs to see how their configs differ."))
elif diff:
    st.dataframe(pd.DataFrame([{_("Setting"): tr(field_label(d["field"])), **{labels[r.id]: d[r.id] for r in runs}}
                               for d in diff]), hide_index=True)
else:
    st.caption(_("The chosen runs have the same config."))

# ---- files: download, delete
st.subheader(_("Run files"))
target = st.selectbox(_("Run"), chosen, format_func=lambda i: _run_text(runs_all[i]), key="file_run",
                      placeholder=_("Choose an option"))
c = st.columns(3)
c[0].download_button(_("Download as zip"), data=lambda: export_zip(runs_all[target].dir), file_name=f"{target}.zip",
                     mime="application/zip", icon=":material/download:")
with c[1].popover(_("Delete run"), icon=":material/delete:", disabled=target in active,
                  help=_("Stop it first") if target in active else _("Removes the run directory for good")):
    st.write(_("Delete **{run}** and all its files (checkpoint, samples, metrics)? This cannot be undone.").format(
        run=target))
    if st.button(_("Yes, delete it"), type="primary", key="confirm_delete"):
        try:
            delete_run(root, target, active)
        except RunDeleteError as e:
            st.session_state.compare_msg = ("error", _why(e))
        else:
            st.session_state.compare_msg = ("success", Msg("Deleted run {run_id}.", run_id=target))
        st.rerun()
if target in active:
    c[2].caption(_("This run is training: stop it on the Train page before deleting it."))
ckpt = runs_all[target].dir / "checkpoints"
opens = [(w, t) for w, t in (("last", _("Open latest checkpoint in Explore")),
                             ("best", _("Open best checkpoint in Explore"))) if (ckpt / f"{w}.safetensors").is_file()]
for col, (which, text) in zip(st.columns(2), opens):
    if col.button(text, key=f"open_{which}", icon=":material/explore:"):
        open_in_explore(target, which)
        st.switch_page("app_pages/explore.py")
