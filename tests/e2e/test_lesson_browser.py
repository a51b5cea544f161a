"""Browser end-to-end test of one lesson, as a class walks it: the real server, a real (headless) chromium.

A link opens the lesson at step 2; Run starts A and B on the real engine (made short with the page's own
"Steps per run" box, down to the step from which the check can judge, as a teacher short of time would);
both runs' charts appear side by side; Next and Back move through the steps (and the URL follows); the
check's verdict appears with the figures that decided it (that it showed, or honestly that it did not:
both are the page telling the truth about this run); an answer opens on click. With $E2E_SCREENSHOT_DIR
set, screenshots are saved there (lesson_*.png) for a look, else in the test's tmp folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
from playwright.sync_api import expect

LESSON = "noise-on-d"  # A/B, one D step per G step: the quickest to judge (its check needs 500 steps)
TIMEOUT_MS = 90_000  # the first load imports torch
VERDICT = re.compile(r"It showed\.|It did not show this time\.|The runs ended before the check could judge\.")
CHARTS_JS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')]
  .filter(el => el.getBoundingClientRect().width > 0).length"""


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def _shot(page, folder: Path, name: str) -> None:
    """What a projector shows (the 1400x1000 window), and the whole page in one tall image."""
    page.screenshot(path=str(folder / f"lesson_{name}.png"))
    page.set_viewport_size({"width": 1400, "height": 3000})
    page.wait_for_timeout(500)
    page.screenshot(path=str(folder / f"lesson_{name}_all.png"))
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_walk_one_lesson(page, streamlit_server, tmp_path):
    from gan_core.lessons import get_lesson

    lesson = get_lesson(LESSON)
    n = len(lesson.steps)
    shots = Path(os.environ.get("E2E_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)

    # ---- a link opens the lesson at its step 2
    page.goto(f"{streamlit_server['url']}/lessons?lesson={LESSON}&step=2")
    main = page.get_by_test_id("stMainBlockContainer")
    expect(page.locator("h1").first).to_contain_text("Lessons", timeout=TIMEOUT_MS)
    expect(main.get_by_role("heading", name=lesson.title)).to_be_visible(timeout=TIMEOUT_MS)
    step_box = main.get_by_test_id("stAlertContentInfo").filter(has_text="Step ")
    expect(step_box).to_contain_text(f"Step 2 of {n}.", timeout=TIMEOUT_MS)
    _shot(page, shots, "opened")

    # ---- short runs: the Steps per run box, down to what the check needs
    steps = main.get_by_label("Steps per run", exact=True)
    steps.fill(str(lesson.min_step))
    steps.press("Enter")
    expect(steps).to_have_value(str(lesson.min_step))
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT_MS)

    # ---- Run: A and B start, their charts appear side by side
    main.get_by_role("button", name="Run A and B").click()
    page.wait_for_url(re.compile(r"[?&]lesson_runs=[\w-]+(%2C|,)[\w-]+"), timeout=TIMEOUT_MS)
    for s in lesson.setups:
        expect(main.get_by_text(f"{s.label}: {s.name}", exact=True).first).to_be_visible(timeout=TIMEOUT_MS)
    expect(main.get_by_test_id("stProgress")).to_have_count(2, timeout=TIMEOUT_MS)
    page.wait_for_function(f"() => ({CHARTS_JS})() >= 2", timeout=TIMEOUT_MS)
    _shot(page, shots, "running")

    # ---- Next and Back move through the steps; the URL follows (a link to where the class is)
    main.get_by_role("button", name="Next").click()
    expect(step_box).to_contain_text(f"Step 3 of {n}.", timeout=TIMEOUT_MS)
    page.wait_for_url(re.compile(r"[?&]step=3\b"), timeout=TIMEOUT_MS)
    main.get_by_role("button", name="Back").click()
    expect(step_box).to_contain_text(f"Step 2 of {n}.", timeout=TIMEOUT_MS)
    page.wait_for_url(re.compile(r"[?&]step=2\b"), timeout=TIMEOUT_MS)
    for _ in range(n - 2):
        main.get_by_role("button", name="Next").click()
    expect(step_box).to_contain_text(f"Step {n} of {n}.", timeout=TIMEOUT_MS)
    expect(main.get_by_role("button", name="Next")).to_be_disabled()
    assert _query(page.url)["lesson"] == LESSON

    # ---- the check's verdict, with the figures that decided it
    verdict = main.get_by_test_id("stAlertContainer").filter(has_text=VERDICT)
    expect(verdict).to_have_count(1, timeout=300_000)  # 2 x 500 steps; minutes under load
    text = verdict.inner_text()
    assert re.search(r"\d", text.split(".", 1)[1]), f"the verdict names no figure: {text!r}"
    assert "ended before the check could judge" not in text, f"runs of {lesson.min_step} steps were too short: {text}"
    expect(main.get_by_text(re.compile(r"finished · step "))).to_have_count(2, timeout=TIMEOUT_MS)
    _shot(page, shots, "verdict")

    # ---- an answer opens on click
    answer = lesson.questions[0].answer
    expect(main.get_by_text(answer, exact=False)).to_have_count(0)
    main.get_by_role("button", name="Show the answer").first.click()
    expect(main.get_by_text(answer, exact=False)).to_be_visible(timeout=TIMEOUT_MS)
    _shot(page, shots, "answer")
    expect(page.get_by_test_id("stException")).to_have_count(0)
