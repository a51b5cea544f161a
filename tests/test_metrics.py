"""Scores against known values: Frechet distance vs its closed form, real-vs-real floors,
precision/recall on constructed sets, PacGAN mode counting, KL/JS, class statistics, the shipped
classifiers, and Inception's clear message offline."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_core.data.toy2d import MIXTURES, sample_mixture
from gan_core.metrics import classifier as clf_mod
from gan_core.metrics.scores import (
    class_stats,
    diversity,
    frechet_distance,
    frechet_gaussians,
    grid_histogram,
    image_scores,
    kernel_distance,
    kl_js,
    mode_scores,
    points_scores,
    precision_recall,
)


def gaussian(n, mu, cov, seed):
    g = torch.Generator().manual_seed(seed)
    L = torch.linalg.cholesky(torch.as_tensor(cov, dtype=torch.float64))
    return torch.as_tensor(mu, dtype=torch.float64) + torch.randn(n, len(mu), generator=g, dtype=torch.float64) @ L.T


# ---------------------------------------------------------------------------- Frechet distance
def test_frechet_closed_form_for_diagonal_gaussians():
    # For commuting (diagonal) covariances: FD = |mu1 - mu2|^2 + sum_i (sqrt(s1_i) - sqrt(s2_i))^2
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.0])
    s1, s2 = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(s1) - np.sqrt(s2)) ** 2)  # 5 + 4 + 1 + 0 = 10
    assert frechet_gaussians(mu1, np.diag(s1), mu2, np.diag(s2)) == pytest.approx(expected, rel=1e-9)
    assert expected == pytest.approx(10.0)


def test_frechet_of_samples_matches_the_closed_form():
    mu1, mu2 = [0.0, 0.0, 0.0, 0.0], [1.0, -1.0, 0.5, 0.0]
    c1 = np.array([[1.0, 0.5, 0, 0], [0.5, 1.0, 0, 0], [0, 0, 2.0, 0], [0, 0, 0, 0.5]])
    c2 = np.array([[2.0, 0, 0, 0.3], [0, 1.0, 0, 0], [0, 0, 1.0, 0], [0.3, 0, 0, 1.0]])
    exact = frechet_gaussians(np.array(mu1), c1, np.array(mu2), c2)
    got = frechet_distance(gaussian(40_000, mu1, c1, 0), gaussian(40_000, mu2, c2, 1))
    assert got == pytest.approx(exact, rel=0.03)


def test_real_vs_real_scores_sit_at_their_floor():
    cov = np.eye(8)
    a, b = gaussian(3000, [0.0] * 8, cov, 0), gaussian(3000, [0.0] * 8, cov, 1)
    assert frechet_distance(a, a.clone()) < 1e-6  # identical sets: 0
    fd = frechet_distance(a, b)
    assert 0 <= fd < 0.1  # the finite-sample bias is about d(d+1)/N
    kid, kid_std = kernel_distance(a, b, subsets=10, subset_size=1000)
    assert abs(kid) < 0.02 and abs(kid) < 3 * kid_std + 1e-3  # unbiased: about 0
    shifted = gaussian(3000, [3.0] * 8, cov, 2)
    assert frechet_distance(a, shifted) == pytest.approx(72.0, rel=0.05)  # |mu|^2 = 8 * 9
    assert kernel_distance(a, shifted)[0] > 100 * abs(kid)
    p, r = precision_recall(a, b)
    assert p > 0.85 and r > 0.85


# ---------------------------------------------------------------------------- precision / recall
def test_precision_recall_on_constructed_sets():
    real = gaussian(1000, [0.0, 0.0], np.eye(2), 0)
    assert precision_recall(real, real.clone()) == (1.0, 1.0)
    far = real + 100.0  # every generated sample off the real manifold, and vice versa
    assert precision_recall(real, far) == (0.0, 0.0)
    # collapse: all generated samples in one small real region -> precise, but recall tiny
    corner = real[(real[:, 0] > 1.0) & (real[:, 1] > 1.0)]
    p, r = precision_recall(real, corner)
    assert p == 1.0 and r < 0.15
    # half of the generated samples on the manifold, half far off -> precision about 1/2
    half = torch.cat([real[:500], real[500:] + 100.0])
    p, r = precision_recall(real, half)
    assert p == pytest.approx(0.5, abs=0.01)


# ---------------------------------------------------------------------------- 2-D: PacGAN protocol
@pytest.mark.parametrize("name,k", [("ring8", 8), ("grid25", 25)])
def test_mode_counting_all_modes(name, k):
    m = MIXTURES[name]
    x, _ = sample_mixture(m, 2500, seed=5)
    s = mode_scores(x, m.means, m.std)
    assert s["modes_covered"] == k and s["n_modes"] == k
    assert s["hq_pct"] > 98.0  # 3 std in 2-D holds 98.9% of a Gaussian's mass
    assert sum(s["mode_hist"]) == round(s["hq_pct"] * 25)


def test_mode_counting_one_mode_and_off_mode_points():
    m = MIXTURES["ring8"]
    one = m.means[3] + m.std * torch.randn(2500, 2, generator=torch.Generator().manual_seed(0))
    s = mode_scores(one, m.means, m.std)
    assert s["modes_covered"] == 1 and s["mode_hist"][3] > 2400
    off = torch.zeros(2500, 2)  # the ring's centre: far from every mode
    s = mode_scores(off, m.means, m.std)
    assert s["modes_covered"] == 0 and s["hq_pct"] == 0.0
    between = (m.means[0] + m.means[1]) / 2  # between two modes: 0.38 from each, far beyond 3 std
    mixed = torch.cat([one[:1250], between.expand(1250, 2)])
    s = mode_scores(mixed, m.means, m.std)
    assert s["modes_covered"] == 1 and s["hq_pct"] == pytest.approx(50.0 * 0.989, abs=0.6)  # 98.9% within 3 std
    just_outside = m.means[:2] + torch.tensor([[3.05 * m.std, 0.0], [0.0, 2.95 * m.std]])
    assert mode_scores(just_outside, m.means, m.std)["mode_hist"][:2] == [0, 1]  # the 3-std boundary


def test_kl_js_of_histograms():
    p = np.array([0.5, 0.5, 0.0, 0.0])
    assert kl_js(p, p) == (0.0, 0.0)
    kl, js = kl_js(p, np.array([0.0, 0.0, 0.5, 0.5]))
    assert js == pytest.approx(math.log(2), rel=1e-9) and kl > 10  # disjoint supports
    kl, js = kl_js(p, np.array([0.25, 0.25, 0.25, 0.25]))
    assert kl == pytest.approx(math.log(2), rel=1e-6)  # KL(p || uniform) = ln 4 - ln 2


def test_points_scores_real_vs_real_and_collapsed():
    m = MIXTURES["grid25"]
    real, _ = sample_mixture(m, 20_000, seed=1)
    fake, _ = sample_mixture(m, 2500, seed=2)
    good = points_scores(fake, real, extent=5.3, mixture=m)
    assert good["modes_covered"] == 25 and good["js"] < 0.05 and good["fd"] < 0.05
    collapsed = m.means[12] + m.std * torch.randn(2500, 2, generator=torch.Generator().manual_seed(3))
    bad = points_scores(collapsed, real, extent=5.3, mixture=m)
    assert bad["modes_covered"] == 1 and bad["js"] > 0.5 and bad["kl"] > 3 and bad["fd"] > 10
    h = grid_histogram(np.array([[100.0, 100.0]]), extent=5.0)  # outside: clipped into the corner bin
    assert h.sum() == pytest.approx(1.0) and h[-1, -1] == 1.0


def test_diversity_falls_to_zero_on_identical_samples():
    x = torch.randn(64, 1, 8, 8)
    assert diversity(x) > 1.0
    assert diversity(x[:1].expand(64, -1, -1, -1)) < 1e-6


# ---------------------------------------------------------------------------- class statistics
def test_class_stats():
    k = 10
    one = torch.nn.functional.one_hot(torch.full((500,), 3), k).float()
    s = class_stats(one, k)
    assert s["classes_covered"] == 1 and s["class_entropy"] == 0.0 and s["class_hist"][3] == 500
    uniform = torch.nn.functional.one_hot(torch.arange(1000) % k, k).float()
    s = class_stats(uniform, k)
    assert s["classes_covered"] == 10 and s["class_entropy"] == pytest.approx(math.log(10))
    few = torch.nn.functional.one_hot(torch.tensor([0] * 995 + [1] * 5), k).float()  # 0.5% < 10% of 10%
    assert class_stats(few, k)["classes_covered"] == 1


# ---------------------------------------------------------------------------- shipped classifiers
@pytest.mark.parametrize("dataset,min_acc", [("digits", 0.95), ("fashion-mnist", 0.90)])
def test_shipped_classifier_and_model_card(dataset, min_acc):
    path = clf_mod.classifier_path(dataset)
    assert path.is_file(), f"{path} is shipped with the project"
    assert path.stat().st_size < 2_000_000
    card = json.loads(path.with_suffix(".json").read_text())
    for key in ("dataset", "architecture", "test_accuracy", "command", "training_seconds", "device", "real_floor"):
        assert key in card
    assert card["test_accuracy"] >= min_acc
    assert card["command"].startswith("python -m gan_core train-classifier --dataset " + dataset)
    clf = clf_mod.load_classifier(dataset)
    assert clf.adapt(torch.zeros(3, 3, 32, 32)).shape == (3, *clf.shape)  # RGB 32x32 -> the classifier's input


def test_digits_classifier_scores_real_and_noise():
    from gan_core.data import load_dataset

    clf = clf_mod.load_classifier("digits")
    data = load_dataset("digits")
    feats, probs = clf.features_and_probs(data.x)
    assert (probs.argmax(1) == data.y).double().mean() > 0.97  # 80% of these were its training data
    g = torch.Generator().manual_seed(0)
    perm = torch.randperm(len(data.x), generator=g)
    a, b = data.x[perm[:900]], data.x[perm[900:]]
    real = image_scores(clf, a, b)
    noise = image_scores(clf, a, torch.rand(897, 1, 8, 8, generator=g) * 2 - 1)
    assert real["classes_covered"] == 10 and real["precision"] > 0.7 and real["recall"] > 0.7
    assert noise["fd_clf"] > 10 * real["fd_clf"] and noise["kid_clf"] > 10 * abs(real["kid_clf"])
    assert noise["class_entropy"] < real["class_entropy"]


def test_torchmetrics_takes_the_classifier_as_its_feature_extractor():
    """torchmetrics' FID with the classifier as its feature network gives the same number as our
    path (features computed once, then torchmetrics on them): the scores are torchmetrics' own."""
    from torchmetrics.image.fid import FrechetInceptionDistance

    from gan_core.data import load_dataset

    clf = clf_mod.load_classifier("digits")
    x = load_dataset("digits").x
    a, b = x[:900], x[900:]
    fid = FrechetInceptionDistance(feature=clf_mod.FeatureExtractor(clf), normalize=False)
    fid.update(a, real=True)
    fid.update(b, real=False)
    ours = frechet_distance(clf.features_and_probs(a)[0], clf.features_and_probs(b)[0])
    assert float(fid.compute()) == pytest.approx(ours, rel=1e-4) and ours > 0.5


def test_missing_classifier_says_so(tmp_path):
    with pytest.raises(clf_mod.ClassifierError, match="no classifier for this dataset \\(mnist\\)"):
        clf_mod.load_classifier("mnist", tmp_path)


# ---------------------------------------------------------------------------- Inception offline
def test_inception_unavailable_offline_gives_the_fix(tmp_path, monkeypatch):
    from gan_core.metrics import inception

    monkeypatch.delenv(inception.ENV, raising=False)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(inception.InceptionUnavailable, match=inception.ENV):
        inception.weights_file(download=False)
    monkeypatch.setenv(inception.ENV, str(tmp_path / "nope.pth"))
    with pytest.raises(inception.InceptionUnavailable, match="not a file"):
        inception.weights_file()
    bad = tmp_path / "evil.pth"
    bad.write_bytes(b"not a tensor file")
    with pytest.raises(inception.InceptionUnavailable, match="not a plain tensor file"):
        inception._checked_copy(bad)


def test_inception_scores_with_a_weights_file(tmp_path, monkeypatch):
    """The online path, offline: a weights file given by $GAN_INCEPTION_WEIGHTS is checked (tensors
    only), and the checked copy reaches both torchmetrics metrics. Inception-v3 itself (95 MB, a
    minute to build on a busy CPU) is replaced by a small network with its constructor and outputs."""
    import torchmetrics.image.fid as tm_fid

    from gan_core.metrics import inception

    seen = []

    class SmallInception(torch.nn.Module):
        def __init__(self, name, features_list, feature_extractor_weights_path=None, antialias=True):
            super().__init__()
            self.out = {"2048": 2048, "logits_unbiased": 1008}[features_list[0]]
            self.proj = torch.nn.Linear(3 * 4 * 4, self.out)
            state = torch.load(feature_extractor_weights_path, weights_only=True)  # one flat file for both
            self.load_state_dict({k.split("/", 1)[1]: v for k, v in state.items() if k.startswith(f"{self.out}/")})
            seen.append(feature_extractor_weights_path)

        def forward(self, x):  # uint8 (N, 3, H, W), as Inception takes it
            assert x.dtype == torch.uint8 and x.shape[1] == 3
            return self.proj(torch.nn.functional.adaptive_avg_pool2d(x.float() / 255, 4).flatten(1))

    g = torch.Generator().manual_seed(0)
    weights = {f"{n}/{k}": v for n in (2048, 1008)
               for k, v in (("proj.weight", torch.randn(n, 48, generator=g)), ("proj.bias", torch.zeros(n)))}
    path = tmp_path / "inception.pth"
    torch.save(weights, path)
    monkeypatch.setattr(tm_fid, "NoTrainInceptionV3", SmallInception)
    monkeypatch.setenv(inception.ENV, str(path))
    x = torch.rand(40, 1, 8, 8, generator=g) * 2 - 1
    out = inception.inception_scores(x, -x, batch=16)  # (one call: a 2048-d FID takes seconds on a CPU)
    assert out["inception_fid"] > 1.0 and out["inception_score"] >= 1.0 and out["inception_score_std"] >= 0
    assert len(seen) == 2 and all(p != str(path) and not Path(p).exists() for p in seen)  # a checked copy, removed


def test_train_classifier_command_writes_weights_and_card(tmp_path, monkeypatch, capsys):
    from gan_core.cli import main

    assert main(["train-classifier", "--dataset", "digits", "--epochs", "2", "--out-dir", str(tmp_path),
                 "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    printed = json.loads(out[out.index("{\n"):])  # the log lines, then the card's summary as JSON
    card = json.loads((tmp_path / "classifier-digits.json").read_text())
    assert card["command"] == "python -m gan_core train-classifier --dataset digits --epochs 2"
    assert 0.5 < card["test_accuracy"] <= 1.0 and card["n_test"] == 359 and "held-out" in card["test_split"]
    assert card["real_floor"]["classes_covered"] == 10 and 0 < card["real_floor"]["precision"] <= 1
    clf = clf_mod.load_classifier("digits", tmp_path)
    x = torch.zeros(5, 1, 8, 8)
    assert clf.features_and_probs(x)[0].shape == (5, 128)
    assert printed["test_accuracy"] == card["test_accuracy"] and printed["dataset"] == "digits"


def test_train_classifier_without_the_data_says_where_to_put_it(tmp_path, monkeypatch, capsys):
    from gan_core.cli import main

    monkeypatch.setenv("GAN_DATA_DOWNLOAD", "0")
    for name in ("mnist", "kmnist"):
        assert main(["train-classifier", "--dataset", name, "--data-dir", str(tmp_path), "--out-dir",
                     str(tmp_path / "out")]) == 2
        err = capsys.readouterr().err
        assert "train-images-idx3-ubyte" in err and str(tmp_path) in err
    assert main(["train-classifier", "--dataset", "ring8", "--out-dir", str(tmp_path / "out")]) == 2
    assert "2-D points" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
