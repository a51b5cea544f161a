"""Server time of one Explore-page slider move, per shipped 28-32 px model.

One move = `gan_core.latent.render_gallery`, exactly what the page calls: z for 64 gallery seeds
plus the chosen seed, one forward pass of G with the slider's offset (a GANSpace direction: in z,
or in w for the style-based G) and psi, the 64-image grid as PNG, the chosen image as PNG.
Each repeat moves the slider to a new value, so nothing is reused between moves except what the
page caches too (the loaded model, the PCA directions). Prints median and p95 in ms per model,
the split of the median between G, the grid picture and the PNG encoding, and the torch thread
count and load average (the CPU is shared: a high load average inflates every number).

    python bench/explore_latency.py                      # every shipped 28-32 px image model
    python bench/explore_latency.py --threads 1 --repeats 50
    python bench/explore_latency.py --checkpoint runs/ID/checkpoints/last.safetensors
    python bench/explore_latency.py --presets            # untrained G of the shipped models' presets

Target: at most 100 ms per move (the issue's budget for "redraws at once").
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from gan_core.latent import LatentModel, bf16_fast, render_gallery
from gan_core.sampling import png_bytes
from gan_core.threads import auto_threads

TARGET_MS = 100.0
PRESETS = ("fmnist-dcgan", "fmnist-cdcgan", "fmnist-stylegan", "digits-dcgan")


def _p95(xs: list[float]) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]


def shipped() -> list[tuple[str, LatentModel]]:
    from gan_core.pretrained import list_pretrained, load_pretrained

    out = []
    for card in list_pretrained():
        if card.kind != "image" or not 28 <= card.sample_shape[-1] <= 32:
            continue
        G, cfg, card = load_pretrained(card.name)
        out.append((card.name, LatentModel(G, cfg.latent_dim, noise=cfg.noise, num_classes=card.n_classes)))
    return out


def from_checkpoints(paths: list[str]) -> list[tuple[str, LatentModel]]:
    from gan_core.checkpoint import load_models

    out = []
    for p in paths:
        G, _D, cfg, meta = load_models(p)
        n = int(meta.get("num_classes", 0)) if cfg.conditioning != "none" else 0
        out.append((p, LatentModel(G, cfg.latent_dim, noise=cfg.noise, num_classes=n)))
    return out


def from_presets(resolution: int) -> list[tuple[str, LatentModel]]:
    from gan_core.config import preset
    from gan_core.models import build_models, model_kwargs

    out = []
    for name in PRESETS:
        cfg = preset(name)
        classes = 10 if cfg.conditioning != "none" else 0
        G, _ = build_models(cfg.arch, shape=(1, resolution, resolution), num_classes=classes, **model_kwargs(cfg))
        out.append((f"{name} (untrained, {resolution} px)", LatentModel(G.eval(), cfg.latent_dim, num_classes=classes)))
    return out


def measure(m: LatentModel, repeats: int, n: int = 64) -> dict[str, float]:
    d = m.ganspace(k=4, n=1024)  # the page caches this; not part of a move
    seeds = list(range(n))
    y = (torch.arange(n + 1) % m.num_classes) if m.conditional else None
    total, cpu, g_ms, pic_ms, png_ms, png6_ms, jpg_ms, size = [], [], [], [], [], [], [], 0
    for i in range(repeats + 3):
        amount = -3.0 + 6.0 * (i % 31) / 30  # a new slider value every move
        off = d.offset([amount])
        zo, wo = (off, None) if d.space == "z" else (None, off)
        c0, t0 = time.process_time(), time.perf_counter()
        grid_png, _one, _x = render_gallery(m, seeds, 0, y=y, psi=1.0, z_offset=zo, w_offset=wo)
        t1, c1 = time.perf_counter(), time.process_time()
        # the same move again, split into its parts (for the breakdown only)
        a = time.perf_counter()
        x = m.generate(m.seeds_to_z([*seeds, 0]), y, z_offset=zo, w_offset=wo)
        b = time.perf_counter()
        img = m.picture(x[:n])
        c = time.perf_counter()
        png_bytes(img)
        e = time.perf_counter()
        png_bytes(img, compress_level=6)  # Pillow's default level, for comparison
        f = time.perf_counter()
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=90)  # JPEG, for comparison
        h = time.perf_counter()
        if i >= 3:  # warm-up moves left out
            total.append((t1 - t0) * 1e3)
            cpu.append((c1 - c0) * 1e3)
            g_ms.append((b - a) * 1e3)
            pic_ms.append((c - b) * 1e3)
            png_ms.append((e - c) * 1e3)
            png6_ms.append((f - e) * 1e3)
            jpg_ms.append((h - f) * 1e3)
            size = len(grid_png)
    med = statistics.median
    return {"median": med(total), "p95": _p95(total), "cpu": med(cpu), "g": med(g_ms), "grid": med(pic_ms),
            "png": med(png_ms), "png_kb": size / 1024, "png6": med(png6_ms), "jpeg": med(jpg_ms)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=0,
                    help="torch intra-op threads (0: what the page picks, gan_core.threads.auto_threads)")
    ap.add_argument("--repeats", type=int, default=30, help="slider moves timed per model (after 3 warm-up moves)")
    ap.add_argument("--checkpoint", action="append", default=[], help="also time a run checkpoint (repeatable)")
    ap.add_argument("--presets", action="store_true",
                    help=f"time untrained generators of the shipped models' presets ({', '.join(PRESETS)}) at 28 px")
    ap.add_argument("--bf16", action="store_true",
                    help="also time each model with G under bfloat16 autocast (the page's 'fast preview'), "
                    "with its largest difference from float32")
    args = ap.parse_args(argv)
    if args.threads < 0 or args.repeats < 1:
        ap.error("--threads must be >= 0 and --repeats >= 1")
    torch.set_num_threads(args.threads or auto_threads())
    models = shipped() + from_checkpoints(args.checkpoint) + (from_presets(28) if args.presets else [])
    if not models:
        print("no shipped 28-32 px image models in pretrained/; use --presets or --checkpoint", file=sys.stderr)
        return 1
    load = os.getloadavg()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {os.cpu_count()} CPU(s), "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {args.repeats} moves per model, 64-image grid")
    if args.bf16 and not bf16_fast():
        print("note: this CPU has no native bfloat16 (AVX512-BF16/AMX): bf16 is emulated here")
    print(f"{'model':<40} {'prec':>4} {'median ms':>9} {'p95 ms':>7} {'CPU ms':>6} | {'G':>6} {'grid':>5} {'PNG':>5} "
          f"{'PNG kB':>6} | {'PNG-6':>5} {'JPEG':>5} {'max err':>7}")
    worst = 0.0
    with torch.inference_mode():
        for name, m in models:
            for bf16 in (False, True) if args.bf16 else (False,):
                err = m.bf16_error() if bf16 else 0.0
                m.bf16 = bf16  # the default precision of every call in this measurement
                r = measure(m, args.repeats)
                if not bf16:
                    worst = max(worst, r["median"])
                print(f"{name[:40]:<40} {'bf16' if bf16 else 'fp32':>4} {r['median']:>9.1f} {r['p95']:>7.1f} "
                      f"{r['cpu']:>6.1f} | {r['g']:>6.1f} {r['grid']:>5.1f} {r['png']:>5.1f} {r['png_kb']:>6.1f} | "
                      f"{r['png6']:>5.1f} {r['jpeg']:>5.1f} {err:>7.4f}")
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; target {TARGET_MS:.0f} ms: "
          f"{'met' if worst <= TARGET_MS else 'NOT met'} in float32 (worst median {worst:.1f} ms)")
    print("columns: median/p95 = wall-clock ms of one move; CPU ms = median CPU time the move used (on a busy "
          "machine the wall time is longer: the rest is waiting for a core); G = z + one forward pass of G (65 "
          "images); grid = the uint8 grid picture; PNG = zlib level 1 "
          "(what the page sends); PNG-6 = Pillow's default level and JPEG q90, for comparison; max err = largest "
          "|bf16 - fp32| output difference on 64 latents (images in [-1, 1]: 0.0078 is one grey level)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
