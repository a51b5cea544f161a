"""The server's preload (ui/preload.py) leaves nothing for the first run to import: those
imports held the GIL inside the training thread while ten pages waited for their answer to Start
(issue 15). One fresh process, as a server starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import sys, tempfile
from ui.preload import load_all
load_all()
from gan_core.config import preset
from gan_core.run import TrainingRun
before = set(sys.modules)
run = TrainingRun(preset("ring8-mlp").replace(steps=6, log_every=2, score_every=2, sample_every=2),
                  tempfile.mkdtemp() + "/r")
run.run()
new = sorted(set(sys.modules) - before)
print(run.state, len(new), " ".join(new[:20]))
"""


def test_first_run_imports_nothing_heavy_after_the_preload():
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    state, n, names = (out.stdout.strip().splitlines()[-1].split(" ", 2) + [""])[:3]
    assert state == "finished"
    # before warm_first_run: 2,230 modules (torch._dynamo, sympy, torchmetrics, torchvision, scipy...)
    assert int(n) <= 30, f"the first run imported {n} modules after the preload: {names}"
