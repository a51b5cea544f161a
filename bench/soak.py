"""Soak test: one long run on the real Streamlit server with its Train page open in a browser.

    python bench/soak.py                    # 22 minutes, ring8-mlp, 1 torch thread
    python bench/soak.py --minutes 2        # a short check of the script itself

It starts `streamlit run app.py` (through bench/load_test.py's launcher, which names OS threads
after Python threads) with a temporary runs directory and OMP_NUM_THREADS=1, opens the Train page
in headless Debian chromium, sets Steps to 10,000,000 and presses Start. The page stays open for
the whole soak, so its live fragment reruns every second (a full read of the run's metric log,
a Plotly chart and the sample scatter each time). Every --every seconds it records the server's
resident memory (VmRSS), its thread count, the run's step, the rows of metrics.jsonl, the sample
PNGs on disk and the size of the run directory. After --minutes it presses Stop, checks the run
ends with a checkpoint and no `train-*` thread is left, and prints the samples and:

- RSS growth from the first sample after warm-up (--warmup seconds) to the last, and the slope
  of a least-squares line through the second half of the samples (MB per 10 minutes): memory
  that grows with the run's length shows up there, a one-off allocation does not.

It exits 1 when the run did not last the soak, the page stopped answering, or the second-half
slope is above --max-slope-mb (per 10 minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_test import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PROGRESS_JS,
    Server,
    free_port,
    install_sigterm_cleanup,
    loadavg,
    rss_mb,
    thread_names,
)

STEPS = 10_000_000


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def slope_per_10min(ts: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over ts (seconds), in units per 600 s."""
    n = len(ts)
    if n < 2:
        return float("nan")
    mt, my = sum(ts) / n, sum(ys) / n
    var = sum((t - mt) ** 2 for t in ts)
    return 600 * sum((t - mt) * (y - my) for t, y in zip(ts, ys)) / var if var else float("nan")


async def soak(args: argparse.Namespace) -> int:
    from playwright.async_api import async_playwright

    tmp = Path(tempfile.mkdtemp(prefix="gan_soak_"))
    runs_dir = tmp / "runs"
    env = {"OMP_NUM_THREADS": str(args.threads), "GAN_MAX_RUNS_CPU": "2"}
    server = Server(runs_dir, tmp / "server.log", args.port or free_port(), env)
    print(f"soak: {args.minutes} min, ring8-mlp (the Train page's default config, Steps {STEPS:,}), "
          f"OMP_NUM_THREADS={args.threads}, sample every {args.every:.0f} s; load average {loadavg()}", flush=True)
    print(f"server log: {server.log_path}", flush=True)
    failures: list[str] = []
    rows: list[dict] = []
    server.start()
    rss_idle = rss_mb(server.pid)
    timeout_ms = 120_000
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
            ctx.set_default_timeout(timeout_ms)
            page = await ctx.new_page()
            await page.goto(server.url + "/", timeout=timeout_ms)
            main = page.get_by_test_id("stMainBlockContainer")
            start = main.get_by_role("button", name="Start training")
            await start.wait_for(state="visible")
            box = page.get_by_test_id("stSidebar").get_by_label("Steps", exact=True)
            await box.fill(str(STEPS))
            await box.press("Enter")
            while await box.input_value() != str(STEPS) or not await start.is_enabled():
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)
            rss_page = rss_mb(server.pid)
            await start.click()
            await page.wait_for_function(
                "() => { const el = document.querySelector("
                "'[data-testid=\"stElementContainer\"]:not([data-stale=\"true\"]) [data-testid=\"stProgress\"]'); "
                "return el && el.innerText.includes('running ·'); }",
                timeout=timeout_ms)  # past 'starting' (data loading)
            run_dirs = list(runs_dir.iterdir())
            assert len(run_dirs) == 1, run_dirs
            run_dir = run_dirs[0]
            t0 = time.monotonic()
            print(f"run {run_dir.name} started; RSS idle {rss_idle:.0f} MB, page loaded {rss_page:.0f} MB\n",
                  flush=True)
            print(f"{'min':>6} {'RSS MB':>7} {'threads':>7} {'step':>9} {'steps/s':>8} {'metric rows':>11} "
                  f"{'PNGs':>6} {'run dir MB':>10} {'page text age':>13}", flush=True)
            last_text, last_change = None, time.monotonic()
            worst_stale = 0.0
            next_sample = t0
            end = t0 + args.minutes * 60
            while True:
                now = time.monotonic()
                try:
                    text = await page.evaluate(PROGRESS_JS)
                except Exception as e:
                    failures.append(f"page evaluate failed: {e}")
                    break
                if text and text != last_text:
                    last_text, last_change = text, now
                worst_stale = max(worst_stale, now - last_change)
                if now >= next_sample or now >= end:
                    st = json.loads((run_dir / "status.json").read_text())
                    metrics = run_dir / "metrics.jsonl"
                    row = {"t": now - t0, "rss": rss_mb(server.pid), "threads": len(thread_names(server.pid)),
                           "step": st["step"], "rate": st["steps_per_s"], "state": st["state"],
                           "rows": sum(1 for _ in metrics.open()) if metrics.exists() else 0,
                           "pngs": sum(1 for _ in (run_dir / "samples").glob("*.png")),
                           "dir_mb": dir_mb(run_dir), "stale": now - last_change}
                    rows.append(row)
                    print(f"{row['t'] / 60:>6.1f} {row['rss']:>7.0f} {row['threads']:>7} {row['step']:>9,} "
                          f"{row['rate']:>8.1f} {row['rows']:>11,} {row['pngs']:>6,} {row['dir_mb']:>10.1f} "
                          f"{row['stale']:>12.1f}s", flush=True)
                    if st["state"] != "running":
                        failures.append(f"run is {st['state']} at {row['t'] / 60:.1f} min: {st.get('error')}")
                        break
                    next_sample += args.every
                if now >= end:
                    break
                await asyncio.sleep(0.5)
            # ---- stop through the page; the run writes its checkpoint and its thread ends
            await main.get_by_role("button", name="Stop").click()
            await page.get_by_text("Stopped at step").first.wait_for(state="visible", timeout=timeout_ms)
            await asyncio.sleep(2.0)
            rss_stopped = rss_mb(server.pid)
            left = [n for n in thread_names(server.pid) if n.startswith("train-")]
            await ctx.close()
            await browser.close()
        await asyncio.sleep(3.0)
        rss_closed = rss_mb(server.pid)
        st = json.loads((run_dir / "status.json").read_text())
        ckpt = run_dir / "checkpoints" / "last.safetensors"
    finally:
        server.stop()

    # ------------------------------------------------------------------ report
    warm = [r for r in rows if r["t"] >= args.warmup] or rows
    second_half = [r for r in rows if r["t"] >= rows[-1]["t"] / 2] if rows else []
    slope = slope_per_10min([r["t"] for r in second_half], [r["rss"] for r in second_half])
    minutes = rows[-1]["t"] / 60 if rows else 0.0
    print()
    print(f"run: {st['state']} at step {st['step']:,} after {minutes:.1f} min of soak "
          f"({st['train_seconds']:.0f} s training), checkpoint at step {st.get('last_checkpoint_step')} "
          f"({'present' if ckpt.is_file() else 'MISSING'}); train-* threads left: {left or 'none'}")
    if warm:
        print(f"server RSS: idle {rss_idle:.0f} MB, page open {rss_page:.0f} MB, after {args.warmup:.0f} s warm-up "
              f"{warm[0]['rss']:.0f} MB, end {rows[-1]['rss']:.0f} MB "
              f"(growth {rows[-1]['rss'] - warm[0]['rss']:+.1f} MB "
              f"over {(rows[-1]['t'] - warm[0]['t']) / 60:.1f} min), max {max(r['rss'] for r in rows):.0f} MB; "
              f"second-half slope {slope:+.2f} MB per 10 min; after Stop {rss_stopped:.0f} MB, page closed "
              f"{rss_closed:.0f} MB")
        print(f"on disk: {rows[-1]['rows']:,} metric rows, {rows[-1]['pngs']:,} sample PNGs, "
              f"{rows[-1]['dir_mb']:.1f} MB run directory; longest time the page's progress text did not change: "
              f"{worst_stale:.1f} s")
    if minutes < args.minutes - 0.5:
        failures.append(f"the soak lasted {minutes:.1f} min, not {args.minutes}")
    if not ckpt.is_file() or st["state"] != "stopped":
        failures.append(f"after Stop: state {st['state']}, checkpoint {'present' if ckpt.is_file() else 'missing'}")
    if left:
        failures.append(f"training threads left after Stop: {left}")
    if slope == slope and slope > args.max_slope_mb:
        failures.append(f"RSS grows {slope:.1f} MB per 10 min in the second half (limit {args.max_slope_mb})")
    if worst_stale > args.max_stale_s:
        failures.append(f"the page's progress did not change for {worst_stale:.1f} s")
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        print(f"server log tail:\n{server.tail(2000)}")
    else:
        print("\nall checks passed")
    if args.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=22.0, help="how long the run trains with the page open")
    ap.add_argument("--every", type=float, default=30.0, help="seconds between samples")
    ap.add_argument("--warmup", type=float, default=120.0, help="seconds before the growth baseline")
    ap.add_argument("--threads", type=int, default=1, help="OMP_NUM_THREADS of the server (torch threads)")
    ap.add_argument("--max-slope-mb", type=float, default=20.0, help="fail above this RSS slope (MB / 10 min)")
    ap.add_argument("--max-stale-s", type=float, default=30.0, help="fail when the page's progress freezes this long")
    ap.add_argument("--port", type=int, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the temporary runs directory and server log")
    args = ap.parse_args(argv)
    if not os.path.exists(CHROMIUM):
        print(f"{CHROMIUM} not found", file=sys.stderr)
        return 2
    install_sigterm_cleanup()
    return asyncio.run(soak(args))


if __name__ == "__main__":
    sys.exit(main())
