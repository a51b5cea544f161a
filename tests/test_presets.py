"""Named presets: the ones the material calls for exist, each validates, and each trains a
short run without NaN (on synthetic data of the preset's shape, so no download is needed)."""

from __future__ import annotations

import math

import pytest
import torch

from gan_core.checks import validate_config
from gan_core.cli import build_parser
from gan_core.config import PRESETS, TrainConfig, preset
from gan_core.data import DATASETS, Dataset, sample_shape
from gan_core.engine import Engine

pytestmark = pytest.mark.usefixtures("isolated")


def _has(**want) -> list[str]:
    return [k for k, p in PRESETS.items() if all(p.fields.get(f) == v for f, v in want.items())]


def test_the_presets_the_material_calls_for():
    unconditional = [k for k, p in PRESETS.items() if p.fields.get("conditioning", "none") == "none"]
    assert set(_has(arch="dcgan", loss="ns")) & set(unconditional)  # DCGAN, non-saturating
    assert _has(loss="wgan-gp")  # WGAN-GP
    assert _has(loss="lsgan")  # LSGAN
    assert _has(arch="resnet", loss="hinge", spectral_norm=True)  # SNGAN with hinge loss
    # a conditional DCGAN
    assert [k for k in _has(arch="dcgan") if PRESETS[k].fields.get("conditioning", "none") != "none"]
    assert _has(arch="stylegan-lite")  # style-based


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_is_labelled_and_its_dataset_fits_its_model(name):
    cfg = preset(name)
    assert PRESETS[name].label
    if cfg.conditioning != "none":
        assert DATASETS.get(cfg.dataset).kind == "image" or cfg.dataset in ("ring8", "grid25", "moons")


def synthetic_for(cfg: TrainConfig, n: int = 64) -> Dataset:
    shape = sample_shape(cfg)
    g = torch.Generator().manual_seed(0)
    y = torch.arange(n) % 10
    if len(shape) == 3:
        return Dataset(x=torch.rand(n, *shape, generator=g) * 2 - 1, y=y, kind="image", source="synthetic",
                       class_names=tuple(map(str, range(10))))
    return Dataset(x=torch.randn(n, *shape, generator=g) * 0.5, y=y % 8, kind="points", source="synthetic",
                   class_names=tuple(map(str, range(8))))


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_trains_a_short_run_without_nan(name):
    cfg = preset(name)
    # the preset's model, loss and options as they are; a small batch and two steps (each with the
    # preset's D steps) keep it quick
    batch = max(cfg.pac * 2, min(cfg.batch_size, 8) // cfg.pac * cfg.pac)
    cfg = validate_config(cfg.replace(batch_size=batch, device="cpu", n_fixed=min(cfg.n_fixed, 20)))
    eng = Engine(cfg, synthetic_for(cfg), torch.device("cpu"))
    for _ in range(2):
        eng.train_step()
    w = eng.flush().values
    assert all(math.isfinite(v) for v in w.values()), w
    assert eng.weights_finite()
    x = eng.sample_fixed()
    assert torch.isfinite(x).all()


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_on_the_command_line(name):
    args = build_parser().parse_args(["train", "--preset", name])
    assert args.preset == name


def test_cli_preset_trains_and_other_options_override_it(tmp_path):
    """`train --preset NAME` starts from the preset; every option given beside it wins."""
    import json

    from gan_core.cli import main

    out = tmp_path / "run"
    code = main(["train", "--preset", "digits-cdcgan", "--steps", "3", "--batch-size", "16", "--width", "8",
                 "--lr-d", "0.0004", "--device", "cpu", "--out", str(out)])
    assert code == 0
    cfg = json.loads((out / "config.json").read_text())
    want = {**PRESETS["digits-cdcgan"].fields, "steps": 3, "batch_size": 16, "width": 8, "lr_d": 0.0004}
    assert {k: cfg[k] for k in want} == want
    assert cfg["lr_g"] == TrainConfig().lr_g  # not in the preset, not given: the default
    status = json.loads((out / "status.json").read_text())
    assert status["state"] == "finished" and status["step"] == 3
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert rows and all(math.isfinite(r["d_loss"]) and math.isfinite(r["g_loss"]) for r in rows)


def test_cli_preset_with_a_bad_override_is_refused(tmp_path, capsys):
    from gan_core.cli import main

    code = main(["train", "--preset", "fmnist-wgan-gp", "--r1-weight", "1", "--out", str(tmp_path / "r")])
    assert code != 0
    err = capsys.readouterr().err
    assert "r1_weight" in err and "already penalises" in err
    assert not (tmp_path / "r" / "status.json").exists()
