"""The server's training threads run at a lower OS priority than its pages (issue 15: a click on
Start answered within 1 s with a class on the server), and still train."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from gan_core.config import TrainConfig
from gan_core.manager import RunManager, train_nice
from gan_core.threads import lower_thread_priority

pytestmark = [pytest.mark.usefixtures("isolated"),
              pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads Linux's per-thread nice")]

TINY = {"dataset": "ring8", "arch": "mlp", "latent_dim": 2, "width": 16, "batch_size": 32, "log_every": 5,
        "device": "cpu", "seed": 0, "n_fixed": 16, "sample_every": 1_000_000, "checkpoint_every_s": 3600.0,
        "score_every": 0}


def nice_of(tid: int) -> int:
    """Field 19 of /proc/self/task/<tid>/stat: the thread's nice value."""
    raw = Path(f"/proc/self/task/{tid}/stat").read_text()
    return int(raw.rsplit(")", 1)[1].split()[16])


def test_lower_thread_priority_touches_only_the_calling_thread():
    base = os.getpriority(os.PRIO_PROCESS, 0)
    seen = {}

    def body():
        seen["returned"] = lower_thread_priority(5)
        seen["nice"] = nice_of(threading.get_native_id())

    t = threading.Thread(target=body)
    t.start()
    t.join(10)
    assert seen == {"returned": min(19, base + 5), "nice": min(19, base + 5)}
    assert nice_of(threading.get_native_id()) == base  # the caller's thread is not touched
    assert lower_thread_priority(0) is None


def test_manager_trains_in_a_nice_thread(tmp_path, wait_for, monkeypatch):
    monkeypatch.setenv("GAN_TRAIN_NICE", "7")
    base = os.getpriority(os.PRIO_PROCESS, 0)
    mgr = RunManager(root=tmp_path / "runs", limits={"cpu": 1})
    try:
        run = mgr.submit(TrainConfig(**{**TINY, "steps": 1_000_000}), owner="a")
        wait_for(lambda: run.state == "running" and run.step > 10, timeout=60, what="the run to train")
        assert nice_of(run._thread.native_id) == min(19, base + 7)
        s0 = run.step
        wait_for(lambda: run.step > s0 + 10, timeout=60, what="the nice'd run to keep training")
        assert nice_of(threading.get_native_id()) == base  # the pages' threads keep their priority
    finally:
        mgr.stop_all()


def test_nice_zero_keeps_the_priority(tmp_path, wait_for, monkeypatch):
    monkeypatch.setenv("GAN_TRAIN_NICE", "0")
    base = os.getpriority(os.PRIO_PROCESS, 0)
    mgr = RunManager(root=tmp_path / "runs", limits={"cpu": 1})
    try:
        run = mgr.submit(TrainConfig(**{**TINY, "steps": 1_000_000}), owner="a")
        wait_for(lambda: run.state == "running", timeout=60, what="the run to start")
        assert nice_of(run._thread.native_id) == base
    finally:
        mgr.stop_all()


def test_default_and_bad_values(monkeypatch):
    monkeypatch.delenv("GAN_TRAIN_NICE", raising=False)
    assert train_nice() == 10
    for bad in ("-1", "20", "low", "2.5"):
        monkeypatch.setenv("GAN_TRAIN_NICE", bad)
        with pytest.raises(ValueError, match="GAN_TRAIN_NICE must be a whole number from 0"):
            train_nice()
