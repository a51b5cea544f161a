"""Plotly figures of a dataset (pure functions: arrays in, go.Figure out; no Streamlit here)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go


def class_counts_figure(counts: Sequence[int], names: Sequence[str] = (), height: int = 300,
                        y_title: str = "samples") -> go.Figure:
    """Samples per class as bars (labels: the class names where known, else 0, 1, ...); `y_title` is
    the axis title and the hover's unit, in the reader's language."""
    labels = [names[i] if i < len(names) else str(i) for i in range(len(counts))]
    fig = go.Figure(go.Bar(x=labels, y=list(counts), marker_color="#1f77b4",
                           hovertemplate="%{x}: %{y:,} " + y_title + "<extra></extra>"))
    fig.update_layout(height=height, margin=dict(l=40, r=10, t=10, b=40), yaxis_title=y_title,
                      xaxis=dict(type="category"))
    return fig


def points_scatter_figure(points: np.ndarray, labels: np.ndarray | None = None, extent: float | None = None,
                          height: int = 460) -> go.Figure:
    """Real 2-D points, coloured by their mode/class when labelled, on square axes of half-width `extent`."""
    pts = np.asarray(points, dtype=float)
    if extent is None:
        extent = float(np.abs(pts).max()) * 1.15 + 0.05 if len(pts) else 1.0
    marker = dict(size=3, opacity=0.6)
    if labels is not None:
        marker.update(color=np.asarray(labels), colorscale="Turbo", showscale=False)
    else:
        marker.update(color="#555555")
    fig = go.Figure(go.Scattergl(x=pts[:, 0], y=pts[:, 1], mode="markers", marker=marker, name="real"))
    fig.update_layout(height=height, margin=dict(l=30, r=10, t=10, b=30), showlegend=False)
    fig.update_xaxes(range=[-extent, extent])
    fig.update_yaxes(range=[-extent, extent], scaleanchor="x", scaleratio=1)
    return fig
