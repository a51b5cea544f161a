"""Time to quality: how good is each contender's generator after 30, 60, 120, 300 ... seconds?

    python bench/time_to_quality.py --contenders tutorial,fmnist-dcgan,fmnist-fast,fmnist-cfast --times 30,60,120,300
    python bench/time_to_quality.py --contenders "fmnist-fast+lr_d=4e-4,width=48" --times 60 --clock cpu
    python bench/time_to_quality.py --device cuda --contenders fmnist-fast,fmnist-cfast --times 30,60,120

A contender is `tutorial` (the classic loop of the tutorials: MLP GAN, per-sample torchvision
DataLoader, `.item()` every step; bench/throughput.py's `classic`), or a preset name with optional
overrides `PRESET+field=value,field=value` (any TrainConfig field, as on the command line).

Each contender trains in its own process (one torch thread, pinned to its own core on a CPU; on
a GPU one after another, so they do not share it) for the largest of --times. Preset contenders
run the core's engine as a run on the Train page does: `Engine.train_step`, a metric flush every
log_every steps and the fixed-noise grid rendered every sample_every steps (scores off: they are
computed afterwards). At each mark the generator that is shown (the EMA copy when there is one)
is copied and its fixed-noise grid saved (`OUT/<contender>/t0060.png`); copying is not counted.
Afterwards every copy is scored with the dataset's classifier (gan_core.metrics: FD_clf, precision,
recall, classes covered; n=5000 generated against 10000 real images, as the shipped models' cards),
and the table prints those with the ratio of the tutorial's FD_clf to the contender's at the same
time (> 1: better than the tutorial loop) and the steps made. The plot `OUT/time_to_quality.png`
shows FD_clf against seconds, one line per contender.

Clocks: `--clock wall` (default) is the wall time, what a teacher waits; it is only fair on an
otherwise idle machine. `--clock cpu` is the process's CPU time (one thread: the time it had a
core), which stays comparable when other work shares the machine; say which one a table used.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

REPO = Path(__file__).resolve().parents[1]
SCORE_N, SCORE_N_REAL = 5000, 10_000
KEYS = ("fd_clf", "precision", "recall", "classes_covered")


# ------------------------------------------------------------------------------ contenders
def parse_contender(spec: str) -> tuple[str, dict]:
    """'PRESET+a=1,b=x' -> ('PRESET', {'a': 1, 'b': 'x'}) with values typed as the config's fields."""
    import dataclasses

    from gan_core.config import PRESETS, TrainConfig

    name, _, rest = spec.partition("+")
    if name != "tutorial" and name not in PRESETS:
        raise SystemExit(f"unknown contender {name!r}: 'tutorial' or a preset ({', '.join(PRESETS)})")
    kinds = {f.name: type(getattr(TrainConfig(), f.name)) for f in dataclasses.fields(TrainConfig)}
    over: dict = {}
    for item in filter(None, rest.split(",")):
        key, _, text = item.partition("=")
        if key not in kinds:
            raise SystemExit(f"{spec}: {key!r} is not a TrainConfig field")
        kind = kinds[key]
        over[key] = (text.lower() in ("1", "true", "yes")) if kind is bool else kind(text)
    return name, over


def slug(spec: str) -> str:
    return "".join(c if c.isalnum() or c in "-_.=" else "_" for c in spec)[:80]


class Clock:
    """Seconds of training so far: wall or process CPU time, minus the time spent in snapshots."""

    def __init__(self, kind: str) -> None:
        self.now = time.perf_counter if kind == "wall" else time.process_time
        self.start = self.now()
        self.excluded = 0.0

    def __call__(self) -> float:
        return self.now() - self.start - self.excluded


def train_contender(spec: str, times: list[float], device_name: str, out: Path, clock_kind: str, seed: int) -> dict:
    """Train one contender until the last mark; return {'marks': [...], 'steps_per_s': ...} with the
    generator's state at each mark (scored afterwards by score_marks)."""
    import torch

    from gan_core.checks import validate_config
    from gan_core.config import preset
    from gan_core.data import load_dataset
    from gan_core.engine import Engine, resolve_device
    from gan_core.sampling import grid_image, png_bytes

    device = resolve_device(device_name)
    name, over = parse_contender(spec)
    base = preset("fmnist-mlp" if name == "tutorial" else name)
    cfg = validate_config(base.replace(**{**over, "device": device.type, "seed": seed, "score_every": 0}))
    cfg = validate_config(cfg.replace(steps=10_000_000)) if name != "tutorial" else cfg
    data = load_dataset(cfg, device="cpu")
    marks: list[dict] = []
    snaps: list[dict] = []
    out.mkdir(parents=True, exist_ok=True)

    def snapshot(G: torch.nn.Module, grid: torch.Tensor, nrow: int | None, step: int, t: float) -> None:
        snaps.append({k: v.detach().to("cpu", copy=True) for k, v in G.state_dict().items()})
        (out / f"t{int(t):04d}.png").write_bytes(png_bytes(grid_image(grid, nrow=nrow)))
        marks.append({"t": t, "step": step})
        if hasattr(G, "set_growth"):  # progressive growing: the resolution and fade-in this copy was taken at
            marks[-1]["growth"] = [G.level, G.alpha]

    if name == "tutorial":
        G, clock, steps = train_tutorial(data, device, times, clock_kind, snapshot)
        latent, noise, conditional = 100, "gaussian", False
    else:
        engine = Engine(cfg, data, device)
        todo = sorted(times)
        clock = Clock(clock_kind)
        while todo:
            engine.train_step()
            if engine.step % cfg.log_every == 0:
                engine.flush()  # the run's one host transfer per log_every steps
            if engine.step % cfg.sample_every == 0:
                png_bytes(grid_image(engine.sample_fixed(), nrow=engine.grid_nrow))  # what the page shows
            t = clock()
            if t >= todo[0]:
                t0 = time.perf_counter()
                snapshot(engine.G_sample, engine.sample_fixed(), engine.grid_nrow, engine.step, todo.pop(0))
                clock.excluded += time.perf_counter() - t0
        G, steps = engine.G_sample, engine.step
        latent, noise, conditional = cfg.latent_dim, cfg.noise, cfg.conditioning != "none"
    return {"spec": spec, "cfg": cfg.to_dict() if name != "tutorial" else "the tutorials' loop (bench/throughput.py)",
            "marks": marks, "snaps": snaps, "G": G, "latent": latent, "noise": noise, "conditional": conditional,
            "data": data, "device": device, "steps": steps}


def train_tutorial(data, device, times: list[float], clock_kind: str, snapshot):
    """The tutorials' loop (bench/throughput.py classic_steps), with marks."""
    import torch
    from throughput import LATENT, SEED, ClassicDiscriminator, ClassicGenerator, classic_dataset, classic_steps

    torch.manual_seed(SEED)
    G, D = ClassicGenerator().to(device), ClassicDiscriminator().to(device)
    steps = classic_steps(classic_dataset(data.x, data.y), device, G, D)
    fixed = torch.randn(64, LATENT, generator=torch.Generator().manual_seed(SEED)).to(device)
    todo = sorted(times)
    clock = Clock(clock_kind)
    step = 0
    while todo:
        next(steps)
        step += 1
        if clock() >= todo[0]:
            t0 = time.perf_counter()
            G.eval()
            with torch.no_grad():
                grid = G(fixed).float().cpu()
            G.train()
            snapshot(G, grid, None, step, todo.pop(0))
            clock.excluded += time.perf_counter() - t0
    return G, clock, step


def score_marks(res: dict, n: int = SCORE_N) -> list[dict]:
    import torch

    from gan_core.metrics.evaluate import Scorer

    scorer = Scorer("fashion-mnist", res["data"], res["device"], res["latent"], n=n, n_real=SCORE_N_REAL,
                    seed=0, live=True, noise=res["noise"])
    if not scorer.available:
        raise SystemExit(f"no classifier for scoring: {scorer.unavailable}")
    G = res["G"]
    rows = []
    for mark, sd in zip(res["marks"], res["snaps"]):
        G.load_state_dict(sd)
        if "growth" in mark:
            G.set_growth(*mark["growth"])
        with torch.no_grad():
            s = scorer.score(G)
        rows.append({**mark, **{k: float(s[k]) for k in KEYS if k in s}})
    return rows


def child(args: argparse.Namespace) -> None:
    import torch

    torch.set_num_threads(args.threads)
    if args.core is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.core})
    out = Path(args.out) / slug(args.child)
    t0 = time.perf_counter()
    res = train_contender(args.child, args.times, args.device, out, args.clock, args.seed)
    train_wall = time.perf_counter() - t0
    rows = score_marks(res, args.score_n)
    doc = {"spec": args.child, "clock": args.clock, "device": str(res["device"]), "threads": args.threads,
           "core": args.core, "score_n": args.score_n, "train_wall_s": round(train_wall, 1),
           "cpu_s": round(time.process_time(), 1),
           "config": res["cfg"], "marks": rows}
    (out / "result.json").write_text(json.dumps(doc, indent=1))


# ------------------------------------------------------------------------------ parent
def run_all(args: argparse.Namespace) -> list[dict]:
    """One child per contender; at most --parallel at once, each pinned to its own core."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count() or 1))
    parallel = args.parallel or (1 if args.device == "cuda" else len(cores))
    # more contenders than cores share them round-robin (then only --clock cpu is fair)
    free = [cores[i % len(cores)] for i in range(parallel)] if args.device != "cuda" else [None] * parallel
    pending = list(args.contenders)
    running: list[tuple[subprocess.Popen, object, str]] = []
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "PYTHONPATH": str(REPO / "bench")}
    while pending or running:
        while pending and free:
            spec, core = pending.pop(0), free.pop(0)
            cmd = [sys.executable, __file__, "--child", spec, "--times", ",".join(map(str, args.times)),
                   "--device", args.device, "--out", str(args.out), "--clock", args.clock,
                   "--score-n", str(args.score_n), "--threads", str(args.threads), "--seed", str(args.seed)]
            cmd += ["--core", str(core)] if core is not None else []
            print(f"start {spec}" + (f" on core {core}" if core is not None else ""), flush=True)
            running.append((subprocess.Popen(cmd, env=env), core, spec))
        time.sleep(1.0)
        for item in list(running):
            proc, core, spec = item
            if proc.poll() is not None:
                running.remove(item)
                free.append(core)
                print(f"done {spec} (exit {proc.returncode})", flush=True)
    results = []
    for spec in args.contenders:
        path = Path(args.out) / slug(spec) / "result.json"
        if path.is_file():
            results.append(json.loads(path.read_text()))
        else:
            print(f"{spec}: no result (it failed; see above)")
    return results


def table(results: list[dict]) -> str:
    tut = next((r for r in results if r["spec"] == "tutorial"), None)
    tut_fd = {m["t"]: m.get("fd_clf") for m in tut["marks"]} if tut else {}
    lines = ["| contender | s | steps | FD_clf | precision | recall | classes | tutorial FD / this FD |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        for m in r["marks"]:
            ratio = tut_fd.get(m["t"])
            ratio = f"{ratio / m['fd_clf']:.2f}" if ratio and m.get("fd_clf") else "-"
            lines.append(f"| {r['spec']} | {m['t']:.0f} | {m['step']:,} | {m.get('fd_clf', float('nan')):.1f} | "
                         f"{m.get('precision', float('nan')):.2f} | {m.get('recall', float('nan')):.2f} | "
                         f"{m.get('classes_covered', float('nan')):.0f} | {ratio} |")
    return "\n".join(lines)


def plot(results: list[dict], path: Path, clock: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    for r in results:
        ts = [m["t"] for m in r["marks"]]
        ax.plot(ts, [m.get("fd_clf") for m in r["marks"]], marker="o", label=r["spec"])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(sorted({m["t"] for r in results for m in r["marks"]}))
    ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.get_xaxis().set_minor_formatter(matplotlib.ticker.NullFormatter())  # no "4 x 10^1" between the marks
    ax.set_xlabel(f"seconds of training ({'wall clock' if clock == 'wall' else 'CPU time of the process'})")
    ax.set_ylabel("FD_clf (lower is better)")
    ax.set_title("Fashion-MNIST: quality against training time")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)


def main() -> None:
    from gan_core.config import DEVICES

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--contenders", nargs="+", default=["tutorial", "fmnist-dcgan", "fmnist-fast", "fmnist-cfast"],
                   help="contenders: tutorial, PRESET or 'PRESET+field=value,field=value' (one argument each)")
    p.add_argument("--presets", type=lambda s: [c for c in s.split(",") if c],
                   help="comma list of presets: the contenders instead of --contenders")
    p.add_argument("--times", default="30,60,120,300", type=lambda s: sorted(float(t) for t in s.split(",")))
    p.add_argument("--device", default="cpu", choices=DEVICES)
    p.add_argument("--clock", default="wall", choices=["wall", "cpu"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--parallel", type=int, default=0, help="contenders at once (default: one per core; 1 on a GPU)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--score-n", type=int, default=SCORE_N,
                   help="generated images scored per mark (default %(default)s, "
                   "as the shipped models' cards; fewer for a quick search: FD_clf grows as n shrinks)")
    p.add_argument("--out", default="bench/out/time_to_quality")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--core", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args)
        return
    if args.presets:
        args.contenders = args.presets
    for spec in args.contenders:
        parse_contender(spec)  # refuse a typo before anything trains
    Path(args.out).mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    results = run_all(args)
    print(f"\nclock: {args.clock}; device {args.device}; {args.threads} thread(s) per contender; load average at "
          f"start {load:.1f}, at end {os.getloadavg()[0]:.1f}; {time.perf_counter() - t0:.0f} s in all\n")
    print(table(results))
    plot(results, Path(args.out) / "time_to_quality.png", args.clock)
    (Path(args.out) / "results.json").write_text(json.dumps(results, indent=1))
    print(f"\nplot: {Path(args.out) / 'time_to_quality.png'}; grids: {args.out}/<contender>/tNNNN.png")


if __name__ == "__main__":
    main()
