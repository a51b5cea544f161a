"""RunLog, TrainingRun (files, controls, failures) and RunManager (limit and queue)."""

from __future__ import annotations

import dataclasses
import json
import math
import threading
import time
from pathlib import Path

import pytest
import torch

import gan_core.run as run_mod
from gan_core.checkpoint import load_models
from gan_core.checks import config_from_dict
from gan_core.config import TrainConfig
from gan_core.data import fashion_mnist
from gan_core.engine import METRICS, Engine
from gan_core.manager import RunManager
from gan_core.run import RunLog, TrainingRun
from gan_core.store import read_json, read_jsonl

pytestmark = pytest.mark.usefixtures("isolated")

TINY = {"dataset": "ring8", "arch": "mlp", "latent_dim": 2, "width": 16, "batch_size": 32, "log_every": 5,
        "device": "cpu", "seed": 0, "n_fixed": 16}


def cfg(**kw) -> TrainConfig:
    return TrainConfig(**{**TINY, **kw})


# ---------------------------------------------------------------------------- RunLog
def test_runlog_append_and_since():
    log = RunLog()
    assert len(log) == 0 and log.since(0) == {}
    log.append({"step": 1, "a": 0.5})
    log.append({"step": 2, "a": 0.25})
    assert len(log) == 2
    assert log.since(0) == {"step": [1, 2], "a": [0.5, 0.25]}
    assert log.since(1) == {"step": [2], "a": [0.25]}
    assert log.since(2) == {"step": [], "a": []}
    log.append({"step": 3, "b": 7.0})  # a new column, and a missing one
    got = log.since(0)
    assert got["step"] == [1, 2, 3]
    assert got["a"][:2] == [0.5, 0.25] and math.isnan(got["a"][2])
    assert all(math.isnan(v) for v in got["b"][:2]) and got["b"][2] == 7.0
    assert all(len(col) == len(log) for col in got.values())


def test_runlog_since_returns_copies():
    log = RunLog()
    log.append({"x": 1.0})
    got = log.since(0)
    got["x"].append(99.0)
    got["x"][0] = -1.0
    assert log.since(0) == {"x": [1.0]}


def test_runlog_concurrent_appends():
    log = RunLog()

    def writer(k):
        for i in range(500):
            log.append({"k": float(k), "i": float(i)})

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    seen = 0
    while any(t.is_alive() for t in threads):  # a reader polling at the same time
        new = log.since(seen)
        assert len(new.get("k", [])) == len(new.get("i", []))
        seen += len(new.get("k", []))
    for t in threads:
        t.join()
    assert len(log) == 2000
    got = log.since(0)
    assert sorted(got["k"]).count(3.0) == 500


def test_runlog_sample():
    log = RunLog()
    assert log.sample() is None
    log.set_sample({"step": 3})
    assert log.sample() == {"step": 3}


# ---------------------------------------------------------------------------- a finished run
def test_finished_run_writes_its_directory(tmp_path):
    c = cfg(steps=40, sample_every=20)
    out = tmp_path / "r1"
    run = TrainingRun(c, out)
    assert run.state == "queued"
    assert read_json(out / "status.json")["state"] == "queued"
    progress = []
    run.run(on_progress=lambda r: progress.append(r.step))
    assert run.state == "finished", run.error
    assert run.error is None and run.step == 40
    assert progress and progress[-1] == 40 and progress == sorted(progress)

    assert config_from_dict(read_json(out / "config.json")) == c
    st = read_json(out / "status.json")
    assert st["state"] == "finished" and st["step"] == 40 and st["steps"] == 40 and st["error"] is None
    assert st["device"] == "cpu" and st["last_checkpoint_step"] == 40

    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [5, 10, 15, 20, 25, 30, 35, 40]
    for r in rows:
        for k in (*METRICS, "lr_g", "lr_d", "time"):
            assert isinstance(r[k], float) and math.isfinite(r[k]), (k, r)
        assert r["lr_g"] == c.lr_g
    assert [r["time"] for r in rows] == sorted(r["time"] for r in rows)
    assert run.log.since(0)["step"] == [r["step"] for r in rows]  # the live log matches the file

    pngs = sorted(p.name for p in (out / "samples").glob("step_*.png"))
    assert pngs == ["step_0000000.png", "step_0000020.png", "step_0000040.png"]
    assert (out / "samples" / "step_0000040.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert run.log.sample()["step"] == 40 and run.log.sample()["kind"] == "points"

    ckpt = out / "checkpoints" / "last.safetensors"
    assert ckpt.is_file() and ckpt.with_suffix(".json").is_file()
    _, _, c2, meta = load_models(ckpt)
    assert c2 == c and meta["step"] == 40
    assert not list(out.rglob("*.tmp"))  # atomic writes leave no temporary files behind


# ---------------------------------------------------------------------------- controls from another thread
def test_pause_step_resume_stop(tmp_path, wait_for):
    run = TrainingRun(cfg(steps=1_000_000, sample_every=1_000_000, checkpoint_every_s=3600.0), tmp_path / "r")
    run.start()
    try:
        wait_for(lambda: run.state == "running" and run.step > 3, what="the run to start")
        run.pause()
        wait_for(lambda: run.state == "paused", what="the pause")
        s0 = run.step
        time.sleep(0.5)
        assert run.step == s0, "a paused run must not train"
        assert read_json(tmp_path / "r" / "status.json")["state"] == "paused"

        run.step_once()
        wait_for(lambda: run.step == s0 + 1 and run.state == "paused", what="one step")
        time.sleep(0.3)
        assert run.step == s0 + 1, "step_once advances exactly one step"
        assert run.log.since(0)["step"][-1] == s0 + 1  # that step's metrics are logged at once

        run.resume()
        wait_for(lambda: run.step > s0 + 10, what="training to resume")
        assert run.state == "running"
        run.stop()
        run.join(30)
        assert not run._thread.is_alive()
        assert run.state == "stopped"
        st = read_json(tmp_path / "r" / "status.json")
        assert st["state"] == "stopped" and st["step"] == run.step
        _, _, _, meta = load_models(tmp_path / "r" / "checkpoints" / "last.safetensors")
        assert meta["step"] == run.step  # stopping keeps the weights
    finally:
        run.stop()
        run.join(30)


def test_stop_while_paused(tmp_path, wait_for):
    run = TrainingRun(cfg(steps=1_000_000, sample_every=1_000_000), tmp_path / "r")
    run.start()
    wait_for(lambda: run.state == "running" and run.step > 0, what="the run to start")
    run.pause()
    wait_for(lambda: run.state == "paused", what="the pause")
    run.stop()
    run.join(30)
    assert run.state == "stopped"


# ---------------------------------------------------------------------------- failures
class NaNAfter25(Engine):
    """The engine with a generator loss that turns NaN from step 25 on."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        base, eng = self.loss.g_loss, self
        self.loss = dataclasses.replace(self.loss, g_loss=lambda f: base(f) * (float("nan") if eng.step >= 25 else 1.0))


def test_nan_ends_the_run_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setattr(run_mod, "Engine", NaNAfter25)
    out = tmp_path / "r"
    # checkpoint_every_s tiny: a checkpoint after every logged window (steps 5, 10, ..., 25)
    run = TrainingRun(cfg(steps=200, log_every=5, sample_every=1000, checkpoint_every_s=1e-6), out)
    run.run()
    assert run.state == "failed"
    err = run.error
    assert "diverged" in err.lower() and "non-finite" in err
    # step 26 is the first with a NaN loss, so the window ending at step 30 is the bad one
    assert "at step 30" in err, err
    assert "checkpoint" in err and "(step 25)" in err, err
    st = read_json(out / "status.json")
    assert st["state"] == "failed" and st["error"] == err and st["last_checkpoint_step"] == 25
    G, D, _, meta = load_models(out / "checkpoints" / "last.safetensors")
    assert meta["step"] == 25
    assert all(torch.isfinite(p).all() for p in (*G.parameters(), *D.parameters()))
    rows = read_jsonl(out / "metrics.jsonl")
    assert [r["step"] for r in rows] == [5, 10, 15, 20, 25]  # the good rows reached the disk
    assert len(run.log) == 5


def test_nan_before_any_checkpoint_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(run_mod, "Engine", NaNAfter25)
    run = TrainingRun(cfg(steps=200, log_every=5, checkpoint_every_s=3600.0), tmp_path / "r")
    run.run()
    assert run.state == "failed"
    assert "at step 30" in run.error
    assert "no checkpoint" in run.error.lower()
    assert "None" not in run.error


def test_missing_dataset_fails_with_the_data_error(tmp_path, monkeypatch):
    # no Debian copy and no download, whichever loader function the registry entry calls
    for fn in (getattr(fashion_mnist, n, None) for n in ("load_fashion_mnist", "fashion_mnist_raw")):
        if fn is not None and "debian_dir" in (fn.__kwdefaults__ or {}):
            monkeypatch.setitem(fn.__kwdefaults__, "debian_dir", tmp_path / "no-debian")
    monkeypatch.setitem(fashion_mnist.load_fashion_mnist.__kwdefaults__, "download", False)
    monkeypatch.setenv("GAN_DATA_DOWNLOAD", "0")
    c = TrainConfig(dataset="fashion-mnist", arch="mlp", width=8, batch_size=16, steps=5, device="cpu",
                    data_dir=str(tmp_path / "empty"))
    run = TrainingRun(c, tmp_path / "r")
    run.run()
    assert run.state == "failed"
    assert "Fashion-MNIST not found" in run.error
    assert str(tmp_path / "empty") in run.error
    st = read_json(tmp_path / "r" / "status.json")
    assert st["state"] == "failed" and st["error"] == run.error


def test_unexpected_error_fails_only_that_run(tmp_path, monkeypatch):
    class Boom(Engine):
        def train_step(self):
            raise RuntimeError("boom at the third step")

    monkeypatch.setattr(run_mod, "Engine", Boom)
    run = TrainingRun(cfg(steps=10), tmp_path / "r")
    run.run()
    assert run.state == "failed" and "boom" in run.error
    assert read_json(tmp_path / "r" / "status.json")["state"] == "failed"


# ---------------------------------------------------------------------------- RunManager
def test_manager_queues_beyond_the_limit(tmp_path, wait_for):
    mgr = RunManager(root=tmp_path / "runs", limits={"cpu": 1})
    try:
        first = mgr.submit(cfg(steps=1_000_000, sample_every=1_000_000), owner="a")
        second = mgr.submit(cfg(steps=20, seed=1), owner="b")
        assert second.state == "queued"
        assert mgr.queue_position(second.id) == 1
        assert mgr.queue_position(first.id) is None
        assert {r.id for r in mgr.runs()} == {first.id, second.id}
        assert [r.id for r in mgr.runs(owner="b")] == [second.id]
        assert mgr.get(first.id) is first
        wait_for(lambda: first.state == "running", what="the first run")
        time.sleep(0.3)
        assert second.state == "queued" and second.step == 0  # still waiting for the slot

        mgr.stop(first.id)
        wait_for(lambda: second.state == "finished", timeout=60, what="the queued run to start and finish")
        second.join(30)  # its status.json is written as the thread ends
        first.join(30)
        assert first.state == "stopped"
        assert mgr.queue_position(second.id) is None
        assert (tmp_path / "runs" / second.id / "checkpoints" / "last.safetensors").is_file()
        assert read_json(tmp_path / "runs" / second.id / "status.json")["state"] == "finished"
    finally:
        mgr.stop_all()


def test_manager_stop_a_queued_run(tmp_path, wait_for):
    mgr = RunManager(root=tmp_path / "runs", limits={"cpu": 1})
    try:
        first = mgr.submit(cfg(steps=1_000_000, sample_every=1_000_000))
        second = mgr.submit(cfg(steps=20))
        third = mgr.submit(cfg(steps=20))
        assert mgr.queue_position(third.id) == 2
        mgr.stop(second.id)
        assert second.state == "stopped" and mgr.queue_position(second.id) is None
        assert mgr.queue_position(third.id) == 1
        assert read_json(Path(second.dir) / "status.json")["state"] == "stopped"
        mgr.stop(first.id)
        wait_for(lambda: third.state == "finished", timeout=60, what="the third run")
        assert second.step == 0
    finally:
        mgr.stop_all()


def test_manager_runs_up_to_the_limit_at_once(tmp_path, wait_for):
    mgr = RunManager(root=tmp_path / "runs", limits={"cpu": 2})
    try:
        a = mgr.submit(cfg(steps=1_000_000, sample_every=1_000_000))
        b = mgr.submit(cfg(steps=1_000_000, sample_every=1_000_000))
        c = mgr.submit(cfg(steps=20))
        wait_for(lambda: a.state == "running" and b.state == "running", what="two runs")
        assert c.state == "queued" and mgr.queue_position(c.id) == 1
    finally:
        mgr.stop_all()
    assert a.state == "stopped" and b.state == "stopped"
