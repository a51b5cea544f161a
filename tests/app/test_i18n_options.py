"""AppTest of the training form in Chinese (issue 19, the option forms): the labels, help texts (with their
formulas), choices and presets of the options come from the catalogue, a number out of range is explained
under its box and at Start in Chinese and still blocks Start, a refused combination (gan_core.checks, a Msg)
reads in Chinese, and switching the language keeps every value of the form. The Train page's sidebar and the
2-D lab draw the same form (ui/config_form.py). No training is started here."""

from __future__ import annotations

import pytest
from apptest import APP
from i18n_words import english_words
from streamlit.testing.v1 import AppTest

TRAIN = "app_pages/train.py"
LAB = "app_pages/toy_lab.py"
# the form's expanders (the Train page adds its own)
FORM_EXPANDERS = {"图像预处理（仅限图像）", "模型选项", "正则化", "迁移学习（从检查点开始）", "日志"}
KINDS = ("number_input", "selectbox", "checkbox", "radio", "text_input", "file_uploader")


@pytest.fixture
def zh(monkeypatch):
    """Chinese in every thread: AppTest formats a select box's value with the page's format_func in the test's
    own thread, outside the session (where ui.i18n answers English), to send it back."""
    from ui import i18n

    monkeypatch.setattr(i18n, "language", lambda: "zh")


def _open(page: str, lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def form_widgets(at: AppTest, prefix: str) -> list:
    """The widgets of the form (keys `prefix` + option id, and the preset box)."""
    return [w for kind in KINDS for w in at.sidebar.get(kind)
            if w.key and (w.key.startswith(prefix) or w.key in ("preset", prefix + "preset"))]


def form_text(at: AppTest, prefix: str) -> list[str]:
    """Every text of the form's widgets (labels, help, choices) and of its expanders and captions."""
    out = []
    for w in form_widgets(at, prefix):
        out += [w.proto.label, w.proto.help]
        out += list(getattr(w.proto, "options", []) or [])
    out += [e.label for e in at.sidebar.expander if e.label in FORM_EXPANDERS]
    return [t for t in out if t]


def start_button(at: AppTest):
    return next(b for b in at.button if "play_arrow" in b.proto.icon)


def test_the_train_form_in_chinese(runs_root, zh):
    at = _open(TRAIN, "zh")
    lr = at.number_input(key="cfg_lr_g")
    assert lr.label == "生成器学习率" and "类 DCGAN 网络" in lr.help
    loss = at.selectbox(key="cfg_loss")
    assert loss.label == "损失函数" and "二元交叉熵" in loss.help
    assert "非饱和二元交叉熵" in loss.options and "Wasserstein + 梯度惩罚（WGAN-GP）" in loss.options
    assert "8 个高斯分布组成的环，多层感知机（在 CPU 上很快）" in at.selectbox(key="preset").options
    r1 = at.number_input(key="cfg_r1_weight")
    assert r1.label == "R1 惩罚（γ）" and "`L_D += gamma/2 E_x[||grad_x D(x)||^2]`" in r1.help  # the formula kept
    assert {"模型选项", "正则化", "日志"} <= {e.label for e in at.sidebar.expander}
    text = form_text(at, "cfg_")
    assert len(text) > 80, text
    english = {w: t for t in text for w in english_words(t)}
    assert not english, "English in the Chinese form: " + "; ".join(f"{w!r} in {t!r}" for w, t in english.items())


def test_every_choice_of_every_select_box_in_chinese(runs_root, zh):
    """The choices that only show for some settings: WGAN-GP, the plateau schedule, a conv net on images."""
    at = _open(TRAIN, "zh")
    at.selectbox(key="preset").set_value("cifar10-sngan").run()
    at.selectbox(key="cfg_schedule").set_value("plateau").run()
    at.selectbox(key="cfg_diffaug").set_value("color,translation,cutout").run()
    assert not at.exception, at.exception
    assert "余弦退火" in at.selectbox(key="cfg_schedule").options
    assert at.selectbox(key="cfg_precision").options[0] == "自动"
    text = form_text(at, "cfg_") + [c.value for c in at.sidebar.caption]
    assert any("颜色 = 随机亮度" in t for t in text), text  # the chosen policy's help, under its box
    english = {w: t for t in text for w in english_words(t)}
    assert not english, "English in the Chinese form: " + "; ".join(f"{w!r} in {t!r}" for w, t in english.items())


def test_a_learning_rate_out_of_range_is_explained_in_chinese_and_blocks_start(runs_root, zh):
    at = _open(TRAIN, "zh")
    assert not start_button(at).proto.disabled
    at.number_input(key="cfg_lr_g").set_value(5.0).run()
    assert not at.exception, at.exception
    said = "生成器学习率：5 超出范围；允许：大于 0 且不超过 1 的数。"
    assert said in [e.value for e in at.sidebar.error], [e.value for e in at.sidebar.error]  # under the box
    assert any(said in e.value for e in at.main.error), [e.value for e in at.main.error]  # at Start
    assert start_button(at).proto.disabled


def test_a_refused_combination_is_explained_in_chinese(runs_root, zh):
    """gan_core.checks refuses WGAN's weight clipping with an R1 penalty: a ConfigError holding a Msg."""
    at = _open(TRAIN, "zh")
    at.selectbox(key="cfg_loss").set_value("wgan").run()
    at.number_input(key="cfg_r1_weight").set_value(1.0).run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.main.error]
    assert any("`r1_weight`：权重裁剪（损失函数 'wgan'）已经约束了判别器" in e for e in errors), errors
    assert start_button(at).proto.disabled


def test_switching_the_language_keeps_the_options(runs_root, monkeypatch):
    from ui import i18n

    # the session's language as the switch sets it; in the test's own thread (AppTest formats select box values
    # there, see `zh`) the language the test has switched to
    outside = {"lang": "en"}
    session_language = i18n.language
    monkeypatch.setattr(i18n, "language", lambda: session_language() if i18n._in_session() else outside["lang"])
    at = _open(TRAIN, "en")
    at.selectbox(key="preset").set_value("fmnist-wgan-gp").run()
    at.number_input(key="cfg_lr_g").set_value(0.0003).run()
    at.selectbox(key="cfg_schedule").set_value("cosine").run()
    at.number_input(key="cfg_lr_min_factor").set_value(0.1).run()
    at.checkbox(key="cfg_spectral_norm").check().run()
    at.selectbox(key="cfg_precision").set_value("fp32").run()
    before = {w.key: w.value for w in form_widgets(at, "cfg_")}
    assert before["cfg_loss"] == "wgan-gp" and before["cfg_lr_g"] == 0.0003
    at.radio(key="lang").set_value("zh").run()
    outside["lang"] = "zh"  # (after the run: AppTest reads the widgets drawn before it in their language)
    assert not at.exception, at.exception
    assert at.number_input(key="cfg_lr_g").label == "生成器学习率"
    assert "Wasserstein + 梯度惩罚（WGAN-GP）" in at.selectbox(key="cfg_loss").options
    assert {w.key: w.value for w in form_widgets(at, "cfg_")} == before
    at.number_input(key="cfg_steps").set_value(1234).run()  # a change in Chinese, then back to English
    at.radio(key="lang").set_value("en").run()
    outside["lang"] = "en"
    assert not at.exception, at.exception
    assert at.number_input(key="cfg_lr_g").label == "LR of G"
    assert {w.key: w.value for w in form_widgets(at, "cfg_")} == {**before, "cfg_steps": 1234}


def test_the_2d_lab_form_in_chinese(runs_root, zh):
    at = _open(LAB, "zh")
    assert at.selectbox(key="labcfg_arch").label == "架构"
    assert any(o.startswith("二维实验室：8 个高斯分布组成的环") for o in at.selectbox(key="labcfg_preset").options)
    text = form_text(at, "labcfg_")
    english = {w: t for t in text for w in english_words(t)}
    assert not english, "English in the Chinese form: " + "; ".join(f"{w!r} in {t!r}" for w, t in english.items())


def test_a_refusal_of_the_core_is_english_for_the_cli_and_chinese_in_the_ui(monkeypatch):
    """ConfigError holds a Msg: str() is the English sentence the CLI prints, tr() the catalogue's translation
    with the same parameters (nested Msgs translated too)."""
    from gan_core.checks import validate_config
    from gan_core.config import ConfigError, TrainConfig
    from ui import i18n

    with pytest.raises(ConfigError) as warm:
        validate_config(TrainConfig(schedule="warmup", warmup_steps=500, steps=100))
    with pytest.raises(ConfigError) as watch:
        validate_config(TrainConfig(dataset="digits", arch="dcgan", schedule="plateau", early_stop=3, score_every=0))
    assert str(warm.value) == ("warmup_steps: the warm-up (500 steps) is longer than the run (100 steps), so the "
                               "learning rate would never reach its value; make it at most 100 steps")
    assert str(watch.value).startswith("monitor: schedule 'plateau' and early_stop 3 watches 'fd_clf' (what 'auto' "
                                       "watches for this data), which this run never logs: scores are computed")
    monkeypatch.setattr(i18n, "language", lambda: "zh")
    assert i18n.tr(warm.value) == ("`warmup_steps`：学习率预热（500 步）比整个训练（100 步）还长，"
                                   "学习率永远达不到设定值；请设为不超过 100 步")
    said = i18n.tr(watch.value)
    assert said.startswith("`monitor`：平台衰减调度（'plateau'） 和 提前停止（early_stop 3） 监控的是 "
                           "'fd_clf'（'auto' 对这种数据")
    assert "只有 score_every > 0 时才计算评分" in said and not english_words(said), said


def test_a_transfer_refusal_is_explained_in_chinese(monkeypatch):
    """gan_core.init_from's refusals (the form's preflight at Start) are Msgs too, their parts (the settings the
    checkpoint was trained with) translated one by one."""
    from gan_core.config import ConfigError, TrainConfig
    from gan_core.init_from import preflight
    from ui import i18n

    cfg = TrainConfig(dataset="fashion-mnist", arch="dcgan", width=48, init_from="digits-dcgan", init_part="g")
    with pytest.raises(ConfigError) as e:
        preflight(cfg)
    assert "; the checkpoint was trained with latent_dim 64 (here 100), width 32 (here 48)" in str(e.value)
    monkeypatch.setattr(i18n, "language", lambda: "zh")
    said = i18n.tr(e.value)
    assert ("在检查点中的形状是 (64, 64, 2, 2)，这里却是 (100, 96, 7, 7)；"
            "该检查点训练时使用的是 `latent_dim` 为 64（这里为 100），`width` 为 32（这里为 48）") in said, said
    assert not english_words(said), said


def test_a_device_without_a_gpu_is_explained_in_chinese(runs_root, zh, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # also on a machine that has one
    at = _open(TRAIN, "zh")
    captions = [c.value for c in at.sidebar.caption]
    assert "训练将在 **cpu** 上运行。" in captions, captions
    at.selectbox(key="cfg_device").set_value("cuda").run()
    assert not at.exception, at.exception
    said = [c.value for c in at.sidebar.caption if "CUDA" in c.value]
    assert said == [":red[选择了设备 'cuda'，但这里没有可用的 CUDA GPU；请选择 'auto' 或 'cpu']"], said


def test_an_imported_config_is_refused_in_chinese(monkeypatch):
    """A config.json read back (the Train page's import, a checkpoint's config): its refusals are Msgs too."""
    from gan_core.checks import config_from_dict
    from gan_core.config import ConfigError
    from ui import i18n

    monkeypatch.setattr(i18n, "language", lambda: "zh")
    for d, said in (([1], "`config`：应为 JSON 对象，实际为 list"), ({"lr": 1}, "`lr`：未知的字段；允许：dataset, "),
                    ({"steps": "10"}, "`steps`：应为 int 类型，实际为 '10'"),
                    ({"loss": "gan"}, "`loss`：未知的值 'gan'；允许：ns, minimax")):
        with pytest.raises(ConfigError) as e:
            config_from_dict(d)
        assert i18n.tr(e.value).startswith(said), (d, i18n.tr(e.value))
