"""One training run on several processes, launched by torchrun: gradients averaged per phase, rank 0 writes the run.

    torchrun --nproc_per_node N [--nnodes M --node_rank R --master_addr HOST --master_port PORT] \\
        -m gan_core train --batch-size B ...

trains ONE run on N x M processes with torch.distributed: gloo on CPUs, NCCL for CUDA tensors (plus gloo for the
few host-side messages). `--batch-size` is per process, so an iteration sees N x M x B real images; every rank
draws its own batch indices, noise, augmentation and penalty interpolation (rank 0 keeps the run's own random
stream, so a 1-process torchrun run is the single-process run; rank r > 0 draws from the seed of (seed, r, step)).

How the processes agree (the choice the issue asks to explain)
---------------------------------------------------------------
Gradients: one all-reduce of the flattened gradients of a phase's net after its backward pass, divided by the
world size, then the usual gradient norm / clipping and the optimiser step: StyleGAN3's training loop does
exactly this (training/training_loop.py: `flat = torch.cat([param.grad.flatten() ...]); all_reduce(flat);
flat /= num_gpus`), and it is wired in through one hook of the engine (`Engine.after_backward`). It was chosen
over DistributedDataParallel because this engine does what DDP handles badly:
  - the gradient penalties (WGAN-GP, R1) call `torch.autograd.grad(..., create_graph=True)` inside the loss, and
    DDP's documentation says it does not work with `torch.autograd.grad()` (its reducer only sees gradients
    accumulated into `.grad`);
  - two adversarial nets: G's step back-propagates through D into G's weights only (`backward(inputs=G params)`),
    so a DDP-wrapped D would wait for gradients that never come ("expected to have finished reduction"), and D
    is called twice (real, fake) before one backward;
  - the engine stays one piece of code with and without torch.distributed: no wrapper changes the modules that
    are sampled, scored and checkpointed.
What it costs: DDP overlaps its bucketed all-reduces with the backward pass; here the one all-reduce of a phase
follows it. For the nets of this project (up to a few million weights) that is a few MB per phase.

Every mean-reduced loss averages exactly: each rank's loss is the mean over its B samples, so the mean of the
ranks' gradients is the gradient of the loss of the whole N x B batch, penalties included (their per-sample
norms are local; tests/test_distributed.py checks losses and gradients against one process with the whole
batch). Not exactly equal: the minibatch-stddev channel of StyleGAN-lite's D (the std of each rank's batch, as
in StyleGAN itself, whose groups never span GPUs), PacGAN packs (formed within a rank's batch), and GMAN's
softmax weights of several discriminators' losses for G (each rank weighs its own batch's losses).

Batch norm: the batch statistics span all ranks (`GlobalBatchNorm1d/2d`, swapped in for nn.BatchNorm1d/2d with
the same parameters, buffers and state-dict keys). torch.nn.SyncBatchNorm is not used because it refuses CPU
tensors ("SyncBatchNorm expected input tensor to be on GPU"), so gloo could not test it; the two sums here go
through an all-reduce that autograd differentiates (its backward is the all-reduce of the gradients, as in
torch.distributed.nn.functional.all_reduce, deprecated in torch 2.14 for a functional collective without
autograd), so the same code is right on NCCL and on gloo.

Who does what: rank 0 ("leader") runs the one TrainingRun loop of the project (gan_core.run) with a LeaderEngine,
and alone keeps the EMA of G, logs, scores, renders sample grids and writes the run directory and checkpoints.
The other ranks ("followers") build the same engine and obey the leader's commands, sent by broadcast before
each collective step: STATE (rank 0's weights, optimiser, schedule and step, once, so a resumed run continues
on any world size), WARMUP (torch.compile's warm-up step), STEP (one iteration), FLUSH (all-reduce the window's
metric sums: the logged metrics are means over ranks), STOP. Pauses, time limits, Ctrl-C and divergence are
decided on rank 0 only, and the followers simply wait for the next command (they ignore SIGINT: Ctrl-C, which
torchrun passes on to every process, stops the run on rank 0 after its step, with its checkpoint, and then the
followers are told to STOP).

When a process dies, torchrun ends the others (SIGTERM); rank 0 then records the run as interrupted (or failed,
when a collective broke first) and the last checkpoint, written to a temporary file and renamed, stays intact:
`torchrun ... -m gan_core train --resume RUN_DIR` continues it, with any number of processes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors
from torch import nn

from gan_core.checks import config_from_dict
from gan_core.data import load_dataset
from gan_core.engine import Engine, Window, resolve_device
from gan_core.messages import Msg
from gan_core.run import TrainingRun

__all__ = ["FollowerEngine", "GlobalBatchNorm1d", "GlobalBatchNorm2d", "LeaderEngine", "LeaderRun", "Process",
           "announce", "average_gradients", "finish", "follow", "init", "launched", "rank_seed", "sync_batch_norm_"]

STOP, STATE, WARMUP, STEP, FLUSH = range(5)  # the leader's commands


def launched() -> bool:
    """True in a process started by torchrun (python -m torch.distributed.run), which sets RANK and WORLD_SIZE."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


@dataclass(frozen=True)
class Process:
    """This process's place in the job."""

    rank: int
    world_size: int
    local_rank: int
    backend: str

    @property
    def leader(self) -> bool:
        return self.rank == 0


def init(timeout_s: float = 1800.0) -> Process:
    """Join the job torchrun started (the env:// rendezvous: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE).
    With CUDA: this process's GPU is cuda:LOCAL_RANK, CUDA tensors travel by NCCL and host tensors by gloo;
    without: gloo for everything."""
    local = int(os.environ.get("LOCAL_RANK", 0))
    if torch.cuda.is_available():
        if local >= torch.cuda.device_count():
            raise RuntimeError(f"LOCAL_RANK {local} but only {torch.cuda.device_count()} CUDA GPUs are visible: "
                               "start at most that many processes per node (--nproc_per_node)")
        torch.cuda.set_device(local)  # "cuda" means this process's GPU from here on
        backend = "cpu:gloo,cuda:nccl"
    else:
        backend = "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend, timeout=timedelta(seconds=timeout_s))
    return Process(dist.get_rank(), dist.get_world_size(), local, backend)


def rank_seed(seed: int, rank: int, step: int) -> int:
    """The seed of rank r's random stream from `step` on (r > 0): well mixed, so no two ranks share draws."""
    return int(np.random.SeedSequence([seed, rank, step]).generate_state(1, np.uint64)[0] >> 1)


# ---------------------------------------------------------------------------- gradients and batch norm
def average_gradients(params: list[nn.Parameter]) -> None:
    """grad <- mean over the ranks of grad, for every parameter that has one: one all-reduce of them flattened
    (StyleGAN3's training loop). Each rank's loss is a mean over its batch, so this is the gradient of the
    mean over the whole distributed batch."""
    with_grad = [p for p in params if p.grad is not None]
    if not with_grad or dist.get_world_size() == 1:
        return
    flat = torch.cat([p.grad.flatten() for p in with_grad])
    dist.all_reduce(flat)
    flat /= dist.get_world_size()
    for p, g in zip(with_grad, flat.split([p.numel() for p in with_grad])):
        p.grad.copy_(g.view(p.grad.shape))


class _AllReduceSum(torch.autograd.Function):
    """y = sum over ranks of x, on every rank. Backward: dL/dx_r = sum over ranks of dL_r'/dy (each rank's loss
    depends on x_r through y), the all-reduce of the incoming gradients."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        y = x.clone(memory_format=torch.contiguous_format)
        dist.all_reduce(y)
        return y

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        return _AllReduceSum.apply(grad)


def differentiable_all_reduce(x: torch.Tensor) -> torch.Tensor:
    return _AllReduceSum.apply(x)


class _GlobalBatchStats:
    """Training-mode batch norm whose mean and variance are over the batches of all ranks:

        mu = sum_r sum_i x_ri / N,   var = sum_r sum_i x_ri^2 / N - mu^2,   y = gamma (x - mu) / sqrt(var + eps) + beta

    with N the total count per channel. The sums (and N) travel in ONE all-reduce that autograd differentiates
    (one more in the backward pass), so the gradient of each rank's loss reaches the other ranks' samples through
    mu and var, as it does in one big batch. (Two passes, mean then squared deviations, would round better when
    |mu| >> sigma but cost a second collective each way; measured on gloo, each collective costs milliseconds on
    a busy CPU. Sums are taken in fp32 whatever the autocast dtype.) The running statistics follow nn.BatchNorm
    (the unbiased variance, momentum or a cumulative mean). Eval mode and a single process are plain nn.BatchNorm."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (self.training and dist.is_initialized() and dist.get_world_size() > 1):
            return super().forward(x)
        self._check_input_dim(x)
        dims = [0, *range(2, x.dim())]  # all but the channels
        shape = (1, -1) + (1,) * (x.dim() - 2)
        c = x.shape[1]
        xf = x.float()
        total = differentiable_all_reduce(torch.cat([xf.sum(dims), (xf * xf).sum(dims),
                                                     xf.new_full((1,), xf.numel() // c)]))
        count = total[-1]
        mean = total[:c] / count  # (C,)
        var = (total[c:2 * c] / count - mean * mean).clamp_min(0.0)  # biased, as batch norm normalises
        y = (xf - mean.view(shape)) * torch.rsqrt(var + self.eps).view(shape)
        if self.affine:
            y = y * self.weight.view(shape) + self.bias.view(shape)
        if self.track_running_stats:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                f = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
                self.running_mean.lerp_(mean.detach(), f)
                self.running_var.lerp_(var.detach() * count / (count - 1), f)
        return y.to(x.dtype)


class GlobalBatchNorm1d(_GlobalBatchStats, nn.BatchNorm1d):
    """nn.BatchNorm1d with statistics over all ranks."""


class GlobalBatchNorm2d(_GlobalBatchStats, nn.BatchNorm2d):
    """nn.BatchNorm2d with statistics over all ranks."""


_GLOBAL = {nn.BatchNorm1d: GlobalBatchNorm1d, nn.BatchNorm2d: GlobalBatchNorm2d}


def sync_batch_norm_(module: nn.Module) -> int:
    """Make every nn.BatchNorm1d/2d in `module` a GlobalBatchNorm, in place: the same object, parameters,
    buffers and state-dict keys (so optimisers, checkpoints and the EMA copy are untouched). -> how many."""
    n = 0
    for m in module.modules():
        cls = _GLOBAL.get(type(m))
        if cls is not None:
            m.__class__ = cls
            n += 1
    return n


# ---------------------------------------------------------------------------- the engines of the ranks
def _broadcast_bytes(payload: bytes | None) -> bytes:
    """Rank 0's bytes on every rank (host tensors: gloo)."""
    n = torch.tensor([len(payload) if payload is not None else 0], dtype=torch.int64)
    dist.broadcast(n, 0)
    size = int(n)
    if size == 0:
        return b""
    buf = (torch.frombuffer(bytearray(payload), dtype=torch.uint8) if payload is not None
           else torch.empty(size, dtype=torch.uint8))
    dist.broadcast(buf, 0)
    return buf.numpy().tobytes()


class _RankEngine(Engine):
    """The engine of one rank: batch norm over all ranks, gradients averaged per phase, its own random stream."""

    def __init__(self, cfg, data, device, **kw: Any):
        super().__init__(cfg, data, device, **kw)
        self.rank, self.world_size = dist.get_rank(), dist.get_world_size()
        self.batch_norms = sync_batch_norm_(self.G) + sync_batch_norm_(self.D)
        self.after_backward = average_gradients
        self._reseed()

    def _reseed(self) -> None:
        if self.rank > 0:
            self.gen.manual_seed(rank_seed(self.cfg.seed, self.rank, self.step))

    def _reduce_window(self) -> None:
        """The window's metric sums -> their mean over the ranks (the leader then divides by the step count)."""
        dist.all_reduce(self._sum)
        self._sum /= self.world_size

    def _tensors(self) -> list[torch.Tensor]:
        return [*self.G.state_dict().values(), *self.D.state_dict().values()]  # views of the weights and buffers


class LeaderEngine(_RankEngine):
    """Rank 0's engine: before each collective step it tells the followers which one comes (see the module doc)."""

    def __init__(self, cfg, data, device, **kw: Any):
        super().__init__(cfg, data, device, **kw)
        self.state_sent = False
        self.between_commands = True  # False while a command is under way: the followers are inside it
        self._warming_up = False

    def _command(self, cmd: int) -> None:
        if not self.state_sent:
            self.state_sent = True
            self._command(STATE)
            self._send_state()
        self.between_commands = False
        dist.broadcast(torch.tensor([cmd], dtype=torch.int64), 0)

    def _send_state(self) -> None:
        for t in self._tensors():
            dist.broadcast(t.contiguous() if not t.is_contiguous() else t, 0)  # followers copy them in
        tensors, doc = self.training_state()
        _broadcast_bytes(save_tensors(tensors))
        _broadcast_bytes(json.dumps(doc).encode())
        self.between_commands = True

    def train_step(self) -> None:
        if not self._warming_up:
            self._command(STEP)
        super().train_step()
        if not self._warming_up:
            self.between_commands = True

    def warm_up_compile(self) -> None:
        self._command(WARMUP)
        self._warming_up = True
        try:
            super().warm_up_compile()
        finally:
            self._warming_up = False
        self.between_commands = True

    def observe_score(self, value: float) -> bool:
        """Plateau decay changes the LRs between steps, on rank 0 alone: the followers get them (with the rest of
        the state) before the next command, so every rank steps with the same LR."""
        changed = super().observe_score(value)
        if changed:
            self.state_sent = False
        return changed

    def flush(self) -> Window:
        self._command(FLUSH)
        self._reduce_window()
        self.between_commands = True
        return super().flush()


class FollowerEngine(_RankEngine):
    """A rank > 0: no EMA (rank 0 keeps it), no files; trains when the leader says so."""

    def __init__(self, cfg, data, device, **kw: Any):
        super().__init__(cfg, data, device, **kw)
        if self.ema is not None:
            self.phase("G").after = None

    def receive_state(self) -> None:
        for t in self._tensors():
            buf = t.contiguous() if not t.is_contiguous() else t
            dist.broadcast(buf, 0)
            if buf is not t:
                t.copy_(buf)
        tensors = load_tensors(_broadcast_bytes(None))
        doc = json.loads(_broadcast_bytes(None).decode())
        self.load_training_state(tensors, doc)
        self._reseed()

    def obey(self) -> None:
        """Run the leader's commands until STOP."""
        while True:
            cmd = torch.zeros(1, dtype=torch.int64)
            dist.broadcast(cmd, 0)
            c = int(cmd)
            if c == STOP:
                return
            if c == STATE:
                self.receive_state()
            elif c == WARMUP:
                Engine.warm_up_compile(self)
            elif c == STEP:
                self.train_step()
            elif c == FLUSH:
                self._reduce_window()
                self._sum.zero_()
                self._count = 0
            else:
                raise RuntimeError(f"unknown command {c} from rank 0")


class LeaderRun(TrainingRun):
    """The TrainingRun of rank 0: a LeaderEngine, and the job's size in status.json."""

    def __init__(self, *args: Any, **kwargs: Any):
        self.processes, self.backend = dist.get_world_size(), str(dist.get_backend())
        self.leader_engine: LeaderEngine | None = None
        super().__init__(*args, **kwargs)

    def _make_engine(self, data, device) -> LeaderEngine:
        self.leader_engine = LeaderEngine(self.cfg, data, device, init_weights=not self._resume)
        return self.leader_engine

    def status(self) -> dict[str, Any]:
        """+ the job's size, and rank 0's process and host: an app started beside the job (on the same runs
        directory) leaves a run alone while that process lives (RunManager.recover)."""
        return {**super().status(), "processes": self.processes, "backend": self.backend, "pid": os.getpid(),
                "host": socket.gethostname()}


# ---------------------------------------------------------------------------- the command line's two sides
_signals = {"terminated": False, "finishing": False}


def _on_sigterm(signum, frame) -> None:
    """torchrun ends the other processes with SIGTERM when one dies: end rank 0's run as interrupted (its
    status written, its last checkpoint kept) instead of vanishing with status.json saying 'running'."""
    first = not _signals["terminated"]
    _signals["terminated"] = True
    if first and not _signals["finishing"]:
        raise KeyboardInterrupt


def announce(proc: Process, run: TrainingRun | None, error: str | None = None) -> None:
    """Rank 0 -> the followers: the run's config (or that there is no run: `error`). Other nodes may not see
    rank 0's disk, so the config travels by message rather than as a path."""
    doc = {"error": error} if run is None else {"cfg": run.cfg.to_dict(), "dir": str(run.dir)}
    _broadcast_bytes(json.dumps(doc).encode())
    if run is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)


def finish(proc: Process, run: LeaderRun) -> int:
    """Rank 0, after its run ended however it did: release the followers, say what happened, leave the job.
    -> the exit status (0 when the run finished or was stopped)."""
    _signals["finishing"] = True
    engine = run.leader_engine
    idle = engine is None or engine.between_commands  # the followers wait for a command: they can be told to stop
    terminated = _signals["terminated"]
    if terminated or (run.state == "failed" and not idle):
        ck = run.last_checkpoint_step
        why = (Msg("torchrun stopped this process (another process of the job ended)") if terminated
               else Msg("a collective operation failed, another process of the job probably ended ({error})",
                        error=run.error))
        run.state = "interrupted" if terminated else "failed"
        then = (Msg("Resume continues from its checkpoint at step {step} (--resume {dir}), on any number of "
                    "processes.", step=ck, dir=str(run.dir)) if ck is not None
                else Msg("No checkpoint had been written yet."))
        run.error = Msg("Distributed training ended at step {step}: {why}. {then}", step=run.step, why=why, then=then)
        run._write_status()
        print(f"error: {run.error}", file=sys.stderr)
    elif idle:
        dist.broadcast(torch.tensor([STOP], dtype=torch.int64), 0)
        dist.destroy_process_group()
    run.leader_engine = None
    return 0 if run.state in ("finished", "stopped") else 1


def follow(proc: Process) -> int:
    """Rank > 0: receive the run's config, build the same engine on the same data, obey rank 0 until STOP.
    -> the exit status."""
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C: torchrun passes SIGINT to every process; rank 0 then stops after its step (checkpoint, sample grid)
        # and tells the followers to STOP, so they must not die of it first
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    doc = json.loads(_broadcast_bytes(None).decode())
    if "error" in doc:
        return 2  # rank 0 refused the command and said why
    cfg = config_from_dict(doc["cfg"])
    try:
        device = resolve_device(cfg.device)
        data = load_dataset(cfg, device=device)
        engine = FollowerEngine(cfg, data, device, init_weights=False)  # rank 0's weights come by STATE
        engine.obey()
    except (RuntimeError, ValueError, OSError) as e:
        print(f"rank {proc.rank}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}; "
              "ending this process (rank 0 keeps the last checkpoint)", file=sys.stderr)
        return 1
    dist.destroy_process_group()
    return 0
