"""gan_core.timelapse: a run's saved grids listed in step order, played as a GIF (one frame per grid)
or an MP4, and the refusals (no grids, bad fps, a suffix that is neither, no PyAV)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from gan_core import timelapse
from gan_core.cli import main
from gan_core.timelapse import Frame, TimelapseError, saved_grids, thin, timelapse_gif, timelapse_mp4, write_timelapse


def make_run(tmp_path, steps, size=(40, 30)):
    d = tmp_path / "run1"
    (d / "samples").mkdir(parents=True)
    for i, s in enumerate(steps):
        Image.new("RGB", size, (i * 30 % 255, 100, 200)).save(d / "samples" / f"step_{s:07d}.png")
    return d


def test_saved_grids_in_step_order_ignoring_other_files(tmp_path):
    d = make_run(tmp_path, [200, 0, 1000, 50])
    (d / "samples" / "step_0000300.png.tmp").write_bytes(b"half")  # an atomic write in progress
    (d / "samples" / "notes.txt").write_text("x")
    assert [f.step for f in saved_grids(d)] == [0, 50, 200, 1000]
    assert saved_grids(tmp_path / "missing") == []


def test_gif_has_one_frame_per_saved_grid_with_the_last_held(tmp_path):
    d = make_run(tmp_path, [0, 10, 20, 30, 40])
    data = timelapse_gif(saved_grids(d), fps=4, hold_last_s=1.0)
    im = Image.open(io.BytesIO(data))
    assert im.format == "GIF" and im.n_frames == 5
    durations = []
    for i in range(im.n_frames):
        im.seek(i)
        durations.append(im.info["duration"])
    assert durations[:4] == [250] * 4 and durations[4] == 1250
    assert im.size == (280, 210 + timelapse.BAND_PX)  # 7x to 256+ px wide, the step band under the grid


def test_identical_grids_still_give_one_frame_each(tmp_path):
    """Pillow merges identical consecutive GIF frames; the step label keeps them apart."""
    d = tmp_path / "same"
    (d / "samples").mkdir(parents=True)
    for s in (0, 5, 10):
        Image.new("L", (16, 16), 128).save(d / "samples" / f"step_{s:07d}.png")
    assert Image.open(io.BytesIO(timelapse_gif(saved_grids(d)))).n_frames == 3


def test_frames_of_other_sizes_are_scaled_to_the_newest(tmp_path):
    """A progressive run's grid grows: every frame takes the newest one's size."""
    d = tmp_path / "grow"
    (d / "samples").mkdir(parents=True)
    Image.new("RGB", (14, 14), "red").save(d / "samples" / "step_0000000.png")
    Image.new("RGB", (28, 28), "blue").save(d / "samples" / "step_0000100.png")
    im = Image.open(io.BytesIO(timelapse_gif(saved_grids(d), label=False)))
    assert im.n_frames == 2 and im.size == (280, 280)


def test_thin_keeps_first_and_last_evenly():
    frames = [Frame(s, None) for s in range(0, 1000, 10)]  # 100 grids
    kept = thin(frames, 10)
    assert len(kept) == 10 and kept[0].step == 0 and kept[-1].step == 990
    assert len({f.step for f in kept}) == 10
    assert thin(frames[:5], 10) == frames[:5]


def test_run_without_grids_is_refused_with_the_reason(tmp_path):
    d = tmp_path / "empty"
    (d / "samples").mkdir(parents=True)
    with pytest.raises(TimelapseError, match="no sample grids"):
        timelapse_gif(saved_grids(d))


@pytest.mark.parametrize("fps", [0, 31, 2.5, True])
def test_bad_fps_is_refused(tmp_path, fps):
    d = make_run(tmp_path, [0, 10])
    with pytest.raises(TimelapseError, match="allowed: a whole number from 1 to 30"):
        timelapse_gif(saved_grids(d), fps=fps)


def test_mp4_without_pyav_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(timelapse, "_mp4_codec", lambda: None)
    assert not timelapse.mp4_available()
    with pytest.raises(TimelapseError, match="pip install av"):
        timelapse_mp4(saved_grids(make_run(tmp_path, [0, 10])))


def test_mp4_has_one_frame_per_saved_grid(tmp_path):
    av = pytest.importorskip("av")
    d = make_run(tmp_path, [0, 10, 20, 30], size=(257, 31))  # odd sides: padded to even for yuv420p
    data = timelapse_mp4(saved_grids(d), fps=5)
    with av.open(io.BytesIO(data)) as c:
        frames = list(c.decode(video=0))
    assert len(frames) == 4
    assert (frames[0].width, frames[0].height) == (258, 31 + timelapse.BAND_PX + 1)


def test_cli_writes_a_gif_and_refuses_bad_input(tmp_path, capsys):
    d = make_run(tmp_path, [0, 10, 20])
    out = tmp_path / "out" / "t.gif"
    assert main(["timelapse", "--run", str(d), "--out", str(out), "--fps", "3"]) == 0
    assert Image.open(out).n_frames == 3
    assert "3 frames at 3 fps" in capsys.readouterr().out
    assert main(["timelapse", "--run", str(d), "--out", str(tmp_path / "t.avi")]) == 2
    assert "must end in .gif or .mp4" in capsys.readouterr().err
    assert main(["timelapse", "--run", str(tmp_path / "nope"), "--out", str(out)]) == 2
    assert "no such run directory" in capsys.readouterr().err


def test_write_timelapse_counts_thinned_frames(tmp_path):
    d = make_run(tmp_path, list(range(0, 100, 10)))
    assert write_timelapse(d, tmp_path / "t.gif", max_frames=4) == 4
    assert Image.open(tmp_path / "t.gif").n_frames == 4
