"""Branching: a new run that starts from a checkpoint of another run with changed settings.

    python -m gan_core train --branch-from runs/ID --lr-d 1e-4 --loss lsgan --steps 2000

`--resume` continues a run with its own config; a branch is a new run (its own id and directory) whose
G and D start from the parent's checkpoint (gan_core.init_from: the raw G, D, and the new run's EMA
from a copy of G) and whose training settings may differ: learning rates, optimisers, loss,
regularisers, schedule, D steps, batch size, steps, seed, logging. The nets and the data cannot
change (architecture, sizes, normalisation, conditioning, packing, spectral norm, dataset and its
image size and colour, the noise G reads): the weights would not fit them, or would mean something
else. Optimiser moments, schedule and step count start afresh (step 0), as after a warm restart.

The parent is recorded in the branch's directory as `parent.json`: the parent run, the checkpoint,
its step and the settings changed (old and new values); the Runs page shows it on the card.

The alarms' remedies that are a change of settings (halve the learning rates, label smoothing, more D
steps, ...) are `remedy_actions(alarm, cfg)`: each a label and the changes, offered only when a branch
with them would be accepted.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from gan_core.checkpoint import CheckpointError, read_sidecar
from gan_core.checks import validate_config
from gan_core.config import ConfigError, TrainConfig
from gan_core.init_from import MODEL_FIELDS, InitSource, preflight, resolve_init_path
from gan_core.losses import LOSSES
from gan_core.messages import Msg
from gan_core.store import atomic_write_json, read_json

__all__ = ["FIXED", "PARENT_FILE", "branch_config", "changes_between", "read_parent", "remedy_actions",
           "write_parent"]

FIXED = (*MODEL_FIELDS, "dataset", "noise")  # the nets and the data (its source, image size and colour): kept
SET_BY_BRANCH = ("init_from", "init_part")  # the branch starts both nets from the parent's checkpoint
PARENT_FILE = "parent.json"


def _checkpoint(source: str | Path) -> Path:
    """The checkpoint a branch starts from: a run directory's last one, or a checkpoint file of a run."""
    try:
        path = resolve_init_path(str(source))
    except ConfigError as e:
        raise ConfigError("--branch-from", str(e).removeprefix("init_from: ")) from None
    return path


def changes_between(parent: TrainConfig, cfg: TrainConfig) -> dict[str, Any]:
    """The fields of `cfg` that differ from `parent`'s."""
    return {f.name: getattr(cfg, f.name) for f in fields(TrainConfig)
            if getattr(cfg, f.name) != getattr(parent, f.name)}


def branch_config(source: str | Path, changes: dict[str, Any]) -> tuple[TrainConfig, dict[str, Any]]:
    """(the branch's validated config, its parent record) for a branch of `source` (a run directory or a
    checkpoint file) with `changes` (TrainConfig fields). Refuses a change of the nets or the data, a
    checkpoint without D (exported generators: use --init-from), and anything validate_config refuses.
    Without a `steps` change the branch trains what the parent had left (all its steps if it finished)."""
    path = _checkpoint(source)
    src = InitSource.read(str(path))  # not a checkpoint / unreadable: refused here
    if not src.d:
        raise ConfigError("--branch-from", f"{path} holds only a generator (an exported model), so a run cannot "
                          "continue from it; use --init-from with --init-part g to start a new run from its G")
    parent, meta = read_sidecar(path)
    step = meta.get("step") if isinstance(meta.get("step"), int) else None
    fixed = [f for f in FIXED if f in changes and changes[f] != getattr(parent, f)]
    if fixed:
        f = fixed[0]
        allowed = ", ".join(n for n in (f.name for f in fields(TrainConfig)) if n not in FIXED + SET_BY_BRANCH)
        raise ConfigError(f, f"a branch continues the parent's nets on the parent's data, so {f} stays "
                          f"{getattr(parent, f)!r} (asked: {changes[f]!r}). Allowed to change: {allowed}. For other "
                          "nets or data start a new run (with --init-from to reuse weights that fit)")
    given_by_branch = {"init_from": str(path), "init_part": "both"}  # a form filled from a branch has them already
    set_by = [f for f in SET_BY_BRANCH if f in changes and changes[f] not in (getattr(parent, f), given_by_branch[f])]
    if set_by:
        raise ConfigError(set_by[0], "a branch starts G and D from the parent's checkpoint; give --init-from in a "
                          "new run without --branch-from instead")
    changes = dict(changes)
    if "steps" not in changes:
        left = parent.steps - step if step is not None else 0
        changes["steps"] = left if left > 0 else parent.steps
    changes.update(given_by_branch)
    cfg = validate_config(parent.replace(**changes))
    preflight(cfg)  # the weights fit (a loss that changes D's normalisation does not), K within the blocks
    info = {"run_id": meta.get("run_id") or path.parent.parent.name, "run_dir": str(path.parent.parent),
            "checkpoint": str(path), "step": step,
            "changed": {k: [getattr(parent, k), getattr(cfg, k)] for k in changes_between(parent, cfg)
                        if k not in SET_BY_BRANCH}}
    return cfg, info


def write_parent(run_dir: str | Path, info: dict[str, Any]) -> None:
    atomic_write_json(Path(run_dir) / PARENT_FILE, info)


def read_parent(run_dir: str | Path) -> dict[str, Any] | None:
    """The parent record of a branched run, or None (not a branch, or an unreadable file)."""
    p = Path(run_dir) / PARENT_FILE
    try:
        doc = read_json(p) if p.is_file() else None
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


# ---------------------------------------------------------------------------- the alarms' remedies as actions
WGAN_GP = {"loss": "wgan-gp", "r1_weight": 0.0, "label_smoothing": 0.0, "label_flip": 0.0}


def _candidates(alarm: str, cfg: TrainConfig) -> list[tuple[Msg, dict[str, Any]]]:
    bce = LOSSES.get(cfg.loss).bce
    half_both = {"lr_g": cfg.lr_g / 2, "lr_d": cfg.lr_d / 2}
    if alarm == "divergence":
        return [(Msg("Both learning rates halved"), half_both),
                (Msg("Gradient-norm clipping at 10"), {"grad_clip": 10.0}),
                (Msg("WGAN-GP loss (gradient penalty)"), dict(WGAN_GP))]
    if alarm == "mode_collapse":
        return [(Msg("G's learning rate halved"), {"lr_g": cfg.lr_g / 2}),
                (Msg("Two D steps per G step"), {"d_steps": max(2, cfg.d_steps + 1)}),
                (Msg("Instance noise 0.1 on D's inputs"), {"instance_noise": 0.1}),
                *([(Msg("Label smoothing 0.1"), {"label_smoothing": 0.1})] if bce else []),
                (Msg("WGAN-GP loss (gradient penalty)"), dict(WGAN_GP))]
    if alarm == "d_overpowering":
        return [(Msg("D's learning rate halved"), {"lr_d": cfg.lr_d / 2}),
                *([(Msg("Label smoothing 0.1"), {"label_smoothing": 0.1})] if bce else []),
                (Msg("Instance noise 0.1 on D's inputs"), {"instance_noise": 0.1}),
                *([(Msg("Non-saturating G loss"), {"loss": "ns"})] if cfg.loss == "minimax" else [])]
    return []


def remedy_actions(alarm: str, source: str | Path) -> list[tuple[str, dict[str, Any]]]:
    """(label (a Msg: the page translates it), changes) of the remedies of alarm `alarm` that a branch of
    `source` (a run directory or checkpoint) accepts; a remedy that is already in place, or whose branch
    would be refused (WGAN-GP where it would change D's normalisation layers), is left out."""
    try:
        parent, _meta = read_sidecar(_checkpoint(source))
    except (ConfigError, CheckpointError):
        return []
    out = []
    for label, changes in _candidates(alarm, parent):
        if all(getattr(parent, k) == v for k, v in changes.items()):
            continue
        try:
            branch_config(source, changes)
        except (ConfigError, CheckpointError):
            continue
        out.append((label, changes))
    return out
