"""The 2-D lab in Simplified Chinese (issue 19): after a few steps, when the step explanations show, the
page's main area, the canvas view's own words (sent with each frame: the component has none of its own)
and the charts under the view (titles, legends, axes, hover) hold no English word outside proper names,
formulas, units and ids (tests/i18n_words.py); the core's explanations and errors (gan_core.toylab, Msgs)
arrive translated with their numbers. In English the page reads as before.

The sidebar's configuration form is the option forms' translation (tests/app/test_i18n_pages.py renders the
whole page, sidebar included): here the main area is read closely."""

from __future__ import annotations

import json

import pytest
import torch
from apptest import APP
from i18n_words import english_words
from streamlit.testing.v1 import AppTest
from test_i18n_pages import shown_text

from gan_core.config import TrainConfig
from gan_core.engine import Divergence
from gan_core.messages import Msg
from gan_core.toylab import PHASE_TEXT, ToyLab
from ui import i18n


@pytest.fixture
def zh(runs_root, monkeypatch):
    # AppTest formats a choice widget's value with the page's format_func in the test's own thread, outside
    # the session (where ui.i18n answers English): Chinese in every thread for this test
    monkeypatch.setattr(i18n, "language", lambda: "zh")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _open(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    at.switch_page("app_pages/toy_lab.py").run()
    assert not at.exception, at.exception
    return at


def main_text(at: AppTest) -> list[str]:
    """Every text the main area shows (bodies, labels, help, options, captions, Plotly axis titles and hover)."""
    return shown_text(at, at.main)


def chart_text(at: AppTest) -> list[str]:
    """The charts' words: subplot titles and notes, legend names, every axis title, hover templates."""
    (chart,) = at.get("plotly_chart")
    spec = json.loads(chart.proto.spec)
    layout = spec["layout"]
    out = [a.get("text", "") for a in layout.get("annotations", [])]
    out += [str(v.get("title", {}).get("text", "")) for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))]
    for trace in spec["data"]:
        out.append(trace.get("name", ""))
        out.append(trace.get("hovertemplate", "").replace("%{fullData.name}", "").replace("<extra></extra>", ""))
    return [t for t in out if t]


def view_words(at: AppTest) -> dict[str, str]:
    """The words the page sent the canvas view with its frame (legend, colour bar, description)."""
    (view,) = at.get("component_instance")
    return json.loads(view.proto.json_args)["frame"]["labels"]


def _english(texts) -> dict[str, str]:
    return {w: t for t in texts for w in english_words(t)}


def test_the_lab_in_chinese_after_steps_shows_no_english(zh):
    at = _open("zh")
    assert at.title[0].value == "二维实验室：一步一步看对抗博弈"
    assert at.button(key="lab_step").label == "单步"
    at.button(key="lab_step").click().run()
    at.button(key="lab_step_d").click().run()
    assert not at.exception, at.exception
    infos = [i.value for i in at.info]
    assert any(t.startswith("**判别器步。**") and "真实点上的平均 P(真实)" in t for t in infos), infos
    assert any("第 **1** 步 · D 更新 2 次 · G 更新 1 次" in m.value and "生成器阶段" in m.value
               for m in at.markdown), [m.value for m in at.markdown]
    at.button(key="lab_step_g").click().run()
    assert any(i.value.startswith("**生成器步。**") for i in at.info), [i.value for i in at.info]
    texts = main_text(at) + chart_text(at) + list(view_words(at).values())
    assert any("覆盖的模式数" in t for t in texts) and any("第 %{x:,} 步" in t for t in texts), texts
    english = _english(texts)
    assert not english, "English on the Chinese lab: " + "; ".join(f"{w!r} in {t!r}" for w, t in english.items())
    at.button(key="lab_play").click().run()  # while playing: the rate and the Pause button
    assert at.button(key="lab_play").label == "暂停"
    english = _english(main_text(at))
    assert not english, "English on the playing lab: " + "; ".join(f"{w!r} in {t!r}" for w, t in english.items())


def test_the_lab_in_english_reads_as_before(runs_root):
    at = _open("en")
    assert at.button(key="lab_step").label == "Step"
    at.button(key="lab_step").click().run()
    assert any(i.value.startswith("**One iteration**: 1 D update, then one G update.") for i in at.info)
    assert view_words(at)["real"] == "real" and view_words(at)["heat"] == "P(real)"
    assert "Losses" in chart_text(at) and "KL(real‖fake)" in chart_text(at)
    assert english_words(" ".join(main_text(at)))


def _ring8(**kw) -> TrainConfig:
    return TrainConfig(dataset="ring8", arch="toy-mlp", depth=2, width=16, latent_dim=2, batch_size=64, n_fixed=64,
                       steps=20, device="cpu", **kw)


def test_the_core_explains_in_english_and_the_page_translates_with_the_numbers(monkeypatch):
    """Action texts are Msgs: English sentences for files and logs, looked up with their parameters by tr()."""
    torch.set_num_threads(1)
    lab = ToyLab(_ring8(d_steps=3))
    act = lab.step_d()
    assert isinstance(act.text, Msg) and act.text.startswith(PHASE_TEXT["D"] + " (3 D updates.)")
    monkeypatch.setattr(i18n, "language", lambda: "zh")
    shown = i18n.tr(act.text)
    moved = f"{act.text.params['numbers'].params['moved']:.4f}"
    assert shown.startswith("**判别器步。**") and "（D 更新 3 次。）" in shown and f"平均移动了 {moved}" in shown
    assert not english_words(shown), shown
    assert i18n.tr(lab.step_both().text).startswith("**一次迭代**：D 更新 3 次，然后 G 更新一次。")


def test_a_diverged_game_is_explained_in_chinese(monkeypatch):
    lab = ToyLab(_ring8())
    lab._diverged(Divergence("non-finite d_loss at step 3"))
    assert lab.error.startswith("The game diverged (non-finite d_loss at step 3). Reset the lab")
    monkeypatch.setattr(i18n, "language", lambda: "zh")
    assert i18n.tr(lab.error).startswith("博弈发散了（non-finite d_loss at step 3）。请重置实验室")
    assert i18n.tr(lab.step_g().text) == i18n.tr(lab.error)  # a stopped game answers every step with why
    lab = ToyLab(_ring8())
    lab._diverged(Divergence(Msg("non-finite {names} at step {step}", names="d_loss", step=3)))  # the engine's
    assert lab.error == "The game diverged (non-finite d_loss at step 3). Reset the lab, and try a lower learning " \
        "rate, a gradient penalty (WGAN-GP, R1) or more D steps."
    assert not english_words(i18n.tr(lab.error)), i18n.tr(lab.error)  # its reason translated too


def test_the_end_of_the_game_is_explained_in_chinese(zh):
    at = _open("zh")
    at.sidebar.number_input(key="labcfg_steps").set_value(2).run()
    at.button(key="lab_play").click().run()
    for _ in range(5):
        if at.button(key="lab_play").label == "播放":
            break
        at.run()
    assert not at.exception, at.exception
    infos = [i.value for i in at.info]
    assert any(t.startswith("已到达设置中的 2 步") and "**步数**" in t for t in infos), infos
    assert not _english(infos), infos


def test_an_image_dataset_is_refused_in_chinese(zh):
    """The lab's own refusal (gan_core.toylab.check_lab_config: a ConfigError holding a Msg) is shown translated."""
    at = _open("zh")
    at.sidebar.selectbox(key="labcfg_dataset").set_value("digits").run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any("二维实验室只展示二维的点；'digits' 是图像数据集" in e and "实验室保留上一次有效的设置" in e
               for e in errors), errors
    assert not _english(errors), errors
    at.button(key="lab_ring8").click().run()
    assert at.sidebar.selectbox(key="labcfg_dataset").value == "ring8" and not at.error
