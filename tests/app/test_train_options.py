"""AppTest of the training form's options: presets fill them, only relevant ones are shown (and
hidden ones keep their values), bad combinations block Start, the LR preview follows every
schedule. No training is started here."""

import pytest
from streamlit.testing.v1 import AppTest

from gan_core.optim import SCHEDULES
from gan_core.store import PRETRAINED_DIR

APP = str(__import__("pathlib").Path(__file__).resolve().parents[2] / "app.py")
TRAIN = "app_pages/train.py"  # not the default page: Lessons is


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    from ui.session import get_manager

    get_manager.clear()
    yield AppTest.from_file(APP, default_timeout=60).switch_page(TRAIN)
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
        preview = next(e for e in at.expander if e.label == "Learning-rate schedule preview")
        assert preview.proto.expanded == (name != "constant"), name  # a schedule's curve is shown without a click
        if name == "constant":  # closed: no chart is made (a first page with one was 2.6 s slower in a browser)
            assert not at.get("plotly_chart"), name
            at.session_state[f"lr_preview_open_{False}"] = True  # opened by the user
            at.run()
        assert at.get("plotly_chart"), name
    at.sidebar.selectbox(key="cfg_schedule").set_value("warmup-cosine").run()
    assert "cfg_warmup_steps" in keys(at) and "cfg_lr_min_factor" in keys(at)  # warm-up then cosine's parameters


def drawn_options(at) -> dict[str, object]:
    """The form's widgets that belong to registered options: field -> widget."""
    from gan_core.options import all_options

    names = set(all_options().names())
    return {w.key[len("cfg_"):]: w for kind in ("number_input", "selectbox", "checkbox", "radio", "text_input")
            for w in at.sidebar.get(kind)
            if w.key and w.key.startswith("cfg_") and w.key[len("cfg_"):] in names}


def test_every_option_is_shown_with_its_registered_help_text(app):
    from gan_core.losses import LOSSES
    from gan_core.models import ARCHS
    from gan_core.options import all_options

    opts = all_options()
    seen: set[str] = set()
    at = app.run()
    # settings under which every option is relevant at least once
    for changes in ({}, {"cfg_loss": "wgan", "cfg_opt_d": "sgd"}, {"cfg_loss": "wgan-gp", "cfg_schedule": "step"},
                    {"cfg_dataset": "digits", "cfg_arch": "stylegan-lite", "cfg_loss": "ns", "cfg_instance_noise": 0.1,
                     "cfg_schedule": "warmup-cosine", "cfg_r1_weight": 1.0},
                    {"cfg_schedule": "cyclic"}, {"cfg_schedule": "plateau", "cfg_num_d": 2},
                    {"cfg_init_from": str(PRETRAINED_DIR / "digits-dcgan.safetensors")},  # transfer learning
                    {"cfg_init_from": "", "cfg_dataset": "digits", "cfg_arch": "dcgan", "cfg_progressive": True}):
        for k, v in changes.items():
            if isinstance(v, bool):
                at.sidebar.checkbox(key=k).check() if v else at.sidebar.checkbox(key=k).uncheck()
            else:
                w = at.sidebar.number_input(key=k) if isinstance(v, (int, float)) else at.sidebar.selectbox(key=k)
                w.set_value(v)
            at.run()
        assert not at.exception
        for field, w in drawn_options(at).items():
            assert w.help == opts.help(field), field  # the text declared with the option (gan_core.config)
            assert w.label == opts.label(field)
            seen.add(field)
        # the chosen architecture and loss: the option's help as a tooltip, the choice's as a caption under the box
        captions = [c.value for c in at.sidebar.caption]
        for field, reg in (("arch", ARCHS), ("loss", LOSSES)):
            assert reg.help(at.sidebar.selectbox(key="cfg_" + field).value) in captions
    assert seen == set(opts.names()), set(opts.names()) - seen  # no registered option is missing from the form


def test_a_refused_combination_keeps_every_other_input(app):
    at = app.run()
    mine = {"cfg_lr_g": 0.0007, "cfg_lr_d": 0.0021, "cfg_width": 96, "cfg_steps": 1234, "cfg_batch_size": 48,
            "cfg_ema_decay": 0.99, "cfg_seed": 7}
    for k, v in mine.items():
        at.sidebar.number_input(key=k).set_value(v).run()
    at.sidebar.selectbox(key="cfg_opt_g").set_value("rmsprop").run()
    at.sidebar.selectbox(key="cfg_loss").set_value("wgan").run()
    at.sidebar.checkbox(key="cfg_spectral_norm").check().run()  # clipping and spectral norm: refused
    assert any("spectral_norm" in e.value and "use one" in e.value for e in at.error)
    assert start_disabled(at)

    def unchanged():
        for k, v in mine.items():
            assert at.sidebar.number_input(key=k).value == v, k
        assert at.sidebar.selectbox(key="cfg_opt_g").value == "rmsprop"
        assert at.sidebar.selectbox(key="cfg_loss").value == "wgan"

    unchanged()
    at.sidebar.number_input(key="cfg_r1_weight").set_value(2.0).run()  # a second refusal on top
    assert start_disabled(at) and at.error
    unchanged()
    at.sidebar.number_input(key="cfg_r1_weight").set_value(0.0).run()
    at.sidebar.checkbox(key="cfg_spectral_norm").uncheck().run()
    assert not at.error and not start_disabled(at)
    unchanged()
    assert at.sidebar.checkbox(key="cfg_spectral_norm").value is False


@pytest.mark.parametrize("name", ["fmnist-dcgan", "fmnist-wgan-gp", "fmnist-lsgan", "cifar10-sngan", "digits-cdcgan",
                                  "fmnist-stylegan"])
def test_each_preset_fills_the_form_and_every_field_stays_editable(app, name):
    from gan_core.config import PRESETS

    at = app.run()
    at.sidebar.selectbox(key="preset").set_value(name).run()
    assert not at.exception
    for field, value in PRESETS[name].fields.items():
        if field == "dataset":
            continue  # drawn by the data chooser (its own widgets)
        w = next(w for kind in ("number_input", "selectbox", "checkbox") for w in at.sidebar.get(kind)
                 if w.key == "cfg_" + field)
        assert w.value == value, (field, w.value, value)
    assert not start_disabled(at), [e.value for e in at.error]
    at.sidebar.number_input(key="cfg_lr_d").set_value(0.0005).run()  # the user changes one field
    assert at.sidebar.number_input(key="cfg_lr_d").value == 0.0005
    assert at.sidebar.selectbox(key="cfg_loss").value == PRESETS[name].fields["loss"]  # the rest stays
    assert at.sidebar.selectbox(key="preset").value == name
