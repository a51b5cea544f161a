"""GAN objectives as pure functions of D's raw outputs (logits / critic values).

Notation: r = D(x) on real data, f = D(G(z)) on generated data, sigma = logistic sigmoid.
Using softplus keeps the BCE forms exact and stable: -log sigma(t) = softplus(-t) and
-log(1 - sigma(t)) = softplus(t).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

from gan_core.registry import Registry

Tensor = torch.Tensor


@dataclass(frozen=True)
class GANLoss:
    d_loss: Callable[[Tensor, Tensor], Tensor]  # (real scores, fake scores) -> scalar
    g_loss: Callable[[Tensor], Tensor]  # fake scores -> scalar
    d_display: Callable[[Tensor], Tensor]  # what the charts show as D(x), D(G(z))
    gradient_penalty: bool = False  # add lambda * GP (regularizers.gradient_penalty) to L_D
    d_batchnorm: bool = True  # False where batch norm in D breaks the objective (per-sample GP)


LOSSES: Registry[GANLoss] = Registry("loss")


def ns_d_loss(r: Tensor, f: Tensor) -> Tensor:
    # L_D = -E[log D(x)] - E[log(1 - D(G(z)))]
    return F.softplus(-r).mean() + F.softplus(f).mean()


def ns_g_loss(f: Tensor) -> Tensor:
    # L_G = -E[log D(G(z))]  (non-saturating: strong gradient when D rejects the fakes)
    return F.softplus(-f).mean()


def lsgan_d_loss(r: Tensor, f: Tensor) -> Tensor:
    # L_D = 1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]   (Mao et al. 2017, targets b=1, a=0)
    return 0.5 * (r - 1).pow(2).mean() + 0.5 * f.pow(2).mean()


def lsgan_g_loss(f: Tensor) -> Tensor:
    # L_G = 1/2 E[(D(G(z)) - 1)^2]   (c=1)
    return 0.5 * (f - 1).pow(2).mean()


def wgan_d_loss(r: Tensor, f: Tensor) -> Tensor:
    # L_D = E[D(G(z))] - E[D(x)]: the critic maximises the Wasserstein-1 estimate E[D(x)] - E[D(G(z))]
    return f.mean() - r.mean()


def wgan_g_loss(f: Tensor) -> Tensor:
    # L_G = -E[D(G(z))]
    return -f.mean()


LOSSES.register(
    "ns",
    label="Non-saturating BCE",
    help="L_D = -E[log D(x)] - E[log(1 - D(G(z)))],  L_G = -E[log D(G(z))]. The standard GAN loss "
    "(Goodfellow et al. 2014) with the non-saturating G objective, which keeps G's gradient strong "
    "early on when D easily rejects its samples. A good default.",
)(GANLoss(ns_d_loss, ns_g_loss, torch.sigmoid))

LOSSES.register(
    "lsgan",
    label="Least squares (LSGAN)",
    help="L_D = 1/2 E[(D(x)-1)^2] + 1/2 E[D(G(z))^2],  L_G = 1/2 E[(D(G(z))-1)^2] (Mao et al. 2017). "
    "Penalises samples by their distance to the decision boundary: smoother gradients, often "
    "more stable than BCE.",
)(GANLoss(lsgan_d_loss, lsgan_g_loss, lambda t: t))

LOSSES.register(
    "wgan-gp",
    label="Wasserstein + gradient penalty (WGAN-GP)",
    help="L_D = E[D(G(z))] - E[D(x)] + lambda E[(||grad D(x_hat)||_2 - 1)^2],  L_G = -E[D(G(z))] "
    "(Gulrajani et al. 2017). D is a critic estimating the Wasserstein distance; the penalty on "
    "random interpolates x_hat keeps it 1-Lipschitz. Robust to architecture choices; use several "
    "D steps per G step (5), Adam betas (0, 0.9), and no batch norm in D (applied automatically).",
)(GANLoss(wgan_d_loss, wgan_g_loss, lambda t: t, gradient_penalty=True, d_batchnorm=False))
