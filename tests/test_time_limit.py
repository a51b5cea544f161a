"""The time limit (`time_limit`, `--time-limit`): a run ends as finished at whichever comes first,
its steps or its seconds of training, with a final sample grid, checkpoint and scores."""

from __future__ import annotations

import pytest

from gan_core.checks import validate_config
from gan_core.cli import main
from gan_core.config import ConfigError, TrainConfig
from gan_core.run import TrainingRun
from gan_core.store import read_json, read_jsonl

pytestmark = pytest.mark.usefixtures("isolated")

TINY = {"dataset": "ring8", "arch": "mlp", "latent_dim": 2, "width": 16, "batch_size": 32, "log_every": 7,
        "device": "cpu", "seed": 0, "n_fixed": 16, "sample_every": 1000}


def test_time_limit_ends_the_run_as_finished_with_checkpoint_and_scores(tmp_path):
    cfg = validate_config(TrainConfig(**TINY, steps=10_000_000, time_limit=1.5, score_every=1_000_000))
    run = TrainingRun(cfg, tmp_path / "run")
    run.run()
    assert run.state == "finished", run.error
    assert run.ended_by == "time_limit"
    assert 0 < run.step < cfg.steps
    assert 1.5 <= run.train_seconds < 10.0
    status = read_json(tmp_path / "run" / "status.json")
    assert status["state"] == "finished" and status["ended_by"] == "time_limit" and status["eta_s"] is None
    assert run.last_checkpoint_step == run.step  # the final checkpoint is of the last step
    # the last step is scored although score_every is far away, and logged (not a partial window lost)
    scores = read_jsonl(tmp_path / "run" / "scores.jsonl")
    assert scores and scores[-1]["step"] == run.step and "modes_covered" in scores[-1]
    assert read_jsonl(tmp_path / "run" / "metrics.jsonl")[-1]["step"] == run.step
    assert (tmp_path / "run" / "samples" / f"step_{run.step:07d}.png").is_file()


def test_steps_end_the_run_before_a_long_time_limit(tmp_path):
    cfg = validate_config(TrainConfig(**TINY, steps=30, time_limit=3600.0, score_every=0))
    run = TrainingRun(cfg, tmp_path / "run")
    run.run()
    assert (run.state, run.ended_by, run.step) == ("finished", "steps", 30)


def test_a_stopped_run_is_not_finished(tmp_path):
    cfg = validate_config(TrainConfig(**TINY, steps=10_000_000, time_limit=3600.0, score_every=0))
    run = TrainingRun(cfg, tmp_path / "run")
    run.start()
    while run.step < 20:
        pass
    run.stop()
    run.join(30)
    assert (run.state, run.ended_by) == ("stopped", None)


def test_continuing_a_timed_run_gets_the_limit_again(tmp_path):
    cfg = validate_config(TrainConfig(**TINY, steps=10_000_000, time_limit=0.6, score_every=0))
    first = TrainingRun(cfg, tmp_path / "run")
    first.run()
    assert first.ended_by == "time_limit"
    again = TrainingRun.resume_from(tmp_path / "run")
    again.run()
    assert again.state == "finished" and again.ended_by == "time_limit"
    assert again.step > first.step  # it trained on, instead of ending at once on the old clock
    assert again.train_seconds >= first.train_seconds + 0.6


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), 8 * 86400.0])
def test_bad_time_limits_are_refused(bad):
    with pytest.raises(ConfigError) as e:
        validate_config(TrainConfig(**TINY, time_limit=bad))
    assert e.value.field == "time_limit"


def test_cli_time_limit(tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["train", "--dataset", "ring8", "--arch", "mlp", "--latent-dim", "2", "--width", "16",
                 "--steps", "10000000", "--time-limit", "1", "--score-every", "0", "--device", "cpu",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "finished (time limit reached)" in printed
    assert read_json(out / "status.json")["ended_by"] == "time_limit"
    assert read_json(out / "config.json")["time_limit"] == 1.0
    # --time-limit may be given with --resume (only it and --steps)
    assert main(["train", "--resume", str(out), "--time-limit", "0.5"]) == 0
    assert read_json(out / "config.json")["time_limit"] == 0.5
    assert main(["train", "--resume", str(out), "--lr-g", "0.1"]) == 2
    assert "only --steps and --time-limit" in capsys.readouterr().err
