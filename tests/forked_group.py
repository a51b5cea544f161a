"""Forked worker processes forming one gloo group, for the distributed tests (tests/test_distributed.py,
tests/test_plateau_distributed.py). Forked, not spawned: torch and gan_core are already imported."""

from __future__ import annotations

import multiprocessing
import os
import socket
import time
import traceback

import torch

WORLD = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fork_workers(target, *args, world: int = WORLD, timeout: float = 120.0) -> list[int]:
    """Run target(rank, *args) in `world` forked processes of one gloo group; -> their exit codes."""
    port = free_port()
    ctx = multiprocessing.get_context("fork")

    def main(rank: int) -> None:
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), LOCAL_RANK=str(rank),
                          WORLD_SIZE=str(world))
        torch.set_num_threads(1)
        code = 1
        try:
            code = target(rank, *args) or 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)

    procs = [ctx.Process(target=main, args=(r,)) for r in range(world)]
    for p in procs:
        p.start()
    deadline = time.monotonic() + timeout
    for p in procs:
        p.join(max(0.1, deadline - time.monotonic()))
    for p in procs:
        if p.is_alive():
            p.kill()
            p.join()
    return [p.exitcode for p in procs]
