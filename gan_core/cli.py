"""Command line: `python -m gan_core train|sample ...`, on the same TrainingRun as the app."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from gan_core.config import PRESETS, ConfigError, TrainConfig
from gan_core.data import DATASETS, check_source
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
CHOICES = {"resolution": [0, 28, 32, 64], "channels": [0, 1, 3], "fit": ["crop", "pad"], "arch": ARCHS.names(), "loss": LOSSES.names(), "schedule": SCHEDULES.names(),
           "device": ["auto", "cpu", "cuda"]}
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


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, non-zero exit
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m gan_core", description="GAN playground: train and sample from the command line.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    t = sub.add_parser("train", help="train a GAN and write a run directory",
                       description="Train a GAN; writes config.json, status.json, metrics.jsonl, samples/ and checkpoints/ under --out.")
    t.add_argument("--preset", choices=list(PRESETS), help="start from a named preset; other options override it: "
                   + "; ".join(f"{k} = {v.label}" for k, v in PRESETS.items()))
    t.add_argument("--out", help="run directory to write (default: runs/<new id>)")
    t.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR from its last checkpoint "
                   "(same config; --steps may raise the target; metrics are appended)")
    defaults = TrainConfig()
    for f in dataclasses.fields(TrainConfig):
        kind = type(getattr(defaults, f.name))
        t.add_argument("--" + f.name.replace("_", "-"), dest=f.name, type=_bool if kind is bool else kind, default=None,
                       nargs="?" if kind is bool else None, const=True if kind is bool else None,  # --hflip = true
                       choices=CHOICES.get(f.name), metavar="{true,false}" if kind is bool else _metavar(CHOICES.get(f.name)),
                       help=f"{TRAIN_OPTIONS.get(f.name, f.name.replace('_', ' '))} (default: {getattr(defaults, f.name)})")

    s = sub.add_parser("sample", help="draw samples from a checkpoint into a .npy file",
                       description="Images: float32 (N, C, H, W) in [0, 1]; 2-D points: float32 (N, 2) in data coordinates.")
    s.add_argument("--checkpoint", required=True, help="path to a .safetensors checkpoint (with its .json sidecar)")
    s.add_argument("--n", type=int, default=64, help="number of samples (1 to 1,000,000; default 64)")
    s.add_argument("--out", required=True, help="output .npy file")
    s.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    s.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="device (default auto)")
    from gan_core.metrics.evaluate import add_commands

    add_commands(sub)  # eval, train-classifier
    from gan_core.pretrained import add_command as add_export

    add_export(sub)  # export
    return p


def _check_tensorboard(cfg: TrainConfig) -> None:
    from gan_core.metrics.monitor import TENSORBOARD_HELP, tensorboard_available

    if cfg.tensorboard and not tensorboard_available():
        raise ConfigError("--tensorboard", TENSORBOARD_HELP)


def _train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from gan_core.run import TrainingRun
    from gan_core.store import new_run_id, runs_root

    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig) if getattr(args, f.name) is not None}
    if args.resume:
        extra = sorted(set(given) - {"steps", "time_limit"}) + (["--preset"] if args.preset else []) + (["--out"] if args.out else [])
        if extra:
            raise ConfigError("--resume", "continues the run's own config; only --steps and --time-limit may be given "
                              f"with it, not {', '.join(extra)}")
        run = TrainingRun.resume_from(args.resume, steps=given.get("steps"), time_limit=given.get("time_limit"))
        cfg, out = run.cfg, run.dir
        _check_tensorboard(cfg)
    else:
        base = dict(PRESETS[args.preset].fields) if args.preset else {}
        base.update(given)
        cfg = TrainConfig(**base).validate()
        _check_tensorboard(cfg)
        check_source(cfg)  # a missing file or a path outside the data root: refused before a run directory exists
        out = Path(args.out) if args.out else runs_root() / new_run_id()
        if (out / "status.json").exists():
            raise ConfigError("--out", f"{out} already holds a run; choose a new directory (or --resume it) so nothing is overwritten")
        run = TrainingRun(cfg, out)
    bar = tqdm(total=cfg.steps, initial=run.step, unit="step", dynamic_ncols=True)

    def progress(r: TrainingRun) -> None:
        bar.update(r.step - bar.n)
        rows = r.log.since(len(r.log) - 1) if len(r.log) else {}
        if rows:
            bar.set_postfix(d_loss=f"{rows['d_loss'][-1]:.3f}", g_loss=f"{rows['g_loss'][-1]:.3f}", refresh=False)

    try:
        run.run(on_progress=progress)
    except KeyboardInterrupt:
        run.stop()
    bar.close()
    why = " (time limit reached)" if run.ended_by == "time_limit" else ""
    print(f"{run.state}{why}: {run.step}/{cfg.steps} steps in {run.train_seconds:.1f} s on {run.device_used}; "
          f"run directory {out}")
    if run.state == "failed":
        print(f"error: {run.error}", file=sys.stderr)
        return 1
    return 0


def _sample(args: argparse.Namespace) -> int:
    import numpy as np

    from gan_core.checkpoint import load_models
    from gan_core.engine import resolve_device
    from gan_core.sampling import sample

    if not 1 <= args.n <= 1_000_000:
        raise ConfigError("--n", f"must be from 1 to 1000000, got {args.n}")
    device = resolve_device(args.device)
    G, _D, cfg, _meta = load_models(args.checkpoint, device)
    x = sample(G, cfg.latent_dim, args.n, seed=args.seed, device=device, noise=cfg.noise)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.save(out, x)
    print(f"wrote {out}: float32 {tuple(x.shape)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    from gan_core.checkpoint import CheckpointError
    from gan_core.data import DataError

    args = build_parser().parse_args(argv)
    try:
        from gan_core.metrics.evaluate import COMMANDS

        from gan_core.pretrained import run_export

        return {"train": _train, "sample": _sample, "export": run_export, **COMMANDS}[args.command](args)
    except (ConfigError, CheckpointError, DataError, RuntimeError) as e:
        print(f"python -m gan_core {args.command}: error: {e}", file=sys.stderr)
        return 2
