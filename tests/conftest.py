"""Shared fixtures for the gan_core tests (tests/app and tests/e2e have their own).

`isolated` points every place gan_core writes or reads by default at a temporary directory, so
no test writes into the repository or picks up a developer's own data directory. It is opt-in
(`pytestmark = pytest.mark.usefixtures("isolated")`), so the app tests are not affected.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.delenv("GAN_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    # One intra-op thread: these models are tiny, and on a small shared CPU two spinning OpenMP
    # threads per process made a 300-step ring8 run 20x slower (measured: 4.9 s vs 104 s).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield tmp_path
    torch.set_num_threads(threads)


def _wait_for(predicate, timeout: float = 30.0, interval: float = 0.01, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def wait_for():
    """wait_for(predicate, timeout, what=...): poll until true; fail the test after `timeout` s."""
    return _wait_for
