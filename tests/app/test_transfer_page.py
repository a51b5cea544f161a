"""AppTest of the Train page's transfer learning: start from a run's checkpoint with FreezeD, and the
refusals shown under the form (a checkpoint of another shape, D from a generator-only model). Uploads
(AppTest cannot upload) are checked through the function the uploader calls."""

import json

import pytest
from apptest import APP, TRAIN, rerun_until
from streamlit.testing.v1 import AppTest

from gan_core.checkpoint import CheckpointError
from gan_core.config import preset
from gan_core.run import TrainingRun
from gan_core.store import PRETRAINED_DIR


@pytest.fixture
def app(runs_root):
    return AppTest.from_file(APP, default_timeout=60).switch_page(TRAIN)


@pytest.fixture(scope="module")
def source_dir(tmp_path_factory):
    """A finished digits-dcgan run of a few steps: the checkpoint to start from (made once)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("source") / "src"
    run = TrainingRun(preset("digits-dcgan").replace(steps=2, log_every=1, score_every=0, device="cpu"), out)
    run.run()
    torch.set_num_threads(threads)
    assert run.state == "finished", run.error
    return out


@pytest.fixture
def source(source_dir, tmp_path):
    """The run, copied into this test's runs directory (the form lists it there)."""
    import shutil

    shutil.copytree(source_dir, tmp_path / "runs" / "src")
    return tmp_path / "runs" / "src" / "checkpoints" / "last.safetensors"


def test_start_from_a_runs_checkpoint_with_freeze_d(app, source, tmp_path):
    at = app.run()
    at.sidebar.selectbox(key="preset").set_value("digits-dcgan").run()
    at.sidebar.number_input(key="cfg_steps").set_value(5).run()
    box = at.sidebar.selectbox(key="cfg_init_from")
    assert str(source) in box.options or any("src" in o for o in box.options)
    box.set_value(str(source)).run()
    at.sidebar.number_input(key="cfg_freeze_d").set_value(1).run()
    assert not at.error, [e.value for e in at.error]
    at.button[0].click().run()
    run_id = at.query_params["run"]
    assert rerun_until(at, lambda a: any("Finished" in s.value for s in a.success))
    cfg = json.loads((tmp_path / "runs" / run_id / "config.json").read_text())
    assert cfg["init_from"] == str(source) and cfg["freeze_d"] == 1 and cfg["init_part"] == "both"


def test_refusals_block_start(app, source):
    at = app.run()
    at.sidebar.selectbox(key="preset").set_value("digits-dcgan").run()
    at.sidebar.selectbox(key="cfg_init_from").set_value(str(PRETRAINED_DIR / "digits-dcgan.safetensors")).run()
    assert any("holds only a generator" in e.value for e in at.error)
    assert at.button[0].proto.disabled
    at.sidebar.selectbox(key="cfg_init_part").set_value("g").run()
    assert not any("holds only a generator" in e.value for e in at.error)
    at.sidebar.selectbox(key="cfg_init_from").set_value(str(source)).run()
    at.sidebar.number_input(key="cfg_width").set_value(48).run()  # another shape than the checkpoint's
    assert any("has shape" in e.value and "width 32 (here 48)" in e.value for e in at.error)
    assert at.button[0].proto.disabled


def test_uploads_are_checked_and_stored_by_content(tmp_path, monkeypatch, source):
    monkeypatch.setenv("GAN_RUNS_DIR", str(tmp_path / "runs"))
    from ui.init_form import save_upload

    with pytest.raises(CheckpointError, match="not a safetensors file"):
        save_upload(b"hello, not weights", "notes.safetensors")
    with pytest.raises(CheckpointError, match="pickle"):
        save_upload(b"\x80\x04\x95" + b"\0" * 30, "weights.safetensors")
    data = source.read_bytes()
    path = save_upload(data, "mine.safetensors")
    assert path.read_bytes() == data and path.parent == tmp_path / "runs" / "uploads"
    assert save_upload(data, "again.safetensors") == path  # the same file once
