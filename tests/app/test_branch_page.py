"""AppTest of branching from the pages: "Continue with changes" on the Runs page fills the Train page's form
from the run's checkpoint and Start makes a branched run with its parent on record; a change of the nets is
refused under the form; an alarm's remedy is a one-click branch on the Train page."""

from __future__ import annotations

import json

import pytest
from apptest import APP, TRAIN, rerun_until
from streamlit.testing.v1 import AppTest

from gan_core.branch import read_parent
from gan_core.checks import validate_config
from gan_core.config import TrainConfig
from gan_core.run import TrainingRun
from gan_core.store import atomic_write_json, read_json

PARENT = "20260101-000010-aaaaaa"
TINY = dict(dataset="digits", arch="dcgan", latent_dim=4, width=4, batch_size=8, n_fixed=4, device="cpu",
            score_every=0, sample_every=1000, log_every=5, steps=6)


@pytest.fixture(scope="module")
def parent_dir(tmp_path_factory):
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("parent") / PARENT
    run = TrainingRun(validate_config(TrainConfig(**TINY)), out)
    run.run()
    torch.set_num_threads(threads)
    assert run.state == "finished", run.error
    return out


@pytest.fixture
def root(runs_root, parent_dir):
    import shutil

    shutil.copytree(parent_dir, runs_root / PARENT)
    return runs_root


def test_continue_with_changes_from_the_runs_page(root):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("app_pages/runs.py").run()
    next(b for b in at.button if b.key == f"branch_{PARENT}").click().run()
    assert not at.exception, at.exception
    assert any(t.value == "Train a GAN" for t in at.title)  # the Runs page switched to the Train page...
    at.switch_page("app_pages/train.py").run()  # ...which AppTest keeps showing only when told
    assert any("Branch of run" in i.value and "step 6" in i.value for i in at.sidebar.info)
    assert at.sidebar.number_input(key="cfg_width").value == 4  # the form holds the parent's settings
    at.sidebar.number_input(key="cfg_width").set_value(8).run()  # the nets cannot change in a branch
    assert any("trained with width 4 (here 8)" in e.value for e in at.error)
    assert at.button[0].proto.disabled
    at.sidebar.number_input(key="cfg_width").set_value(4).run()
    at.sidebar.number_input(key="cfg_lr_d").set_value(0.0001).run()
    assert not at.error, [e.value for e in at.error]
    at.button[0].click().run()
    run_id = at.query_params["run"]
    run_id = run_id[0] if isinstance(run_id, list) else run_id
    assert run_id != PARENT
    assert rerun_until(at, lambda a: read_json(root / run_id / "status.json").get("state") == "finished")
    parent = read_parent(root / run_id)
    assert parent["run_id"] == PARENT and parent["step"] == 6 and parent["changed"]["lr_d"] == [2e-4, 1e-4]
    cfg = json.loads((root / run_id / "config.json").read_text())
    assert cfg["init_from"].endswith(f"{PARENT}/checkpoints/last.safetensors")
    assert not any("Branch of run" in i.value for i in at.sidebar.info)  # the branch was made: the form is free
    at.switch_page("app_pages/runs.py").run()
    assert any(f"Branched from run {PARENT} at step 6; changed: lr_d" in c.value for c in at.caption)
    at.switch_page("app_pages/compare.py").run()
    assert any(f"is a branch of run {PARENT} from its step 6" in c.value for c in at.caption)


def test_an_alarms_remedy_is_a_one_click_branch(root):
    status = read_json(root / PARENT / "status.json")
    status.update(state="failed", error="Training diverged")
    atomic_write_json(root / PARENT / "status.json", status)
    alarm = {"name": "divergence", "step": 6, "message": "non-finite d_loss", "level": "error", "title": "Diverged",
             "explanation": "", "remedies": ["Lower the learning rates"]}
    (root / PARENT / "alarms.jsonl").write_text(json.dumps(alarm) + "\n")  # as gan_core.metrics.monitor writes it
    at = AppTest.from_file(APP, default_timeout=60).switch_page(TRAIN)
    at.query_params["run"] = PARENT
    at.run()
    assert not at.exception, at.exception
    halve = next(b for b in at.button if b.label == "Both learning rates halved")
    assert not any(b.label.startswith("WGAN-GP") for b in at.button)  # DCGAN's D would change: not offered
    halve.click().run()
    run_id = at.query_params["run"]
    run_id = run_id[0] if isinstance(run_id, list) else run_id
    assert run_id != PARENT and not at.exception, [e.value for e in at.error]
    parent = read_parent(root / run_id)
    assert parent["changed"]["lr_g"] == [2e-4, 1e-4] and parent["changed"]["lr_d"] == [2e-4, 1e-4]
