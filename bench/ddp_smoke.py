"""A torchrun smoke run: the README's distributed command on this machine's device, then its run directory checked.

    python bench/ddp_smoke.py [--procs 1] [--device cuda] [--steps 100] [--out DIR]

Runs `python -m torch.distributed.run --standalone --nproc_per_node PROCS -m gan_core train --preset digits-dcgan
--steps STEPS --device DEVICE`, then checks that the run finished on PROCS processes with the expected backend
(NCCL for CUDA tensors, gloo otherwise) and that its checkpoint loads like any other; prints one RESULT line with
the run's own steps/s. Exit 0 when all holds. bench/gpu_check.sh runs it with one GPU.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # gan_core, when run as `python bench/ddp_smoke.py`


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--procs", type=int, default=1)
    p.add_argument("--device", default="cuda", choices=["cpu", "cuda"])
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--out", help="run directory (default: a temporary one)")
    args = p.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="ddp_smoke_")) / "run"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(args.procs),
           "-m", "gan_core", "train", "--preset", "digits-dcgan", "--steps", str(args.steps), "--score-every", "0",
           "--device", args.device, "--out", str(out)]
    print(" ".join(cmd), flush=True)
    t0 = time.perf_counter()
    rc = subprocess.run(cmd, cwd=REPO).returncode
    wall = time.perf_counter() - t0
    from gan_core.checkpoint import load_models

    st = json.loads((out / "status.json").read_text())
    _G, _D, _cfg, meta = load_models(out / "checkpoints" / "last.safetensors")
    backend_ok = ("nccl" in st.get("backend", "")) if args.device == "cuda" else st.get("backend") == "gloo"
    ok = (rc == 0 and st["state"] == "finished" and st.get("processes") == args.procs and backend_ok
          and meta["step"] == args.steps)
    rate = st["step"] / st["train_seconds"] if st.get("train_seconds") else float("nan")
    print(f"RESULT ddp-smoke {'ok' if ok else 'FAILED'}: exit {rc}, state {st['state']}, {st.get('processes')} "
          f"process(es), backend {st.get('backend')}, device {st.get('device')}, {st['step']} steps in "
          f"{st['train_seconds']:.1f} s of training ({rate:.1f} steps/s, start-up included), {wall:.1f} s wall, "
          f"checkpoint step {meta['step']}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
