"""One training iteration of the adversarial game, as plain code: no threads, files or printing.

An iteration is `d_steps` discriminator updates followed by one generator update:

    D: minimise L_D(D(x), D(G(z)))  [+ lambda * GP]      x ~ data, z ~ N(0, I), G frozen
    G: minimise L_G(D(G(z)))                              D frozen

Metrics stay on the device: each iteration adds its row to a running sum, and `flush()` moves
the window's mean to the host in one transfer (no `.item()` inside a step, so a GPU never
waits for the host).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from gan_core.config import TrainConfig
from gan_core.data import Dataset
from gan_core.losses import LOSSES
from gan_core.models import build_models
from gan_core.optim import adam, build_schedule
from gan_core.regularizers import gradient_penalty

# Order of the per-step metric vector (the columns of the run log, besides step/time/lr).
METRICS = ("d_loss", "g_loss", "d_real", "d_fake", "grad_norm_d", "grad_norm_g")


def resolve_device(choice: str) -> torch.device:
    """'auto' -> cuda when available, else cpu. Asking for cuda without one is an error."""
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' was chosen but no CUDA GPU is available here; choose 'auto' or 'cpu'")
    return torch.device(choice)


class Divergence(RuntimeError):
    """A loss or gradient became NaN/Inf."""


@dataclass
class Window:
    """Means of the metrics over the steps since the last flush, on the host."""

    step: int
    values: dict[str, float]


def _total_grad_norm(params: list[torch.nn.Parameter]) -> torch.Tensor:
    grads = [p.grad for p in params if p.grad is not None]
    return torch.nn.utils.get_total_norm(grads) if grads else torch.zeros(())


class Engine:
    def __init__(self, cfg: TrainConfig, data: Dataset, device: torch.device):
        self.cfg = cfg
        self.device = device
        self.loss = LOSSES.get(cfg.loss)
        torch.manual_seed(cfg.seed)  # weight init
        self.G, self.D = build_models(cfg.arch, shape=data.shape, latent_dim=cfg.latent_dim, width=cfg.width,
                                      d_batchnorm=self.loss.d_batchnorm)
        self.G.to(device)
        self.D.to(device)
        self.g_params = list(self.G.parameters())
        self.d_params = list(self.D.parameters())
        self.opt_g = adam(self.g_params, cfg.lr_g, cfg)
        self.opt_d = adam(self.d_params, cfg.lr_d, cfg)
        self.sched_g = build_schedule(self.opt_g, cfg)
        self.sched_d = build_schedule(self.opt_d, cfg)
        self.x = data.x.to(device)  # the whole dataset, one tensor on the device
        self.n = self.x.shape[0]
        self.gen = torch.Generator(device=device).manual_seed(cfg.seed)
        # One fixed noise batch for every progress grid (drawn on the CPU so it is the same
        # on any device for a given seed).
        self.fixed_z = torch.randn(cfg.n_fixed, cfg.latent_dim, generator=torch.Generator().manual_seed(cfg.seed)).to(device)
        self.step = 0
        self._sum = torch.zeros(len(METRICS), device=device)
        self._count = 0

    # ------------------------------------------------------------------ one iteration
    def _z(self, b: int) -> torch.Tensor:
        return torch.randn(b, self.cfg.latent_dim, device=self.device, generator=self.gen)

    def _batch(self) -> torch.Tensor:
        idx = torch.randint(0, self.n, (self.cfg.batch_size,), device=self.device, generator=self.gen)
        return self.x[idx]  # random index gather, no DataLoader

    def d_step(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        real = self._batch()
        with torch.no_grad():
            fake = self.G(self._z(real.shape[0]))
        r, f = self.D(real), self.D(fake)
        loss = self.loss.d_loss(r, f)
        if self.loss.gradient_penalty:
            loss = loss + self.cfg.gp_weight * gradient_penalty(self.D, real, fake, generator=self.gen)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        norm = _total_grad_norm(self.d_params)
        self.opt_d.step()
        return loss.detach(), r.detach(), f.detach(), norm

    def g_step(self) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.D(self.G(self._z(self.cfg.batch_size)))
        loss = self.loss.g_loss(f)
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward(inputs=self.g_params)  # only G's gradients: D's are not needed here
        norm = _total_grad_norm(self.g_params)
        self.opt_g.step()
        return loss.detach(), norm

    def train_step(self) -> None:
        for _ in range(self.cfg.d_steps):
            d_loss, r, f, d_norm = self.d_step()
        g_loss, g_norm = self.g_step()
        self.sched_g.step()
        self.sched_d.step()
        show = self.loss.d_display
        row = torch.stack([d_loss, g_loss, show(r).mean(), show(f).mean(), d_norm, g_norm])
        self._sum += row
        self._count += 1
        self.step += 1

    # ------------------------------------------------------------------ host side
    def flush(self) -> Window:
        """Mean of the metrics since the last flush, in one device->host transfer.

        Raises Divergence when any of them is NaN/Inf (the caller keeps its last good checkpoint).
        """
        means = (self._sum / max(self._count, 1)).tolist()  # the one synchronisation point
        self._sum.zero_()
        self._count = 0
        values = dict(zip(METRICS, means))
        values["lr_g"] = self.sched_g.get_last_lr()[0]
        values["lr_d"] = self.sched_d.get_last_lr()[0]
        bad = [k for k, v in values.items() if v != v or v in (float("inf"), float("-inf"))]
        if bad:
            raise Divergence(f"non-finite {', '.join(bad)} at step {self.step}")
        return Window(self.step, values)

    @torch.no_grad()
    def sample_fixed(self) -> torch.Tensor:
        """G(fixed z) in eval mode (batch norm uses its running statistics), on the CPU."""
        self.G.eval()
        try:
            return self.G(self.fixed_z).float().cpu()
        finally:
            self.G.train()

    # ------------------------------------------------------------------ resume support
    def training_state(self) -> tuple[dict[str, torch.Tensor], dict]:
        """Everything beyond G and D that a resumed run needs: optimiser moments, schedule
        positions, the sampling RNG and the step. Returns (tensors for safetensors, JSON part)."""
        tensors: dict[str, torch.Tensor] = {}
        groups = {}
        for name, opt in (("opt_g", self.opt_g), ("opt_d", self.opt_d)):
            sd = opt.state_dict()
            groups[name] = sd["param_groups"]
            for pid, st in sd["state"].items():
                for k, v in st.items():
                    t = v if torch.is_tensor(v) else torch.tensor(v)
                    tensors[f"{name}.{pid}.{k}"] = t.detach().cpu().contiguous()
        tensors["rng.gen"] = self.gen.get_state()
        doc = {"step": self.step, "param_groups": groups,
               "sched_g": self.sched_g.state_dict(), "sched_d": self.sched_d.state_dict()}
        return tensors, doc

    def load_training_state(self, tensors: dict[str, torch.Tensor], doc: dict) -> None:
        for name, opt in (("opt_g", self.opt_g), ("opt_d", self.opt_d)):
            state: dict[int, dict[str, torch.Tensor]] = {}
            for key, t in tensors.items():
                if key.startswith(name + "."):
                    _, pid, k = key.split(".", 2)
                    state.setdefault(int(pid), {})[k] = t
            opt.load_state_dict({"state": state, "param_groups": doc["param_groups"][name]})
        self.sched_g.load_state_dict(doc["sched_g"])
        self.sched_d.load_state_dict(doc["sched_d"])
        self.gen.set_state(tensors["rng.gen"])
        self.step = int(doc["step"])

    def weights_finite(self) -> bool:
        """True when every weight of G and D is finite (one host sync; called before a checkpoint)."""
        flags = [torch.isfinite(p).all() for p in (*self.g_params, *self.d_params)]
        return bool(torch.stack(flags).all())
