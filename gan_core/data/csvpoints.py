"""2-D points from a CSV file: `csv:PATH`, two numeric columns (x, y), an optional header line.

Separators: comma, semicolon or tab (the first data line decides). Lines that are empty or start
with '#' are ignored. Anything else that is not two finite numbers is refused with the line and
column, never skipped silently.
"""

from __future__ import annotations

import csv
import math

import torch

from gan_core.data._registry import DataError, Raw, SourceRequest, register_source
from gan_core.messages import Msg

MAX_CSV_BYTES = 64 * 2**20  # bigger files are refused before parsing
MAX_CSV_ROWS = 1_000_000
# Points drawn on the page (ui/draw_points.py) become a CSV read by this same source: the limits of a drawing
MIN_DRAWN = 10  # fewer is not a distribution to learn, only points to memorise
MAX_DRAWN = 2000  # a drawing of more takes minutes of clicking; a CSV upload takes up to MAX_CSV_ROWS
DRAW_EXTENT = 2.0  # the drawing plane is [-DRAW_EXTENT, DRAW_EXTENT]^2 (the toy datasets lie within 1.6)
ALLOWED = "allowed: two numeric columns (x, y) separated by a comma, semicolon or tab, one point per line, " \
          "with an optional header line"


def read_points_csv(data: bytes, name: str = "CSV") -> torch.Tensor:
    """CSV bytes -> float32 (N, 2). Raises DataError naming the line and column of the first problem."""
    if len(data) > MAX_CSV_BYTES:
        raise DataError(f"{name}: {len(data):,} bytes, over the limit of {MAX_CSV_BYTES:,}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError(f"{name}: not a UTF-8 text file ({e.reason} at byte {e.start}); {ALLOWED}") from e
    if "\x00" in text:
        raise DataError(f"{name}: contains NUL bytes, so it is not a text CSV; {ALLOWED}")
    lines = [(i, ln) for i, ln in enumerate(text.splitlines(), 1) if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise DataError(f"{name}: no data lines; {ALLOWED}")
    first = lines[0][1]
    delim = next((d for d in (",", ";", "\t") if d in first), ",")
    rows = []
    for lineno, line in lines:
        cells = next(csv.reader([line], delimiter=delim), [])
        if len(cells) != 2:
            what = "a missing column" if len(cells) < 2 else f"{len(cells)} columns"
            raise DataError(f"{name}, line {lineno}: {len(cells)} column(s) ({what}) in {line.strip()[:60]!r}; "
                            f"{ALLOWED}")
        vals = []
        for col, cell in enumerate(cells, 1):
            s = cell.strip()
            try:
                v = float(s)
            except ValueError:
                if not rows and lineno == lines[0][0]:  # a header line
                    vals = None
                    break
                shown = "an empty cell" if not s else f"{s[:40]!r} is not a number"
                raise DataError(f"{name}, line {lineno}, column {col}: {shown}; {ALLOWED}") from None
            if not math.isfinite(v):
                raise DataError(f"{name}, line {lineno}, column {col}: {s!r} is not allowed; every value must be a "
                                "finite number (no NaN or infinity)")
            vals.append(v)
        if vals is not None:
            rows.append(vals)
        if len(rows) > MAX_CSV_ROWS:
            raise DataError(f"{name}: more than {MAX_CSV_ROWS:,} points; allowed: at most {MAX_CSV_ROWS:,}")
    if not rows:
        raise DataError(f"{name}: a header line but no points; {ALLOWED}")
    return torch.tensor(rows, dtype=torch.float32)


def drawn_points_csv(points: object) -> bytes:
    """Points drawn on the page ([[x, y], ...]) -> the CSV bytes that `csv:` reads, so a drawing trains
    exactly as an uploaded file does. Raises DataError with the limits when there are too few or too
    many points, or one that is not two finite numbers inside the plane."""
    limits = f"allowed: {MIN_DRAWN} to {MAX_DRAWN:,} points inside [-{DRAW_EXTENT:g}, {DRAW_EXTENT:g}] on both axes"
    if not isinstance(points, (list, tuple)):
        raise DataError(f"drawn points: expected a list of [x, y] pairs, got {type(points).__name__}; {limits}")
    n = len(points)
    if n < MIN_DRAWN:
        raise DataError(f"{n} point{'s' if n != 1 else ''} drawn: too few to learn a distribution from; {limits}")
    if n > MAX_DRAWN:
        raise DataError(f"{n:,} points drawn: too many; {limits} (upload a CSV file for more)")
    lines = ["x,y"]
    for i, p in enumerate(points, 1):
        ok = (isinstance(p, (list, tuple)) and len(p) == 2
              and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in p))
        if not ok or max(abs(p[0]), abs(p[1])) > DRAW_EXTENT:
            raise DataError(f"drawn point {i} ({p!r}) is not two finite numbers inside the plane; {limits}")
        lines.append(f"{p[0]:.3f},{p[1]:.3f}")
    return ("\n".join(lines) + "\n").encode("ascii")


def _signature(req: SourceRequest) -> tuple:
    st = req.path.stat()
    return (str(req.path), st.st_mtime_ns, st.st_size)


def _load(req: SourceRequest) -> Raw:
    path = req.path
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise DataError(f"{req.arg}: {size:,} bytes, over the limit of {MAX_CSV_BYTES:,}")
    x = read_points_csv(path.read_bytes(), name=req.arg)
    ext = round(1.15 * float(x.abs().max()) + 0.05, 2) if len(x) else 1.0
    return Raw(x=x, y=None, kind="points", source=Msg("{n:,} points from {where}", n=len(x), where=req.arg), extent=ext)


register_source(
    "csv", label="2-D points from a CSV file", raw=_load, kind="points", shape=(2,), size=None, takes_path=True,
    signature=_signature,
    help="Your own 2-D points: a CSV with two numeric columns (x, y), an optional header line; comma, semicolon or "
    "tab separated. Upload it on the page, or name it as csv:PATH inside the data root.")
