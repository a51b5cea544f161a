"""Fault test: kill -9 a training process mid-run, then check that nothing on disk is torn, that a
restarted RunManager lists the run as interrupted, and that `train --resume` continues it from the
checkpoint's step.

The training process is the CLI (`python -m gan_core train`): it runs the same TrainingRun loop
as the app, so its run directory is what a killed server leaves behind. The same fault through
the real Streamlit server and a browser is tests/e2e/test_server_restart.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gan_core.checkpoint import load_models, load_training_state
from gan_core.manager import RunManager
from gan_core.store import read_json, read_jsonl

pytestmark = pytest.mark.usefixtures("isolated")

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 45.0  # import torch + first checkpoint on a busy 2-core machine


def _env(tmp: Path) -> dict[str, str]:
    # one OpenMP thread: tiny models, and a shared 2-core CPU (see conftest.isolated)
    return {**os.environ, "GAN_RUNS_DIR": str(tmp / "runs"), "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


def _status(run_dir: Path) -> dict:
    try:
        return read_json(run_dir / "status.json")
    except (OSError, ValueError):
        return {}


def _start_and_kill(run_dir: Path, tmp: Path) -> dict:
    """Start a long CLI run, wait for a checkpoint (weights + sidecar) while it is running, then
    SIGKILL it. Returns the last status the process wrote."""
    log = open(tmp / "train.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "gan_core", "train", "--preset", "ring8-mlp", "--steps", "200000",
                             "--checkpoint-every-s", "1", "--out", str(run_dir)],
                            cwd=REPO, env=_env(tmp), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        ck = run_dir / "checkpoints" / "last.safetensors"
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert proc.poll() is None, f"train exited early ({proc.returncode}):\n{(tmp / 'train.log').read_text()}"
            st = _status(run_dir)
            if ck.is_file() and ck.with_suffix(".json").is_file() and st.get("state") == "running" \
                    and (st.get("last_checkpoint_step") or 0) > 0:
                break
            assert time.monotonic() < deadline, f"no checkpoint after {START_TIMEOUT_S} s; status {st}"
            time.sleep(0.05)
        time.sleep(0.7)  # land somewhere in the loop, between or during writes
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    return _status(run_dir)


def _check_files_complete(run_dir: Path) -> tuple[int, list[dict]]:
    """Every file a reader uses is whole. Returns (checkpoint step, metrics rows)."""
    from PIL import Image

    for name in ("config.json", "status.json", "checkpoints/last.json"):
        json.loads((run_dir / name).read_text())  # raises on a torn file
    _G, _D, cfg, meta = load_models(run_dir / "checkpoints" / "last.safetensors")
    assert cfg.steps == 200000
    _tensors, doc = load_training_state(run_dir / "checkpoints" / "last.safetensors")  # optimiser state too
    ck_step = int(doc["training"]["step"])
    assert ck_step == meta["step"] > 0

    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    assert lines, "no metrics were written before the kill"
    for i, line in enumerate(lines):
        try:
            json.loads(line)
        except json.JSONDecodeError:
            assert i == len(lines) - 1, f"metrics.jsonl line {i + 1} of {len(lines)} is torn: {line!r}"
    rows = read_jsonl(run_dir / "metrics.jsonl")  # the reader copes with a cut-short last line
    assert len(rows) >= len(lines) - 1
    steps = [r["step"] for r in rows]
    assert steps == sorted(set(steps)), "metrics steps must be strictly increasing"

    pngs = sorted((run_dir / "samples").glob("step_*.png"))
    assert pngs
    for p in pngs:
        with Image.open(p) as im:
            im.verify()  # raises on a truncated PNG
    # Only atomic-write temporaries may be left by the kill; every real file name is whole.
    for p in run_dir.rglob("*"):
        if p.is_file() and p.name.startswith("."):
            assert p.name.endswith(".tmp"), p
    return ck_step, rows


def _torn_tail(path: Path) -> None:
    """Make the last metrics line cut short, as a kill in the middle of an append would."""
    text = path.read_text()
    with open(path, "a") as f:
        f.write(text.splitlines()[-1][: len(text.splitlines()[-1]) // 2])


def test_kill9_mid_run_then_recover_and_resume(tmp_path):
    run_dir = tmp_path / "runs" / "killed-run"
    last = _start_and_kill(run_dir, tmp_path)
    assert last.get("state") == "running", last

    ck_step, rows = _check_files_complete(run_dir)
    _torn_tail(run_dir / "metrics.jsonl")  # the worst case of a kill during an append
    assert read_jsonl(run_dir / "metrics.jsonl") == rows

    # ---- a restarted server's manager lists the run as interrupted, with a message
    manager = RunManager(tmp_path / "runs")
    assert manager.recover() == ["killed-run"]
    st = read_json(run_dir / "status.json")
    assert st["state"] == "interrupted"
    assert f"checkpoint at step {ck_step}" in st["error"] and "server stopped" in st["error"]
    assert st["last_checkpoint_step"] == ck_step
    assert RunManager(tmp_path / "runs").recover() == []  # idempotent

    # ---- resume continues from the checkpoint's step
    target = ck_step + 30
    r = subprocess.run([sys.executable, "-m", "gan_core", "train", "--resume", str(run_dir), "--steps", str(target)],
                       cwd=REPO, env=_env(tmp_path), capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"finished: {target}/{target} steps" in r.stdout
    st = read_json(run_dir / "status.json")
    assert st["state"] == "finished" and st["step"] == target and st["error"] is None
    assert st["last_checkpoint_step"] == target

    after = read_jsonl(run_dir / "metrics.jsonl")
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    assert len(after) == len(lines), "the resumed file has no torn line left"
    steps = [row["step"] for row in after]
    assert len(steps) == len(set(steps)), "duplicate steps in metrics.jsonl"
    assert steps == sorted(steps)
    old = [row for row in after if row["step"] <= ck_step]
    new = [row for row in after if row["step"] > ck_step]
    assert old == [row for row in rows if row["step"] <= ck_step], "rows up to the checkpoint are kept as they were"
    assert new and new[0]["step"] == ck_step + 10, [row["step"] for row in new]  # log_every = 10
    assert new[-1]["step"] == target
    assert new[0]["time"] >= old[-1]["time"]  # train_seconds continues too
    _G, _D, _cfg, meta = load_models(run_dir / "checkpoints" / "last.safetensors")
    assert meta["step"] == target
    assert (run_dir / "samples" / f"step_{ck_step:07d}.png").is_file()


# ---------------------------------------------------------------------------- faults of one run
TINY = {"dataset": "ring8", "arch": "mlp", "latent_dim": 2, "width": 16, "batch_size": 32, "log_every": 5,
        "device": "cpu", "seed": 0, "n_fixed": 16, "score_every": 0}


def test_out_of_memory_fails_only_that_run_and_releases_its_memory(tmp_path, monkeypatch, wait_for):
    """A CUDA OOM (simulated: the same exception class torch raises) ends that run with the advice
    to lower the batch size; the run drops every reference to its engine (so its tensors can be
    freed), torch.cuda.empty_cache() is called, and a run beside it trains on to the end."""
    import gc
    import weakref

    import torch

    import gan_core.run as run_mod
    from gan_core.config import TrainConfig
    from gan_core.engine import Engine

    engines: dict[int, weakref.ref] = {}  # seed -> the run's engine

    class OOMAtStep3(Engine):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            engines[self.cfg.seed] = weakref.ref(self)

        def train_step(self):
            if self.cfg.seed == 1 and self.step >= 3:
                raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
            return super().train_step()

    released = []  # per call: is the failed run's engine unreachable by then?

    def release():
        gc.collect()
        released.append(engines[1]() is None)  # the OOM'd run (seed 1) ends first

    monkeypatch.setattr(run_mod, "Engine", OOMAtStep3)
    monkeypatch.setattr(run_mod, "release_accelerator_memory", release)
    mgr = RunManager(tmp_path / "runs", limits={"cpu": 2})
    try:
        ok = mgr.submit(TrainConfig(**{**TINY, "steps": 60, "seed": 0}), owner="a")
        bad = mgr.submit(TrainConfig(**{**TINY, "steps": 60, "seed": 1}), owner="b")
        wait_for(lambda: not bad.active and not ok.active, timeout=60, what="both runs to end")
        bad.join(10)
        ok.join(10)
    finally:
        mgr.stop_all()
    assert bad.state == "failed"
    assert "out of memory" in bad.error.lower() and "batch size" in bad.error, bad.error
    assert read_json(bad.dir / "status.json")["error"] == bad.error
    assert ok.state == "finished" and ok.error is None and ok.step == 60
    assert len(released) == 2, "the memory release (torch.cuda.empty_cache) did not run at the end of each run"
    assert all(released), "the failed run still held its engine when the cache was emptied"
    gc.collect()
    assert sorted(engines) == [0, 1] and all(r() is None for r in engines.values()), "a run still holds its engine"


def test_divergence_message_says_the_step_and_what_to_try(tmp_path, monkeypatch):
    import torch

    import gan_core.run as run_mod
    from gan_core.config import TrainConfig
    from gan_core.engine import Engine

    class NaNFrom12(Engine):
        def train_step(self):
            out = super().train_step()
            if self.step >= 12:
                with torch.no_grad():
                    for p in self.G.parameters():
                        p.fill_(float("nan"))
            return out

    monkeypatch.setattr(run_mod, "Engine", NaNFrom12)
    from gan_core.run import TrainingRun

    run = TrainingRun(TrainConfig(**{**TINY, "steps": 100, "checkpoint_every_s": 1e-6}), tmp_path / "r")
    run.run()
    assert run.state == "failed"
    assert "at step 15" in run.error, run.error  # the first logged window with the NaN (log_every 5)
    assert "lower learning rate" in run.error and "(step 10)" in run.error, run.error
    _G, _D, _cfg, meta = load_models(tmp_path / "r" / "checkpoints" / "last.safetensors")
    assert meta["step"] == 10  # the last good checkpoint is kept, not overwritten with NaN weights


def test_runlog_memory_is_capped_and_keeps_sparse_scores():
    """A run of any length holds at most max_rows metric rows in memory (the file has them all);
    compaction halves the resolution but never drops a row with a sparse score in it."""
    from gan_core.run import RunLog

    log = RunLog(max_rows=1000)
    for step in range(1, 20_001):
        row = {"step": step, "d_loss": 1.0 / step}
        if step % 97 == 0:
            row["fd"] = float(step)
        log.append(row)
        assert len(log) < 1000
    cols = log.since(0)
    assert len(cols["step"]) == len(log) >= 500
    assert cols["step"] == sorted(cols["step"]) and cols["step"][0] == 1 and cols["step"][-1] == 20_000
    scored = [s for s, f in zip(cols["step"], cols["fd"]) if f == f]
    assert scored == list(range(97, 20_001, 97)), "a scored row was dropped"

    # sparse values too many to keep them all: still bounded (and not compacting at every append)
    log = RunLog(max_rows=100)
    for step in range(1, 5_001):
        log.append({"step": step, **({"fd": 1.0} if step % 3 == 0 else {})})
        assert len(log) < 100
    assert 50 <= len(log) and log.since(0)["step"][-1] == 5_000


# ---------------------------------------------------------------------------- a class on one server
def test_per_session_limit_refuses_the_extra_run_only(tmp_path):
    from gan_core.config import TrainConfig
    from gan_core.manager import LimitError

    mgr = RunManager(tmp_path / "runs", limits={"cpu": 1}, per_owner=2)
    try:
        long = {**TINY, "steps": 1_000_000, "sample_every": 1_000_000}
        mgr.submit(TrainConfig(**long), owner="a")
        queued = mgr.submit(TrainConfig(**long), owner="a")
        with pytest.raises(LimitError, match="limit per session is 2"):
            mgr.submit(TrainConfig(**long), owner="a")
        other = mgr.submit(TrainConfig(**long), owner="b")  # another student is not affected
        assert mgr.queue_position(queued.id) == 1 and mgr.queue_position(other.id) == 2
        mgr.stop(queued.id)
        mgr.submit(TrainConfig(**long), owner="a")  # a slot of a's own freed
    finally:
        mgr.stop_all()


def test_closed_tab_stops_its_run_keeps_the_checkpoint_and_it_can_be_continued(tmp_path, wait_for):
    """A run whose page sends no heartbeat for orphan_timeout_s is stopped with its checkpoint;
    a run whose page keeps polling goes on; a stopped run continues from its checkpoint's step."""
    import threading

    from gan_core.config import TrainConfig

    mgr = RunManager(tmp_path / "runs", limits={"cpu": 2}, orphan_timeout_s=1.5)
    beating = threading.Event()

    def page_of_b():  # the open tab: the Train page's fragment sends a heartbeat every second
        while not beating.wait(0.1):
            mgr.heartbeat("b")

    t = threading.Thread(target=page_of_b, daemon=True)
    t.start()
    try:
        long = {**TINY, "steps": 1_000_000, "sample_every": 1_000_000, "checkpoint_every_s": 0.2}
        gone = mgr.submit(TrainConfig(**long), owner="a")  # its tab was closed: no heartbeat
        watched = mgr.submit(TrainConfig(**{**long, "seed": 1}), owner="b")
        wait_for(lambda: gone.state == "stopped", timeout=60, what="the orphaned run to be stopped")
        gone.join(30)
        assert "no page showed it" in gone.error and "checkpoint is kept" in gone.error
        assert watched.state == "running", "the run whose page is open was stopped too"
        st = read_json(gone.dir / "status.json")
        assert st["state"] == "stopped" and st["last_checkpoint_step"] == gone.step > 0
        ck = gone.step
        again = mgr.resume(gone.id, owner="c", steps=ck + 15)  # a reload / another tab continues it
        mgr.heartbeat("c")
        wait_for(lambda: again.state == "finished", timeout=60, what="the continued run")
        again.join(30)
        assert again.step == ck + 15 and again.id == gone.id
        assert read_jsonl(again.dir / "metrics.jsonl")[-1]["step"] == ck + 15
    finally:
        beating.set()
        mgr.stop_all()

