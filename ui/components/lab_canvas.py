"""The 2-D lab's view as a canvas that is redrawn in place (a Streamlit custom component).

Why not st.plotly_chart: during Play the lab redraws several times a second. A Plotly figure of
the view is about 160 kB of JSON that the browser re-lays out and repaints on every redraw; on a
2-core machine that kept the page's main thread busy most of the time, and the chart was blank or
greyed out (Streamlit fades an element while a rerun that has not re-sent it yet runs) in most
screenshots taken during Play (issue 15; figures in bench/toy_lab_anim.py's docstring). This
component lives in one iframe that Streamlit keeps as long as its key stays the same; each rerun
only posts it a new frame of a few kB (ui/toy_figures.py: encode_frame) and a plain canvas draws it
in well under a millisecond, over the previous picture, so there is never an empty moment.

The frontend is a single static HTML file in lab_canvas/ (no build step, no network: it works
offline in a classroom). It speaks the custom-component protocol of streamlit.components.v1
directly (componentReady, render, setFrameHeight), as the streamlit-component-lib package would.
"""

from __future__ import annotations

from pathlib import Path

import streamlit.components.v1 as components

FRONTEND = Path(__file__).resolve().parent / "lab_canvas"
_component = components.declare_component("lab_canvas", path=str(FRONTEND))


def lab_canvas(frame: dict, *, key: str) -> None:
    """Draw `frame` (encode_frame's output) in the lab's canvas; the same key keeps the same canvas."""
    _component(frame=frame, key=key, default=None)
