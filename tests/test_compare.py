"""Compare page data side: config diff, final scores and sorting, delete, zip export and a
validated import; the eval command's JSON. The page itself: tests/app/test_compare_page.py."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from gan_core.config import TrainConfig
from gan_core.store import atomic_write_json, read_json
from ui.compare import (
    RunDeleteError,
    RunImportError,
    config_diff,
    delete_run,
    export_zip,
    import_zip,
    load_run,
    metric_names,
    scores_table,
)

REPO = Path(__file__).resolve().parents[1]


def fake_run(root: Path, run_id: str, state="finished", fd=(30.0, 20.0), **cfg_fields) -> Path:
    """A run directory as TrainingRun writes it (no training needed)."""
    d = root / run_id
    (d / "samples").mkdir(parents=True)
    cfg = TrainConfig(dataset="ring8", steps=200, **cfg_fields)
    atomic_write_json(d / "config.json", cfg.to_dict())
    atomic_write_json(d / "status.json", {"id": run_id, "state": state, "step": 200, "steps": 200})
    rows = [{"step": 100, "time": 1.0, "d_loss": 1.2, "g_loss": 0.9, "fd": fd[0], "modes_covered": 5},
            {"step": 150, "time": 1.5, "d_loss": 1.3, "g_loss": 0.8},
            {"step": 200, "time": 2.0, "d_loss": 1.1, "g_loss": 0.7, "fd": fd[1], "modes_covered": 8}]
    (d / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (d / "alarms.jsonl").write_text(json.dumps({"name": "mode_collapse", "step": 100}) + "\n")
    (d / "samples" / "step_0000200.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 20)
    return d


def test_diff_final_scores_and_sorting(tmp_path):
    a = load_run(fake_run(tmp_path, "a", fd=(30, 5.0), lr_g=1e-3))
    b = load_run(fake_run(tmp_path, "b", fd=(30, 2.0), lr_g=2e-4))
    c = load_run(fake_run(tmp_path, "c", fd=(30, 9.0), lr_g=2e-4, batch_size=128))
    diff = {row["field"]: row for row in config_diff([a, b, c])}
    assert set(diff) == {"lr_g", "batch_size"} and diff["lr_g"]["a"] == "0.001"
    assert metric_names([a])[:4] == ["d_loss", "g_loss", "fd", "modes_covered"]
    table = scores_table([a, b, c], sort_by="fd")
    assert [t["run"] for t in table] == ["b", "a", "c"] and table[0]["fd"] == 2.0 and table[0]["modes_covered"] == 8
    assert table[0]["alarms"] == "mode_collapse"
    assert [t["run"] for t in scores_table([a, b, c], sort_by="fd", descending=True)] == ["c", "a", "b"]


def test_delete_refuses_active_and_foreign_paths(tmp_path):
    fake_run(tmp_path, "keep")
    fake_run(tmp_path, "busy", state="running")
    (tmp_path.parent / "outside").mkdir(exist_ok=True)
    with pytest.raises(RunDeleteError, match="stop it"):
        delete_run(tmp_path, "busy", {"busy"})
    for bad in ("../outside", "", "a/b", "nope"):
        with pytest.raises(RunDeleteError):
            delete_run(tmp_path, bad)
    delete_run(tmp_path, "keep")
    assert not (tmp_path / "keep").exists() and (tmp_path / "busy").exists()


def test_zip_round_trip_and_name_clash(tmp_path):
    src = fake_run(tmp_path / "a", "r1", state="running")
    data = export_zip(src)
    assert set(zipfile.ZipFile(io.BytesIO(data)).namelist()) == {
        "r1/config.json", "r1/status.json", "r1/metrics.jsonl", "r1/alarms.jsonl", "r1/samples/step_0000200.png"}
    root = tmp_path / "b"
    assert import_zip(data, root) == "r1"
    st = read_json(root / "r1" / "status.json")
    assert st["state"] == "interrupted" and st["imported"] is True  # it is not training here
    assert load_run(root / "r1").column("fd")[-1] == 20.0
    again = import_zip(data, root)  # the id is taken: a new one, nothing overwritten
    assert again != "r1" and again.startswith("import-") and (root / again / "config.json").is_file()


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("files,message", [
    ({"config.json": b"{}", "../evil.sh": b"x", "metrics.jsonl": b""}, "climbing path"),
    ({"config.json": b"{}", "run.py": b"x", "metrics.jsonl": b""}, "unexpected file"),
    ({"metrics.jsonl": b""}, "config.json is missing"),
    ({"config.json": b"{not json", "metrics.jsonl": b""}, "not valid JSON"),
    ({"config.json": json.dumps({"lr_g": -1.0}).encode(), "metrics.jsonl": b""}, "lr_g"),
    ({"config.json": json.dumps({"steps": 5}).encode(), "metrics.jsonl": b"[1, 2]\n{}\n"}, "not a JSON object"),
    ({"config.json": json.dumps({"steps": 5}).encode(), "metrics.jsonl": b"",
      "checkpoints/last.safetensors": b"\x00\x00garbage"}, "not a readable safetensors"),
    ({"config.json": json.dumps({"steps": 5}).encode(), "metrics.jsonl": b"",
      "samples/step_0000001.png": b"GIF89a"}, "not a PNG"),
])
def test_import_refuses_bad_zips(tmp_path, files, message):
    with pytest.raises(RunImportError, match=message):
        import_zip(_zip(files), tmp_path)
    assert not tmp_path.exists() or not any(tmp_path.iterdir())  # nothing written
    with pytest.raises(RunImportError, match="not a readable zip"):
        import_zip(b"PK\x03\x04 not really", tmp_path)


def test_import_refuses_oversize_zips(tmp_path, monkeypatch):
    from ui import compare

    ok = _zip({"config.json": json.dumps({"steps": 5}).encode(), "metrics.jsonl": b"{}\n" * 2000})
    monkeypatch.setattr(compare, "MAX_ZIP_BYTES", len(ok) - 1)
    with pytest.raises(RunImportError, match="at most"):
        import_zip(ok, tmp_path)
    monkeypatch.setattr(compare, "MAX_ZIP_BYTES", 10**9)
    monkeypatch.setattr(compare, "MAX_MEMBER_BYTES", 5000)  # metrics.jsonl unpacks to 6,000 bytes
    with pytest.raises(RunImportError, match="metrics.jsonl is 6,000 bytes; at most 5,000 per file"):
        import_zip(ok, tmp_path)
    monkeypatch.setattr(compare, "MAX_MEMBER_BYTES", 10**9)
    monkeypatch.setattr(compare, "MAX_TOTAL_BYTES", 6000)  # a zip bomb: small packed, large unpacked
    with pytest.raises(RunImportError, match="add up to"):
        import_zip(ok, tmp_path)
    monkeypatch.setattr(compare, "MAX_MEMBERS", 1)
    with pytest.raises(RunImportError, match="at most 1"):
        import_zip(ok, tmp_path)
    assert not tmp_path.exists() or not any(tmp_path.iterdir())
    monkeypatch.setattr(compare, "MAX_MEMBERS", 100)
    monkeypatch.setattr(compare, "MAX_TOTAL_BYTES", 10**9)
    assert (tmp_path / import_zip(ok, tmp_path) / "metrics.jsonl").stat().st_size == 6000  # within the limits


def test_import_refuses_a_symlink_and_absolute_paths(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("config.json", json.dumps({"steps": 5}))
        z.writestr("metrics.jsonl", "")
        link = zipfile.ZipInfo("alarms.jsonl")
        link.external_attr = (0o120777 << 16)  # a symbolic link to /etc/passwd
        z.writestr(link, "/etc/passwd")
    with pytest.raises(RunImportError, match="symbolic link"):
        import_zip(buf.getvalue(), tmp_path)
    for bad in ("/etc/config.json", "C:/config.json", "r\\..\\x.json", "a/../../config.json"):
        with pytest.raises(RunImportError, match="climbing path"):
            import_zip(_zip({bad: b"{}", "config.json": b"{}", "metrics.jsonl": b""}), tmp_path)


# ---------------------------------------------------------------------------- eval command
@pytest.mark.usefixtures("isolated")
def test_eval_prints_scores_as_json(tmp_path, monkeypatch, capsys):
    from gan_core.cli import main
    from gan_core.run import TrainingRun

    cfg = TrainConfig(dataset="digits", arch="dcgan", latent_dim=16, width=8, batch_size=32, steps=20, log_every=10,
                      device="cpu", n_fixed=16, score_every=10)
    run = TrainingRun(cfg, tmp_path / "d")
    run.run()
    assert run.state == "finished", run.error
    rows = [json.loads(line) for line in (tmp_path / "d" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if "fd_clf" in r] == [10, 20] and "classes_covered" in rows[-1]
    assert run.scores["class_hist"] and len(run.scores["class_names"]) == 10
    monkeypatch.setenv("GAN_INCEPTION_WEIGHTS", str(tmp_path / "missing.pth"))
    capsys.readouterr()
    assert main(["eval", "--checkpoint", str(tmp_path / "d" / "checkpoints" / "last.safetensors"), "--n", "300",
                 "--n-real", "500"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["step"] == 20 and doc["n"] == 300 and doc["classifier"]["test_accuracy"] > 0.9
    s = doc["scores"]
    assert s["fd_clf"] > 0 and 0 <= s["precision"] <= 1 and 0 <= s["classes_covered"] <= 10
    assert sum(s["class_hist"]) == 300
    assert "GAN_INCEPTION_WEIGHTS" in s["inception"]  # offline: says what to do, the rest still works


@pytest.mark.usefixtures("isolated")
def test_eval_real_floor_for_points(capsys):
    from gan_core.cli import main

    assert main(["eval", "--real", "--dataset", "ring8", "--n", "2500"]) == 0
    s = json.loads(capsys.readouterr().out)["scores"]
    assert s["modes_covered"] == 8 and s["hq_pct"] > 98 and s["js"] < 0.02


def test_run_labels_name_the_settings_that_differ(tmp_path):
    """Issue 15, finding 6: 'which run had LR 1' is in each run's label."""
    from ui.compare import run_labels

    a = fake_run(tmp_path, "a", lr_g=1.0, lr_d=1.0)
    b = fake_run(tmp_path, "b", lr_g=2e-4, lr_d=2e-4, device="cpu", seed=0)
    c = fake_run(tmp_path, "c", lr_g=2e-4, lr_d=2e-4, device="cuda", seed=0)  # device: not a training setting
    status = read_json(a / "status.json")
    atomic_write_json(a / "status.json", {**status, "name": "ring8-mlp · lr 1"})
    labels = run_labels([load_run(a), load_run(b), load_run(c)])
    assert labels["a"] == "ring8-mlp · lr 1"  # the name already says it: not repeated
    assert labels["b"] == "b · lr 2e-4" and labels["c"] == "c · lr 2e-4"  # same LR for G and D: one 'lr X'
    same = run_labels([load_run(b), load_run(c)])
    assert same == {"b": "b", "c": "c"}  # nothing that is trained differs
