"""TrainingRun: one training run, driven in a thread for the app or in the caller for the CLI.

It builds the Engine, steps it, and records what happens in a RunLog (gan_core.runlog, polled by
readers) and a run directory (gan_core.store): metrics.jsonl, status.json, sample grids and the
checkpoint. Its controls (pause, resume, one step, stop) may be called from any thread. The
process-wide set of runs, the queue and the limits are gan_core.manager.RunManager.

Nothing here calls the UI: readers poll `RunLog.since(i)` and `TrainingRun.status()`.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gan_core.checkpoint import CheckpointError, load_training_state, save_checkpoint
from gan_core.checks import config_from_dict, validate_config
from gan_core.config import ConfigError, TrainConfig
from gan_core.data import DATASETS, DataError, load_dataset, load_raw
from gan_core.engine import Divergence, Engine, resolve_device
from gan_core.messages import Msg, message_of, to_doc
from gan_core.metrics.classifier import has_classifier, no_classifier_message
from gan_core.metrics.monitor import Monitor
from gan_core.monitored import IMAGE_SCORES, LOSSES, Watch, resolve
from gan_core.optim import follow_horizon
from gan_core.run_names import read_name, suggest_name, validate_name
from gan_core.runlog import RunLog
from gan_core.sampling import grid_image, png_bytes, points_image
from gan_core.store import (
    ACTIVE,
    DONE,
    append_jsonl,
    atomic_write_bytes,
    atomic_write_json,
    owner_digest,
    read_json,
    read_jsonl,
)
from gan_core.threads import lower_thread_priority

__all__ = ["ACTIVE", "DONE", "STATUS_EVERY_S", "RunLog", "TrainingRun", "check_can_start", "release_accelerator_memory"]

STATUS_EVERY_S = 1.0  # status.json / metrics.jsonl are written at most this often


def resumable(checkpoint_step: int | None) -> Msg:
    """What continuing an interrupted run can do: from its checkpoint, or nothing without one."""
    if checkpoint_step is None:
        return Msg("No checkpoint had been written, so it cannot be resumed.")
    return Msg("Resume continues from its checkpoint at step {step}.", step=checkpoint_step)


class TrainingRun:
    """One training run: its config, its directory, its state and its loop.

    States (gan_core.store's ACTIVE and DONE): queued -> starting -> running <-> paused, ending as
    finished (its steps or its time limit), stopped (stop(); resumable), failed (the error says
    why) or interrupted (a KeyboardInterrupt, or recover() after the server died; resumable).
    The controls may be called from any thread; the loop reads them between steps. Readers poll
    `log` (RunLog) and status(); status.json and metrics.jsonl follow at most every STATUS_EVERY_S.
    """

    def __init__(self, cfg: TrainConfig, run_dir: str | Path, run_id: str | None = None, owner: str | None = None,
                 resume: bool = False, name: str | None = None):
        self.cfg = validate_config(cfg)
        check_monitor_scorable(self.cfg)  # before anything is written: the monitored score must be computable
        self.dir = Path(run_dir)
        self.id = run_id or self.dir.name
        self.owner = owner  # the session that controls it; status.json keeps its digest (store.owner_digest)
        self._owner_on_disk: str | None = None  # a continued run's digest, kept when continued without an owner
        # a readable name (gan_core.run_names); a continued run keeps the one on disk
        self.name = validate_name(name) if name is not None else (
            resume and read_name(self.dir) or suggest_name(self.cfg))
        self.log = RunLog()
        self.state = "queued"
        self.error: str | None = None  # a Msg when written here: status.json keeps its template too (error_msg)
        self.step = 0
        self.device_used: str | None = None
        self.gpu: int | None = None  # the CUDA GPU the manager placed this run on (None: the current one)
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
        self._watch: Watch | None = None  # the monitored score's best so far (gan_core.monitored)
        self.best: dict[str, Any] | None = None  # {metric, value, step} of checkpoints/best.safetensors
        self.stop_reason: str | None = None  # why a run finished early (early stopping), in words
        self._stop = threading.Event()
        self._running = threading.Event()  # set = not paused
        self._running.set()
        self._single_steps = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._on_end: list[Callable[[TrainingRun], None]] = []
        self._recent: deque[tuple[float, int]] = deque(maxlen=20)  # (train_seconds, step) for the rate
        self._resume = resume
        self._pending: list[dict[str, Any]] = []  # rows logged but not yet in metrics.jsonl
        self._t_mark = self._last_io = self._last_ckpt = 0.0  # monotonic marks of the loop (_loop sets them)
        (self.dir / "samples").mkdir(parents=True, exist_ok=True)
        (self.dir / "checkpoints").mkdir(exist_ok=True)
        if resume:
            self._prepare_resume()
            try:
                self._owner_on_disk = read_json(self.dir / "status.json").get("owner")
            except (OSError, ValueError):
                pass
        atomic_write_json(self.dir / "config.json", cfg.to_dict())
        self._write_status()

    @classmethod
    def resume_from(cls, run_dir: str | Path, steps: int | None = None, owner: str | None = None,
                    time_limit: float | None = None) -> TrainingRun:
        """A run that continues an earlier one from its last checkpoint: same config (optionally
        more steps, or another time limit), step count continued, metrics appended. A time limit
        counts from the continuation: a run that ended by its limit trains that long again."""
        run_dir = Path(run_dir)
        if not (run_dir / "config.json").is_file():
            raise CheckpointError(f"{run_dir}: not a run directory (no config.json)")
        cfg = config_from_dict(read_json(run_dir / "config.json"))
        if steps is not None:
            cfg = validate_config(cfg.replace(steps=steps))
        if time_limit is not None:
            cfg = validate_config(cfg.replace(time_limit=float(time_limit)))
        return cls(cfg, run_dir, run_dir.name, owner=owner, resume=True)

    def _prepare_resume(self) -> None:
        """Read the checkpoint's step and keep only the metrics up to it (rows logged after the
        last checkpoint belong to steps that will be trained again)."""
        _tensors, doc = load_training_state(self.dir / "checkpoints" / "last.safetensors")
        step = int(doc["training"]["step"])
        if step >= self.cfg.steps:
            raise ConfigError("steps", f"the checkpoint is at step {step}; ask for more steps than that to resume")
        self.step = self.last_checkpoint_step = step
        self.train_seconds = float(doc.get("meta", {}).get("train_seconds", 0.0))
        rows = [r for r in read_jsonl(self.dir / "metrics.jsonl") if r.get("step", 0) <= step]
        atomic_write_bytes(self.dir / "metrics.jsonl", "".join(json.dumps(r) + "\n" for r in rows).encode())
        for r in rows:
            self.log.append(r)

    # ------------------------------------------------------------------ controls (any thread)
    def start(self, nice: int = 0) -> None:
        """Train in a background daemon thread, `nice` below the process's priority (the server's
        pages answer first on a busy CPU: gan_core.threads.lower_thread_priority)."""
        self._thread = threading.Thread(target=self._background, args=(nice,), name=f"train-{self.id}", daemon=True)
        self._thread.start()

    def _background(self, nice: int) -> None:
        lower_thread_priority(nice)
        self.run()

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
    def stopping(self) -> bool:
        """stop() was called: the run ends after its current step (or at once while queued or paused)."""
        return self._stop.is_set()

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
            "error": self.error, "error_msg": to_doc(self.error), "device": self.device_used, "created": self.created,
            "train_seconds": round(self.train_seconds, 3), "steps_per_s": round(rate, 2) if running else None,
            "eta_s": _eta(left / rate if rate > 0 else None, self.cfg.time_limit, self.train_seconds - self._time_base)
            if running else None,
            "time_limit": self.cfg.time_limit, "ended_by": self.ended_by,
            "last_checkpoint_step": self.last_checkpoint_step, "dataset": self.cfg.dataset,
            "arch": self.cfg.arch, "loss": self.cfg.loss, "alarms": list(self.alarms),
            "phase": self.phase, "accel": self.accel, "best": self.best, "stop_reason": self.stop_reason,
            "stop_reason_msg": to_doc(self.stop_reason),
            "owner": owner_digest(self.owner) if self.owner is not None else self._owner_on_disk,
        }

    # ------------------------------------------------------------------ the loop
    def run(self, on_progress: Callable[[TrainingRun], None] | None = None) -> None:
        """The one training loop (thread body for the app, called directly by the CLI).

        Always ends in one of DONE's states with status.json written. A KeyboardInterrupt that
        reaches it (the CLI's second Ctrl-C; its first one calls stop(), which ends the run as
        "stopped" after the current step with a final checkpoint) ends it as "interrupted", keeping
        the last checkpoint, and is raised on to the caller."""
        engine = None
        try:
            engine, real_preview = self._start()
            self._loop(engine, real_preview, on_progress)
        except Divergence as e:
            why = message_of(e)
            kept = (Msg("The last good checkpoint is kept (step {step})", step=self.last_checkpoint_step)
                    if self.last_checkpoint_step is not None else
                    Msg("No checkpoint had been written yet (the first comes after checkpoint_every_s)"))
            self.error = Msg("Training diverged: {why}. {kept}. Try a lower learning rate, WGAN-GP, or more D steps.",
                             why=why, kept=kept)
            if self._monitor is not None:
                self._monitor.on_divergence(self.step, why)
            self.state = "failed"
        except DataError as e:
            self.error = message_of(e)
            self.state = "failed"
        except KeyboardInterrupt:
            ck = self.last_checkpoint_step
            self.error = Msg("Interrupted (Ctrl-C) at step {step}. {then}", step=self.step, then=resumable(ck))
            self.state = "interrupted"
            raise
        except Exception as e:
            msg = Msg("{kind}: {error}", kind=type(e).__name__, error=message_of(e))
            if "out of memory" in str(e).lower():
                msg = Msg("Out of memory: {error}. Try a smaller batch size or model width.", error=message_of(e))
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

    def _start(self) -> tuple[Engine, np.ndarray | None]:
        """Device, data, engine and monitor; the checkpoint when continuing; torch.compile.
        -> (engine, real points to draw behind 2-D samples or None)."""
        self.state = "starting"
        self._write_status()
        device = resolve_device(self.cfg.device)
        if device.type == "cuda" and self.gpu is not None:  # the manager's choice among several GPUs
            device = torch.device("cuda", self.gpu)
            torch.cuda.set_device(device)  # this thread's current GPU (caches, memory stats, cuDNN handles)
        self.device_used = str(device)
        data = load_dataset(self.cfg, device=device)  # preprocessing + memory check
        engine = self._make_engine(data, device)
        self._monitor = Monitor(self.cfg, data, engine, self.dir, self.alarms, self.scores)
        self._watch = Watch.of(resolve(self.cfg.monitor, data.kind))
        if self._resume:
            self._restore(engine)
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
        return engine, real_preview

    def _make_engine(self, data, device) -> Engine:
        """The engine of this run (gan_core.distributed's LeaderRun makes rank 0's)."""
        return Engine(self.cfg, data, device, init_weights=not self._resume)

    def _restore(self, engine: Engine) -> None:
        """Load the checkpoint into a new engine: weights, optimiser and schedule state, RNG, step."""
        tensors, doc = load_training_state(self.dir / "checkpoints" / "last.safetensors")
        for prefix, net in (("G.", engine.G), ("D.", engine.D)):
            net.load_state_dict({k[2:]: v for k, v in tensors.items() if k.startswith(prefix)})
        engine.load_training_state({k[6:]: v for k, v in tensors.items() if k.startswith("train.")},
                                   doc["training"])
        for sched, opt in ((engine.sched_g, engine.opt_g), (engine.sched_d, engine.opt_d)):
            # continued to more steps: the schedule follows the new total (the rule: optim.follow_horizon)
            follow_horizon(sched, opt, self.cfg.schedule, steps=self.cfg.steps, warmup_steps=self.cfg.warmup_steps)
        self.step = engine.step
        self._restore_watch(doc.get("meta", {}).get("watch") or {})

    def _restore_watch(self, saved: dict[str, Any]) -> None:
        """The watch as the last checkpoint saved it; a best checkpoint written after that one (the run
        stopped before the next refresh of last.safetensors) still holds the best model, so its value stays
        the one to beat, and the file is not replaced by a worse model."""
        self._watch.load_state_dict(saved)
        try:
            _t, best_doc = load_training_state(self.dir / "checkpoints" / "best.safetensors")
        except CheckpointError:
            best_doc = {}
        kept = best_doc.get("meta", {}).get("best") or {}
        if kept.get("metric") == self._watch.metric and isinstance(kept.get("value"), (int, float)) and (
                self._watch.best is None or self._watch.better(float(kept["value"]))):
            self._watch.best, self._watch.best_step = float(kept["value"]), int(kept["step"])
        if self._watch.best is not None:
            self.best = {"metric": self._watch.metric, "value": self._watch.best, "step": self._watch.best_step}

    def _loop(self, engine: Engine, real_preview: np.ndarray | None, on_progress: Callable | None) -> None:
        """Train until the steps are done, the time limit is reached or stop() is called, then end
        with a last window, sample grid and checkpoint. Every `log_every` steps (and at a single
        step, at the time limit and at the last step) one window of metrics is closed: logged,
        scored by the monitor, written to disk at most every STATUS_EVERY_S, checkpointed every
        checkpoint_every_s. Rows not yet on disk are written on any exit (a divergence too)."""
        self._pending: list[dict[str, Any]] = []
        self._last_io = self._last_ckpt = self._t_mark = time.monotonic()
        self._time_base = self.train_seconds
        try:
            while engine.step < self.cfg.steps and self._wait_while_paused():
                engine.train_step()
                self.step = engine.step
                single = self._took_single_step()
                timed_out = self._time_is_up()
                if single or timed_out or self.step % self.cfg.log_every == 0 or self.step == self.cfg.steps:
                    now = self._close_window(engine, final=timed_out)
                    self._maybe_checkpoint(engine, now)
                    self._maybe_write(now)
                    if on_progress:
                        on_progress(self)
                    if self._no_longer_improving():
                        self.ended_by = "early_stop"
                        break
                if single or self.step % self.cfg.sample_every == 0:
                    self._sample(engine, real_preview)
                if timed_out:
                    self.ended_by = "time_limit"
                    break
            self._finish(engine, real_preview)
        finally:
            self._write_pending()

    # pause / step control
    def _wait_while_paused(self) -> bool:
        """Before a step: block while paused (pauses are not training time). False: stop now."""
        if self._stop.is_set():
            return False
        if self._running.is_set():
            return True
        self.state = "paused"
        self._bank_time()
        self._write_status()
        self._running.wait()
        self._t_mark = time.monotonic()
        if self._stop.is_set():
            return False
        self.state = "running"
        self._write_status()
        return True

    def _took_single_step(self) -> bool:
        """True when this step was one asked for by step_once(): pause again after it."""
        with self._lock:
            if self._single_steps <= 0:
                return False
            self._single_steps -= 1
            self._running.clear()
            return True

    # timing
    def _bank_time(self) -> float:
        """Add the training time since the last mark to train_seconds and mark now; -> now."""
        now = time.monotonic()
        self.train_seconds += now - self._t_mark
        self._t_mark = now
        return now

    def _time_is_up(self) -> bool:
        """The time limit counts training time only (pauses excluded): one clock read per step.
        A continued run gets the whole limit again (_time_base: its training time when it started)."""
        limit = self.cfg.time_limit
        return limit > 0 and self.train_seconds - self._time_base + time.monotonic() - self._t_mark >= limit

    # metrics, monitoring, flushing, checkpoint cadence
    def _close_window(self, engine: Engine, final: bool) -> float:
        """Flush the engine's window (one device->host transfer) into a row: logged, with scores
        every score_every steps and once more at the end (`final`), and alarms. Raises Divergence
        on NaN/Inf or an exploding loss. -> the time the window closed."""
        w = engine.flush()
        now = self._bank_time()
        self._recent.append((self.train_seconds, self.step))
        row = {"step": w.step, "time": round(self.train_seconds, 4), **w.values}
        row.update(self._monitor.on_window(engine, row, final=final))
        self._log_row(row)
        self._monitor.raise_if_diverged()  # an exploding loss ends the run as a NaN does
        self._observe(engine, row)
        return now

    def _observe(self, engine: Engine, row: dict[str, Any]) -> None:
        """A row that holds the monitored score: plateau decay hears it (the LR of the next rows shows a
        drop), and a new best value is kept in checkpoints/best.safetensors (not while a loss is blowing up)."""
        value = self._watch.value_in(row)
        if value is None:
            return
        if self.cfg.schedule == "plateau":
            engine.observe_score(value)
        if self._watch.observe(self.step, value) and self._monitor.healthy:
            self._checkpoint(engine, best=True)
            self.best = {"metric": self._watch.metric, "value": value, "step": self.step}

    def _no_longer_improving(self) -> bool:
        """Early stopping: the monitored score has gone early_stop observations without a new best."""
        n = self.cfg.early_stop
        if n <= 0 or self._watch is None or self._watch.best is None or self._watch.since_best < n:
            return False
        what = Msg("scorings") if self._watch.metric not in LOSSES else Msg("logged windows")
        self.stop_reason = Msg("Early stopping at step {step}: {metric} has not improved for {n} {what} (best "
                               "{best:.4g} at step {best_step}, kept in checkpoints/best.safetensors).",
                               step=self.step, metric=self._watch.metric, n=n, what=what, best=self._watch.best,
                               best_step=self._watch.best_step)
        return True

    def _log_row(self, row: dict[str, Any]) -> None:
        self.log.append(row)
        self._pending.append(row)

    def _maybe_checkpoint(self, engine: Engine, now: float) -> None:
        """Every checkpoint_every_s, unless a loss is blowing up (the last good checkpoint stays)."""
        if now - self._last_ckpt >= self.cfg.checkpoint_every_s and self._monitor.healthy:
            self._checkpoint(engine)
            self._last_ckpt = time.monotonic()

    def _maybe_write(self, now: float) -> None:
        """metrics.jsonl and status.json at most every STATUS_EVERY_S, and at the last step."""
        if now - self._last_io >= STATUS_EVERY_S or self.step == self.cfg.steps:
            self._write_pending()
            self._write_status()
            self._last_io = now

    def _write_pending(self) -> None:
        append_jsonl(self.dir / "metrics.jsonl", self._pending)
        self._pending.clear()

    def _finish(self, engine: Engine, real_preview: np.ndarray | None) -> None:
        """The end of the loop, however it came: a last window of fewer than log_every steps, the
        final sample grid and checkpoint, and the state (finished by steps or time, else stopped)."""
        self._bank_time()
        if engine._count:
            w = engine.flush()
            self._log_row({"step": w.step, "time": round(self.train_seconds, 4), **w.values})
        self._write_pending()
        self._sample(engine, real_preview)
        self._checkpoint(engine)
        if engine.step >= self.cfg.steps and self.ended_by is None:
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

    def _checkpoint(self, engine: Engine, best: bool = False) -> None:
        """checkpoints/last.safetensors, or (`best`) best.safetensors: the same format, the best one with the
        monitored score's value in its meta ("best")."""
        if not engine.weights_finite():  # never replace the last good checkpoint with NaN weights
            raise Divergence(Msg("non-finite weights at step {step}", step=engine.step))
        meta = {"step": engine.step, "train_seconds": round(self.train_seconds, 3), "device": self.device_used,
                "run_id": self.id, "sample_shape": list(engine.x.shape[1:])}
        if self._watch is not None:
            meta["watch"] = self._watch.state_dict()  # a continued run goes on counting from here
            if best:
                meta["best"] = {"metric": self._watch.metric, "value": self._watch.best, "step": engine.step}
        save_checkpoint(self.dir / "checkpoints" / f"{'best' if best else 'last'}.safetensors", engine.G_sample,
                        engine.D, self.cfg, meta, training=engine.training_state())
        if not best:
            self.last_checkpoint_step = engine.step

    def _write_status(self) -> None:
        atomic_write_json(self.dir / "status.json", self.status())


def check_monitor_scorable(cfg: TrainConfig) -> None:
    """Plateau decay or early stopping on a classifier-feature score needs the dataset's classifier
    (pretrained/classifier-NAME.safetensors; your own image folders have none): refused otherwise, with
    the scores that remain. (gan_core.checks.check_monitor refuses what the config alone shows.)"""
    metric = resolve(cfg.monitor, "image")
    if (cfg.schedule != "plateau" and cfg.early_stop <= 0 and cfg.monitor == "auto") or metric not in IMAGE_SCORES:
        return
    try:
        if DATASETS.get(cfg.dataset).kind != "image" or has_classifier(cfg.dataset):
            return
    except (KeyError, ValueError):
        return
    raise ConfigError("monitor", f"{metric!r} is a score on the features of a classifier trained on the dataset, and "
                      f"there is none for {cfg.dataset!r} ({no_classifier_message(cfg.dataset)}); monitor d_loss "
                      "or g_loss instead")


def check_can_start(cfg: TrainConfig) -> None:
    """Refuse, before a run directory exists, what would fail a new run in its first seconds and
    leave a failed run behind: a device that is not here (RuntimeError: 'cuda' without a GPU) and
    data that cannot be read (DataError: a missing MNIST/CIFAR file, download off or failing). The
    data's files are read once: load_raw caches them, so the run that follows reuses them."""
    resolve_device(cfg.device)
    load_raw(cfg)


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
    except Exception:
        pass
