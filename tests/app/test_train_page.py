"""AppTest of the Train page: start a short run, see the chart and the samples, stop it."""

import time

import pytest
from streamlit.testing.v1 import AppTest

APP = str(__import__("pathlib").Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    from ui.session import get_manager

    get_manager.clear()  # a fresh process-wide manager rooted in tmp_path
    yield AppTest.from_file(APP, default_timeout=60)
    get_manager().stop_all()
    get_manager.clear()


def _progress_text(at) -> str:
    bars = at.get("progress")
    return bars[0].proto.text if bars else ""


def _wait(at, pred, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        at.run()
        if pred(at):
            return True
        time.sleep(0.5)
    return False


def test_start_shows_chart_and_samples_then_stop(app, tmp_path):
    at = app.run()
    assert not at.exception
    assert at.sidebar.selectbox(key="cfg_dataset").value == "ring8"
    at.sidebar.number_input(key="cfg_steps").set_value(5000).run()
    at.button[0].click().run()
    run_id = at.query_params["run"]
    assert run_id
    assert _wait(at, lambda a: "steps/s" in _progress_text(a) and len(a.get("plotly_chart")) >= 3), _progress_text(at)
    # charts: LR preview, metrics, and the 2-D scatter of real and generated points
    assert any("Real points" in c.value for c in at.caption)
    stop = next(b for b in at.button if b.label == "Stop")
    stop.click().run()
    assert any("Stopped at step" in i.value for i in at.info)
    assert (tmp_path / "runs" / run_id / "checkpoints" / "last.safetensors").is_file()
    assert next(b for b in at.button if b.label == "Stop").proto.disabled  # nothing left to stop


def test_images_show_a_sample_grid_and_finish(app):
    at = app.run()
    at.sidebar.selectbox(key="preset").set_value("digits-dcgan").run()
    assert at.sidebar.selectbox(key="cfg_arch").value == "dcgan"
    at.sidebar.number_input(key="cfg_steps").set_value(40).run()
    at.button[0].click().run()
    assert _wait(at, lambda a: any("Finished" in s.value for s in a.success), timeout=60)
    assert len(at.get("image")) >= 1  # the fixed-noise grid
    assert not at.exception


def test_bad_config_blocks_start_with_message(app):
    at = app.run()
    at.sidebar.selectbox(key="cfg_dataset").set_value("digits").run()
    at.sidebar.number_input(key="cfg_batch_size").set_value(4000).run()  # digits has 1,797 images
    assert any("batch_size" in e.value for e in at.error)
    assert at.button[0].proto.disabled
