"""Browser end-to-end test of the Explore page: the real server, a real (headless) chromium.

Open the page on a run checkpoint written into the server's runs directory, see the gallery grid, move a GANSpace
slider with the keyboard
and check that the grid image the browser shows changes (its src is a hash of the PNG bytes),
then move it back and get the first picture again.
"""

from __future__ import annotations

import time

import pytest
import torch

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
from playwright.sync_api import expect
from waits import wait_until as _wait_until

from gan_core.checkpoint import save_checkpoint
from gan_core.config import TrainConfig
from gan_core.models import build_models, model_kwargs
from gan_core.store import atomic_write_json

LOAD_TIMEOUT_MS = 90_000
FRESH = '[data-testid="stElementContainer"]:not([data-stale="true"])'
GRID_JS = """() => {
  for (const img of document.querySelectorAll('[data-testid="stImage"] img')) {
    const box = img.closest('[data-testid="stImageContainer"], [data-testid="stImage"]');
    const cap = box?.parentElement?.innerText || '';
    if (cap.includes('Seeds ')) return img.getAttribute('src');
  }
  return null;
}"""


def _write_run(runs_dir) -> None:
    cfg = TrainConfig(dataset="digits", arch="dcgan", latent_dim=8, width=8, steps=1)
    torch.manual_seed(0)
    G, D = build_models(cfg.arch, shape=(1, 16, 16), **model_kwargs(cfg))
    d = runs_dir / "20260101-000001-e2e000"
    save_checkpoint(d / "checkpoints" / "last.safetensors", G, D, cfg,
                    {"step": 1, "run_id": d.name, "sample_shape": [1, 16, 16]})
    atomic_write_json(d / "status.json", {"id": d.name, "state": "finished", "step": 1, "steps": 1,
                                          "arch": cfg.arch, "dataset": cfg.dataset})


def _stable_grid(page, quiet_s: float = 1.5, timeout_s: float = 60):
    """The gallery grid's src once it has stayed the same for `quiet_s` (no rerun left in flight)."""
    deadline = time.monotonic() + timeout_s
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        src = page.evaluate(GRID_JS)
        if src != last:
            last, since = src, time.monotonic()
        elif src and time.monotonic() - since >= quiet_s:
            return src
        page.wait_for_timeout(200)
    raise AssertionError(f"the gallery grid did not settle within {timeout_s:.0f} s")


def _slider(page, key: str):
    return page.locator(f'{FRESH}.st-key-{key}').last.get_by_role("slider")


def _move_slider(page, key: str, target: float, timeout_s: float = 60) -> None:
    """Arrow-key the slider until it reads `target`. One key press at a time, re-finding the slider:
    a rerun of the page can replace the element between presses and swallow one."""
    deadline = time.monotonic() + timeout_s
    while True:
        slider = _slider(page, key)
        value = float(slider.get_attribute("value") or "nan")
        if abs(value - target) < 1e-6:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"slider {key} stuck at {value}, wanted {target}")
        slider.focus()
        page.keyboard.press("ArrowRight" if value < target else "ArrowLeft")
        page.wait_for_timeout(100)


def test_moving_a_slider_changes_the_image(page, streamlit_server):
    _write_run(streamlit_server["runs_dir"])
    page.goto(streamlit_server["url"] + "/explore")
    # the run written above, whatever models pretrained/ ships (the page opens on those when there are any)
    source = page.locator(f"{FRESH}.st-key-exk_source").last
    expect(source).to_be_visible(timeout=LOAD_TIMEOUT_MS)  # the first load imports torch
    source.get_by_text("Run checkpoint").click()
    # the pretrained model's slider and grid stay on screen until the rerun replaces them: wait for the run's own
    # selector first, then for a grid that has stopped changing, or `first` can be the pretrained model's picture
    expect(page.locator(f"{FRESH}.st-key-exk_run").last).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    slider = _slider(page, "exk_amt_pc0")
    expect(slider).to_be_visible(timeout=LOAD_TIMEOUT_MS)  # loads the checkpoint and fits the PCA
    first = _stable_grid(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)

    _move_slider(page, "exk_amt_pc0", 1.0)  # +1.0 standard deviation along the first principal direction
    moved = _wait_until(lambda: (src := page.evaluate(GRID_JS)) and src != first and src, 60,
                        "the grid to change after the slider moved")

    _move_slider(page, "exk_amt_pc0", 0.0)
    _wait_until(lambda: page.evaluate(GRID_JS) == first, 60, "the first grid again after moving the slider back")
    assert moved != first
    expect(page.get_by_test_id("stException")).to_have_count(0)
