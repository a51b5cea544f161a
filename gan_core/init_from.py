"""Transfer learning: start G and/or D from a checkpoint's weights, and freeze their first blocks.

    python -m gan_core train --preset fmnist-dcgan --init-from fmnist-dcgan --init-part g
    python -m gan_core train ... --init-from runs/ID --init-part both --freeze-d 1   # FreezeD

`--init-from` takes a shipped model (`pretrained/NAME.safetensors` or just NAME), a run directory
(its `checkpoints/last.safetensors`) or any checkpoint file of this project (safetensors with its
config in the header, or a JSON sidecar). Only the weights are taken: the optimisers, schedules,
step count and sampling noise start afresh, so data, loss, learning rates and every other training
setting may differ from the checkpoint's. The nets themselves must have layers of the same shapes;
when they do not, the refusal names the first layer that differs with both shapes, and the
settings of the two configs that make the nets differ.

Which G: a run with EMA of G checkpoints the averaged G as "G" and the trained one as
"train.G_raw"; the raw one is taken (the one D was trained against), and the new run's EMA, if
any, starts as a copy of it. Exported generators (pretrained/) hold the averaged G alone and no D:
with them `--init-part` must be `g` (refused otherwise: D cannot start from a file that has none).

Blocks (what `--freeze-g K` / `--freeze-d K` count): a net's layers with weights in the order the
net registers them, which is the order data flows through them in every architecture here (the
latent side of G first, the input side of D first): a convolution, transposed convolution, linear
or embedding layer together with the normalisation layers that follow it; a residual block
(ResNet, StyleGAN-lite's D) or a style layer (StyleGAN-lite's G) as a whole; parameters a net holds
itself (StyleGAN-lite's constant input) as a block of their own, after the net's first part; a label
embedding that joins the input (conditional G, concatenating D) first. FreezeD (Mo et al. 2020) freezes
D's first, input-side blocks and fine-tunes the rest, which keeps the generic low-level features
D learnt on the large source dataset. Frozen weights get `requires_grad = False` and are left out
of the optimiser; batch-norm statistics in frozen blocks still follow the new data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from torch import nn

from gan_core.checkpoint import CheckpointError, check_safetensors_header, read_sidecar
from gan_core.config import ConfigError, TrainConfig
from gan_core.data import DataError, sample_shape
from gan_core.losses import LOSSES
from gan_core.messages import Msg
from gan_core.models import build_models, model_kwargs, resolve_norms
from gan_core.models.conditional import ConcatDiscriminator, ConditionalGenerator, PacDiscriminator
from gan_core.seeding import global_rng
from gan_core.store import PRETRAINED_DIR

__all__ = ["InitSource", "block_names", "blocks", "check_init", "freeze", "preflight", "prepare_nets",
           "resolve_init_path"]

ALLOWED = Msg("a shipped model (pretrained/NAME.safetensors, or NAME), a run directory (runs/ID) or a checkpoint "
              "file (runs/ID/checkpoints/last.safetensors)")  # a Msg, as every refusal here: the UI translates them
# The settings that decide the layers' shapes: two configs that agree on these build nets that load each other.
MODEL_FIELDS = ("arch", "latent_dim", "width", "depth", "g_norm", "d_norm", "conditioning", "pac", "spectral_norm",
                "channels", "resolution")
WEIGHT_LAYERS = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d, nn.Embedding)
NORM_LAYERS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm, nn.InstanceNorm2d)


# ---------------------------------------------------------------------------- blocks
def _has_params(m: nn.Module) -> bool:
    return next(m.parameters(), None) is not None


def _units(module: nn.Module, prefix: str, out: list[tuple[str, list[nn.Parameter]]], in_container: bool) -> None:
    # a net's own parameters (StyleGAN-lite's constant input) come after its first part (the mapping net): the
    # synthesis starts from them
    own = [] if isinstance(module, WEIGHT_LAYERS + NORM_LAYERS) else list(module.parameters(recurse=False))
    children = [(n, c) for n, c in module.named_children() if _has_params(c)]
    for i, (name, child) in enumerate(children):
        path = prefix + name
        container = isinstance(child, (nn.Sequential, nn.ModuleList))
        if isinstance(child, WEIGHT_LAYERS):
            out.append((path, list(child.parameters())))
        elif isinstance(child, NORM_LAYERS):
            if out:  # the normalisation after a layer belongs to its block
                out[-1] = (out[-1][0] + "+" + name, out[-1][1] + list(child.parameters()))
            else:
                out.append((path, list(child.parameters())))
        elif in_container and not container:
            out.append((path, list(child.parameters())))  # a residual block / style layer: one block
        else:
            _units(child, path + ".", out, container)
        if i == 0 and own:
            out.append((prefix + "(own)", own))
    if own and not children:
        out.append((prefix + "(own)", own))


def blocks(net: nn.Module) -> list[tuple[str, list[nn.Parameter]]]:
    """(name, parameters) of each block of `net`, input side first (see the module docstring). A label
    embedding that joins the input (G's, and a concatenating D's) is the first block, though registered last."""
    out: list[tuple[str, list[nn.Parameter]]] = []
    _units(net, "", out, isinstance(net, (nn.Sequential, nn.ModuleList)))
    inner = net.net if isinstance(net, PacDiscriminator) else net
    if isinstance(inner, (ConditionalGenerator, ConcatDiscriminator)):
        first = [u for u in out if u[0].endswith("embed")]
        out = first + [u for u in out if not u[0].endswith("embed")]
    return out


def block_names(net: nn.Module) -> list[str]:
    return [name for name, _ in blocks(net)]


def freeze(net: nn.Module, k: int, field_name: str, who: str) -> list[str]:
    """Freeze the first `k` blocks of `net` (requires_grad False); -> their names. At least one block
    must stay trainable; a `k` beyond that is refused with the net's block count and names."""
    units = blocks(net)
    if not 0 <= k < len(units):
        listing = "; ".join(f"{i + 1}: {name}" for i, (name, _) in enumerate(units))
        raise ConfigError(field_name, Msg("{who} of this architecture has {n} blocks ({listing}); freeze from 0 to "
                                          "{most} of them (at least the last must train), got {k}", who=who,
                                          n=len(units), listing=listing, most=len(units) - 1, k=k))
    for _name, params in units[:k]:
        for p in params:
            p.requires_grad_(False)
    return [name for name, _ in units[:k]]


# ---------------------------------------------------------------------------- the source checkpoint
def resolve_init_path(text: str) -> Path:
    """The checkpoint file `--init-from TEXT` names: a shipped model's name, a run directory, or a file."""
    text = text.strip()
    p = Path(text).expanduser()
    if p.is_dir():
        last = p / "checkpoints" / "last.safetensors"
        if not last.is_file():
            raise ConfigError("init_from", Msg("{text}: a directory without checkpoints/last.safetensors, so not a "
                                               "run directory with a checkpoint; allowed: {allowed}", text=text,
                                               allowed=ALLOWED))
        return last
    if not p.exists() and "/" not in text and "\\" not in text:
        shipped = PRETRAINED_DIR / (text if text.endswith(".safetensors") else text + ".safetensors")
        if shipped.is_file():
            return shipped
    if not p.is_file():
        raise ConfigError("init_from", Msg("{text}: no such file or directory; allowed: {allowed}", text=text,
                                           allowed=ALLOWED))
    return p


@dataclass
class InitSource:
    """What a checkpoint offers to start from: its config, and the G / D weights it holds."""

    path: Path
    cfg: TrainConfig
    meta: dict[str, Any]
    g: dict[str, torch.Tensor] = field(default_factory=dict)  # the raw G when the file has one, else its G
    d: dict[str, torch.Tensor] = field(default_factory=dict)  # empty for generator-only files

    @classmethod
    def read(cls, text: str) -> InitSource:
        path = resolve_init_path(text)
        if path.suffix != ".safetensors":
            raise ConfigError("init_from", Msg("{path}: not a checkpoint (a .safetensors file is expected; pickled "
                                               "weights are never loaded); allowed: {allowed}", path=str(path),
                                               allowed=ALLOWED))
        with open(path, "rb") as f:
            head = f.read(16)
        try:
            check_safetensors_header(head, path.stat().st_size, str(path))
            cfg, meta = read_sidecar(path)
            with safe_open(str(path), framework="pt") as f:
                tensors = {k: f.get_tensor(k) for k in f.keys()}
        except CheckpointError as e:
            raise ConfigError("init_from", Msg("not a checkpoint of this project: {error}",
                                               error=e.args[0] if len(e.args) == 1 else str(e))) from None
        except Exception as e:  # a broken header, a truncated file
            raise ConfigError("init_from", Msg("{path}: not a readable checkpoint ({kind}: {error})", path=str(path),
                                               kind=type(e).__name__, error=str(e))) from None
        raw = {k[len("train.G_raw."):]: v for k, v in tensors.items() if k.startswith("train.G_raw.")}
        g = raw or {k[2:]: v for k, v in tensors.items() if k.startswith("G.")}
        d = {} if meta.get("g_only") is True else {k[2:]: v for k, v in tensors.items() if k.startswith("D.")}
        return cls(path, cfg, meta if isinstance(meta, dict) else {}, g, d)

    def weights(self, part: str) -> dict[str, torch.Tensor]:
        return self.g if part == "G" else self.d


def _differences(src: TrainConfig, cfg: TrainConfig) -> Msg | str:
    """'; the checkpoint was trained with arch 'mlp' (here 'dcgan'), ...' ('' when the model settings agree)."""
    diff = [Msg("{field} {was!r} (here {now!r})", field=f, was=getattr(src, f), now=getattr(cfg, f))
            for f in MODEL_FIELDS if getattr(src, f) != getattr(cfg, f)]
    try:  # D's batch norm follows the loss: 'auto' drops it with a per-sample gradient penalty (WGAN-GP, R1)
        d_src = resolve_norms(src.arch, src.g_norm, src.d_norm, LOSSES.get(src.loss).d_batchnorm and src.r1_weight == 0)
        d_new = resolve_norms(cfg.arch, cfg.g_norm, cfg.d_norm, LOSSES.get(cfg.loss).d_batchnorm and cfg.r1_weight == 0)
    except KeyError:
        d_src = d_new = None
    if d_src != d_new and src.d_norm == cfg.d_norm == "auto":
        diff.append(Msg("D's normalisation {was!r} (here {now!r}: with loss {loss!r} and R1 weight {r1:g} 'auto' "
                        "means no batch norm in D, as a per-sample gradient penalty needs)", was=d_src[1],
                        now=d_new[1], loss=cfg.loss, r1=cfg.r1_weight))
    if src.dataset != cfg.dataset:
        diff.append(Msg("dataset {was!r} (here {now!r}: its image size and colour channels must match)",
                        was=src.dataset, now=cfg.dataset))
    if not diff:
        return ""
    listed = diff[0]
    for d in diff[1:]:  # joined as Msgs, so that each part is translated
        listed = Msg("{first}, {then}", first=listed, then=d)
    return Msg("; the checkpoint was trained with {differences}", differences=listed)


def _load(net: nn.Module, sd: dict[str, torch.Tensor], who: str, src: InitSource, cfg: TrainConfig) -> None:
    """Copy `sd` into `net`, refusing any key or shape that differs (naming the layer and both shapes)."""
    target = net.state_dict()
    where = f"--init-from {src.path}"
    allowed = Msg("Allowed: a checkpoint whose nets have the same layers: the same architecture, latent size, width, "
                  "depth, normalisation, conditioning, PacGAN packing, spectral norm and image size and channels")
    for key, t in target.items():
        if key not in sd:
            raise ConfigError("init_from", Msg("{where}: {who} has no layer {key!r} {shape} in the checkpoint"
                                               "{differences}. {allowed}", where=where, who=who, key=key,
                                               shape=tuple(t.shape), differences=_differences(src.cfg, cfg),
                                               allowed=allowed))
        if tuple(sd[key].shape) != tuple(t.shape):
            raise ConfigError("init_from", Msg("{where}: {who}'s layer {key!r} has shape {have} in the checkpoint but "
                                               "{want} here{differences}. {allowed}", where=where, who=who, key=key,
                                               have=tuple(sd[key].shape), want=tuple(t.shape),
                                               differences=_differences(src.cfg, cfg), allowed=allowed))
    extra = sorted(set(sd) - set(target))
    if extra:
        raise ConfigError("init_from", Msg("{where}: the checkpoint's {who} has a layer {key!r} that this {who} "
                                           "lacks{differences}. {allowed}", where=where, who=who, key=extra[0],
                                           differences=_differences(src.cfg, cfg), allowed=allowed))
    net.load_state_dict(sd, strict=True)  # casts fp16 exports to the net's dtype


def _parts(cfg: TrainConfig) -> tuple[str, ...]:
    return {"both": ("G", "D"), "g": ("G",), "d": ("D",)}[cfg.init_part]


def _check_parts(src: InitSource, cfg: TrainConfig) -> None:
    if "D" in _parts(cfg) and not src.d:
        raise ConfigError("init_part", Msg("{path} holds only a generator (an exported model has no D), so D cannot "
                                           "start from it; set init_part to g (D then starts at random)",
                                           path=str(src.path)))


def prepare_nets(cfg: TrainConfig, G: nn.Module, D: nn.Module, load: bool = True) -> dict[str, Any]:
    """Load the checkpoint of `cfg.init_from` into G and/or D (when `load`; a continued run takes its
    own checkpoint instead) and freeze their first blocks. -> what was done, for the run's records."""
    info: dict[str, Any] = {}
    if cfg.init_from and load:
        src = InitSource.read(cfg.init_from)
        _check_parts(src, cfg)
        for part in _parts(cfg):
            _load(G if part == "G" else D, src.weights(part), part, src, cfg)
        info.update(init_from=str(src.path), init_part=cfg.init_part, init_step=src.meta.get("step"))
    if cfg.freeze_g:
        info["frozen_g"] = freeze(G, cfg.freeze_g, "freeze_g", "G")
    if cfg.freeze_d:
        info["frozen_d"] = freeze(D, cfg.freeze_d, "freeze_d", "D")
    return info


def check_init(cfg: TrainConfig, shape: tuple[int, ...] | None, num_classes: int = 0) -> None:
    """Refuse, before a run exists, an init_from that would fail the run: a missing file, a file that
    is not a checkpoint, a part it does not hold, layers of other shapes, K out of range. `shape`: the
    samples' shape (None when only the data can tell: then the run checks it when it starts)."""
    if not cfg.init_from and not (cfg.freeze_g or cfg.freeze_d):
        return
    src = InitSource.read(cfg.init_from) if cfg.init_from else None
    if src is not None:
        _check_parts(src, cfg)
    if shape is None:
        return
    if cfg.conditioning != "none" and not num_classes:
        num_classes = int((src.meta.get("num_classes") if src else 0) or 0)
        if not num_classes:
            return  # the class count comes with the data: the run checks the shapes when it starts
    with global_rng(0):
        G, D = build_models(cfg.arch, shape=tuple(shape), num_classes=num_classes, **model_kwargs(cfg))
    if src is not None:
        for part in _parts(cfg):
            net = G if part == "G" else D
            _load(net, src.weights(part), part, src, cfg)
    if cfg.freeze_g:
        freeze(G, cfg.freeze_g, "freeze_g", "G")
    if cfg.freeze_d:
        freeze(D, cfg.freeze_d, "freeze_d", "D")


def preflight(cfg: TrainConfig) -> None:
    """check_init with the samples' shape read from the config (the CLI and the Train page call it
    before a run directory exists); sources whose shape only their files tell are checked at start."""
    if not cfg.init_from and not (cfg.freeze_g or cfg.freeze_d):
        return
    try:
        shape = sample_shape(cfg)
    except DataError:
        shape = None
    check_init(cfg, shape)
