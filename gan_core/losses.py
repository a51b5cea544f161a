"""GAN objectives as pure functions of D's raw outputs (logits / critic values).

Notation: r = D(x) on real data, f = D(G(z)) on generated data, sigma = logistic sigmoid.
Using softplus keeps the BCE forms exact and stable: -log sigma(t) = softplus(-t) and
-log(1 - sigma(t)) = softplus(t).

Each loss is a `GANLoss`: the two players' objectives (both minimised) and what the objective needs
from the rest of the training, declared once as attributes: whether D's output is a logit (shown as
the probability sigma(logit)) or a critic's score, whether it needs WGAN-GP's gradient penalty or
weight clipping, whether it has binary labels to smooth or flip. The engine, the option checks, the
monitor's alarms and the 2-D lab read these attributes; none of them looks at a loss's name, so a
new loss is one registration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from gan_core.registry import Registry

Tensor = torch.Tensor


@dataclass(frozen=True)
class GANLoss:
    d_loss: Callable[..., Tensor]  # (real scores, fake scores) -> scalar
    g_loss: Callable[[Tensor], Tensor]  # fake scores -> scalar
    logits: bool = False  # D's output is a logit, shown as P(real) = sigma(logit) in [0, 1]; False: a critic's score
    gradient_penalty: bool = False  # add lambda * GP (regularizers.gradient_penalty) to L_D
    d_batchnorm: bool = True  # False where batch norm in D breaks the objective (per-sample GP)
    weight_clipping: bool = False  # clamp D's weights to [-c, c] after every D step (WGAN)
    bce: bool = False  # a binary cross-entropy objective: d_loss takes real_label / fake_label (smoothing, flipping)

    def d_display(self, t: Tensor) -> Tensor:
        """What the charts and the 2-D lab show as D(x): sigma(logit) = P(real), or the critic's raw score."""
        return torch.sigmoid(t) if self.logits else t

    def discriminator(self, r: Tensor, f: Tensor, **labels: float | Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """D's objective on real scores r and fake scores f, and its named metrics: the loss, and D(x), D(G(z))
        as displayed (batch means). `labels`: real_label / fake_label of the BCE losses."""
        loss = self.d_loss(r, f, **labels)
        r, f = r.detach(), f.detach()
        return loss, {"d_loss": loss.detach(), "d_real": self.d_display(r).mean(), "d_fake": self.d_display(f).mean()}

    def generator(self, f: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """G's objective on the fake scores, and its named metric."""
        loss = self.g_loss(f)
        return loss, {"g_loss": loss.detach()}


LOSSES: Registry[GANLoss] = Registry("loss")


def _bce(t: Tensor, target: float | Tensor) -> Tensor:
    # -[y log sigma(t) + (1 - y) log(1 - sigma(t))] = y softplus(-t) + (1 - y) softplus(t), per element
    if isinstance(target, float):
        if target == 1.0:
            return F.softplus(-t)
        if target == 0.0:
            return F.softplus(t)
    return target * F.softplus(-t) + (1 - target) * F.softplus(t)


def ns_d_loss(r: Tensor, f: Tensor, real_label: float | Tensor = 1.0, fake_label: float | Tensor = 0.0) -> Tensor:
    # L_D = -E[log D(x)] - E[log(1 - D(G(z)))]: binary cross-entropy with targets 1 (real), 0 (fake).
    # One-sided label smoothing: real target t = real_label < 1,
    #   -E[t log D(x) + (1 - t) log(1 - D(x))] - E[log(1 - D(G(z)))].
    # Label noise (flipping): per-sample target tensors, some reals labelled 0 and some fakes 1.
    return _bce(r, real_label).mean() + _bce(f, fake_label).mean()


def ns_g_loss(f: Tensor) -> Tensor:
    # L_G = -E[log D(G(z))]  (non-saturating: strong gradient when D rejects the fakes)
    return F.softplus(-f).mean()


def minimax_g_loss(f: Tensor) -> Tensor:
    # L_G = E[log(1 - D(G(z)))] = -E[softplus(f)]: the original minimax objective. Its gradient
    # dL/df = -sigma(f) vanishes when D confidently rejects the fakes (sigma(f) -> 0): it saturates.
    return -F.softplus(f).mean()


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


def hinge_d_loss(r: Tensor, f: Tensor) -> Tensor:
    # L_D = E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]: only samples inside the margin count
    return F.relu(1 - r).mean() + F.relu(1 + f).mean()


def hinge_g_loss(f: Tensor) -> Tensor:
    # L_G = -E[D(G(z))]  (as WGAN)
    return -f.mean()


LOSSES.register(
    "ns",
    label="Non-saturating BCE",
    help="L_D = -E[log D(x)] - E[log(1 - D(G(z)))],  L_G = -E[log D(G(z))]. The standard GAN loss "
    "(Goodfellow et al. 2014) with the non-saturating G objective, which keeps G's gradient strong "
    "early on when D easily rejects its samples. A good default.",
)(GANLoss(ns_d_loss, ns_g_loss, logits=True, bce=True))

LOSSES.register(
    "minimax",
    label="Minimax BCE (saturating)",
    help="L_D = -E[log D(x)] - E[log(1 - D(G(z)))],  L_G = E[log(1 - D(G(z)))]: the original two-player "
    "game min_G max_D V(D, G) (Goodfellow et al. 2014). When D rejects G's samples confidently, "
    "d L_G / d logit = -D(G(z)) is near 0 and G stops learning: use it to see why the non-saturating "
    "form exists.",
)(GANLoss(ns_d_loss, minimax_g_loss, logits=True, bce=True))

LOSSES.register(
    "lsgan",
    label="Least squares (LSGAN)",
    help="L_D = 1/2 E[(D(x)-1)^2] + 1/2 E[D(G(z))^2],  L_G = 1/2 E[(D(G(z))-1)^2] (Mao et al. 2017). "
    "Penalises samples by their distance to the decision boundary: smoother gradients, often "
    "more stable than BCE.",
)(GANLoss(lsgan_d_loss, lsgan_g_loss))

LOSSES.register(
    "wgan",
    label="Wasserstein, weight clipping (WGAN)",
    help="L_D = E[D(G(z))] - E[D(x)],  L_G = -E[D(G(z))], every D weight clamped to [-c, c] after each D "
    "step (Arjovsky et al. 2017). D is a critic whose score difference estimates the Earth-Mover distance, "
    "which gives G gradients even when the distributions do not overlap. Use RMSprop (lr 5e-5), 5 D steps "
    "per G step and c = 0.01; slow, and clipping limits the critic (WGAN-GP fixes that).",
)(GANLoss(wgan_d_loss, wgan_g_loss, weight_clipping=True))

LOSSES.register(
    "wgan-gp",
    label="Wasserstein + gradient penalty (WGAN-GP)",
    help="L_D = E[D(G(z))] - E[D(x)] + lambda E[(||grad D(x_hat)||_2 - 1)^2],  L_G = -E[D(G(z))] "
    "(Gulrajani et al. 2017). D is a critic estimating the Wasserstein distance; the penalty on "
    "random interpolates x_hat keeps it 1-Lipschitz. Robust to architecture choices; use several "
    "D steps per G step (5), Adam betas (0, 0.9), and no batch norm in D (applied automatically).",
)(GANLoss(wgan_d_loss, wgan_g_loss, gradient_penalty=True, d_batchnorm=False))

LOSSES.register(
    "hinge",
    label="Hinge",
    help="L_D = E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))],  L_G = -E[D(G(z))] (Lim & Ye 2017; "
    "Miyato et al. 2018). D stops pushing samples that are already beyond the margin, which makes it "
    "less over-confident. The loss of SNGAN, SAGAN and BigGAN; use it with spectral norm in D.",
)(GANLoss(hinge_d_loss, hinge_g_loss))


def losses_where(**flags: bool) -> list[str]:
    """Names of the registered losses whose attributes have these values (for messages that say what to choose)."""
    return [n for n in LOSSES.names() if all(getattr(LOSSES.get(n), k) == v for k, v in flags.items())]
