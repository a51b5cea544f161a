"""2-D toy distributions where the whole game is visible.

The two Gaussian mixtures follow the PacGAN protocol (Lin et al. 2018): a ring of 8 modes
(radius 1, std 0.01) and a 5x5 grid of 25 modes (means {-4,-2,0,2,4}^2, std 0.05). Their means
and std are in MIXTURES, for metrics that count the modes a generator covers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from gan_core.data._registry import Raw, SourceRequest, register_source
from gan_core.messages import Msg

N_POINTS = 100_000  # samples drawn for every toy dataset
RING8_RADIUS = 1.0
RING8_STD = 0.01
RING8_N = N_POINTS
GRID25_SPACING = 2.0
GRID25_STD = 0.05


def ring8_means() -> torch.Tensor:
    """Means of the PacGAN ring: radius 1, angles 2*pi*k/8 for k = 0..7.  -> (8, 2)"""
    angles = torch.arange(8, dtype=torch.float64) * (2 * math.pi / 8)
    return (RING8_RADIUS * torch.stack([angles.cos(), angles.sin()], dim=1)).float()


def grid25_means() -> torch.Tensor:
    """Means of the PacGAN grid: {-4, -2, 0, 2, 4}^2, row-major (x varies fastest).  -> (25, 2)"""
    v = torch.arange(-2, 3, dtype=torch.float32) * GRID25_SPACING
    gy, gx = torch.meshgrid(v, v, indexing="ij")
    return torch.stack([gx.flatten(), gy.flatten()], dim=1)


@dataclass(frozen=True)
class Mixture:
    means: torch.Tensor  # (K, 2) mode centres
    std: float  # isotropic standard deviation of every mode


MIXTURES: dict[str, Mixture] = {
    "ring8": Mixture(ring8_means(), RING8_STD),
    "grid25": Mixture(grid25_means(), GRID25_STD),
}


def sample_mixture(m: Mixture, n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """n points x = mu_k + std * eps, k uniform over the modes. -> (x (n, 2), k (n,))"""
    g = torch.Generator().manual_seed(seed)
    k = torch.randint(0, m.means.shape[0], (n,), generator=g)
    x = m.means[k] + m.std * torch.randn(n, 2, generator=g)
    return x, k


def sample_ring8(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """n points from the ring: x = mu_k + 0.01 * eps, k uniform over the 8 modes."""
    return sample_mixture(MIXTURES["ring8"], n, seed)


def _extent(x: torch.Tensor) -> float:
    return round(1.15 * float(x.abs().max()) + 0.05, 1)


def _mixture_source(name: str, desc: str, extent: float | None = None):
    def raw(req: SourceRequest) -> Raw:
        x, k = sample_mixture(MIXTURES[name], N_POINTS, seed=1234)
        return Raw(x=x, y=k, kind="points", source=Msg("{n:,} points drawn from {desc}", n=N_POINTS, desc=desc),
                   class_names=tuple(Msg("mode {i}", i=i) for i in range(MIXTURES[name].means.shape[0])),
                   extent=extent or _extent(x))

    return raw


def _spiral(req: SourceRequest) -> Raw:
    # theta = 3*pi*sqrt(u) spreads the points evenly along the arc (arc length grows as theta^2)
    g = torch.Generator().manual_seed(1234)
    theta = 3 * math.pi * torch.rand(N_POINTS, generator=g).sqrt()
    r = 2.0 * theta / (3 * math.pi)
    x = torch.stack([r * theta.cos(), r * theta.sin()], dim=1) + 0.05 * torch.randn(N_POINTS, 2, generator=g)
    return Raw(x=x, y=None, kind="points",
               source=Msg("{n:,} points on a 1.5-turn spiral (radius 2, noise 0.05)", n=N_POINTS),
               extent=_extent(x))


def make_moons(n_samples: int, noise: float, random_state: int) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's make_moons (shuffled), the same numbers from the same seed (a test compares
    them), without importing scikit-learn: its import (scipy, pandas) took 2 s of the first page's
    load, and importing it lazily from a training thread risks the pandas import deadlock that
    digits.py describes."""
    out, inn = n_samples // 2, n_samples - n_samples // 2
    gen = np.random.RandomState(random_state)
    x = np.vstack([np.append(np.cos(np.linspace(0, np.pi, out)), 1 - np.cos(np.linspace(0, np.pi, inn))),
                   np.append(np.sin(np.linspace(0, np.pi, out)), 1 - np.sin(np.linspace(0, np.pi, inn)) - 0.5)]).T
    y = np.hstack([np.zeros(out, dtype=np.intp), np.ones(inn, dtype=np.intp)])
    idx = np.arange(n_samples)
    gen.shuffle(idx)  # sklearn.utils.shuffle
    x, y = x[idx], y[idx]
    x += gen.normal(scale=noise, size=x.shape)
    return x, y


def make_swiss_roll(n_samples: int, noise: float, random_state: int) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's make_swiss_roll (no hole), the same numbers from the same seed (see make_moons)."""
    gen = np.random.RandomState(random_state)
    t = 1.5 * np.pi * (1 + 2 * gen.uniform(size=n_samples))
    y = 21 * gen.uniform(size=n_samples)
    x = np.vstack((t * np.cos(t), y, t * np.sin(t)))
    x += noise * gen.standard_normal(size=(3, n_samples))
    return x.T, t


def _moons(req: SourceRequest) -> Raw:
    pts, lab = make_moons(n_samples=N_POINTS, noise=0.05, random_state=1234)
    x = torch.tensor(pts, dtype=torch.float32) - torch.tensor([0.5, 0.25])  # centred on the origin
    return Raw(x=x, y=torch.tensor(lab, dtype=torch.int64), kind="points",
               class_names=(Msg("upper moon"), Msg("lower moon")),
               source=Msg("{n:,} points, scikit-learn make_moons (noise 0.05), centred", n=N_POINTS), extent=_extent(x))


def _swiss_roll(req: SourceRequest) -> Raw:
    pts, _t = make_swiss_roll(n_samples=N_POINTS, noise=0.5, random_state=1234)
    x = torch.tensor(pts[:, [0, 2]] / 7.0, dtype=torch.float32)  # the roll seen from its axis, scaled to about +-2
    return Raw(x=x, y=None, kind="points",
               source=Msg("{n:,} points, scikit-learn make_swiss_roll (x, z) / 7", n=N_POINTS),
               extent=_extent(x))


def _gaussian(req: SourceRequest) -> Raw:
    g = torch.Generator().manual_seed(1234)
    x = 0.5 * torch.randn(N_POINTS, 2, generator=g)
    return Raw(x=x, y=None, kind="points", source=Msg("{n:,} points from N(0, 0.5^2 I)", n=N_POINTS), extent=2.0)


_TOY = {"kind": "points", "shape": (2,), "size": N_POINTS}
register_source(
    "ring8", label="Ring of 8 Gaussians",
    raw=_mixture_source("ring8", Msg("8 Gaussians (radius 1, std 0.01)"), extent=1.6),
    help="2-D mixture of 8 Gaussians on a circle of radius 1 (std 0.01), the PacGAN protocol. "
    "Trains in seconds on a CPU and makes mode collapse visible: count the rings G covers.", **_TOY)
register_source(
    "grid25", label="Grid of 25 Gaussians",
    raw=_mixture_source("grid25", Msg("25 Gaussians on a 5x5 grid (means {{-4,-2,0,2,4}}^2, std 0.05)")),
    help="2-D mixture of 25 Gaussians with means {-4,-2,0,2,4}^2 and std 0.05 (PacGAN). Harder than the ring: "
    "a collapsing G covers a few modes of the grid, or smears points between them.", **_TOY)
register_source("spiral", label="Spiral", raw=_spiral, help="Points along a 1.5-turn spiral (noise 0.05): one thin "
                "curved manifold that G must bend its noise onto.", **_TOY)
register_source("moons", label="Two moons", raw=_moons, help="scikit-learn's two interleaving half circles "
                "(noise 0.05): two curved modes, labelled 0 and 1.", **_TOY)
register_source("swiss-roll", label="Swiss roll", raw=_swiss_roll, help="scikit-learn's swiss roll seen from its "
                "axis: a wide rolled-up band, a classic test of how a model follows curvature.", **_TOY)
register_source("gaussian", label="Single Gaussian", raw=_gaussian, help="One Gaussian N(0, 0.5^2 I): the easiest "
                "target, a sanity check that training works at all.", **_TOY)
