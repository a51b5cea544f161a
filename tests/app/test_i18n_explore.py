"""Issue 19, the Explore / Compare / Class / Gallery-export area in Chinese: what the general page check
(tests/app/test_i18n_pages.py) does not reach: the Class page on a class server (the password box, a wrong
password refused in Chinese, the teacher's wall of live tiles), a shipped model's card on Explore, and
the Gallery's HTML export in the session's language (the CLI's stays English)."""

from __future__ import annotations

import re
import uuid

import pytest
from apptest import APP
from i18n_words import english_words
from PIL import Image
from streamlit.testing.v1 import AppTest
from test_i18n_pages import _fields, shown_text

from gan_core.config import TrainConfig
from gan_core.store import append_jsonl, atomic_write_json

PASSWORD = "correct horse 42"


def _english(texts: list[str]) -> dict[str, str]:
    return {w: t for t in texts for w in english_words(t)}


def _page(path: str, lang: str, owner: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    if owner:
        at.query_params["session"] = owner
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def class_server(runs_root, monkeypatch):
    """A class server with one student's run, paused (active, leaving the CPU to the page under test)."""
    monkeypatch.setenv("GAN_TEACHER_PASSWORD", PASSWORD)
    from gan_core.config import TrainConfig
    from ui.session import get_manager

    run = get_manager().submit(TrainConfig(steps=1_000_000, sample_every=20), owner=uuid.uuid4().hex,
                               name="ring8-1")
    run.pause()
    return run


def test_class_page_refuses_a_wrong_password_in_chinese(class_server):
    at = _page("app_pages/class_view.py", "zh", uuid.uuid4().hex)
    assert at.title[0].value == "课堂"
    assert any("教师密码" in i.value for i in at.info), [i.value for i in at.info]
    assert not _english(shown_text(at)), _english(shown_text(at))
    at.text_input(key="teacher_pw").input("let me in")
    at.button[0].click().run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any("密码错误" in e and "GAN_TEACHER_PASSWORD" in e for e in errors), errors
    assert not _english(shown_text(at)), _english(shown_text(at))
    at.radio(key="lang").set_value("en").run()  # the refusal is kept as its English id: it follows the switch
    assert any("Wrong password" in e.value for e in at.error), [e.value for e in at.error]


def test_the_teachers_wall_in_chinese(class_server):
    at = _page("app_pages/class_view.py", "zh", uuid.uuid4().hex)
    at.text_input(key="teacher_pw").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    text = shown_text(at)
    assert any("ring8-1" in t for t in text) and any("锁定教师视图" in t for t in text) and "判别器损失" in text, text
    assert not _english(text), _english(text)


def test_the_class_refusal_the_train_page_shows_translates(monkeypatch):
    """ui.class_mode.REFUSED (a student's control of another's run) is a Msg: English where it is stored,
    Chinese where a zh page shows it through tr()."""
    from ui import i18n
    from ui.class_mode import REFUSED

    assert REFUSED.startswith("This run belongs to another session")
    monkeypatch.setattr(i18n, "language", lambda: "zh")
    shown = i18n.tr(REFUSED)
    assert "另一个会话" in shown and not english_words(shown), shown


def _no_english(at: AppTest, charts: bool = True) -> list[str]:
    """The page's text, asserting it has no English word; charts=False leaves the Plotly charts' titles and hovers
    out (a chart of ui/score_figures.py: helper h19-train's part of issue 19, translated there)."""
    assert not at.exception, at.exception
    text = shown_text(at)
    if not charts:
        in_charts: list[str] = []
        for chart in at.get("plotly_chart"):
            _fields(chart.proto, in_charts)
        text = [t for t in text if t not in in_charts]
    assert not _english(text), "English on the Chinese page: " + "; ".join(
        f"{w!r} in {t!r}" for w, t in _english(text).items())
    return text


def test_a_shipped_model_card_and_every_view_of_explore_in_chinese(runs_root, monkeypatch):
    """The card's title, facts (names and values), scores and class names, then the interpolation view, a
    seed refusal, the random directions and the style-mixing view of the style-based model: no English."""
    from gan_core.pretrained import list_pretrained
    from ui import i18n

    names = {c.name for c in list_pretrained()}
    if not {"fmnist-cdcgan", "fmnist-stylegan"} <= names:
        pytest.skip("the shipped Fashion-MNIST models are not in pretrained/")
    monkeypatch.setattr(i18n, "language", lambda: "zh")  # AppTest formats choices in its own thread (see above)
    at = _page("app_pages/explore.py", "zh")
    text = _no_english(at)
    captions = [c.value for c in at.sidebar.caption]
    title = next(c.title for c in list_pretrained() if c.name == "fmnist-cdcgan")
    assert i18n.tr(title) != title and i18n.tr(title) in captions, captions  # the card's title, translated
    assert any("数据集：fashion-mnist" in c and "训练时间：在 cpu 上训练" in c for c in captions), captions
    assert any(c.startswith("评分：") and "弗雷歇距离 2.25" in c for c in captions), captions
    assert "0: T恤/上衣" in at.sidebar.selectbox(key="exk_class").proto.options
    assert at.segmented_control(key="exk_view").options == ["作品廊与滑块", "插值"]

    at.segmented_control(key="exk_view").set_value("Interpolation").run()
    text = _no_english(at)
    assert any("的球面插值路径" in t for t in text), text
    at.text_input(key="exk_loop").set_value("1, x").run()
    errors = [e.value for e in at.error]
    assert any(e.startswith("循环的随机种子：") for e in errors), errors
    _no_english(at)

    at.sidebar.selectbox(key="exk_pretrained").set_value("fmnist-stylegan").run()
    at.segmented_control(key="exk_view").set_value("Gallery and sliders").run()
    at.segmented_control(key="exk_dirkind").set_value("Random").run()
    text = _no_english(at)
    assert any("随机方向 1" in t for t in text), text
    at.segmented_control(key="exk_view").set_value("Style mixing").run()
    text = _no_english(at)
    assert any("交叉层" in t for t in text), text


def _html_text(page: str) -> str:
    """What a reader of the exported page reads: its text, less the CSS and the tags (the inlined images)."""
    return re.sub(r"<[^>]+>", "\n", re.sub(r"<style>.*?</style>", " ", page, flags=re.S))


@pytest.fixture
def a_run(runs_root):
    """A finished ring8 run with a sample grid and scores: a run card of the Gallery."""
    d = runs_root / "20261203-000001-aaaa"
    atomic_write_json(d / "config.json", TrainConfig(dataset="ring8", steps=200).to_dict())
    atomic_write_json(d / "status.json", {"id": d.name, "name": "ring8-0", "state": "finished", "step": 200,
                                          "steps": 200, "dataset": "ring8", "arch": "mlp", "loss": "ns"})
    (d / "samples").mkdir(parents=True)
    Image.new("RGB", (16, 16), (200, 10, 10)).save(d / "samples" / "step_0000200.png")
    append_jsonl(d / "scores.jsonl", [{"step": 200, "modes_covered": 7, "hq_pct": 91.5, "kl": 0.2, "fd": 0.1}])
    return d.name


def test_the_gallery_downloaded_from_a_chinese_session_is_chinese_and_the_cli_english(a_run, tmp_path,
                                                                                        monkeypatch):
    from gan_core import gallery
    from gan_core.cli import main

    made: list[str] = []
    real = gallery.gallery_html

    def spy(*a, **k):  # what the page's download button carries
        made.append(real(*a, **k))
        return made[-1]

    monkeypatch.setattr(gallery, "gallery_html", spy)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "zh"
    at.session_state["gal_models"] = ["ring8-mlp"]
    at.session_state["gal_runs"] = [a_run]
    at.switch_page("app_pages/gallery.py").run()
    assert not at.exception, at.exception
    page = made[-1]
    assert '<html lang="zh-Hans">' in page and "<title>GAN 作品廊</title>" in page
    text = _html_text(page)
    for words in ("内置模型", "训练记录", "设置", "评分", "个模型并排展示", "数据集", "覆盖的模式"):
        assert words in text, (words, text)
    assert "ring8-0" in text  # the run's own name, as it is
    lines = [line for line in text.splitlines() if line.strip()]
    assert not _english(lines), _english(lines)

    out = tmp_path / "cli.html"
    assert main(["gallery", "--pretrained", "ring8-mlp", "--out", str(out)]) == 0
    cli = out.read_text(encoding="utf-8")
    assert '<html lang="en">' in cli and "Shipped model" in cli and "Settings" in cli and "Dataset" in cli
    assert not re.search(r"[\u4e00-\u9fff]", cli)  # no Chinese in the CLI's page


def test_an_upload_refusal_on_explore_in_chinese(runs_root, monkeypatch):
    """The core's refusal of a pickle renamed .safetensors (gan_core.checkpoint, a Msg) reaches Explore translated."""
    import pickle

    from ui import i18n

    monkeypatch.setattr(i18n, "language", lambda: "zh")  # AppTest formats choices in its own thread (see above)
    at = _page("app_pages/explore.py", "zh")
    at.sidebar.radio(key="exk_source").set_value("Upload").run()
    at.sidebar.file_uploader(key="ex_up_weights").upload("evil.safetensors", pickle.dumps({"x": 1}))
    at.sidebar.file_uploader(key="ex_up_card").upload("last.json", b'{"config": {}}', "application/json")
    at.run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any(e.startswith("上传被拒绝：上传：这是 `pickle`") for e in errors), errors
    assert not _english(errors), _english(errors)


def test_the_file_uploaders_own_words_are_replaced_in_chinese_only(monkeypatch):
    """Streamlit's uploader draws 'Upload' and '200MB per file' itself: a zh session gets CSS that hides them and
    writes the translation (the browser test checks what is then shown); an English session gets nothing."""
    from ui import i18n
    from ui.uploader_text import uploader_css

    # the language is set, not taken from the process: after another AppTest in this process the thread may
    # still look like a session (the test failed after tests/app/test_train_page.py in one process)
    monkeypatch.setattr(i18n, "language", lambda: "en")
    monkeypatch.setattr("ui.uploader_text.language", lambda: "en")
    assert uploader_css() == ""
    monkeypatch.setattr(i18n, "language", lambda: "zh")
    monkeypatch.setattr("ui.uploader_text.language", lambda: "zh")
    css = uploader_css()
    assert 'content: "上传"' in css and 'content: "每个文件最多 200 MB"' in css and "display: none" in css


def _compare_run(root, run_id: str, **cfg_fields) -> None:
    import json

    d = root / run_id
    (d / "samples").mkdir(parents=True)
    atomic_write_json(d / "config.json", TrainConfig(dataset="ring8", steps=200, **cfg_fields).to_dict())
    atomic_write_json(d / "status.json", {"id": run_id, "name": "ring8", "state": "finished", "step": 200,
                                          "steps": 200, "best": {"metric": "fd", "value": 0.5, "step": 200}})
    rows = [{"step": 100, "time": 1.0, "d_loss": 1.2, "g_loss": 0.9, "fd": 0.9, "modes_covered": 5},
            {"step": 200, "time": 2.0, "d_loss": 1.1, "g_loss": 0.7, "fd": 0.5, "modes_covered": 8}]
    (d / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_compare_tables_run_labels_and_an_import_refusal_in_chinese(runs_root, monkeypatch):
    """The tables' headers and words (state, switches, the best checkpoint), the legends' run labels, and the
    refusal of a zip that is not a run, in Chinese; names, ids and numbers as they are."""
    from ui import i18n

    monkeypatch.setattr(i18n, "language", lambda: "zh")  # AppTest formats choices in its own thread (see above)
    _compare_run(runs_root, "20261203-000001-aaaa", lr_g=1e-3, lr_d=1e-3, spectral_norm=True)
    _compare_run(runs_root, "20261203-000002-bbbb", lr_g=2e-4, lr_d=2e-4, spectral_norm=False)
    at = _page("app_pages/compare.py", "zh")
    text = _no_english(at, charts=False)
    assert "对比训练记录" in text
    frames = [f.value for f in at.dataframe]
    scores = next(f for f in frames if "最佳检查点" in f.columns)
    assert {"训练记录", "状态"} <= set(scores.columns), list(scores.columns)
    assert list(scores["状态"]) == ["已完成", "已完成"] and all("第 200 步" in b for b in scores["最佳检查点"])
    assert all("学习率" in r for r in scores["训练记录"]), list(scores["训练记录"])  # 'ring8 · lr 0.001'
    diff = next(f for f in frames if "设置" in f.columns)
    cells = [str(v) for row in diff.itertuples(index=False) for v in row]
    assert "是" in cells and "否" in cells, cells  # spectral_norm True / False
    assert not [w for c in [*cells, *scores.columns, *diff.columns] for w in english_words(c)], (cells, diff.columns)

    at.sidebar.file_uploader(key="run_zip").upload("notarun.zip", b"not a zip at all", "application/zip")
    at.run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any(e.startswith("未导入：不是可读取的 zip 文件") for e in errors), errors


def test_a_run_checkpoint_on_explore_in_chinese(runs_root, monkeypatch):
    """A run's checkpoint (not a shipped card): its title, facts and the run chooser in Chinese."""
    from test_explore_page import _make_run

    from ui import i18n

    monkeypatch.setattr(i18n, "language", lambda: "zh")  # AppTest formats choices in its own thread (see above)
    _make_run(runs_root, "20260101-000001-aaaaaa", arch="dcgan")
    at = _page("app_pages/explore.py", "zh")
    at.sidebar.radio(key="exk_source").set_value("Run checkpoint").run()
    text = _no_english(at)
    captions = [c.value for c in at.sidebar.caption]
    assert "训练 20260101-000001-aaaaaa（digits 上的 dcgan）" in captions, captions
    assert any("步数：1 / 1" in c and "样本形状：1 × 16 × 16" in c for c in captions), captions
    assert any("20260101-000001-aaaaaa · digits 上的 dcgan · 已完成" in t for t in text), text
