"""A checkpoint is one file (issue 16, bug 3): weights, optimiser state, RNG and the step that
describes them are renamed into place together, so a crash at any point leaves a checkpoint whose
parts agree. Older two-file checkpoints (gan_core/1: weights + JSON sidecar) still load. A pickle
renamed .safetensors is named as such by `sample` (bug 5), as it is for uploads."""

from __future__ import annotations

import json
import pickle

import pytest
import torch
from safetensors.torch import save

import gan_core.checkpoint as ckpt_mod
import gan_core.store as store_mod
from gan_core.checkpoint import CheckpointError, load_models, load_training_state, save_checkpoint
from gan_core.cli import main
from gan_core.config import TrainConfig
from gan_core.models import build_models, model_kwargs

pytestmark = pytest.mark.usefixtures("isolated")

CFG = TrainConfig(dataset="ring8", arch="mlp", latent_dim=2, width=16, steps=100, device="cpu")


def _nets(value: float):
    """G and D of CFG with every weight set to `value` (the step it stands for)."""
    G, D = build_models(CFG.arch, shape=(2,), num_classes=0, **model_kwargs(CFG))
    with torch.no_grad():
        for p in [*G.parameters(), *D.parameters()]:
            p.fill_(value)
    return G, D


def _save(path, step: int) -> None:
    G, D = _nets(float(step))
    training = ({"rng.gen": torch.full((4,), step, dtype=torch.uint8)}, {"step": step})
    save_checkpoint(path, G, D, CFG, {"step": step, "sample_shape": [2]}, training=training)


def _agree(path) -> int:
    """Every part of the checkpoint names the same step; -> that step."""
    tensors, doc = load_training_state(path)
    step = doc["training"]["step"]
    assert doc["meta"]["step"] == step
    assert int(tensors["train.rng.gen"][0]) == step, "optimiser/RNG state of another step than the document's"
    assert float(tensors["G.net.0.weight"].flatten()[0]) == step, "weights of another step than the document's"
    G, _D, _cfg, meta = load_models(path)
    assert meta["step"] == step and float(next(G.parameters()).detach().flatten()[0]) == step
    return step


def test_a_crash_after_the_weights_are_in_place_leaves_a_consistent_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "checkpoints" / "last.safetensors"
    _save(path, 10)
    assert _agree(path) == 10

    def crash(*_a, **_kw):  # the process dies right after the checkpoint file was renamed into place
        raise SystemExit("killed")

    monkeypatch.setattr(ckpt_mod, "atomic_write_json", crash)
    with pytest.raises(SystemExit):
        _save(path, 20)
    assert _agree(path) == 20  # gan_core/1: weights of step 20, sidecar (the step) of step 10


def test_a_crash_while_writing_keeps_the_previous_checkpoint_whole(tmp_path, monkeypatch):
    path = tmp_path / "checkpoints" / "last.safetensors"
    _save(path, 10)
    real_replace = store_mod.os.replace

    def crash(src, dst):
        raise SystemExit("killed before the rename")

    monkeypatch.setattr(store_mod.os, "replace", crash)
    with pytest.raises(SystemExit):
        _save(path, 20)
    monkeypatch.setattr(store_mod.os, "replace", real_replace)
    assert _agree(path) == 10
    assert sorted(p.name for p in path.parent.iterdir()) == ["last.json", "last.safetensors"]  # no temp file left


def test_one_file_is_the_whole_checkpoint(tmp_path):
    path = tmp_path / "last.safetensors"
    _save(path, 7)
    path.with_suffix(".json").unlink()  # the sidecar is a copy for people and uploads, not needed to load
    assert _agree(path) == 7


def test_old_two_file_checkpoints_still_load(tmp_path):
    """gan_core/1: the document only in the sidecar."""
    path = tmp_path / "last.safetensors"
    G, D = _nets(3.0)
    tensors = {f"G.{k}": v for k, v in G.state_dict().items()}
    tensors.update({f"D.{k}": v for k, v in D.state_dict().items()})
    tensors["train.rng.gen"] = torch.full((4,), 3, dtype=torch.uint8)
    path.write_bytes(save(tensors, metadata={"format": "gan_core/1"}))
    doc = {"config": CFG.to_dict(), "meta": {"step": 3, "sample_shape": [2]}, "training": {"step": 3}}
    path.with_suffix(".json").write_text(json.dumps(doc))
    assert _agree(path) == 3
    path.with_suffix(".json").unlink()
    with pytest.raises(CheckpointError, match="sidecar"):
        load_models(path)


@pytest.mark.parametrize("kind", ["torch.save", "pickle"])
def test_sample_on_a_pickle_renamed_safetensors_says_so(tmp_path, capsys, kind):
    good = tmp_path / "good.safetensors"
    _save(good, 5)
    bad = tmp_path / "bad.safetensors"
    if kind == "torch.save":
        torch.save({"G": _nets(1.0)[0].state_dict()}, bad)
    else:
        bad.write_bytes(pickle.dumps({"weights": [1.0] * 100}, protocol=4))
    bad.with_suffix(".json").write_text(good.with_suffix(".json").read_text())  # a sidecar that looks right
    assert main(["sample", "--checkpoint", str(bad), "--n", "4", "--out", str(tmp_path / "x.npy")]) == 2
    err = capsys.readouterr().err
    assert "this is a pickle / torch.save file, not safetensors" in err, err
    assert "header too large" not in err.lower()


def test_recovery_names_the_step_of_the_checkpoint_file_not_of_the_status(tmp_path):
    """A server killed after a checkpoint was renamed into place but before status.json was written
    again: the status still names the checkpoint before. A restarted server says (and a resume
    uses) the step the file holds."""
    from gan_core.manager import RunManager
    from gan_core.run import TrainingRun
    from gan_core.store import atomic_write_json, read_json

    run_dir = tmp_path / "runs" / "killed"
    cfg = TrainConfig(dataset="ring8", arch="mlp", latent_dim=2, width=16, batch_size=32, steps=20, log_every=5,
                      device="cpu", score_every=0, sample_every=1000, n_fixed=16)
    TrainingRun(cfg, run_dir).run()
    st = read_json(run_dir / "status.json")
    atomic_write_json(run_dir / "status.json", {**st, "state": "running", "step": 23, "last_checkpoint_step": 10})
    nothing = tmp_path / "runs" / "no-checkpoint"  # killed before its first checkpoint
    nothing.mkdir()
    atomic_write_json(nothing / "status.json", {**st, "state": "running", "step": 3, "last_checkpoint_step": None})
    assert sorted(RunManager(tmp_path / "runs").recover()) == ["killed", "no-checkpoint"]
    st = read_json(run_dir / "status.json")
    assert st["state"] == "interrupted" and st["last_checkpoint_step"] == 20
    assert "checkpoint at step 20" in st["error"], st["error"]
    st = read_json(nothing / "status.json")
    assert st["last_checkpoint_step"] is None and "cannot be resumed" in st["error"]
