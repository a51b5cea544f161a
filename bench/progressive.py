"""Progressive growing against the fixed-resolution preset at equal training time.

    python bench/progressive.py                         # fmnist-fast vs fmnist-fast + progressive, 30/60/120 s
    python bench/progressive.py --grow-every 400 --times 60,120,300 --clock wall

Both contenders train Fashion-MNIST 28 px with the fmnist-fast preset (DCGAN width 32, LR 1e-3, EMA of G);
the second with `progressive=true` (7 -> 14 -> 28 px, a new resolution every --grow-every steps, faded in
over half of that). Each trains in its own process with one thread, pinned to its own core, and is scored
at each mark with the dataset classifier's FD_clf (n=5000 generated against 10000 real images), all by
bench/time_to_quality.py, which this script calls. A mark taken before the growth ends is scored as the
generator then was (its low-resolution images upscaled: what the sample grid shows). `--clock cpu`
(the default here) counts each process's CPU time, which stays fair when other work shares the machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="fmnist-fast")
    p.add_argument("--grow-every", type=int, default=400, help="steps per resolution of the progressive contender")
    p.add_argument("--grow-from", type=int, default=0, help="its start resolution (0: the smallest, 7 px at 28 px)")
    p.add_argument("--times", default="30,60,120")
    p.add_argument("--clock", default="cpu", choices=["wall", "cpu"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="bench/out/progressive")
    args, rest = p.parse_known_args()
    grown = f"{args.preset}+progressive=true,grow_every={args.grow_every},grow_from={args.grow_from}"
    cmd = [sys.executable, str(HERE / "time_to_quality.py"), "--contenders", args.preset, grown,
           "--times", args.times, "--clock", args.clock, "--seed", str(args.seed), "--out", args.out, *rest]
    print(" ".join(cmd), flush=True)
    raise SystemExit(subprocess.call(cmd))


if __name__ == "__main__":
    main()
