"""The `train` command's options and the one argv -> TrainConfig function.

Both the command line (`python -m gan_core train ...`) and `gan_core.pretrained` (which checks that a
model card's command trains the checkpoint's config) read a training command through this module, so
how options, presets and defaults merge into a config is written once. It sits below both.
"""

from __future__ import annotations

import argparse
import dataclasses

from gan_core.config import PRESETS, TrainConfig
from gan_core.options import cli_choices, cli_help

# --option help and choices, derived from each field's one declaration in gan_core.config (gan_core.options).
TRAIN_OPTIONS = {f.name: cli_help(f.name) for f in dataclasses.fields(TrainConfig)}
CHOICES = {f.name: c for f in dataclasses.fields(TrainConfig) if (c := cli_choices(f.name))}


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
    t.add_argument("--branch-from", metavar="RUN_DIR_OR_CHECKPOINT", help="a new run that starts from this run's "
                   "checkpoint with the options given changed (learning rates, loss, regularisers, schedule, D steps, "
                   "batch size, steps...; not the nets or the data); recorded as its parent (parent.json). --steps "
                   "defaults to the steps the parent had left")
    defaults = TrainConfig()
    for f in dataclasses.fields(TrainConfig):
        kind = type(getattr(defaults, f.name))
        choices = CHOICES.get(f.name)
        what = TRAIN_OPTIONS[f.name] + (f"; --{f.name.replace('_', '-')} alone means true" if kind is bool else "")
        if f.name == "batch_size":  # gan_core.distributed
            what += ("; under torchrun it is per process: each iteration trains on batch size x processes samples, "
                     "each process drawing its own")
        t.add_argument("--" + f.name.replace("_", "-"), dest=f.name, type=_bool if kind is bool else kind, default=None,
                       nargs="?" if kind is bool else None, const=True if kind is bool else None,  # --hflip = true
                       choices=choices, metavar="{true,false}" if kind is bool else _metavar(choices),
                       help=f"{what} (default: {getattr(defaults, f.name)})".replace("%", "%%"))


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
