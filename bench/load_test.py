"""Load test: a class of N sessions start short runs on the real Streamlit server at the same moment.

    python bench/load_test.py                           # 10 sessions, 300 steps each, 1 real browser page
    python bench/load_test.py --browsers 3              # 3 real pages + 7 protocol clients
    python bench/load_test.py --browsers 10             # all 10 in chromium (the test before --browsers)
    python bench/load_test.py --quick                   # 4 sessions, 200 steps
    python bench/load_test.py --sessions 16 --steps 500 --max-runs-cpu 2

It starts `streamlit run app.py` on its own port with a temporary runs directory and opens N
sessions on the Train page: --browsers K of them are real pages, browser contexts in one headless
Debian chromium (Playwright, async API so that the N clicks on "Start training" leave together);
the other N - K are protocol clients (bench/ws_session.py): the page's websocket and messages
without a browser. In a class each student's browser draws on the student's laptop; ten chromium
renderers on this machine took ~80% of its two cores, so an all-browser test mostly measured
them. A protocol client is, for the server, a session like a browser's: it sets Steps, clicks Start
at the same moment, answers the fragments' auto reruns, follows its run to the end and switches
the Device box like the pages' probe. It measures:

- click -> visible reaction on each real page: the new run's progress text ("Queued (position k)",
  "starting ...", "running ..."); it must come within --max-react-s (1 s) on every real page; on
  each protocol client, click request sent -> first message holding that text (the server's part,
  nothing drawn), reported apart;
- while runs train, every --interact-every seconds per page, the time for a full-page rerun to
  answer: the Device select box is switched between cpu and cuda and the time until the sidebar
  caption shows the new choice is taken (a server round trip through the whole Train script);
- the longest gap between two changes of the live progress text of a running run (the polling
  fragment must keep answering);
- queue drain time (first click -> every status.json says finished) and the largest number of
  runs seen training at once (must not exceed the concurrency limit; a `train-*` thread whose
  status.json already says its run ended is not counted: it is starting the next queued run);
- the server's threads from /proc/<pid>/task/*/comm before, during and after. CPython 3.11 does
  not give OS threads the Python thread's name, so the server is started through a small launcher
  that names each OS thread after its Python thread (prctl PR_SET_NAME, 15 characters: a run's
  thread `train-<id>` shows as `train-<last 6 of id>`); torch's OpenMP workers inherit the name of
  the thread that created them and end with it. No `train-*` task may survive its run;
- the server's resident memory (VmRSS) with the pages loaded before the clicks, its peak, after
  all runs finished, and after the browser sessions closed.

It prints a table and exits 1 when a check fails. Nothing is downloaded: no `playwright install`;
the browser is /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlparse

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from ws_session import WsSession, device_captions, probe_device, run_ended  # noqa: E402  (bench/ is not a package)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
FRESH = '[data-testid="stElementContainer"]:not([data-stale="true"])'
PROGRESS = f'{FRESH} [data-testid="stProgress"]'

# The real server, with every Python thread's OS thread named after it (see the module docstring).
LAUNCHER = r"""
import ctypes, sys, threading
try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None
_bootstrap_inner = threading.Thread._bootstrap_inner
def _named(self):
    name = self.name
    if name.startswith("train-"):
        name = "train-" + name[-6:]
    if _prctl is not None:
        _prctl(15, name[:15].encode(), 0, 0, 0)  # PR_SET_NAME
    _bootstrap_inner(self)
threading.Thread._bootstrap_inner = _named
from streamlit.web.cli import main
sys.argv = ["streamlit", "run", "app.py", *sys.argv[1:]]
main(prog_name="streamlit")
"""

# Sidebar text of the current script run only (stale elements are the previous run's).
SIDEBAR_HAS_JS = """(needles) => {
  const els = document.querySelectorAll(
    '[data-testid="stSidebar"] [data-testid="stElementContainer"]:not([data-stale="true"])');
  for (const el of els) { const t = el.innerText || ''; if (needles.some(n => t.includes(n))) return true; }
  return false;
}"""
# In each page before its scripts: the user's click on Start and the moment its answer is on the
# page, both on the page's own clock. The click's time is the trusted event's timeStamp (when the
# browser took the input, before any of the page's handlers); the answer's is the first DOM change
# that shows it (a MutationObserver) and the next animation frame after it (when it is painted).
# Playwright's own steps around a click (scrolling into view, waiting for the button to be
# stable, a hit test) and its polling of the page are then not counted: a person's click has none.
TIMING_JS = r"""(() => {
  window.__gan = {click: null, answer: null, paint: null, text: null};
  const isAnswer = (t) => t.includes('Queued (position') || t.startsWith('starting') || t.startsWith('running');
  document.addEventListener('click', (e) => {
    const b = e.target && e.target.closest ? e.target.closest('button') : null;
    if (b && window.__gan.click === null && (b.innerText || '').includes('Start training')) {
      window.__gan.click = e.timeStamp;
    }
  }, true);
  new MutationObserver(() => {
    const g = window.__gan;
    if (g.click === null || g.answer !== null) return;
    const el = document.querySelector(
      '[data-testid="stElementContainer"]:not([data-stale="true"]) [data-testid="stProgress"]');
    const t = el ? (el.innerText || '') : '';
    if (!isAnswer(t)) return;
    g.answer = performance.now();
    g.text = t;
    requestAnimationFrame(() => { g.paint = performance.now(); });
  }).observe(document, {subtree: true, childList: true, characterData: true, attributes: true,
                        attributeFilter: ['data-stale']});
})();"""
PROGRESS_JS = """() => {
  const el = document.querySelector(
    '[data-testid="stElementContainer"]:not([data-stale="true"]) [data-testid="stProgress"]');
  return el ? el.innerText : '';
}"""


# ---------------------------------------------------------------------------- the server process
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def thread_names(pid: int) -> list[str]:
    names = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return names
    for tid in tids:
        try:
            names.append(Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip())
        except OSError:
            pass  # the thread ended while we listed
    return sorted(names)


def task_cpu(pid: int) -> dict[str, tuple[str, float]]:
    """{tid: (OS thread name, CPU seconds)} of every thread of pid."""
    out = {}
    hz = os.sysconf("SC_CLK_TCK")
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            raw = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
            name = raw[raw.index("(") + 1: raw.rindex(")")]
            f = raw.rsplit(")", 1)[1].split()
            out[tid] = (name, (int(f[11]) + int(f[12])) / hz)
        except (OSError, ValueError, IndexError):
            pass
    return out


def thread_group(name: str) -> str:
    if name.startswith("train-"):
        return "train-* (runs, with their OpenMP workers)"
    if name.startswith("ScriptRunner"):
        return "ScriptRunner (page scripts, fragments)"
    if name in ("python", "streamlit"):
        return "main (event loop, websockets)"
    return "other"


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    except (OSError, IndexError, ValueError):
        return float("nan")


def browser_cpu_seconds() -> float:
    """CPU seconds (user + system) of every running chromium process: the test's own browsers,
    which a real class runs on the students' machines, not on the server."""
    hz = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if not os.readlink(d / "exe").startswith("/usr/lib/chromium"):
                continue
            f = (d / "stat").read_text().rsplit(")", 1)[1].split()
            total += (int(f[11]) + int(f[12])) / hz
        except (OSError, ValueError, IndexError):
            pass
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    vals = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(vals) - idle) / hz, sum(vals) / hz


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


_SERVERS: list[Server] = []


def install_sigterm_cleanup() -> None:
    """A SIGTERM (e.g. from `timeout`) still takes the server's process group down with us."""

    def handler(signum, _frame):
        for srv in _SERVERS:
            srv.stop(signal.SIGKILL)
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


class Server:
    """`streamlit run app.py` (through LAUNCHER) in its own process group."""

    def __init__(self, runs_dir: Path, log_path: Path, port: int, env: dict[str, str] | None = None):
        self.runs_dir, self.log_path, self.port = runs_dir, log_path, port
        self.url = f"http://127.0.0.1:{port}"
        self.env = {**os.environ, "GAN_RUNS_DIR": str(runs_dir), "PYTHONUNBUFFERED": "1", **(env or {})}
        self.proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout_s: float = 90.0) -> None:
        cmd = [sys.executable, "-c", LAUNCHER, "--server.headless", "true", "--server.fileWatcherType", "none",
               "--server.port", str(self.port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats",
               "false"]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        _SERVERS.append(self)
        deadline = time.monotonic() + timeout_s
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit not healthy after {timeout_s:.0f} s:\n{self.tail()}")
            time.sleep(0.25)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return "<no server log>"


class Sampler:
    """Server RSS and threads every `period` seconds, in a background asyncio task."""

    def __init__(self, pid: int, period: float = 0.5, runs_dir: Path | None = None):
        self.pid, self.period, self.runs_dir = pid, period, runs_dir
        self.samples: list[tuple[float, float, int, set[str]]] = []  # (t, rss MB, n threads, train-* names)
        self.training: list[set[str]] = []  # per sample: the train-* threads whose run has not ended
        self._task: asyncio.Task | None = None
        self.cpu_mark: dict[str, tuple[str, float]] = {}  # per-thread CPU at mark_cpu()
        self.cpu_last: dict[str, tuple[str, float]] = {}  # the latest reading of every thread seen since

    def mark_cpu(self) -> None:
        self.cpu_mark = task_cpu(self.pid)
        self.cpu_last = dict(self.cpu_mark)

    def cpu_by_group(self) -> dict[str, float]:
        """CPU seconds per thread group since mark_cpu() (threads that ended between two samples
        lose up to one sampling period of CPU time)."""
        out: dict[str, float] = {}
        for tid, (name, cpu) in self.cpu_last.items():
            g = thread_group(name)
            out[g] = out.get(g, 0.0) + cpu - self.cpu_mark.get(tid, (name, 0.0))[1]
        return out

    def sample(self) -> tuple[float, float, int, set[str]]:
        if self.cpu_mark:
            self.cpu_last.update(task_cpu(self.pid))
        names = thread_names(self.pid)
        s = (time.monotonic(), rss_mb(self.pid), len(names), {n for n in names if n.startswith("train-")})
        self.samples.append(s)
        self.training.append({n for n in s[3] if not self._ended(n)})
        return s

    def _ended(self, name: str) -> bool:
        """A run's thread starts the next queued run from its last lines, after its status.json
        says it ended: for a moment both threads exist, and only one of them trains."""
        if self.runs_dir is None:
            return False
        for st in self.runs_dir.glob(f"*{name[len('train-'):]}/status.json"):
            try:
                return json.loads(st.read_text())["state"] in ("finished", "failed", "stopped")
            except (OSError, ValueError, KeyError):
                return False
        return False

    async def _loop(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.period)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    def peak_rss(self, since: float = 0.0) -> float:
        return max((s[1] for s in self.samples if s[0] >= since), default=float("nan"))

    def max_concurrent_runs(self) -> int:
        return max((len(t) for t in self.training), default=0)


# ---------------------------------------------------------------------------- one browser session
@dataclass
class Session:
    """A real page in chromium (WsSession, bench/ws_session.py, is the protocol client)."""
    kind = "page"
    i: int
    page: object
    context: object
    react_s: float | None = None  # click -> progress text or "Queued" (the harness's view: Playwright's click)
    page_react_s: float | None = None  # the same on the page's clock: input event -> answer painted (TIMING_JS)
    reaction: str = ""
    # where the click's time goes, from the page's websocket: the first message the page sends
    # after the click (the rerun request) and the first it receives that holds the run's status
    armed_at: float | None = None
    ws_sent: float | None = None
    ws_status: float | None = None
    first_running_s: float | None = None  # click -> progress shows running/starting
    run_id: str | None = None
    interactions: list[float] = field(default_factory=list)  # full-rerun round trips (s)
    progress_gaps: list[float] = field(default_factory=list)  # s between progress changes while running
    finished_ui_s: float | None = None  # click -> "Finished N steps" shown
    disk_done_at: float | None = None  # when status.json first said the run ended
    runs_dir: Path | None = None
    errors: list[str] = field(default_factory=list)
    frames: deque = field(default_factory=lambda: deque(maxlen=5000))  # (t, "sent"/"recv", bytes) of the websocket
    page_errors: list[str] = field(default_factory=list)  # uncaught exceptions and console errors of the page
    shots: list[str] = field(default_factory=list)  # screenshots taken when something went wrong
    server_pid: int | None = None  # for a py-spy dump of the server's threads when the page stops answering
    reopened: int = 0  # Device lists that a rerun closed before the click, chosen again (set_device)


ANSWERS = (b"Queued (position", "starting · step".encode(), "running · step".encode())


def watch_websocket(sess: Session) -> None:
    """Time the click's rerun request leaving the page and its status arriving (see Session)."""

    def on_ws(ws) -> None:
        def sent(payload) -> None:
            sess.frames.append((time.monotonic(), "sent", payload if isinstance(payload, bytes) else payload.encode()))
            if sess.armed_at is not None and sess.ws_sent is None:
                sess.ws_sent = time.monotonic()

        def received(payload) -> None:
            sess.frames.append((time.monotonic(), "recv", payload if isinstance(payload, bytes) else payload.encode()))
            if sess.armed_at is None or sess.ws_status is not None:
                return
            data = payload if isinstance(payload, bytes) else payload.encode()
            if any(a in data for a in ANSWERS):
                sess.ws_status = time.monotonic()

        ws.on("framesent", sent)
        ws.on("framereceived", received)

    sess.page.on("websocket", on_ws)


def watch_errors(sess: Session) -> None:
    """Keep the page's uncaught exceptions and console errors (a crashed frontend shows no error
    on the page itself: its elements stop updating)."""
    def on_error(e) -> None:
        sess.page_errors.append(f"{time.monotonic():.1f} pageerror: {e}"[:400])
        dump_frames(sess, f"pageerror{len(sess.page_errors)}")

    sess.page.on("pageerror", on_error)
    sess.page.on("console", lambda m: sess.page_errors.append(f"{time.monotonic():.1f} console.{m.type}: "
                                                              f"{m.text}"[:400])
                 if m.type == "error" and not m.text.startswith("Failed to load resource") else None)


def dump_frames(sess: Session, why: str) -> None:
    """The page's last websocket frames (Streamlit's ForwardMsg/BackMsg protobufs) into a file, for
    bench/decode_frames.py: what the server sent just before the page broke."""
    if sess.runs_dir is None:
        return
    path = sess.runs_dir.parent / f"session{sess.i}-{why}.frames"
    with open(path, "wb") as f:
        for t, way, data in list(sess.frames):
            head = f"{t:.3f} {way} {len(data)}\n".encode()
            f.write(head + data + b"\n")
    sess.shots.append(str(path))


def dump_server_stacks(sess: Session, why: str) -> None:
    """Every thread's Python stack in the server now (py-spy dump), when py-spy is installed: a page
    that stops answering may wait for a script run that hangs."""
    if sess.runs_dir is None or sess.server_pid is None or shutil.which("py-spy") is None:
        return
    path = sess.runs_dir.parent / f"session{sess.i}-{why}.stacks"
    with open(path, "w") as f:
        subprocess.run(["py-spy", "dump", "--pid", str(sess.server_pid)], stdout=f, stderr=subprocess.STDOUT,
                       timeout=60, check=False)
    sess.shots.append(str(path))


async def screenshot(sess: Session, why: str) -> None:
    """The page as it is now, next to the server log (kept when a check fails), with the page's
    last websocket frames and the server's stacks."""
    if sess.runs_dir is None:
        return
    dump_frames(sess, why)
    dump_server_stacks(sess, why)
    path = sess.runs_dir.parent / f"session{sess.i}-{len(sess.shots)}-{why}.png"
    try:
        await sess.page.screenshot(path=str(path), full_page=True, timeout=30_000)
        sess.shots.append(str(path))
    except Exception as e:  # a hung renderer cannot even be photographed: say so
        sess.errors.append(f"screenshot ({why}) failed: {type(e).__name__}")


async def setup_page(sess: Session, url: str, steps: int, timeout_ms: int) -> None:
    page = sess.page
    watch_websocket(sess)
    watch_errors(sess)
    await page.add_init_script(TIMING_JS)
    await page.goto(url + "/train", timeout=timeout_ms)  # "/" is the Lessons page
    main = page.get_by_test_id("stMainBlockContainer")
    start = main.get_by_role("button", name="Start training")
    await start.wait_for(state="visible", timeout=timeout_ms)
    sidebar = page.get_by_test_id("stSidebar")
    box = sidebar.get_by_label("Steps", exact=True)
    await box.fill(str(steps))
    await box.press("Enter")
    deadline = time.monotonic() + timeout_ms / 1000
    while await box.input_value() != str(steps) or not await start.is_enabled():
        if time.monotonic() > deadline:
            raise RuntimeError(f"session {sess.i}: the Steps box did not take {steps}")
        await asyncio.sleep(0.1)
    # the device caption the interaction probe switches
    await page.wait_for_function(SIDEBAR_HAS_JS, arg=["Training will run on"], timeout=timeout_ms)


async def click_start(sess: Session, t_go: float, timeout_ms: int) -> None:
    page = sess.page
    start = page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Start training")
    delay = t_go - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
    t0 = sess.armed_at = time.monotonic()
    await start.click()
    handle = await page.wait_for_function(
        """() => { const el = document.querySelector(
                     '[data-testid="stElementContainer"]:not([data-stale="true"]) [data-testid="stProgress"]');
                   const t = el ? el.innerText : '';
                   return (t.includes('Queued (position') || t.startsWith('starting') || t.startsWith('running'))
                          ? t : false; }""",
        polling=50, timeout=timeout_ms)
    sess.react_s = time.monotonic() - t0
    sess.reaction = (await handle.json_value()).split(":")[0].split(" · ")[0]
    timing = await page.wait_for_function("() => window.__gan && window.__gan.paint !== null && window.__gan",
                                          timeout=timeout_ms)
    g = await timing.json_value()
    sess.page_react_s = (g["paint"] - g["click"]) / 1000
    sess.run_id = parse_qs(urlparse(page.url).query).get("run", [None])[0]


async def set_device(page, choice: str, timeout_ms: int, sess: Session | None = None) -> float:
    """Choose `choice` in the Device select box; seconds until the sidebar shows it.

    A full-page rerun that lands while the list is open (a run starting or ending reruns the page)
    redraws the select box and closes the list under the pointer; then the choice is made again,
    as a person would, up to 3 times (counted in `sess.reopened`)."""
    sidebar = page.get_by_test_id("stSidebar")
    for attempt in range(3):
        try:
            await sidebar.get_by_role("combobox", name="Device").click(timeout=timeout_ms)
            await page.get_by_role("option", name=choice, exact=True).click(timeout=min(timeout_ms, 15_000))
            break
        except Exception:
            if attempt == 2:
                raise
            if sess is not None:
                sess.reopened += 1
            await page.keyboard.press("Escape")
    t0 = time.monotonic()
    await page.wait_for_function(SIDEBAR_HAS_JS, arg=device_captions(choice), polling=50, timeout=timeout_ms)
    return time.monotonic() - t0


async def probe_session(sess: Session, interact_every: float, offset: float, stop: asyncio.Event,
                        timeout_ms: int) -> None:
    """Every `interact_every` s until `stop`: switch the Device select box and time the rerun."""
    await probe_device(lambda device: set_device(sess.page, device, min(timeout_ms, 60_000), sess), interact_every,
                       offset, stop, sess.interactions, sess.errors, lambda: screenshot(sess, "probe-timeout"))


async def watch_session(sess: Session, t_click: float, steps: int, interact_every: float, offset: float,
                        timeout_ms: int) -> None:
    """Until this session's run is finished: follow its progress text (every 0.1 s) while a
    second task probes full reruns; then wait for the "Finished" message."""
    page = sess.page
    stop = asyncio.Event()
    prober = asyncio.create_task(probe_session(sess, interact_every, offset, stop, timeout_ms))
    last_text, last_change = None, None
    finished_text = f"Finished {steps:,} steps"
    try:
        while True:
            try:
                text = await page.evaluate(PROGRESS_JS)
            except Exception as e:
                sess.errors.append(f"evaluate: {e}")
                text = ""
            now = time.monotonic()
            if text and ("running" in text or "starting" in text) and sess.first_running_s is None:
                sess.first_running_s = now - t_click
            if text and text != last_text:  # "" = between two renders of the fragment
                if last_change is not None and last_text and last_text.startswith("running"):
                    sess.progress_gaps.append(now - last_change)
                last_text, last_change = text, now
            if text.startswith("finished"):
                break
            if sess.disk_done_at is None and run_ended(sess.runs_dir, sess.run_id):
                sess.disk_done_at = now
            if sess.disk_done_at is not None and now - sess.disk_done_at > 90:
                sess.errors.append(f"page still shows {text[:60]!r} 90 s after its run ended (stale page)")
                await screenshot(sess, "stale")
                return
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        try:
            await asyncio.wait_for(prober, 90)
        except asyncio.TimeoutError:
            sess.errors.append("a rerun probe hung for 90 s")
    await page.get_by_text(finished_text).first.wait_for(state="visible", timeout=timeout_ms)
    sess.finished_ui_s = time.monotonic() - t_click


def run_states(runs_dir: Path) -> dict[str, str]:
    out = {}
    for st in runs_dir.glob("*/status.json"):
        try:
            out[st.parent.name] = json.loads(st.read_text())["state"]
        except (OSError, ValueError, KeyError):
            out[st.parent.name] = "?"
    return out


def start_py_spy(pid: int, out: str, seconds: float) -> subprocess.Popen:
    """Sample the server's Python stacks (every thread, idle ones too: a thread waiting for the
    GIL shows where it waits) for `seconds`, in py-spy's raw format (one line per stack, with the
    thread and its sample count; `grep` and `sort` read it)."""
    if shutil.which("py-spy") is None:
        raise SystemExit("--profile needs py-spy (pip install py-spy)")
    return subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--rate", "200", "--duration",
                             str(max(1, round(seconds))), "--format", "raw", "--threads", "--idle", "--output", out],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# ---------------------------------------------------------------------------- the test
def offset(sess, args: argparse.Namespace) -> float:
    """When this session's first Device probe comes: the sessions' probes are spread over one interval."""
    return args.interact_every * sess.i / max(1, args.sessions)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, round(q * (len(v) - 1)))]


async def load_test(args: argparse.Namespace) -> int:
    from playwright.async_api import async_playwright

    tmp = Path(tempfile.mkdtemp(prefix="gan_load_"))
    runs_dir = tmp / "runs"
    env = {}
    if args.max_runs_cpu:
        env["GAN_MAX_RUNS_CPU"] = str(args.max_runs_cpu)
    env["GAN_MAX_RUNS_PER_SESSION"] = os.environ.get("GAN_MAX_RUNS_PER_SESSION", "3")
    if args.omp_threads:
        env["OMP_NUM_THREADS"] = str(args.omp_threads)
    limit = int(env.get("GAN_MAX_RUNS_CPU") or os.environ.get("GAN_MAX_RUNS_CPU") or 2)
    server = Server(runs_dir, tmp / "server.log", args.port or free_port(), env)
    timeout_ms = int(args.page_timeout * 1000)
    print(f"load test: {args.sessions} sessions x {args.steps} steps (ring8-mlp): {args.browsers} real chromium "
          f"page(s) + {args.sessions - args.browsers} protocol client(s), GAN_MAX_RUNS_CPU={limit}, "
          f"OMP_NUM_THREADS={env.get('OMP_NUM_THREADS', os.environ.get('OMP_NUM_THREADS', 'unset'))}, "
          f"{os.cpu_count()} CPUs, load average before: {loadavg()}")
    print(f"server log: {server.log_path}")
    failures: list[str] = []
    server.start()
    t_server = time.monotonic()
    rss_boot = rss_mb(server.pid)
    threads_boot = thread_names(server.pid)
    sampler = Sampler(server.pid, runs_dir=runs_dir)
    sampler.start()
    sessions: list[Session | WsSession] = []
    spy = None
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            for i in range(args.sessions):
                if i < args.browsers:
                    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
                    ctx.set_default_timeout(timeout_ms)
                    sessions.append(Session(i, await ctx.new_page(), ctx, runs_dir=runs_dir, server_pid=server.pid))
                else:
                    sessions.append(WsSession(i, server.url, runs_dir=runs_dir, on_error=dump_frames))
            t0 = time.monotonic()
            await asyncio.gather(*(setup_page(s, server.url, args.steps, timeout_ms) if s.kind == "page" else
                                   s.setup(args.steps, args.page_timeout) for s in sessions))
            print(f"{args.sessions} sessions loaded and set up in {time.monotonic() - t0:.1f} s "
                  f"(server up {time.monotonic() - t_server:.1f} s)")
            await asyncio.sleep(args.settle)
            _, rss_before, n_before, train_before = sampler.sample()
            threads_before = thread_names(server.pid)
            busy0, total0 = machine_busy()
            cpu0 = cpu_seconds(server.pid)
            browser0 = browser_cpu_seconds()
            self0 = cpu_seconds(os.getpid())
            sampler.mark_cpu()

            # ---- every session clicks "Start training" at the same moment
            spy = start_py_spy(server.pid, args.profile, args.profile_s) if args.profile else None
            t_go = time.monotonic() + 0.5
            clicks = await asyncio.gather(*(click_start(s, t_go, timeout_ms) if s.kind == "page" else
                                            s.click_start(t_go, args.page_timeout) for s in sessions),
                                          return_exceptions=True)
            for s, r in zip(sessions, clicks):  # a page that did not react in time is a failure, not the end
                if isinstance(r, BaseException):
                    s.errors.append(f"click: {type(r).__name__}: {str(r)[:200]}")
                    if s.kind == "page":
                        s.run_id = s.run_id or parse_qs(urlparse(s.page.url).query).get("run", [None])[0]
            watchers = [asyncio.create_task(
                watch_session(s, t_go, args.steps, args.interact_every, offset(s, args), timeout_ms)
                if s.kind == "page" else
                s.watch(t_go, args.steps, args.interact_every, offset(s, args), args.page_timeout))
                for s in sessions]
            deadline = time.monotonic() + args.timeout
            t_drained = None
            while time.monotonic() < deadline:
                states = run_states(runs_dir)
                if len(states) >= args.sessions and all(v in ("finished", "failed", "stopped")
                                                        for v in states.values()):
                    t_drained = time.monotonic()
                    break
                await asyncio.sleep(0.2)
            if t_drained is None:
                failures.append(f"runs not done after {args.timeout:.0f} s: {run_states(runs_dir)}")
            done, pending = await asyncio.wait(watchers, timeout=args.page_timeout * 2)
            for w in pending:
                w.cancel()
            results = [w.exception() if w.done() and not w.cancelled() and w.exception() else
                       (asyncio.TimeoutError("the page watcher did not end") if w in pending else None)
                       for w in watchers]
            for s, r in zip(sessions, results):
                if isinstance(r, BaseException):
                    s.errors.append(f"watch: {type(r).__name__}: {str(r)[:300]}")
            busy1, total1 = machine_busy()
            cpu1 = cpu_seconds(server.pid)
            browser1 = browser_cpu_seconds()
            self1 = cpu_seconds(os.getpid())
            sampler.sample()
            cpu_groups = sampler.cpu_by_group()
            t_peak_end = time.monotonic()
            rss_peak = sampler.peak_rss(since=t_go)

            # ---- after: threads and memory with the pages open, then with them closed
            await asyncio.sleep(args.settle)
            _, rss_after, n_after, train_after = sampler.sample()
            threads_after = thread_names(server.pid)
            for s in sessions:
                await (s.context.close() if s.kind == "page" else s.close())
            await browser.close()
        await asyncio.sleep(args.settle)
        _, rss_closed, n_closed, train_closed = sampler.sample()
        threads_closed = thread_names(server.pid)
    finally:
        await sampler.stop()
        server.stop()
        if spy is not None:
            spy.wait()
            print(f"py-spy samples of the server from 0.5 s before the clicks: {args.profile}")

    # ---------------------------------------------------------------- report
    states = run_states(runs_dir)
    n_finished = sum(v == "finished" for v in states.values())
    statuses = {}
    for st in runs_dir.glob("*/status.json"):
        statuses[st.parent.name] = json.loads(st.read_text())
    print()
    print("answer: real page = the click's input event -> answer painted (the page's clock); protocol client (ws) ="
          " click request sent -> the answer received")
    print(f"{'sess':>4} {'kind':<4} {'run id':<24} {'answer':>7} {'harness':>8} {'reaction':<22} {'->running':>9} "
          f"{'->finished UI':>13} {'probes':>6} {'probe med':>9} {'probe max':>9} {'max gap':>8} {'train s':>8} errors")
    nan = float("nan")
    for s in sessions:
        st = statuses.get(s.run_id or "", {})
        answer = s.page_react_s if s.kind == "page" else s.react_s
        harness = f"{s.react_s or nan:>7.2f}s" if s.kind == "page" else f"{'-':>8}"
        print(f"{s.i:>4} {s.kind:<4} {s.run_id or '-':<24} {answer or nan:>6.2f}s {harness} {s.reaction[:22]:<22} "
              f"{s.first_running_s or nan:>8.1f}s {s.finished_ui_s or nan:>12.1f}s "
              f"{len(s.interactions):>6} {pct(s.interactions, 0.5):>8.2f}s "
              f"{max(s.interactions, default=nan):>8.2f}s "
              f"{max(s.progress_gaps, default=nan):>7.2f}s {st.get('train_seconds', nan):>8.1f} "
              f"{'; '.join(s.errors)[:160]}")
        if s.react_s is None or (s.kind == "page" and s.page_react_s is None):
            failures.append(f"session {s.i} ({s.kind}): no reaction to the click")
        if s.finished_ui_s is None:
            failures.append(f"session {s.i} ({s.kind}): never showed 'Finished'")
        if s.errors:
            failures.append(f"session {s.i} ({s.kind}): {s.errors[0][:200]}")
    pages = [s for s in sessions if s.kind == "page"]
    clients = [s for s in sessions if s.kind == "ws"]
    page_react = [s.page_react_s for s in pages if s.page_react_s is not None]
    all_react = [s.react_s for s in pages if s.react_s is not None]
    ws_react = [s.react_s for s in clients if s.react_s is not None]
    all_probes = [x for s in sessions for x in s.interactions]
    all_gaps = [x for s in sessions for x in s.progress_gaps]
    machine = 100 * (busy1 - busy0) / max(1e-9, total1 - total0)
    server_cpu = 100 * (cpu1 - cpu0) / max(1e-9, (t_peak_end - t_go) * (os.cpu_count() or 1))
    drain = (t_drained - t_go) if t_drained else nan
    train_total = sum(st.get("train_seconds", 0.0) for st in statuses.values())
    print()
    print(f"runs finished: {n_finished}/{args.sessions} (states: {sorted(set(states.values()))})")
    print(f"queue drain time (clicks -> last status.json finished): {drain:.1f} s; sum of runs' train_seconds "
          f"{train_total:.1f} s; most runs training at once: {sampler.max_concurrent_runs()} (limit {limit})")
    print(f"real pages ({len(pages)}, headless chromium on this machine): click -> answer on the page (input event "
          f"-> answer painted, the page's clock): median {pct(page_react, 0.5):.2f} s, worst "
          f"{max(page_react, default=nan):.2f} s (limit {args.max_react_s} s)")
    if pages:
        print(f"  as the harness sees it (Playwright's click call -> its poll finds the answer): "
              f"median {pct(all_react, 0.5):.2f} s, worst {max(all_react, default=nan):.2f} s")
        to_sent = [s.ws_sent - s.armed_at for s in pages if s.ws_sent and s.armed_at]
        answered = [s.ws_status - s.ws_sent for s in pages if s.ws_status and s.ws_sent]
        drawn = [s.armed_at + s.react_s - s.ws_status for s in pages if s.ws_status and s.react_s is not None]
        print(f"  of which (medians, from the pages' websockets): click -> rerun request sent {pct(to_sent, 0.5):.2f}"
              f" s (worst {max(to_sent, default=nan):.2f}), request -> status received {pct(answered, 0.5):.2f} s "
              f"(worst {max(answered, default=nan):.2f}), received -> visible {pct(drawn, 0.5):.2f} s "
              f"(worst {max(drawn, default=nan):.2f})")
    if clients:
        started = [s.ws_started - s.ws_sent for s in clients if s.ws_started and s.ws_sent]
        to_answer = [s.ws_status - s.ws_started for s in clients if s.ws_status and s.ws_started]
        print(f"protocol clients ({len(clients)}, bench/ws_session.py, nothing drawn: the server's part): click "
              f"request sent -> answer received: median {pct(ws_react, 0.5):.2f} s, worst "
              f"{max(ws_react, default=nan):.2f} s")
        print(f"  of which (medians): request sent -> the fragment's run started (new_session) "
              f"{pct(started, 0.5):.2f} s (worst {max(started, default=nan):.2f}), started -> answer received "
              f"{pct(to_answer, 0.5):.2f} s (worst {max(to_answer, default=nan):.2f}); auto reruns sent "
              f"{sum(s.auto_reruns_sent for s in clients)}")
    for label, group in (("real pages", pages), ("protocol clients", clients)):
        if not group:
            continue
        probes = [x for s in group for x in s.interactions]
        gaps = [x for s in group for x in s.progress_gaps]
        reopened = f"; Device lists closed by a rerun and chosen again: {sum(s.reopened for s in group)}" \
            if group is pages else ""
        print(f"{label}: full-page rerun while training (Device switch -> caption): n={len(probes)}, median "
              f"{pct(probes, 0.5):.2f} s, p90 {pct(probes, 0.9):.2f} s, worst {max(probes, default=nan):.2f} s"
              f"{reopened}")
        print(f"{label}: live progress text, gap between updates while running: median {pct(gaps, 0.5):.2f} s, "
              f"worst {max(gaps, default=nan):.2f} s (poll interval 1 s)")
    print(f"worst response time (any of the above, pages and clients): "
          f"{max(all_react + ws_react + all_probes + all_gaps, default=nan):.2f} s")
    print(f"server threads: boot {len(threads_boot)}, pages loaded {n_before}, after runs {n_after}, "
          f"sessions closed {n_closed}; train-* threads before {len(train_before)}, after {sorted(train_after)}, "
          f"after close {sorted(train_closed)}")
    extra = sorted(set(threads_after) - set(threads_before))
    print(f"  thread names before clicks: {compact(threads_before)}")
    print(f"  thread names after runs:    {compact(threads_after)}" + (f"  (new names: {extra})" if extra else ""))
    print(f"  thread names after close:   {compact(threads_closed)}")
    print(f"server RSS: boot {rss_boot:.0f} MB, pages loaded (before clicks) {rss_before:.0f} MB, "
          f"peak {rss_peak:.0f} MB, "
          f"after runs {rss_after:.0f} MB ({rss_after - rss_before:+.0f}), sessions closed {rss_closed:.0f} MB "
          f"({rss_closed - rss_before:+.0f})")
    print(f"CPU during the runs: machine {machine:.0f}% busy of {os.cpu_count()} CPUs, "
          f"server process {server_cpu:.0f}% "
          f"of the machine ({cpu1 - cpu0:.0f} CPU s in {t_peak_end - t_go:.0f} s), the test's browsers "
          f"{100 * (browser1 - browser0) / max(1e-9, total1 - total0):.0f}% ({browser1 - browser0:.0f} CPU s), "
          f"this test's own process (protocol clients, Playwright's client) "
          f"{100 * (self1 - self0) / max(1e-9, total1 - total0):.0f}% ({self1 - self0:.0f} CPU s); "
          f"load average after: {loadavg()}")
    print("  server CPU seconds by thread: " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(cpu_groups.items())))

    if n_finished != args.sessions:
        failures.append(f"{n_finished}/{args.sessions} runs finished")
    if train_after or train_closed:
        failures.append(f"training threads survived their runs: {sorted(train_after | train_closed)}")
    if sampler.max_concurrent_runs() > limit:
        failures.append(f"{sampler.max_concurrent_runs()} runs trained at once, limit {limit}")
    worst_react = max(page_react, default=0.0)
    if worst_react > args.max_react_s:
        failures.append(f"click -> answer on the page took {worst_react:.2f} s on the slowest page "
                        f"> {args.max_react_s} s")
    worst = max(all_react + ws_react + all_probes + all_gaps, default=0.0)
    if worst > args.max_response_s:
        failures.append(f"worst response {worst:.1f} s > {args.max_response_s} s")
    growth = rss_closed - rss_before
    if growth > max(args.max_rss_growth_mb, 0.25 * rss_before):
        failures.append(f"RSS after closing grew {growth:.0f} MB over the level before the clicks")
    for s in sessions:
        if s.page_errors or s.shots:
            print(f"session {s.i}: page errors {s.page_errors[:8]}; screenshots {s.shots}")
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        print(f"server log tail:\n{server.tail(2000)}")
    else:
        print("\nall checks passed")
    if args.keep or failures:
        print(f"kept {tmp}" + ("" if args.keep else " (a check failed: the server log and screenshots are there)"))
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


def compact(names: list[str]) -> str:
    counts: dict[str, int] = {}
    for n in names:
        key = "train-*" if n.startswith("train-") else n
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{k} x{v}" if v > 1 else k for k, v in sorted(counts.items()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=10, help="sessions, one run each (default 10)")
    ap.add_argument("--browsers", type=int, default=1,
                    help="how many of the sessions are real chromium pages (default 1); the others are protocol "
                         "clients (bench/ws_session.py). --browsers N = all in chromium")
    ap.add_argument("--steps", type=int, default=300, help="steps per run (default 300)")
    ap.add_argument("--quick", action="store_true", help="4 sessions x 200 steps")
    ap.add_argument("--max-runs-cpu", type=int, default=None,
                    help="GAN_MAX_RUNS_CPU for the server (default: inherited, else the server's default 2)")
    ap.add_argument("--omp-threads", type=int, default=None, help="OMP_NUM_THREADS for the server (default: inherited)")
    ap.add_argument("--interact-every", type=float, default=4.0, help="seconds between rerun probes per page")
    ap.add_argument("--settle", type=float, default=5.0, help="idle seconds before the 'before'/'after' readings")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for every run to finish")
    ap.add_argument("--page-timeout", type=float, default=300.0, help="seconds any one page wait may take")
    ap.add_argument("--max-response-s", type=float, default=15.0, help="fail when a page answer takes longer")
    ap.add_argument("--max-react-s", type=float, default=1.0,
                    help="fail when a click on Start is not answered on its page within this (issue 15: 1 s)")
    ap.add_argument("--max-rss-growth-mb", type=float, default=100.0, help="fail when RSS grows more than this")
    ap.add_argument("--profile", default=None, metavar="FILE",
                    help="record the server with py-spy around the clicks into FILE (raw stacks, every thread)")
    ap.add_argument("--profile-s", type=float, default=6.0, help="seconds --profile records (from 0.5 s before)")
    ap.add_argument("--port", type=int, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the temporary runs directory and server log")
    args = ap.parse_args(argv)
    if args.quick:
        args.sessions, args.steps = min(args.sessions, 4), 200
    if not 0 <= args.browsers <= args.sessions:
        ap.error(f"--browsers must be between 0 and --sessions ({args.sessions}), got {args.browsers}")
    if not os.path.exists(CHROMIUM):
        print(f"{CHROMIUM} not found; this load test drives Debian chromium", file=sys.stderr)
        return 2
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        print("the playwright package is not installed", file=sys.stderr)
        return 2
    install_sigterm_cleanup()
    return asyncio.run(load_test(args))


if __name__ == "__main__":
    sys.exit(main())
