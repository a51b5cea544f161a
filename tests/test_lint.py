"""The whole repository passes `ruff check` with the rules chosen in pyproject.toml ([tool.ruff.lint]).

Run as a test so the README's one test command (and CI) keeps the code clean; `ruff check --fix .` repairs most
findings (import order, stale `# noqa`, old typing forms)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _ruff() -> list[str]:
    exe = shutil.which("ruff")
    if exe:
        return [exe]
    pytest.importorskip("ruff", reason="ruff is not installed (pip install -r requirements-dev.txt)")
    return [sys.executable, "-m", "ruff"]


def test_repository_passes_ruff():
    out = subprocess.run([*_ruff(), "check", "--no-cache", "--output-format", "concise", "."], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"ruff check found problems (fix with `ruff check --fix .`):\n{out.stdout}{out.stderr}"
