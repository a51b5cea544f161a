"""Checkpoints: safetensors weights plus a JSON sidecar (config and metadata).

safetensors holds only tensors, so loading one can never run code (unlike a pickle).
Keys are "G.<param>" and "D.<param>"; the sidecar `<name>.json` holds {"config": ..., "meta": ...}.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save

from gan_core.checks import config_from_dict
from gan_core.config import ConfigError, TrainConfig
from gan_core.data import DataError, sample_shape
from gan_core.models import build_models, model_kwargs
from gan_core.store import atomic_write_bytes, atomic_write_json


class CheckpointError(ValueError):
    """A checkpoint cannot be used; the message says why."""


def save_checkpoint(path: str | Path, G: torch.nn.Module, D: torch.nn.Module, cfg: TrainConfig,
                    meta: dict[str, Any] | None = None,
                    training: tuple[dict[str, torch.Tensor], dict[str, Any]] | None = None) -> None:
    """Write weights (and, for resumable checkpoints, `training` = Engine.training_state())."""
    path = Path(path)
    tensors = {f"G.{k}": v.detach().cpu().contiguous() for k, v in G.state_dict().items()}
    tensors.update({f"D.{k}": v.detach().cpu().contiguous() for k, v in D.state_dict().items()})
    doc: dict[str, Any] = {"config": cfg.to_dict(), "meta": dict(meta or {})}
    if getattr(G, "num_classes", 0):  # conditional G: load_models needs the class count to rebuild it
        doc["meta"].setdefault("num_classes", int(G.num_classes))
    if training is not None:
        extra, doc["training"] = training
        tensors.update({f"train.{k}": v for k, v in extra.items()})
    # The sidecar and the weights are two files; each rename is atomic. The sidecar's meta
    # carries the step, and the weights file is written first, so a crash between the two
    # leaves weights one interval newer than the sidecar says, never a torn file.
    atomic_write_bytes(path, save(tensors, metadata={"format": "gan_core/1"}))
    atomic_write_json(path.with_suffix(".json"), doc)


def load_training_state(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """(tensors, sidecar) of a resumable checkpoint: G./D. weights and train.* optimiser state."""
    path = Path(path)
    side = path.with_suffix(".json")
    try:
        doc = json.loads(side.read_text())
        tensors = load_file(str(path))
    except Exception as e:  # noqa: BLE001: missing, truncated or corrupt files all mean "cannot resume"
        raise CheckpointError(f"{path}: cannot be read to resume ({type(e).__name__}: {e})") from e
    if "training" not in doc:
        raise CheckpointError(f"{path}: holds weights only (no optimiser state), so training cannot resume from it")
    return tensors, doc


def read_sidecar(path: str | Path) -> tuple[TrainConfig, dict[str, Any]]:
    side = Path(path).with_suffix(".json")
    if not side.is_file():
        raise CheckpointError(f"{side} is missing: a checkpoint needs its JSON sidecar with the config")
    try:
        doc = json.loads(side.read_text())
        cfg = config_from_dict(doc["config"])
    except (ValueError, KeyError, TypeError, ConfigError) as e:
        raise CheckpointError(f"{side}: not a valid checkpoint sidecar ({e})") from e
    return cfg, doc.get("meta", {})


def load_models(path: str | Path, device: str | torch.device = "cpu") -> tuple[torch.nn.Module, torch.nn.Module | None, TrainConfig, dict[str, Any]]:
    """Rebuild G and D from the config and load their weights (strict: shapes must match).

    A generator-only file (sidecar meta "g_only": true, written by gan_core.pretrained) gives D = None.
    """
    path = Path(path)
    if path.suffix != ".safetensors":
        raise CheckpointError(f"{path}: expected a .safetensors file (pickled checkpoints are never loaded)")
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    cfg, meta = read_sidecar(path)
    try:
        tensors = load_file(str(path))
    except Exception as e:  # safetensors raises its own error types for corrupt headers
        raise CheckpointError(f"{path}: not a readable safetensors file ({e})") from e
    shape = meta.get("sample_shape") if isinstance(meta, dict) else None
    if not (isinstance(shape, list) and shape and all(isinstance(v, int) and 0 < v <= 4096 for v in shape)):
        try:  # no meta["sample_shape"] (written by the run when it passes one): the config gives the shape
            shape = sample_shape(cfg)
        except DataError as e:
            raise CheckpointError(f"{path}: the sidecar has no valid sample_shape and the config gives none ({e})") from e
    classes = meta.get("num_classes", 0) if isinstance(meta, dict) else 0
    if cfg.conditioning != "none" and not (isinstance(classes, int) and 0 < classes <= 100_000):
        raise CheckpointError(f"{path}: a conditional model's sidecar needs meta.num_classes (1 to 100000), got {classes!r}")
    try:  # with EMA on, "G" holds the EMA generator (the one sampled); the raw G is under train.G_raw.*
        G, D = build_models(cfg.arch, shape=tuple(shape), num_classes=classes if cfg.conditioning != "none" else 0,
                            **model_kwargs(cfg))
    except (ValueError, TypeError) as e:  # e.g. a sidecar edited to another architecture
        raise CheckpointError(f"{path}: weights do not match the config's model: {cfg.arch!r} cannot be built "
                              f"for samples of shape {tuple(shape)} ({e})") from e
    g_only = isinstance(meta, dict) and meta.get("g_only") is True  # exported generators (gan_core.pretrained)
    for prefix, net in (("G.", G), ("D.", D)):
        if prefix == "D." and g_only:
            continue
        sd = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        try:
            net.load_state_dict(sd, strict=True)
        except RuntimeError as e:
            raise CheckpointError(f"{path}: weights do not match the config's model ({e})") from e
    G.to(device).eval()  # fp16 weights (exported files) were cast to G's float32 by load_state_dict
    if g_only:  # no trained D in the file: None rather than a randomly initialised one
        return G, None, cfg, meta
    D.to(device).eval()
    return G, D, cfg, meta
