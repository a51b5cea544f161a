"""Explore page: walk a trained generator's latent space.

Pick a model (a shipped one, any run's latest checkpoint, or an uploaded safetensors + JSON pair),
then: a gallery of samples by seed moved by sliders (z coordinates, random or GANSpace PCA
directions), truncation psi and the class; an interpolation strip between two seeds (linear or
slerp) with an animated GIF of the path and of a loop through several seeds; style mixing for the
style-based generator. Every picture can be downloaded. The work lives in gan_core/latent.py
(pure torch) and ui/explore_*.py.
"""

from __future__ import annotations

import streamlit as st

from gan_core.messages import Msg
from gan_core.threads import auto_threads, torch_threads
from ui.explore_source import choose_model
from ui.explore_views import gallery_view, interpolation_view, mixing_view, model_facts, sidebar_settings
from ui.i18n import _, tr

VIEWS = ("Gallery and sliders", "Interpolation", "Style mixing")  # ids (session state); VIEW_NAMES: shown
VIEW_NAMES = {"Gallery and sliders": Msg("Gallery and sliders"), "Interpolation": Msg("Interpolation"),
              "Style mixing": Msg("Style mixing")}

# Streamlit forgets the value of a widget that was not drawn in the last run; the views draw only
# their own widgets, so re-assigning the "exk_" values keeps every view's settings while hidden.
for _k in [k for k in st.session_state if isinstance(k, str) and k.startswith("exk_")]:
    st.session_state[_k] = st.session_state[_k]

st.title(_("Explore a trained generator"))
# Generated images are small (28-32 px): let the browser enlarge them with crisp pixels.
st.markdown("<style>[data-testid='stImage'] img {image-rendering: pixelated;}</style>", unsafe_allow_html=True)

with st.sidebar:
    st.header(_("Model"))
    ex = choose_model()
    if ex is not None:
        model_facts(ex)
        st.header(_("Sampling"))
        settings = sidebar_settings(ex)
if ex is None:
    st.info(_("Choose a model in the sidebar."))
    st.stop()

views = VIEWS if ex.model.style else VIEWS[:2]
if st.session_state.get("exk_view") not in views:
    st.session_state["exk_view"] = views[0]
view = st.segmented_control(_("View"), views, key="exk_view", required=True, label_visibility="collapsed",
                            format_func=lambda v: tr(VIEW_NAMES[v]))
with torch_threads(auto_threads()):  # one thread when the CPU is busy: spinning OpenMP teams wait on each other
    if view == "Interpolation":
        interpolation_view(ex, settings)
    elif view == "Style mixing":
        mixing_view(ex, settings)
    else:
        gallery_view(ex, settings)
