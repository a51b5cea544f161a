"""Training throughput of gan_core against two reference loops, on Fashion-MNIST.

    python bench/throughput.py [--quick] [--device auto|cpu|cuda] [--rounds 7] [--threads N]

Three contenders train the same MLP GAN (G: 100 -> 256 -> 512 -> 1024 -> 784 with batch norm and
Tanh; D: 784 -> 1024 -> 512 -> 1; the widths of gan_core.models.mlp with width=256), batch 64,
Adam lr 2e-4 betas (0.5, 0.999):

  classic  the loop of the tutorials (PyTorch-GAN `gan.py`): a torchvision FashionMNIST dataset
           (per-sample PIL image -> ToTensor -> Normalize((0.5,), (0.5,))) behind a DataLoader with
           shuffle=True, num_workers=0; Sigmoid D with nn.BCELoss; label tensors built with
           torch.ones/zeros every step; G updated first, then D on (real, fake.detach()) with the
           same fake batch; `.item()` on both losses every step.
  bare     the core's algorithm and nothing else: models from gan_core.models.build_models, the
           dataset tensor on the device with random index gathers, one D step (fresh z, G under
           no_grad, softplus form of the non-saturating loss) then one G step (fresh z,
           backward(inputs=G's params), as the engine does). No metrics, norms, schedulers or I/O.
  core     gan_core.run.TrainingRun(TrainConfig(dataset='fashion-mnist', arch='mlp', loss='ns',
           width=256, latent_dim=100, batch_size=64), <temp dir>).run(): the whole production loop,
           with default log_every=10, sample_every=100 (PNG grid written to disk) and status /
           metrics.jsonl writes every second, checkpoint_every_s=30 (default).

Work per step differs a little by design: classic runs G forward once per step (it reuses the fake
batch for D and G) but also computes D's weight gradients in G's backward; bare and core run G
forward twice (fresh z for the D and the G step) and skip D's gradients in G's backward.

What is timed (wall clock, time.perf_counter, after a device sync on GPU): for every contender and
round a fresh, seeded setup (models, optimisers, data loader / run directory; not timed), then
`warmup` steps (not timed), then `measure` steps (timed). For the core the timestamps are taken in
TrainingRun's on_progress callback, which it calls after each metric flush (every log_every
steps, a device sync), so the timed window holds exactly measure/log_every flushes and
measure/sample_every sample grids, plus whatever status/metrics writes fall due in it. Startup
(dataset load, model build, the step-0 sample) and the end of the run (one more logged window,
then the final scoring, last sample and checkpoint) are outside the window. A run of a few
seconds reaches neither the 30 s periodic checkpoint nor the periodic scoring (every 250 steps);
both are timed separately and printed as amortised figures.

Noise control: one short untimed pass of each contender first, then the contenders are interleaved
in rounds (order rotated each round) and the median steps/s over rounds is reported per contender;
the ratios are the ratios of those medians (the median of the per-round ratios and the ratio of the
best rounds are printed too). Same torch thread count for all, fixed seeds. Another process using
the CPU slows 2-thread torch by up to 10x here, so the load average is printed and a warning is
given when a contender's rate varies by more than 1.5x between rounds: rerun then.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere: `python bench/throughput.py`

import torch
import torch.nn.functional as F
from torch import nn

from gan_core.config import DEVICES, TrainConfig
from gan_core.data import load_dataset
from gan_core.engine import resolve_device
from gan_core.models import build_models
from gan_core.run import TrainingRun

LATENT, WIDTH, BATCH, LR, BETAS, SEED = 100, 256, 64, 2e-4, (0.5, 0.999), 0
SHAPE = (1, 28, 28)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# ---------------------------------------------------------------------------------- (a) classic
def classic_dataset(x: torch.Tensor, y: torch.Tensor):
    """torchvision's own FashionMNIST.__getitem__ (uint8 -> PIL 'L' -> transform) over the images
    already in memory (torchvision would read the same uint8 tensor from its processed files)."""
    from torchvision import transforms
    from torchvision.datasets import FashionMNIST
    from torchvision.datasets.vision import VisionDataset

    class PreloadedFashionMNIST(FashionMNIST):
        def __init__(self, data: torch.Tensor, targets: torch.Tensor, transform) -> None:
            VisionDataset.__init__(self, root=None, transform=transform)
            self.train = True
            self.data, self.targets = data, targets

    u8 = ((x[:, 0] + 1.0) * 127.5).round_().to(torch.uint8)  # exact inverse of the loader's u / 127.5 - 1
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    return PreloadedFashionMNIST(u8, y, tf)


class ClassicGenerator(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        w = WIDTH

        def block(a: int, b: int, normalize: bool = True) -> list[nn.Module]:
            layers: list[nn.Module] = [nn.Linear(a, b)]
            if normalize:
                layers.append(nn.BatchNorm1d(b))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = nn.Sequential(*block(LATENT, w, normalize=False), *block(w, 2 * w), *block(2 * w, 4 * w),
                                   nn.Linear(4 * w, 28 * 28), nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.model(z).view(z.size(0), *SHAPE)


class ClassicDiscriminator(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        w = WIDTH
        self.model = nn.Sequential(nn.Linear(28 * 28, 4 * w), nn.LeakyReLU(0.2, inplace=True),
                                   nn.Linear(4 * w, 2 * w), nn.LeakyReLU(0.2, inplace=True),
                                   nn.Linear(2 * w, 1), nn.Sigmoid())

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        return self.model(img.view(img.size(0), -1))


def classic_steps(dataset, device: torch.device, G: nn.Module, D: nn.Module):
    """The tutorials' loop as an endless generator, one item (d_loss, g_loss) per step. The
    optimisers and the DataLoader are built here, before the first step is asked for."""
    opt_g = torch.optim.Adam(G.parameters(), lr=LR, betas=BETAS)
    opt_d = torch.optim.Adam(D.parameters(), lr=LR, betas=BETAS)
    bce = nn.BCELoss()
    loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=0,
                                         generator=torch.Generator().manual_seed(SEED))

    def steps():
        while True:  # epochs, as `for epoch in range(n_epochs): for imgs, _ in dataloader:`
            for imgs, _ in loader:
                valid = torch.ones(imgs.size(0), 1, device=device)
                fake = torch.zeros(imgs.size(0), 1, device=device)
                real_imgs = imgs.to(device)
                # generator
                opt_g.zero_grad()
                z = torch.randn(imgs.size(0), LATENT, device=device)
                gen_imgs = G(z)
                g_loss = bce(D(gen_imgs), valid)
                g_loss.backward()
                opt_g.step()
                # discriminator
                opt_d.zero_grad()
                real_loss = bce(D(real_imgs), valid)
                fake_loss = bce(D(gen_imgs.detach()), fake)
                d_loss = (real_loss + fake_loss) / 2
                d_loss.backward()
                opt_d.step()
                yield d_loss.item(), g_loss.item()  # the tutorials print these every batch

    return steps()


def run_classic(ctx: dict, warmup: int, measure: int) -> tuple[int, float]:
    device = ctx["device"]
    torch.manual_seed(SEED)
    G, D = ClassicGenerator().to(device), ClassicDiscriminator().to(device)
    it = classic_steps(ctx["classic_ds"], device, G, D)
    t0 = 0.0
    for step in range(warmup + measure):
        if step == warmup:
            sync(device)
            t0 = time.perf_counter()
        ctx["last"] = next(it)
    sync(device)
    return measure, time.perf_counter() - t0


# ---------------------------------------------------------------------------------- (b) bare
def run_bare(ctx: dict, warmup: int, measure: int) -> tuple[int, float]:
    device = ctx["device"]
    torch.manual_seed(SEED)
    G, D = build_models("mlp", shape=SHAPE, latent_dim=LATENT, width=WIDTH)
    G.to(device)
    D.to(device)
    g_params = list(G.parameters())
    opt_g = torch.optim.Adam(g_params, lr=LR, betas=BETAS)
    opt_d = torch.optim.Adam(D.parameters(), lr=LR, betas=BETAS)
    x = ctx["x_dev"]
    n = x.shape[0]
    gen = torch.Generator(device=device).manual_seed(SEED)
    t0 = 0.0
    for step in range(warmup + measure):
        if step == warmup:
            sync(device)
            t0 = time.perf_counter()
        real = x[torch.randint(0, n, (BATCH,), device=device, generator=gen)]
        with torch.no_grad():
            fake = G(torch.randn(BATCH, LATENT, device=device, generator=gen))
        d_loss = F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        g_loss = F.softplus(-D(G(torch.randn(BATCH, LATENT, device=device, generator=gen)))).mean()
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward(inputs=g_params)
        opt_g.step()
    sync(device)
    return measure, time.perf_counter() - t0


# ---------------------------------------------------------------------------------- (c) core
def core_config(ctx: dict, steps: int) -> TrainConfig:
    return TrainConfig(dataset="fashion-mnist", arch="mlp", loss="ns", width=WIDTH, latent_dim=LATENT,
                       batch_size=BATCH, steps=steps, seed=SEED, device=ctx["device_choice"])


def run_core(ctx: dict, warmup: int, measure: int) -> tuple[int, float]:
    # One window more than is timed: a run scores its generator once more when it reaches its last
    # step (and writes its last sample and checkpoint); that end-of-run work is not per-step
    # throughput and must fall outside the timed window (before 1 Dec 2026 the final scoring fell
    # inside it and cost the core ~12% of a 100-step window). Periodic scoring is reported below.
    cfg = core_config(ctx, warmup + measure + TrainConfig().log_every)
    if warmup % cfg.log_every or measure % cfg.log_every:
        raise SystemExit(f"warmup and measure must be multiples of log_every={cfg.log_every}")
    marks: dict[int, float] = {}

    def on_progress(r: TrainingRun) -> None:  # called after each flush (a device sync) inside the loop
        if r.state == "running":
            marks.setdefault(r.step, time.perf_counter())

    ctx["round"] = ctx.get("round", 0) + 1
    run = TrainingRun(cfg, Path(ctx["tmp"]) / f"core-{ctx['round']}")
    run.run(on_progress=on_progress)
    if run.state != "finished":
        raise SystemExit(f"core run ended {run.state}: {run.error}")
    end = warmup + measure
    # the core's own clock (train_seconds, logged as 'time') over the same window, for comparison
    log = run.log.since(0)
    own = dict(zip(log["step"], log["time"]))
    ctx.setdefault("core_own", []).append(measure / (own[end] - own[warmup]))
    return measure, marks[end] - marks[warmup]


def scoring_cost(ctx: dict, repeats: int = 3) -> tuple[float, int]:
    """Seconds for one scoring pass of the live scores (every score_every steps), and score_every."""
    from gan_core.engine import Engine
    from gan_core.metrics.monitor import Monitor

    cfg = core_config(ctx, 10)
    engine = Engine(cfg, ctx["data"], ctx["device"])
    run_dir = Path(ctx["tmp"]) / "score-cost"
    run_dir.mkdir(exist_ok=True)
    monitor = Monitor(cfg, ctx["data"], engine, run_dir, [], {})
    seconds = median_seconds(lambda: (monitor._score(engine), sync(ctx["device"])), repeats)
    monitor.close()
    return seconds, cfg.score_every


def median_seconds(fn, repeats: int) -> float:
    """Median wall time of `repeats` calls of fn()."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def checkpoint_cost(ctx: dict, repeats: int = 3) -> float:
    """Seconds for one TrainingRun._checkpoint of this model (the periodic, every-30-s save)."""
    from gan_core.engine import Engine

    cfg = core_config(ctx, 10)
    run = TrainingRun(cfg, Path(ctx["tmp"]) / "ckpt-cost")
    engine = Engine(cfg, ctx["data"], ctx["device"])
    return median_seconds(lambda: run._checkpoint(engine), repeats)


CONTENDERS = {"classic": run_classic, "bare": run_bare, "core": run_core}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="auto", choices=DEVICES, help="default: auto (cuda when available)")
    p.add_argument("--quick", action="store_true", help="fewer steps (a smoke run; noisier)")
    p.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 7, quick 3)")
    p.add_argument("--warmup", type=int, default=None, help="untimed steps per round (multiple of 10)")
    p.add_argument("--measure", type=int, default=None, help="timed steps per round (multiple of 100)")
    p.add_argument("--threads", type=int, default=None, help="torch threads for all (default: torch's default)")
    args = p.parse_args(argv)

    device = resolve_device(args.device)
    on_gpu = device.type == "cuda"
    rounds = args.rounds or (3 if args.quick else 7)
    warmup = args.warmup if args.warmup is not None else (10 if args.quick else 30)
    measure = args.measure or (100 * (10 if on_gpu else 1))  # a multiple of sample_every (100)
    torch.set_num_threads(args.threads or torch.get_num_threads())  # the same for every contender

    data = load_dataset("fashion-mnist")
    if data.x.shape[1:] != SHAPE:
        raise SystemExit(f"unexpected Fashion-MNIST shape {tuple(data.x.shape)}")
    ctx = {"device": device, "device_choice": args.device if args.device != "auto" else device.type,
           "data": data, "x_dev": data.x.to(device), "classic_ds": classic_dataset(data.x, data.y)}
    name = torch.cuda.get_device_name(device) if on_gpu else f"CPU, {torch.get_num_threads()} torch threads"
    print(f"torch {torch.__version__} | device {device} ({name}) | "
          f"Fashion-MNIST {tuple(data.x.shape)} from {data.source}")
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())} ({os.cpu_count()} CPUs)")
    print(f"MLP GAN width {WIDTH}, latent {LATENT}, batch {BATCH} | {rounds} interleaved rounds x "
          f"({warmup} warm-up + {measure} timed steps) per contender\n")

    results: dict[str, list[float]] = {k: [] for k in CONTENDERS}
    names = list(CONTENDERS)
    with tempfile.TemporaryDirectory(prefix="gan-bench-") as tmp:
        ctx["tmp"] = tmp
        for k in names:  # one short untimed pass each: first-call costs (allocator, kernels, imports)
            CONTENDERS[k](ctx, 10, 20)
        ctx["core_own"] = []
        for r in range(rounds):
            order = names[r % 3:] + names[:r % 3]  # rotate so no contender always runs first
            line = []
            for k in order:
                steps, secs = CONTENDERS[k](ctx, warmup, measure)
                results[k].append(steps / secs)
                line.append(f"{k} {steps / secs:7.2f}")
            print(f"round {r + 1}: " + " | ".join(line) + "  steps/s", flush=True)
        ckpt_s = checkpoint_cost(ctx)
        score_s, score_every = scoring_cost(ctx)

    med = {k: statistics.median(v) for k, v in results.items()}
    print()
    print(f"{'contender':<10}{'median steps/s':>16}{'min':>9}{'max':>9}{'ms/step (median)':>18}")
    for k in names:
        v = results[k]
        print(f"{k:<10}{med[k]:>16.2f}{min(v):>9.2f}{max(v):>9.2f}{1e3 / med[k]:>18.2f}")
    print()
    print(f"core / classic = {med['core'] / med['classic']:.3f}")
    print(f"core / bare    = {med['core'] / med['bare']:.3f}   (goal >= 0.95)")
    paired = {ref: statistics.median(c / o for c, o in zip(results["core"], results[ref]))
              for ref in ("classic", "bare")}
    print(f"(median of the per-round ratios: core/classic {paired['classic']:.3f}, core/bare {paired['bare']:.3f}; "
          f"best round of each: core/classic {max(results['core']) / max(results['classic']):.3f}, "
          f"core/bare {max(results['core']) / max(results['bare']):.3f})")
    spread = max(max(v) / min(v) for v in results.values())
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; "
          f"largest max/min over rounds: {spread:.2f}")
    if spread > 1.5:
        print("WARNING: a contender's rate varied by more than 1.5x between rounds: something else was using the "
              "CPU/GPU; the ratios are unreliable, rerun on a quiet machine.")
    own = statistics.median(ctx["core_own"])
    print(f"\ncore by its own clock (train_seconds over the same steps): {own:.2f} steps/s")
    print(f"periodic checkpoint (every {TrainConfig().checkpoint_every_s:g} s, not in the timed window): "
          f"{ckpt_s * 1e3:.1f} ms each = {100 * ckpt_s / TrainConfig().checkpoint_every_s:.2f}% of training time")
    if score_every:
        print(f"live scores (every {score_every} steps, not in the timed window): {score_s * 1e3:.0f} ms each = "
              f"{100 * score_s * med['core'] / score_every:.1f}% of training time at the core's median rate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
