"""RunManager: every run of this process, and the rules for sharing one server among a class.

A per-device limit on runs training at once (the rest wait in a FIFO queue and start when a
slot frees), a per-session limit, a watchdog that stops runs nobody has watched for a while, the
CPU cores shared among concurrent runs, and recovery of runs a dead server left behind. One run
itself is gan_core.run.TrainingRun; this module only starts, stops and lists them.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import torch

from gan_core.checkpoint import checkpoint_step
from gan_core.checks import validate_config
from gan_core.config import TrainConfig
from gan_core.engine import resolve_device
from gan_core.messages import Msg, to_doc
from gan_core.run import ACTIVE, TrainingRun, resumable
from gan_core.run_names import write_name
from gan_core.store import atomic_write_json, new_run_id, read_json, runs_root
from gan_core.threads import share_cpu_threads


class LimitError(RuntimeError):
    """A run was refused because of a server limit; the message says which and what to do."""


def _env_int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


def train_nice() -> int:
    """$GAN_TRAIN_NICE: how much lower than the server's page scripts its training threads run
    (0 to 19; default 10). See gan_core.threads.lower_thread_priority."""
    raw = os.environ.get("GAN_TRAIN_NICE", "10")
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if not 0 <= value <= 19:
        raise ValueError(f"GAN_TRAIN_NICE must be a whole number from 0 (training at the pages' priority) "
                         f"to 19 (lowest), not {raw!r}")
    return value


def gpu_count() -> int:
    """The CUDA GPUs this process may use: those CUDA_VISIBLE_DEVICES lists (all when unset), numbered from 0."""
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def least_loaded_gpu(load: dict[int, int], n_gpus: int, limit: int) -> int | None:
    """The GPU for the next run: the one training the fewest runs (the lowest index among equals), or None
    when every GPU already trains `limit` runs."""
    free = [i for i in range(n_gpus) if load.get(i, 0) < limit]
    return min(free, key=lambda i: (load.get(i, 0), i)) if free else None


def _trained_elsewhere(status: dict) -> bool:
    """True when another process is training this run: the rank 0 of a torchrun job started beside the app
    (gan_core.distributed writes its pid and host into status.json), alive on this host, or on another host
    (which this server cannot check, so it leaves the run alone)."""
    pid, host = status.get("pid"), status.get("host")
    if not isinstance(pid, int) or not host or pid == os.getpid():
        return False
    if host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


class RunManager:
    """All runs of this process.

    - At most `limits[device]` runs train at once per device; the rest wait in a FIFO queue and
      start by themselves when a slot frees ($GAN_MAX_RUNS_CPU, $GAN_MAX_RUNS_CUDA). The CUDA limit is per
      GPU: on a server with several, each run starts on the least-loaded GPU this process sees
      (`least_loaded_gpu`; CUDA_VISIBLE_DEVICES chooses which, and they are numbered 0..n-1 here).
    - One owner (browser session) may have at most `per_owner` runs queued or active
      ($GAN_MAX_RUNS_PER_SESSION), so one user cannot fill the queue.
    - A run whose owner has not been seen for `orphan_timeout_s` (tab closed; $GAN_ORPHAN_TIMEOUT_S,
      default 300 s) is stopped, keeping its checkpoint. Every page of the app calls
      `heartbeat(owner, runs)` at least every `heartbeat_every_s` while its session has active runs,
      so a run keeps training while any page is open; `unwatched_s` tells pages how long a run has
      gone unwatched, so they can warn before the reaper stops it.
    """

    def __init__(self, root: str | Path | None = None, limits: dict[str, int] | None = None,
                 per_owner: int | None = None, orphan_timeout_s: float | None = None):
        self.root = runs_root(root)
        self.limits = {"cpu": _env_int("GAN_MAX_RUNS_CPU", 2), "cuda": _env_int("GAN_MAX_RUNS_CUDA", 4),
                       **(limits or {})}
        self.per_owner = per_owner or _env_int("GAN_MAX_RUNS_PER_SESSION", 3)
        self.orphan_timeout_s = orphan_timeout_s or float(_env_int("GAN_ORPHAN_TIMEOUT_S", 300))
        self.train_nice = train_nice()
        self._runs: dict[str, TrainingRun] = {}
        self._queue: list[str] = []
        self._seen: dict[str, float] = {}  # owner -> last heartbeat (monotonic)
        self._watched: dict[str, float] = {}  # run id -> last heartbeat of a page that lists it (any owner)
        self._lock = threading.Lock()
        self._watchdog: threading.Thread | None = None
        self._closed = threading.Event()
        share_cpu_threads(self.limits["cpu"])

    # ------------------------------------------------------------------ starting runs
    def submit(self, cfg: TrainConfig, owner: str | None = None, name: str | None = None) -> TrainingRun:
        validate_config(cfg)
        self._check_owner_limit(owner)
        run_id = new_run_id()
        return self._enqueue(TrainingRun(cfg, self.root / run_id, run_id, owner=owner, name=name))

    def resume(self, run_id: str, owner: str | None = None, steps: int | None = None) -> TrainingRun:
        """Continue a stopped or interrupted run from its last checkpoint (same id and directory)."""
        existing = self.get(run_id)
        if existing is not None and existing.active:
            raise LimitError(Msg("run {run_id} is still {state}; stop it before resuming", run_id=run_id,
                                 state=Msg.literal(existing.state)))
        self._check_owner_limit(owner)
        return self._enqueue(TrainingRun.resume_from(self.root / run_id, steps=steps, owner=owner))

    def _check_owner_limit(self, owner: str | None) -> None:
        if owner is None:
            return
        mine = [r for r in self.runs(owner) if r.active]
        if len(mine) >= self.per_owner:
            raise LimitError(Msg("you already have {n} runs queued or training (the limit per session is {limit}); "
                                 "stop one first", n=len(mine), limit=self.per_owner))

    def _enqueue(self, run: TrainingRun) -> TrainingRun:
        run._on_end.append(lambda _r: self._schedule())
        with self._lock:
            self._runs[run.id] = run
            self._queue.append(run.id)
            if run.owner is not None:
                self._seen[run.owner] = time.monotonic()
        self._schedule()
        self._ensure_watchdog()
        return run

    def _device_key(self, run: TrainingRun) -> str:
        try:
            return resolve_device(run.cfg.device).type
        except RuntimeError:
            return "cpu"

    def _place(self, run: TrainingRun, busy: dict[str, int], gpu_load: dict[int, int]) -> bool:
        """Give a queued run its slot (a CUDA run: its GPU, the least loaded) if one is free; -> whether it got one.
        Counts it in `busy` / `gpu_load`."""
        key = self._device_key(run)
        if key == "cuda":
            gpu = least_loaded_gpu(gpu_load, max(1, gpu_count()), self.limits.get("cuda", 1))
            if gpu is None:
                return False
            run.gpu = gpu
            gpu_load[gpu] = gpu_load.get(gpu, 0) + 1
        elif busy.get(key, 0) >= self.limits.get(key, 1):
            return False
        busy[key] = busy.get(key, 0) + 1
        return True

    def _schedule(self) -> None:
        with self._lock:
            busy: dict[str, int] = {}
            gpu_load: dict[int, int] = {}  # CUDA runs training per GPU
            for r in self._runs.values():
                if r.state in ("starting", "running", "paused"):
                    busy[self._device_key(r)] = busy.get(self._device_key(r), 0) + 1
                    if r.gpu is not None:
                        gpu_load[r.gpu] = gpu_load.get(r.gpu, 0) + 1
            for run_id in list(self._queue):
                run = self._runs[run_id]
                if run.stopping:  # stopped while queued
                    self._queue.remove(run_id)
                    run.state = "stopped"
                    run._write_status()
                    continue
                if self._place(run, busy, gpu_load):
                    self._queue.remove(run_id)
                    run.state = "starting"
                    run.start(nice=self.train_nice)

    # ------------------------------------------------------------------ sessions
    @property
    def heartbeat_every_s(self) -> float:
        """How often an open page must heartbeat: six times per orphan timeout, 1 to 30 s."""
        return max(1.0, min(30.0, self.orphan_timeout_s / 6))

    def heartbeat(self, owner: str, runs: Iterable[str] = ()) -> None:
        """A page of `owner` is open; it also lists `runs` (which another session may own now)."""
        now = time.monotonic()
        with self._lock:
            self._seen[owner] = now
            for run_id in runs:
                if run_id in self._runs:
                    self._watched[run_id] = now

    def _last_seen(self, run: TrainingRun, now: float) -> float:
        """When a page last showed it (caller holds the lock); `now` for runs nobody owns yet."""
        return max(self._seen.get(run.owner, now), self._watched.get(run.id, -float("inf")))

    def unwatched_s(self, owner: str, runs: Iterable[str] = ()) -> dict[str, float]:
        """Seconds since a page last showed each active run of `owner` or in `runs`."""
        now = time.monotonic()
        wanted = set(runs)
        with self._lock:
            return {r.id: now - self._last_seen(r, now) for r in self._runs.values()
                    if r.active and r.owner is not None and (r.owner == owner or r.id in wanted)}

    def rename(self, run_id: str, name: str) -> str:
        """Rename a run (ConfigError for a bad name): live runs in memory, others in their status.json."""
        run = self.get(run_id)
        if run is not None:
            return run.rename(name)
        return write_name(self.root / run_id, name)

    def adopt(self, run_id: str, owner: str) -> None:
        """A reloaded page (new session) takes over a run it reattached to by its URL."""
        with self._lock:
            run = self._runs.get(run_id)
            if run is not None and run.owner is not None:
                run.owner = owner
            self._seen[owner] = time.monotonic()

    def reap_orphans(self) -> list[str]:
        """Stop runs whose owner has sent no heartbeat for orphan_timeout_s; returns their ids."""
        now = time.monotonic()
        with self._lock:
            orphans = [r for r in self._runs.values() if r.active and r.owner is not None
                       and now - self._last_seen(r, now) > self.orphan_timeout_s]
        for r in orphans:
            r.error = Msg("Stopped because no page showed it for {seconds:.0f} s (tab closed?). The checkpoint is "
                          "kept; resume it from the Runs page.", seconds=self.orphan_timeout_s)
            r.stop()
        if orphans:
            self._schedule()
        return [r.id for r in orphans]

    def _ensure_watchdog(self) -> None:
        if self._watchdog is None or not self._watchdog.is_alive():
            self._watchdog = threading.Thread(target=self._watch, name="run-watchdog", daemon=True)
            self._watchdog.start()

    def _watch(self) -> None:
        period = max(0.2, min(10.0, self.orphan_timeout_s / 4))
        while not self._closed.wait(period):
            self.reap_orphans()
            if not any(r.active for r in self.runs()):
                return  # restarted by the next submit

    # ------------------------------------------------------------------ restart recovery
    def recover(self) -> list[str]:
        """After a server restart: runs whose status on disk says they were active belong to a
        dead process. Mark them interrupted (resumable when they have a checkpoint)."""
        marked = []
        if not self.root.is_dir():
            return marked
        for d in self.root.iterdir():
            status_path = d / "status.json"
            if not status_path.is_file() or d.name in self._runs:
                continue
            try:
                st = read_json(status_path)
            except (OSError, ValueError):
                continue
            if st.get("state") in ACTIVE and not _trained_elsewhere(st):
                ck = checkpoint_step(d / "checkpoints" / "last.safetensors")  # the file's step, not the status's
                st["last_checkpoint_step"] = ck
                st["state"] = "interrupted"
                st["eta_s"] = None
                error = Msg("The server stopped during this run at step {step}. {then}", step=st.get("step"),
                            then=resumable(ck))
                st["error"], st["error_msg"] = str(error), to_doc(error)
                atomic_write_json(status_path, st)
                marked.append(d.name)
        return marked

    # ------------------------------------------------------------------ queries and control
    def queue_position(self, run_id: str) -> int | None:
        with self._lock:
            return self._queue.index(run_id) + 1 if run_id in self._queue else None

    def stop(self, run_id: str) -> None:
        run = self.get(run_id)
        if run:
            run.stop()
            self._schedule()

    def get(self, run_id: str) -> TrainingRun | None:
        with self._lock:
            return self._runs.get(run_id)

    def runs(self, owner: str | None = None) -> list[TrainingRun]:
        with self._lock:
            return [r for r in self._runs.values() if owner is None or r.owner == owner]

    def stop_all(self, timeout: float = 10.0) -> None:
        self._closed.set()
        for r in self.runs():
            r.stop()
        for r in self.runs():
            r.join(timeout)
