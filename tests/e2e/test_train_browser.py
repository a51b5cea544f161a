"""Browser end-to-end test of the Train page: the real server, a real (headless) chromium.

Start a ring-of-8-Gaussians run (the click answered by the Start box alone, not a page rerun),
watch the live panel update (progress text, metrics chart,
2-D samples scatter, ?run=<id> in the URL), stop it, check that polling ends, and reload the
?run=<id> URL to check that a new session reattaches to the same run.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
from playwright.sync_api import expect
from waits import wait_until as _wait_until

REPO = Path(__file__).resolve().parents[2]
STEPS = 100_000  # far more than the test lets run, so the run is still active when Stop is pressed
LIVE_TIMEOUT_MS = 60_000
STEP_RE = re.compile(r"step ([\d,]+)/([\d,]+)")

# Elements of the current script run only: Streamlit keeps the previous run's elements on
# screen, marked data-stale="true", until they are replaced.
FRESH = '[data-testid="stElementContainer"]:not([data-stale="true"])'
PROGRESS = f'{FRESH} [data-testid="stProgress"]'

# Point counts of the live charts, told apart by their trace names. _fullData holds the decoded
# traces (the figure's numpy arrays arrive base64-encoded in .data).
CHART_POINTS_JS = """() => {
  const out = {metrics: [], points: []};
  for (const el of document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')) {
    const traces = el._fullData || [];
    const names = traces.map(t => t.name);
    const n = traces.length ? traces[0]._length : 0;
    if (names.includes('D loss')) out.metrics.push(n);
    if (names.includes('generated (fixed z)')) out.points.push(n);
  }
  return out;
}"""


def _progress_text(page) -> str:
    loc = page.locator(PROGRESS)
    return loc.first.inner_text(timeout=5_000) if loc.count() else ""


def _step(text: str) -> int | None:
    m = STEP_RE.search(text)
    return int(m.group(1).replace(",", "")) if m else None




def _run_id(url: str) -> str | None:
    return parse_qs(urlparse(url).query).get("run", [None])[0]


ANSWERS = (b"Queued (position", "starting · step".encode(), "running · step".encode())


def _record_answer_frames(page) -> dict:
    """Websocket frames the page receives once `armed`, up to the first that answers a click on
    Start (a run's status): what the server sent to answer it."""
    rec = {"armed": False, "frames": [], "answered": False}

    def on_ws(ws):
        def received(payload):
            if not rec["armed"] or rec["answered"]:
                return
            data = payload if isinstance(payload, bytes) else payload.encode()
            rec["frames"].append(data)
            rec["answered"] = any(a in data for a in ANSWERS)

        ws.on("framereceived", received)

    page.on("websocket", on_ws)
    return rec


def _count_references(page) -> dict:
    """Count the messages that reach the page as a reference to one it cached (ForwardMsg.ref_hash).

    The app turns Streamlit's message cache off (.streamlit/config.toml, global.minCachedMessageSize):
    with it, a fragment poll starting right after a page run could leave the page a reference to a
    chart inside containers it never got, and the page went white (bench/load_test.py)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    seen = {"messages": 0, "references": 0}

    def on_ws(ws):
        def received(payload):
            msg = ForwardMsg()
            try:
                msg.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
            except Exception:  # not a Streamlit message
                return
            seen["messages"] += 1
            seen["references"] += msg.WhichOneof("type") == "ref_hash"

        ws.on("framereceived", received)

    page.on("websocket", on_ws)
    return seen


def test_train_ring8_live_stop_and_reattach(page, streamlit_server):
    answer = _record_answer_frames(page)
    refs = _count_references(page)
    page.goto(streamlit_server["url"] + "/train")
    # the app's own elements (the header's status widget has a "Stop" button of its own while a
    # script run is in progress)
    main = page.get_by_test_id("stMainBlockContainer")
    start = main.get_by_role("button", name="Start training")
    expect(start).to_be_enabled(timeout=LIVE_TIMEOUT_MS)  # the first load imports torch

    # ---- the default preset: a 2-D ring of 8 Gaussians with an MLP
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("combobox", name="Preset")).to_have_value(re.compile(r"^Ring of 8 Gaussians, MLP"))
    expect(sidebar.get_by_role("combobox", name="Dataset")).to_have_value("Ring of 8 Gaussians")
    expect(sidebar.get_by_role("combobox", name="Architecture")).to_have_value(re.compile(r"^MLP"))

    # ---- many steps, so the run cannot finish before Stop on a fast machine
    steps = sidebar.get_by_label("Steps", exact=True)
    steps.fill(str(STEPS))
    steps.press("Enter")
    expect(steps).to_have_value(str(STEPS))
    expect(start).to_be_enabled()

    # the page's own run (after the Steps box) is over: what comes next answers the click
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=LIVE_TIMEOUT_MS)
    page.wait_for_timeout(500)
    answer["armed"] = True
    start.click()
    for _ in range(300):  # playwright delivers websocket events while it waits (not in time.sleep)
        if answer["answered"]:
            break
        page.wait_for_timeout(100)
    assert answer["answered"], "no run status came back for the click on Start"
    # The click is answered by the Start box alone (a fragment), not by a run of the whole page:
    # the page's title and the sidebar form were not sent again before the status.
    assert not any(b"Train a GAN" in f or b"Configuration" in f for f in answer["frames"]), \
        "the whole page was drawn again before the click on Start was answered"

    # ---- the run starts: ?run=<id> in the URL, live progress text with a rate
    page.wait_for_url(re.compile(r"[?&]run=[\w-]+"), timeout=LIVE_TIMEOUT_MS)
    run_id = _run_id(page.url)
    assert run_id, page.url
    expect(page.locator(PROGRESS).first).to_contain_text("steps/s", timeout=LIVE_TIMEOUT_MS)
    expect(page.locator(PROGRESS).first).to_contain_text(f"/{STEPS:,}")
    expect(main.get_by_role("combobox", name="Your runs")).to_have_value(re.compile(rf" · {run_id}$"))

    # ---- the metrics chart and the 2-D samples scatter appear
    expect(main.get_by_text("Real points (grey) and G(fixed z)", exact=False).first).to_be_visible(
        timeout=LIVE_TIMEOUT_MS)
    _wait_until(lambda: page.evaluate(CHART_POINTS_JS)["points"], LIVE_TIMEOUT_MS / 1000,
                what="the 2-D samples scatter")
    first = _wait_until(lambda: max(page.evaluate(CHART_POINTS_JS)["metrics"] or [0]), LIVE_TIMEOUT_MS / 1000,
                        what="a metrics chart with points")
    # a chart being redrawn is briefly stale (not counted by FRESH): wait for both
    _wait_until(lambda: page.locator(f'{FRESH} [data-testid="stPlotlyChart"]').count() >= 2, 30,
                what="the metrics chart and the scatter together")
    expect(page.get_by_test_id("stException")).to_have_count(0)

    # ---- it updates: the step number grows and the metrics trace gains points
    s0 = _step(_progress_text(page))
    assert s0 is not None, _progress_text(page)
    s1 = _wait_until(lambda: (s := _step(_progress_text(page))) is not None and s > s0 and s, 30,
                     what=f"the step number to grow past {s0}")
    _wait_until(lambda: max(page.evaluate(CHART_POINTS_JS)["metrics"] or [0]) > first, 30,
                what=f"the metrics trace to grow past {first} points")
    assert s1 > s0

    # ---- Stop: the run ends with its checkpoint, polling ends
    main.get_by_role("button", name="Stop").click()
    stopped = main.get_by_text("Stopped at step", exact=False)
    expect(stopped).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(page.locator(PROGRESS).first).to_contain_text("stopped")
    expect(main.get_by_role("button", name="Stop")).to_be_disabled()
    text_a = _progress_text(page)
    stop_step = _step(text_a)
    assert stop_step is not None and stop_step >= s1, text_a
    points_a = page.evaluate(CHART_POINTS_JS)["metrics"]
    time.sleep(3)  # nothing to wait *for*: this checks that nothing changes
    assert _progress_text(page) == text_a
    assert page.evaluate(CHART_POINTS_JS)["metrics"] == points_a
    assert re.search(rf"Stopped at step {stop_step:,};", main.get_by_text("Stopped at step").inner_text())
    assert _run_id(page.url) == run_id

    # ---- reloading the ?run=<id> URL starts a new session, which reattaches to the same run
    page.reload()
    assert _run_id(page.url) == run_id
    expect(main.get_by_text("Stopped at step", exact=False)).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(page.locator(PROGRESS).first).to_contain_text(f"stopped · step {stop_step:,}/{STEPS:,}")
    expect(main.get_by_role("combobox", name="Your runs")).to_have_value(re.compile(rf" · {run_id}$"))
    assert _run_id(page.url) == run_id

    expect(page.get_by_test_id("stException")).to_have_count(0)
    # every chart was sent whole, never as a reference to a cached copy (the white-page crash)
    assert refs["messages"] > 100 and refs["references"] == 0, refs

    # ---- the run was written under GAN_RUNS_DIR, not into the repository
    assert (streamlit_server["runs_dir"] / run_id / "status.json").is_file()
    assert not (REPO / "runs" / run_id).exists()
