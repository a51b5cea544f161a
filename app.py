"""GAN playground: `streamlit run app.py`. A router over the pages in app_pages/.

The folder is not called `pages/`: Streamlit serves a `pages/` folder beside the main script as a
legacy multipage app, so a direct URL such as /runs ran that page without this router (no
heartbeat, file names in the sidebar).

Every page keeps this session's runs alive (ui.session.keep_runs_alive): a teacher who starts a
run and lectures from Explore or the 2-D lab does not lose it.
"""

import streamlit as st

if __name__ != "__main__":
    # `streamlit run app.py` finds this st.App (it looks for one before running a script) and
    # serves it with uvicorn, importing this file as a module once: the lifespan imports PyTorch and
    # the training core before the server answers, so the first visitor's page is drawn as fast as
    # the next one's. Each visitor's script run executes this file as __main__ (the else branch).
    from ui.preload import preload_engine

    app = st.App(__file__, lifespan=preload_engine)
else:
    from ui.i18n import _, language_switch, remembering_values
    from ui.session import heartbeat_while_drawing, keep_runs_alive
    from ui.uploader_text import translate_uploaders

    st.set_page_config(page_title=_("GAN playground"), page_icon=":material/blur_on:", layout="wide")

    pages = [
        # The first page, what / opens. A default page is served at / only, so /lessons?lesson=<id>&step=<k>
        # (the links a teacher shares) is the hidden page at the end of this list; this one's url_path is never shown.
        st.Page("app_pages/lessons.py", title=_("Lessons"), icon=":material/school:", default=True, url_path="start"),
        st.Page("app_pages/train.py", title=_("Train"), icon=":material/model_training:"),
        st.Page("app_pages/runs.py", title=_("Runs"), icon=":material/folder_open:"),
        st.Page("app_pages/compare.py", title=_("Compare"), icon=":material/compare_arrows:"),
        st.Page("app_pages/explore.py", title=_("Explore"), icon=":material/explore:"),
        st.Page("app_pages/gallery.py", title=_("Gallery"), icon=":material/photo_library:"),
        st.Page("app_pages/data.py", title=_("Data"), icon=":material/dataset:"),
        st.Page("app_pages/toy_lab.py", title=_("2-D lab"), icon=":material/scatter_plot:"),
        st.Page("app_pages/class_view.py", title=_("Class"), icon=":material/groups:"),
        st.Page("app_pages/lessons.py", title=_("Lessons"), icon=":material/school:", visibility="hidden"),
    ]
    with st.sidebar:  # before the page runs, so the page is drawn in the chosen language
        language_switch()
        translate_uploaders()  # Streamlit's own words in the file uploaders (ui/uploader_text.py)
    page = st.navigation(pages)
    keep_runs_alive()
    # a page that takes long to draw is still open; the values the language switch sets again are kept as the
    # page ends (after st.stop() too)
    with heartbeat_while_drawing(), remembering_values():
        page.run()
