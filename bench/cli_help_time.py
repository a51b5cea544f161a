"""How long `python -m gan_core --help` takes, against `python -c "import torch"` (bug 6 of issue 16).

    python bench/cli_help_time.py              # 7 rounds
    python bench/cli_help_time.py --repeat 15

Each round starts fresh interpreters, in turn (interleaved, so a change of load hits every command
alike): `import torch`, `python -m gan_core --help`, each command's `--help`. Wall time from process
start to exit, medians and min/max over the rounds, and the 1-minute load average before and after:
on a shared machine the figures move with the load, so quote them together. The OS file cache is
warm after the first round (the first is a warm-up and not counted).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CASES = {
    "import torch": ["-c", "import torch"],
    "--help": ["-m", "gan_core", "--help"],
    "sample --help": ["-m", "gan_core", "sample", "--help"],
    "eval --help": ["-m", "gan_core", "eval", "--help"],
    "export --help": ["-m", "gan_core", "export", "--help"],
    "train --help": ["-m", "gan_core", "train", "--help"],
}


def once(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7, help="counted rounds (default 7)")
    a = ap.parse_args()
    load0 = os.getloadavg()[0]
    for args in CASES.values():  # warm-up: the OS file cache, the .pyc files
        once(args)
    times: dict[str, list[float]] = {k: [] for k in CASES}
    for _ in range(a.repeat):
        for name, args in CASES.items():
            times[name].append(once(args))
    load1 = os.getloadavg()[0]
    torch_median = statistics.median(times["import torch"])
    print(f"{a.repeat} rounds, load average (1 min) {load0:.2f} before, {load1:.2f} after; "
          f"python {sys.version.split()[0]}")
    print(f"{'command':<16} {'median s':>9} {'min s':>7} {'max s':>7} {'/ import torch':>15}")
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"{name:<16} {m:9.3f} {min(ts):7.3f} {max(ts):7.3f} {m / torch_median:15.2f}")


if __name__ == "__main__":
    main()
