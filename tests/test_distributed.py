"""One run on several processes (gan_core.distributed), on the CPU with gloo: two processes with batch B each
train as one process with batch 2B (losses, penalties, batch norm, gradients), a 2-process run writes a run
directory like any other and resumes on another number of processes, and a process that dies ends the job with
the last checkpoint intact.

The workers are forked from the test process (torch and gan_core are already imported: no start-up cost); the
failure test launches the README's torchrun command itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
from forked_group import WORLD, fork_workers, free_port

from gan_core import cli
from gan_core.checkpoint import checkpoint_step, load_models
from gan_core.config import PRESETS, TrainConfig
from gan_core.data import load_dataset
from gan_core.distributed import FollowerEngine, LeaderEngine, sync_batch_norm_
from gan_core.engine import Engine
from gan_core.regularizers import gradient_penalty
from gan_core.run_view import from_disk
from gan_core.store import read_json, read_jsonl

pytestmark = pytest.mark.usefixtures("isolated")
REPO = Path(__file__).resolve().parents[1]
B = 8  # per process; the single process gets 2B


# ---------------------------------------------------------------------------- 2 x B == 1 x 2B
CASES = {
    # batch norm in G (BatchNorm1d), WGAN-GP's penalty on interpolates
    "mlp-wgan-gp": dict(dataset="digits", arch="mlp", loss="wgan-gp", width=16, latent_dim=8),
    # batch norm in G and D (BatchNorm2d), called on the real and the fake batch apart
    "dcgan-ns": dict(PRESETS["digits-dcgan"].fields, width=8, latent_dim=8),
    # R1 on real data
    "mlp-r1": dict(dataset="digits", arch="mlp", loss="ns", r1_weight=1.0, width=16, latent_dim=8),
}
STEPS = 2


class _SharedDraws:
    """The draws of a whole 2B batch from one stream per call, rank r taking rows [rB, (r+1)B): the single process
    and the two ranks then train on the same samples and noise. The penalty's interpolation draws are per half
    (its value is a mean over samples, and D has no batch norm under a penalty)."""

    def setup(self, rank: int, world: int) -> None:
        self.part, self.parts, self.k = rank, world, 0
        self.grads: list[torch.Tensor] = []
        hook = self.after_backward

        def record(params):  # the gradients each update steps with (after the all-reduce)
            if hook is not None:
                hook(params)
            self.grads.append(torch.cat([p.grad.flatten() for p in params if p.grad is not None]).clone())

        self.after_backward = record

    def _rows(self, full: torch.Tensor) -> torch.Tensor:
        n = full.shape[0] // self.parts
        return full[self.part * n:(self.part + 1) * n]

    def _draw(self, fn):
        self.k += 1
        return self._rows(fn(torch.Generator().manual_seed(1000 + self.k)))

    def _batch(self):
        return self.x[self._draw(lambda g: torch.randint(0, self.n, (2 * B,), generator=g))], None

    def _z(self, b: int) -> torch.Tensor:
        return self._draw(lambda g: torch.randn(2 * B, self.cfg.latent_dim, generator=g))

    def _gp(self, critic, real_in, fake_in):
        self.k += 1
        if self.parts == 1:  # the two halves, as the two ranks see them
            halves = [(real_in[:B], fake_in[:B], 0), (real_in[B:], fake_in[B:], 1)]
        else:
            halves = [(real_in, fake_in, self.part)]
        draws = [torch.Generator().manual_seed(5000 + 10 * self.k + h) for _r, _f, h in halves]
        return torch.stack([gradient_penalty(critic, r, f, generator=g) for (r, f, _h), g in zip(halves, draws)]).mean()


class SingleEngine(_SharedDraws, Engine):
    pass


class RankLeader(_SharedDraws, LeaderEngine):
    pass


class RankFollower(_SharedDraws, FollowerEngine):
    pass


def _config(case: str, batch: int) -> TrainConfig:
    return TrainConfig(**{**CASES[case], "batch_size": batch, "steps": 10, "opt_g": "sgd", "opt_d": "sgd",
                          "momentum": 0.0, "lr_g": 0.05, "lr_d": 0.05, "device": "cpu",
                          "precision": "fp32"})  # bf16 (auto for conv nets) rounds 2B and B-sized sums differently


def _train(engine, rank: int, world: int) -> dict:
    engine.setup(rank, world)
    for _ in range(STEPS):
        engine.train_step()
    window = engine.flush().values
    return {"window": window, "grads": engine.grads,
            "G": {k: v.clone() for k, v in engine.G.state_dict().items()},
            "D": {k: v.clone() for k, v in engine.D.state_dict().items()}}


def _equivalence_worker(rank: int, out: str) -> int:
    dist.init_process_group("gloo")
    results = {}
    for case in CASES:
        cfg = _config(case, B)
        data = load_dataset(cfg, device="cpu")
        if rank == 0:
            engine = RankLeader(cfg, data, torch.device("cpu"))
            results[case] = _train(engine, rank, WORLD)
            engine._command(0)  # STOP
        else:
            engine = RankFollower(cfg, data, torch.device("cpu"))
            engine.setup(rank, WORLD)
            engine.obey()
    if rank == 0:
        torch.save(results, out)
    dist.destroy_process_group()
    return 0


def test_two_processes_with_batch_b_train_as_one_with_batch_2b(tmp_path):
    singles = {}
    for case in CASES:  # first: the forked workers then start with everything imported
        cfg = _config(case, 2 * B)
        singles[case] = _train(SingleEngine(cfg, load_dataset(cfg, device="cpu"), torch.device("cpu")), 0, 1)
    out = tmp_path / "ranks.pt"
    assert fork_workers(_equivalence_worker, str(out)) == [0, 0]
    ranks = torch.load(out, weights_only=False)
    for case, one in singles.items():
        two = ranks[case]
        for k, v in one["window"].items():
            assert two["window"][k] == pytest.approx(v, rel=1e-4, abs=1e-6), (case, k)
        if "gp" in case or "r1" in case:
            assert one["window"]["penalty"] > 0, case
        assert len(one["grads"]) == len(two["grads"]) == 2 * STEPS
        for i, (g1, g2) in enumerate(zip(one["grads"], two["grads"])):
            torch.testing.assert_close(g2, g1, rtol=1e-4, atol=1e-6, msg=f"{case}: gradient of update {i}")
        for net in ("G", "D"):
            for k, v in one[net].items():  # weights and batch-norm running statistics
                torch.testing.assert_close(two[net][k].to(v.dtype), v, rtol=1e-4, atol=1e-6,
                                           msg=f"{case}: {net}.{k}")


def test_global_batch_norm_keeps_the_module_its_keys_and_its_eval_behaviour():
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    keys, params = list(net.state_dict()), list(net.parameters())
    assert sync_batch_norm_(net) == 1
    assert list(net.state_dict()) == keys and list(net.parameters()) == params
    net.eval()
    x = torch.randn(5, 3)
    ref = torch.nn.functional.batch_norm(net[0](x), net[1].running_mean, net[1].running_var, net[1].weight,
                                         net[1].bias, False, 0.0, net[1].eps)
    torch.testing.assert_close(net(x), ref)


# ---------------------------------------------------------------------------- run directories and resume
TRAIN = ["train", "--dataset", "digits", "--arch", "mlp", "--width", "16", "--latent-dim", "8", "--batch-size", "8",
         "--log-every", "5", "--score-every", "0", "--sample-every", "10", "--device", "cpu", "--ema-decay", "0.9"]


def _cli_worker(rank: int, argv: list[str]) -> int:
    return cli.main(argv)


def test_a_two_process_run_resumes_on_one_and_two_processes_and_loads_like_any_run(tmp_path):
    run_dir = tmp_path / "runs" / "ddp"
    assert cli.main([*TRAIN, "--steps", "10", "--out", str(run_dir)]) == 0  # one process
    assert fork_workers(_cli_worker, ["train", "--resume", str(run_dir), "--steps", "20"]) == [0, 0]  # 1 -> 2
    status = read_json(run_dir / "status.json")
    assert (status["state"], status["step"], status["processes"], status["backend"]) == ("finished", 20, 2, "gloo")
    assert checkpoint_step(run_dir / "checkpoints" / "last.safetensors") == 20
    assert cli.main(["train", "--resume", str(run_dir), "--steps", "25"]) == 0  # 2 -> 1
    rows = read_jsonl(run_dir / "metrics.jsonl")
    assert [r["step"] for r in rows] == [5, 10, 15, 20, 25]
    G, D, cfg, meta = load_models(run_dir / "checkpoints" / "last.safetensors")
    assert meta["step"] == 25 and cfg.batch_size == 8
    snap = from_disk(run_dir)  # what the Runs, Explore and Compare pages read
    assert snap.status["state"] == "finished" and snap.n_rows == 5 and snap.sample is not None
    assert (run_dir / "samples" / "step_0000020.png").is_file()


def test_rank_0_scores_alone_while_the_others_wait(tmp_path):
    """Scores (torchmetrics' FID on the classifier's features) are computed on rank 0 only: torchmetrics must not
    try to gather its state over the job's process group (it did: rank 0 waited in a barrier the others never
    reached, and the run hung at its first scoring)."""
    run_dir = tmp_path / "runs" / "scored"
    argv = [*TRAIN, "--steps", "20", "--score-every", "10", "--out", str(run_dir)]
    assert fork_workers(_cli_worker, argv, timeout=90) == [0, 0]
    scores = read_jsonl(run_dir / "scores.jsonl")
    assert [r["step"] for r in scores] == [10, 20] and all(r.get("fd_clf") is not None for r in scores), scores


def test_a_refused_command_ends_every_process(tmp_path, capsys):
    codes = fork_workers(_cli_worker, [*TRAIN, "--steps", "10", "--lr-g", "-1", "--out", str(tmp_path / "x")])
    assert codes == [2, 2]
    assert not (tmp_path / "x" / "status.json").exists()


# ---------------------------------------------------------------------------- a process dies
def _dying_worker(rank: int, argv: list[str], ckpt: str) -> int:
    if rank == 1:  # a follower that dies (SIGKILL: no clean-up) once a checkpoint is on disk
        import gan_core.distributed as d

        obey = d.FollowerEngine.train_step

        def train_step(self):
            if (checkpoint_step(ckpt) or 0) >= 10:
                os.kill(os.getpid(), signal.SIGKILL)
            obey(self)

        d.FollowerEngine.train_step = train_step
    return cli.main(argv)


def test_a_rank_that_dies_fails_the_run_and_keeps_its_last_checkpoint(tmp_path):
    run_dir = tmp_path / "runs" / "killed"
    ckpt = run_dir / "checkpoints" / "last.safetensors"
    argv = [*TRAIN, "--steps", "100000", "--checkpoint-every-s", "0.2", "--out", str(run_dir)]
    codes = fork_workers(_dying_worker, argv, str(ckpt), timeout=90)
    assert codes == [1, -signal.SIGKILL], codes
    status = read_json(run_dir / "status.json")
    assert status["state"] == "failed" and "Distributed training ended" in status["error"], status
    assert "--resume" in status["error"]
    step = checkpoint_step(ckpt)
    assert step is not None and step == status["last_checkpoint_step"] >= 10
    assert load_models(ckpt)[3]["step"] == step  # intact: loads like any checkpoint


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def _rank_of(pid: int) -> int | None:
    try:
        env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    return next((int(e[5:]) for e in env if e.startswith(b"RANK=")), None)


def _diverging_worker(rank: int, argv: list[str]) -> int:
    if rank == 0:  # rank 0's window at step 15 holds a NaN (after the all-reduce, as a real divergence would)
        import gan_core.distributed as d

        flush = d.LeaderEngine.flush

        def nan_flush(self):
            if self.step >= 15:
                self._command(d.FLUSH)
                self._reduce_window()
                self._sum.fill_(float("nan"))
                self.between_commands = True
                return Engine.flush(self)
            return flush(self)

        d.LeaderEngine.flush = nan_flush
    return cli.main(argv)


def test_a_divergence_on_rank_0_fails_the_run_and_releases_the_other_ranks(tmp_path):
    run_dir = tmp_path / "runs" / "nan"
    argv = [*TRAIN, "--steps", "100", "--checkpoint-every-s", "0.001", "--out", str(run_dir)]
    assert fork_workers(_diverging_worker, argv) == [1, 0]  # rank 1 was told to STOP and ended cleanly
    status = read_json(run_dir / "status.json")
    assert status["state"] == "failed" and "diverged" in status["error"].lower(), status
    assert status["last_checkpoint_step"] == 10 == checkpoint_step(run_dir / "checkpoints" / "last.safetensors")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds torchrun's workers through /proc (Linux)")
def test_killing_a_rank_ends_the_job_and_keeps_the_last_checkpoint(tmp_path, wait_for):
    run_dir = tmp_path / "runs" / "killed"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(free_port()),
           "-m", "gan_core", *TRAIN, "--steps", "100000", "--checkpoint-every-s", "0.5", "--out", str(run_dir)]
    job = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        ckpt = run_dir / "checkpoints" / "last.safetensors"
        wait_for(lambda: (checkpoint_step(ckpt) or 0) >= 10 or job.poll() is not None, timeout=90,
                 what="a checkpoint of the 2-process run")
        assert job.poll() is None, job.stdout.read().decode()[-3000:]
        rank1 = [p for p in _children(job.pid) if _rank_of(p) == 1]
        assert rank1, "rank 1 not found among torchrun's children"
        os.kill(rank1[0], signal.SIGKILL)
        job.wait(60)
    finally:
        if job.poll() is None:
            job.kill()
            job.wait()
    output = job.stdout.read().decode()
    assert job.returncode != 0, output[-3000:]
    status = read_json(run_dir / "status.json")
    assert status["state"] in ("interrupted", "failed"), status
    assert "Distributed training ended" in status["error"] and "--resume" in status["error"], status["error"]
    step = checkpoint_step(ckpt)
    assert step is not None and step == status["last_checkpoint_step"]
    G, D, cfg, meta = load_models(ckpt)  # intact: loads like any checkpoint
    assert meta["step"] == step
