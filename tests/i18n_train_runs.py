"""Runs on disk for the Train page's Chinese tests (tests/app/test_i18n_train.py, tests/e2e/test_i18n_train_browser.py):
a finished ring8 run with metrics, scores, the core's own mode-collapse alarm and an early stop; a run the server
lost (state 'running': the manager's recover() stores its error with the template); a failed run from before the
templates (an English error only)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from gan_core.config import TrainConfig
from gan_core.messages import Msg, to_doc
from gan_core.metrics.alarms import detect
from gan_core.store import append_jsonl, atomic_write_bytes, atomic_write_json

DONE = "20261203-000003-done"
LOST = "20261203-000002-lost"
OLD = "20261203-000001-oldr"


def _run(root: Path, run_id: str, status: dict, rows: list[dict] | None = None, **files) -> None:
    d = root / run_id
    atomic_write_json(d / "config.json", TrainConfig(dataset="ring8", steps=300).to_dict())
    atomic_write_json(d / "status.json", {"id": run_id, "steps": 300, "dataset": "ring8", "arch": "mlp",
                                          "loss": "ns", **status})
    (d / "samples").mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (16, 16), (200, 10, 10)).save(d / "samples" / "step_0000300.png")
    atomic_write_bytes(d / "checkpoints" / "last.safetensors", b"weights")
    if rows:
        append_jsonl(d / "metrics.jsonl", rows)
    for name, lines in files.items():
        append_jsonl(d / f"{name}.jsonl", lines)


def write_runs(root: Path) -> None:
    rows = [{"step": s, "d_loss": 1.2, "g_loss": 0.9, "d_real": 0.6, "d_fake": 0.4, "grad_norm_d": 0.5,
             "grad_norm_g": 0.3, "lr_d": 2e-4, "lr_g": 2e-4} for s in range(50, 301, 50)]
    for r, (modes, div) in zip(rows[1:], [(8, 1.0), (8, 0.95), (3, 0.4), (2, 0.3), (2, 0.3)]):
        r.update(modes_covered=modes, diversity=div, hq_pct=80.0, kl=0.3, js=0.1, fd=0.2)
    alarms = [a.to_dict() for a in detect(rows)]  # the core's own alarm: mode collapse, with its template
    assert [a["name"] for a in alarms] == ["mode_collapse"]
    stop = Msg("Early stopping at step {step}: {metric} has not improved for {n} {what} (best {best:.4g} at step "
               "{best_step}, kept in checkpoints/best.safetensors).", step=300, metric="fd", n=3,
               what=Msg("scorings"), best=0.2, best_step=150)
    _run(root, DONE, {"name": "ring8 环", "state": "finished", "step": 300, "last_checkpoint_step": 300,
                      "train_seconds": 12.5, "stop_reason": str(stop), "stop_reason_msg": to_doc(stop),
                      "best": {"metric": "fd", "value": 0.2, "step": 150}, "alarms": alarms}, rows,
         alarms=alarms, scores=[{"step": 300, "modes_covered": 2, "mode_hist": [9, 0, 0, 7, 0, 0, 0, 0]}])
    _run(root, LOST, {"name": "丢失的训练", "state": "running", "step": 120, "last_checkpoint_step": None})
    _run(root, OLD, {"name": "旧训练", "state": "failed", "step": 80,
                     "error": "Training diverged: non-finite d_loss at step 80."})  # before the templates
