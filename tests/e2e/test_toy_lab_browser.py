"""Browser end-to-end test of the 2-D lab: the real server, a real (headless) chromium.

Open the lab, see the view (heat map, real and fake points, arrows, manifold), press Play and
watch the step counter run and the view change, Pause and check that nothing moves any more,
then Step, D step and G step and check that the counters change by exactly one. With
$E2E_SCREENSHOT_DIR set, a screenshot of the page is saved there (toy_lab.png) for a look.
"""

from __future__ import annotations

import os
import re
import time

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
from playwright.sync_api import expect
from waits import wait_until as _wait_until

LIVE_TIMEOUT_MS = 90_000
FRESH = '[data-testid="stElementContainer"]:not([data-stale="true"])'
COUNTER_RE = re.compile(r"Step ([\d,]+) · D updates ([\d,]+) · G updates ([\d,]+)")

# The lab view's traces by name, and a fingerprint of the fake points (to see them move).
VIEW_JS = """() => {
  for (const el of document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')) {
    const traces = el._fullData || [];
    const names = traces.map(t => t.name);
    if (!names.includes('fake G(z)')) continue;
    const fake = traces.find(t => t.name === 'fake G(z)');
    let sum = 0;
    for (let i = 0; i < fake._length; i++) sum += fake.x[i] * 1.3 + fake.y[i];
    return {names: names, nfake: fake._length, fingerprint: sum};
  }
  return null;
}"""


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


def test_lab_play_pause_and_step(page, streamlit_server):
    page.goto(streamlit_server["url"] + "/toy_lab")
    play = _button(page, "lab_play")
    expect(play).to_be_enabled(timeout=LIVE_TIMEOUT_MS)  # the first load imports torch
    assert _wait_until(lambda: _counters(page) == (0, 0, 0), 60, "the step counter at 0")

    # ---- the view: D's heat map, real and fake points, arrows and the manifold
    view = _wait_until(lambda: page.evaluate(VIEW_JS), 60, "the lab view")
    assert {"D", "real", "fake G(z)", "G's manifold"} <= set(view["names"]), view["names"]
    assert any(n.startswith("-∇") for n in view["names"]) and view["nfake"] > 0
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
    _button(page, "lab_step").click()
    want = (paused[0] + 1, paused[1] + 1, paused[2] + 1)
    _wait_until(lambda: _counters(page) == want, 30, f"the counters to become {want}")
    expect(page.locator(FRESH).get_by_text("One iteration", exact=False)).to_be_visible()
    _wait_until(lambda: _fingerprint(page) != fp, 10, "the fake points to move")  # G moved its points
    time.sleep(1.0)
    assert _counters(page) == want  # and stays paused

    # ---- D step: D moves, the step counter and the fake points do not
    fp = _fingerprint(page)
    _button(page, "lab_step_d").click()
    want_d = (want[0], want[1] + 1, want[2])
    _wait_until(lambda: _counters(page) == want_d, 30, f"the counters to become {want_d}")
    expect(page.locator(FRESH).get_by_text("Discriminator step", exact=False)).to_be_visible()
    assert _fingerprint(page) == fp
    expect(page.get_by_test_id("stException")).to_have_count(0)

    # ---- G step: G moves (the fake points), the iteration ends; D's heat map does not change
    _button(page, "lab_step_g").click()
    want_g = (want_d[0] + 1, want_d[1], want_d[2] + 1)
    _wait_until(lambda: _counters(page) == want_g, 30, f"the counters to become {want_g}")
    expect(page.locator(FRESH).get_by_text("Generator step", exact=False)).to_be_visible()
    _wait_until(lambda: _fingerprint(page) != fp, 10, "the fake points to move")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    if shots := os.environ.get("E2E_SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(shots, "toy_lab.png"), full_page=True)
