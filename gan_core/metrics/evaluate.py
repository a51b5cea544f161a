"""Scoring a generator against its dataset: used live by the training monitor and by
`python -m gan_core eval`, which prints the scores of a checkpoint as JSON.

    python -m gan_core eval --checkpoint runs/demo/checkpoints/last.safetensors --n 10000
    python -m gan_core eval --dataset fashion-mnist --real      # the floor: real test vs train split
    python -m gan_core train-classifier --dataset fashion-mnist
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Any

import torch

from gan_core.eval_mode import eval_mode
from gan_core.messages import message_of
from gan_core.metrics.classifier import ClassifierError, load_classifier
from gan_core.metrics.scores import TOY_SAMPLES, image_scores, points_scores
from gan_core.noise import sample_noise

LIVE_IMAGE_SAMPLES = 1000  # generated images scored during training (eval uses --n)
LIVE_REAL_IMAGES = 2000  # real images whose features are the live reference
TOY_REAL_POINTS = 20_000  # real points behind the 2-D reference histogram


def mixture_for(dataset: str):
    from gan_core.data.toy2d import MIXTURES

    return MIXTURES.get(dataset)


class Scorer:
    """Scores of G against one dataset. Built once per run: the real reference (features of real
    images, or real points) and a fixed evaluation noise are computed here, not per call."""

    def __init__(self, dataset: str, data, device: torch.device | str, latent_dim: int, n: int | None = None,
                 n_real: int | None = None, seed: int = 0, classifier_dir: str | None = None, live: bool = False,
                 noise: str = "gaussian"):
        self.kind = data.kind
        self.dataset = dataset
        self.device = torch.device(device)
        self.seed = seed
        # KID's subsets dominate the cost of scoring on a CPU: fewer and smaller ones while training
        self.kid = dict(kid_subsets=5, kid_subset_size=500) if live else dict(kid_subsets=50, kid_subset_size=1000)
        self.unavailable: str | None = None  # why image scores cannot be computed
        self.clf = None
        g = torch.Generator().manual_seed(seed + 1)
        n_data = data.x.shape[0]
        if self.kind == "points":
            self.n = n or TOY_SAMPLES
            idx = torch.randperm(n_data, generator=g)[: (n_real or TOY_REAL_POINTS)]
            self.real = data.x[idx.to(data.x.device)].detach().float().cpu()
            self.extent = float(data.extent or 1.15 * float(self.real.abs().max()) + 0.05)
            self.mixture = mixture_for(dataset)
        else:
            self.n = n or LIVE_IMAGE_SAMPLES
            try:
                self.clf = load_classifier(dataset, classifier_dir, device=self.device)
            except ClassifierError as e:
                self.unavailable = message_of(e)  # a Msg when it is one: the Train page translates it
            if self.clf is not None:
                idx = torch.randperm(n_data, generator=g)[: (n_real or LIVE_REAL_IMAGES)]
                self.real = data.x[idx.to(data.x.device)].to(self.device)
                self.real_feats = self.clf.features_and_probs(self.real)
        # the same z every time, so a change of score is a change of G, not of the noise
        # drawn from the model's own noise distribution (cfg.noise): uniform-noise models see uniform z
        self.z = sample_noise(noise, self.n, latent_dim, generator=torch.Generator().manual_seed(seed + 2))

    @property
    def available(self) -> bool:
        return self.unavailable is None

    @torch.no_grad()
    def generate(self, G: torch.nn.Module, batch: int = 500) -> torch.Tensor:
        """G(z) for the fixed evaluation noise, in eval mode (batch norm: running statistics)."""
        with eval_mode(G):
            out = [G(self.z[i:i + batch].to(self.device)).float() for i in range(0, self.n, batch)]
        return torch.cat(out)

    def score(self, G: torch.nn.Module) -> dict[str, Any]:
        """The scores of G now: a dict of numbers (lists for histograms)."""
        if not self.available:
            return {}
        fake = self.generate(G)
        return self.score_samples(fake)

    def score_samples(self, fake: torch.Tensor) -> dict[str, Any]:
        if self.kind == "points":
            return points_scores(fake.cpu(), self.real, self.extent, self.mixture)
        finite = torch.isfinite(fake.flatten(1)).all(1)
        fake = fake[finite].clamp(-1, 1)
        if fake.shape[0] < 4:
            return {}
        return image_scores(self.clf, self.real, fake, seed=self.seed, real_feats=self.real_feats, **self.kid)


# ---------------------------------------------------------------------------- command line
def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


def run_eval(args: argparse.Namespace) -> int:
    from gan_core.config import ConfigError
    from gan_core.engine import resolve_device

    if not 100 <= args.n <= 100_000:
        raise ConfigError("--n", f"must be from 100 to 100000, got {args.n}")
    if not 100 <= args.n_real <= 100_000:
        raise ConfigError("--n-real", f"must be from 100 to 100000, got {args.n_real}")
    device = resolve_device(args.device)
    t0 = time.time()
    if args.real:
        out = _eval_real(args, device)
    elif args.checkpoint:
        out = _eval_checkpoint(args, device)
    else:
        raise ConfigError("--checkpoint", "give a checkpoint to score, or --real --dataset NAME for the floor")
    scores = out.get("scores") or {}
    if scores.get("kid_clf") is not None and scores.get("kid_clf_std") is None:
        out["kid_clf_std_note"] = ("unavailable: every KID subset was the whole of both sample sets (--n and --n-real "
                                   "at most the subset size, 1000), so subsets cannot differ and have no spread to "
                                   "report; score more samples than that for one")
    out["seconds"] = round(time.time() - t0, 2)
    json.dump(out, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")
    return 0


def _inception(args, real: torch.Tensor, fake: torch.Tensor, device) -> dict[str, Any]:
    from gan_core.metrics.inception import InceptionUnavailable, inception_scores

    if args.inception == "off":
        return {"inception": "off"}
    try:
        return inception_scores(real, fake, download=args.inception == "on", device=device)
    except InceptionUnavailable as e:
        return {"inception": f"not computed: {e}"}


def _eval_checkpoint(args, device) -> dict[str, Any]:
    from gan_core.checkpoint import load_models
    from gan_core.data import load_dataset

    G, _D, cfg, meta = load_models(args.checkpoint, device)
    data = load_dataset(cfg, device="cpu")
    scorer = Scorer(cfg.dataset, data, device, cfg.latent_dim, n=args.n, n_real=args.n_real, seed=args.seed,
                    classifier_dir=args.classifier_dir, noise=cfg.noise)
    out: dict[str, Any] = {"checkpoint": str(args.checkpoint), "dataset": cfg.dataset, "step": meta.get("step"),
                           "n": args.n, "kind": data.kind}
    if data.kind == "image":
        if scorer.clf is None:
            out["classifier"] = scorer.unavailable
        else:
            out["classifier"] = {"file": f"classifier-{cfg.dataset}", "test_accuracy": scorer.clf.card["test_accuracy"],
                                 "note": "fd_clf/kid_clf/precision/recall use this classifier's 128 features, "
                                         "not Inception's: compare them only with each other"}
        fake = scorer.generate(G)
        out["scores"] = _clean(scorer.score_samples(fake)) if scorer.clf is not None else {}
        out["scores"].update(_inception(args, scorer.real if scorer.clf is not None else data.x[: args.n_real],
                                        fake, device))
    else:
        out["scores"] = _clean(scorer.score(G))
    return out


def _eval_real(args, device) -> dict[str, Any]:
    from gan_core.config import ConfigError
    from gan_core.data import DATASETS, load_dataset

    if not args.dataset or args.dataset not in DATASETS:
        raise ConfigError("--dataset", f"--real needs a dataset; allowed: {', '.join(DATASETS.display_names())}")
    spec = DATASETS.get(args.dataset)
    out: dict[str, Any] = {"dataset": args.dataset, "real_floor": True}
    if spec.kind == "points":
        data = load_dataset(args.dataset)
        g = torch.Generator().manual_seed(args.seed + 7)
        fake = data.x[torch.randperm(data.x.shape[0], generator=g)[: args.n]]
        scorer = Scorer(args.dataset, data, device, latent_dim=1, n=args.n, n_real=args.n_real, seed=args.seed)
        out.update(n=args.n, note="a second draw of real points scored as if generated",
                   scores=_clean(scorer.score_samples(fake)))
        return out
    from gan_core.metrics.classifier import load_split

    clf = load_classifier(args.dataset, args.classifier_dir, device=device)
    split = load_split(args.dataset)
    g = torch.Generator().manual_seed(args.seed + 7)
    real = split.x_train[torch.randperm(len(split.x_train), generator=g)[: args.n_real]].to(device)
    fake = split.x_test[: args.n].to(device)
    out.update(n=int(fake.shape[0]), n_real=int(real.shape[0]), classifier_test_accuracy=clf.card["test_accuracy"],
               note=f"the real test split ({split.test_source}) scored against the training split")
    out["scores"] = _clean(image_scores(clf, real, fake, seed=args.seed))
    out["scores"].update(_inception(args, real, fake, device))
    return out


def run_train_classifier(args: argparse.Namespace) -> int:
    from gan_core.engine import resolve_device
    from gan_core.metrics.classifier import train_classifier

    device = str(resolve_device(args.device))
    cmd = "python -m gan_core train-classifier --dataset " + args.dataset + (
        f" --epochs {args.epochs}" if args.epochs else "") + (f" --seed {args.seed}" if args.seed else "")
    card = train_classifier(args.dataset, epochs=args.epochs, out_dir=args.out_dir, data_dir=args.data_dir,
                            device=device, seed=args.seed, command=cmd)
    print(json.dumps({k: card[k] for k in ("dataset", "test_accuracy", "training_seconds", "real_floor")}, indent=2))
    return 0
