"""Browser end-to-end test of the 2-D lab: the real server, a real (headless) chromium.

Open the lab, see the view (heat map, real and fake points, arrows, manifold), press Play and
watch the step counter run and the view change, Pause and check that nothing moves any more,
then Step, D step and G step and check that the counters change by exactly one. During Play, the
heat map is never blank and never faded (issue 15: it was blank in 21 of 30 screenshots) and the
view redraws several times a second. With $E2E_SCREENSHOT_DIR set, screenshots are saved there
(toy_lab.png, toy_lab_play_NN.png) for a look.
"""

from __future__ import annotations

import io
import os
import re
import time

import numpy as np
import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
from PIL import Image
from playwright.sync_api import expect
from waits import wait_until as _wait_until

LIVE_TIMEOUT_MS = 90_000
FRESH = '[data-testid="stElementContainer"]:not([data-stale="true"])'
COUNTER_RE = re.compile(r"Step ([\d,]+) · D updates ([\d,]+) · G updates ([\d,]+)")
VIEW = ".st-key-lab_view"  # the view's element container (its key is lab_view)
# A floor that tells an animated view from a stuck one on a loaded CI machine (the old Plotly view
# reached 0.1/s). The rate itself (8-10/s at load 8-16 on the 2-core dev machine, falling with
# the load) is measured by bench/toy_lab_anim.py; a 5 s window at load 13 has seen 3/s.
MIN_REDRAWS_PER_S = 2.0

# What the canvas view drew last (window.labView in ui/components/lab_canvas/index.html): frames
# drawn, the step, the layers, and a fingerprint of the fake points (to see them move).
VIEW_JS = """() => {
  const f = document.querySelector('.st-key-lab_view iframe');
  const v = f && f.contentWindow && f.contentWindow.labView;
  return v && v.frames > 0 ? {layers: v.layers, heat: v.heat, nfake: v.nfake, fingerprint: v.fakeSum,
                              frames: v.frames, step: v.step} : null;
}"""

# The opacity the view is seen with: its own times all its ancestors' (Streamlit fades stale elements).
OPACITY_JS = """(sel) => { let el = [...document.querySelectorAll(sel)].sort((a, b) =>
    b.getBoundingClientRect().height - a.getBoundingClientRect().height)[0], o = el ? 1 : 0;
  for (; el && el.nodeType === 1; el = el.parentElement) o *= parseFloat(getComputedStyle(el).opacity);
  return o; }"""


# The page box of the largest element matching a selector (a rerun can leave an empty stale copy).
BOX_JS = """(sel) => { let best = null;
  for (const el of document.querySelectorAll(sel)) { const r = el.getBoundingClientRect();
    if (r.width * r.height > 0 && (!best || r.width * r.height > best.width * best.height))
      best = {x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height}; }
  return best; }"""


def heat_map_is_blank(png: bytes) -> bool:
    """A screenshot of the view shows no heat map: its central square (inside the heat map in the
    view, whatever draws it) has almost no colour variance, or is almost all white page background."""
    a = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float32)
    h, w = a.shape[:2]
    s = min(h, w) // 3
    c = a[h // 2 - s // 2: h // 2 + s // 2, w // 2 - s // 2: w // 2 + s // 2]
    return float(c.reshape(-1, 3).std(0).mean()) < 4.0 or float((c.min(axis=2) > 245).mean()) > 0.97


def _counters(page) -> tuple[int, int, int] | None:
    loc = page.locator(FRESH).filter(has_text=COUNTER_RE)
    if not loc.count():
        return None
    m = COUNTER_RE.search(loc.last.inner_text(timeout=5_000))
    return tuple(int(g.replace(",", "")) for g in m.groups()) if m else None




def _fingerprint(page) -> float:
    """The fake points' fingerprint; waits while the chart is being redrawn (no traces for a moment)."""
    return _wait_until(lambda: page.evaluate(VIEW_JS), 30, "the lab view")["fingerprint"]


def _button(page, key: str):
    """The button of widget `key` in the current script run (not a stale copy being replaced)."""
    return page.locator(f'[data-testid="stElementContainer"].st-key-{key}:not([data-stale="true"])').last.get_by_role(
        "button")


IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def _step_and_wait(page, key: str, before: tuple[int, int, int], want: tuple[int, int, int]) -> None:
    """Click a step button once the page is idle and wait for the counters to become `want`.

    On a loaded machine a click that lands while the page is being redrawn can be lost (CI saw the
    counters stay at their value for 30 s). Only when they have not moved at all, with the page idle,
    is the click repeated: one step more than asked would still fail the test."""
    for attempt in range(2):
        expect(page.locator(IDLE)).to_have_count(1, timeout=LIVE_TIMEOUT_MS)
        _button(page, key).click()
        try:
            _wait_until(lambda: _counters(page) == want, 30, f"the counters to become {want}")
            return
        except AssertionError:
            if attempt or _counters(page) != before:
                raise


def test_lab_play_pause_and_step(page, streamlit_server):
    page.goto(streamlit_server["url"] + "/toy_lab")
    play = _button(page, "lab_play")
    expect(play).to_be_enabled(timeout=LIVE_TIMEOUT_MS)  # the first load imports torch
    assert _wait_until(lambda: _counters(page) == (0, 0, 0), 60, "the step counter at 0")

    # ---- the view: D's heat map, real and fake points, arrows and the manifold
    view = _wait_until(lambda: page.evaluate(VIEW_JS), 60, "the lab view")
    assert view["layers"] == ["heat", "real", "fake", "arrows", "manifold"] and view["heat"], view
    assert view["nfake"] > 0 and view["step"] == 0
    expect(page.get_by_test_id("stException")).to_have_count(0)

    # ---- Play: the counter runs and the fake points move
    play.click()
    expect(play).to_contain_text("Pause", timeout=LIVE_TIMEOUT_MS)
    expect(_button(page, "lab_step")).to_be_disabled()
    s1 = _wait_until(lambda: (c := _counters(page)) and c[0] > 0 and c, 60, "the counter to start")
    _wait_until(lambda: (c := _counters(page)) and c[0] > s1[0], 60, f"the counter to pass {s1[0]}")
    _wait_until(lambda: _fingerprint(page) != view["fingerprint"], 30, "the fake points to move")

    # ---- Pause: nothing moves any more
    play.click()
    try:
        expect(play).to_contain_text("Play", timeout=20_000)
    except AssertionError:  # under heavy load a click can land while the button is being redrawn
        play.click()  # Pause sets "paused" (no toggle), so a second click cannot restart the game
        expect(play).to_contain_text("Play", timeout=LIVE_TIMEOUT_MS)
    expect(_button(page, "lab_step")).to_be_enabled(timeout=LIVE_TIMEOUT_MS)
    # the play tick that was running when Pause landed may still be drawn: wait for a settled counter
    def settled():
        a = _counters(page)
        time.sleep(0.7)
        return a if a and a == _counters(page) else None

    paused = _wait_until(settled, 30, "the counter to settle after pausing")
    time.sleep(2.0)  # nothing to wait *for*: this checks that nothing changes
    assert _counters(page) == paused
    fp = _fingerprint(page)

    # ---- Step: exactly one iteration (one D update, one G update with d_steps = 1)
    want = (paused[0] + 1, paused[1] + 1, paused[2] + 1)
    _step_and_wait(page, "lab_step", paused, want)
    expect(page.locator(FRESH).get_by_text("One iteration", exact=False)).to_be_visible()
    _wait_until(lambda: _fingerprint(page) != fp, 10, "the fake points to move")  # G moved its points
    time.sleep(1.0)
    assert _counters(page) == want  # and stays paused

    # ---- D step: D moves, the step counter and the fake points do not
    fp = _fingerprint(page)
    want_d = (want[0], want[1] + 1, want[2])
    _step_and_wait(page, "lab_step_d", want, want_d)
    expect(page.locator(FRESH).get_by_text("Discriminator step", exact=False)).to_be_visible()
    assert _fingerprint(page) == fp
    expect(page.get_by_test_id("stException")).to_have_count(0)

    # ---- G step: G moves (the fake points), the iteration ends; D's heat map does not change
    want_g = (want_d[0] + 1, want_d[1], want_d[2] + 1)
    _step_and_wait(page, "lab_step_g", want_d, want_g)
    expect(page.locator(FRESH).get_by_text("Generator step", exact=False)).to_be_visible()
    _wait_until(lambda: _fingerprint(page) != fp, 10, "the fake points to move")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    if shots := os.environ.get("E2E_SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(shots, "toy_lab.png"), full_page=True)


def test_play_never_blanks_or_fades_the_heat_map(page, streamlit_server):
    """20 screenshots of the view during Play, 0.3 s apart: the heat map is in every one and the view
    is never faded; and the canvas redraws several times a second (bench/toy_lab_anim.py for figures).

    The screenshots and the opacity check do not depend on how the view is drawn, so they also
    judge the old Plotly view (which failed them: blank or faded in most screenshots)."""
    page.goto(streamlit_server["url"] + "/toy_lab")
    play = _button(page, "lab_play")
    expect(play).to_be_enabled(timeout=LIVE_TIMEOUT_MS)
    page.locator(VIEW).first.wait_for(timeout=LIVE_TIMEOUT_MS)
    play.click()
    expect(play).to_contain_text("Pause", timeout=LIVE_TIMEOUT_MS)
    _wait_until(lambda: (c := _counters(page)) and c[0] > 0, 60, "the counter to start")
    time.sleep(1.0)
    shots = os.environ.get("E2E_SCREENSHOT_DIR")
    bad = []
    for i in range(20):
        t = time.monotonic()
        box = page.evaluate(BOX_JS, VIEW)
        try:  # a view that cannot be shot within 10 s is as good as blank
            png = page.screenshot(clip=box, animations="allow", timeout=10_000) if box else None
            why = "no view" if png is None else "blank" if heat_map_is_blank(png) else ""
        except Exception as e:
            png, why = None, repr(e)[:60]
        opacity = page.evaluate(OPACITY_JS, VIEW)
        if why or opacity < 0.99:
            bad.append((i, why, round(opacity, 2)))
        if shots and png:
            with open(os.path.join(shots, f"toy_lab_play_{i:02d}.png"), "wb") as f:
                f.write(png)
        time.sleep(max(0.0, 0.3 - (time.monotonic() - t)))
    assert not bad, f"blank or faded view in {len(bad)} of 20 screenshots (index, why, opacity): {bad}"

    # ---- redraws per second of the canvas, over 8 s of Play
    a = page.evaluate(VIEW_JS)
    t0 = time.monotonic()
    time.sleep(8.0)
    b = page.evaluate(VIEW_JS)
    rate = (b["frames"] - a["frames"]) / (time.monotonic() - t0)
    print(f"\nlab view: {rate:.1f} redraws/s during Play (load average {os.getloadavg()[0]:.1f})")
    assert rate >= MIN_REDRAWS_PER_S and b["step"] > a["step"]
    play.click()
    expect(play).to_contain_text("Play", timeout=LIVE_TIMEOUT_MS)
