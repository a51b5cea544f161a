"""Plateau decay in a torchrun run (gan_core.distributed): the LRs change on rank 0 between steps (it alone
hears the monitored score), and every rank must step with them. Two forked gloo processes, as in
tests/test_distributed.py."""

from __future__ import annotations

import json

import pytest
import torch
import torch.distributed as dist
from forked_group import fork_workers

from gan_core.config import TrainConfig
from gan_core.data import load_dataset
from gan_core.distributed import FollowerEngine, LeaderEngine

pytestmark = pytest.mark.usefixtures("isolated")

CFG = dict(dataset="digits", arch="mlp", width=16, latent_dim=8, batch_size=8, device="cpu", score_every=0,
           schedule="plateau", monitor="g_loss", plateau_patience=0, plateau_factor=0.5, plateau_threshold=0.0)


def _worker(rank: int, out: str) -> int:
    dist.init_process_group("gloo")
    cfg = TrainConfig(**CFG)
    data = load_dataset(cfg, device="cpu")
    if rank == 0:
        engine = LeaderEngine(cfg, data, torch.device("cpu"))
        engine.train_step()
        engine.observe_score(1.0)
        assert engine.observe_score(2.0)  # no improvement, patience 0: the LRs halve on rank 0
        engine.train_step()
        engine._command(0)  # STOP
    else:
        engine = FollowerEngine(cfg, data, torch.device("cpu"), init_weights=False)
        engine.obey()
    with open(f"{out}.{rank}", "w") as f:
        json.dump({"lr_g": engine.opt_g.param_groups[0]["lr"], "lr_d": engine.opt_d.param_groups[0]["lr"],
                   "step": engine.step}, f)
    dist.destroy_process_group()
    return 0


def test_every_rank_steps_with_the_learning_rate_plateau_decay_set_on_rank_0(tmp_path):
    out = str(tmp_path / "lr")
    assert fork_workers(_worker, out) == [0, 0]
    leader, follower = (json.load(open(f"{out}.{r}")) for r in (0, 1))
    lr = TrainConfig(**CFG).lr_g
    assert leader["lr_g"] == pytest.approx(lr / 2) and leader["lr_d"] == pytest.approx(lr / 2)
    assert follower == leader  # the follower's optimisers have rank 0's LRs, at the same step
