"""Training actually learns: on the ring of 8 Gaussians, G's points move onto the modes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_core.checkpoint import load_models
from gan_core.config import preset
from gan_core.data import Dataset
from gan_core.data.toy2d import ring8_means, sample_ring8
from gan_core.engine import Engine
from gan_core.run import TrainingRun
from gan_core.sampling import sample

pytestmark = pytest.mark.usefixtures("isolated")

STEPS = 300
N_EVAL = 2000


def mean_distance_to_nearest_mode(x: np.ndarray) -> float:
    """Mean Euclidean distance of each point to the closest of the 8 ring means."""
    mu = ring8_means().numpy().astype(np.float64)
    d = np.sqrt(((x[:, None, :].astype(np.float64) - mu[None]) ** 2).sum(-1))
    return float(d.min(1).mean())


def test_metric_is_small_on_real_data_and_large_at_the_origin():
    real, _ = sample_ring8(N_EVAL, seed=9)
    # real points: |N(0, 0.01^2 I)| has mean 0.01 * sqrt(pi/2) = 0.0125
    assert mean_distance_to_nearest_mode(real.numpy()) == pytest.approx(0.0125, rel=0.1)
    assert mean_distance_to_nearest_mode(np.zeros((10, 2), np.float32)) == pytest.approx(1.0)


def test_ring8_training_moves_samples_onto_the_modes(tmp_path):
    cfg = preset("ring8-mlp").replace(steps=STEPS, seed=0, device="cpu", sample_every=STEPS, log_every=50)

    # Step 0: the engine's initial G (Engine seeds the weight init with cfg.seed, as the run does).
    x, k = sample_ring8(1000)
    g0 = Engine(cfg, Dataset(x=x, y=k, kind="points", source="ring8"), torch.device("cpu")).G
    before = mean_distance_to_nearest_mode(sample(g0, cfg.latent_dim, N_EVAL, seed=123))

    run = TrainingRun(cfg, tmp_path / "ring8")
    run.run()
    assert run.state == "finished", run.error
    G, _, _, _ = load_models(tmp_path / "ring8" / "checkpoints" / "last.safetensors")
    after = mean_distance_to_nearest_mode(sample(G, cfg.latent_dim, N_EVAL, seed=123))

    # Measured with this preset at 300 steps over seeds 0-9 (1 and 2 CPU threads): the untrained
    # G puts its points near the origin, 0.85-0.96 from the nearest mode; after 300 steps the
    # distance is 0.21-0.42, a drop by 2.3x-4.5x (the game still oscillates, so it is not
    # monotone). Asking for 1.6x leaves a wide margin for platform-dependent float rounding
    # while a run that does not learn (ratio ~1) fails. The absolute bound 0.6 is likewise
    # well above the worst seed and well below the untrained value.
    assert before > 0.7, f"untrained G unexpectedly close to the modes: {before:.3f}"
    assert after < 0.6, f"after {STEPS} steps the mean distance to the nearest mode is {after:.3f}"
    assert before / after > 1.6, f"distance {before:.3f} -> {after:.3f} (ratio {before / after:.2f})"
