"""Wrappers that add class conditioning or PacGAN packing to any architecture.

- ConditionalGenerator: G(z, y) = G0([z, e(y)]) (Mirza & Osindero 2014).
- ConcatDiscriminator: D(x, y) = D0([x, e'(y)]), the embedding repeated over the pixels of an image.
- ProjectionDiscriminator: D(x, y) = head(phi(x)) + e(y) . phi(x) (Miyato & Koyama 2018).
- PacDiscriminator: D(x_1..x_m) scores m samples at once (Lin et al. 2018, PacGAN): a generator
  that collapses onto few modes produces packs of near-identical samples, which D can spot.
"""

from __future__ import annotations

import torch
from torch import nn

from gan_core.regularizers import pack

EMBED_DIM = 16  # label embedding size (at most the number of classes)


class ConditionalGenerator(nn.Module):
    def __init__(self, net: nn.Module, *, num_classes: int, embed_dim: int):
        super().__init__()
        self.net = net
        self.num_classes = num_classes
        self.embed = nn.Embedding(num_classes, embed_dim)  # e(y) ~ N(0, 1) at init, like z

    @property
    def uses_noise(self) -> bool:  # StyleGAN-lite takes a `generator` for its per-layer noise
        return getattr(self.net, "uses_noise", False)

    @property
    def num_ws(self) -> int | None:  # style-based generators: number of style inputs
        return getattr(self.net, "num_ws", None)

    def default_labels(self, n: int, device: torch.device) -> torch.Tensor:
        """Labels for G(z) without y: the classes in turn (0, 1, ..., K-1, 0, ...)."""
        return torch.arange(n, device=device) % self.num_classes

    def _zy(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.cat([z, self.embed(y)], 1)  # (B, z) + (B, E) -> (B, z + E)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None, **kw) -> torch.Tensor:
        if y is None:
            y = self.default_labels(z.shape[0], z.device)
        if kw.get("mix_z") is not None:  # style mixing: the second latent gets the same label
            kw["mix_z"] = self._zy(kw["mix_z"], y)
        return self.net(self._zy(z, y), **kw)

    def mix(self, z_a: torch.Tensor, z_b: torch.Tensor, crossover: int, y: torch.Tensor | None = None,
            **kw) -> torch.Tensor:
        """Style mixing (style-based generators): coarse styles from z_a, from layer `crossover` on z_b's."""
        return self.forward(z_a, y, mix_z=z_b, cutoff=crossover, **kw)


class ConcatDiscriminator(nn.Module):
    def __init__(self, net: nn.Module, *, num_classes: int, embed_dim: int):
        super().__init__()
        self.net = net  # built for inputs with embed_dim more channels (images) or features (points)
        self.num_classes = num_classes
        self.embed = nn.Embedding(num_classes, embed_dim)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        e = self.embed(y)  # (B, E)
        if x.dim() == 4:
            e = e[:, :, None, None].expand(-1, -1, x.shape[2], x.shape[3])  # (B, E, H, W)
            return self.net(torch.cat([x, e], 1))  # (B, C + E, H, W) -> (B,)
        return self.net(torch.cat([x.flatten(1), e], 1))  # (B, F + E) -> (B,)


class ProjectionDiscriminator(nn.Module):
    def __init__(self, net: nn.Module, *, num_classes: int):
        super().__init__()
        self.net = net
        self.num_classes = num_classes
        self.embed = nn.Embedding(num_classes, net.feature_dim)
        nn.init.normal_(self.embed.weight, 0.0, 0.02)  # start close to the unconditional D

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.net.features(x)  # (B, F)
        return self.net.head(h) + (self.embed(y) * h).sum(1)  # psi(phi(x)) + e(y) . phi(x): (B,)


class PacDiscriminator(nn.Module):
    def __init__(self, net: nn.Module, pac: int):
        super().__init__()
        self.net = net  # built for inputs with `pac` times the channels (images) or features (points)
        self.pac = pac

    def pack(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) -> (B/m, m C, H, W); (B, F) -> (B/m, m F): consecutive samples form a pack."""
        if x.shape[0] % self.pac:
            raise ValueError(f"PacGAN with packs of {self.pac} needs a batch divisible by {self.pac}, got {x.shape[0]}")
        return pack(x, self.pac)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.pack(x))  # (B, ...) -> (B / m,)
