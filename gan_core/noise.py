"""The distribution of the generator's input noise z, chosen by name (config field `noise`).

    gaussian   z ~ N(0, I)            (the usual choice; every tutorial's)
    uniform    z ~ U[-1, 1]^d         (GAN Lab's other option; a bounded latent space)

Every place that draws z for a generator (the engine's training batches and fixed noise, the
scorer's evaluation noise, sampling) calls `sample_noise`, so a model is always fed the noise it
was trained on. `noise_range` gives the box of noise space that the 2-D lab draws G's manifold
over.
"""

from __future__ import annotations

import torch

from gan_core.registry import Registry

NOISES: Registry[str] = Registry("noise")
NOISES.register("gaussian", label="Gaussian N(0, I)", help=(
    "z ~ N(0, I): every coordinate a standard normal. The usual choice; its tails are unbounded, so a few "
    "samples land far from the others."))("gaussian")
NOISES.register("uniform", label="Uniform U[-1, 1]", help=(
    "z ~ U[-1, 1]^d: every coordinate uniform on [-1, 1]. A bounded box of noise that G must stretch and "
    "fold onto the data; with a 1-D or 2-D latent, the 2-D lab shows the whole box's image."))("uniform")

def sample_noise(kind: str, n: int, dim: int, *, generator: torch.Generator | None = None,
                 device: torch.device | str | None = None) -> torch.Tensor:
    """n draws of z (n, dim) from distribution `kind` ('gaussian' | 'uniform')."""
    if kind == "gaussian":
        return torch.randn(n, dim, device=device, generator=generator)
    if kind == "uniform":
        return torch.rand(n, dim, device=device, generator=generator) * 2 - 1  # U[0,1) -> U[-1, 1)
    raise ValueError(f"unknown noise {kind!r}; allowed: {', '.join(NOISES.names())}")


def noise_range(kind: str) -> float:
    """Half-width of the box of noise space that holds almost all z: 3 std (99.7%) for Gaussian
    noise, the whole support [-1, 1] for uniform noise."""
    return 1.0 if kind == "uniform" else 3.0
