"""Branching (gan_core.branch, `train --branch-from`): a new run from a run's checkpoint with changed training
settings, recorded as its parent; changes of the nets or the data refused with what may change; the alarms'
remedies offered as branches only where a branch with them is accepted."""

from __future__ import annotations

import json

import pytest
import torch

from gan_core.branch import branch_config, read_parent, remedy_actions
from gan_core.checks import validate_config
from gan_core.cli import main
from gan_core.config import ConfigError, TrainConfig
from gan_core.data import Dataset
from gan_core.engine import Engine
from gan_core.init_from import InitSource
from gan_core.run import TrainingRun

pytestmark = pytest.mark.usefixtures("isolated")
TINY = dict(dataset="digits", arch="dcgan", latent_dim=4, width=4, batch_size=8, n_fixed=4, device="cpu",
            score_every=0, sample_every=1000, log_every=5)


@pytest.fixture
def parent(tmp_path):
    run = TrainingRun(validate_config(TrainConfig(**TINY, steps=10, ema_decay=0.9)), tmp_path / "p")
    run.run()
    assert run.state == "finished", run.error
    return tmp_path / "p"


def test_branch_changes_training_settings_and_records_its_parent(parent, tmp_path):
    code = main(["train", "--branch-from", str(parent), "--lr-d", "1e-4", "--loss", "lsgan", "--d-steps", "2",
                 "--batch-size", "16", "--out", str(tmp_path / "b")])
    assert code == 0
    cfg = json.loads((tmp_path / "b" / "config.json").read_text())
    assert (cfg["lr_d"], cfg["loss"], cfg["d_steps"], cfg["batch_size"]) == (1e-4, "lsgan", 2, 16)
    assert cfg["init_from"] == str(parent / "checkpoints" / "last.safetensors") and cfg["init_part"] == "both"
    assert cfg["steps"] == 10 and cfg["ema_decay"] == 0.9  # a finished parent: its length again; the rest kept
    info = read_parent(tmp_path / "b")
    assert info["run_id"] == "p" and info["step"] == 10
    assert info["changed"] == {"lr_d": [2e-4, 1e-4], "loss": ["ns", "lsgan"], "d_steps": [1, 2],
                               "batch_size": [8, 16]}
    assert json.loads((tmp_path / "b" / "status.json").read_text())["state"] == "finished"


def test_branch_starts_from_the_parents_weights(parent):
    cfg, _ = branch_config(parent, {"lr_g": 1e-3})
    src = InitSource.read(str(parent))
    x = torch.rand(32, 1, 8, 8) * 2 - 1
    eng = Engine(cfg, Dataset(x=x, y=None, kind="image", source="synthetic"), torch.device("cpu"))
    assert all(torch.equal(v, src.g[k]) for k, v in eng.G.state_dict().items())
    assert all(torch.equal(v, src.d[k]) for k, v in eng.D.state_dict().items())


def test_branch_of_a_stopped_run_trains_what_was_left(tmp_path):
    run = TrainingRun(validate_config(TrainConfig(**TINY, steps=100)), tmp_path / "s")
    done = []
    run.run(on_progress=lambda r: (r.step >= 10 and not done and (done.append(1), r.stop())))
    assert run.state == "stopped" and run.step == 10
    cfg, info = branch_config(tmp_path / "s", {})
    assert cfg.steps == 90 and info["step"] == 10 and info["changed"] == {"steps": [100, 90]}


@pytest.mark.parametrize("field,value", [("dataset", "mnist"), ("arch", "mlp"), ("width", 8), ("latent_dim", 8),
                                         ("conditioning", "concat"), ("noise", "uniform")])
def test_the_nets_and_the_data_cannot_change(parent, field, value):
    with pytest.raises(ConfigError, match=rf"{field}: a branch continues the parent's nets on the parent's data.*"
                                          r"Allowed to change: .*lr_g"):
        branch_config(parent, {field: value})


def test_other_refusals(parent, tmp_path, capsys):
    with pytest.raises(ConfigError, match="init_from: a branch starts G and D from the parent's checkpoint"):
        branch_config(parent, {"init_from": "digits-dcgan"})
    with pytest.raises(ConfigError, match="holds only a generator"):
        branch_config("digits-dcgan", {})
    with pytest.raises(ConfigError, match="no such file"):
        branch_config(tmp_path / "nothing", {})
    with pytest.raises(ConfigError, match="lr_d: must be in"):
        branch_config(parent, {"lr_d": 5.0})
    with pytest.raises(ConfigError, match=r"D's normalisation 'batch' \(here 'none'"):
        branch_config(parent, {"loss": "wgan-gp"})  # DCGAN's D loses its batch norm with WGAN-GP: other layers
    assert main(["train", "--branch-from", str(parent), "--preset", "digits-dcgan", "--out", str(tmp_path / "x")]) == 2
    assert main(["train", "--resume", str(parent), "--lr-d", "1e-4"]) == 2
    err = capsys.readouterr().err
    assert "a branch starts from its parent's config" in err and "--branch-from RUN_DIR" in err
    assert not (tmp_path / "x").exists()


def test_remedies_become_branches_where_they_fit(parent, tmp_path):
    actions = dict(remedy_actions("divergence", parent))
    assert actions["Both learning rates halved"] == {"lr_g": 1e-4, "lr_d": 1e-4}
    assert "WGAN-GP loss (gradient penalty)" not in actions  # would change DCGAN D's layers: not offered
    assert "Label smoothing 0.1" in dict(remedy_actions("mode_collapse", parent))
    mlp = TrainingRun(validate_config(TrainConfig(**{**TINY, "arch": "mlp", "d_norm": "none"}, steps=5)),
                      tmp_path / "m")
    mlp.run()
    assert "WGAN-GP loss (gradient penalty)" in dict(remedy_actions("divergence", tmp_path / "m"))
    assert remedy_actions("divergence", tmp_path / "missing") == []
    for _label, changes in remedy_actions("d_overpowering", parent):
        branch_config(parent, changes)  # every offered action is accepted
