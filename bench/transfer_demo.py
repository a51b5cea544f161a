"""Transfer learning on a small dataset: fine-tune the shipped Fashion-MNIST DCGAN, with FreezeD, vs scratch.

    python bench/transfer_demo.py                      # defaults: 500 images of sneakers + ankle boots, 200 steps
    python bench/transfer_demo.py --classes 0,3 --n-images 500 --steps 400 --seeds 0,1

The target is a small labelled subset of Fashion-MNIST's training split: --n-images images of the
--classes (equal shares, drawn with the seed; a bench-only subset: the app has no class-subset option).
Every contender trains the fmnist-dcgan preset's nets (width 64, latent 100: the shipped model's) on
it for the same --steps, with batch --batch:

  scratch        G and D from a random initialisation
  G shipped      G from pretrained/fmnist-dcgan (an exported, G-only model), D random (--init-part g)
  G+D, FreezeD K  G and D from a source run, D's first K blocks frozen (--init-part both --freeze-d K)

Shipped models hold no D, so the source run for G+D is made here first: --source-steps steps on the
whole Fashion-MNIST training split, starting G from the shipped model (D random), i.e.
`train --preset fmnist-dcgan --init-from fmnist-dcgan --init-part g`. Its cost is printed apart.

Scores (gan_core.metrics, the dataset's classifier): FD_clf, precision and recall of --score-n
generated images against 2,000 real images of the target classes that are not among the training
subset, and "on target": the share of generated images the classifier puts in the target classes.
At --steps / 2 and at --steps, so the table shows where each contender is at equal steps. The shipped
model saw every class, the target ones included, during its own training: this measures fine-tuning
a model to a subset, not transfer to unseen classes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

REPO = Path(__file__).resolve().parents[1]


def subset(data, classes: list[int], n: int, seed: int):
    """(training subset of n images of `classes`, the rest of those classes' images) as Datasets."""
    import torch

    from gan_core.data import Dataset

    g = torch.Generator().manual_seed(seed)
    train_idx, rest_idx = [], []
    for c in classes:
        idx = torch.nonzero(data.y == c).flatten()
        idx = idx[torch.randperm(len(idx), generator=g)]
        k = n // len(classes)
        train_idx.append(idx[:k])
        rest_idx.append(idx[k:])
    tr, rest = torch.cat(train_idx), torch.cat(rest_idx)
    mk = lambda i, what: Dataset(x=data.x[i], y=data.y[i], kind="image", source=what,  # noqa: E731
                                 class_names=data.class_names)
    return mk(tr, f"{len(tr)} images of classes {classes}"), mk(rest, "held-out images of the target classes")


def train(cfg, data, steps: int, marks: tuple[int, ...], scorer, classes: list[int]) -> tuple[list, float, object]:
    """Train an engine for `steps` on `data`, scoring the sampled G at each mark -> (rows, s per step)."""
    import torch

    from gan_core.engine import Engine

    engine = Engine(cfg, data, torch.device(cfg.device))
    rows, spent = [], 0.0
    while engine.step < steps:
        t0 = time.perf_counter()
        engine.train_step()
        if engine.step % cfg.log_every == 0:
            engine.flush()  # the run's one host transfer per log_every steps (raises on NaN)
        spent += time.perf_counter() - t0
        if engine.step in marks:
            s = scorer.score(engine.G_sample)
            hist = s["class_hist"]
            rows.append({"step": engine.step, "fd_clf": s["fd_clf"], "precision": s["precision"],
                         "recall": s["recall"], "on_target": sum(hist[c] for c in classes) / max(1, sum(hist))})
    return rows, spent / steps, engine


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--classes", default="7,9", help="target classes (Fashion-MNIST labels; default 7,9: sneaker, "
                   "ankle boot)")
    p.add_argument("--n-images", type=int, default=500)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--source-steps", type=int, default=200)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--freeze", default="0,1,2", help="FreezeD K values")
    p.add_argument("--seeds", default="0")
    p.add_argument("--score-n", type=int, default=1000)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from gan_core.checks import validate_config
    from gan_core.config import preset
    from gan_core.data import load_dataset
    from gan_core.metrics.evaluate import Scorer

    classes = [int(c) for c in args.classes.split(",")]
    base = preset("fmnist-dcgan").replace(device=args.device, batch_size=args.batch, score_every=0,
                                          steps=max(args.steps, args.source_steps))
    full = load_dataset(validate_config(base), device="cpu")
    names = [full.class_names[c] for c in classes]
    t_all = time.perf_counter()
    print(f"load {os.getloadavg()[0]:.1f}; {args.n_images} images of {', '.join(names)}; {args.steps} steps of "
          f"batch {args.batch}; {args.device}, {args.threads} thread(s)", flush=True)
    marks = (args.steps // 2, args.steps)
    results: dict[str, list[list[dict]]] = {}
    speed: dict[str, list[float]] = {}
    tmp = Path(tempfile.mkdtemp(prefix="transfer_demo_"))  # the source checkpoints (deleted at the end)
    for seed in (int(s) for s in args.seeds.split(",")):
        target, held_out = subset(full, classes, args.n_images, seed)
        scorer = Scorer("fashion-mnist", held_out, args.device, 100, n=args.score_n, n_real=2000, seed=seed)
        # the source run: G from the shipped model, D learnt on the whole training split
        t0 = time.perf_counter()
        src_cfg = validate_config(base.replace(seed=seed, init_from="fmnist-dcgan", init_part="g"))
        _rows, _s, src_engine = train(src_cfg, full, args.source_steps, (), scorer, classes)
        from gan_core.checkpoint import save_checkpoint

        source = tmp / f"source-seed{seed}.safetensors"
        source.parent.mkdir(parents=True, exist_ok=True)
        save_checkpoint(source, src_engine.G_sample, src_engine.D, src_cfg, {"step": src_engine.step},
                        training=src_engine.training_state())
        print(f"seed {seed}: source run ({args.source_steps} steps on all {len(full.x)} images) "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
        contenders = {"scratch": {}, "G shipped, D random": dict(init_from="fmnist-dcgan", init_part="g")}
        for k in (int(v) for v in args.freeze.split(",")):
            contenders[f"G+D from source, FreezeD K={k}"] = dict(init_from=str(source), init_part="both", freeze_d=k)
        for name, over in contenders.items():
            cfg = validate_config(base.replace(seed=seed, **over))
            rows, s_per_step, _ = train(cfg, target, args.steps, marks, scorer, classes)
            results.setdefault(name, []).append(rows)
            speed.setdefault(name, []).append(s_per_step)
            print(f"  {name}: " + "; ".join(f"step {r['step']} FD_clf {r['fd_clf']:.1f}" for r in rows), flush=True)

    def mean(name: str, i: int, key: str) -> float:
        vals = [runs[i][key] for runs in results[name]]
        return sum(vals) / len(vals)

    def fd(name: str, i: int) -> str:  # the mean, and the seeds' range when there are several
        vals = [runs[i]["fd_clf"] for runs in results[name]]
        spread = f" ({min(vals):.1f}-{max(vals):.1f})" if len(vals) > 1 else ""
        return f"{sum(vals) / len(vals):.1f}{spread}"

    n_seeds = len(next(iter(results.values())))
    print(f"\nFine-tuning on {args.n_images} images of {' + '.join(names)} ({args.steps} steps, batch {args.batch}; "
          f"mean of {n_seeds} seed(s), their range in brackets; FD_clf against held-out images of those classes, "
          "lower is better)\n")
    print(f"| contender | FD_clf @ {marks[0]} | FD_clf @ {marks[1]} | precision | recall | on target | s/step |")
    print("|---|---|---|---|---|---|---|")
    for name in results:
        print(f"| {name} | {fd(name, 0)} | {fd(name, 1)} | "
              f"{mean(name, 1, 'precision'):.2f} | {mean(name, 1, 'recall'):.2f} | "
              f"{100 * mean(name, 1, 'on_target'):.0f}% | {sum(speed[name]) / len(speed[name]):.3f} |")
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"\ntotal {time.perf_counter() - t_all:.0f} s; load {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
