"""GAN playground: `streamlit run app.py`. A router over the pages in pages/."""

import streamlit as st

st.set_page_config(page_title="GAN playground", page_icon=":material/blur_on:", layout="wide")

pages = [
    st.Page("pages/train.py", title="Train", icon=":material/model_training:", default=True),
    st.Page("pages/runs.py", title="Runs", icon=":material/folder_open:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("pages/explore.py", title="Explore", icon=":material/explore:"),
    st.Page("pages/data.py", title="Data", icon=":material/dataset:"),
    st.Page("pages/toy_lab.py", title="2-D lab", icon=":material/scatter_plot:"),
]
st.navigation(pages).run()
