"""Checkpoints: one safetensors file holding the weights, the optimiser state and, in its header's
metadata, the JSON document (config, meta, training state) that describes them.

safetensors holds only tensors, so loading one can never run code (unlike a pickle).
Tensor keys are "G.<param>", "D.<param>" and, for resumable checkpoints, "train.<...>"; the header
metadata's "gan_core" entry holds {"config": ..., "meta": ..., "training": ...} as JSON.

One file, written to a temporary name and renamed (gan_core.store.atomic_write_bytes), so a crash
leaves either the previous checkpoint or the new one, whole: never weights of one step with the
step count of another. (Format gan_core/1 wrote the document as a second file, `<name>.json`,
renamed after the weights: a crash between the two renames left weights, optimiser moments and
RNG one checkpoint ahead of the step in the sidecar.) The sidecar is still written, after the
checkpoint, as a copy for people and for tools that take a weights + JSON pair (the Explore
page's upload); readers here take the embedded document and fall back to the sidecar only for
files without one (gan_core/1 checkpoints, exported generators).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save

from gan_core.checks import config_from_dict
from gan_core.config import ConfigError, TrainConfig
from gan_core.data import DataError, sample_shape
from gan_core.messages import Msg
from gan_core.models import build_models, model_kwargs
from gan_core.models.progressive import growth_for
from gan_core.seeding import global_rng
from gan_core.store import atomic_write_bytes, atomic_write_json


class CheckpointError(ValueError):
    """A checkpoint cannot be used; the message says why."""


FORMAT = "gan_core/2"  # the document is in the header's metadata (gan_core/1: in the sidecar only)
DOC_KEY = "gan_core"  # the metadata entry that holds the JSON document


def check_safetensors_header(head: bytes, size: int, where: str, error: type[Exception] = CheckpointError) -> None:
    """A safetensors file starts with an 8-byte little-endian header length and a JSON header '{'.
    Pickles (protocol 2+: 0x80) and torch.save zip archives ('PK') are named as such and refused
    (safetensors itself would only say "header too large"). `head`: the file's first 16 bytes."""
    n = int.from_bytes(head[:8], "little") if len(head) >= 8 else -1
    if len(head) >= 9 and 2 <= n <= size - 8 and head[8:9] == b"{":
        return  # (a valid header length may itself start with 0x80 or 'PK', so this is checked first)
    if head[:1] == b"\x80" or head[:2] == b"PK":
        raise error(Msg("{where}: this is a pickle / torch.save file, not safetensors; pickled weights are never "
                        "loaded (they can run code). Export with `python -m gan_core export`.", where=where))
    raise error(Msg("{where}: not a safetensors file (expected an 8-byte header length and a JSON header)",
                    where=where))


def _check_file(path: Path) -> None:
    with open(path, "rb") as f:
        head = f.read(16)
    check_safetensors_header(head, path.stat().st_size, str(path))


def _read(path: Path, tensors: bool = True) -> tuple[dict[str, torch.Tensor], dict[str, Any] | None]:
    """(tensors, embedded document or None) from one open of the file: both belong to the same
    checkpoint even if a newer one is renamed into place meanwhile."""
    with safe_open(str(path), framework="pt") as f:
        text = (f.metadata() or {}).get(DOC_KEY)
        out = {k: f.get_tensor(k) for k in f.keys()} if tensors else {}
    return out, (json.loads(text) if text is not None else None)


def _sidecar(path: Path) -> dict[str, Any]:
    side = path.with_suffix(".json")
    if not side.is_file():
        raise CheckpointError(f"{side} is missing: a checkpoint without an embedded config needs its JSON sidecar")
    return json.loads(side.read_text())


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
    # one file, one rename: the checkpoint (see the module docstring); then the sidecar copy
    atomic_write_bytes(path, save(tensors, metadata={"format": FORMAT, DOC_KEY: json.dumps(doc)}))
    atomic_write_json(path.with_suffix(".json"), doc)


def load_training_state(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """(tensors, document) of a resumable checkpoint: G./D. weights, train.* optimiser state, and
    the document with its "training" part (the step among it)."""
    path = Path(path)
    try:
        _check_file(path)
        tensors, doc = _read(path)
        if doc is None:  # gan_core/1: the document is the sidecar
            doc = _sidecar(path)
    except Exception as e:
        raise CheckpointError(f"{path}: cannot be read to resume ({type(e).__name__}: {e})") from e
    if "training" not in doc:
        raise CheckpointError(f"{path}: holds weights only (no optimiser state), so training cannot resume from it")
    return tensors, doc


def checkpoint_step(path: str | Path) -> int | None:
    """The step a resumable checkpoint holds, read from its header alone (no tensors); None when
    there is no readable resumable checkpoint at `path`. The file, not status.json, says where a
    continued run starts: a process killed after renaming a checkpoint into place but before
    writing its status leaves the status one checkpoint behind."""
    path = Path(path)
    try:
        _check_file(path)
        _tensors, doc = _read(path, tensors=False)
        if doc is None:
            doc = _sidecar(path)
        return int(doc["training"]["step"])
    except Exception:
        return None


def _config_and_meta(doc: Any, where: str) -> tuple[TrainConfig, dict[str, Any]]:
    try:
        cfg = config_from_dict(doc["config"])
    except (ValueError, KeyError, TypeError, ConfigError) as e:
        raise CheckpointError(f"{where}: not a valid checkpoint document ({e})") from e
    return cfg, doc.get("meta", {})


def read_sidecar(path: str | Path) -> tuple[TrainConfig, dict[str, Any]]:
    """(config, meta) of a checkpoint: its embedded document, else (older files) its sidecar."""
    path = Path(path)
    try:
        _check_file(path)
        _tensors, doc = _read(path, tensors=False)
    except CheckpointError:
        raise
    except Exception as e:
        raise CheckpointError(f"{path}: not a readable safetensors file ({e})") from e
    if doc is not None:
        return _config_and_meta(doc, f"{path} (embedded document)")
    try:
        doc = _sidecar(path)
    except ValueError as e:
        raise CheckpointError(f"{path.with_suffix('.json')}: not a valid checkpoint sidecar ({e})") from e
    return _config_and_meta(doc, str(path.with_suffix(".json")))


def load_models(path: str | Path, device: str | torch.device = "cpu",
                ) -> tuple[torch.nn.Module, torch.nn.Module | None, TrainConfig, dict[str, Any]]:
    """Rebuild G and D from the config and load their weights (strict: shapes must match).

    A generator-only file (sidecar meta "g_only": true, written by gan_core.pretrained) gives D = None.
    """
    path = Path(path)
    if path.suffix != ".safetensors":
        raise CheckpointError(f"{path}: expected a .safetensors file (pickled checkpoints are never loaded)")
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    _check_file(path)  # a pickle renamed .safetensors is named as such
    try:
        tensors, doc = _read(path)
    except Exception as e:
        raise CheckpointError(f"{path}: not a readable safetensors file ({e})") from e
    cfg, meta = _config_and_meta(doc, f"{path} (embedded document)") if doc is not None else read_sidecar(path)
    shape = meta.get("sample_shape") if isinstance(meta, dict) else None
    if not (isinstance(shape, list) and shape and all(isinstance(v, int) and 0 < v <= 4096 for v in shape)):
        try:  # no meta["sample_shape"] (written by the run when it passes one): the config gives the shape
            shape = sample_shape(cfg)
        except DataError as e:
            raise CheckpointError(f"{path}: the document has no valid sample_shape and the config gives none ({e})"
                                  ) from e
    classes = meta.get("num_classes", 0) if isinstance(meta, dict) else 0
    if cfg.conditioning != "none" and not (isinstance(classes, int) and 0 < classes <= 100_000):
        raise CheckpointError(f"{path}: a conditional model's sidecar needs meta.num_classes (1 to 100000), "
                              f"got {classes!r}")
    try:  # with EMA on, "G" holds the EMA generator (the one sampled); the raw G is under train.G_raw.*
        with global_rng(0):  # the initial weights are replaced below; the lock keeps them off other threads' draws
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
    if cfg.progressive:  # a run stopped while growing: its nets at the resolution and fade-in it had reached
        step = checkpoint_step(path)
        if step is not None:
            for net in (G, D):
                net.set_growth(*growth_for(cfg, int(shape[-1]), step))
    G.to(device).eval()  # fp16 weights (exported files) were cast to G's float32 by load_state_dict
    if g_only:  # no trained D in the file: None rather than a randomly initialised one
        return G, None, cfg, meta
    D.to(device).eval()
    return G, D, cfg, meta
