"""gan_core.data.csvpoints.drawn_points_csv: a drawing becomes the CSV the csv: source reads, and a
drawing outside the limits (too few, too many, off the plane, not numbers) is refused with them."""

from __future__ import annotations

import math

import pytest

from gan_core.data import DataError
from gan_core.data.csvpoints import DRAW_EXTENT, MAX_DRAWN, MIN_DRAWN, drawn_points_csv, read_points_csv


def test_a_drawing_reads_back_through_the_csv_source():
    pts = [[math.cos(i), math.sin(i)] for i in range(MIN_DRAWN)]
    x = read_points_csv(drawn_points_csv(pts))
    assert x.shape == (MIN_DRAWN, 2) and abs(float(x[1, 0]) - math.cos(1)) < 1e-3


@pytest.mark.parametrize("points,why", [
    ([[0.0, 0.0]] * (MIN_DRAWN - 1), f"{MIN_DRAWN - 1} points drawn: too few"),
    ([], "0 points drawn"),
    ([[0.0, 0.0]] * (MAX_DRAWN + 1), "too many"),
    ([[0.0, 0.0]] * MIN_DRAWN + [[DRAW_EXTENT + 0.1, 0.0]], f"drawn point {MIN_DRAWN + 1}"),
    ([[0.0, float("nan")]] * MIN_DRAWN, "drawn point 1"),
    ([[0.0, "1"]] * MIN_DRAWN, "drawn point 1"),
    ([[0.0, True]] * MIN_DRAWN, "drawn point 1"),
    ("0,0", "expected a list"),
])
def test_bad_drawings_are_refused_with_the_limits(points, why):
    with pytest.raises(DataError, match=why) as e:
        drawn_points_csv(points)
    assert f"allowed: {MIN_DRAWN} to {MAX_DRAWN:,} points" in str(e.value)
