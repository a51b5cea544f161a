"""torch's intra-op thread count, set in one place.

On a small CPU shared by several runs, pages and users, torch's default of one OpenMP thread per
core mostly spins: N threads that each start a team of `cores` threads wait on each other
(measured on the 2-core dev machine: two ring8 runs at 0.34 steps/s instead of ~30; the 2-D lab
at 1-20 iterations/s instead of ~110; an Explore redraw 5-20x slower). Three callers choose a
count here: the run manager (each concurrent run its share of the cores), the 2-D lab (one
thread for its tiny nets) and the Explore page (the cores the load average leaves free).

torch.set_num_threads applies to the calling thread's OpenMP team (OpenMP keeps the setting per
thread), so a block run with fewer threads does not slow training threads already running.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

import torch


def cpu_cores() -> int:
    """Cores this process may run on (its affinity mask; os.cpu_count() where there is none)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def auto_threads() -> int:
    """Threads for one short computation: the cores the load average leaves free, at least one.

    On an idle 2-core machine two threads make a StyleGAN-lite grid nearly twice as fast; on a
    busy one (training runs, other users) two spinning OpenMP threads per process wait on each
    other, and a redraw measured 5-20x slower than with one (bench/explore_latency.py)."""
    cores = cpu_cores()
    try:
        busy = os.getloadavg()[0]
    except OSError:
        busy = 0.0
    return max(1, min(cores, int(cores - busy + 0.5)))


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with `n` intra-op threads (the setting is per calling thread), then restore.
    None leaves torch's own setting."""
    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, int(n)))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def share_cpu_threads(concurrent_runs: int) -> None:
    """Give each of `concurrent_runs` CPU runs of this process its share of the cores.

    torch's intra-op OpenMP pool is sized per process (each training thread gets a team of
    torch.get_num_threads() threads), so N runs at once start N teams; more spinning OpenMP
    threads than cores makes them wait on each other. Measured on a shared 2-core machine: two
    ring8 runs in the server with the default 2 threads each trained at 0.34 steps/s instead of
    ~30. Only ever lowers the count ($OMP_NUM_THREADS or an earlier set_num_threads still win).
    """
    per_run = max(1, cpu_cores() // max(1, concurrent_runs))
    if torch.get_num_threads() > per_run:
        torch.set_num_threads(per_run)


def lower_thread_priority(nice: int) -> int | None:
    """Run the calling OS thread (and the OpenMP workers it starts later, which inherit it) at
    `nice` more than the process; return the thread's new nice value, or None where the OS has no
    per-thread priority.

    Linux keeps the nice value per thread, so a server's training threads can yield the CPU to
    its page scripts and event loop while a class clicks, and still take every cycle nobody else
    wants (nice only matters when the cores are contended). Only ever lowers the priority:
    raising it back needs privileges."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return None
    try:
        tid = threading.get_native_id()
        value = min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice)
        os.setpriority(os.PRIO_PROCESS, tid, value)
        return os.getpriority(os.PRIO_PROCESS, tid)
    except OSError:
        return None
