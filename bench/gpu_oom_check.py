"""Out of memory on a GPU ends that run only: it fails with the advice to lower the batch, its memory is released,
and the next run trains.

    python bench/gpu_oom_check.py [--fraction 0.05]

A RunManager gets two runs, one after the other: a DCGAN on the digits upscaled to 64 px with a batch far too big
for the memory this process may use, then the same with batch 64. The limit is made small
with torch.cuda.set_per_process_memory_fraction (5% of the GPU by default), so the first run hits a real
torch.OutOfMemoryError from the caching allocator within seconds on any GPU, however large, instead of after
filling 100+ GiB. Checked: the first run ends "failed" with an error that says "Out of memory" and "smaller batch
size"; after it ended the process holds (almost) no CUDA memory (the run's tensors were freed and the cache
emptied); a second run submitted to the same manager then trains to its end. Prints one RESULT line;
exit status 1 on failure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from gan_core.checks import validate_config
from gan_core.config import TrainConfig
from gan_core.manager import RunManager


def config(batch: int, steps: int) -> TrainConfig:
    return validate_config(TrainConfig(dataset="digits", resolution=64, arch="dcgan", loss="ns", width=128,
                       latent_dim=100, batch_size=batch, steps=steps, device="cuda", score_every=0, sample_every=50,
                       log_every=10))


def wait(run, timeout: float) -> None:
    t = time.monotonic()
    while run.state in ("queued", "starting", "running") and time.monotonic() - t < timeout:
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--fraction", type=float, default=0.05, help="share of the GPU's memory this process may use")
    p.add_argument("--timeout", type=float, default=180.0)
    args = p.parse_args(argv)
    if not torch.cuda.is_available():
        print("RESULT oom SKIPPED: no CUDA GPU")
        return 0
    total = torch.cuda.get_device_properties(0).total_memory
    torch.cuda.set_per_process_memory_fraction(args.fraction, 0)
    print(f"GPU {torch.cuda.get_device_name(0)}: {total / 2**30:.0f} GiB; this process may use "
          f"{args.fraction * total / 2**30:.1f} GiB")
    problems = []
    with tempfile.TemporaryDirectory(prefix="gan-oom-") as root:
        mgr = RunManager(root, limits={"cuda": 1})
        big = mgr.submit(config(batch=1792, steps=50))
        wait(big, args.timeout)
        after_fail = torch.cuda.memory_reserved(0)  # measured before the next run exists
        nxt = mgr.submit(config(batch=64, steps=60))
        wait(nxt, args.timeout)
        mgr.stop_all()
        print(f"big run: {big.state}: {big.error}")
        print(f"memory reserved by this process after it ended: {after_fail / 2**20:.0f} MiB")
        print(f"next run: {nxt.state} at step {nxt.step}{': ' + nxt.error if nxt.error else ''}")
        if big.state != "failed" or "out of memory" not in (big.error or "").lower():
            problems.append(f"the big run ended {big.state}, not failed by out of memory")
        elif "smaller batch" not in big.error:
            problems.append("the out-of-memory message gives no advice to lower the batch")
        if after_fail > 0.25 * args.fraction * total:
            problems.append(f"{after_fail / 2**20:.0f} MiB still reserved after the failed run")
        if nxt.state != "finished":
            problems.append(f"the next run ended {nxt.state}")
    print("RESULT oom " + ("ok" if not problems else "FAIL: " + "; ".join(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
