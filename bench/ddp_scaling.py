"""CPU scaling of one run over 1 and 2 processes (torchrun, gloo): steps/s and images/s, with their ratios.

    python bench/ddp_scaling.py [--seconds 30] [--batch 32] [--preset digits-dcgan] [--rounds 1]

Each contender is the README's command line, run as a subprocess into a temporary runs directory, training for
`--seconds` of training time (--time-limit). Every process gets one intra-op thread (OMP_NUM_THREADS=1, what
torchrun sets), except the last contender, which is one process with as many threads as processes:

  1 proc x B     python -m gan_core train ... --batch-size B                        (1 thread)
  1 proc x 2B    python -m gan_core train ... --batch-size 2B                       (1 thread)
  2 procs x B    python -m torch.distributed.run --nproc_per_node 2 -m gan_core train ... --batch-size B
  1 proc x 2B, 2 threads                                                           (OMP_NUM_THREADS=2)

The rate is measured from the run's metrics.jsonl: (last step - first logged step) / (time between them), so
start-up (imports, data, the first step) and the end (last sample grid, checkpoint) are outside it. images/s =
steps/s x batch per process x processes (real images seen by D per second). The ratios printed at the end:
2 procs x B against 1 proc x B (images/s: weak scaling, the same work per process) and against 1 proc x 2B
(steps/s: the same global batch, so the same training per step), and against one process with two threads.
Contenders run one after another (never two at once); with --rounds > 1 they are interleaved and the median
is kept. Say the load (uptime) with the figures: on a shared machine they move with it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _rate(run_dir: Path) -> float:
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines() if line.strip()]
    rows = [r for r in rows if "time" in r]
    if len(rows) < 3:  # fewer than 40 steps in the time given
        print(f"  {run_dir.name}: too few logged windows to measure a rate ({len(rows)} in {rows[-1]['time']:.0f} s)")
        return float("nan")
    first, last = rows[1], rows[-1]  # rows[0] holds the first window (and its warm-up)
    return (last["step"] - first["step"]) / (last["time"] - first["time"])


def run_one(name: str, procs: int, batch: int, threads: int, args: argparse.Namespace, root: Path) -> float:
    out = root / f"{name.replace(' ', '_')}-{len(list(root.iterdir()))}"
    train = ["-m", "gan_core", "train", "--preset", args.preset, "--batch-size", str(batch), "--steps", "10000000",
             "--time-limit", str(args.seconds), "--log-every", "20", "--score-every", "0", "--sample-every", "100000",
             "--checkpoint-every-s", "86400", "--device", "cpu", "--out", str(out)]
    launcher = ([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(procs)]
                if procs > 1 else [sys.executable])
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "PYTHONPATH": str(REPO)}
    done = subprocess.run([*launcher, *train], cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return _rate(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=30.0, help="training time of each contender (default 30)")
    p.add_argument("--batch", type=int, default=32, help="batch per process B (default 32)")
    p.add_argument("--preset", default="digits-dcgan", help="the model and data (default digits-dcgan)")
    p.add_argument("--rounds", type=int, default=1, help="rounds, interleaved; the median is kept (default 1)")
    args = p.parse_args()
    b = args.batch
    contenders = [("1 proc x B", 1, b, 1), ("1 proc x 2B", 1, 2 * b, 1), ("2 procs x B", 2, b, 1),
                  ("1 proc x 2B, 2 threads", 1, 2 * b, 2)]
    rates: dict[str, list[float]] = {c[0]: [] for c in contenders}
    print(f"load before: {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for r in range(args.rounds):
            order = contenders[r % len(contenders):] + contenders[:r % len(contenders)]
            for name, procs, batch, threads in order:
                rates[name].append(run_one(name, procs, batch, threads, args, root))
                print(f"  round {r + 1}: {name}: {rates[name][-1]:.2f} steps/s", flush=True)
    print(f"load after: {os.getloadavg()}")
    print(f"\n{args.preset}, B = {b}, {args.seconds:.0f} s of training each, median of {args.rounds} round(s)")
    print(f"{'contender':<26} {'steps/s':>8} {'images/s':>9}")
    med = {}
    for name, procs, batch, _threads in contenders:
        s = statistics.median(rates[name])  # nan when a contender was too slow to measure
        med[name] = (s, s * batch * procs)
        print(f"{name:<26} {s:8.2f} {s * batch * procs:9.0f}")
    two = med["2 procs x B"]
    print(f"\n2 procs x B / 1 proc x B, images/s (weak scaling, ideal 2.00): {two[1] / med['1 proc x B'][1]:.2f}")
    print(f"2 procs x B / 1 proc x 2B, steps/s (same global batch, ideal 2.00): {two[0] / med['1 proc x 2B'][0]:.2f}")
    print(f"2 procs x B / 1 proc x 2B with 2 threads, steps/s: {two[0] / med['1 proc x 2B, 2 threads'][0]:.2f}")


if __name__ == "__main__":
    main()
