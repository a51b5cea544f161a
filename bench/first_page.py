"""First impression: how long the Train page takes to be usable after a server start.

    python bench/first_page.py               # one cold server, one page load, then a second load
    python bench/first_page.py --repeat 3    # three cold servers (median printed)

Starts `streamlit run app.py` on a free port (temporary runs directory, no file watcher), waits
until /_stcore/health answers ("the server has started"), then opens the page in one headless
Debian chromium (Playwright, /usr/bin/chromium; nothing downloaded) and measures from the
navigation:

- title: the page's h1 ("Train a GAN") is visible (the page is opened at /train: since 3 Dec the
  default page, /, is Lessons);
- usable: the "Start training" button is visible and enabled, and the script run is over (no
  "Running..." status widget), i.e. a click would be answered;
- a second page load in a fresh browser context on the same server (what the next student sees).

It also prints the server's start time (process start -> health) and the 1-minute load average
before and after, because on a shared 2-core machine the figures move with the load: quote them
together. Timings live here, not in tests (a noisy machine makes timing assertions flaky).

Measured on the shared 2-core machine (2 Dec, other agents' tests running; load average in brackets):

    before: LR preview chart always made, title after the imports
        first load title 5.56 s, usable 8.08 s | second load title 2.11 s, usable 5.87 s   (5.5)
    the LR preview's Plotly chart made only while its expander is open (closed for a constant LR)
        first load title 6.35 s, usable 7.15 s | second load title 1.93 s, usable 2.53 s   (3.5)
    + the title drawn before the imports (a spinner says why after 0.5 s)
        first load title 2.26 / 2.16 s, usable 5.96 / 8.33 s | second load usable 2.23 / 4.21 s (2.4-4.1)

What was left of the first load was the import of PyTorch by the first script run (1.8 s at load 3
with -X importtime, 2-7 s under load). Since 3 Dec app.py declares an `st.App` whose lifespan
(ui/preload.py) imports it before the server answers (start->health grows by that much):

        before, load 4.9 -> 6.1: start->health 2.76 s | first load title 3.00 s, usable 16.78 s | second usable 5.12 s
        after,  load 3.8 -> 4.9: start->health 13.39 s | first load title 2.96 s, usable  6.80 s | second usable 4.82 s
        after,  load 5.8 -> 5.6: start->health  5.79 s | first load title 2.15 s, usable  3.55 s | second usable 4.66 s
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
START_BUTTON = 'button:has-text("Start training")'
RUNNING = '[data-testid="stStatusWidget"]'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(runs_dir: Path, log) -> tuple[subprocess.Popen, str, float]:
    """The real app on a free port; returns (process, url, seconds from spawn to healthy)."""
    port = _free_port()
    env = {**os.environ, "GAN_RUNS_DIR": str(runs_dir), "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.fileWatcherType", "none", "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url, time.perf_counter() - t0
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if time.perf_counter() - t0 > 120:
            _stop(proc)
            raise RuntimeError("streamlit not healthy after 120 s")
        time.sleep(0.05)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _load(browser, url: str, shot: Path | None = None) -> tuple[float, float]:
    """(seconds to the title, seconds to usable) of one page load in a fresh context."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    try:
        t0 = time.perf_counter()
        page.goto(url + "/train", wait_until="commit")
        page.get_by_role("heading", name="Train a GAN").first.wait_for(state="visible", timeout=120_000)
        t_title = time.perf_counter() - t0
        page.wait_for_function(
            """([sel, running]) => {
                 const b = [...document.querySelectorAll('button')].find(e => e.innerText.includes('Start training'));
                 return b && !b.disabled && !document.querySelector(running);
               }""", arg=[START_BUTTON, RUNNING], timeout=120_000, polling=20)
        t_usable = time.perf_counter() - t0
        if shot is not None:
            page.screenshot(path=str(shot))
        return t_title, t_usable
    finally:
        ctx.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=1, help="cold servers to start, one after the other")
    ap.add_argument("--screenshot", type=Path, default=None, help="save the first load's page as this PNG")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for i in range(args.repeat):
                load_before = os.getloadavg()[0]
                with open(Path(tmp) / f"server{i}.log", "wb") as log:
                    proc, url, t_health = _start_server(Path(tmp) / f"runs{i}", log)
                try:
                    title, usable = _load(browser, url, args.screenshot if i == 0 else None)
                    title2, usable2 = _load(browser, url)
                finally:
                    _stop(proc)
                rows.append((t_health, title, usable, title2, usable2, load_before, os.getloadavg()[0]))
                print(f"server {i + 1}: start->health {t_health:5.2f} s | first load: title {title:5.2f} s, usable "
                      f"{usable:5.2f} s | second load: title {title2:5.2f} s, usable {usable2:5.2f} s | load avg "
                      f"{load_before:.2f} -> {rows[-1][-1]:.2f}", flush=True)
        finally:
            browser.close()
    if len(rows) > 1:
        med = [statistics.median(c) for c in zip(*rows)]
        print(f"median: start->health {med[0]:.2f} s | first load: title {med[1]:.2f} s, usable {med[2]:.2f} s | "
              f"second load: title {med[3]:.2f} s, usable {med[4]:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
