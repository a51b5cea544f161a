"""Training options: every one is declared once (gan_core.config) with a label, help text and range;
bad values and combinations that do not make sense are refused with a ConfigError naming the
field and what is allowed."""

from __future__ import annotations

import dataclasses

import pytest

from gan_core.checks import config_from_dict, validate_config
from gan_core.config import ConfigError, TrainConfig
from gan_core.options import GROUPS, all_options, choice_names, cli_help, fields_in, is_relevant
from gan_core.train_command import CHOICES, TRAIN_OPTIONS

FIELDS = {f.name for f in dataclasses.fields(TrainConfig)}
NEW = ["depth", "g_norm", "d_norm", "conditioning", "style_mixing", "clip_value", "r1_weight", "label_smoothing",
       "label_flip", "spectral_norm", "instance_noise", "instance_noise_steps", "grad_clip", "pac", "diffaug",
       "ema_decay", "opt_g", "opt_d", "momentum", "warmup_steps", "warmup_start", "lr_cycle_steps", "lr_min_factor",
       "latent_dim", "width", "batch_size", "steps"]


def test_every_option_is_a_config_field_with_label_help_and_group():
    opts = all_options()
    assert set(NEW) <= set(opts.names()) <= FIELDS
    for name in opts.names():
        assert opts.label(name) and len(opts.help(name)) > 30, name
        assert opts.get(name).group in dict(GROUPS)
    assert sum(len(fields_in(g)) for g, _ in GROUPS) == len(opts.names())


def test_every_option_has_cli_help_and_choices():
    for name in NEW:
        assert TRAIN_OPTIONS.get(name), name
    for name in ("opt_g", "g_norm", "conditioning", "diffaug"):
        assert CHOICES[name] == choice_names(name)
    assert "0 to 1000" in cli_help("r1_weight")


def test_relevance():
    v = TrainConfig().to_dict()
    assert not is_relevant("clip_value", v) and is_relevant("clip_value", {**v, "loss": "wgan"})
    assert not is_relevant("momentum", v) and is_relevant("momentum", {**v, "opt_d": "sgd"})
    assert is_relevant("beta1", v) and not is_relevant("beta1", {**v, "opt_g": "sgd", "opt_d": "rmsprop"})
    assert not is_relevant("warmup_steps", v) and is_relevant("warmup_steps", {**v, "schedule": "warmup-cosine"})
    assert is_relevant("lr_gamma", {**v, "schedule": "exponential"}) and not is_relevant("lr_gamma", v)
    assert not is_relevant("style_mixing", v) and is_relevant("style_mixing", {**v, "arch": "stylegan-lite"})
    assert not is_relevant("label_smoothing", {**v, "loss": "hinge"})
    assert is_relevant("clip_value", {**v, "loss": "not-a-loss"})  # unknown values: shown, validation explains


BAD = [
    # (changes, field, words the message must contain)
    (dict(loss="wgan", r1_weight=1.0), "r1_weight", ["weight clipping", "0"]),
    (dict(dataset="gaussian", conditioning="concat"), "conditioning", ["no class labels"]),
    (dict(dataset="digits", conditioning="concat", pac=2), "pac", ["pac to 1"]),
    (dict(batch_size=30, pac=4), "pac", ["multiple of"]),
    (dict(dataset="ring8", diffaug="color"), "diffaug", ["images", "none"]),
    (dict(loss="hinge", label_smoothing=0.1), "label_smoothing", ["ns", "minimax"]),
    (dict(loss="lsgan", label_flip=0.05), "label_flip", ["ns", "minimax", "Set it to 0"]),
    (dict(label_flip=0.6), "label_flip", ["[0, 0.5]"]),
    (dict(dataset="digits", arch="dcgan", loss="wgan-gp", d_norm="batch"), "d_norm", ["auto, layer or none"]),
    (dict(dataset="digits", arch="dcgan", r1_weight=1.0, d_norm="batch"), "d_norm", ["R1"]),
    (dict(loss="wgan", spectral_norm=True), "spectral_norm", ["use one"]),
    (dict(dataset="digits", arch="stylegan-lite", g_norm="batch"), "g_norm", ["auto", "AdaIN"]),
    (dict(dataset="digits", arch="dcgan", depth=6), "depth", ["0 to 4"]),
    (dict(schedule="warmup-cosine", warmup_steps=3000, steps=2000), "warmup_steps", ["shorter"]),
    (dict(schedule="warmup", warmup_steps=3000, steps=2000), "warmup_steps", ["at most 2000"]),
    (dict(loss="wgan-gp", r1_weight=1.0), "r1_weight", ["already penalises", "0"]),
    (dict(batch_size=1), "batch_size", ["batch norm"]),
    (dict(opt_g="adagrad"), "opt_g", ["adam", "rmsprop", "sgd"]),
    (dict(dataset="digits", diffaug="cutout,color"), "diffaug", ["color,cutout"]),
    (dict(conditioning="yes"), "conditioning", ["concat", "projection"]),
    (dict(g_norm="instance"), "g_norm", ["batch", "layer"]),
    (dict(depth=9), "depth", ["0 to 8"]),
    (dict(pac=0), "pac", ["1 to 8"]),
    (dict(r1_weight=-1.0), "r1_weight", ["[0, 1000]"]),
    (dict(ema_decay=1.0), "ema_decay", ["[0, 0.9999]"]),
    (dict(ema_decay=float("nan")), "ema_decay", ["nan"]),
    (dict(label_smoothing=0.6), "label_smoothing", ["[0, 0.5]"]),
    (dict(instance_noise=-0.1), "instance_noise", ["[0, 10]"]),
    (dict(clip_value=0.0), "clip_value", ["0.0001"]),
    (dict(momentum=1.0), "momentum", ["[0, 0.999]"]),
    (dict(warmup_start=0.0), "warmup_start", ["0.0001"]),
    (dict(lr_cycle_steps=1), "lr_cycle_steps", ["2 to"]),
    (dict(lr_min_factor=1.5), "lr_min_factor", ["[0, 1]"]),
    (dict(style_mixing=2.0), "style_mixing", ["[0, 1]"]),
    (dict(grad_clip=-1.0), "grad_clip", ["[0, "]),
    (dict(spectral_norm="yes"), "spectral_norm", ["bool"]),
]


@pytest.mark.parametrize("changes,field,words", BAD, ids=[f"{f}-{i}" for i, (_, f, _) in enumerate(BAD)])
def test_refused_with_a_message(changes, field, words):
    with pytest.raises(ConfigError) as e:
        validate_config(TrainConfig(**changes))
    assert e.value.field == field, str(e.value)
    for w in words:
        assert w in str(e.value), (w, str(e.value))


GOOD = [
    dict(loss="wgan", opt_g="rmsprop", opt_d="rmsprop", d_steps=5),
    dict(loss="wgan-gp", d_norm="layer", dataset="digits", arch="dcgan"),
    dict(loss="ns", r1_weight=10.0, ema_decay=0.999, dataset="digits", arch="stylegan-lite"),
    dict(loss="hinge", spectral_norm=True, dataset="digits", arch="resnet", conditioning="projection"),
    dict(loss="minimax", label_smoothing=0.2, instance_noise=0.1, instance_noise_steps=500),
    dict(loss="ns", label_smoothing=0.1, label_flip=0.05),
    dict(dataset="digits", arch="dcgan", diffaug="color,translation,cutout", g_norm="none", d_norm="none"),
    dict(pac=4, batch_size=64, grad_clip=1.0, opt_g="sgd", momentum=0.5),
    dict(schedule="cyclic", lr_cycle_steps=10, lr_min_factor=0.2),
    dict(schedule="warmup", warmup_steps=2000, steps=2000),
    dict(loss="hinge", r1_weight=1.0, dataset="digits", arch="resnet"),
    dict(dataset="ring8", conditioning="concat"),
]


@pytest.mark.parametrize("changes", GOOD)
def test_sensible_combinations_pass(changes):
    cfg = validate_config(TrainConfig(**changes))
    assert config_from_dict(cfg.to_dict()) == cfg


def test_an_old_config_without_the_new_fields_loads_with_the_old_behaviour():
    old = {"dataset": "digits", "arch": "dcgan", "loss": "wgan-gp", "lr_g": 1e-4, "beta1": 0.0, "d_steps": 5}
    cfg = config_from_dict(old)
    assert (cfg.opt_g, cfg.opt_d, cfg.conditioning, cfg.pac, cfg.ema_decay, cfg.spectral_norm) == (
        "adam", "adam", "none", 1, 0.0, False)
