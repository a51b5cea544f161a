"""The `train` command's options and the one argv -> TrainConfig function.

Both the command line (`python -m gan_core train ...`) and `gan_core.pretrained` (which checks that a
model card's command trains the checkpoint's config) read a training command through this module, so
how options, presets and defaults merge into a config is written once. It sits below both.
"""

from __future__ import annotations

import argparse
import dataclasses

from gan_core.config import PRESETS, TrainConfig
from gan_core.data import DATASETS
from gan_core.losses import LOSSES
from gan_core.models import ARCHS
from gan_core.optim import SCHEDULES
from gan_core.options import all_options, cli_help

# CLI option -> (config field, help). Defaults come from TrainConfig so they are written once.
TRAIN_OPTIONS = {
    "dataset": f"dataset: {', '.join(DATASETS.display_names())}; PATH lies inside the data root "
               "($GAN_DATA_ROOT, default data/) and relative paths are read from there",
    "data_dir": "directory searched first for image datasets (also $GAN_DATA_DIR)",
    "resolution": "images: 0 = the source's native size (folder/zip: 64), or 28, 32, 64",
    "channels": "images: 0 = the source's (folder/zip: RGB), 1 = grayscale, 3 = RGB",
    "fit": "images that are not square: crop (centre) or pad (black borders)",
    "hflip": "images: true adds a mirrored copy of every image (doubles the dataset)",
    "arch": f"architecture: {', '.join(ARCHS.names())}",
    "loss": f"loss: {', '.join(LOSSES.names())}",
    "latent_dim": "size of the noise vector z",
    "width": "model width (MLP first hidden layer / DCGAN base channels)",
    "gp_weight": "WGAN-GP penalty weight lambda",
    "lr_g": "generator learning rate",
    "lr_d": "discriminator learning rate",
    "beta1": "Adam beta1",
    "beta2": "Adam beta2",
    "schedule": f"learning-rate schedule: {', '.join(SCHEDULES.names())}",
    "lr_step_every": "step decay: steps between LR drops",
    "lr_gamma": "step decay: LR factor at each drop",
    "batch_size": "batch size",
    "steps": "number of generator steps",
    "d_steps": "discriminator steps per generator step",
    "seed": "random seed",
    "device": "auto | cpu | cuda",
    "log_every": "steps between logged metric rows",
    "sample_every": "steps between fixed-noise sample grids",
    "n_fixed": "samples in the fixed-noise grid",
    "checkpoint_every_s": "seconds between checkpoint refreshes",
    "score_every": "steps between quality scores (FD/KID/precision/recall/coverage; 2-D: modes, KL/JS) and "
                   "collapse checks; 0 = off",
    "tensorboard": "also write scalars and sample grids as TensorBoard event files in <run>/tensorboard "
                   "(needs: pip install tensorboard); --tensorboard alone means true",
}
CHOICES = {"resolution": [0, 28, 32, 64], "channels": [0, 1, 3], "fit": ["crop", "pad"], "arch": ARCHS.names(),
           "loss": LOSSES.names(), "schedule": SCHEDULES.names(), "device": ["auto", "cpu", "cuda"]}
# Model, regulariser, optimiser and schedule options: help and choices from gan_core.options,
# registered next to the code that implements each one.
for _name in all_options().names():
    TRAIN_OPTIONS.setdefault(_name, cli_help(_name))
    if all_options().get(_name).choices is not None:
        CHOICES.setdefault(_name, all_options().get(_name).choice_names())


def _metavar(choices: list | None) -> str | None:
    """Choices that contain commas (DiffAugment policies) are listed with '|' so they can be told apart."""
    if choices and any("," in str(c) for c in choices):
        return "{" + "|".join(map(str, choices)) + "}"
    return None


def _bool(text: str) -> bool:
    value = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}.get(text.strip().lower())
    if value is None:
        raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")
    return value


def add_train_options(t: argparse.ArgumentParser) -> None:
    """--preset, --out, --resume and one --option per TrainConfig field (default None: not given)."""
    t.add_argument("--preset", choices=list(PRESETS), help="start from a named preset; other options override it: "
                   + "; ".join(f"{k} = {v.label}" for k, v in PRESETS.items()))
    t.add_argument("--out", help="run directory to write (default: runs/<new id>)")
    t.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR from its last checkpoint "
                   "(same config; --steps may raise the target; metrics are appended)")
    defaults = TrainConfig()
    for f in dataclasses.fields(TrainConfig):
        kind = type(getattr(defaults, f.name))
        choices = CHOICES.get(f.name)
        what = TRAIN_OPTIONS.get(f.name, f.name.replace("_", " "))
        t.add_argument("--" + f.name.replace("_", "-"), dest=f.name, type=_bool if kind is bool else kind, default=None,
                       nargs="?" if kind is bool else None, const=True if kind is bool else None,  # --hflip = true
                       choices=choices, metavar="{true,false}" if kind is bool else _metavar(choices),
                       help=f"{what} (default: {getattr(defaults, f.name)})")


def given_fields(args: argparse.Namespace) -> dict:
    """The TrainConfig fields given on the command line (the others are None)."""
    return {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig) if getattr(args, f.name) is not None}


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The config a parsed `train` command trains: TrainConfig's defaults, then the preset's fields,
    then the options given. Not validated (the caller validates, or compares)."""
    base = dict(PRESETS[args.preset].fields) if args.preset else {}
    base.update(given_fields(args))
    return TrainConfig(**base)


class _RaisingParser(argparse.ArgumentParser):
    def error(self, message: str):  # raise instead of printing usage and exiting: the caller says what failed
        raise ValueError(message)


def parse_train_args(argv: list[str]) -> argparse.Namespace:
    """The options of a `train` command (the words after `train`). Raises ValueError with argparse's
    message for an unknown option or a bad value."""
    p = _RaisingParser(prog="python -m gan_core train", add_help=False)
    add_train_options(p)
    return p.parse_args(argv)
