"""A run's saved fixed-noise grids as a history: the list of them, and a time-lapse (GIF, MP4).

Every `sample_every` steps a run writes `samples/step_XXXXXXX.png` (gan_core.run: one fixed noise
batch for all of them, so the same cell of every grid shows the same z). Played in order they show
training as it happened: blobs becoming digits, a ring of points collapsing and recovering. The
Train and Runs pages scrub through them (ui/history.py); this module lists them and writes the
time-lapse that a teacher takes away.

GIF is written with Pillow (always there). MP4 (H.264, playable everywhere, much smaller than a GIF
for long runs) needs PyAV (`pip install av`, FFmpeg's libraries in a wheel); when it is missing,
`mp4_available()` says so and `timelapse_mp4` refuses with that message.

Frames may differ in size (a progressive run's grid grows, a 2-D run's scatter does not): every
frame is scaled (nearest neighbour: crisp pixels) to the size of the newest one (at least MIN_WIDTH
px wide). Each frame gets a
band with its step number, so a paused video still says where in training it is. Long runs are
thinned to at most `max_frames` frames, evenly, always keeping the first and the last grid.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from gan_core.messages import Msg
from gan_core.store import atomic_write_bytes

FRAME_RE = re.compile(r"^step_(\d+)\.png$")
MAX_FRAMES = 300  # default cap: a GIF of 300 grids of 300x300 px is already tens of MB
FPS_RANGE = (1, 30)
MIN_WIDTH = 256  # narrower frames are scaled up by a whole factor (as gan_core.sampling.grid_image does)
BAND_PX = 22  # height of the step label under each frame
MP4_UNAVAILABLE = Msg("MP4 export needs PyAV (FFmpeg's libraries as a Python wheel): `pip install av`. "
                      "GIF export works without it.")


class TimelapseError(ValueError):
    """No time-lapse can be made; the message says why and what is allowed."""


@dataclass(frozen=True)
class Frame:
    """One saved grid: the step it shows and its PNG file."""

    step: int
    path: Path


def saved_grids(run_dir: str | Path) -> list[Frame]:
    """The run's saved grids, oldest first ([] when it has none yet). Files not named
    step_<digits>.png (a temp file of an atomic write, something a user copied in) are ignored."""
    folder = Path(run_dir) / "samples"
    try:
        names = [p for p in folder.iterdir() if p.is_file()]
    except OSError:
        return []
    frames = [Frame(int(m.group(1)), p) for p in names if (m := FRAME_RE.match(p.name))]
    return sorted(frames, key=lambda f: f.step)


def newest_grid(run_dir: str | Path) -> Frame | None:
    """The run's newest saved grid by step number, not by name: names are zero-padded to 7 digits,
    so step_10000000.png would sort before step_9999999.png as text."""
    frames = saved_grids(run_dir)
    return frames[-1] if frames else None


def thin(frames: Sequence[Frame], max_frames: int) -> list[Frame]:
    """At most `max_frames` of `frames`, evenly spread, first and last kept (max_frames >= 2)."""
    n = len(frames)
    if n <= max_frames:
        return list(frames)
    # index i * (n - 1) / (k - 1), i = 0..k-1, rounded: distinct because (n - 1) / (k - 1) > 1
    return [frames[round(i * (n - 1) / (max_frames - 1))] for i in range(max_frames)]


def check_options(fps: int, max_frames: int) -> None:
    """Refuse what cannot make a sensible video, with the allowed range."""
    lo, hi = FPS_RANGE
    if isinstance(fps, bool) or not isinstance(fps, int) or not lo <= fps <= hi:
        raise TimelapseError(f"fps {fps!r} is not allowed; allowed: a whole number from {lo} to {hi}")
    if isinstance(max_frames, bool) or not isinstance(max_frames, int) or not 2 <= max_frames <= 10_000:
        raise TimelapseError(f"max frames {max_frames!r} is not allowed; allowed: a whole number from 2 to 10,000")


def _font(px: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=px)  # scalable when Pillow has FreeType
    except (TypeError, OSError):
        return ImageFont.load_default()


def _frames_rgb(frames: Sequence[Frame], label: bool) -> list[Image.Image]:
    """The frames as RGB images of one size (the newest frame's), each with its step band."""
    if not frames:
        raise TimelapseError("this run has saved no sample grids yet, so there is nothing to play; grids are "
                             "saved every sample_every steps while it trains")
    images = []
    for f in frames:
        try:
            with Image.open(f.path) as im:
                images.append(im.convert("RGB"))
        except OSError as e:
            raise TimelapseError(f"{f.path}: not a readable PNG ({e})") from e
    w, h = images[-1].size
    if w < MIN_WIDTH:  # tiny grids (8x8 digits) cannot be seen, nor their step label read: integer upscale
        k = -(-MIN_WIDTH // w)
        w, h = w * k, h * k
    font = _font(BAND_PX - 6)
    out = []
    for f, im in zip(frames, images):
        if im.size != (w, h):
            im = im.resize((w, h), Image.NEAREST)
        if label:
            canvas = Image.new("RGB", (w, h + BAND_PX), "white")
            canvas.paste(im, (0, 0))
            ImageDraw.Draw(canvas).text((4, h + 2), f"step {f.step:,}", fill=(30, 30, 30), font=font)
            im = canvas
        out.append(im)
    return out


def timelapse_gif(frames: Sequence[Frame], *, fps: int = 5, max_frames: int = MAX_FRAMES, label: bool = True,
                  hold_last_s: float = 1.5) -> bytes:
    """An animated GIF (looping) of the grids, one frame per grid (after thinning to `max_frames`);
    the last frame stays `hold_last_s` longer so the result can be seen before the loop restarts."""
    check_options(fps, max_frames)
    images = _frames_rgb(thin(frames, max_frames), label)
    ms = round(1000 / fps)
    durations = [ms] * len(images)
    durations[-1] += round(1000 * hold_last_s)
    buf = io.BytesIO()
    # Pillow merges identical consecutive frames; the step band makes every frame distinct (label=False
    # can give fewer frames than grids when training stood still).
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0,
                   optimize=False, disposal=1)
    return buf.getvalue()


def mp4_available() -> bool:
    """Whether PyAV (with an H.264 or MPEG-4 encoder) can be imported here."""
    return _mp4_codec() is not None


def _mp4_codec() -> str | None:
    try:
        import av  # optional: FFmpeg's libraries; imported only when an MP4 is asked for
    except ImportError:
        return None
    for name in ("libx264", "h264", "mpeg4"):
        try:
            av.codec.Codec(name, "w")
            return name
        except Exception:  # PyAV raises its own error classes for an unknown codec
            continue
    return None


def timelapse_mp4(frames: Sequence[Frame], *, fps: int = 5, max_frames: int = MAX_FRAMES,
                  label: bool = True) -> bytes:
    """An H.264 MP4 (MPEG-4 Part 2 when no H.264 encoder is built in) of the grids, one video frame
    per grid. Raises TimelapseError(MP4_UNAVAILABLE) without PyAV."""
    check_options(fps, max_frames)
    codec = _mp4_codec()
    if codec is None:
        raise TimelapseError(MP4_UNAVAILABLE)
    import av
    import numpy as np

    images = _frames_rgb(thin(frames, max_frames), label)
    w, h = images[0].size
    w2, h2 = w + w % 2, h + h % 2  # yuv420p needs even sides: pad one white pixel
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = w2, h2, "yuv420p"
        if codec in ("libx264", "h264"):
            stream.options = {"crf": "18"}  # near-lossless: grids are small, their pixels matter
        for im in images:
            if (w2, h2) != (w, h):
                padded = Image.new("RGB", (w2, h2), "white")
                padded.paste(im, (0, 0))
                im = padded
            frame = av.VideoFrame.from_ndarray(np.asarray(im), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():  # flush the encoder's delayed frames
            container.mux(packet)
    return buf.getvalue()


def write_timelapse(run_dir: str | Path, out: str | Path, *, fps: int = 5, max_frames: int = MAX_FRAMES) -> int:
    """Write the run's time-lapse to `out` (.gif or .mp4, by its suffix); -> the number of frames."""
    out = Path(out)
    kind = out.suffix.lower()
    if kind not in (".gif", ".mp4"):
        raise TimelapseError(f"{out}: the output must end in .gif or .mp4, got {out.suffix or 'no suffix'!r}")
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise TimelapseError(f"{run_dir}: no such run directory")
    frames = saved_grids(run_dir)
    data = (timelapse_gif if kind == ".gif" else timelapse_mp4)(frames, fps=fps, max_frames=max_frames)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out, data)
    return len(thin(frames, max_frames))


def run_timelapse(args) -> int:
    """`python -m gan_core timelapse`: print what was written (or why not, exit status 2)."""
    try:
        n = write_timelapse(args.run, args.out, fps=args.fps, max_frames=args.max_frames)
    except TimelapseError as e:
        print(f"python -m gan_core timelapse: error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}: {n} frames at {args.fps} fps")
    return 0
