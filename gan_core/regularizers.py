"""Regularisers of the discriminator, as functions of (D, real, fake)."""

from __future__ import annotations

import torch
from torch import nn


def gradient_penalty(D: nn.Module, real: torch.Tensor, fake: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """WGAN-GP penalty E[(||grad_x D(x_hat)||_2 - 1)^2] (Gulrajani et al. 2017).

    x_hat = eps * x + (1 - eps) * G(z), eps ~ U[0, 1] per sample: the critic should have unit
    gradient norm along lines between real and generated samples (where the optimal critic does).
    """
    eps_shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    eps = torch.rand(eps_shape, device=real.device, dtype=real.dtype, generator=generator)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)
    norms = grad.flatten(1).norm(2, dim=1)  # (B,)
    return (norms - 1).pow(2).mean()
