"""Size and time of a run's time-lapse, GIF against MP4 (gan_core.timelapse), in one process.

    python bench/timelapse_size.py runs/ID [runs/ID2 ...]

Per run: the number of saved grids, their size in pixels, and for each format the bytes written
and the seconds taken (median of 3), with the 1-minute load average: on a shared machine the times
move with the load, so quote them together. MP4 is skipped, with the reason, without PyAV.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image

from gan_core.timelapse import MP4_UNAVAILABLE, mp4_available, saved_grids, timelapse_gif, timelapse_mp4


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    print(f"load average (1 min): {os.getloadavg()[0]:.1f}")
    for run in argv:
        frames = saved_grids(run)
        if not frames:
            print(f"{run}: no saved grids")
            continue
        with Image.open(frames[-1].path) as im:
            size = im.size
        print(f"{run}: {len(frames)} grids of {size[0]}x{size[1]} px")
        for name, make in (("GIF", timelapse_gif), ("MP4", timelapse_mp4)):
            if name == "MP4" and not mp4_available():
                print(f"  MP4: skipped ({MP4_UNAVAILABLE})")
                continue
            times, data = [], b""
            for _ in range(3):
                t = time.perf_counter()
                data = make(frames, fps=5)
                times.append(time.perf_counter() - t)
            print(f"  {name}: {len(data) / 1024:,.0f} kB in {statistics.median(times):.2f} s")
    print(f"load average (1 min): {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
