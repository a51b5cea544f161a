"""The live charts refreshed in place between polls draw exactly what a fresh build draws."""

from __future__ import annotations

import math

import plotly.io as pio

from ui.figures import metrics_figure
from ui.score_figures import _points, score_figure


def _cols(n: int, lr: float = 2e-4, scores: tuple[str, ...] = ("fd_clf",)) -> dict[str, list]:
    cols: dict[str, list] = {"step": [10 * (i + 1) for i in range(n)]}
    for j, k in enumerate(("d_loss", "g_loss", "d_real", "d_fake", "grad_norm_d", "grad_norm_g")):
        cols[k] = [math.sin(i + j) + 2 for i in range(n)]
    cols["lr_g"] = cols["lr_d"] = [lr] * n
    for k in scores:
        cols[k] = [float(i) if i % 5 == 0 else None for i in range(n)]
    return cols


def test_metrics_figure_refreshed_in_place_equals_a_fresh_build():
    first = metrics_figure(_cols(20))
    later = _cols(35, lr=1e-3)  # more rows and a new LR (the LR panel's range follows it)
    again = metrics_figure(later, reuse=first)
    assert again is first  # reused, not rebuilt
    assert pio.to_json(again) == pio.to_json(metrics_figure(later))
    assert list(again.data[0].x)[-1] == 350 and again.layout.yaxis4.range[1] > 1e-3


def test_a_figure_with_other_traces_is_built_again():
    first = metrics_figure({"step": [1, 2], "d_loss": [1.0, 2.0]})
    cols = _cols(5)
    again = metrics_figure(cols, reuse=first)
    assert again is not first and pio.to_json(again) == pio.to_json(metrics_figure(cols))


def test_score_figure_rebuilds_when_a_panel_appears_and_reuses_otherwise():
    before = score_figure(_cols(12))
    grown = _cols(20)
    assert score_figure(grown, reuse=before) is before
    assert pio.to_json(before) == pio.to_json(score_figure(grown))
    more = _cols(20, scores=("fd_clf", "precision", "recall"))  # new panels: a new layout
    rebuilt = score_figure(more, reuse=before)
    assert rebuilt is not before and pio.to_json(rebuilt) == pio.to_json(score_figure(more))
    assert score_figure({"step": [1], "d_loss": [1.0]}, reuse=before) is None  # no score yet: no chart


def test_points_keep_only_finite_numbers():
    x, y = _points([1, 2, 3, 4, 5], [None, 1.0, float("nan"), float("inf"), 3.0])
    assert list(x) == [2, 5] and list(y) == [1.0, 3.0]
    x, y = _points([1, 2, 3], ["mode_collapse", 2.0, None])  # a text column: its numbers only
    assert list(x) == [2] and list(y) == [2.0]
    x, y = _points([1, 2, 3], [1.0, 2.0])  # unequal lengths: the pairs that exist
    assert list(x) == [1, 2]
    assert len(_points([], [])[0]) == 0
