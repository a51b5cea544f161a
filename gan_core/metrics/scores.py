"""Quality and diversity scores of generated samples against real ones.

Images (with a per-dataset classifier, see classifier.py):
    fd_clf      Frechet distance between Gaussians fitted to the classifier's features of real and
                generated images (FID-style, but on that classifier's 128 features, not
                Inception's): ||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^(1/2)). Lower is better.
    kid_clf     Kernel distance (KID, Binkowski et al. 2018): unbiased MMD^2 with the cubic
                polynomial kernel k(a, b) = (a.b / d + 1)^3, averaged over subsets. Lower is better;
                unbiased, so it is about 0 (can be slightly negative) for two samples of one distribution.
    precision   share of generated samples inside the real manifold (Kynkaanniemi et al. 2019):
                the union of balls around each real feature reaching its k-th nearest real neighbour.
    recall      share of real samples inside the generated manifold (the same, roles swapped).
    classes_covered, class_entropy, class_hist: the classifier's predictions on the generated images.

2-D points:
    modes_covered, hq_pct   PacGAN protocol (Lin et al. 2018): a sample is high quality when it
                lies within 3 standard deviations of its nearest mode; a mode is covered when it
                has at least one high-quality sample (2,500 samples). Only for ring8 / grid25.
    kl, js      KL(real || generated) and Jensen-Shannon divergence (nats) of histograms on a grid.
    fd          Frechet distance between the Gaussians fitted to the raw points.

FID and KID are computed by torchmetrics and precision/recall by torch-fidelity, all on our features
(computed once per batch of images, so the real set's features are cached across scorings); the
histograms, mode counting and KL/JS are short enough to write here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

KNN_K = 3  # k of the k-NN manifolds (the paper's choice)
COVER_SHARE = 0.1  # a class is covered when it gets at least 10% of its share in the real data
GRID_BINS = 40  # bins per axis of the 2-D histograms
HQ_STDS = 3.0  # PacGAN: high quality within 3 standard deviations of the nearest mode
TOY_SAMPLES = 2500  # PacGAN's sample count for the 2-D scores


class _Identity(nn.Module):
    """Identity "feature extractor": lets torchmetrics compute FID/KID on features we already have."""

    def __init__(self, dim: int):
        super().__init__()
        self.num_features = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def preload() -> None:
    """Import the scoring libraries now (seconds on a busy CPU), so the first scoring inside the
    training loop is not slowed by them; the monitor calls this while it sets up."""
    import torch_fidelity.metric_prc  # noqa: F401
    import torchmetrics.image.fid
    import torchmetrics.image.kid  # noqa: F401


def frechet_distance(real: torch.Tensor, fake: torch.Tensor) -> float:
    """Frechet distance between Gaussians fitted to two feature sets (N, d) (torchmetrics' FID)."""
    from torchmetrics.image.fid import FrechetInceptionDistance

    d = real.shape[1]
    # sync_on_compute=False: these features are this process's; under torchrun only rank 0 scores, and gathering
    # the metric's state over the job's process group would wait for ranks that never score (a hang)
    fid = FrechetInceptionDistance(feature=_Identity(d), normalize=False, input_img_size=(d,), sync_on_compute=False)
    fid.update(real.detach().double().cpu(), real=True)
    fid.update(fake.detach().double().cpu(), real=False)
    return max(0.0, float(fid.compute()))  # the eigenvalue route can give -1e-12 for equal sets


def frechet_gaussians(mu1: np.ndarray, s1: np.ndarray, mu2: np.ndarray, s2: np.ndarray) -> float:
    """The closed form for two Gaussians, by torchmetrics' own routine (used by the tests)."""
    from torchmetrics.image.fid import _compute_fid

    t = lambda a: torch.as_tensor(a, dtype=torch.float64)  # noqa: E731
    return float(_compute_fid(t(mu1), t(s1), t(mu2), t(s2)))


def kernel_distance(real: torch.Tensor, fake: torch.Tensor, subsets: int = 20, subset_size: int = 1000,
                    seed: int = 0) -> tuple[float, float]:
    """KID (mean, std over subsets) on the given features, as torchmetrics' KernelInceptionDistance
    computes it (its polynomial-kernel unbiased MMD^2, `poly_mmd`, on `subsets` random subsets of
    `subset_size` rows drawn without replacement from each set; the std is the population std over
    subsets), with two differences:

    - the subsets come from a torch.Generator seeded with `seed`, not from the global RNG (the same
      draws torch.manual_seed(seed) gave), so scoring neither depends on nor disturbs what other
      threads draw (gan_core.seeding);
    - when the subset size is at least both set sizes, every "random subset" is the whole of both
      sets: the subsets cannot differ, and a std over them would be 0 (printed as 8.8e-16) while
      saying nothing of the KID's uncertainty. The std is then NaN (reported as unavailable) and the
      KID is computed once. Resampling with replacement instead would put duplicated rows into the
      unbiased estimator's off-diagonal sums and bias it, so it is not done.
    """
    from torchmetrics.image.kid import poly_mmd

    real, fake = real.detach().double().cpu(), fake.detach().double().cpu()
    n_real, n_fake = real.shape[0], fake.shape[0]
    size = min(subset_size, n_real, n_fake)
    if size < 2:
        return float("nan"), float("nan")
    if size >= n_real and size >= n_fake:
        return float(poly_mmd(real, fake)), float("nan")
    g = torch.Generator().manual_seed(int(seed))
    scores = []
    for _ in range(subsets):
        r = real[torch.randperm(n_real, generator=g)[:size]]
        f = fake[torch.randperm(n_fake, generator=g)[:size]]
        scores.append(poly_mmd(r, f))
    k = torch.stack(scores)
    return float(k.mean()), float(k.std(unbiased=False))


def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = KNN_K) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi et al. 2019) with k-NN balls in feature space,
    by torch-fidelity's own routine on our features:

        precision = share of fake f with ||f - r|| <= NN_k(r) for some real r   (quality)
        recall    = share of real r with ||r - f|| <= NN_k(f) for some fake f   (coverage)

    NN_k(x): distance from x to its k-th nearest neighbour in its own set. The "part" variant
    keeps the distance matrices to (2048 x N) blocks."""
    from torch_fidelity.metric_prc import calculate_precision_recall_part

    real, fake = real.detach().double().cpu(), fake.detach().double().cpu()
    if real.shape[0] <= k or fake.shape[0] <= k:
        return float("nan"), float("nan")
    # torch-fidelity's convention: features_1 is the generated set, features_2 the real one
    precision, recall = calculate_precision_recall_part(fake, real, neighborhood=k, batch_size=2048)
    return float(precision), float(recall)


def class_stats(probs: torch.Tensor, n_classes: int, real_share: np.ndarray | None = None) -> dict[str, Any]:
    """Histogram of predicted classes, its entropy (nats; ln K when uniform), classes covered."""
    hist = np.bincount(probs.argmax(1).cpu().numpy(), minlength=n_classes)[:n_classes]
    p = hist / max(1, hist.sum())
    entropy = float(-(p[p > 0] * np.log(p[p > 0])).sum())
    share = real_share if real_share is not None else np.full(n_classes, 1.0 / n_classes)
    covered = int(((p >= COVER_SHARE * share) & (share > 0)).sum())
    return {"classes_covered": covered, "class_entropy": entropy, "class_hist": hist.astype(int).tolist()}


def image_scores(clf, real: torch.Tensor, fake: torch.Tensor, seed: int = 0,
                 real_feats: tuple[torch.Tensor, torch.Tensor] | None = None, kid_subsets: int = 50,
                 kid_subset_size: int = 1000) -> dict[str, Any]:
    """All classifier-based scores of `fake` against `real` (images in [-1, 1], any device).

    real_feats: (features, probs) of the real images computed earlier (they do not change)."""
    rf, rp = real_feats if real_feats is not None else clf.features_and_probs(real)
    ff, fp = clf.features_and_probs(fake)
    rf, ff = rf.cpu(), ff.cpu()
    real_share = np.bincount(rp.argmax(1).cpu().numpy(), minlength=clf.n_classes)[:clf.n_classes] / max(1, len(rp))
    prec, rec = precision_recall(rf, ff)
    kid, kid_std = kernel_distance(rf, ff, subsets=kid_subsets, subset_size=kid_subset_size, seed=seed)
    out = {"fd_clf": frechet_distance(rf, ff), "kid_clf": kid, "kid_clf_std": kid_std, "precision": prec,
           "recall": rec, **class_stats(fp, clf.n_classes, real_share)}
    out["n_real"], out["n_fake"] = int(rf.shape[0]), int(ff.shape[0])
    return out


# ---------------------------------------------------------------------------- 2-D points
def mode_scores(points: torch.Tensor, means: torch.Tensor, std: float) -> dict[str, Any]:
    """PacGAN mode counting: (N, 2) samples, (K, 2) mode means, the modes' std."""
    points = points.double().cpu()
    d = torch.cdist(points, means.double().cpu())  # (N, K)
    nearest_d, nearest = d.min(1)
    hq = nearest_d <= HQ_STDS * std
    counts = torch.bincount(nearest[hq], minlength=means.shape[0])
    return {"modes_covered": int((counts > 0).sum()), "n_modes": int(means.shape[0]),
            "hq_pct": 100.0 * float(hq.double().mean()) if len(points) else float("nan"),
            "mode_hist": counts.tolist()}


def grid_histogram(points: np.ndarray, extent: float, bins: int = GRID_BINS) -> np.ndarray:
    """Normalised 2-D histogram on [-extent, extent]^2; points outside land in the edge bins."""
    p = np.clip(np.asarray(points, dtype=np.float64), -extent, extent)
    h, _, _ = np.histogram2d(p[:, 0], p[:, 1], bins=bins, range=[[-extent, extent], [-extent, extent]])
    return h / max(1.0, h.sum())


def kl_js(p: np.ndarray, q: np.ndarray, eps: float = 1e-10) -> tuple[float, float]:
    """KL(p || q) and JS(p, q) in nats of two histograms. eps keeps KL finite where q has no mass
    (a generator that misses a region is punished by about p * ln(p / eps) there)."""
    p = p.ravel() / max(p.sum(), eps)
    q = q.ravel() / max(q.sum(), eps)
    m = 0.5 * (p + q)
    kl = float(np.sum(np.where(p > 0, p * np.log((p + eps) / (q + eps)), 0.0)))

    def _kl(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.sum(np.where(a > 0, a * np.log(np.where(a > 0, a, 1.0) / np.where(b > 0, b, 1.0)), 0.0)))

    js = 0.5 * _kl(p, m) + 0.5 * _kl(q, m)
    return kl, max(0.0, js)


def points_scores(fake: torch.Tensor, real: torch.Tensor, extent: float, mixture=None) -> dict[str, Any]:
    """2-D scores of generated points against real ones (and the mixture's modes when known)."""
    fake, real = fake.double().cpu(), real.double().cpu()
    out: dict[str, Any] = {}
    if mixture is not None:
        out.update(mode_scores(fake, mixture.means, mixture.std))
    finite = torch.isfinite(fake).all(1)
    if not bool(finite.all()):
        fake = fake[finite]
    kl, js = kl_js(grid_histogram(real.numpy(), extent), grid_histogram(fake.numpy(), extent))
    out.update({"kl": kl, "js": js, "fd": frechet_distance(real, fake) if len(fake) > 2 else float("nan")})
    out["n_real"], out["n_fake"] = int(real.shape[0]), int(fake.shape[0])
    return out


def diversity(x: torch.Tensor) -> float:
    """Mean pairwise L2 distance of a batch (flattened samples): about 0 when all samples are alike."""
    x = x.detach().double().cpu().flatten(1)
    n = x.shape[0]
    if n < 2:
        return float("nan")
    d = torch.cdist(x, x)
    return float(d.sum() / (n * (n - 1)))


def finite_or_none(v: Any) -> Any:
    return v if not isinstance(v, float) or math.isfinite(v) else None
