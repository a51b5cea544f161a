"""Browser: draw a 2-D distribution on the Train page (ui/draw_points.py) with real clicks and a drag
on the canvas component, then train on it: the form's CSV path names the saved drawing.

AppTest cannot run a custom component's frontend; this checks that the canvas sends the points
(one message per stroke) and that the dialog's button uses them. $E2E_SHOTS, when set, is a folder
for screenshots of the dialog (to look at)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from waits import wait_until


@pytest.fixture(scope="module", autouse=True)
def data_root(tmp_path_factory):
    """Drawings are saved under the data root: a temporary one, set before the server starts."""
    root = tmp_path_factory.mktemp("e2e_data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GAN_DATA_ROOT", str(root))
        yield root


def _shot(page, name: str) -> None:
    if os.environ.get("E2E_SHOTS"):
        page.screenshot(path=str(Path(os.environ["E2E_SHOTS"]) / name), full_page=False)


def _choose(page, box, option, tries: int = 6) -> None:
    """Open a select box and pick `option`; open it again when a rerun of the page (the batch size
    just entered) redraws the box and closes its list under the click."""
    for attempt in range(tries):
        box.click()
        try:
            page.get_by_role("option", name=option).click(timeout=5_000)
            return
        except Exception:  # the list was closed by a rerun: open it again
            if attempt == tries - 1:
                raise


def test_draw_points_and_train_on_them(page, streamlit_server, data_root):
    page.goto(streamlit_server["url"] + "/train")
    sidebar = page.get_by_test_id("stSidebar")
    batch = sidebar.get_by_label("Batch size", exact=True)  # a drawing needs at least a batch of points
    batch.fill("16")
    batch.press("Enter")
    expect(batch).to_have_value("16")
    _choose(page, sidebar.get_by_role("combobox", name="Dataset"), re.compile("2-D points from a CSV file"))
    sidebar.get_by_role("button", name="Draw your own points").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Draw your own 2-D distribution", timeout=30_000)
    frame = page.frame_locator("iframe[title*='point_canvas']")
    canvas = frame.get_by_test_id("pointCanvas")
    expect(canvas).to_be_visible(timeout=30_000)
    box = canvas.bounding_box()
    cx, cy, r = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, box["width"] / 4  # radius 1 of 2
    ring = [(1, 0), (0.7, 0.7), (0, 1), (-0.7, 0.7), (-1, 0), (-0.7, -0.7), (0, -1), (0.7, -0.7)]
    for dx, dy in ring:  # eight clicks on a ring of radius 1: one point each
        page.mouse.click(cx + r * dx, cy + r * dy)
    expect(dialog.get_by_text("8 points drawn: draw at least 16")).to_be_visible()
    page.mouse.move(cx - r, cy - r / 2)  # and a drag: a trail of points
    page.mouse.down()
    for k in range(1, 21):
        page.mouse.move(cx - r + k * r / 10, cy - r / 2, steps=2)
    page.mouse.up()
    use = dialog.get_by_role("button", name=re.compile(r"Train on these \d+ points"))
    expect(use).to_be_enabled(timeout=30_000)
    n = int(re.search(r"(\d+) points", use.inner_text()).group(1))
    assert 8 + 10 <= n <= 8 + 30, n  # the trail gave one point every 0.06 of the plane
    _shot(page, "draw_dialog.png")
    use.click()
    expect(page.get_by_role("dialog")).to_have_count(0, timeout=30_000)
    path_box = sidebar.get_by_role("textbox", name="…or a CSV file in the data root")
    expect(path_box).to_have_value(re.compile(r"^uploads/[0-9a-f]+\.csv$"), timeout=30_000)
    saved = data_root / path_box.input_value()
    rows = wait_until(lambda: saved.is_file() and saved.read_text().splitlines(), 10, "the saved drawing")
    assert rows[0] == "x,y" and len(rows) == n + 1
    _shot(page, "draw_used.png")
