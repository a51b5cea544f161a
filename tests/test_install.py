"""`pip install .` installs the core and the app (bug 7 of issue 16): `python -m gan_core` from any
directory, and a `gan-playground` command that starts the installed app.

The source tree is copied to a temporary folder (so the build leaves nothing in the repository) and
installed with `pip install --no-deps --no-build-isolation --target TMP` (offline: the build backend
is setuptools, already here); everything is then run from another working directory with only TMP
on PYTHONPATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
tomllib = pytest.importorskip("tomllib")  # Python 3.11+


def test_every_gan_core_package_is_installed():
    """pyproject lists the packages (the flat layout has several top-level folders): a new
    gan_core sub-package must be added there, or `pip install .` would silently leave it out."""
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "gan_core").rglob("__init__.py")}
    assert found <= listed, f"add to pyproject.toml [tool.setuptools] packages: {sorted(found - listed)}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    pytest.importorskip("setuptools", minversion="64")  # the build backend (requirements-dev.txt); no download
    if subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True, check=False).returncode:
        pytest.skip("pip is not available")
    src = tmp_path_factory.mktemp("src") / "gan-playground"
    top = {".git", "data", "runs", "build", "tests", "bench", "docs"}  # not part of the package; data/ can be large
    anywhere = shutil.ignore_patterns("*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache", "*.npy")
    shutil.copytree(REPO, src, ignore=lambda d, names: set(anywhere(d, names)) | (
        top & set(names) if Path(d) == REPO else set()))
    target = tmp_path_factory.mktemp("site")
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
                        "--quiet", "--target", str(target), str(src)], capture_output=True, text=True, timeout=600,
                       check=False)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]
    return target


def _run(code: list[str], target: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONPATH=str(target), GAN_RUNS_DIR=str(cwd / "runs"))
    return subprocess.run([sys.executable, *code], cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                          check=False)


def test_cli_runs_from_another_directory(installed, tmp_path):
    r = _run(["-m", "gan_core", "--help"], installed, tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "train" in r.stdout and "export" in r.stdout
    r = _run(["-c", "import gan_core; print(gan_core.__file__)"], installed, tmp_path)
    assert Path(r.stdout.strip()).is_relative_to(installed), r.stdout  # the installed copy, not the repository's


def test_gan_playground_command_is_declared_and_resolves(installed, tmp_path):
    code = f"""
from importlib.metadata import distributions
from pathlib import Path
(dist,) = [d for d in distributions(path=[{str(installed)!r}]) if d.metadata["Name"] == "gan-playground"]
(ep,) = [e for e in dist.entry_points if e.group == "console_scripts" and e.name == "gan-playground"]
main = ep.load()
import gan_playground.ui.launch as launch
assert main is launch.main
app = launch.APP
assert app.is_file() and app.parent.name == "gan_playground", app
for rel in (".streamlit/config.toml", "app_pages/train.py", "ui/session.py", "ui/components/lab_canvas/index.html",
            "ui/components/point_canvas/index.html", "app_pages/gallery.py", "ui/locales/zh/LC_MESSAGES/messages.po"):
    assert (app.parent / rel).is_file(), rel
from gan_playground.ui.i18n import translations  # the catalogue is compiled from the installed .po
assert translations("zh").gettext("Runs") == "训练记录"
cmd = launch.command(["--server.port", "8599"])
assert cmd[1:5] == ["-m", "streamlit", "run", str(app)] and cmd[-2:] == ["--server.port", "8599"], cmd
from gan_core.store import PRETRAINED_DIR
from gan_core.pretrained import list_pretrained
assert PRETRAINED_DIR == app.parent / "pretrained", PRETRAINED_DIR
assert len(list_pretrained()) >= 1
print("ok", ep.value)
"""
    r = _run(["-c", code], installed, tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "ok gan_playground.ui.launch:main" in r.stdout
    assert (installed / "bin" / "gan-playground").is_file()  # the console script pip wrote
