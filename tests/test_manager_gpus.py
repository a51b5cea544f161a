"""The run manager on a server with several GPUs: each run starts on the least-loaded GPU this process sees
(CUDA_VISIBLE_DEVICES chooses which), at most GAN_MAX_RUNS_CUDA runs per GPU, the rest queued; and an app
started beside a live torchrun job leaves that job's run alone. GPUs are faked here (their count and the device
a config resolves to); the tests marked cuda train on a real one."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

import gan_core.manager as manager_mod
from gan_core.config import TrainConfig
from gan_core.manager import RunManager, gpu_count, least_loaded_gpu
from gan_core.run import TrainingRun
from gan_core.store import atomic_write_json, read_json

pytestmark = pytest.mark.usefixtures("isolated")


def test_least_loaded_gpu_fills_the_emptiest_first_and_respects_the_limit():
    assert least_loaded_gpu({}, 3, 2) == 0
    assert least_loaded_gpu({0: 1}, 3, 2) == 1
    assert least_loaded_gpu({0: 1, 1: 1, 2: 1}, 3, 2) == 0
    assert least_loaded_gpu({0: 2, 1: 1, 2: 2}, 3, 2) == 1
    assert least_loaded_gpu({0: 2, 1: 2, 2: 2}, 3, 2) is None
    assert least_loaded_gpu({}, 0, 2) is None


@pytest.fixture
def three_gpus(monkeypatch):
    """A server with three GPUs, where starting a run only marks it as training."""
    monkeypatch.setattr(manager_mod, "gpu_count", lambda: 3)
    monkeypatch.setattr(manager_mod, "resolve_device", lambda choice: torch.device("cuda"))
    monkeypatch.setattr(TrainingRun, "start", lambda self, **kw: setattr(self, "state", "running"))


def test_runs_spread_over_the_gpus_and_queue_beyond_the_per_gpu_limit(three_gpus, tmp_path):
    m = RunManager(tmp_path / "runs", limits={"cuda": 2})
    runs = [m.submit(TrainConfig(steps=10)) for _ in range(7)]
    assert [r.gpu for r in runs] == [0, 1, 2, 0, 1, 2, None]
    assert runs[6].state == "queued" and m.queue_position(runs[6].id) == 1
    runs[4].state = "finished"  # GPU 1 frees a slot: the queued run goes there
    m._schedule()
    assert runs[6].gpu == 1 and runs[6].state == "running"


def test_cpu_runs_keep_their_own_limit(monkeypatch, tmp_path):
    monkeypatch.setattr(manager_mod, "gpu_count", lambda: 3)
    monkeypatch.setattr(TrainingRun, "start", lambda self, **kw: setattr(self, "state", "running"))
    m = RunManager(tmp_path / "runs", limits={"cpu": 1})
    a, b = (m.submit(TrainConfig(device="cpu", steps=10)) for _ in range(2))
    assert (a.state, a.gpu, b.state) == ("running", None, "queued")


def test_gpu_count_is_what_torch_sees(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert gpu_count() == 2
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert gpu_count() == 0


def _active_status(run_dir, **extra) -> None:
    run_dir.mkdir(parents=True)
    atomic_write_json(run_dir / "status.json", {"id": run_dir.name, "state": "running", "step": 5, **extra})


def test_recover_leaves_a_live_torchrun_job_alone(tmp_path):
    import socket

    root = tmp_path / "runs"
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as other:
        try:
            _active_status(root / "live", pid=other.pid, host=socket.gethostname(), processes=2)
            _active_status(root / "remote", pid=other.pid, host="another-host", processes=2)
            _active_status(root / "dead")  # a run of a server that died
            assert sorted(RunManager(root).recover()) == ["dead"]
        finally:
            other.kill()
    other.wait()
    assert read_json(root / "live" / "status.json")["state"] == "running"
    assert sorted(RunManager(root).recover()) == ["live"]  # its process is gone now


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_placed_run_trains_on_its_gpu(tmp_path):
    run = TrainingRun(TrainConfig(dataset="ring8", steps=20, device="cuda"), tmp_path / "r")
    run.gpu = torch.cuda.device_count() - 1
    run.run()
    assert run.state == "finished" and run.device_used == f"cuda:{run.gpu}"


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_visible_devices_decides_the_gpus_the_manager_counts():
    code = "from gan_core.manager import gpu_count; print(gpu_count())"
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "0"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"
