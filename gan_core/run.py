"""TrainingRun drives the Engine (in a thread for the app, in the caller for the CLI) and
records what happens in a RunLog and a run directory. RunManager is the process-wide set
of runs with a per-device concurrency limit and a queue.

Nothing here calls the UI: readers poll `RunLog.since(i)` and `TrainingRun.status()`.
"""

from __future__ import annotations

import json
import os
import threading
import time
import traceback
from collections import deque
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from gan_core.checkpoint import CheckpointError, load_training_state, save_checkpoint
from gan_core.config import TrainConfig
from gan_core.data import DataError, load_dataset
from gan_core.engine import Divergence, Engine, resolve_device
from gan_core.metrics.monitor import Monitor
from gan_core.run_names import read_name, suggest_name, validate_name, write_name
from gan_core.sampling import grid_image, png_bytes, points_image
from gan_core.store import (append_jsonl, atomic_write_bytes, atomic_write_json, new_run_id, read_json, read_jsonl,
                            runs_root)

ACTIVE = ("queued", "starting", "running", "paused")
DONE = ("finished", "stopped", "failed", "interrupted")  # interrupted: the server died mid-run; resumable
STATUS_EVERY_S = 1.0  # status.json / metrics.jsonl are written at most this often


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
            for k, col in self._cols.items():  # a column missing from this row gets a gap
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


class TrainingRun:
    def __init__(self, cfg: TrainConfig, run_dir: str | Path, run_id: str | None = None, owner: str | None = None,
                 resume: bool = False, name: str | None = None):
        self.cfg = cfg.validate()
        self.dir = Path(run_dir)
        self.id = run_id or self.dir.name
        self.owner = owner
        # a readable name (gan_core.run_names); a continued run keeps the one on disk
        self.name = validate_name(name) if name is not None else (
            resume and read_name(self.dir) or suggest_name(self.cfg))
        self.log = RunLog()
        self.state = "queued"
        self.error: str | None = None
        self.step = 0
        self.device_used: str | None = None
        self.created = time.time()
        self.train_seconds = 0.0  # wall time spent training (pauses excluded)
        self.last_checkpoint_step: int | None = None
        self.ended_by: str | None = None  # why a finished run ended: "steps" or "time_limit"
        self._time_base = 0.0  # train_seconds when this start (or continuation) began: the time limit counts from it
        self.alarms: list[dict[str, Any]] = []  # fired alarms (gan_core.metrics.alarms), oldest first
        self.scores: dict[str, Any] = {}  # the latest scoring, histograms included (gan_core.metrics.monitor)
        self.phase: str | None = None  # "compiling" while torch.compile builds the nets (state "starting")
        self.accel: dict[str, Any] = {}  # precision, channels_last, compiled, compile_error (gan_core.accel)
        self._monitor: Monitor | None = None
        self._stop = threading.Event()
        self._running = threading.Event()  # set = not paused
        self._running.set()
        self._single_steps = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._on_end: list[Callable[[TrainingRun], None]] = []
        self._recent: deque[tuple[float, int]] = deque(maxlen=20)  # (train_seconds, step) for the rate
        self._resume = resume
        (self.dir / "samples").mkdir(parents=True, exist_ok=True)
        (self.dir / "checkpoints").mkdir(exist_ok=True)
        if resume:
            self._prepare_resume()
        atomic_write_json(self.dir / "config.json", cfg.to_dict())
        self._write_status()

    @classmethod
    def resume_from(cls, run_dir: str | Path, steps: int | None = None, owner: str | None = None,
                    time_limit: float | None = None) -> "TrainingRun":
        """A run that continues an earlier one from its last checkpoint: same config (optionally
        more steps, or another time limit), step count continued, metrics appended. A time limit
        counts from the continuation: a run that ended by its limit trains that long again."""
        run_dir = Path(run_dir)
        if not (run_dir / "config.json").is_file():
            raise CheckpointError(f"{run_dir}: not a run directory (no config.json)")
        cfg = TrainConfig.from_dict(read_json(run_dir / "config.json"))
        if steps is not None:
            cfg = cfg.replace(steps=steps).validate()
        if time_limit is not None:
            cfg = cfg.replace(time_limit=float(time_limit)).validate()
        return cls(cfg, run_dir, run_dir.name, owner=owner, resume=True)

    def _prepare_resume(self) -> None:
        """Read the checkpoint's step and keep only the metrics up to it (rows logged after the
        last checkpoint belong to steps that will be trained again)."""
        _tensors, doc = load_training_state(self.dir / "checkpoints" / "last.safetensors")
        step = int(doc["training"]["step"])
        if step >= self.cfg.steps:
            from gan_core.config import ConfigError

            raise ConfigError("steps", f"the checkpoint is at step {step}; ask for more steps than that to resume")
        self.step = self.last_checkpoint_step = step
        self.train_seconds = float(doc.get("meta", {}).get("train_seconds", 0.0))
        rows = [r for r in read_jsonl(self.dir / "metrics.jsonl") if r.get("step", 0) <= step]
        atomic_write_bytes(self.dir / "metrics.jsonl", "".join(json.dumps(r) + "\n" for r in rows).encode())
        for r in rows:
            self.log.append(r)

    # ------------------------------------------------------------------ controls (any thread)
    def start(self) -> None:
        """Train in a background daemon thread."""
        self._thread = threading.Thread(target=self.run, name=f"train-{self.id}", daemon=True)
        self._thread.start()

    def pause(self) -> None:
        """Pause before the next step (a run still starting pauses as soon as it is ready)."""
        if self.state in ("starting", "running"):
            self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def step_once(self) -> None:
        """While paused: do one more training step, then stay paused."""
        with self._lock:
            self._single_steps += 1
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    def steps_per_s(self) -> float:
        if len(self._recent) < 2:
            return 0.0
        (t0, s0), (t1, s1) = self._recent[0], self._recent[-1]
        return (s1 - s0) / (t1 - t0) if t1 > t0 else 0.0

    def rename(self, name: str) -> str:
        """Give the run another name (validated; ConfigError otherwise); status.json follows at once."""
        self.name = validate_name(name)
        self._write_status()
        return self.name

    def status(self) -> dict[str, Any]:
        """What readers show. steps_per_s and eta_s are None unless the run is training right now:
        a paused or queued run has no rate and no time left to show."""
        running = self.state == "running"
        rate = self.steps_per_s()
        left = self.cfg.steps - self.step
        return {
            "id": self.id, "name": self.name, "state": self.state, "step": self.step, "steps": self.cfg.steps,
            "error": self.error, "device": self.device_used, "created": self.created,
            "train_seconds": round(self.train_seconds, 3), "steps_per_s": round(rate, 2) if running else None,
            "eta_s": _eta(left / rate if rate > 0 else None, self.cfg.time_limit, self.train_seconds - self._time_base)
            if running else None,
            "time_limit": self.cfg.time_limit, "ended_by": self.ended_by,
            "last_checkpoint_step": self.last_checkpoint_step, "dataset": self.cfg.dataset,
            "arch": self.cfg.arch, "loss": self.cfg.loss, "alarms": list(self.alarms),
            "phase": self.phase, "accel": self.accel,
        }

    # ------------------------------------------------------------------ the loop
    def run(self, on_progress: Callable[[TrainingRun], None] | None = None) -> None:
        """The one training loop (thread body for the app, called directly by the CLI)."""
        engine = None
        try:
            self.state = "starting"
            self._write_status()
            device = resolve_device(self.cfg.device)
            self.device_used = str(device)
            data = load_dataset(self.cfg, device=device)  # preprocessing + memory check
            engine = Engine(self.cfg, data, device)
            self._monitor = Monitor(self.cfg, data, engine, self.dir, self.alarms, self.scores)
            if self._resume:
                tensors, doc = load_training_state(self.dir / "checkpoints" / "last.safetensors")
                for prefix, net in (("G.", engine.G), ("D.", engine.D)):
                    net.load_state_dict({k[2:]: v for k, v in tensors.items() if k.startswith(prefix)})
                engine.load_training_state({k[6:]: v for k, v in tensors.items() if k.startswith("train.")},
                                           doc["training"])
                self.step = engine.step
            real_preview = data.x[:1000].numpy() if data.kind == "points" else None
            self._extent = data.extent or 1.6
            if engine.compile_pending:  # torch.compile: seconds to a minute, shown as a phase of its own
                self.phase = "compiling"
                self._write_status()
                engine.warm_up_compile()  # falls back to eager, with the reason in accel.compile_error
            self.phase, self.accel = None, engine.accel.summary()
            self.state = "running"
            self._write_status()
            self._sample(engine, real_preview)
            self._loop(engine, real_preview, on_progress)
        except Divergence as e:
            kept = (f"The last good checkpoint is kept (step {self.last_checkpoint_step})" if self.last_checkpoint_step
                    is not None else "No checkpoint had been written yet (the first comes after checkpoint_every_s)")
            self.error = f"Training diverged: {e}. {kept}. Try a lower learning rate, WGAN-GP, or more D steps."
            if self._monitor is not None:
                self._monitor.on_divergence(self.step, str(e))
            self.state = "failed"
        except DataError as e:
            self.error = str(e)
            self.state = "failed"
        except Exception as e:  # noqa: BLE001: any failure ends this run only, with its reason
            msg = f"{type(e).__name__}: {e}"
            if "out of memory" in str(e).lower():
                msg = f"Out of memory: {e}. Try a smaller batch size or model width."
            self.error = msg
            self.state = "failed"
            traceback.print_exc()
        finally:
            del engine
            if self._monitor is not None:
                self._monitor.close()
                self._monitor = None  # its scorer (classifier, real features) is not kept with the finished run
            release_accelerator_memory()  # after `del engine`: an OOM'd run gives its GPU memory back
            self._write_status()
            if on_progress:
                on_progress(self)
            for cb in self._on_end:
                cb(self)

    def _loop(self, engine: Engine, real_preview: np.ndarray | None, on_progress: Callable | None) -> None:
        pending: list[dict[str, Any]] = []
        try:
            self._loop_body(engine, real_preview, on_progress, pending)
        finally:  # also on divergence: the rows logged before it stay on disk
            append_jsonl(self.dir / "metrics.jsonl", pending)
            pending.clear()

    def _loop_body(self, engine: Engine, real_preview: np.ndarray | None, on_progress: Callable | None,
                   pending: list[dict[str, Any]]) -> None:
        cfg = self.cfg
        last_io = last_ckpt = time.monotonic()
        t_mark = time.monotonic()
        self._time_base = self.train_seconds
        while engine.step < cfg.steps and not self._stop.is_set():
            if not self._running.is_set():
                self.state = "paused"
                self.train_seconds += time.monotonic() - t_mark
                self._write_status()
                self._running.wait()
                t_mark = time.monotonic()
                if self._stop.is_set():
                    break
                self.state = "running"
                self._write_status()
            engine.train_step()
            self.step = engine.step
            with self._lock:
                if self._single_steps > 0:
                    self._single_steps -= 1
                    self._running.clear()
                    force = True
                else:
                    force = False
            # The time limit counts training time only (pauses excluded): one clock read per step.
            # A continued run gets the whole limit again (_time_base: its training time when it started).
            timed_out = (cfg.time_limit > 0
                         and self.train_seconds - self._time_base + time.monotonic() - t_mark >= cfg.time_limit)
            if force or timed_out or self.step % cfg.log_every == 0 or self.step == cfg.steps:
                w = engine.flush()
                now = time.monotonic()
                self.train_seconds += now - t_mark
                t_mark = now
                self._recent.append((self.train_seconds, self.step))
                row = {"step": w.step, "time": round(self.train_seconds, 4), **w.values}
                # scores every score_every steps, and once more at the end of the run; alarms
                row.update(self._monitor.on_window(engine, row, final=timed_out))
                self.log.append(row)
                pending.append(row)
                self._monitor.raise_if_diverged()  # an exploding loss ends the run as a NaN does
                if now - last_ckpt >= cfg.checkpoint_every_s and self._monitor.healthy:  # no loss blowing up
                    self._checkpoint(engine)
                    last_ckpt = time.monotonic()
                if now - last_io >= STATUS_EVERY_S or self.step == cfg.steps:
                    append_jsonl(self.dir / "metrics.jsonl", pending)
                    pending.clear()
                    self._write_status()
                    last_io = now
                if on_progress:
                    on_progress(self)
            if force or self.step % cfg.sample_every == 0:
                self._sample(engine, real_preview)
            if timed_out:
                self.ended_by = "time_limit"
                break
        self.train_seconds += time.monotonic() - t_mark
        # a last window of fewer than log_every steps
        if engine._count:
            w = engine.flush()
            row = {"step": w.step, "time": round(self.train_seconds, 4), **w.values}
            self.log.append(row)
            pending.append(row)
        append_jsonl(self.dir / "metrics.jsonl", pending)
        pending.clear()
        self._sample(engine, real_preview)
        self._checkpoint(engine)
        if engine.step >= cfg.steps and self.ended_by is None:
            self.ended_by = "steps"
        self.state = "finished" if self.ended_by is not None else "stopped"

    def _sample(self, engine: Engine, real_preview: np.ndarray | None) -> None:
        """Render the fixed-noise batch: a grid for images, a scatter for 2-D points."""
        x = engine.sample_fixed()
        if x.dim() == 2:  # 2-D points
            fake = x.numpy()
            data = png_bytes(points_image(fake, real_preview, extent=self._extent))
            sample = {"step": engine.step, "kind": "points", "fake": fake, "real": real_preview, "png": data,
                      "extent": self._extent}
        else:
            data = png_bytes(grid_image(x, nrow=engine.grid_nrow))
            sample = {"step": engine.step, "kind": "image", "png": data}
        self.log.set_sample(sample)
        if self._monitor is not None:
            self._monitor.on_sample(engine.step, x, data)  # TensorBoard, when asked for
        atomic_write_bytes(self.dir / "samples" / f"step_{engine.step:07d}.png", data)

    def _checkpoint(self, engine: Engine) -> None:
        if not engine.weights_finite():  # never replace the last good checkpoint with NaN weights
            raise Divergence(f"non-finite weights at step {engine.step}")
        meta = {"step": engine.step, "train_seconds": round(self.train_seconds, 3), "device": self.device_used,
                "run_id": self.id, "sample_shape": list(engine.x.shape[1:])}
        save_checkpoint(self.dir / "checkpoints" / "last.safetensors", engine.G_sample, engine.D, self.cfg, meta,
                        training=engine.training_state())
        self.last_checkpoint_step = engine.step

    def _write_status(self) -> None:
        atomic_write_json(self.dir / "status.json", self.status())


def _eta(by_steps: float | None, time_limit: float, trained: float) -> float | None:
    """Seconds left: the steps still to train at the current rate, or what remains of the time
    limit, whichever is shorter (None while the rate is unknown and there is no limit)."""
    left = [t for t in (by_steps, max(0.0, time_limit - trained) if time_limit > 0 else None) if t is not None]
    return round(min(left), 1) if left else None


def release_accelerator_memory() -> None:
    """Return the CUDA caching allocator's free blocks to the driver, so that the memory of a run
    that ended (out of memory above all) is available to the other runs and processes."""
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except Exception:  # noqa: BLE001: never let the cleanup hide the run's own error
        pass


class LimitError(RuntimeError):
    """A run was refused because of a server limit; the message says which and what to do."""


def _env_int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


def _share_cpu_threads(concurrent_runs: int) -> None:
    """Give each of `concurrent_runs` CPU runs of this process its share of the cores.

    torch's intra-op OpenMP pool is sized per process (each training thread gets a team of
    torch.get_num_threads() threads), so N runs at once start N teams; more spinning OpenMP
    threads than cores makes them wait on each other. Measured on a shared 2-core machine: two
    ring8 runs in the server with the default 2 threads each trained at 0.34 steps/s instead of
    ~30. Only ever lowers the count ($OMP_NUM_THREADS or an earlier set_num_threads still win).
    """
    import torch

    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    per_run = max(1, cores // max(1, concurrent_runs))
    if torch.get_num_threads() > per_run:
        torch.set_num_threads(per_run)


class RunManager:
    """All runs of this process.

    - At most `limits[device]` runs train at once per device; the rest wait in a FIFO queue and
      start by themselves when a slot frees ($GAN_MAX_RUNS_CPU, $GAN_MAX_RUNS_CUDA).
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
        self._runs: dict[str, TrainingRun] = {}
        self._queue: list[str] = []
        self._seen: dict[str, float] = {}  # owner -> last heartbeat (monotonic)
        self._watched: dict[str, float] = {}  # run id -> last heartbeat of a page that lists it (any owner)
        self._lock = threading.Lock()
        self._watchdog: threading.Thread | None = None
        self._closed = threading.Event()
        _share_cpu_threads(self.limits["cpu"])

    # ------------------------------------------------------------------ starting runs
    def submit(self, cfg: TrainConfig, owner: str | None = None, name: str | None = None) -> TrainingRun:
        cfg.validate()
        self._check_owner_limit(owner)
        run_id = new_run_id()
        return self._enqueue(TrainingRun(cfg, self.root / run_id, run_id, owner=owner, name=name))

    def resume(self, run_id: str, owner: str | None = None, steps: int | None = None) -> TrainingRun:
        """Continue a stopped or interrupted run from its last checkpoint (same id and directory)."""
        existing = self.get(run_id)
        if existing is not None and existing.active:
            raise LimitError(f"run {run_id} is still {existing.state}; stop it before resuming")
        self._check_owner_limit(owner)
        return self._enqueue(TrainingRun.resume_from(self.root / run_id, steps=steps, owner=owner))

    def _check_owner_limit(self, owner: str | None) -> None:
        if owner is None:
            return
        mine = [r for r in self.runs(owner) if r.active]
        if len(mine) >= self.per_owner:
            raise LimitError(f"you already have {len(mine)} runs queued or training (the limit per session is "
                             f"{self.per_owner}); stop one first")

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

    def _schedule(self) -> None:
        with self._lock:
            busy: dict[str, int] = {}
            for r in self._runs.values():
                if r.state in ("starting", "running", "paused"):
                    busy[self._device_key(r)] = busy.get(self._device_key(r), 0) + 1
            for run_id in list(self._queue):
                run = self._runs[run_id]
                if run._stop.is_set():  # stopped while queued
                    self._queue.remove(run_id)
                    run.state = "stopped"
                    run._write_status()
                    continue
                key = self._device_key(run)
                if busy.get(key, 0) < self.limits.get(key, 1):
                    self._queue.remove(run_id)
                    busy[key] = busy.get(key, 0) + 1
                    run.state = "starting"
                    run.start()

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
            r.error = (f"Stopped because no page showed it for {self.orphan_timeout_s:.0f} s (tab closed?). "
                       "The checkpoint is kept; resume it from the Runs page.")
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
            if st.get("state") in ACTIVE:
                ck = st.get("last_checkpoint_step")
                st["state"] = "interrupted"
                st["eta_s"] = None
                st["error"] = (f"The server stopped during this run at step {st.get('step')}. "
                               + (f"Resume continues from its checkpoint at step {ck}." if ck is not None
                                  else "No checkpoint had been written, so it cannot be resumed."))
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
