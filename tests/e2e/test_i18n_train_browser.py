"""The Train page in a real browser with ?lang=zh (issue 19), showing a finished run with metrics, scores and
a mode-collapse alarm (tests/i18n_train_runs.py): no English word in what it shows, the text Plotly draws
into its charts (subplot titles, legends, axis titles) included, nor in the alarm's remedies once opened;
and a run the server lost shows its stored error in Chinese."""

from __future__ import annotations

import pytest
from i18n_train_runs import DONE, LOST, write_runs
from i18n_words import english_words

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
from playwright.sync_api import expect
from test_i18n_browser import IDLE, _shown  # what a person sees: icons, formulas, code and hidden text left out


@pytest.fixture(scope="module")
def runs(streamlit_server):
    write_runs(streamlit_server["runs_dir"])  # before the first page: the manager marks LOST interrupted


def _english_shown(page) -> dict[str, str]:
    text = _shown(page)
    return {w: line for line in text.splitlines() for w in english_words(line)}


def test_the_train_page_with_a_run_and_its_charts_in_chinese(page, streamlit_server, runs):
    page.goto(f"{streamlit_server['url']}/train?lang=zh&run={DONE}")
    expect(page.locator("h1").first).to_contain_text("训练一个 GAN", timeout=60_000)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("模式崩溃", exact=False).first).to_be_visible(timeout=60_000)
    expect(main.locator(".js-plotly-plot")).to_have_count(3, timeout=60_000)  # losses, scores, histogram
    expect(main.locator(".js-plotly-plot").first).to_contain_text("判别器输出（均值）")
    main.get_by_text("可以尝试的办法（来自训练教程）").click()  # the remedies' expander
    expect(main.get_by_text("PacGAN", exact=False).first).to_be_visible()
    expect(page.locator(IDLE)).to_have_count(1, timeout=60_000)
    found = _english_shown(page)
    assert not found, "English on the Chinese page: " + "; ".join(f"{w!r} in {t!r}" for w, t in found.items())


def test_a_lost_runs_stored_error_in_chinese(page, streamlit_server, runs):
    page.goto(f"{streamlit_server['url']}/train?lang=zh&run={LOST}")
    expect(page.locator("h1").first).to_contain_text("训练一个 GAN", timeout=60_000)
    expect(page.get_by_test_id("stMain").get_by_text("服务器在这次训练的第 120 步时停止了", exact=False)).to_be_visible(
        timeout=60_000)
    expect(page.locator(IDLE)).to_have_count(1, timeout=60_000)
    found = _english_shown(page)
    assert not found, "English on the Chinese page: " + "; ".join(f"{w!r} in {t!r}" for w, t in found.items())
