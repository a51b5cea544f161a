"""The translated pages in a real browser with ?lang=zh (issue 19): the Chinese navigation, no English word
in what the page shows (outside proper names, formulas, units, ids and paths: tests/i18n_words.py), including
the text Streamlit's own frontend draws (placeholders) that AppTest cannot see; the switch changes the
language in place, writes it into the address, and keeps what was typed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from i18n_words import english_words

from gan_core.store import atomic_write_bytes, atomic_write_json

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
from playwright.sync_api import expect

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'  # no script run under way

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4e40000000049454e44ae426082")
# url path -> the Chinese heading (the pages of tests/app/test_i18n_pages.py)
PAGES = {  # one page a line, under its area
    "data": "数据",
    "runs": "训练记录",
    "gallery": "作品廊",
    # lessons (h19-lessons)
    "lessons": "课程",
    # train page (h19-train)
    "train": "训练一个 GAN",
    #
    # option forms (h19-options)
    #
    # explore, compare, class, gallery export (h19-explore)
    "compare": "对比训练记录",
    "explore": "探索训练好的生成器",
    "class_view": "课堂",
    #
    # 2-D lab (h19-toylab)
    "toy_lab": "二维实验室",
    #
}
NAV = ["课程", "训练", "训练记录", "对比", "探索", "作品廊", "数据", "二维实验室", "课堂"]


@pytest.fixture(scope="module")
def with_run(streamlit_server):
    d = Path(streamlit_server["runs_dir"]) / "20261203-000001-a1b2c3"
    atomic_write_json(d / "status.json", {"id": d.name, "name": "ring8-1", "state": "stopped", "step": 100,
                                          "steps": 400, "dataset": "ring8", "arch": "mlp", "loss": "ns",
                                          "last_checkpoint_step": 100})
    atomic_write_bytes(d / "samples" / "step_0000100.png", PNG)
    atomic_write_bytes(d / "checkpoints" / "last.safetensors", b"weights")
    return d


# the text of the sidebar and the page, less Material icons (an icon is drawn from its name: "school"; an
# alert's and an expander's icons have test ids of their own), formulas (KaTeX draws "log", "max" as text),
# inline code and code blocks (an id or a command, as tests/i18n_words.py leaves out `...` in AppTest's text)
# and what CSS hides (display: none: neither seen nor read out; ui/uploader_text.py hides the English that
# Streamlit's file uploader draws itself)
SHOWN_JS = """els => els.map(el => {
  el.querySelectorAll('*').forEach(e => e.toggleAttribute('data-i18n-hidden', getComputedStyle(e).display === 'none'));
  const copy = el.cloneNode(true);
  copy.querySelectorAll('[data-testid="stIconMaterial"], [data-testid="stAlertDynamicIcon"], ' +
                        '[data-testid="stExpanderIcon"], .katex, code, [data-i18n-hidden], style, script')
    .forEach(e => e.remove());
  copy.querySelectorAll('*').forEach(e => e.insertAdjacentText('afterend', '\\n'));
  return copy.textContent;
}).join('\\n')"""


def _shown(page) -> str:
    return page.locator("[data-testid=stSidebar], [data-testid=stMain]").evaluate_all(SHOWN_JS)


@pytest.mark.parametrize("path", list(PAGES))
def test_page_in_chinese_shows_no_english(page, streamlit_server, with_run, path):
    page.goto(f"{streamlit_server['url']}/{path}?lang=zh")
    expect(page.locator("h1").first).to_contain_text(PAGES[path], timeout=60_000)
    page.wait_for_timeout(1500)  # the rest of the page after its heading
    nav = page.get_by_test_id("stSidebarNav").get_by_role("link").all_inner_texts()
    assert [t.split("\n")[-1].strip() for t in nav] == NAV
    text = _shown(page)
    found = {w: line for line in text.splitlines() for w in english_words(line)}
    assert not found, "English on the Chinese page: " + "; ".join(f"{w!r} in {t!r}" for w, t in found.items())
    # the words CSS writes in place of the hidden English of Streamlit's file uploaders (ui/uploader_text.py)
    written = page.locator('[data-testid="stFileUploaderDropzoneInstructions"] > div, [data-testid='
                           '"stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]').evaluate_all(
        "els => els.map(e => getComputedStyle(e, '::after').content)")
    assert all(re.search("[\u4e00-\u9fff]", w) and not english_words(w) for w in written), written
    placeholders = page.locator("input[placeholder], textarea[placeholder]").evaluate_all(
        "els => els.map(e => e.placeholder)")
    placeholders += page.get_by_test_id("stMultiSelect").all_inner_texts()
    found = [p for p in placeholders if english_words(p)]
    assert not found, found


def test_the_switch_changes_the_language_in_place_and_keeps_the_filter(page, streamlit_server, with_run):
    page.goto(f"{streamlit_server['url']}/runs?lang=zh")
    expect(page.locator("h1").first).to_contain_text("训练记录", timeout=60_000)
    box = page.get_by_test_id("stTextInput").locator("input")
    box.fill("ring8")
    box.press("Enter")
    expect(page.get_by_test_id("stCaptionContainer").filter(has_text="共 1 个训练记录")).to_be_visible()
    page.get_by_test_id("stButtonGroup").get_by_text("已停止", exact=True).click()  # the state filter
    expect(page.get_by_role("radio", name="已停止")).to_be_checked()
    page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    expect(page.locator("h1").first).to_have_text("Runs", timeout=30_000)
    assert "lang=en" in page.url
    expect(page.get_by_test_id("stTextInput").locator("input")).to_have_value("ring8")
    expect(page.get_by_role("radio", name="Stopped")).to_be_checked()
    expect(page.get_by_test_id("stCaptionContainer").filter(has_text="1 of 1 runs")).to_be_visible()


def test_switching_back_and_forth_keeps_the_choices(page, streamlit_server):
    """A choice is sent by its label, the one the browser last had: after a second switch an untouched
    "native" would no longer match "原始" (the resolution arrived as the string 'native', an error) and
    the chosen dataset was lost. ui.i18n._keep_values puts such values back."""
    page.goto(f"{streamlit_server['url']}/data?lang=en")
    expect(page.locator("h1").first).to_have_text("Data", timeout=60_000)
    sidebar, main = page.get_by_test_id("stSidebar"), page.get_by_test_id("stMain")
    sidebar.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="Digits 8x8").click()
    expect(main.get_by_text("1 x 8 x 8")).to_be_visible(timeout=30_000)
    for lang, heading in (("简体中文", "数据"), ("English", "Data"), ("简体中文", "数据")):
        sidebar.get_by_text(lang, exact=True).click()
        expect(page.locator("h1").first).to_have_text(heading, timeout=30_000)
        expect(main.get_by_text("1 x 8 x 8")).to_be_visible(timeout=30_000)
        expect(main.get_by_test_id("stAlertContentError")).to_have_count(0)
    # and the widgets answer in the new language. The switch's own reruns may still be drawing the sidebar
    # on a loaded machine, and a redraw closes an open dropdown (CI saw the option list never appear):
    # wait for the idle page, and open the list again if a redraw closed it.
    expect(page.locator(IDLE)).to_have_count(1, timeout=60_000)
    sidebar.get_by_test_id("stExpander").click()
    option = page.get_by_role("option", name="28x28")
    for attempt in range(3):
        expect(page.locator(IDLE)).to_have_count(1, timeout=60_000)
        sidebar.get_by_test_id("stSelectbox").nth(1).click()
        try:
            expect(option).to_be_visible(timeout=10_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
    option.click()
    expect(main.get_by_text("1 x 28 x 28")).to_be_visible(timeout=30_000)


@pytest.mark.parametrize("path", ["train", "toy_lab"])
def test_the_training_form_with_every_section_open_in_chinese(page, streamlit_server, path):
    """The option forms (h19-options): the page tests above see the sidebar's form with its sections closed;
    here every section of the sidebar is opened (model, regularisation, transfer learning with its uploader,
    logging; on the Train page also scores and export/import), on both pages that draw the form
    (ui/config_form.py)."""
    page.goto(f"{streamlit_server['url']}/{path}?lang=zh")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("模型选项").first).to_be_visible(timeout=90_000)
    expect(page.locator(IDLE)).to_have_count(1, timeout=60_000)
    for section in sidebar.get_by_test_id("stExpander").all():
        section.locator("summary").click()
    expect(sidebar.get_by_text("每 N 秒保存一次检查点")).to_be_visible(timeout=30_000)  # inside the last section
    expect(sidebar.get_by_text("上传检查点（.safetensors）")).to_be_visible()
    text = sidebar.evaluate_all(SHOWN_JS)
    found = {w: line for line in text.splitlines() for w in english_words(line)}
    assert not found, "English in the Chinese form: " + "; ".join(f"{w!r} in {t!r}" for w, t in found.items())


def test_switching_keeps_the_training_form(page, streamlit_server):
    """The option forms (h19-options): a choice made in the form (the loss) and untouched ones (the preset,
    the schedule) stay what they were through two switches, shown under the new language's labels."""
    page.goto(f"{streamlit_server['url']}/train?lang=en")
    sidebar = page.get_by_test_id("stSidebar")
    loss = sidebar.get_by_role("combobox", name="Loss", exact=True)
    expect(loss).to_be_visible(timeout=90_000)
    for attempt in range(3):  # a redraw of the loaded page may close the open list (as above)
        expect(page.locator(IDLE)).to_have_count(1, timeout=60_000)
        loss.click()
        try:
            expect(page.get_by_role("option", name="Least squares (LSGAN)")).to_be_visible(timeout=10_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
    page.get_by_role("option", name="Least squares (LSGAN)").click()
    expect(loss).to_have_value("Least squares (LSGAN)", timeout=30_000)
    for lang, shown in (("简体中文", {"损失函数": "最小二乘（LSGAN）", "学习率调度": "恒定",
                                      "预设": "8 个高斯分布组成的环，多层感知机（在 CPU 上很快）"}),
                        ("English", {"Loss": "Least squares (LSGAN)", "LR schedule": "Constant",
                                     "Preset": "Ring of 8 Gaussians, MLP (fast on a CPU)"})):
        expect(page.locator(IDLE)).to_have_count(1, timeout=60_000)
        sidebar.get_by_text(lang, exact=True).click()
        for label, value in shown.items():
            expect(sidebar.get_by_role("combobox", name=label, exact=True)).to_have_value(value, timeout=30_000)
        expect(page.get_by_test_id("stException")).to_have_count(0)
