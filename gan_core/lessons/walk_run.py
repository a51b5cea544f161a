"""Compute a walk lesson's walk (gan_core.lessons.format.Walk): both paths through a shipped generator's latent
space and the per-frame columns its check reads. Imports torch; used by the Lessons page (ui/lesson_walk.py),
gan_core.lessons.headless and bench/lessons.py.

Per path ("linear", "slerp") the columns are, frame by frame:
  step       the frame's index (0 .. frames-1; the checks' series() key on it)
  t          where on the path, 0 at seed s and 1 at seed s + 1
  z_norm     |z_t|
  mean_dist  |G(z_t) - m| / sqrt(pixels): the image's distance from G's average image m (the mean of
             G over REFERENCE_SEEDS), an RMS pixel difference in [-1, 1] units
  jump       |G(z_t) - G(z_{t-1})| / mean |G(u) - G(v)| over random pairs u, v: how big a change one frame is,
             as a share of the difference between two unrelated samples (NaN at frame 0)
  class      the dataset's classifier's class of the frame (when the dataset has a shipped classifier)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch

from gan_core.latent import LatentModel, interpolation_path
from gan_core.lessons.format import RunResult, Walk
from gan_core.lessons.walks import MODES

REFERENCE_SEEDS = range(10_000, 10_256)  # G's average image and the random-pair distance (not the walks' seeds)


@dataclass
class WalkResult:
    frames: dict[str, torch.Tensor]  # mode -> G's outputs along the path, (frames, C, H, W) or (frames, 2)
    runs: dict[str, RunResult]  # mode -> what the check reads
    model: LatentModel


@lru_cache(maxsize=4)
def _model(name: str) -> tuple[LatentModel, str]:
    from gan_core.pretrained import load_pretrained

    G, cfg, card = load_pretrained(name)
    return LatentModel(G.float().eval(), cfg.latent_dim, noise=cfg.noise), card.dataset


@lru_cache(maxsize=4)
def _reference(name: str) -> tuple[torch.Tensor, float]:
    """G's average image over REFERENCE_SEEDS, and the mean distance between two of those samples."""
    m, _ = _model(name)
    x = m.generate(m.seeds_to_z(list(REFERENCE_SEEDS))).float()
    half = x.shape[0] // 2
    pair = float((x[:half] - x[half:]).flatten(1).norm(dim=1).mean())
    return x.mean(0), pair


def _classifier(dataset: str):
    from gan_core.metrics.classifier import ClassifierError, load_classifier

    try:
        return load_classifier(dataset)
    except ClassifierError:
        return None


@torch.inference_mode()
def run_walk(walk: Walk, seed: int) -> WalkResult:
    """Both paths from the z of `seed` to the z of `seed + 1` (gan_core.latent: seeds_to_z, lerp, slerp)."""
    m, dataset = _model(walk.model)
    mean_img, pair = _reference(walk.model)
    clf = _classifier(dataset)
    z = m.seeds_to_z([seed, seed + 1])
    frames, runs = {}, {}
    t = torch.linspace(0, 1, walk.frames)
    for mode in MODES:
        p = interpolation_path(z, walk.frames, mode)
        x = m.generate(p).float()
        flat = x.flatten(1)
        jump = (flat[1:] - flat[:-1]).norm(dim=1) / pair
        cols: dict[str, list[float]] = {
            "step": list(range(walk.frames)),
            "t": t.tolist(),
            "z_norm": p.norm(dim=1).tolist(),
            "mean_dist": ((flat - mean_img.flatten()).norm(dim=1) / flat.shape[1] ** 0.5).tolist(),
            "jump": [float("nan")] + jump.tolist(),
        }
        status = {"model": walk.model, "seeds": [seed, seed + 1], "pair_distance": pair}
        if clf is not None and x.dim() == 4:
            _, probs = clf.features_and_probs(x)
            cols["class"] = probs.argmax(1).float().tolist()
            status["class_names"] = list(clf.card.get("class_names") or [])
        frames[mode], runs[mode] = x, RunResult(cols, status)
    return WalkResult(frames, runs, m)
