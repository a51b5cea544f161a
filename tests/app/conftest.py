"""Shared fixtures of the AppTest tests: a fresh process-wide run manager rooted in a temporary runs folder."""

from __future__ import annotations

import pytest


@pytest.fixture
def runs_root(tmp_path, monkeypatch):
    """GAN_RUNS_DIR -> tmp_path/runs and a fresh RunManager (ui.session.get_manager is a cached resource);
    every run is stopped afterwards."""
    from ui.session import get_manager

    root = tmp_path / "runs"
    monkeypatch.setenv("GAN_RUNS_DIR", str(root))
    get_manager.clear()
    yield root
    get_manager().stop_all()
    get_manager.clear()
