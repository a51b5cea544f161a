"""TensorBoard option: with the package, a run writes scalars (losses and scores) and sample grids
as event files that TensorBoard itself reads back; without it (simulated by hiding the module),
the command line refuses with the install hint and a run started anyway trains on with a notice."""

from __future__ import annotations

import sys

import pytest

from gan_core.config import TrainConfig
from gan_core.metrics.monitor import TENSORBOARD_HELP, tensorboard_available

pytestmark = pytest.mark.usefixtures("isolated")


def tiny(**kw) -> TrainConfig:
    base = dict(dataset="ring8", arch="mlp", latent_dim=2, width=16, batch_size=32, log_every=10, steps=40,
                sample_every=20, device="cpu", n_fixed=16, score_every=20, tensorboard=True)
    return TrainConfig(**{**base, **kw})


@pytest.fixture
def no_tensorboard(monkeypatch):
    """As if tensorboard were not installed: `from torch.utils.tensorboard import ...` fails."""
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    assert not tensorboard_available()


def test_run_writes_tensorboard_events(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from gan_core.run import TrainingRun

    run = TrainingRun(tiny(), tmp_path / "tb")
    run.run()
    assert run.state == "finished", run.error
    files = list((tmp_path / "tb" / "tensorboard").glob("events.out.tfevents.*"))
    assert files, "no event file written"
    acc = EventAccumulator(str(tmp_path / "tb" / "tensorboard"), size_guidance={"images": 0, "scalars": 0}).Reload()
    tags = acc.Tags()
    assert {"train/d_loss", "train/g_loss", "scores/modes_covered", "scores/js"} <= set(tags["scalars"])
    assert [e.step for e in acc.Scalars("train/d_loss")] == [10, 20, 30, 40]
    assert [e.step for e in acc.Scalars("scores/modes_covered")] == [20, 40]
    assert "samples/fixed_noise" in tags["images"] and len(acc.Images("samples/fixed_noise")) >= 2


def test_missing_tensorboard_cli_says_how_to_install(no_tensorboard, capsys, tmp_path):
    from gan_core.cli import main

    assert main(["train", "--preset", "ring8-mlp", "--steps", "10", "--tensorboard", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "pip install tensorboard" in err and "--tensorboard" in err
    assert not (tmp_path / "x").exists()  # refused before a run directory exists


def test_missing_tensorboard_run_trains_with_a_notice(no_tensorboard, tmp_path):
    from gan_core.run import TrainingRun
    from gan_core.store import read_jsonl

    run = TrainingRun(tiny(steps=20), tmp_path / "r")
    run.run()
    assert run.state == "finished", run.error
    notes = [a for a in read_jsonl(tmp_path / "r" / "alarms.jsonl") if a["name"] == "notice"]
    assert notes and TENSORBOARD_HELP in notes[0]["message"] and notes[0]["level"] == "info"
    assert not (tmp_path / "r" / "tensorboard").exists()
