"""Browser fault test: kill -9 the real Streamlit server during a run, start it again, and check
that the Train page shows the run as interrupted, offers "Continue from checkpoint", and that
continuing trains on from the checkpoint's step.

Skipped (by the conftest fixtures) when /usr/bin/chromium or the playwright package is missing.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
from playwright.sync_api import expect
from waits import wait_until as _wait_until

expect.set_options(timeout=30_000)  # a shared, busy 2-core machine renders slowly

REPO = Path(__file__).resolve().parents[2]
STEPS = 100_000  # far more than the test lets run
MIN_CKPT_STEP = 20  # a checkpoint far enough from 0 that "continued from it" is told from "restarted"
TIMEOUT_MS = 60_000
STEP_RE = re.compile(r"step ([\d,]+)/([\d,]+)")
FRESH = '[data-testid="stElementContainer"]:not([data-stale="true"])'
PROGRESS = f'{FRESH} [data-testid="stProgress"]'


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run app.py` in its own process group, so kill -9 takes all of it."""

    def __init__(self, runs_dir: Path, log_path: Path, port: int):
        self.runs_dir, self.log_path, self.port = runs_dir, log_path, port
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        # one OpenMP thread: a tiny model on a shared 2-core machine (see tests/conftest.py)
        env = {**os.environ, "GAN_RUNS_DIR": str(self.runs_dir), "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.fileWatcherType", "none", "--server.port", str(self.port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false"]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            assert self.proc.poll() is None, f"streamlit exited ({self.proc.returncode}):\n{self.tail()}"
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            assert time.monotonic() < deadline, f"streamlit not healthy after 60 s:\n{self.tail()}"
            time.sleep(0.25)

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)

    def tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return "<no server log>"


def _step(text: str) -> int | None:
    m = STEP_RE.search(text)
    return int(m.group(1).replace(",", "")) if m else None


def _progress_step(page) -> int | None:
    loc = page.locator(PROGRESS)
    try:
        return _step(loc.first.inner_text(timeout=2_000)) if loc.count() else None
    except Exception:
        return None




def _status(run_dir: Path) -> dict:
    try:
        return json.loads((run_dir / "status.json").read_text())
    except (OSError, ValueError):
        return {}


def test_kill9_server_then_continue_from_checkpoint(browser, tmp_path):
    runs_dir = tmp_path / "runs"
    server = Server(runs_dir, tmp_path / "server.log", _free_port())
    context = None
    try:
        server.start()
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(30_000)
        page = context.new_page()

        # ---- a long ring8 run that checkpoints every second
        page.goto(server.url + "/train")
        main = page.get_by_test_id("stMainBlockContainer")
        sidebar = page.get_by_test_id("stSidebar")
        start = main.get_by_role("button", name="Start training")
        expect(start).to_be_enabled(timeout=TIMEOUT_MS)
        steps = sidebar.get_by_label("Steps", exact=True)
        steps.fill(str(STEPS))
        steps.press("Enter")
        expect(steps).to_have_value(str(STEPS))
        sidebar.get_by_text("Logging", exact=True).click()
        every = sidebar.get_by_label("Checkpoint every N seconds", exact=True)  # not its help button
        every.fill("1")
        every.press("Enter")
        expect(every).to_have_value(re.compile(r"^1(\.0+)?$"))
        expect(start).to_be_enabled()
        start.click()
        page.wait_for_url(re.compile(r"[?&]run=[\w-]+"), timeout=TIMEOUT_MS)
        run_id = parse_qs(urlparse(page.url).query)["run"][0]
        run_dir = runs_dir / run_id
        expect(page.locator(PROGRESS).first).to_contain_text("steps/s", timeout=TIMEOUT_MS)

        # ---- wait for a checkpoint on disk, then kill -9 the whole server
        ck = run_dir / "checkpoints" / "last.safetensors"
        _wait_until(lambda: ck.is_file() and ck.with_suffix(".json").is_file()
                    and (_status(run_dir).get("last_checkpoint_step") or 0) >= MIN_CKPT_STEP, 90,
                    f"a checkpoint at step >= {MIN_CKPT_STEP}")
        server.kill9()
        before = _status(run_dir)
        assert before["state"] == "running", before
        from gan_core.checkpoint import checkpoint_step

        ck_step = checkpoint_step(ck)  # the checkpoint file's own step (the sidecar copy may lag a kill behind)
        assert ck_step >= MIN_CKPT_STEP
        # nothing the killed server left is torn: JSON parses, jsonl lines parse (a last line cut
        # short is allowed and skipped by the reader), the safetensors file loads
        from safetensors.torch import load_file

        for name in ("config.json", "status.json", "checkpoints/last.json"):
            json.loads((run_dir / name).read_text())
        assert load_file(str(ck))
        lines = (run_dir / "metrics.jsonl").read_text().splitlines()
        for line in lines[:-1]:
            json.loads(line)
        context.close()
        context = None

        # ---- start it again: a new session opening ?run=<id> sees the run as interrupted
        server.start()
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(30_000)
        page = context.new_page()
        page.goto(f"{server.url}/train?run={run_id}")
        main = page.get_by_test_id("stMainBlockContainer")
        expect(main.get_by_text(f"interrupted · step {before['step']:,}/{STEPS:,}", exact=False)).to_be_visible(
            timeout=TIMEOUT_MS)
        expect(main.get_by_text(f"Resume continues from its checkpoint at step {ck_step}.", exact=False)
               ).to_be_visible()
        assert _status(run_dir)["state"] == "interrupted"
        cont = main.get_by_role("button", name="Continue from checkpoint")
        expect(cont).to_be_enabled()
        expect(page.get_by_test_id("stException")).to_have_count(0)

        # ---- continue: it runs again, from the checkpoint's step
        cont.click()
        expect(page.locator(PROGRESS).first).to_contain_text("running", timeout=TIMEOUT_MS)
        first = _wait_until(lambda: _progress_step(page), 30, "a step number in the progress text")
        assert first >= ck_step, f"the continued run shows step {first}, before the checkpoint's {ck_step}"
        _wait_until(lambda: (s := _progress_step(page)) is not None and s > first, 30,
                    f"the step number to grow past {first}")
        _wait_until(lambda: _status(run_dir).get("state") == "running" and _status(run_dir)["step"] > ck_step, 30,
                    "status.json to say running past the checkpoint")
        expect(page.get_by_test_id("stException")).to_have_count(0)

        # ---- stop it; the metrics file has no duplicate steps and continues past the checkpoint
        main.get_by_role("button", name="Stop").click()
        expect(main.get_by_text("Stopped at step", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
        rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
        steps_seen = [r["step"] for r in rows]
        assert steps_seen == sorted(set(steps_seen)), "duplicate or unordered steps in metrics.jsonl"
        assert any(s > ck_step for s in steps_seen), "no metrics after the checkpoint's step"
        assert _status(run_dir)["state"] == "stopped"
    except BaseException:
        print(f"\nserver log tail:\n{server.tail()}")
        raise
    finally:
        if context is not None:
            context.close()
        server.kill9()
