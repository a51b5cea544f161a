"""gan_core.run_view: one snapshot of a run, live or from its directory, and its cache."""

import json
import math

from gan_core.config import TrainConfig
from gan_core.run import TrainingRun
from gan_core.run_view import columns_from_rows, from_disk, of_run, snapshot
from gan_core.store import append_jsonl, atomic_write_json


def _run_dir(root, run_id="r1"):
    d = root / run_id
    (d / "samples").mkdir(parents=True)
    atomic_write_json(d / "config.json", TrainConfig(dataset="ring8", steps=300).to_dict())
    atomic_write_json(d / "status.json", {"id": run_id, "name": "ring lr 1", "state": "stopped", "step": 300,
                                          "steps": 300, "last_checkpoint_step": 300})
    # a scoring row in the middle: the last row has no score (scores come every score_every steps)
    rows = [{"step": 100, "d_loss": 1.2, "g_loss": 0.9},
            {"step": 200, "d_loss": 1.1, "g_loss": 0.8, "fd": 4.0, "modes_covered": 6},
            {"step": 300, "d_loss": 1.0, "g_loss": 0.7}]
    append_jsonl(d / "metrics.jsonl", rows)
    append_jsonl(d / "scores.jsonl", [{"step": 200, "fd": 4.0, "mode_hist": [1] * 8}])
    append_jsonl(d / "alarms.jsonl", [{"name": "mode_collapse", "step": 200}])
    (d / "samples" / "step_0000300.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return d


def test_columns_are_the_union_of_every_rows_keys_with_gaps():
    cols = columns_from_rows([{"step": 1, "a": 1.0}, {"step": 2, "b": 5.0}, {"step": 3, "a": 3.0}])
    assert list(cols) == ["step", "a", "b"]
    assert cols["step"] == [1, 2, 3]
    assert cols["a"][0] == 1.0 and math.isnan(cols["a"][1]) and cols["a"][2] == 3.0
    assert math.isnan(cols["b"][0]) and cols["b"][1] == 5.0 and math.isnan(cols["b"][2])


def test_a_stopped_runs_scores_survive_when_the_last_row_has_none(tmp_path):
    snap = from_disk(_run_dir(tmp_path))
    assert snap.column("fd")[1] == 4.0 and snap.column("modes_covered")[1] == 6
    assert snap.name == "ring lr 1" and snap.status["state"] == "stopped" and not snap.live
    assert snap.scores["mode_hist"] == [1] * 8 and snap.alarms[0]["name"] == "mode_collapse"
    assert snap.sample["kind"] == "image" and snap.sample["step"] == 300
    assert all(math.isnan(v) for v in snap.column("never_logged")) and len(snap.column("never_logged")) == 3


def test_disk_reads_are_cached_until_a_file_changes(tmp_path):
    d = _run_dir(tmp_path)
    first = from_disk(d)
    assert from_disk(d) is first  # nothing changed: the same object, no re-read
    append_jsonl(d / "metrics.jsonl", [{"step": 400, "d_loss": 0.9}])
    second = from_disk(d)
    assert second is not first and second.column("step")[-1] == 400
    atomic_write_json(d / "status.json", {**second.status, "name": "renamed"})
    assert from_disk(d).name == "renamed"


def test_a_directory_with_missing_or_broken_files_is_still_readable(tmp_path):
    d = tmp_path / "half"
    d.mkdir()
    (d / "status.json").write_text("{not json")
    snap = from_disk(d)
    assert snap.status == {"state": "unknown"} and snap.config == {} and snap.columns == {} and snap.sample is None
    assert snapshot("nope", None, tmp_path) is None


def test_a_live_run_and_its_directory_give_the_same_columns(tmp_path):
    cfg = TrainConfig(dataset="ring8", steps=40, log_every=10, sample_every=20, score_every=20, device="cpu")
    run = TrainingRun(cfg, tmp_path / "live")
    run.run()
    live = of_run(run)
    assert live.live and live.status["state"] == "finished"
    disk = from_disk(tmp_path / "live")
    assert disk.column("step") == live.column("step")
    assert set(live.columns) <= set(disk.columns)  # the file holds every key the log held
    assert json.loads(json.dumps(disk.status))["step"] == 40


def test_snapshot_prefers_the_live_run(tmp_path):
    class Manager:
        def get(self, run_id):
            return self.run if run_id == self.run.id else None

    cfg = TrainConfig(dataset="ring8", steps=10, log_every=5, device="cpu")
    m = Manager()
    m.run = TrainingRun(cfg, tmp_path / "x")
    m.run.run()
    assert snapshot("x", m, tmp_path).live
    assert not snapshot("x", None, tmp_path).live


def test_the_newest_grid_is_found_by_step_number_past_ten_million_steps(tmp_path):
    # names are zero-padded to 7 digits: as text, step_10000000.png sorts before step_9999999.png
    from ui.run_cards import newest_sample

    d = _run_dir(tmp_path)
    for step in (9_999_999, 10_000_000):
        (d / "samples" / f"step_{step:07d}.png").write_bytes((d / "samples" / "step_0000300.png").read_bytes())
    (d / "samples" / "step_0000400.png.tmp").write_bytes(b"half")  # an atomic write under way: ignored
    assert from_disk(d).sample["step"] == 10_000_000
    assert newest_sample(d).name == "step_10000000.png"
