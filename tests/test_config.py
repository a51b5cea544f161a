"""TrainConfig validation, dict round trip and presets."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from gan_core.checks import config_from_dict, validate_config
from gan_core.config import PRESETS, ConfigError, TrainConfig, preset

NAN = float("nan")
INF = float("inf")

BAD_VALUES = [
    # (field, value, extra changes needed to make the value meaningful)
    ("lr_g", -1e-3, {}),
    ("lr_g", 0.0, {}),
    ("lr_g", NAN, {}),
    ("lr_g", INF, {}),
    ("lr_d", -1e-3, {}),
    ("lr_d", 0.0, {}),
    ("lr_d", NAN, {}),
    ("batch_size", 0, {}),
    ("batch_size", -5, {}),
    ("batch_size", 1798, {"dataset": "digits", "arch": "mlp"}),  # digits has 1,797 samples
    ("loss", "hinge-of-doom", {}),
    ("arch", "transformer", {}),
    ("dataset", "imagenet", {}),
    ("schedule", "linear-warmup", {}),
    ("device", "tpu", {}),
    ("steps", 0, {}),
    ("steps", -10, {}),
    ("d_steps", 0, {}),
    ("beta1", -0.1, {}),
    ("beta1", 1.0, {}),
    ("beta1", 1.5, {}),
    ("beta1", NAN, {}),
    ("beta2", -0.1, {}),
    ("beta2", 1.0, {}),
    ("beta2", NAN, {}),
    ("latent_dim", 0, {}),
    ("width", 0, {}),
    ("seed", -1, {}),
    ("log_every", 0, {}),
    ("n_fixed", 0, {}),
    ("gp_weight", -1.0, {}),
    ("checkpoint_every_s", 0.0, {}),
    ("data_dir", "  ", {}),
    # wrong types given directly to the dataclass (the UI builds TrainConfig(**values))
    ("batch_size", 64.5, {}),
    ("steps", "10", {}),
    ("lr_g", "1e-3", {}),
    ("steps", True, {}),
]


@pytest.mark.parametrize("field,value,extra", BAD_VALUES, ids=[f"{f}={v!r}" for f, v, _ in BAD_VALUES])
def test_bad_value_names_its_field(field, value, extra):
    cfg = TrainConfig(**extra).replace(**{field: value})
    with pytest.raises(ConfigError) as e:
        validate_config(cfg)
    assert e.value.field == field
    assert str(e.value).startswith(f"{field}:")


def test_batch_size_equal_to_dataset_size_is_allowed():
    validate_config(TrainConfig(dataset="digits", arch="mlp", batch_size=1797))


def test_unknown_registry_value_lists_what_is_allowed():
    with pytest.raises(ConfigError) as e:
        validate_config(TrainConfig(loss="foo"))
    for name in ("ns", "lsgan", "wgan-gp"):
        assert name in str(e.value)


def test_dcgan_on_2d_points_is_refused_on_arch():
    with pytest.raises(ConfigError) as e:
        validate_config(TrainConfig(dataset="ring8", arch="dcgan"))
    assert e.value.field == "arch"
    assert "mlp" in str(e.value)  # says what to use instead


def test_dcgan_on_images_is_fine():
    validate_config(TrainConfig(dataset="digits", arch="dcgan", batch_size=64))


def test_defaults_validate_and_validate_returns_self():
    cfg = TrainConfig()
    assert validate_config(cfg) is cfg


def test_round_trip_through_json():
    cfg = TrainConfig(dataset="digits", arch="dcgan", loss="wgan-gp", lr_g=1e-4, beta1=0.0, d_steps=5, seed=7,
                      schedule="cosine")
    d = json.loads(json.dumps(cfg.to_dict()))
    again = config_from_dict(d)
    assert again == cfg
    assert again.to_dict() == cfg.to_dict()


def test_from_dict_accepts_a_partial_dict_and_ints_for_floats():
    cfg = config_from_dict({"lr_g": 1, "steps": 10})
    assert cfg.lr_g == 1.0 and isinstance(cfg.lr_g, float)
    assert cfg.steps == 10
    assert cfg.lr_d == TrainConfig().lr_d


def test_from_dict_refuses_unknown_keys():
    with pytest.raises(ConfigError) as e:
        config_from_dict({"steps": 10, "learning_rate": 0.1})
    assert e.value.field == "learning_rate"
    assert "allowed" in str(e.value)


@pytest.mark.parametrize("field,value", [
    ("steps", "10"), ("steps", True), ("steps", 10.0), ("lr_g", "0.001"), ("lr_g", False), ("loss", 3),
    ("dataset", None), ("seed", [0]),
])
def test_from_dict_refuses_wrong_types(field, value):
    with pytest.raises(ConfigError) as e:
        config_from_dict({field: value})
    assert e.value.field == field


def test_from_dict_validates_values():
    with pytest.raises(ConfigError) as e:
        config_from_dict({"lr_d": -1.0})
    assert e.value.field == "lr_d"


def test_from_dict_refuses_a_non_object():
    with pytest.raises(ConfigError):
        config_from_dict([("steps", 10)])


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_validates(name):
    cfg = preset(name)
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    assert set(PRESETS[name].fields) <= fields
    for k, v in PRESETS[name].fields.items():
        assert getattr(cfg, k) == v
    assert config_from_dict(cfg.to_dict()) == cfg
    assert PRESETS[name].label


def test_unknown_preset():
    with pytest.raises(ConfigError) as e:
        preset("nope")
    assert e.value.field == "preset"


def test_every_field_has_a_finite_default():
    for f in dataclasses.fields(TrainConfig):
        v = getattr(TrainConfig(), f.name)
        if isinstance(v, float):
            assert math.isfinite(v), f.name
