"""One view of a run, live or from disk: what the Train page draws and what Compare reads.

A run this process is training is read from its TrainingRun (RunLog columns, latest scoring,
alarms, latest sample); a run that ended before a restart, or was imported, is read from its
directory (store.py's layout). Both give the same `RunSnapshot`, so a page draws one thing and
cannot disagree with itself about which columns a run has.

Columns from metrics.jsonl are the union of every row's keys in first-seen order, with NaN where
a row has no value: scores and alarm flags appear only in some rows (every score_every steps),
so taking the keys of the last row, as the Train page once did, lost them for stopped runs.

Reading a directory is cached by the files' (mtime, size): Compare re-reads a dozen runs on every
rerun, and most of them have long stopped changing.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gan_core.store import read_json, read_jsonl, runs_root
from gan_core.timelapse import newest_grid

#: the files whose change invalidates a cached disk snapshot
WATCHED = ("status.json", "config.json", "metrics.jsonl", "scores.jsonl", "alarms.jsonl")
CACHE_SIZE = 128


@dataclass(frozen=True)
class RunSnapshot:
    """A run as readers see it.

    columns: metric name -> values, one per logged window (NaN where a window has none);
    scores: the latest scoring (with its histograms), or {} before the first;
    sample: {"kind": "image", "png": bytes | path, "step": int} or {"kind": "points", ...}, or None;
    live: True when read from a run this process holds.
    """

    id: str
    dir: Path
    status: dict[str, Any]
    config: dict[str, Any]
    columns: dict[str, list[Any]] = field(default_factory=dict)
    scores: dict[str, Any] = field(default_factory=dict)
    alarms: list[dict[str, Any]] = field(default_factory=list)
    sample: dict[str, Any] | None = None
    live: bool = False

    @property
    def name(self) -> str:
        """The run's name (status.json "name", gan_core.run_names), or its id for older runs."""
        n = self.status.get("name")
        return n.strip() if isinstance(n, str) and n.strip() else self.id

    @property
    def label(self) -> str:
        """Stable text for a select box: name, state and id (no comparison-dependent part)."""
        return f"{self.name} · {self.status.get('state')} · {self.id}"

    @property
    def n_rows(self) -> int:
        return max((len(c) for c in self.columns.values()), default=0)

    def column(self, key: str) -> list[Any]:
        """The values of one metric, NaN-filled to the run's length when the run never logged it."""
        return list(self.columns.get(key, [math.nan] * self.n_rows))


def columns_from_rows(rows: Iterable[dict[str, Any]]) -> dict[str, list[Any]]:
    """Rows (one dict per logged window) -> columns over the union of their keys, NaN for gaps."""
    cols: dict[str, list[Any]] = {}
    n = 0
    for row in rows:
        if not isinstance(row, dict):
            continue
        for k, v in row.items():
            cols.setdefault(k, [math.nan] * n).append(v)
        n += 1
        for col in cols.values():
            if len(col) < n:
                col.append(math.nan)
    return cols


def _latest_sample(run_dir: Path) -> dict[str, Any] | None:
    frame = newest_grid(run_dir)
    return None if frame is None else {"kind": "image", "png": str(frame.path), "step": frame.step}


def _signature(run_dir: Path) -> tuple:
    sig = []
    for name in WATCHED:
        try:
            st = (run_dir / name).stat()
            sig.append((st.st_ino, st.st_mtime_ns, st.st_size))  # atomic writes rename: a new inode
        except OSError:
            sig.append(None)
    samples = run_dir / "samples"
    try:
        sig.append(samples.stat().st_mtime_ns)  # a new PNG changes the folder's mtime
    except OSError:
        sig.append(None)
    return tuple(sig)


_cache: OrderedDict[Path, tuple[tuple, RunSnapshot]] = OrderedDict()
_cache_lock = threading.Lock()


def from_disk(run_dir: str | Path) -> RunSnapshot:
    """Read a run directory (cached until one of its files changes). Missing or unreadable files
    give empty parts (status {"state": "unknown"}), never an exception: a half-written or
    imported directory must still be listable."""
    d = Path(run_dir)
    sig = _signature(d)
    with _cache_lock:
        hit = _cache.get(d)
        if hit is not None and hit[0] == sig:
            _cache.move_to_end(d)
            return hit[1]

    def obj(name: str, default: Any) -> Any:
        try:
            v = read_json(d / name)
        except (OSError, ValueError):
            return default
        return v if isinstance(v, dict) else default

    scores = [s for s in read_jsonl(d / "scores.jsonl") if isinstance(s, dict)]
    snap = RunSnapshot(
        id=d.name, dir=d, status=obj("status.json", {"state": "unknown"}), config=obj("config.json", {}),
        columns=columns_from_rows(read_jsonl(d / "metrics.jsonl")), scores=scores[-1] if scores else {},
        alarms=[a for a in read_jsonl(d / "alarms.jsonl") if isinstance(a, dict)], sample=_latest_sample(d),
    )
    with _cache_lock:
        _cache[d] = (sig, snap)
        _cache.move_to_end(d)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return snap


def of_run(run: Any) -> RunSnapshot:
    """A live TrainingRun (gan_core.run; duck-typed so this module stays below it)."""
    status = run.status()
    return RunSnapshot(
        id=run.id, dir=Path(run.dir), status=status, config=run.cfg.to_dict(), columns=run.log.since(0),
        scores=dict(run.scores), alarms=list(status.get("alarms") or []), sample=run.log.sample(), live=True,
    )


def snapshot(run_id: str, manager: Any = None, root: str | Path | None = None) -> RunSnapshot | None:
    """The run `run_id`: live from `manager` when it holds it, else from its directory under
    `root` (store.runs_root() by default); None when neither has it."""
    run = manager.get(run_id) if manager is not None else None
    if run is not None:
        return of_run(run)
    d = Path(root) / run_id if root is not None else runs_root() / run_id
    return from_disk(d) if (d / "status.json").is_file() else None
