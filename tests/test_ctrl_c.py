"""Ctrl-C during `python -m gan_core train` (issue 16, bug 1): the first one stops the run after its
current step, as the app's Stop button does (state "stopped", final checkpoint of the last step, a
correct status line); a KeyboardInterrupt that reaches the loop itself (a second Ctrl-C) ends the
run as "interrupted" with status.json saying so, instead of leaving it at "running"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gan_core.checkpoint import load_training_state
from gan_core.config import TrainConfig
from gan_core.run import TrainingRun
from gan_core.store import read_json

pytestmark = pytest.mark.usefixtures("isolated")

REPO = Path(__file__).resolve().parents[1]
TINY = {"dataset": "ring8", "arch": "mlp", "latent_dim": 2, "width": 16, "batch_size": 32, "log_every": 5,
        "device": "cpu", "seed": 0, "n_fixed": 16, "sample_every": 1000, "score_every": 0}


def _status(run_dir: Path) -> dict:
    try:
        return read_json(run_dir / "status.json")
    except (OSError, ValueError):
        return {}


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_in_the_cli_stops_the_run_with_a_final_checkpoint(tmp_path):
    out = tmp_path / "run"
    env = {**os.environ, "GAN_RUNS_DIR": str(tmp_path / "runs"), "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    # no periodic checkpoint within the test: the only checkpoint there can be is the final one
    cmd = [sys.executable, "-m", "gan_core", "train", "--dataset", "ring8", "--arch", "mlp", "--latent-dim", "2",
           "--width", "16", "--steps", "10000000", "--log-every", "5", "--checkpoint-every-s", "3600",
           "--score-every", "0", "--device", "cpu", "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (_status(out).get("state") == "running" and _status(out).get("step", 0) >= 20):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run did not reach step 20 within 60 s"
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    st = _status(out)
    assert st["state"] == "stopped", st
    assert st["step"] >= 20 and st["last_checkpoint_step"] == st["step"]
    _tensors, doc = load_training_state(out / "checkpoints" / "last.safetensors")
    assert doc["training"]["step"] == st["step"]  # the final checkpoint is of the last step trained
    assert f"stopped: {st['step']}/10000000 steps" in stdout
    assert "Ctrl-C again" in stderr


def test_an_interrupt_that_reaches_the_loop_ends_the_run_as_interrupted(tmp_path):
    cfg = TrainConfig(**TINY, steps=1_000_000, checkpoint_every_s=1e-6)

    pressed = []

    def second_ctrl_c(r: TrainingRun) -> None:  # on_progress is called in the loop's thread, as SIGINT's handler is
        if r.step >= 20 and not pressed:
            pressed.append(r.step)
            raise KeyboardInterrupt

    run = TrainingRun(cfg, tmp_path / "run")
    with pytest.raises(KeyboardInterrupt):
        run.run(on_progress=second_ctrl_c)
    st = read_json(tmp_path / "run" / "status.json")
    assert st["state"] == "interrupted" and run.state == "interrupted"
    assert st["last_checkpoint_step"] == 20
    assert "Ctrl-C" in st["error"] and "checkpoint at step 20" in st["error"], st["error"]
    again = TrainingRun.resume_from(tmp_path / "run", steps=30)  # resumable from that checkpoint
    again.run()
    assert (again.state, again.step) == ("finished", 30)
