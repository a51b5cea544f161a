"""Several discriminators (`--num-d K`): GMAN, the generative multi-adversarial network (Durugkar,
Gemp & Mahadevan 2016, "Generative Multi-Adversarial Networks", ICLR 2017).

K discriminators D_1..D_K of the same architecture, each from its own random initialisation, see the
same real and generated batches. Each one plays the ordinary game against G with its own loss:

    D phase:  minimise  (1/K) sum_k L_D(D_k(x), D_k(G(z)))  [+ (1/K) sum_k lambda_pen P(D_k)]
              the K losses involve disjoint weights, so one optimiser over all of them (Adam works per
              weight) trains each D_k exactly as on its own; penalties (WGAN-GP, R1) are per critic.
    G phase:  minimise  F_lambda(L_1..L_K) = sum_k w_k L_k,  w = softmax(lambda L),  L_k = L_G(D_k(G(z)))
              lambda = 0: the mean of the K losses (GMAN's "mean"); lambda -> infinity: the largest one,
              the critic G currently fools least (GMAN's max, the original multi-adversarial game);
              lambda in between: GMAN's softened max ("soft-GMAN"), differentiated as written.

Why GMAN and not a multi-scale D: it fits every architecture and dataset of the project (2-D points
included, where "scales" mean nothing), every loss (each critic uses the loss's own functions), and the
engine's phases unchanged (one D phase, one G phase); the paper reports faster and more stable
convergence and fewer dropped modes, the remedy the tutorials and this project's mode-collapse alarm
name. Its cost is K forward/backward passes of D per update, so at equal wall time a K-critic run makes
fewer steps: bench/multi_d.py measures whether the trade pays (README, "Several discriminators").

`MultiDiscriminator(x)` is the critics' mean score (B,), what the 2-D lab draws as D's decision surface
and what anything expecting one D reads; the engine asks `each=True` for the (K, B) scores it trains on.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gan_core.losses import GANLoss


class MultiDiscriminator(nn.Module):
    """K discriminators side by side: `members[k]` is D_k (conditional, spectrally normalised, as built)."""

    def __init__(self, members: list[nn.Module]):
        super().__init__()
        if len(members) < 2:
            raise ValueError(f"a MultiDiscriminator holds 2 or more discriminators, got {len(members)}")
        self.members = nn.ModuleList(members)

    @property
    def num_critics(self) -> int:
        return len(self.members)

    def forward(self, x: Tensor, y: Tensor | None = None, each: bool = False) -> Tensor:
        """Scores of every critic, (K, B) with `each`, else their mean (B,)."""
        s = torch.stack([m(x) if y is None else m(x, y) for m in self.members])  # (K, B)
        return s if each else s.mean(0)


def _at(labels: dict[str, float | Tensor], k: int) -> dict[str, float | Tensor]:
    """Critic k's BCE targets: per-sample tensors drawn for all critics (label noise) are indexed."""
    return {n: (t[k] if torch.is_tensor(t) and t.dim() > 0 else t) for n, t in labels.items()}


def discriminator_loss(loss: GANLoss, r: Tensor, f: Tensor, **labels: float | Tensor
                       ) -> tuple[Tensor, dict[str, Tensor]]:
    """(1/K) sum_k L_D(r_k, f_k) over the critics' (K, B) scores; the metrics are the critics' means."""
    parts = [loss.discriminator(r[k], f[k], **_at(labels, k)) for k in range(r.shape[0])]
    total = torch.stack([p[0] for p in parts]).mean()
    return total, {name: torch.stack([p[1][name] for p in parts]).mean() for name in parts[0][1]}


def generator_loss(loss: GANLoss, f: Tensor, lam: float) -> tuple[Tensor, dict[str, Tensor]]:
    """F_lambda = sum_k softmax(lambda L)_k L_k over the critics' (K, B) scores of the fakes; lambda = 0 is
    the mean. The reported g_loss is F_lambda, G's whole objective."""
    parts = [loss.generator(f[k]) for k in range(f.shape[0])]
    losses = torch.stack([p[0] for p in parts])  # (K,)
    total = losses.mean() if lam == 0 else (torch.softmax(lam * losses, 0) * losses).sum()
    metrics = {name: torch.stack([p[1][name] for p in parts]).mean() for name in parts[0][1]}
    metrics["g_loss"] = total.detach()
    return total, metrics
