"""Draw your own 2-D distribution (as in GAN Lab): a dialog with a plane to click and drag points
onto, then "Train on these points".

The drawing becomes a CSV (gan_core.data.csvpoints.drawn_points_csv) saved like an upload, so the
`csv:` dataset trains on it exactly as on an uploaded file: the same path, the same checks, and a
config that names the file (a run trained on a drawing can be reproduced from its config). The
limits (MIN_DRAWN to MAX_DRAWN points inside the plane) are shown before the user draws, counted
live on the plane, and a drawing outside them is refused with the reason, never trimmed.

Used by ui/data_form.py for the CSV source, so the Train page, the 2-D lab and the Data page all
have it. The dialog is a fragment: strokes rerun only the dialog, not the page behind it.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from gan_core.data import DataError
from gan_core.data.csvpoints import DRAW_EXTENT, MAX_DRAWN, MIN_DRAWN, drawn_points_csv, read_points_csv
from gan_core.data.paths import resolve_user_path
from ui.components.point_canvas import point_canvas
from ui.i18n import _, ngettext, tr

OPEN = "draw_open"  # session_state: the prefix whose dialog is open (one at a time)


def _key(prefix: str, what: str) -> str:
    return f"{prefix}draw_{what}"


def _points_of(arg: str) -> list[list[float]]:
    """The points of the CSV the form names (csv:PATH's PATH), to edit that drawing; [] when there is
    none, or it does not fit the plane (an uploaded file of other units is not redrawn)."""
    if not arg:
        return []
    try:
        path = resolve_user_path(arg, "csv")
        if path.stat().st_size > 1_000_000:
            return []
        x = read_points_csv(path.read_bytes())
    except (DataError, OSError):
        return []
    return x.double().round(decimals=3).tolist() if len(x) <= MAX_DRAWN and float(x.abs().max()) <= DRAW_EXTENT else []


def open_drawing(prefix: str, arg: str = "") -> None:
    """Button callback: open the dialog, starting from the CSV the form names (`arg`) when it fits."""
    st.session_state[OPEN] = prefix
    points = _points_of(arg)
    st.session_state[_key(prefix, "points")] = points
    st.session_state[_key(prefix, "reset")] = st.session_state.get(_key(prefix, "reset"), 0) + 1
    st.session_state.pop(_key(prefix, "error"), None)


def min_points(prefix: str) -> int:
    """The fewest points a drawing may have for this form: MIN_DRAWN, or the form's batch size when
    larger (a batch is drawn from the data without replacement: gan_core.data.prepare refuses a
    dataset smaller than the batch)."""
    batch = st.session_state.get(prefix + "batch_size")
    return max(MIN_DRAWN, batch) if isinstance(batch, int) and not isinstance(batch, bool) else MIN_DRAWN


def _closed() -> None:
    st.session_state.pop(OPEN, None)


def _use(prefix: str, use: Callable[[bytes], str | None]) -> None:
    """"Train on these points" (a callback: `use` may set the form's widgets, which only a callback
    can once they are drawn): the drawing as CSV bytes to `use` (which saves it and points the form
    at it), or the reason it is refused, kept for the dialog."""
    points = st.session_state.get(_key(prefix, "points"), [])
    if MIN_DRAWN <= len(points) < min_points(prefix):  # the button is off then; a late click still gets the reason
        st.session_state[_key(prefix, "error")] = _("{n} points drawn, fewer than the batch size {batch}; draw more "
                                                    "or lower the batch size").format(n=len(points),
                                                                                      batch=min_points(prefix))
        return
    try:
        data = drawn_points_csv(points)
    except DataError as e:
        st.session_state[_key(prefix, "error")] = tr(e)
        return
    problem = use(data)
    if problem:
        st.session_state[_key(prefix, "error")] = problem
        return
    st.session_state.pop(_key(prefix, "error"), None)
    st.session_state.pop(OPEN, None)  # the page's rerun then draws no dialog: it closes
    st.session_state[_key(prefix, "used")] = True


def _dialog(prefix: str, use: Callable[[bytes], str | None]) -> None:
    if st.session_state.pop(_key(prefix, "used"), False):
        st.rerun()  # the whole page (a button in a dialog reruns only the dialog): it closes, the form follows
    st.caption(_("Click to add a point, drag to draw a trail of points; tick **Spray** for a small cloud per "
                 "point. Draw from **{least}** to **{most:,}** points on the plane [-{e:g}, {e:g}]²: clusters, a "
                 "ring, a letter. The GAN then learns to produce points like yours.").format(
        least=MIN_DRAWN, most=MAX_DRAWN, e=DRAW_EXTENT))
    pts_key = _key(prefix, "points")
    drawn = point_canvas(st.session_state.get(pts_key, []), key=_key(prefix, "canvas"), extent=DRAW_EXTENT,
                         max_points=MAX_DRAWN, reset=st.session_state.get(_key(prefix, "reset"), 0),
                         text={"spray": _("Spray (a small cloud per point)"), "undo": _("Undo stroke"),
                               "clear": _("Clear"), "plane": _("A plane: click or drag to add points"),
                               "one": _("{n} point"), "many": _("{n} points"), "most": _(" (the most allowed)"),
                               "least": _(" (draw at least {k})")})
    if drawn is not None:  # the frontend's points after its last stroke
        st.session_state[pts_key] = drawn
    n = len(st.session_state.get(pts_key, []))
    need = min_points(prefix)
    if n < need:
        drawn = ngettext("{n} point drawn: draw at least {need} to train on them.",
                         "{n} points drawn: draw at least {need} to train on them.", n).format(n=n, need=need)
        why = _("Each training step draws a batch of {need} real points (the **Batch size** in the settings): draw "
                "more, or lower the batch size to train on fewer.").format(need=need) if need > MIN_DRAWN else ""
        st.warning(f"{drawn} {why}".strip())
    if st.session_state.get(_key(prefix, "error")):
        st.error(_("Not used: {reason}").format(reason=st.session_state[_key(prefix, "error")]))
    st.button(_("Train on these {n:,} points").format(n=n), type="primary", icon=":material/check:",
              key=_key(prefix, "use"), on_click=_use, args=(prefix, use), disabled=n < need,
              help=_("Saves the drawing as a CSV file in the data root's uploads/ folder and selects it as the "
                     "dataset (the same path as an uploaded CSV)."))


def drawing_dialog(prefix: str, use: Callable[[bytes], str | None]) -> None:
    """Draw the dialog when it is open for this form (open_drawing). `use(csv_bytes)` is called with
    an accepted drawing and returns None, or why it could not use it (shown in the dialog)."""
    if st.session_state.get(OPEN) == prefix:  # decorated here: the title in this session's language
        st.dialog(_("Draw your own 2-D distribution"), width="large", on_dismiss=_closed)(_dialog)(prefix, use)
