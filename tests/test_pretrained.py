"""Pretrained generators: export, listing, loading, and refusal of tampered or mismatched files."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest
import torch

from gan_core.checkpoint import load_models, save_checkpoint
from gan_core.cli import main
from gan_core.config import TrainConfig
from gan_core.models import build_models, model_kwargs
from gan_core.pretrained import (
    PRETRAINED_DIR,
    ModelCard,
    PretrainedError,
    export_generator,
    list_pretrained,
    load_pretrained,
    load_uploaded,
)

RING_CMD = "python -m gan_core train --dataset ring8 --arch mlp --latent-dim 2 --width 8 --steps 1"
DIGITS_CMD = ("OMP_NUM_THREADS=1 python -m gan_core train --dataset digits --arch dcgan --conditioning concat "
              "--latent-dim 8 --width 8 --steps 1")


def _checkpoint(tmp: Path, cfg: TrainConfig, shape: list[int], classes: int = 0) -> Path:
    torch.manual_seed(0)
    G, D = build_models(cfg.arch, shape=tuple(shape), num_classes=classes, **model_kwargs(cfg))
    path = tmp / f"run-{cfg.dataset}-{cfg.width}" / "checkpoints" / "last.safetensors"
    path.parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(path, G, D, cfg, {"step": cfg.steps, "train_seconds": 1.5, "device": "cpu", "sample_shape": shape})
    return path


@pytest.fixture
def ring(tmp_path: Path) -> Path:
    cfg = TrainConfig(dataset="ring8", arch="mlp", latent_dim=2, width=8, steps=1)
    ckpt = _checkpoint(tmp_path, cfg, [2])
    out = tmp_path / "pre"
    export_generator(ckpt, out / "ring.safetensors", name="ring", title="Tiny ring", command=RING_CMD)
    return out


@pytest.fixture
def digits(tmp_path: Path) -> Path:
    cfg = TrainConfig(dataset="digits", arch="dcgan", conditioning="concat", latent_dim=8, width=8, steps=1)
    ckpt = _checkpoint(tmp_path, cfg, [1, 8, 8], classes=10)
    out = tmp_path / "pre"
    export_generator(ckpt, out / "cdig.safetensors", name="cdig", title="Tiny conditional digits", command=DIGITS_CMD,
                     scores={"fd_clf": 1.0})
    return out


def _doc(folder: Path, name: str) -> dict:
    return json.loads((folder / f"{name}.json").read_text())


def test_export_list_and_load(ring: Path, digits: Path) -> None:
    names = [c.name for c in list_pretrained(ring)]
    assert names == ["cdig", "ring"]
    G, cfg, card = load_pretrained("cdig", directory=digits)
    assert not G.training and all(p.dtype == torch.float32 for p in G.parameters())
    assert card.conditional and card.n_classes == 10 and len(card.class_names) == 10
    assert card.sample_shape == [1, 8, 8] and card.kind == "image" and card.dtype == "float16"
    assert card.fp16_max_abs_diff is not None and card.fp16_max_abs_diff <= 1 / 255
    assert card.steps == 1 and card.wall_time_s == 1.5 and card.scores == {"fd_clf": 1.0}
    x = G(torch.randn(5, card.latent_dim), torch.tensor([0, 1, 2, 3, 9]))
    assert x.shape == (5, 1, 8, 8) and x.min() >= -1 and x.max() <= 1
    G2, _, card2 = load_pretrained("ring", directory=ring)
    assert G2(torch.randn(3, 2)).shape == (3, 2) and not card2.conditional
    # the file is the checkpoint format with a G-only flag: the run tools read it too
    G3, D3, _, meta = load_models(ring / "ring.safetensors")
    assert D3 is None and meta["g_only"] is True


def test_classifier_files_are_ignored(ring: Path) -> None:
    (ring / "classifier-x.json").write_text("{}")
    (ring / "broken.json").write_text("not json")
    assert [c.name for c in list_pretrained(ring)] == ["ring"]


def test_command_must_match_config(tmp_path: Path) -> None:
    cfg = TrainConfig(dataset="ring8", arch="mlp", latent_dim=2, width=8, steps=1)
    ckpt = _checkpoint(tmp_path, cfg, [2])
    with pytest.raises(PretrainedError, match="width: 16 vs 8"):
        export_generator(ckpt, tmp_path / "r.safetensors", name="r", title="t",
                         command=RING_CMD.replace("8 --", "16 --"))
    with pytest.raises(PretrainedError, match="python -m gan_core train"):
        export_generator(ckpt, tmp_path / "r.safetensors", name="r", title="t", command="rm -rf /")
    with pytest.raises(PretrainedError, match="not allowed"):
        export_generator(ckpt, tmp_path / "r.safetensors", name="../r", title="t", command=RING_CMD)


def test_stopped_run(tmp_path: Path) -> None:
    cfg = TrainConfig(dataset="ring8", arch="mlp", latent_dim=2, width=8, steps=5)
    G, D = build_models(cfg.arch, shape=(2,), **model_kwargs(cfg))
    ckpt = tmp_path / "c.safetensors"
    save_checkpoint(ckpt, G, D, cfg, {"step": 3, "train_seconds": 1.0, "device": "cpu", "sample_shape": [2]})
    with pytest.raises(PretrainedError, match="stopped-ok"):
        export_generator(ckpt, tmp_path / "s.safetensors", name="s", title="t", command=RING_CMD)
    with pytest.raises(PretrainedError, match="steps: 1 vs 3"):
        export_generator(ckpt, tmp_path / "s.safetensors", name="s", title="t", command=RING_CMD, stopped_ok=True)
    card = export_generator(ckpt, tmp_path / "s.safetensors", name="s", title="t", stopped_ok=True,
                            command=RING_CMD.replace("--steps 1", "--steps 3"))
    assert card.steps == 3 and "Stopped by hand at step 3" in card.notes
    assert load_pretrained("s", directory=tmp_path)[1].steps == 3
    cos = cfg.replace(schedule="cosine")
    save_checkpoint(ckpt, G, D, cos, {"step": 3, "sample_shape": [2]})
    with pytest.raises(PretrainedError, match="export finished runs"):
        export_generator(ckpt, tmp_path / "s.safetensors", name="s", title="t", stopped_ok=True,
                         command=RING_CMD.replace("--steps 1", "--steps 3 --schedule cosine"))


def test_cli_export(tmp_path: Path, capsys) -> None:
    cfg = TrainConfig(dataset="ring8", arch="mlp", latent_dim=2, width=8, steps=1)
    ckpt = _checkpoint(tmp_path, cfg, [2])
    (tmp_path / "eval.json").write_text(json.dumps({"n": 100, "kind": "points", "scores": {"modes": 8}}))
    rc = main(["export", "--checkpoint", str(ckpt), "--name", "r8", "--title", "Ring", "--command", RING_CMD,
               "--out-dir", str(tmp_path / "p"), "--scores", str(tmp_path / "eval.json")])
    assert rc == 0 and "wrote" in capsys.readouterr().out
    assert load_pretrained("r8", directory=tmp_path / "p")[2].scores["modes"] == 8
    rc = main(["export", "--checkpoint", str(ckpt), "--name", "r8", "--title", "Ring", "--command", "echo hi"])
    assert rc == 2 and "python -m gan_core train" in capsys.readouterr().err


@pytest.mark.parametrize("bad, message", [
    ("../etc/passwd", "not allowed"),
    ("Ring", "not allowed"),
    ("nope", "no pretrained model 'nope'"),
])
def test_bad_names(ring: Path, bad: str, message: str) -> None:
    with pytest.raises(PretrainedError, match=message):
        load_pretrained(bad, directory=ring)


def test_card_pointing_outside_is_refused(ring: Path) -> None:
    doc = _doc(ring, "ring")
    doc["card"]["file"] = "../outside.safetensors"
    (ring / "ring.json").write_text(json.dumps(doc))
    with pytest.raises(PretrainedError, match="may not point anywhere else"):
        load_pretrained("ring", directory=ring)


@pytest.mark.parametrize("field", ["sha256", "latent_dim", "command"])
def test_missing_card_field(ring: Path, field: str) -> None:
    doc = _doc(ring, "ring")
    del doc["card"][field]
    (ring / "ring.json").write_text(json.dumps(doc))
    with pytest.raises(PretrainedError, match=f"lacks the field '{field}'"):
        load_pretrained("ring", directory=ring)


def test_wrong_card_types_and_values(ring: Path) -> None:
    doc = _doc(ring, "ring")
    doc["card"]["latent_dim"] = "2"
    (ring / "ring.json").write_text(json.dumps(doc))
    with pytest.raises(PretrainedError, match="latent_dim"):
        load_pretrained("ring", directory=ring)
    doc["card"]["latent_dim"] = 3  # a valid int that disagrees with the config
    (ring / "ring.json").write_text(json.dumps(doc))
    with pytest.raises(PretrainedError, match="latent_dim=3 but the config has 2"):
        load_pretrained("ring", directory=ring)


def test_pickle_renamed_is_refused(ring: Path) -> None:
    (ring / "ring.safetensors").write_bytes(pickle.dumps({"G.x": torch.zeros(2)}))
    with pytest.raises(PretrainedError, match="pickle"):
        load_pretrained("ring", directory=ring)
    torch.save({"G.x": torch.zeros(2)}, ring / "ring.safetensors")  # zip-based torch.save
    with pytest.raises(PretrainedError, match="pickle"):
        load_pretrained("ring", directory=ring)


def test_tampered_weights_are_refused(ring: Path, digits: Path) -> None:
    shutil.copy(digits / "cdig.safetensors", ring / "ring.safetensors")
    with pytest.raises(PretrainedError, match="SHA-256"):
        load_pretrained("ring", directory=ring)


def test_shape_mismatch_names_the_tensor(tmp_path: Path, ring: Path) -> None:
    # a consistent card (right hash) over weights of another width: the config's model does not fit
    cfg16 = TrainConfig(dataset="ring8", arch="mlp", latent_dim=2, width=16, steps=1)
    export_generator(_checkpoint(tmp_path / "w16", cfg16, [2]), tmp_path / "w16" / "w.safetensors", name="w",
                     title="t", command=RING_CMD.replace("--width 8", "--width 16"))
    weights = (tmp_path / "w16" / "w.safetensors").read_bytes()
    doc = _doc(tmp_path / "w16", "w")
    doc["config"]["width"] = 8  # the config now builds a smaller G than the weights
    with pytest.raises(PretrainedError, match="size mismatch"):
        load_uploaded(weights, json.dumps(doc).encode())


def test_load_uploaded(ring: Path, tmp_path: Path) -> None:
    w = (ring / "ring.safetensors").read_bytes()
    c = (ring / "ring.json").read_bytes()
    G, cfg, card = load_uploaded(w, c)
    assert card.name == "ring" and G(torch.randn(4, 2)).shape == (4, 2)
    with pytest.raises(PretrainedError, match="pickle"):
        load_uploaded(pickle.dumps({"a": 1}), c)
    with pytest.raises(PretrainedError, match="not a safetensors file"):
        load_uploaded(b"hello world, not weights", c)
    with pytest.raises(PretrainedError, match="at most"):
        load_uploaded(w + b"\0" * (65 * 2**20), c)
    with pytest.raises(PretrainedError, match="not valid JSON"):
        load_uploaded(w, b"{oops")
    # a run checkpoint's own pair (weights + sidecar, with D and no card) is accepted too
    cfg = TrainConfig(dataset="ring8", arch="mlp", latent_dim=2, width=8, steps=1)
    ckpt = _checkpoint(tmp_path / "x", cfg, [2])
    G, cfg2, card = load_uploaded(ckpt.read_bytes(), ckpt.with_suffix(".json").read_bytes())
    assert card.name == "upload" and card.steps == 1 and cfg2.width == 8


def test_card_dataclass_round_trip(ring: Path) -> None:
    card = load_pretrained("ring", directory=ring)[2]
    assert ModelCard.from_dict(card.to_dict()) == card


def test_pretrained_dir_is_the_repo_folder() -> None:
    assert PRETRAINED_DIR == Path(__file__).resolve().parent.parent / "pretrained"


SHIPPED = ["ring8-mlp", "ring8-mlp-pacgan", "digits-dcgan", "fmnist-dcgan", "fmnist-cdcgan", "fmnist-stylegan"]


def test_shipped_models_are_listed() -> None:
    names = {c.name for c in list_pretrained()}
    assert set(SHIPPED) <= names
    assert not any(n.startswith("classifier-") for n in names)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_model_generates_documented_samples(name: str) -> None:
    G, cfg, card = load_pretrained(name)
    assert (PRETRAINED_DIR / card.file).stat().st_size == card.file_size_bytes < 20 * 2**20
    assert card.steps == cfg.steps and card.wall_time_s > 0 and card.command.split()[-0].startswith(("OMP", "python"))
    n = 6
    z = torch.randn(n, card.latent_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        x = G(z, torch.arange(n) % card.n_classes) if card.conditional else G(z)
    assert list(x.shape) == [n, *card.sample_shape] and torch.isfinite(x).all()
    if card.kind == "image":
        assert x.min() >= -1 and x.max() <= 1 and x.std() > 0.05  # not a constant image
    else:
        assert x.abs().max() < 10
    if card.style_based:
        assert card.num_ws == G.num_ws > 1
        mixed = G.mix(z[:2], z[2:4], crossover=card.num_ws // 2, generator=torch.Generator().manual_seed(0))
        assert mixed.shape == (2, *card.sample_shape)


@pytest.mark.parametrize("name", ["digits-dcgan", "fmnist-dcgan", "fmnist-cdcgan", "fmnist-stylegan"])
def test_shipped_image_models_are_not_collapsed(name: str) -> None:
    """The dataset's shipped classifier labels 1,000 samples: every class appears and none takes more
    than a quarter of them (a collapsed generator, like the first StyleGAN-lite that was shipped
    with 6 of 10 classes and 44% bags, fails)."""
    from gan_core.metrics.classifier import class_histogram, load_classifier

    G, cfg, card = load_pretrained(name)
    clf = load_classifier(cfg.dataset)
    n = 1000
    z = torch.randn(n, card.latent_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        x = G(z, torch.arange(n) % card.n_classes) if card.conditional else G(z)
    hist = class_histogram(clf.features_and_probs(x)[1], clf.n_classes)
    assert (hist > 0).all(), f"{name}: classes never generated: {hist.tolist()}"
    assert hist.max() <= n // 4, f"{name}: one class dominates: {hist.tolist()}"
