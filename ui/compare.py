"""The Compare page's data side (no Streamlit here, so it is tested directly): read run
directories, the config fields that differ, final scores, deleting a run, and a run as a zip
(export, and a validated import).

A zip holds one run directory: config.json, status.json, metrics.jsonl, scores.jsonl,
alarms.jsonl, samples/step_XXXXXXX.png and checkpoints/last.safetensors (+ last.json) and best.safetensors
(+ best.json); an import
refuses anything else, any path that climbs out, oversized files, an invalid config, metrics
that are not JSON rows, and weights that are not a readable safetensors file.
"""

from __future__ import annotations

import io
import json
import math
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

from gan_core.run_view import RunSnapshot, from_disk
from gan_core.store import ACTIVE, atomic_write_bytes, atomic_write_json, new_run_id, read_jsonl

MAX_ZIP_BYTES = 256 * 1024 * 1024  # an upload (the app's upload limit is set apart)
MAX_MEMBER_BYTES = 256 * 1024 * 1024  # one file, uncompressed
MAX_TOTAL_BYTES = 512 * 1024 * 1024  # all files, uncompressed (zip bombs)
MAX_MEMBERS = 20_000
RUN_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ALLOWED = re.compile(r"^(config\.json|status\.json|metrics\.jsonl|scores\.jsonl|alarms\.jsonl|"
                     r"samples/step_\d{1,10}\.png|checkpoints/(last|best)\.(safetensors|json)|"
                     r"tensorboard/events\.out\.tfevents\.[A-Za-z0-9._-]{1,200})$")
NOT_METRICS = {"step", "time"}


class RunImportError(ValueError):
    """A zip cannot be imported; the message says what is wrong and what is allowed."""


class RunDeleteError(ValueError):
    """A run cannot be deleted; the message says why."""


#: a run as Compare reads it: the same snapshot the Train page draws (gan_core.run_view), cached
RunData = RunSnapshot


def load_run(run_dir: str | Path) -> RunData:
    """A run directory through gan_core.run_view (cached until one of its files changes)."""
    return from_disk(run_dir)


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def metric_names(runs: list[RunData]) -> list[str]:
    """Numeric columns present in any of the runs (losses first, then scores, in first-seen order)."""
    seen: dict[str, None] = {}
    for r in runs:
        for k, col in r.columns.items():
            if k not in NOT_METRICS and any(_num(v) for v in col):
                seen.setdefault(k, None)
    return list(seen)


# ---------------------------------------------------------------------------- readable run labels
# Config fields that change nothing about what is trained or how it is drawn: never a run's label.
NOT_SETTINGS = {"device", "data_dir", "checkpoint_every_s", "tensorboard", "log_every", "sample_every",
                "score_every", "n_fixed"}
# Fields a label shows first when they differ (what a class varies), then the rest alphabetically.
PRIORITY = ("dataset", "arch", "loss", "lr_g", "lr_d", "batch_size", "d_steps", "opt_g", "opt_d", "schedule",
            "conditioning", "spectral_norm", "r1_weight", "gp_weight", "clip_value", "label_smoothing", "ema_decay",
            "pac", "latent_dim", "width", "steps", "seed")
SHORT = {"dataset": "", "arch": "", "loss": "", "schedule": "", "lr_g": "lr G", "lr_d": "lr D",
         "batch_size": "batch", "d_steps": "D steps", "opt_g": "G", "opt_d": "D", "conditioning": "cond",
         "spectral_norm": "SN", "r1_weight": "R1", "gp_weight": "GP", "clip_value": "clip",
         "label_smoothing": "smoothing", "ema_decay": "EMA", "latent_dim": "z", "width": "width", "depth": "depth",
         "steps": "steps", "seed": "seed", "resolution": "res"}
def field_label(field_name: str) -> str:
    """'lr_d' -> 'LR of D': the training form's own label (declared with the field in gan_core.config)."""
    from gan_core.config import OPTIONS

    return OPTIONS.label(field_name) if field_name in OPTIONS else field_name.replace("_", " ").capitalize()


def short_value(v: Any) -> str:
    """1.0 -> '1', 0.0002 -> '2e-4', True -> 'on': short enough for a legend."""
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, (int, float)):
        if float(v).is_integer() and abs(v) < 1e6:
            return str(int(v))
        if abs(v) < 0.01 or abs(v) >= 1e5:
            mant, exp = f"{v:.2e}".split("e")
            return f"{mant.rstrip('0').rstrip('.')}e{int(exp)}"
        return f"{v:.3g}"
    return str(v)


def _setting(field_name: str, value: Any) -> str:
    short = SHORT.get(field_name, field_label(field_name))
    return f"{short} {short_value(value)}".strip()


def differing_fields(runs: list[RunData]) -> list[str]:
    """Training settings whose values differ between the runs, most telling first."""
    keys = {k for r in runs for k in r.config} - NOT_SETTINGS
    diff = [k for k in keys if len({json.dumps(r.config.get(k), sort_keys=True) for r in runs}) > 1]
    return sorted(diff, key=lambda k: (PRIORITY.index(k) if k in PRIORITY else len(PRIORITY), k))


def run_labels(runs: list[RunData], max_settings: int = 3) -> dict[str, str]:
    """{run id: 'name · lr 1 · batch 128'}: each run's name plus the settings that differ between the
    compared runs, so a legend says which run had LR 1 without a look at the config table. Parts
    the name already says are not repeated; labels stay unique (the id is added to duplicates)."""
    fields = differing_fields(runs) if len(runs) > 1 else []
    out: dict[str, str] = {}
    for r in runs:
        parts = []
        c = r.config
        for k in fields:
            if k == "lr_d" and "lr_g" in fields and all(x.config.get("lr_g") == x.config.get("lr_d") for x in runs):
                continue  # the same LR for both nets: one 'lr X' says it
            if k == "lr_g" and all(x.config.get("lr_g") == x.config.get("lr_d") for x in runs):
                part = f"lr {short_value(c.get('lr_g'))}"
            else:
                part = _setting(k, c.get(k, "(absent)"))
            if part not in r.name:
                parts.append(part)
            if len(parts) == max_settings:
                break
        out[r.id] = " · ".join([r.name, *parts])
    counts: dict[str, int] = {}
    for v in out.values():
        counts[v] = counts.get(v, 0) + 1
    return {i: (f"{v} ({i})" if counts[v] > 1 else v) for i, v in out.items()}


def config_diff(runs: list[RunData]) -> list[dict[str, Any]]:
    """[{"field": name, run label: value, ...}] for the config fields whose values differ."""
    keys = sorted({k for r in runs for k in r.config})
    out = []
    for k in keys:
        values = [r.config.get(k, "(absent)") for r in runs]
        if len({json.dumps(v, sort_keys=True) for v in values}) > 1:
            out.append({"field": k, **{r.id: str(v) for r, v in zip(runs, values)}})
    return out


def final_values(run: RunData, keys: list[str] | None = None) -> dict[str, float]:
    """Last finite value of each metric (scores are only in some rows)."""
    out: dict[str, float] = {}
    for k, col in run.columns.items():
        if k in NOT_METRICS or (keys is not None and k not in keys):
            continue
        last = next((v for v in reversed(col) if _num(v)), None)
        if last is not None:
            out[k] = float(last)
    return out


def best_text(best: Any) -> str:
    """'fd_clf 12.3 at step 500': the run's best checkpoint (status.json "best"), '' when it has none."""
    if not isinstance(best, dict) or not _num(best.get("value")):
        return ""
    return f"{best.get('metric')} {best['value']:.4g} at step {best.get('step')}"


def scores_table(runs: list[RunData], sort_by: str | None = None, descending: bool = False) -> list[dict[str, Any]]:
    """One row per run: id, state, step, dataset, alarms, best (its best checkpoint, best_text), the final
    score values; sorted by `sort_by` (runs
    without that score last)."""
    from gan_core.metrics.monitor import SCORE_KEYS

    table = []
    for r in runs:
        fv = final_values(r)
        row = {"run": r.id, "state": r.status.get("state"), "step": r.status.get("step"),
               "dataset": r.config.get("dataset"), "alarms": ", ".join(sorted({a.get("name", "") for a in r.alarms}))}
        row["best"] = best_text(r.status.get("best"))
        row.update({k: fv[k] for k in SCORE_KEYS if k in fv})
        row.update({k: fv[k] for k in ("d_loss", "g_loss") if k in fv})
        table.append(row)
    if sort_by:
        have = [t for t in table if _num(t.get(sort_by))]
        rest = [t for t in table if not _num(t.get(sort_by))]
        have.sort(key=lambda t: t[sort_by], reverse=descending)
        table = have + rest
    return table


def series(run: RunData, metric: str, x_key: str = "step") -> tuple[list[float], list[Any]]:
    return run.column(x_key), run.column(metric)


# ---------------------------------------------------------------------------- delete
def delete_run(root: str | Path, run_id: str, active_ids: set[str] | frozenset[str] = frozenset()) -> None:
    """Remove runs/<run_id> for good. Refused for a run that is training, and for anything that is
    not a run directory directly under root."""
    if not isinstance(run_id, str) or not RUN_ID.match(run_id):
        raise RunDeleteError(f"{run_id!r} is not a run id (letters, digits, '-' and '_' only)")
    root = Path(root).resolve()
    d = (root / run_id).resolve()
    if d.parent != root or not (d / "status.json").is_file():
        raise RunDeleteError(f"{run_id}: no such run in {root}")
    state = (load_run(d).status or {}).get("state")
    if run_id in active_ids:
        raise RunDeleteError(f"{run_id} is {state or 'active'}: stop it before deleting it")
    shutil.rmtree(d)


# ---------------------------------------------------------------------------- zip export / import
def export_zip(run_dir: str | Path) -> bytes:
    """The run directory's files (those an import accepts) as a zip, under a folder named by the id."""
    d = Path(run_dir)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(d.rglob("*")):
            rel = p.relative_to(d).as_posix()
            if p.is_file() and not p.is_symlink() and ALLOWED.match(rel):
                z.write(p, f"{d.name}/{rel}")
    return buf.getvalue()


def _strip_prefix(names: list[str]) -> tuple[str | None, dict[str, str]]:
    """Zip member names -> (top folder or None, {member: path inside the run})."""
    files = [n for n in names if not n.endswith("/")]
    tops = {n.split("/", 1)[0] for n in files}
    if len(tops) == 1 and all("/" in n for n in files):
        top = tops.pop()
        return top, {n: n.split("/", 1)[1] for n in files}
    return None, {n: n for n in files}


def import_zip(data: bytes, root: str | Path) -> str:
    """Validate a run zip and unpack it as a new run under root; returns the new run id."""
    if len(data) > MAX_ZIP_BYTES:
        raise RunImportError(f"the zip is {len(data):,} bytes; at most {MAX_ZIP_BYTES:,} are accepted")
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise RunImportError(f"not a readable zip file ({e})") from None
    if len(infos) > MAX_MEMBERS:
        raise RunImportError(f"{len(infos):,} entries; a run zip has at most {MAX_MEMBERS:,}")
    names = [i.filename for i in infos]
    for n in names:
        if n.startswith("/") or "\\" in n or ".." in n.split("/") or ":" in n.split("/")[0]:
            raise RunImportError(f"entry {n!r} has an absolute or climbing path; refused")
    top, mapping = _strip_prefix(names)
    by_name = {i.filename: i for i in infos}
    total = 0
    for member, rel in mapping.items():
        info = by_name[member]
        if not ALLOWED.match(rel):
            raise RunImportError(f"unexpected file {rel!r}; a run zip holds config.json, status.json, metrics.jsonl, "
                                 "scores.jsonl, alarms.jsonl, samples/step_N.png, "
                                 "checkpoints/last|best.safetensors/.json")
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise RunImportError(f"entry {rel!r} is a symbolic link; refused")
        if info.file_size > MAX_MEMBER_BYTES:
            raise RunImportError(f"{rel} is {info.file_size:,} bytes; at most {MAX_MEMBER_BYTES:,} per file")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise RunImportError(f"the files add up to {total:,} bytes; at most {MAX_TOTAL_BYTES:,}")
    inv = {rel: member for member, rel in mapping.items()}
    for need in ("config.json", "metrics.jsonl"):
        if need not in inv:
            raise RunImportError(f"{need} is missing: not a run exported from this app")

    def read(rel: str) -> bytes:
        with z.open(inv[rel]) as f:
            out = f.read(MAX_MEMBER_BYTES + 1)
        if len(out) > MAX_MEMBER_BYTES:
            raise RunImportError(f"{rel} is larger than it claims")
        return out

    # config: the same validation as a config import
    from gan_core.checks import config_from_dict
    from gan_core.config import ConfigError

    try:
        cfg = config_from_dict(json.loads(read("config.json").decode("utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RunImportError(f"config.json is not valid JSON ({e})") from None
    except ConfigError as e:
        raise RunImportError(f"config.json is not a valid training config: {e}") from None
    contents: dict[str, bytes] = {}
    for rel in inv:
        raw = read(rel)
        if rel.endswith(".jsonl"):
            for i, line in enumerate(raw.decode("utf-8", errors="replace").splitlines()):
                try:
                    row = json.loads(line) if line.strip() else {}
                except json.JSONDecodeError:
                    if i == len(raw.splitlines()) - 1:
                        continue  # a last line cut short, as a crash can leave it
                    raise RunImportError(f"{rel} line {i + 1} is not JSON") from None
                if not isinstance(row, dict):
                    raise RunImportError(f"{rel} line {i + 1} is not a JSON object")
        elif rel.endswith(".json") and rel != "config.json":
            try:
                if not isinstance(json.loads(raw.decode("utf-8")), dict):
                    raise ValueError("not an object")
            except (UnicodeDecodeError, ValueError) as e:
                raise RunImportError(f"{rel} is not a JSON object ({e})") from None
        elif rel.endswith(".png") and not raw.startswith(b"\x89PNG\r\n\x1a\n"):
            raise RunImportError(f"{rel} is not a PNG image")
        elif rel.endswith(".safetensors"):
            _check_safetensors(rel, raw)
        contents[rel] = raw
    root = Path(root)
    run_id = top if top and RUN_ID.match(top) and not (root / top).exists() else new_run_id("import-")
    dest = root / run_id
    try:
        for rel, raw in contents.items():
            atomic_write_bytes(dest / rel, raw)
        status = json.loads(contents["status.json"]) if "status.json" in contents else {}
        status.update(id=run_id, steps=status.get("steps", cfg.steps), dataset=cfg.dataset, arch=cfg.arch,
                      loss=cfg.loss, imported=True)
        status.setdefault("step", max([r.get("step", 0) for r in read_jsonl(dest / "metrics.jsonl")] or [0]))
        if status.get("state") not in ("finished", "stopped", "failed", "interrupted"):
            status["state"] = "interrupted" if status.get("state") in ACTIVE else "stopped"
            status["eta_s"] = None
        atomic_write_json(dest / "status.json", status)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return run_id


def _check_safetensors(rel: str, raw: bytes) -> None:
    from safetensors.torch import load

    try:
        load(raw)  # parses the header and tensors; holds no code
    except Exception as e:
        raise RunImportError(f"{rel} is not a readable safetensors file ({type(e).__name__})") from None
