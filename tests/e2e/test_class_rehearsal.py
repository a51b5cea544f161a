"""Class rehearsal in a real browser (issue 15): what a teacher does in a lesson, on the real server.

Start a Fashion-MNIST run (a small MLP, scoring off, so that the test is quick), then lecture from
every other page for longer than the orphan timeout (set to a few seconds for this server) without
touching anything: the run must still be training when the teacher comes back, because every page
keeps the session's runs alive. Then Pause, Step three times and Resume: after each, the buttons
must match the run (Step used to leave the run paused with Pause active and Step/Resume disabled),
and a paused run shows no steps/s or time left. LR 1000 must block Start with a message under the box
and at the button (it used to turn red and train with the previous value): checked while the run
loads its data, which the test waits for anyway.

The 2-D lab's Play check lives in tests/e2e/test_toy_lab_browser.py.
"""

from __future__ import annotations

import json
import re
import time

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
from playwright.sync_api import expect
from waits import wait_until

ORPHAN_TIMEOUT_S = 6  # the server's GAN_ORPHAN_TIMEOUT_S: pages heartbeat every second (timeout / 6)
VISIT_MARGIN_S = 1.5  # each visit lasts the timeout and this long after the page's heading is shown (the
# reaper looks every timeout / 4 = 1.5 s; the Train page's last heartbeat came before the page switch)
PAGES = ["Runs", "Compare", "Explore", "Data", "2-D lab"]
TIMEOUT_MS = 60_000
FRESH = '[data-testid="stElementContainer"]:not([data-stale="true"])'
PROGRESS = f'{FRESH} [data-testid="stProgress"]'
STEP_RE = re.compile(r"step ([\d,]+)/")


@pytest.fixture(scope="module", autouse=True)
def _short_orphan_timeout():
    """The server of this module (the conftest's streamlit_server, started after this autouse
    fixture of the same scope) stops runs after a few seconds without a page."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GAN_ORPHAN_TIMEOUT_S", str(ORPHAN_TIMEOUT_S))
        yield


def _progress(page) -> str:
    loc = page.locator(PROGRESS)
    try:
        return loc.first.inner_text(timeout=2_000) if loc.count() else ""
    except Exception:
        return ""


def _step(page) -> int | None:
    m = STEP_RE.search(_progress(page))
    return int(m.group(1).replace(",", "")) if m else None


def _status(runs_dir, run_id) -> dict:
    try:
        return json.loads((runs_dir / run_id / "status.json").read_text())
    except (OSError, ValueError):
        return {}


def _buttons(main) -> dict[str, bool]:
    """Which run controls are enabled (fresh elements only)."""
    out = {}
    for name in ("Pause", "Resume", "Step"):
        loc = main.locator(FRESH).get_by_role("button", name=name, exact=True)
        out[name] = loc.count() == 1 and loc.is_enabled()
    return out


def _expect_buttons(page, main, want: dict[str, bool], what: str, hold_s: float = 2.5) -> None:
    """The controls reach `want` and still show it `hold_s` later (more than two polls: no page
    rerun is pending that would change them)."""
    wait_until(lambda: _buttons(main) == want, 20, what=f"{what}: buttons {want} (have {_buttons(main)})")
    time.sleep(hold_s)
    assert _buttons(main) == want, f"{what}: the buttons changed to {_buttons(main)}; progress {_progress(page)!r}"


def test_class_rehearsal(page, streamlit_server):
    runs_dir = streamlit_server["runs_dir"]
    page.goto(streamlit_server["url"] + "/train")
    main = page.get_by_test_id("stMainBlockContainer")
    sidebar = page.get_by_test_id("stSidebar")
    start = main.get_by_role("button", name="Start training")
    expect(start).to_be_enabled(timeout=TIMEOUT_MS)

    # ---- a quick Fashion-MNIST run: classic MLP, narrow, no periodic scoring
    sidebar.get_by_role("combobox", name="Preset").click()
    page.get_by_role("option", name=re.compile("Fashion-MNIST, classic MLP")).click()
    expect(sidebar.get_by_role("combobox", name="Dataset")).to_have_value(re.compile("Fashion-MNIST"))
    for label, value in (("Model width", "32"), ("Steps", "1000000")):
        box = sidebar.get_by_label(label, exact=True)
        box.fill(value)
        box.press("Enter")
        expect(box).to_have_value(value)
    sidebar.get_by_text("Scores & monitoring").click()
    score = sidebar.get_by_label("Score every N steps", exact=True)
    score.fill("0")
    score.press("Enter")
    expect(score).to_have_value("0")
    expect(main.get_by_label("Run name", exact=True)).to_have_value("fmnist-mlp · width 32 · steps 1M")
    expect(start).to_be_enabled()
    start.click()
    page.wait_for_url(re.compile(r"[?&]run=[\w-]+"), timeout=TIMEOUT_MS)
    run_id = re.search(r"[?&]run=([\w-]+)", page.url).group(1)

    # ---- while the run loads Fashion-MNIST: LR 1000 blocks Start, with the reason under the box
    # and at the button (it used to turn red and train with the previous value); then back
    lr = sidebar.get_by_label("LR of G", exact=True)
    lr_ok = lr.input_value()
    lr.fill("1000")
    lr.press("Enter")
    expect(lr).to_have_value(re.compile(r"^1000"))
    expect(sidebar.get_by_text(re.compile(r"LR of G: 1000 is out of range; allowed"))).to_be_visible()
    expect(main.get_by_text(re.compile(r"Cannot start: LR of G: 1000"))).to_be_visible()
    expect(start).to_be_disabled()
    lr.fill(lr_ok)
    lr.press("Enter")
    expect(start).to_be_enabled()
    expect(page.locator(PROGRESS).first).to_contain_text("steps/s", timeout=TIMEOUT_MS)
    expect(main.get_by_role("combobox", name="Your runs")).to_have_value(re.compile(rf"^fmnist-mlp.* · {run_id}$"))

    # ---- lecture from every other page, each for longer than the orphan timeout, touching nothing
    nav = page.get_by_test_id("stSidebarNav")
    for name in PAGES:
        nav.get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("heading").first).to_be_visible(timeout=TIMEOUT_MS)
        t0 = time.monotonic()
        while time.monotonic() - t0 < ORPHAN_TIMEOUT_S + VISIT_MARGIN_S:
            st = _status(runs_dir, run_id)
            assert st.get("state") in ("starting", "running"), f"on {name}: the run is {st.get('state')}: " \
                f"{st.get('error')}"
            time.sleep(0.5)
        expect(page.get_by_test_id("stException")).to_have_count(0)
    nav.get_by_role("link", name="Train", exact=True).click()

    # ---- back on Train: still training, the form shows its config
    expect(page.locator(PROGRESS).first).to_contain_text("running", timeout=TIMEOUT_MS)
    s0 = wait_until(lambda: _step(page), 30, what="a step number")
    wait_until(lambda: (_step(page) or 0) > s0, 30, what="the step number to grow after the visits")
    assert _status(runs_dir, run_id)["error"] is None
    expect(sidebar.get_by_role("combobox", name="Dataset")).to_have_value(re.compile("Fashion-MNIST"))
    expect(sidebar.get_by_label("Model width", exact=True)).to_have_value("32")

    # ---- Pause, Step x3, Resume: the buttons always match the run
    main.get_by_role("button", name="Pause", exact=True).click()
    paused = {"Pause": False, "Resume": True, "Step": True}
    _expect_buttons(page, main, paused, "after Pause")
    expect(page.locator(PROGRESS).first).to_contain_text("paused")
    assert "steps/s" not in _progress(page) and " left" not in _progress(page), _progress(page)
    for i in range(3):
        before = _status(runs_dir, run_id)["step"]
        main.locator(FRESH).get_by_role("button", name="Step", exact=True).click()
        wait_until(lambda before=before: _status(runs_dir, run_id)["step"] == before + 1
                   and _status(runs_dir, run_id)["state"] == "paused", 30, what=f"step {i + 1} done, paused again")
        _expect_buttons(page, main, paused, f"after Step {i + 1}")
        expect(page.locator(PROGRESS).first).to_contain_text(f"paused · step {before + 1:,}/")
        assert "steps/s" not in _progress(page), _progress(page)
    main.locator(FRESH).get_by_role("button", name="Resume", exact=True).click()
    _expect_buttons(page, main, {"Pause": True, "Resume": False, "Step": False}, "after Resume")
    expect(page.locator(PROGRESS).first).to_contain_text("steps/s", timeout=TIMEOUT_MS)

    main.get_by_role("button", name="Stop", exact=True).click()
    wait_until(lambda: _status(runs_dir, run_id).get("state") == "stopped", 60, what="the run to stop")
    expect(page.get_by_test_id("stException")).to_have_count(0)
