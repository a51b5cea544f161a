"""Run directories on disk. Every whole-file write goes to a temporary name and is renamed
into place (os.replace is atomic on POSIX), so a crash never leaves a half-written file.

    runs/<id>/config.json            the TrainConfig
    runs/<id>/status.json            state, step, error, device, timings, owner (owner_digest: whose run it is)
    runs/<id>/metrics.jsonl          one JSON object per logged window (append-only)
    runs/<id>/samples/step_XXXXXXX.png   fixed-noise grids
    runs/<id>/checkpoints/last.safetensors (one file: weights, optimiser state, config; + last.json, a copy
                                           of its config and meta for people and uploads)
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

DEFAULT_ROOT = "runs"
# status.json states of a run that has not ended (found on disk with no process behind it: interrupted)
ACTIVE = ("queued", "starting", "running", "paused")
DONE = ("finished", "stopped", "failed", "interrupted")  # interrupted: the server died, or Ctrl-C twice; resumable


def _pretrained_dir() -> Path:
    """pretrained/ beside gan_core in a checkout; `pip install .` puts it inside the installed app folder
    (site-packages/gan_playground/pretrained, see pyproject.toml)."""
    root = Path(__file__).resolve().parent.parent
    installed = root / "gan_playground" / "pretrained"
    return installed if not (root / "pretrained").is_dir() and installed.is_dir() else root / "pretrained"


# The shipped generators (gan_core.pretrained) and the metric classifiers (gan_core.metrics.classifier)
PRETRAINED_DIR = _pretrained_dir()


def runs_root(root: str | os.PathLike | None = None) -> Path:
    """The runs directory: the argument, else $GAN_RUNS_DIR, else ./runs."""
    return Path(root or os.environ.get("GAN_RUNS_DIR") or DEFAULT_ROOT)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: str | os.PathLike, obj: Any) -> None:
    atomic_write_bytes(path, json.dumps(obj, indent=2, sort_keys=True).encode())


def read_json(path: str | os.PathLike) -> Any:
    return json.loads(Path(path).read_text())


def append_jsonl(path: str | os.PathLike, rows: Iterable[dict[str, Any]]) -> None:
    """Append rows; each row is one line written in one call, flushed at once."""
    text = "".join(json.dumps(r) + "\n" for r in rows)
    if text:
        with open(path, "a") as f:
            f.write(text)
            f.flush()


def read_jsonl(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Rows of a metrics file; a last line cut short by a crash is skipped."""
    rows = []
    try:
        with open(path) as f:
            for line in f:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
    except FileNotFoundError:
        pass
    return rows


def new_run_id(prefix: str = "") -> str:
    """Sortable, unique, filesystem-safe: 20261122-231501-a1b2c3."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return f"{prefix}{stamp}-{secrets.token_hex(3)}"


def owner_digest(owner: str) -> str:
    """What status.json keeps of the session that owns a run: SHA-256 of its owner id, so that a class
    server knows whose run it is after a restart (ui/class_mode.py) while the id itself, which the
    session's URL carries and which controls its runs, is never written to disk."""
    return hashlib.sha256(owner.encode("utf-8")).hexdigest()


def list_runs(root: str | os.PathLike | None = None) -> list[dict[str, Any]]:
    """Status of every run directory under root, newest first (unreadable ones skipped)."""
    out = []
    base = runs_root(root)
    if not base.is_dir():
        return out
    for d in sorted(base.iterdir(), reverse=True):
        status = d / "status.json"
        if status.is_file():
            try:
                st = read_json(status)
            except (OSError, ValueError):
                continue
            st["dir"] = str(d)
            out.append(st)
    return out
