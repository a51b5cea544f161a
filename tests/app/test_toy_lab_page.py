"""AppTest of the 2-D lab page: the view, single steps (D, G, both), play/pause, settings.

AppTest does not run the canvas component's JavaScript; it sees the component's element with the
frame the page sent it (json_args), which is what these tests read. The drawing itself is tested in
the browser (tests/e2e/test_toy_lab_browser.py)."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
# frames a refresh sends while playing (a page script is not imported: read from its source)
FRAMES_PER_TICK = int(re.search(r"^FRAMES_PER_TICK = (\d+)", (REPO / "app_pages" / "toy_lab.py").read_text(),
                                re.M).group(1))
STEP_RE = re.compile(r"Step \*\*([\d,]+)\*\* · D updates ([\d,]+) · G updates ([\d,]+)")


@pytest.fixture
def lab(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page("app_pages/toy_lab.py").run()
    yield at
    torch.set_num_threads(threads)


def counters(at) -> tuple[int, int, int]:
    for m in at.markdown:
        if (hit := STEP_RE.search(m.value)) is not None:
            return tuple(int(g.replace(",", "")) for g in hit.groups())
    raise AssertionError(f"no step counter in {[m.value for m in at.markdown]}")


def view_args(at) -> dict:
    """What the page sent to the canvas view (one component, keyed lab_view)."""
    (view,) = at.get("component_instance")
    return json.loads(view.proto.json_args)


def view_frame(at) -> dict:
    """The frame the canvas view shows last."""
    return view_args(at)["frame"]


def test_view_and_single_steps(lab):
    at = lab
    assert not at.exception
    assert at.sidebar.selectbox(key="labcfg_preset").value == "ring8-lab"
    assert at.sidebar.selectbox(key="labcfg_arch").value == "toy-mlp"
    assert counters(at) == (0, 0, 0)
    assert len(at.get("plotly_chart")) == 1  # the charts under the view (the view is a canvas)
    frame = view_frame(at)
    assert frame["step"] == 0 and frame["heat"]["res"] ** 2 == len(base64.b64decode(frame["heat"]["u8"]))
    assert frame["layers"] == ["heat", "real", "fake", "arrows", "manifold"]
    fake0 = frame["fake"]["q"]
    at.button(key="lab_step").click().run()
    assert counters(at) == (1, 1, 1)
    assert view_frame(at)["step"] == 1 and view_frame(at)["fake"]["q"] != fake0  # G moved its points
    assert any("One iteration" in i.value for i in at.info)
    fake1 = view_frame(at)["fake"]["q"]
    at.button(key="lab_step_d").click().run()
    assert counters(at) == (1, 2, 1)
    assert view_frame(at)["fake"]["q"] == fake1  # a D step leaves the fake points where they are
    assert any("Discriminator step" in i.value for i in at.info)
    assert any("next: G phase" in m.value for m in at.markdown)
    at.button(key="lab_step_g").click().run()
    assert counters(at) == (2, 2, 2)
    assert any("Generator step" in i.value for i in at.info)
    assert any("modes covered" in c.value for c in at.caption)
    at.pills(key="lab_layers").set_value(["heat", "fake"]).run()  # layers switched off are not sent
    frame = view_frame(at)
    assert frame["layers"] == ["heat", "fake"] and frame["arrows"] is None and frame["manifold"] is None
    assert not at.exception


def test_play_pause_and_reset(lab):
    at = lab
    at.button(key="lab_play").click().run()
    assert at.button(key="lab_play").label == "Pause"
    assert at.button(key="lab_step").proto.disabled  # no single steps while playing
    # Each refresh while playing draws, then trains for a short time budget (at least one
    # iteration): the counter a refresh shows is what the refreshes before it trained.
    at.run()
    step = counters(at)[0]
    assert step >= 1
    at.run()
    assert counters(at)[0] > step
    # A refresh sends the frames it made while training last time (the canvas plays them, then
    # the frame of now): several redraws per rerun, in order, ending before the step shown.
    args = view_args(at)
    steps = [f["step"] for f in args["before"]]
    assert len(steps) == FRAMES_PER_TICK - 1 and steps == sorted(steps), steps
    assert step < steps[0] and steps[-1] < args["frame"]["step"] == counters(at)[0]
    assert all(f["heat"] and f["fake"] and f["arrows"] for f in args["before"])
    at.button(key="lab_play").click().run()  # pause
    assert at.button(key="lab_play").label == "Play"
    assert view_args(at)["before"] == []  # paused: the exact state alone, nothing left to play
    paused = counters(at)
    at.run()
    assert counters(at) == paused  # nothing moves while paused
    at.button(key="lab_step").click().run()
    assert counters(at)[0] == paused[0] + 1
    at.button(key="lab_reset").click().run()
    assert counters(at) == (0, 0, 0)
    assert not at.exception


def test_slow_motion_plays_half_iterations(lab):
    at = lab
    at.toggle(key="lab_slow").set_value(True).run()
    at.button(key="lab_play").click().run()
    assert counters(at) == (0, 1, 0)  # the D phase first, with its explanation
    assert any("Discriminator step" in i.value for i in at.info)
    at.run()
    assert counters(at) == (1, 1, 1)
    assert any("Generator step" in i.value for i in at.info)


def test_settings_restart_the_lab_and_images_are_refused(lab):
    at = lab
    at.button(key="lab_step").click().run()
    at.sidebar.number_input(key="labcfg_width").set_value(32).run()
    assert counters(at) == (0, 0, 0)  # a new lab for the new settings
    at.sidebar.selectbox(key="labcfg_noise").set_value("uniform").run()
    at.sidebar.number_input(key="labcfg_latent_dim").set_value(1).run()
    assert not at.exception and counters(at) == (0, 0, 0)
    at.sidebar.selectbox(key="labcfg_dataset").set_value("digits").run()
    assert any("2-D lab shows 2-D points" in e.value for e in at.error)
    next(b for b in at.button if b.label.startswith("Use the ring-of-8")).click().run()
    assert at.sidebar.selectbox(key="labcfg_dataset").value == "ring8"
    assert not at.error and not at.exception
