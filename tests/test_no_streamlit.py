"""gan_core never imports streamlit: the training core must run without the UI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PATTERN = re.compile(r"^\s*(import\s+streamlit|from\s+streamlit[\s.])", re.MULTILINE)


def test_no_module_mentions_a_streamlit_import():
    files = sorted((REPO / "gan_core").rglob("*.py"))
    assert len(files) > 10
    offenders = [str(p.relative_to(REPO)) for p in files if PATTERN.search(p.read_text())]
    assert offenders == []
    # and not even indirectly, e.g. a lazy import inside a function written as a string
    assert [p.name for p in files if "import streamlit" in p.read_text() or "from streamlit" in p.read_text()] == []


def test_importing_the_core_does_not_load_streamlit():
    code = ("import sys, gan_core.run, gan_core.cli, gan_core.checkpoint, gan_core.sampling; "
            "bad = sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.')); "
            "assert not bad, bad")
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
