"""`python -m gan_core --help` answers without importing torch (bug 6 of issue 16).

The time it takes is measured by bench/cli_help_time.py (a shared 2-core machine is too noisy for a
timing assert); these tests pin the cause instead: which modules are loaded after the parser is
built and the help printed, in a fresh interpreter.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "sklearn", "scipy", "torchvision", "numpy")


def _loaded_after(code: str) -> list[str]:
    probe = f"""
import contextlib, io, sys
{code}
print(",".join(m for m in {HEAVY!r} if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=300,
                         check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    last = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    return [m for m in last.split(",") if m]


def test_building_the_parser_imports_no_torch():
    assert _loaded_after("from gan_core.cli import build_parser\nbuild_parser().format_help()") == []


def _help_of(*words: str) -> str:
    return f"""
sys.argv = ["gan_core", *{list(words)!r}]
import runpy
buf = io.StringIO()
try:
    with contextlib.redirect_stdout(buf):
        runpy.run_module("gan_core", run_name="__main__")
except SystemExit as e:
    assert e.code == 0, e.code
assert "usage: python -m gan_core" in buf.getvalue(), buf.getvalue()
"""


def test_top_level_help_imports_no_torch():
    """What `python -m gan_core --help` runs, in the same process as the probe."""
    assert _loaded_after(_help_of("--help")) == []


@pytest.mark.parametrize("command", ["sample", "eval", "train-classifier", "export", "timelapse", "gallery"])
def test_command_help_imports_no_torch(command):
    """Only `train --help` needs the registries (its choices and help come from them)."""
    assert _loaded_after(_help_of(command, "--help")) == []


def test_help_in_a_subprocess_lists_every_command():
    r = subprocess.run([sys.executable, "-m", "gan_core", "--help"], cwd=REPO, capture_output=True, text=True,
                       timeout=300, check=False)
    assert r.returncode == 0, r.stderr
    for command in ("train", "sample", "eval", "train-classifier", "export"):
        assert command in r.stdout


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.update([node.module] + [f"{node.module}.{a.name}" for a in node.names])
    return out


def test_pretrained_does_not_import_the_cli():
    """The train command is read through gan_core.train_command, below both (no cli <-> pretrained cycle)."""
    core = REPO / "gan_core"
    assert "gan_core.cli" not in _imports(core / "pretrained.py")
    assert not {m for m in _imports(core / "train_command.py") if m.startswith(("gan_core.cli", "gan_core.pretrained"))}
