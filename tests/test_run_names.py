"""Run names (gan_core.run_names) and what TrainingRun / RunManager do with them, plus the
status of a paused run and the manager's per-run watchers (issue 15)."""

from __future__ import annotations

import time

import pytest

from gan_core.config import PRESETS, ConfigError, TrainConfig
from gan_core.manager import RunManager
from gan_core.run import TrainingRun
from gan_core.run_names import MAX_LEN, read_name, suggest_name, validate_name, write_name
from gan_core.store import read_json

pytestmark = pytest.mark.usefixtures("isolated")

TINY = {"dataset": "ring8", "arch": "mlp", "latent_dim": 2, "width": 16, "batch_size": 32, "log_every": 5,
        "device": "cpu", "seed": 0, "n_fixed": 16}


def preset_cfg(name: str, **kw) -> TrainConfig:
    return TrainConfig(**{**TrainConfig().to_dict(), **PRESETS[name].fields, **kw})


def test_suggested_names_show_the_preset_and_what_was_changed():
    assert suggest_name(preset_cfg("fmnist-dcgan"), "fmnist-dcgan") == "fmnist-dcgan"
    assert suggest_name(preset_cfg("fmnist-dcgan", lr_g=1.0, lr_d=1.0), "fmnist-dcgan") == "fmnist-dcgan · lr 1"
    assert suggest_name(preset_cfg("fmnist-dcgan", batch_size=32, loss="hinge"),
                        "fmnist-dcgan") == "fmnist-dcgan · hinge · bs 32"
    assert suggest_name(preset_cfg("ring8-mlp", lr_g=2e-4), "ring8-mlp") == "ring8-mlp · lr G 2e-4 D 1e-3"
    # without a preset (or one whose dataset/architecture no longer match): what the run is
    assert suggest_name(TrainConfig()) == "ring8 mlp · ns · lr 2e-4"
    assert suggest_name(preset_cfg("fmnist-dcgan", arch="mlp"), "fmnist-dcgan").startswith("fashion-mnist mlp · ns")
    many = preset_cfg("fmnist-dcgan", lr_g=0.123, lr_d=0.456, batch_size=17, d_steps=3, schedule="cosine",
                      width=48, latent_dim=12, steps=1234, seed=9)
    assert len(suggest_name(many, "fmnist-dcgan")) <= MAX_LEN
    assert validate_name(suggest_name(many, "fmnist-dcgan"))


@pytest.mark.parametrize("bad", ["", "   ", "x" * (MAX_LEN + 1), "a\nb", "tab\there", None, 5])
def test_bad_names_are_refused_with_what_is_allowed(bad):
    with pytest.raises(ConfigError) as e:
        validate_name(bad)
    assert e.value.field == "name"


def test_run_status_holds_its_name_and_a_rename_is_written(tmp_path):
    run = TrainingRun(TrainConfig(**TINY, steps=10), tmp_path / "r", name="  my first run ")
    assert run.name == "my first run"
    assert read_json(tmp_path / "r" / "status.json")["name"] == "my first run"
    assert read_name(tmp_path / "r") == "my first run"
    run.rename("lr 1 (diverges)")
    assert read_name(tmp_path / "r") == "lr 1 (diverges)" and run.status()["name"] == "lr 1 (diverges)"
    with pytest.raises(ConfigError):
        run.rename("\x00")
    assert read_name(tmp_path / "r") == "lr 1 (diverges)"
    unnamed = TrainingRun(TrainConfig(**TINY, steps=10), tmp_path / "u")
    assert unnamed.name == suggest_name(unnamed.cfg)
    assert read_name(tmp_path / "nowhere") is None


def test_manager_renames_runs_in_memory_and_on_disk(tmp_path):
    mgr = RunManager(tmp_path / "runs")
    run = mgr.submit(TrainConfig(**TINY, steps=5), name="alpha")
    run.join(60)
    assert mgr.rename(run.id, "beta") == "beta" and read_name(run.dir) == "beta"
    mgr.stop_all()
    other = RunManager(tmp_path / "runs")  # a later server: the run is on disk only
    assert other.rename(run.id, "gamma") == "gamma" and read_name(run.dir) == "gamma"
    assert write_name(run.dir, " delta ") == "delta"
    assert read_json(run.dir / "status.json")["state"] == "finished"  # the rest of the status is kept


def test_a_paused_run_has_no_rate_and_no_time_left(tmp_path, wait_for):
    run = TrainingRun(TrainConfig(**TINY, steps=1_000_000, sample_every=1_000_000, checkpoint_every_s=3600.0),
                      tmp_path / "r")
    run.start()
    try:
        wait_for(lambda: run.state == "running" and run.step > 20 and run.status()["steps_per_s"], what="a rate")
        assert run.status()["eta_s"] is not None
        run.pause()
        wait_for(lambda: run.state == "paused", what="the pause")
        # the state flips just before status.json is written: wait for the file too
        wait_for(lambda: read_json(tmp_path / "r" / "status.json")["state"] == "paused", what="the paused status")
        st = run.status()
        assert st["steps_per_s"] is None and st["eta_s"] is None, st
        assert read_json(tmp_path / "r" / "status.json")["steps_per_s"] is None
    finally:
        run.stop()
        run.join(30)


def test_pause_while_starting_pauses_once_ready(tmp_path, wait_for):
    run = TrainingRun(TrainConfig(**TINY, steps=1_000_000, sample_every=1_000_000), tmp_path / "r")
    run.state = "starting"  # as the manager sets it just before start()
    run.pause()
    run.start()
    try:
        wait_for(lambda: run.state == "paused", what="the pause asked for while starting")
        s0 = run.step
        time.sleep(0.3)
        assert run.step == s0
    finally:
        run.stop()
        run.join(30)


def test_a_run_listed_by_an_open_page_of_another_session_is_not_reaped(tmp_path, wait_for):
    """The run was adopted by tab B (its owner now), and B was closed; tab A still lists it and
    heartbeats: the run keeps training. unwatched_s counts from the last page that showed it."""
    mgr = RunManager(tmp_path / "runs", limits={"cpu": 2}, orphan_timeout_s=1.0)
    try:
        run = mgr.submit(TrainConfig(**TINY, steps=1_000_000, sample_every=1_000_000), owner="b")
        assert 0.9 < mgr.heartbeat_every_s <= 1.0
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            mgr.heartbeat("a", [run.id])
            assert mgr.unwatched_s("a", [run.id])[run.id] < 0.5
            time.sleep(0.1)
        assert run.active, run.error
        assert mgr.unwatched_s("zz") == {}  # another session's runs are not its business
        wait_for(lambda: run.state == "stopped", timeout=30, what="the run to be reaped once nobody watches")
        assert "no page showed it" in run.error
    finally:
        mgr.stop_all()
