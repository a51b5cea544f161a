"""Shipped generators (`pretrained/`): export a run's generator, list and load them, validate uploads.

A pretrained model is the project's own checkpoint format with a generator-only flag:

- `NAME.safetensors`: the generator's tensors under "G." (the EMA copy when the run kept one, because
  that is what the run checkpoints as G), floating tensors in fp16 when that changes no image by more
  than FP16_TOLERANCE (safetensors holds only tensors, so loading can never run code);
- `NAME.json`: the usual sidecar {"config", "meta"} with meta["g_only"] = true, plus "card": the model
  card (dataset, architecture, loss, steps, wall time, device, the command that reproduces it, scores).

Because the sidecar keeps the checkpoint layout, `python -m gan_core sample|eval --checkpoint
pretrained/NAME.safetensors` work on a shipped model as on a run's checkpoint (gan_core.checkpoint
gives D = None for it). `pretrained/classifier-*` files belong to the metrics code and are skipped.

Every check refuses with a `PretrainedError` (a ValueError) that says what is wrong and what is allowed:
a name with path characters, a card that points outside the folder, missing or mistyped card fields,
a pickle renamed .safetensors, weights whose SHA-256 or shapes do not match the card and config.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import math
import re
import shlex
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save

from gan_core.checkpoint import CheckpointError, check_safetensors_header, load_models
from gan_core.checks import config_from_dict
from gan_core.config import ConfigError, TrainConfig
from gan_core.messages import Msg
from gan_core.store import PRETRAINED_DIR, atomic_write_bytes, atomic_write_json
from gan_core.train_command import config_from_args, parse_train_args

CARD_FORMAT = "gan_core-pretrained/1"
UPLOAD = Msg("upload")  # the `where` of an uploaded pair's messages (a word: the UI translates it)
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # a file stem: no dots, slashes or spaces
MAX_WEIGHTS_BYTES = 64 * 2**20  # uploads (and shipped files, which stay under 20 MB)
MAX_CARD_BYTES = 1 * 2**20
FP16_TOLERANCE = 1.0 / 255  # images in [-1, 1]: half an 8-bit grey level; 2-D points: in data units
# Config fields that do not change what is trained (where it runs, how often it is saved and shown)
NON_TRAINING_FIELDS = {"device", "data_dir", "checkpoint_every_s", "tensorboard"}


class PretrainedError(CheckpointError):
    """A pretrained model (or an uploaded pair) cannot be used; the message says why.

    A CheckpointError, hence a ValueError: the CLI and the pages already report those."""


@dataclass
class ModelCard:
    """What the Explore page and the README show about a shipped generator."""

    name: str  # file stem: NAME.safetensors + NAME.json
    title: str  # one line for menus
    dataset: str  # TrainConfig.dataset
    arch: str  # TrainConfig.arch
    loss: str  # TrainConfig.loss
    kind: str  # "image" (G(z) in [-1, 1], (C, H, W)) or "points" (G(z) (2,) in data coordinates)
    latent_dim: int  # z has this many dimensions
    noise: str  # distribution of z: gaussian | uniform (gan_core.noise)
    sample_shape: list[int]  # shape of one G(z) sample
    conditional: bool  # G(z, y) takes class labels
    n_classes: int  # 0 when unconditional
    class_names: list[str]  # names of the labels 0..n_classes-1 ([] when unknown or unconditional)
    style_based: bool  # stylegan-lite: G.mix, psi truncation, w space
    num_ws: int  # style inputs of a style-based G (0 otherwise)
    ema: bool  # the weights are the EMA of G's weights
    steps: int  # generator steps trained
    wall_time_s: float  # training wall time measured by the run (train_seconds)
    device: str  # where it was trained
    command: str  # the command that trains it (checked against the config at export)
    scores: dict[str, Any]  # `python -m gan_core eval` output for the shipped file ({} = not measured)
    dtype: str  # float16 | float32: how the floating tensors are stored (loaded as float32)
    fp16_max_abs_diff: float | None  # max |G_fp16(z) - G_fp32(z)| on 64 fixed z at export (None: not fp16)
    file: str  # NAME.safetensors, in the same folder
    file_size_bytes: int
    sha256: str  # of the weights file
    created: str  # UTC time of export
    format: str = CARD_FORMAT
    notes: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Any, where: str = "card") -> ModelCard:
        """Validate types and presence of every field; unknown extra keys are ignored."""
        if not isinstance(d, dict):
            raise PretrainedError(Msg("{where}: the model card must be a JSON object, got {kind}", where=where,
                                      kind=type(d).__name__))
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name not in d:
                if f.default is not dataclasses.MISSING:
                    continue
                required = [x.name for x in dataclasses.fields(cls) if x.default is dataclasses.MISSING]
                raise PretrainedError(Msg("{where}: the model card lacks the field {field!r}; required: {required}",
                                          where=where, field=f.name, required=", ".join(required)))
            v = d[f.name]
            if not _type_ok(v, f.type):
                raise PretrainedError(Msg("{where}: card field {field!r} should be {type}, got {value!r}", where=where,
                                          field=f.name, type=f.type, value=v))
            kwargs[f.name] = float(v) if f.type == "float" else v
        card = cls(**kwargs)
        card._check(where)
        return card

    def _check(self, where: str) -> None:
        if self.format != CARD_FORMAT:
            raise PretrainedError(Msg("{where}: card format {format!r} is not supported; allowed: {allowed}",
                                      where=where, format=self.format, allowed=CARD_FORMAT))
        if not NAME_RE.match(self.name):
            raise PretrainedError(Msg("{where}: name {name!r} is not allowed; allowed: 1-64 of a-z, 0-9, '-', '_'",
                                      where=where, name=self.name))
        if self.file != f"{self.name}.safetensors":
            raise PretrainedError(Msg("{where}: card field 'file' must be {name}.safetensors (the file next to the "
                                      "card), got {file!r}: a card may not point anywhere else", where=where,
                                      name=self.name, file=self.file))
        if self.kind not in ("image", "points"):
            raise PretrainedError(Msg("{where}: kind must be 'image' or 'points', got {kind!r}", where=where,
                                      kind=self.kind))
        if not (self.sample_shape and all(isinstance(v, int) and 0 < v <= 4096 for v in self.sample_shape)):
            raise PretrainedError(Msg("{where}: sample_shape must be a list of 1 to 4096 integers, got {shape!r}",
                                      where=where, shape=self.sample_shape))
        if not 1 <= self.latent_dim <= 1024:
            raise PretrainedError(Msg("{where}: latent_dim must be 1 to 1024, got {n}", where=where, n=self.latent_dim))
        if self.conditional != (self.n_classes > 0):
            raise PretrainedError(Msg("{where}: conditional={conditional} but n_classes={n}", where=where,
                                      conditional=self.conditional, n=self.n_classes))
        if self.class_names and len(self.class_names) != self.n_classes:
            raise PretrainedError(Msg("{where}: {k} class_names for n_classes={n}", where=where,
                                      k=len(self.class_names), n=self.n_classes))
        if not re.fullmatch(r"[0-9a-f]{64}", self.sha256):
            raise PretrainedError(Msg("{where}: sha256 must be 64 lowercase hex digits, got {sha!r}", where=where,
                                      sha=self.sha256))


def _why(e: BaseException) -> Any:
    """An error's message as a Msg parameter: the Msg it carries (translated with the whole), else its text."""
    return e.args[0] if len(e.args) == 1 and isinstance(e.args[0], Msg) else str(e)


def _type_ok(v: Any, t: str) -> bool:
    base = {"str": str, "int": int, "float": (int, float), "bool": bool, "list[int]": list, "list[str]": list,
            "dict[str, Any]": dict, "float | None": (int, float, type(None))}[t]
    if isinstance(v, bool) and t not in ("bool",):
        return False
    if not isinstance(v, base):
        return False
    if t == "list[int]":
        return all(isinstance(x, int) and not isinstance(x, bool) for x in v)
    if t == "list[str]":
        return all(isinstance(x, str) for x in v)
    if isinstance(v, float):
        return math.isfinite(v)
    return True


# ---------------------------------------------------------------------------- listing and loading
def list_pretrained(directory: str | Path = PRETRAINED_DIR) -> list[ModelCard]:
    """The valid model cards in `directory`, by name. classifier-* files (metrics) are not generators;
    a card that fails validation is left out (load_pretrained on its name says why)."""
    out = []
    for side in sorted(Path(directory).glob("*.json")):
        if side.stem.startswith("classifier-"):
            continue
        try:
            out.append(read_card(side.stem, directory))
        except PretrainedError:
            continue
    return out


def read_card(name: str, directory: str | Path = PRETRAINED_DIR) -> ModelCard:
    """The validated card of `name` (nothing about the weights is read)."""
    directory = Path(directory).resolve()
    side = _inside(directory, name, ".json")
    if not side.is_file():
        have = ", ".join(c.name for c in list_pretrained(directory)) if directory.is_dir() else "none"
        raise PretrainedError(f"no pretrained model {name!r} in {directory}; available: {have or 'none'}")
    if side.stat().st_size > MAX_CARD_BYTES:
        raise PretrainedError(f"{side}: {side.stat().st_size} bytes, more than the {MAX_CARD_BYTES} a card may have")
    try:
        doc = json.loads(side.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise PretrainedError(f"{side}: not valid JSON ({e})") from e
    card = ModelCard.from_dict(doc.get("card") if isinstance(doc, dict) else doc, where=str(side))
    if card.name != name:
        raise PretrainedError(f"{side}: the card names itself {card.name!r}, not {name!r}")
    return card


def load_pretrained(name: str, device: str | torch.device = "cpu",
                    directory: str | Path = PRETRAINED_DIR) -> tuple[torch.nn.Module, TrainConfig, ModelCard]:
    """(G, config, card): G in eval mode, float32, on `device`; call it as G(z) or, conditional, G(z, y)."""
    directory = Path(directory).resolve()
    card = read_card(name, directory)
    weights = _inside(directory, card.file, "")
    return _load_checked(weights, card, device)


def load_uploaded(weights_bytes: bytes, card_bytes: bytes, device: str | torch.device = "cpu",
                  ) -> tuple[torch.nn.Module, TrainConfig, ModelCard]:
    """Validate and load an uploaded safetensors + JSON pair given as bytes (the Explore page).

    The JSON may be a model card file (pretrained/NAME.json) or a run checkpoint's sidecar
    (runs/ID/checkpoints/last.json); for the latter a card is made from its config and meta. The
    weights are checked to be safetensors before anything parses them: pickles are never loaded.
    """
    if not isinstance(weights_bytes, (bytes, bytearray)) or not isinstance(card_bytes, (bytes, bytearray)):
        raise PretrainedError("upload: weights and card must be bytes")
    if len(weights_bytes) > MAX_WEIGHTS_BYTES:
        raise PretrainedError(Msg("upload: the weights file has {n} bytes; at most {most} are accepted",
                                  n=len(weights_bytes), most=MAX_WEIGHTS_BYTES))
    if len(card_bytes) > MAX_CARD_BYTES:
        raise PretrainedError(Msg("upload: the JSON file has {n} bytes; at most {most} are accepted",
                                  n=len(card_bytes), most=MAX_CARD_BYTES))
    _check_safetensors_bytes(bytes(weights_bytes[:16]), len(weights_bytes), UPLOAD)
    try:
        doc = json.loads(bytes(card_bytes).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise PretrainedError(Msg("upload: the JSON file is not valid JSON ({error})", error=e)) from e
    if not isinstance(doc, dict) or "config" not in doc:
        raise PretrainedError(Msg("upload: the JSON file must be a model card (pretrained/NAME.json) or a checkpoint "
                                  "sidecar (checkpoints/last.json): an object with a 'config' entry"))
    digest = hashlib.sha256(weights_bytes).hexdigest()
    if "card" in doc:
        card = ModelCard.from_dict(doc["card"], where=UPLOAD)
    else:  # a run checkpoint's sidecar: describe it from its config and meta
        try:
            cfg = config_from_dict(doc["config"])
        except (ConfigError, TypeError) as e:
            raise PretrainedError(Msg("upload: the sidecar's config is not valid ({error})", error=_why(e))) from e
        meta = doc.get("meta") if isinstance(doc.get("meta"), dict) else {}
        from gan_core.data import DataError

        try:
                title = Msg("Uploaded checkpoint ({arch} on {dataset})", arch=cfg.arch, dataset=cfg.dataset)
                card = _card_from(cfg, meta, name="upload", title=title,
                              command="", scores={}, dtype="unknown", diff=None, size=len(weights_bytes), sha=digest,
                              notes="made from an uploaded checkpoint sidecar")
        except (DataError, KeyError, TypeError, ValueError) as e:
            raise PretrainedError(Msg("upload: the sidecar does not describe a usable model ({error})",
                                      error=_why(e))) from e
    with tempfile.TemporaryDirectory(prefix="gan-upload-") as tmp:
        w = Path(tmp) / card.file
        w.write_bytes(weights_bytes)
        w.with_suffix(".json").write_text(json.dumps(doc))
        return _load_checked(w, card, device)


def _inside(directory: Path, stem_or_file: str, suffix: str) -> Path:
    """directory/<stem_or_file><suffix>, refused unless it is a plain name that stays in `directory`."""
    name = stem_or_file + suffix
    stem = name.removesuffix(".safetensors") if name.endswith(".safetensors") else name.removesuffix(".json")
    if not NAME_RE.match(stem) or "/" in name or "\\" in name:
        raise PretrainedError(f"pretrained model name {stem_or_file!r} is not allowed; allowed: 1-64 of a-z, 0-9, "
                              "'-', '_' (a file in the pretrained folder, no paths)")
    path = (directory / name).resolve()
    if not path.is_relative_to(directory):
        raise PretrainedError(f"{name!r} resolves to {path}, outside {directory}")
    return path


def _check_safetensors_bytes(head: bytes, size: int, where: str) -> None:
    """Pickles and torch.save archives refused by name (gan_core.checkpoint.check_safetensors_header)."""
    check_safetensors_header(head, size, where, error=PretrainedError)


def _load_checked(weights: Path, card: ModelCard, device: str | torch.device,
                  ) -> tuple[torch.nn.Module, TrainConfig, ModelCard]:
    if not weights.is_file():
        raise PretrainedError(Msg("{file}: the weights file named by the card is missing", file=weights))
    size = weights.stat().st_size
    if size > MAX_WEIGHTS_BYTES:
        raise PretrainedError(Msg("{file}: {n} bytes, more than the {most} allowed", file=weights, n=size,
                                  most=MAX_WEIGHTS_BYTES))
    data = weights.read_bytes()
    _check_safetensors_bytes(data[:16], size, str(weights))
    digest = hashlib.sha256(data).hexdigest()
    if digest != card.sha256:
        raise PretrainedError(Msg("{file}: SHA-256 {got}... does not match the card's {want}...: the weights were "
                                  "changed or belong to another card", file=weights, got=digest[:12],
                                  want=card.sha256[:12]))
    try:
        with safe_open(str(weights), framework="pt") as f:
            keys = list(f.keys())
    except Exception as e:
        raise PretrainedError(Msg("{file}: not a readable safetensors file ({error})", file=weights, error=e)) from e
    if not keys or not all(k.startswith(("G.", "D.", "train.")) for k in keys):
        raise PretrainedError(Msg("{file}: expected generator tensors named 'G.*', got {keys}", file=weights,
                                  keys=keys[:3]))
    try:
        G, _D, cfg, meta = load_models(weights, device)
    except CheckpointError as e:
        raise PretrainedError(_why(e)) from e
    del _D
    _check_card_matches(card, cfg, meta, str(weights))
    with torch.no_grad():  # one forward pass: the documented sample shape comes out
        z = torch.zeros(2, card.latent_dim, device=device)
        kw = {"generator": torch.Generator(device=z.device).manual_seed(0)} if getattr(G, "uses_noise", False) else {}
        x = G(z, **kw)
    if list(x.shape[1:]) != card.sample_shape or not torch.isfinite(x).all():
        raise PretrainedError(Msg("{file}: G gives samples of shape {shape}, the card says {card}", file=weights,
                                  shape=list(x.shape[1:]), card=card.sample_shape))
    if card.style_based and not card.num_ws:  # a card made from an uploaded run sidecar
        card.num_ws = int(getattr(G, "num_ws", 0) or 0)
    return G, cfg, card


def _check_card_matches(card: ModelCard, cfg: TrainConfig, meta: dict[str, Any], where: str) -> None:
    classes = int(meta.get("num_classes", 0)) if cfg.conditioning != "none" else 0
    pairs = {"dataset": cfg.dataset, "arch": cfg.arch, "loss": cfg.loss, "latent_dim": cfg.latent_dim,
             "noise": cfg.noise, "conditional": cfg.conditioning != "none", "n_classes": classes}
    for key, want in pairs.items():
        if getattr(card, key) != want:
            raise PretrainedError(Msg("{where}: the card says {key}={value!r} but the config has {want!r}",
                                      where=where, key=key, value=getattr(card, key), want=want))


# ---------------------------------------------------------------------------- export
def _kind(cfg: TrainConfig) -> str:
    from gan_core.data import DATASETS

    return DATASETS.get(cfg.dataset).kind


def _class_names(cfg: TrainConfig, n: int, read_data: bool) -> list[str]:
    """The dataset's label names (only its reader knows them, so the data is read: export time only)."""
    if not n or not read_data:
        return []
    from gan_core.data import DataError, load_dataset

    try:
        names = list(load_dataset(cfg.dataset, cfg.data_dir).class_names)
    except (DataError, OSError, ValueError):
        return []
    return names if len(names) == n else []


def _card_from(cfg: TrainConfig, meta: dict[str, Any], *, name: str, title: str, command: str, scores: dict,
               dtype: str, diff: float | None, size: int, sha: str, notes: str = "", G: Any = None) -> ModelCard:
    classes = int(meta.get("num_classes", 0)) if cfg.conditioning != "none" else 0
    shape = meta.get("sample_shape")
    if not isinstance(shape, list):
        from gan_core.data import sample_shape

        shape = list(sample_shape(cfg))
    num_ws = int(getattr(G, "num_ws", 0) or 0) if G is not None else 0
    return ModelCard(
        name=name, title=title, dataset=cfg.dataset, arch=cfg.arch, loss=cfg.loss, kind=_kind(cfg),
        latent_dim=cfg.latent_dim, noise=cfg.noise, sample_shape=[int(v) for v in shape],
        conditional=classes > 0, n_classes=classes, class_names=_class_names(cfg, classes, G is not None),
        style_based=cfg.arch == "stylegan-lite", num_ws=num_ws, ema=cfg.ema_decay > 0,
        steps=int(meta.get("step", 0)), wall_time_s=float(meta.get("train_seconds", 0.0)),
        device=str(meta.get("device", "unknown")), command=command, scores=dict(scores), dtype=dtype,
        fp16_max_abs_diff=diff, file=f"{name}.safetensors", file_size_bytes=size, sha256=sha,
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), notes=notes)


def config_from_command(command: str) -> TrainConfig:
    """The TrainConfig that `python -m gan_core train ...` (leading VAR=value settings allowed) would train."""
    words = shlex.split(command)
    while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
        words = words[1:]
    if len(words) < 4 or words[1:4] != ["-m", "gan_core", "train"] or not words[0].startswith("python"):
        raise PretrainedError(f"command must be 'python -m gan_core train ...', got {command!r}")
    try:
        args = parse_train_args(words[4:])
    except ValueError as e:
        raise PretrainedError(f"command {command!r} is not a valid train command line ({e})") from e
    if args.resume:
        raise PretrainedError("command: give the one command that trains the model from scratch, not --resume")
    return config_from_args(args)


def _differences(a: TrainConfig, b: TrainConfig) -> list[str]:
    da, db = a.to_dict(), b.to_dict()
    return [f"{k}: {da[k]!r} vs {db[k]!r}" for k in da if k not in NON_TRAINING_FIELDS and da[k] != db[k]]


@torch.no_grad()
def _outputs(G: torch.nn.Module, latent_dim: int, n: int = 64) -> torch.Tensor:
    z = torch.randn(n, latent_dim, generator=torch.Generator().manual_seed(0))
    kw = {"generator": torch.Generator().manual_seed(1)} if getattr(G, "uses_noise", False) else {}
    return G(z, **kw).float()


def export_generator(checkpoint_path: str | Path, out_path: str | Path, *, name: str, title: str, command: str,
                     fp16: bool = True, scores: dict[str, Any] | None = None, notes: str = "",
                     stopped_ok: bool = False) -> ModelCard:
    """Write G of a run checkpoint (the EMA copy when the run has one) as `out_path` (NAME.safetensors)
    plus NAME.json (sidecar + model card). Returns the card.

    `command` must train exactly the checkpoint's config (it is parsed and compared, apart from
    where it runs and how often it saves); the checkpoint must hold `steps` steps of that config.
    `stopped_ok` accepts a run stopped by hand at step k < steps when nothing in training depends
    on the step target (no cosine schedule, no instance noise decaying over the whole run): then
    the command must say `--steps k`, and the card's notes say that the run was stopped.
    With fp16, floating tensors are stored as float16 unless that moves some output of 64 fixed
    latents by more than FP16_TOLERANCE, in which case float32 is kept (the card says which).
    """
    out_path = Path(out_path)
    if not NAME_RE.match(name):
        raise PretrainedError(f"name {name!r} is not allowed; allowed: 1-64 of a-z, 0-9, '-', '_'")
    if name.startswith("classifier-"):
        raise PretrainedError("names starting with 'classifier-' belong to the metrics classifiers")
    if out_path.name != f"{name}.safetensors":
        raise PretrainedError(f"out_path must end in {name}.safetensors, got {out_path.name}")
    if not title.strip():
        raise PretrainedError("title: give a one-line description")
    G, _D, cfg, meta = load_models(checkpoint_path, "cpu")
    del _D
    step = int(meta.get("step", -1))
    target = cfg
    if step != cfg.steps:
        depends = (cfg.schedule in ("cosine", "warmup-cosine")
                   or (cfg.instance_noise > 0 and not cfg.instance_noise_steps))
        if not stopped_ok or depends or not 0 < step < cfg.steps:
            raise PretrainedError(
                f"{checkpoint_path}: holds step {step} of a {cfg.steps}-step run; export finished runs (resume it "
                "with --steps to finish)" + ("" if depends else ", or pass stopped_ok (--stopped-ok) with a command "
                f"that says --steps {step}: this config's training does not depend on the step target"))
        target = cfg.replace(steps=step)
        notes = (notes + " " if notes else "") + (
            f"Stopped by hand at step {step} of a --steps {cfg.steps} run. Nothing in its training depends on the "
            f"step target, so the command (--steps {step}) trains the same steps (not compared bit for bit).")
    diffs = _differences(config_from_command(command), target)
    if diffs:
        raise PretrainedError("command does not train this checkpoint's config: " + "; ".join(diffs))
    sd = {k: v.detach().cpu().contiguous() for k, v in G.state_dict().items()}
    ref = _outputs(G, cfg.latent_dim)
    dtype, diff = "float32", None
    if fp16:
        half = {k: (v.half() if v.is_floating_point() else v) for k, v in sd.items()}
        G16 = copy.deepcopy(G)
        G16.load_state_dict(half)  # copied back into float32 parameters, as load_pretrained does
        diff = float((_outputs(G16, cfg.latent_dim) - ref).abs().max())
        if diff <= FP16_TOLERANCE:
            sd, dtype = half, "float16"
        else:
            notes = (notes + " " if notes else "") + f"kept float32: fp16 moved outputs by up to {diff:.4g}"
    # one metadata key: safetensors writes its metadata map in no fixed order, and the SHA-256 should not vary
    blob = save({f"G.{k}": v for k, v in sd.items()}, metadata={"format": "gan_core/1"})
    meta = {k: v for k, v in meta.items() if k in ("step", "train_seconds", "device", "run_id", "sample_shape",
                                                  "num_classes")}
    meta["g_only"] = True
    card = _card_from(cfg, meta, name=name, title=title.strip(), command=command, scores=scores or {}, dtype=dtype,
                      diff=diff, size=len(blob), sha=hashlib.sha256(blob).hexdigest(), notes=notes, G=G)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out_path, blob)
    atomic_write_json(out_path.with_suffix(".json"), {"format": CARD_FORMAT, "card": card.to_dict(),
                                                      "config": target.to_dict(), "meta": meta})
    return card


def scores_from_eval(path: str | Path) -> dict[str, Any]:
    """The card's scores from a saved `python -m gan_core eval` JSON output (scores plus how they were taken)."""
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise PretrainedError(f"--scores {path}: cannot read the eval JSON ({e})") from e
    if not isinstance(doc, dict) or not isinstance(doc.get("scores"), dict):
        raise PretrainedError(f"--scores {path}: expected the JSON printed by `python -m gan_core eval`")
    keep = {k: doc[k] for k in ("checkpoint", "n", "kind", "classifier", "seconds") if k in doc}
    return {**doc["scores"], "eval": keep}


def run_export(args) -> int:
    scores = scores_from_eval(args.scores) if args.scores else None
    out = Path(args.out_dir) / f"{args.name}.safetensors"
    card = export_generator(args.checkpoint, out, name=args.name, title=args.title, command=args.train_command,
                            fp16=not args.fp32, scores=scores, notes=args.notes, stopped_ok=args.stopped_ok)
    print(f"wrote {out} ({card.file_size_bytes} bytes, {card.dtype}) and {out.with_suffix('.json')}: "
          f"{card.steps} steps, {card.wall_time_s:.0f} s on {card.device}")
    return 0
