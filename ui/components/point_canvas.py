"""A plane to draw your own 2-D points on (a Streamlit custom component), as GAN Lab lets you.

Why a component: Plotly's selection events (st.plotly_chart on_select) report the points of the
chart that a click or lasso hit, never a position on an empty plane, so adding a point where
the user clicks needs a grid of invisible points and gives only grid positions; dragging a
trail is not possible at all. A plain canvas does both in a few lines and sends the points
back once per stroke (one rerun per stroke, not per mouse move).

The frontend is one static HTML file in point_canvas/ (no build step, no network), speaking the
custom-component protocol of streamlit.components.v1 directly, as ui/components/lab_canvas.py does.
"""

from __future__ import annotations

from pathlib import Path

import streamlit.components.v1 as components

FRONTEND = Path(__file__).resolve().parent / "point_canvas"
_component = components.declare_component("point_canvas", path=str(FRONTEND))


def point_canvas(points: list[list[float]], *, key: str, extent: float, max_points: int,
                 reset: int = 0, text: dict[str, str] | None = None) -> list[list[float]] | None:
    """Draw the plane [-extent, extent]^2 with `points` on it; -> the drawn points after the user's
    last stroke ([[x, y], ...]), or None before the first. The frontend starts from `points` on its
    first render and whenever `reset` changes (a new number: start the drawing again). `text`: its
    words in the reader's language (keys spray, undo, clear, plane, one, many, most, least; English
    where one is missing)."""
    return _component(points=points, extent=extent, max_points=max_points, reset=reset, text=text or {}, key=key,
                      default=None)
