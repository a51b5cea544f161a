"""Runs page: every run directory on disk (they survive a server restart)."""

import pandas as pd
import streamlit as st

from gan_core.store import list_runs, runs_root

st.title("Runs")
runs = list_runs()
if not runs:
    st.info(f"No runs yet in {runs_root()}/. Start one on the Train page.")
    st.stop()
table = pd.DataFrame([{k: r.get(k) for k in ("id", "state", "step", "steps", "dataset", "arch", "loss", "device",
                                             "train_seconds", "error")} for r in runs])
st.dataframe(table, hide_index=True)
choice = st.selectbox("Open a run on the Train page", [r["id"] for r in runs])
if st.button("Open"):
    st.query_params["run"] = choice
    st.switch_page("pages/train.py", query_params={"run": choice})
