"""Command line: `python -m gan_core train|sample|eval|train-classifier|export|timelapse|
gallery|options|lessons`, on the same TrainingRun as the app.

Building the parser imports no torch: the top-level `--help` lists the commands from the table below,
and each command's options are added when that command is parsed or its help is printed (bug 6:
`python -m gan_core --help` took seconds because torch, the registries and scikit-learn were imported
first). `train`'s options come from the registries, so `train --help` does import them.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from gan_core.config import DEVICES  # a light import: config imports no component (and no torch)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, non-zero exit
        self.exit(2, f"{self.prog}: error: {message}\n")


class _CommandParser(_Parser):
    """A command's parser that adds its options (`options(parser)`) the first time it is used."""

    def __init__(self, *args, options: Callable[[argparse.ArgumentParser], None] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._options = options

    def _add_options(self) -> None:
        if self._options is not None:
            options, self._options = self._options, None
            options(self)

    def parse_known_args(self, args=None, namespace=None):
        self._add_options()
        return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        self._add_options()
        return super().format_usage()

    def format_help(self) -> str:
        self._add_options()
        return super().format_help()


def _train_options(p: argparse.ArgumentParser) -> None:
    from gan_core.train_command import add_train_options

    add_train_options(p)


def _sample_options(s: argparse.ArgumentParser) -> None:
    s.add_argument("--checkpoint", required=True, help="path to a .safetensors checkpoint (with its .json sidecar)")
    s.add_argument("--n", type=int, default=64, help="number of samples (1 to 1,000,000; default 64)")
    s.add_argument("--out", required=True, help="output .npy file")
    s.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    s.add_argument("--device", default="auto", choices=DEVICES, help="device (default auto)")


def _eval_options(e: argparse.ArgumentParser) -> None:
    e.add_argument("--checkpoint", help="a .safetensors checkpoint with its .json sidecar")
    e.add_argument("--dataset", help="with --real: the dataset whose real-data floor to print")
    e.add_argument("--real", action="store_true",
                   help="score real held-out data instead of a generator (images: the classifier's test split "
                        "against the training split; 2-D: a fresh draw against the data): the floor of each score")
    e.add_argument("--n", type=int, default=10_000, help="generated samples (100 to 100000; default 10000)")
    e.add_argument("--n-real", type=int, default=10_000, help="real samples in the reference (default 10000)")
    e.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    e.add_argument("--device", default="auto", choices=DEVICES, help="device (default auto)")
    e.add_argument("--inception", default="auto", choices=["auto", "on", "off"],
                   help="Inception FID/IS: auto = when the weights are on this machine ($GAN_INCEPTION_WEIGHTS or "
                        "torch's hub cache); on = download them if needed; off (default auto)")
    e.add_argument("--classifier-dir", help="folder with classifier-<dataset>.safetensors (default pretrained/)")


def _train_classifier_options(t: argparse.ArgumentParser) -> None:
    t.add_argument("--dataset", required=True, help="a labelled image dataset: digits, fashion-mnist, mnist, kmnist")
    t.add_argument("--epochs", type=int,
                   help="passes over the training split (default 4; 40 for datasets under 10,000 images)")
    t.add_argument("--out-dir", help="where to write (default pretrained/)")
    t.add_argument("--data-dir", default="data", help="data directory (as for train)")
    t.add_argument("--device", default="auto", choices=DEVICES)
    t.add_argument("--seed", type=int, default=0)


def _options_options(o: argparse.ArgumentParser) -> None:
    from gan_core.options import add_options_arguments

    add_options_arguments(o)


def _export_options(e: argparse.ArgumentParser) -> None:
    from gan_core.store import PRETRAINED_DIR

    e.add_argument("--checkpoint", required=True, help="runs/ID/checkpoints/last.safetensors of a finished run")
    e.add_argument("--name", required=True, help="file stem: 1-64 of a-z, 0-9, '-', '_'")
    e.add_argument("--title", required=True, help="one line shown in menus")
    e.add_argument("--command", dest="train_command", required=True,
                   help="the 'python -m gan_core train ...' line that trains it (checked against the config)")
    e.add_argument("--out-dir", default=str(PRETRAINED_DIR), help="folder to write (default pretrained/)")
    e.add_argument("--fp32", action="store_true", help="store float32 even where fp16 is harmless")
    e.add_argument("--scores", help="a JSON file saved from `python -m gan_core eval` to put in the card")
    e.add_argument("--notes", default="", help="free text for the card")
    e.add_argument("--stopped-ok", action="store_true", help="accept a run stopped before its --steps when its "
                   "training does not depend on the step target (the command must then give the step reached)")


def _timelapse_options(t: argparse.ArgumentParser) -> None:
    t.add_argument("--run", required=True, help="a run directory (runs/ID): its samples/step_*.png are the frames")
    t.add_argument("--out", required=True, help="output file, .gif (Pillow) or .mp4 (needs PyAV: pip install av)")
    t.add_argument("--fps", type=int, default=5, help="frames (saved grids) per second, 1 to 30 (default 5)")
    t.add_argument("--max-frames", type=int, default=300,
                   help="long runs are thinned evenly to this many grids, first and last kept (default 300)")


def _gallery_options(g: argparse.ArgumentParser) -> None:
    g.add_argument("--pretrained", action="append", metavar="NAME",
                   help="a shipped model (pretrained/NAME.json); repeat for several")
    g.add_argument("--run", action="append", metavar="ID_OR_DIR", help="a run id (under runs/) or run directory; "
                   "repeat for several. Its newest saved sample grid is shown")
    g.add_argument("--out", required=True, help="the .html file to write (images inlined: one file to share)")
    g.add_argument("--title", default="GAN gallery", help="the page's heading (default 'GAN gallery')")


def _lessons_options(ls: argparse.ArgumentParser) -> None:
    ls.add_argument("action", choices=["list"], help="list: print each lesson's id and title")


class Command(NamedTuple):
    help: str  # one line in `python -m gan_core --help`
    description: str  # the top of the command's own --help
    options: Callable[[argparse.ArgumentParser], None]  # adds the command's options (imports what it needs)
    run: str  # "module:function" called with the parsed arguments; returns the exit status


COMMANDS: dict[str, Command] = {
    "train": Command(
        "train a GAN and write a run directory",
        "Train a GAN; writes config.json, status.json, metrics.jsonl, samples/ and checkpoints/ under --out.",
        _train_options, "gan_core.cli:_train"),
    "sample": Command(
        "draw samples from a checkpoint into a .npy file",
        "Images: float32 (N, C, H, W) in [0, 1]; 2-D points: float32 (N, 2) in data coordinates.",
        _sample_options, "gan_core.cli:_sample"),
    "eval": Command(
        "print the scores of a checkpoint (or of real data: --real) as JSON",
        "Scores of a generator checkpoint against its training data, as JSON on stdout. Images: Frechet distance "
        "/ KID / precision / recall on the dataset classifier's features (not Inception's), the class histogram, "
        "and Inception FID/IS when the Inception weights are available. 2-D: modes covered, high-quality %, KL "
        "and JS of grid histograms, Frechet distance.",
        _eval_options, "gan_core.metrics.evaluate:run_eval"),
    "train-classifier": Command(
        "train the small classifier behind the image scores",
        "Train the dataset's small CNN on its training split, measure its test split, and write "
        "pretrained/classifier-<dataset>.safetensors + .json (the model card).",
        _train_classifier_options, "gan_core.metrics.evaluate:run_train_classifier"),
    "export": Command(
        "write a run's generator to pretrained/ with its model card",
        "Export G (the EMA copy when the run kept one) of a finished run's checkpoint as "
        "pretrained/NAME.safetensors (fp16 when harmless) + NAME.json (config and model card).",
        _export_options, "gan_core.pretrained:run_export"),
    "timelapse": Command(
        "write a run's saved sample grids as a time-lapse GIF or MP4",
        "Play a run's fixed-noise grids (samples/step_*.png) in order, one frame per saved grid with its step "
        "written under it: training as it happened.",
        _timelapse_options, "gan_core.timelapse:run_timelapse"),
    "gallery": Command(
        "write shipped models and runs side by side as one static HTML page",
        "A self-contained HTML page (images inlined as PNG, no script) with each chosen model's or run's samples, "
        "name, key settings and scores: a gallery a teacher can share.",
        _gallery_options, "gan_core.gallery:run_gallery"),
    "options": Command(
        "list every training option: default, allowed values, what it does",
        "Every option of `train`, from its one declaration in gan_core/config.py; --markdown prints the table "
        "that the README shows.",
        _options_options, "gan_core.options:run_options"),
    "lessons": Command(
        "list the guided lessons (id and title)",
        "The lessons of the app's Lessons page (gan_core/lessons/catalogue.py); open one with "
        "?lesson=<id>&step=<k> in the app's URL. bench/lessons.py measures how often each one shows.",
        _lessons_options, "gan_core.lessons.cli:run_lessons"),
}


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; a command's options are added when it is parsed or its help printed."""
    p = _Parser(prog="python -m gan_core", description="GAN playground: train and sample from the command line.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_CommandParser)
    for name, c in COMMANDS.items():
        sub.add_parser(name, help=c.help, description=c.description, options=c.options)
    return p


def _check_tensorboard(cfg) -> None:
    from gan_core.config import ConfigError
    from gan_core.metrics.monitor import TENSORBOARD_HELP, tensorboard_available

    if cfg.tensorboard and not tensorboard_available():
        raise ConfigError("--tensorboard", TENSORBOARD_HELP)


@contextlib.contextmanager
def _ctrl_c_stops(run) -> Iterator[None]:
    """While training: the first Ctrl-C (SIGINT) asks the run to stop after its current step, so it
    ends as "stopped" with its final sample grid and checkpoint, like the app's Stop button; a
    second one raises KeyboardInterrupt at once (the run then ends as "interrupted", keeping its
    last checkpoint). Only the main thread can set a signal handler; elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_sigint(signum, frame) -> None:
        if run.stopping:
            raise KeyboardInterrupt
        print("\nstopping after this step (checkpoint and sample grid follow); Ctrl-C again to abort at once",
              file=sys.stderr, flush=True)
        run.stop()

    before = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def _make_run(args: argparse.Namespace, run_class):
    """The run a `train` command asks for, new, branched or continued; every refusal (ConfigError & co.) comes
    before a run directory is written."""
    from gan_core.branch import branch_config, write_parent
    from gan_core.checks import validate_config
    from gan_core.config import ConfigError
    from gan_core.data import check_source
    from gan_core.init_from import preflight as preflight_init
    from gan_core.run import check_can_start
    from gan_core.store import new_run_id, runs_root
    from gan_core.train_command import config_from_args, given_fields

    given = given_fields(args)
    if args.resume:
        extra = (sorted(set(given) - {"steps", "time_limit"}) + (["--preset"] if args.preset else [])
                 + (["--out"] if args.out else []) + (["--branch-from"] if args.branch_from else []))
        if extra:
            raise ConfigError("--resume", "continues the run's own config; only --steps and --time-limit may be given "
                              f"with it, not {', '.join(extra)} (to change settings: --branch-from RUN_DIR)")
        run = run_class.resume_from(args.resume, steps=given.get("steps"), time_limit=given.get("time_limit"))
        _check_tensorboard(run.cfg)
        return run
    if args.branch_from:
        if args.preset:
            raise ConfigError("--preset", "a branch starts from its parent's config; give only the options to change")
        cfg, parent = branch_config(args.branch_from, given)
        _check_tensorboard(cfg)
        check_can_start(cfg)
        out = Path(args.out) if args.out else runs_root() / new_run_id()
        if (out / "status.json").exists():
            raise ConfigError("--out", f"{out} already holds a run; choose a new directory so nothing is overwritten")
        run = run_class(cfg, out)
        write_parent(out, parent)
        return run
    cfg = validate_config(config_from_args(args))
    _check_tensorboard(cfg)
    check_source(cfg)  # a missing file or a path outside the data root: refused before a run directory exists
    check_can_start(cfg)  # no GPU for --device cuda, dataset files missing: refused before it too
    preflight_init(cfg)  # --init-from: not a checkpoint, layers of other shapes, --freeze-d K out of range
    out = Path(args.out) if args.out else runs_root() / new_run_id()
    if (out / "status.json").exists():
        raise ConfigError("--out", f"{out} already holds a run; choose a new directory (or --resume it) so "
                          "nothing is overwritten")
    return run_class(cfg, out)


def _train(args: argparse.Namespace) -> int:
    from gan_core import distributed
    from gan_core.run import TrainingRun

    proc = None
    if distributed.launched():  # torchrun: one run on all the processes of the job
        proc = distributed.init()
        if not proc.leader:
            return distributed.follow(proc)
        try:
            run = _make_run(args, distributed.LeaderRun)
        except Exception as e:
            distributed.announce(proc, None, error=str(e))  # the followers end too
            raise
        distributed.announce(proc, run)
    else:
        run = _make_run(args, TrainingRun)
    status = _drive(run)
    if proc is not None:  # the followers are released (or were lost), the job's group is left
        status = max(status, distributed.finish(proc, run))
    return status


def _drive(run) -> int:
    """Train `run` in this thread with a progress bar; the first Ctrl-C stops it after the current step."""
    from tqdm import tqdm

    cfg, out = run.cfg, run.dir
    bar = tqdm(total=cfg.steps, initial=run.step, unit="step", dynamic_ncols=True)

    def progress(r) -> None:
        bar.update(r.step - bar.n)
        rows = r.log.since(len(r.log) - 1) if len(r.log) else {}
        if rows:
            bar.set_postfix(d_loss=f"{rows['d_loss'][-1]:.3f}", g_loss=f"{rows['g_loss'][-1]:.3f}", refresh=False)

    try:
        with _ctrl_c_stops(run):
            run.run(on_progress=progress)
    except KeyboardInterrupt:  # the second Ctrl-C: the run recorded itself as interrupted
        pass
    bar.close()
    why = {"time_limit": " (time limit reached)", "early_stop": " (early stopping)"}.get(run.ended_by or "", "")
    procs = f" x {run.processes} processes" if getattr(run, "processes", 1) > 1 else ""
    print(f"{run.state}{why}: {run.step}/{cfg.steps} steps in {run.train_seconds:.1f} s on {run.device_used}{procs}; "
          f"run directory {out}")
    if getattr(run, "stop_reason", None):
        print(run.stop_reason)
    if getattr(run, "best", None):
        print(f"best {run.best['metric']} {run.best['value']:.4g} at step {run.best['step']}: "
              f"{out / 'checkpoints' / 'best.safetensors'}")
    if run.state == "failed":
        print(f"error: {run.error}", file=sys.stderr)
        return 1
    return 0


def _sample(args: argparse.Namespace) -> int:
    import numpy as np

    from gan_core.checkpoint import load_models
    from gan_core.config import ConfigError
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
    args = build_parser().parse_args(argv)
    module, _, function = COMMANDS[args.command].run.partition(":")
    run = getattr(importlib.import_module(module), function)
    from gan_core.checkpoint import CheckpointError
    from gan_core.config import ConfigError
    from gan_core.data import DataError

    try:
        return run(args)
    except (ConfigError, CheckpointError, DataError, RuntimeError) as e:
        print(f"python -m gan_core {args.command}: error: {e}", file=sys.stderr)
        return 2


def __getattr__(name: str):
    """cli.TRAIN_OPTIONS / cli.CHOICES, read where they used to live (they moved to gan_core.train_command,
    which imports the registries: importing cli stays cheap)."""
    if name in ("TRAIN_OPTIONS", "CHOICES"):
        from gan_core import train_command

        return getattr(train_command, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
