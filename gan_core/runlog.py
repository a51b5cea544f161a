"""RunLog: the columnar, append-only metric log a training thread writes and its readers (the page,
the CLI's progress bar) poll with `since(i)`. No torch, no files: a run's full history is its
metrics.jsonl; this is what is in memory while the run lives."""

from __future__ import annotations

import threading
from typing import Any


class RunLog:
    """Columnar, append-only metric log shared by the training thread and its readers.

    The writer appends under a short lock; readers take copies of what is new with since(i).
    Memory is capped: at `max_rows` rows the log keeps every other row (rows holding a sparse
    value, e.g. a score computed every N windows, are always kept), so a run of any length holds
    at most `max_rows` rows; the full history is in the run's metrics.jsonl. Charts draw at most
    2,000 points a trace anyway. A compaction shortens the log, so a reader that keeps an index
    for since(i) must start again from 0 when len(log) drops below it.
    """

    MAX_ROWS = 20_000  # ~8 MB at 12 columns of Python floats

    def __init__(self, max_rows: int | None = None) -> None:
        self._lock = threading.Lock()
        self._cols: dict[str, list[float]] = {}
        self._n = 0
        self._sample: dict[str, Any] | None = None
        self.max_rows = max(4, max_rows or self.MAX_ROWS)

    def append(self, row: dict[str, float]) -> None:
        with self._lock:
            for k, v in row.items():
                col = self._cols.setdefault(k, [float("nan")] * self._n)
                col.append(v)
            self._n += 1
            for col in self._cols.values():  # a column missing from this row gets a gap
                if len(col) < self._n:
                    col.append(float("nan"))
            if self._n >= self.max_rows:
                self._compact()

    def _compact(self) -> None:
        """Keep even rows, the last row, and any row with a value where the row before has a gap
        (unless those are so many that the log would stay above 3/4 of the cap: then even rows only)."""
        cols = list(self._cols.values())

        def sparse_entry(i: int) -> bool:
            return any(c[i] == c[i] and c[i - 1] != c[i - 1] for c in cols)  # x != x: NaN

        keep = [i for i in range(self._n) if i % 2 == 0 or i == self._n - 1 or sparse_entry(i)]
        if len(keep) > 0.75 * self.max_rows:
            keep = [i for i in range(self._n) if i % 2 == 0 or i == self._n - 1]
        self._cols = {k: [c[i] for i in keep] for k, c in self._cols.items()}
        self._n = len(keep)

    def __len__(self) -> int:
        return self._n

    def since(self, i: int = 0) -> dict[str, list[float]]:
        with self._lock:
            return {k: v[i:] for k, v in self._cols.items()}

    def set_sample(self, sample: dict[str, Any]) -> None:
        with self._lock:
            self._sample = sample

    def sample(self) -> dict[str, Any] | None:
        with self._lock:
            return self._sample
