"""The Lessons page's section for a walk lesson (gan_core.lessons.format.Walk): nothing is trained, so instead of
Run and the runs' charts it has a seed and a Walk button, the two strips (straight line, great circle), the
charts along the walk and the check's verdict, all computed from the walk itself (gan_core/lessons/walk_run.py).

The walk is computed again on every rerun after the button was pressed (one forward pass of G for 2 x 16
images, well under a second once the model is loaded); which walk is shown lives in session state,
`lesson_walk` = (lesson id, seed).
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from gan_core.lessons.format import Lesson
from gan_core.sampling import png_bytes
from ui.i18n import _, tr

KEY = "lesson_walk"
COLOURS = {"linear": "#ff7f0e", "slerp": "#1f77b4"}


@st.cache_resource(show_spinner=False)
def _walk(lesson_id: str, model: str, frames: int, seed: int):
    from gan_core.lessons import get_lesson
    from gan_core.lessons.walk_run import run_walk

    return run_walk(get_lesson(lesson_id).walk, seed)


def _names() -> dict[str, str]:
    return {"linear": _("straight line (lerp)"), "slerp": _("great circle (slerp)")}


def _charts(runs) -> go.Figure:
    names = _names()
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=[_("|z| along the walk"), _("distance from G's average image")])
    for col, key in ((1, "z_norm"), (2, "mean_dist")):
        for mode, run in runs.items():
            fig.add_trace(go.Scatter(x=run.columns["t"], y=run.columns[key], name=names[mode], mode="lines+markers",
                                     line={"color": COLOURS[mode]}, showlegend=col == 1), row=1, col=col)
        fig.update_xaxes(title_text="t", row=1, col=col)
    fig.update_layout(height=320, margin={"l": 50, "r": 10, "t": 50, "b": 40},
                      legend={"orientation": "h", "y": -0.25})
    return fig


def walk_section(lesson: Lesson) -> None:
    walk = lesson.walk
    c1, c2, _c3 = st.columns([2, 2, 4], vertical_alignment="bottom")
    c1.number_input(_("Seed s (the walk goes from seed s to seed s + 1)"), min_value=0, max_value=2**31 - 2,
                    value=0, step=1, key="lesson_walk_seed")

    def _go() -> None:
        st.session_state[KEY] = (lesson.id, int(st.session_state.lesson_walk_seed))

    c2.button(_("Walk"), type="primary", on_click=_go, key="lesson_walk_go", icon=":material/route:")
    st.caption(_("Nothing is trained: the shipped model {model} draws {frames} images along each path.").format(
        model=walk.model, frames=walk.frames))
    shown = st.session_state.get(KEY)
    if not shown or shown[0] != lesson.id:
        return
    seed = shown[1]
    with st.spinner(_("Loading the shipped model...")):
        result = _walk(lesson.id, walk.model, walk.frames, seed)
    verdict = lesson.check(result.runs)
    if verdict.detected:
        st.success(_("**It showed.** {message}").format(message=tr(verdict.message)), icon=":material/check_circle:")
    elif verdict.detected is False:
        st.warning(_("**It did not show this time.** {message} Try: {try_next}").format(
            message=tr(verdict.message), try_next=tr(lesson.try_next)), icon=":material/help:")
    else:
        st.caption(tr(verdict.message))
    names = _names()
    for mode, x in result.frames.items():
        st.image(png_bytes(result.model.picture(x, nrow=walk.frames, scale=2)), width="stretch",
                 caption=_("{path}, seed {a} to seed {b}").format(path=names[mode], a=seed, b=seed + 1))
    st.plotly_chart(_charts(result.runs), key="lesson_walk_charts")
