"""Same seed, same run, also when runs start together (issue 16, bug 4), and a KID spread only
where subsets can differ (bug 5).

Initial weights come from torch's global generator. Engine used to seed it with torch.manual_seed
in its own thread, and KID scoring reseeded it, so two runs starting at once (a class pressing
Start together) or a scoring beside them could interleave their draws. gan_core.seeding holds the
global generator for one seeded block at a time; KID draws its subsets from its own generator."""

from __future__ import annotations

import json
import math
import sys
import threading

import pytest
import torch

from gan_core.checkpoint import load_models, save_checkpoint
from gan_core.config import TrainConfig
from gan_core.data import load_dataset
from gan_core.engine import Engine
from gan_core.metrics.scores import kernel_distance

pytestmark = pytest.mark.usefixtures("isolated")

CFG = TrainConfig(dataset="ring8", arch="mlp", latent_dim=8, width=128, batch_size=64, device="cpu", seed=11)


def _weights(engine: Engine) -> dict[str, torch.Tensor]:
    return {f"{n}.{k}": v.detach().clone() for n, net in (("G", engine.G), ("D", engine.D))
            for k, v in net.state_dict().items()}


@pytest.fixture
def switch_often():
    """Let Python switch threads as often as it can, so interleavings that can happen do happen."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def test_two_runs_started_together_get_the_weights_of_a_solo_run(switch_often, tmp_path):
    data = load_dataset(CFG, device="cpu")
    solo_engine = Engine(CFG, data, torch.device("cpu"))
    solo = _weights(solo_engine)
    ckpt = tmp_path / "last.safetensors"
    save_checkpoint(ckpt, solo_engine.G, solo_engine.D, CFG, {"step": 0, "sample_shape": [2]})
    other = _weights(Engine(CFG.replace(seed=12), data, torch.device("cpu")))
    assert any(not torch.equal(solo[k], other[k]) for k in solo)  # the seed matters
    feats = torch.randn(1500, 16, dtype=torch.float64), torch.randn(1500, 16, dtype=torch.float64)
    for _attempt in range(3):
        start = threading.Barrier(4)
        built: list[dict[str, torch.Tensor]] = []
        done = threading.Event()

        def build():
            start.wait()
            built.append(_weights(Engine(CFG, data, torch.device("cpu"))))

        def score():  # another run's KID scoring at the same time
            start.wait()
            while not done.is_set():
                kernel_distance(*feats, subsets=3, subset_size=100, seed=5)

        def load():  # a model being loaded (the Explore page): its nets are built, drawing initial weights
            start.wait()
            while not done.is_set():
                load_models(ckpt)

        threads = [threading.Thread(target=f) for f in (build, build, score, load)]
        for t in threads:
            t.start()
        for t in threads[:2]:
            t.join(120)
        done.set()
        for t in threads[2:]:
            t.join(60)
        assert len(built) == 2
        for w in built:
            bad = [k for k in solo if not torch.equal(solo[k], w[k])]
            assert not bad, f"a run started beside others got other initial weights than alone: {bad[:3]}"


def test_kid_subsets_come_from_their_own_generator():
    a, b = torch.randn(1500, 16, dtype=torch.float64), torch.randn(1200, 16, dtype=torch.float64) + 0.1
    before = torch.random.get_rng_state()
    first = kernel_distance(a, b, subsets=10, subset_size=500, seed=3)
    assert torch.equal(torch.random.get_rng_state(), before)  # the global stream is not moved
    torch.manual_seed(123)  # nor read
    assert kernel_distance(a, b, subsets=10, subset_size=500, seed=3) == first
    assert kernel_distance(a, b, subsets=10, subset_size=500, seed=4) != first
    assert math.isfinite(first[1]) and first[1] > 0


def test_kid_std_is_unavailable_when_every_subset_is_the_whole_set():
    a, b = torch.randn(500, 16, dtype=torch.float64), torch.randn(500, 16, dtype=torch.float64) + 0.1
    kid, std = kernel_distance(a, b, subsets=50, subset_size=1000)
    assert math.isfinite(kid) and kid > 0
    assert math.isnan(std), f"a spread of {std} over 50 identical subsets"
    kid_all, std_more = kernel_distance(a, b, subsets=50, subset_size=400)  # subsets of 400 of 500 do differ
    assert math.isfinite(std_more) and std_more > 1e-6


def test_eval_says_why_the_kid_spread_is_missing(capsys, monkeypatch, tmp_path):
    from gan_core.cli import main

    monkeypatch.setenv("GAN_INCEPTION_WEIGHTS", str(tmp_path / "missing.pth"))
    assert main(["eval", "--real", "--dataset", "digits", "--n", "300", "--n-real", "300", "--inception", "off"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["scores"]["kid_clf"] is not None and doc["scores"]["kid_clf_std"] is None
    assert "subsets cannot differ" in doc["kid_clf_std_note"]
