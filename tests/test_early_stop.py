"""`--early-stop N` and the best checkpoint (issue 17).

A run that scores keeps checkpoints/best.safetensors (the same format as last.safetensors) holding the
model with the best monitored score so far, with or without early stopping; with --early-stop N it
finishes once N observations in a row have not beaten the best, saying why in its status. Bad inputs
are refused before a run directory exists.
"""

from __future__ import annotations

import json

import pytest

from gan_core.checkpoint import load_models, load_training_state
from gan_core.config import ConfigError, TrainConfig
from gan_core.run import TrainingRun
from gan_core.store import read_json, read_jsonl

pytestmark = pytest.mark.usefixtures("isolated")

TINY = {"dataset": "ring8", "arch": "mlp", "latent_dim": 2, "width": 16, "batch_size": 32, "log_every": 5,
        "device": "cpu", "seed": 0, "n_fixed": 16, "sample_every": 1000, "lr_g": 1e-3, "lr_d": 1e-3}


def _scored(run_dir, key: str = "kl") -> list[tuple[int, float]]:
    return [(r["step"], r[key]) for r in read_jsonl(run_dir / "metrics.jsonl") if key in r]


def test_early_stopping_finishes_when_the_score_stops_improving(tmp_path):
    d = tmp_path / "runs" / "r"
    run = TrainingRun(TrainConfig(**TINY, steps=400, score_every=10, early_stop=2), d)
    run.run()
    status = read_json(d / "status.json")
    assert (run.state, run.ended_by) == ("finished", "early_stop") and status["ended_by"] == "early_stop"
    assert run.step < 400, "it trained all its steps"
    scored = _scored(d)
    best_step, best = min(scored, key=lambda sv: (sv[1], sv[0]))
    # it stopped at the second scoring in a row that did not beat the best, and not before
    after = [s for s, _v in scored if s > best_step]
    assert len(after) == 2 and after[-1] == run.step
    assert all(v > best for s, v in scored if s != best_step)  # strictly the best, kept where it was reached
    assert "Early stopping" in status["stop_reason"] and "kl has not improved for 2 scorings" in status["stop_reason"]
    assert status["best"] == {"metric": "kl", "value": pytest.approx(best), "step": best_step}
    # the best model is on disk, in the format of the last one, with its score
    _t, doc = load_training_state(d / "checkpoints" / "best.safetensors")
    assert doc["meta"]["best"] == {"metric": "kl", "value": pytest.approx(best), "step": best_step}
    assert doc["training"]["step"] == best_step
    G, D, cfg, meta = load_models(d / "checkpoints" / "best.safetensors")
    assert D is not None and meta["step"] == best_step and cfg.early_stop == 2
    assert json.loads((d / "checkpoints" / "best.json").read_text())["meta"]["step"] == best_step
    assert read_json(d / "status.json")["last_checkpoint_step"] == run.step


def test_the_best_checkpoint_is_kept_without_early_stopping_whenever_scores_are_computed(tmp_path):
    d = tmp_path / "runs" / "r"
    TrainingRun(TrainConfig(**TINY, steps=100, score_every=20), d).run()
    scored = _scored(d)
    assert len(scored) == 5
    best_step, best = min(scored, key=lambda sv: (sv[1], sv[0]))
    _t, doc = load_training_state(d / "checkpoints" / "best.safetensors")
    assert doc["meta"]["best"]["value"] == pytest.approx(best) and doc["meta"]["best"]["step"] == best_step
    assert read_json(d / "status.json")["state"] == "finished" and read_json(d / "status.json")["step"] == 100


def test_no_best_checkpoint_when_nothing_monitored_is_logged(tmp_path):
    d = tmp_path / "runs" / "r"
    TrainingRun(TrainConfig(**TINY, steps=20, score_every=0), d).run()  # monitor auto = kl, never scored
    assert (d / "checkpoints" / "last.safetensors").is_file()
    assert not (d / "checkpoints" / "best.safetensors").exists()
    assert read_json(d / "status.json")["best"] is None


def test_a_loss_can_be_monitored(tmp_path):
    d = tmp_path / "runs" / "r"
    run = TrainingRun(TrainConfig(**TINY, steps=200, score_every=0, monitor="d_loss", early_stop=3), d)
    run.run()
    rows = read_jsonl(d / "metrics.jsonl")
    best = min(r["d_loss"] for r in rows)
    assert run.best["metric"] == "d_loss" and run.best["value"] == pytest.approx(best)
    assert run.ended_by == "early_stop" and "d_loss has not improved for 3 logged windows" in run.stop_reason
    assert [r["step"] for r in rows if r["step"] > run.best["step"]] == [run.best["step"] + 5 * k for k in (1, 2, 3)]


def test_a_continued_run_keeps_its_best(tmp_path):
    d = tmp_path / "runs" / "r"
    cfg = TrainConfig(**TINY, steps=120, score_every=10)
    first = TrainingRun(cfg, d)
    first.run(on_progress=lambda r: r.stop() if r.step >= 60 else None)
    assert first.state == "stopped"
    TrainingRun.resume_from(d).run()
    scored = _scored(d)
    best_step, best = min(scored, key=lambda sv: (sv[1], sv[0]))
    status = read_json(d / "status.json")
    assert status["best"] == {"metric": "kl", "value": pytest.approx(best), "step": best_step}
    _t, doc = load_training_state(d / "checkpoints" / "best.safetensors")
    assert doc["meta"]["best"]["step"] == best_step


@pytest.mark.parametrize(("changes", "field", "says"), [
    ({"early_stop": -1}, "early_stop", "from 0 to 100000"),
    ({"early_stop": 3, "score_every": 0}, "monitor", "early_stop 3 watches 'kl'"),
    ({"early_stop": 3, "monitor": "fd_clf", "score_every": 50}, "monitor", "images"),
    ({"early_stop": 3, "dataset": "digits", "monitor": "hq_pct"}, "monitor", "2-D points"),
    ({"early_stop": 3, "dataset": "csv:pts.csv", "monitor": "modes_covered"}, "monitor", "named toy mixture"),
    ({"monitor": "g_loss", "early_stop": 2.5}, "early_stop", "expected int"),
])
def test_bad_early_stopping_inputs_are_refused_before_a_run_exists(tmp_path, changes, field, says):
    d = tmp_path / "runs" / "r"
    with pytest.raises(ConfigError) as e:
        TrainingRun(TrainConfig(**{**TINY, **changes}), d)
    assert e.value.field == field and says in str(e.value), str(e.value)
    assert not d.exists()


def test_explore_and_compare_list_the_best_checkpoint(tmp_path):
    from ui.compare import export_zip, import_zip, load_run, scores_table
    from ui.explore_source import run_checkpoints

    root = tmp_path / "runs"
    TrainingRun(TrainConfig(**TINY, steps=40, score_every=20), root / "r").run()
    (entry,) = run_checkpoints()
    assert entry["best_path"] == str(root / "r" / "checkpoints" / "best.safetensors")
    assert entry["best"]["metric"] == "kl"
    (row,) = scores_table([load_run(root / "r")])
    assert row["best"].startswith("kl ") and f"at step {entry['best']['step']}" in row["best"]
    new_id = import_zip(export_zip(root / "r"), root)  # a run's zip carries its best checkpoint
    assert (root / new_id / "checkpoints" / "best.safetensors").is_file()
