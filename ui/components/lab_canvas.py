"""The 2-D lab's view as a canvas that is redrawn in place (a Streamlit custom component).

Why not st.plotly_chart: during Play the lab redraws several times a second. A Plotly figure of
the view is about 160 kB of JSON that the browser re-lays out and repaints on every redraw; on a
2-core machine that kept the page's main thread busy most of the time, and the chart was blank or
greyed out (Streamlit fades an element while a rerun that has not re-sent it yet runs) in most
screenshots taken during Play (issue 15; figures in bench/toy_lab_anim.py's docstring). This
component lives in one iframe that Streamlit keeps as long as its key stays the same; each rerun
only posts it new frames of a few kB each (ui/toy_figures.py: encode_frame) and a plain canvas draws
them in a few milliseconds, over the previous picture, so there is never an empty moment.

Why several frames per message: each message is a fragment rerun, and the browser's main thread,
not the drawing, was the bottleneck (Streamlit's frontend handling ~12 reruns a second took 4-8 s
of every 10 s at load 17-25). During Play the page sends a few frames a rerun, fewer reruns a
second, and the canvas plays them back evenly (bench/toy_lab_anim.py measures the rate).

The frontend is a single static HTML file in lab_canvas/ (no build step, no network: it works
offline in a classroom). It speaks the custom-component protocol of streamlit.components.v1
directly (componentReady, render, setFrameHeight), as the streamlit-component-lib package would.
"""

from __future__ import annotations

from pathlib import Path

import streamlit.components.v1 as components

FRONTEND = Path(__file__).resolve().parent / "lab_canvas"
_component = components.declare_component("lab_canvas", path=str(FRONTEND))


def lab_canvas(frame: dict, *, key: str, before: list[dict] | None = None) -> None:
    """Draw `frame` (encode_frame's output) in the lab's canvas; the same key keeps the same canvas.

    `before`: frames between the previous call's frame and this one, oldest first (during Play):
    the canvas plays them, spread over the time between two calls, then `frame`. Without them
    `frame` is drawn at once and anything still queued is dropped."""
    _component(frame=frame, before=before or [], key=key, default=None)
