"""AppTest of the training form's options: presets fill them, only relevant ones are shown (and
hidden ones keep their values), bad combinations block Start, the LR preview follows every
schedule. No training is started here."""

import pytest
from streamlit.testing.v1 import AppTest

from gan_core.optim import SCHEDULES

APP = str(__import__("pathlib").Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    from ui.session import get_manager

    get_manager.clear()
    yield AppTest.from_file(APP, default_timeout=60)
    get_manager().stop_all()
    get_manager.clear()


def keys(at) -> set[str]:
    return {w.key for kind in ("number_input", "selectbox", "checkbox") for w in at.sidebar.get(kind) if w.key}


def start_disabled(at) -> bool:
    return next(b for b in at.button if b.label == "Start training").proto.disabled


def test_preset_fills_the_options_and_only_relevant_ones_show(app):
    at = app.run()
    assert not at.exception
    shown = keys(at)
    for k in ("cfg_depth", "cfg_g_norm", "cfg_d_norm", "cfg_conditioning", "cfg_opt_g", "cfg_opt_d", "cfg_r1_weight",
              "cfg_spectral_norm", "cfg_ema_decay", "cfg_pac", "cfg_instance_noise", "cfg_grad_clip", "cfg_lr_g"):
        assert k in shown, k
    for k in ("cfg_clip_value", "cfg_momentum", "cfg_style_mixing", "cfg_warmup_steps", "cfg_lr_gamma"):
        assert k not in shown, k  # irrelevant for ring8-mlp's settings

    at.sidebar.selectbox(key="preset").set_value("fmnist-stylegan").run()
    assert not at.exception
    assert at.sidebar.selectbox(key="cfg_arch").value == "stylegan-lite"
    assert at.sidebar.number_input(key="cfg_r1_weight").value == 1.0
    assert at.sidebar.number_input(key="cfg_ema_decay").value == 0.999
    assert at.sidebar.number_input(key="cfg_style_mixing").value == 0.9

    at.sidebar.selectbox(key="cfg_opt_g").set_value("sgd").run()
    at.sidebar.selectbox(key="cfg_opt_d").set_value("sgd").run()
    assert "cfg_momentum" in keys(at) and "cfg_beta1" not in keys(at)
    at.sidebar.selectbox(key="cfg_opt_g").set_value("adam").run()
    assert at.sidebar.number_input(key="cfg_beta1").value == 0.0  # the preset's beta1 survived being hidden


def test_bad_combination_blocks_start_with_its_message(app):
    at = app.run()
    at.sidebar.selectbox(key="cfg_loss").set_value("wgan").run()
    assert "cfg_clip_value" in keys(at)
    at.sidebar.number_input(key="cfg_r1_weight").set_value(1.0).run()
    assert any("r1_weight" in e.value and "weight clipping" in e.value for e in at.error)
    assert start_disabled(at)
    at.sidebar.number_input(key="cfg_r1_weight").set_value(0.0).run()
    assert not any("r1_weight" in e.value for e in at.error) and not start_disabled(at)
    at.sidebar.selectbox(key="cfg_conditioning").set_value("concat").run()
    at.sidebar.selectbox(key="cfg_dataset").set_value("gaussian").run()
    assert any("conditioning" in e.value and "labels" in e.value for e in at.error)
    assert start_disabled(at)


def test_lr_preview_follows_every_schedule(app):
    at = app.run()
    for name in SCHEDULES.names():
        at.sidebar.selectbox(key="cfg_schedule").set_value(name).run()
        assert not at.exception, name
        assert not at.error, (name, [e.value for e in at.error])
        charts = at.get("plotly_chart")
        assert charts, name
    assert "cfg_warmup_steps" in keys(at) and "cfg_lr_min_factor" in keys(at)  # warm-up then cosine's parameters
