"""AppTest of the translated pages (issue 19): each renders in English and in Chinese without an exception,
the Chinese page shows no English word (outside proper names, formulas, units, ids and paths:
tests/i18n_words.py), and switching the language keeps what was typed and chosen.

TRANSLATED_PAGES grows as pages are converted (the same list as tests/test_i18n_literals.py's)."""

from __future__ import annotations

import json
import re

import pytest
from apptest import APP
from i18n_words import english_words
from PIL import Image
from streamlit.testing.v1 import AppTest

from gan_core.config import TrainConfig
from gan_core.store import append_jsonl, atomic_write_bytes, atomic_write_json

TITLES = {  # page -> its heading in English and Chinese; one page a line, under its area
    "app_pages/data.py": ("Data", "数据"),
    "app_pages/runs.py": ("Runs", "训练记录"),
    "app_pages/gallery.py": ("Gallery: models side by side", "作品廊：模型并排展示"),
    # lessons (h19-lessons)
    "app_pages/lessons.py": ("Lessons", "课程"),
    # train page (h19-train)
    "app_pages/train.py": ("Train a GAN", "训练一个 GAN"),
    #
    # option forms (h19-options)
    #
    # explore, compare, class, gallery export (h19-explore)
    "app_pages/compare.py": ("Compare runs", "对比训练记录"),
    "app_pages/explore.py": ("Explore a trained generator", "探索训练好的生成器"),
    "app_pages/class_view.py": ("Class", "课堂"),
    #
    # 2-D lab (h19-toylab)
    "app_pages/toy_lab.py": ("2-D lab: the adversarial game, step by step", "二维实验室：一步一步看对抗博弈"),
    #
}
TRANSLATED_PAGES = list(TITLES)
TEXT_FIELDS = {"body", "label", "help", "placeholder", "options", "caption", "default_text"}
RUNS = {"20261203-000002-bbbb": ("finished", 200, 200), "20261203-000001-aaaa": ("stopped", 120, 400)}


@pytest.fixture
def runs(runs_root):
    """Two runs with sample grids, scores and a checkpoint: the Runs page's cards and the Gallery's run cards."""
    for i, (run_id, (state, step, steps)) in enumerate(RUNS.items()):
        d = runs_root / run_id
        atomic_write_json(d / "config.json", TrainConfig(dataset="ring8", steps=steps).to_dict())
        atomic_write_json(d / "status.json", {"id": run_id, "name": f"ring8-{i}", "state": state, "step": step,
                                              "steps": steps, "dataset": "ring8", "arch": "mlp", "loss": "ns",
                                              "last_checkpoint_step": step})
        (d / "samples").mkdir(parents=True)
        Image.new("RGB", (16, 16), (200, 10, 10)).save(d / "samples" / f"step_{step:07d}.png")
        atomic_write_bytes(d / "checkpoints" / "last.safetensors", b"weights")
        append_jsonl(d / "scores.jsonl", [{"step": step, "modes_covered": 7, "hq_pct": 91.5, "kl": 0.2, "fd": 0.1}])
    return runs_root


def _open(page: str, lang: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if lang:
        at.query_params["lang"] = lang
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _fields(msg, out: list[str]) -> None:
    for fd, val in msg.ListFields():
        if fd.message_type is not None:
            for v in (val if fd.is_repeated else [val]):
                _fields(v, out)
        elif fd.name == "spec" and isinstance(val, str):  # a Plotly figure: its titles and hover texts
            spec = json.loads(val)
            for axis in ("xaxis", "yaxis"):
                out.append(str(spec.get("layout", {}).get(axis, {}).get("title", {}).get("text", "")))
            for trace in spec.get("data", []):
                out.append(re.sub(r"%\{[^}]*\}|<extra>.*?</extra>", " ", str(trace.get("hovertemplate", ""))))
        elif fd.name in TEXT_FIELDS:
            out.extend(val if fd.is_repeated else [val])


def shown_text(at: AppTest, root=None) -> list[str]:
    """Every text the page shows (or `root`, e.g. at.main, shows): bodies, labels, help, placeholders, options,
    captions, chart titles."""
    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            _fields(proto, out)
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)

    walk(at._tree if root is None else root)
    return [t for t in out if isinstance(t, str) and t]


@pytest.mark.parametrize("page", TRANSLATED_PAGES)
def test_page_in_english_and_in_chinese(runs, page):
    en = _open(page, "en")
    assert en.title[0].value == TITLES[page][0]
    zh = _open(page, "zh")
    assert zh.title[0].value == TITLES[page][1]
    english = {w: t for t in shown_text(zh) for w in english_words(t)}
    assert not english, "English on the Chinese page: " + "; ".join(f"{w!r} in {t!r}" for w, t in english.items())
    assert english_words(" ".join(shown_text(en)))  # the same walk finds English on the English page


def test_the_check_sees_english_in_chinese_text():
    assert english_words("第 200 步的评分 scores") == ["scores"]
    assert english_words("8 个高斯分布（PacGAN），ring8 · mlp · ns，data/mnist/ 中的 MNIST，float32，R1") == []


def test_the_browser_language_is_the_default_and_the_url_wins(runs):
    at = AppTest.from_file(APP, default_timeout=120)
    at.context["locale"] = "zh-CN"  # st.context.locale: navigator.language
    at.switch_page("app_pages/runs.py").run()
    assert at.title[0].value == "训练记录" and at.query_params["lang"] == "zh"
    at = AppTest.from_file(APP, default_timeout=120)
    at.context["locale"] = "zh-CN"
    at.query_params["lang"] = "en"
    at.switch_page("app_pages/runs.py").run()
    assert at.title[0].value == "Runs"


def test_an_unknown_language_in_the_url_says_what_is_allowed(runs):
    at = _open("app_pages/runs.py", "fr")
    assert at.title[0].value == "Runs"  # the browser's language (none: English)
    assert any("lang=en / lang=zh" in w.value for w in at.warning), [w.value for w in at.warning]


def test_switching_the_language_keeps_the_form(runs):
    at = _open("app_pages/data.py", "en")
    at.selectbox(key="data_dataset").set_value("digits").run()
    at.checkbox(key="data_hflip").check().run()
    at.radio(key="lang").set_value("zh").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "数据" and at.query_params["lang"] == "zh"
    assert at.selectbox(key="data_dataset").value == "digits" and at.checkbox(key="data_hflip").value is True
    assert "8x8 手写数字" in at.selectbox(key="data_dataset").proto.options

    # (in English first: AppTest sends a segmented control's option as its wire value, which is the label)
    at = _open("app_pages/runs.py", "en")
    at.text_input(key="runs_filter").input("ring8").run()
    at.segmented_control(key="runs_state").set_value("Stopped").run()
    assert any("1 of 2 runs" in c.value for c in at.caption), [c.value for c in at.caption]
    at.radio(key="lang").set_value("zh").run()
    assert at.title[0].value == "训练记录"
    assert at.text_input(key="runs_filter").value == "ring8" and at.segmented_control(key="runs_state").value == \
        "Stopped"
    assert any("共 2 个训练记录，显示 1 个" in c.value for c in at.caption), [c.value for c in at.caption]

    at = _open("app_pages/gallery.py", "en")
    at.text_input(key="gal_title").input("Class 3B").run()
    at.multiselect(key="gal_models").set_value(["ring8-mlp"]).run()
    at.radio(key="lang").set_value("zh").run()
    assert at.text_input(key="gal_title").value == "Class 3B" and at.multiselect(key="gal_models").value == [
        "ring8-mlp"]


def test_the_history_dialog_in_chinese(runs):
    at = _open("app_pages/runs.py", "zh")
    at.button(key=f"hist_{next(iter(RUNS))}").click().run()
    assert not at.exception, at.exception
    text = shown_text(at)
    assert any("延时动画" in t for t in text), text
    english = {w: t for t in text for w in english_words(t)}
    assert not english, "English in the Chinese dialog: " + "; ".join(f"{w!r} in {t!r}" for w, t in english.items())


def test_the_data_page_with_its_csv_upload_and_drawing_dialog_in_chinese(runs, monkeypatch):
    from ui import i18n

    # AppTest formats every select box's value with the page's format_func in the test's own thread, outside
    # the session (where ui.i18n answers English), to send it back: Chinese in every thread for this test
    monkeypatch.setattr(i18n, "language", lambda: "zh")
    at = _open("app_pages/data.py", "zh")
    at.selectbox(key="data_dataset").set_value("csv").run()
    at.button(key="data_draw_button").click().run()
    assert not at.exception, at.exception
    text = shown_text(at)
    assert any("喷洒" in t for t in text) and any("用这 0 个点训练" == t for t in text), text
    english = {w: t for t in text for w in english_words(t)}
    assert not english, "English on the Chinese page: " + "; ".join(f"{w!r} in {t!r}" for w, t in english.items())


@pytest.mark.parametrize("path,words", [("../outside", "之外"), ("no-such-folder", "找不到")])
def test_a_refused_path_is_explained_in_chinese(runs, monkeypatch, path, words):
    """The core's refusal (gan_core.data.paths, a Msg) reaches the page translated, with its paths as they are."""
    from ui import i18n

    monkeypatch.setattr(i18n, "language", lambda: "zh")  # as in the drawing test: AppTest formats in its thread
    at = _open("app_pages/data.py", "zh")
    at.selectbox(key="data_dataset").set_value("folder").run()
    at.text_input(key="data_path_folder").input(path).run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any(words in e and "数据根目录" in e for e in errors), errors
    assert not [w for e in errors for w in english_words(e)], errors
