"""Fixtures for browser end-to-end tests: the real Streamlit server in a subprocess and a headless
Debian chromium driven by Playwright for Python.

Nothing here downloads a browser (no `playwright install`): the tests are skipped when
/usr/bin/chromium or the playwright package is missing.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT_S = 60.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, n: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return "<no server log>"


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group, then SIGKILL it if it does not exit promptly."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


BROWSER_RERUNS = 1


def pytest_collection_modifyitems(config, items):
    """Run a failed browser test once more (pytest-rerunfailures; the rerun shows as R in the summary).

    These tests drive a real server and a real chromium on a shared, loaded CI machine, where a click
    can land while the page is being redrawn and be lost; twice in a row a whole CI run (13 minutes)
    failed on one such click. A real defect fails both tries; only the browser tests get the rerun."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.flaky(reruns=BROWSER_RERUNS, reruns_delay=2))


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Expose each phase's report as item.rep_<phase> so fixtures can tell a failed test."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture(scope="session")
def _playwright_api():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not found (Debian chromium is needed for browser tests)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed")
    return sync_playwright


@pytest.fixture(scope="module")
def streamlit_server(_playwright_api, tmp_path_factory):
    """The real app (`streamlit run app.py`) on a free port, runs written under a tmp dir.

    Yields a dict: url, runs_dir, log (path of the server's combined stdout/stderr).
    """
    tmp = tmp_path_factory.mktemp("e2e_server")
    runs_dir = tmp / "runs"
    log_path = tmp / "server.log"
    port = _free_port()
    env = {**os.environ, "GAN_RUNS_DIR": str(runs_dir), "PYTHONUNBUFFERED": "1"}
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with code {proc.returncode}:\n{_tail(log_path)}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit not healthy after {SERVER_START_TIMEOUT_S:.0f} s:\n{_tail(log_path)}")
            time.sleep(0.25)
        yield {"url": url, "runs_dir": runs_dir, "log": log_path}
    finally:
        _kill_group(proc)


@pytest.fixture(scope="module")
def browser(_playwright_api):
    with _playwright_api() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, streamlit_server, request, tmp_path):
    """A fresh browser context and page; on failure, a screenshot and the server log tail."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            shot = tmp_path / "failure.png"
            try:
                pg.screenshot(path=str(shot), full_page=True)
                print(f"\nscreenshot: {shot}")
            except Exception as e:
                print(f"\nno screenshot: {e}")
            print(f"page url: {pg.url}\nserver log tail ({streamlit_server['log']}):\n"
                  f"{_tail(streamlit_server['log'])}")
        context.close()
