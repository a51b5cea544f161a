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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gan_core.messages import Msg
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
    """A zip cannot be imported; the message (a Msg: the page shows it translated) says what is wrong and
    what is allowed."""


class RunDeleteError(ValueError):
    """A run cannot be deleted; the message (a Msg) says why."""


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
# Short names for a legend; Msgs where they are words (run_labels' `translate` shows them in the page's language)
SHORT = {"dataset": "", "arch": "", "loss": "", "schedule": "", "lr_g": Msg("lr G"), "lr_d": Msg("lr D"),
         "batch_size": Msg("batch"), "d_steps": Msg("D steps"), "opt_g": "G", "opt_d": "D", "conditioning": Msg("cond"),
         "spectral_norm": Msg("SN"), "r1_weight": "R1", "gp_weight": "GP", "clip_value": Msg("clip"),
         "label_smoothing": Msg("smoothing"), "ema_decay": "EMA", "latent_dim": "z", "width": Msg("width"),
         "depth": Msg("depth"), "steps": Msg("steps"), "seed": Msg("seed"), "resolution": Msg("res")}
ON_OFF = {True: Msg("on"), False: Msg("off")}
LR = Msg("lr")  # both learning rates, when they are equal
TRUE_FALSE = {True: Msg("True"), False: Msg("False")}  # a switch's value in the table of differences
ABSENT = Msg("(absent)")  # a field one of the compared runs' configs does not have (an older run)
def field_label(field_name: str) -> str:
    """'lr_d' -> 'LR of D': the training form's own label (declared with the field in gan_core.config)."""
    from gan_core.config import OPTIONS

    return OPTIONS.label(field_name) if field_name in OPTIONS else field_name.replace("_", " ").capitalize()


def short_value(v: Any) -> str:
    """1.0 -> '1', 0.0002 -> '2e-4', True -> 'on' (a Msg): short enough for a legend."""
    if isinstance(v, bool):
        return ON_OFF[v]
    if isinstance(v, (int, float)):
        if float(v).is_integer() and abs(v) < 1e6:
            return str(int(v))
        if abs(v) < 0.01 or abs(v) >= 1e5:
            mant, exp = f"{v:.2e}".split("e")
            return f"{mant.rstrip('0').rstrip('.')}e{int(exp)}"
        return f"{v:.3g}"
    return str(v)


def _setting(field_name: str, value: Any, translate: Callable[[Any], str] = str) -> str:
    short = SHORT.get(field_name, field_label(field_name))
    return f"{translate(short)} {translate(short_value(value))}".strip()


def differing_fields(runs: list[RunData]) -> list[str]:
    """Training settings whose values differ between the runs, most telling first."""
    keys = {k for r in runs for k in r.config} - NOT_SETTINGS
    diff = [k for k in keys if len({json.dumps(r.config.get(k), sort_keys=True) for r in runs}) > 1]
    return sorted(diff, key=lambda k: (PRIORITY.index(k) if k in PRIORITY else len(PRIORITY), k))


def run_labels(runs: list[RunData], max_settings: int = 3, translate: Callable[[Any], str] = str) -> dict[str, str]:
    """{run id: 'name · lr 1 · batch 128'}: each run's name plus the settings that differ between the
    compared runs, so a legend says which run had LR 1 without a look at the config table. Parts
    the name already says are not repeated; labels stay unique (the id is added to duplicates).
    `translate`: how a word is shown (the page passes ui.i18n.tr; the English by default)."""
    fields = differing_fields(runs) if len(runs) > 1 else []
    out: dict[str, str] = {}
    for r in runs:
        parts = []
        c = r.config
        for k in fields:
            if k == "lr_d" and "lr_g" in fields and all(x.config.get("lr_g") == x.config.get("lr_d") for x in runs):
                continue  # the same LR for both nets: one 'lr X' says it
            if k == "lr_g" and all(x.config.get("lr_g") == x.config.get("lr_d") for x in runs):
                part = f"{translate(LR)} {short_value(c.get('lr_g'))}"
            else:
                part = _setting(k, c.get(k, ABSENT), translate)
            if part not in r.name:
                parts.append(part)
            if len(parts) == max_settings:
                break
        out[r.id] = " · ".join([r.name, *parts])
    counts: dict[str, int] = {}
    for v in out.values():
        counts[v] = counts.get(v, 0) + 1
    return {i: (f"{v} ({i})" if counts[v] > 1 else v) for i, v in out.items()}


def config_diff(runs: list[RunData], translate: Callable[[Any], str] = str) -> list[dict[str, Any]]:
    """[{"field": name, run label: value, ...}] for the config fields whose values differ. `translate`
    shows the words among the values (on/off, absent) in the page's language; values stay as they are
    in the config (ids, numbers)."""
    keys = sorted({k for r in runs for k in r.config})
    out = []
    for k in keys:
        values = [r.config.get(k, ABSENT) for r in runs]
        if len({json.dumps(v, sort_keys=True) for v in values}) > 1:
            out.append({"field": k, **{r.id: translate(TRUE_FALSE[v]) if isinstance(v, bool) else
                                       translate(v) if isinstance(v, Msg) else str(v) for r, v in zip(runs, values)}})
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
    """'fd_clf 12.3 at step 500' (a Msg): the run's best checkpoint (status.json "best"), '' when it has none."""
    if not isinstance(best, dict) or not _num(best.get("value")):
        return ""
    return Msg("{metric} {value:.4g} at step {step}", metric=best.get("metric"), value=best["value"],
               step=best.get("step"))


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
        raise RunDeleteError(Msg("{run_id!r} is not a run id (letters, digits, '-' and '_' only)", run_id=run_id))
    root = Path(root).resolve()
    d = (root / run_id).resolve()
    if d.parent != root or not (d / "status.json").is_file():
        raise RunDeleteError(Msg("{run_id}: no such run in {root}", run_id=run_id, root=root))
    state = (load_run(d).status or {}).get("state")
    if run_id in active_ids:
        raise RunDeleteError(Msg("{run_id} is {state}: stop it before deleting it", run_id=run_id,
                                 state=Msg.literal(state or "active")))
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
        raise RunImportError(Msg("the zip is {n:,} bytes; at most {most:,} are accepted", n=len(data),
                                 most=MAX_ZIP_BYTES))
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise RunImportError(Msg("not a readable zip file ({error})", error=e)) from None
    if len(infos) > MAX_MEMBERS:
        raise RunImportError(Msg("{n:,} entries; a run zip has at most {most:,}", n=len(infos), most=MAX_MEMBERS))
    names = [i.filename for i in infos]
    for n in names:
        if n.startswith("/") or "\\" in n or ".." in n.split("/") or ":" in n.split("/")[0]:
            raise RunImportError(Msg("entry {name!r} has an absolute or climbing path; refused", name=n))
    top, mapping = _strip_prefix(names)
    by_name = {i.filename: i for i in infos}
    total = 0
    for member, rel in mapping.items():
        info = by_name[member]
        if not ALLOWED.match(rel):
            raise RunImportError(Msg("unexpected file {rel!r}; a run zip holds config.json, status.json, "
                                     "metrics.jsonl, scores.jsonl, alarms.jsonl, samples/step_N.png, "
                                     "checkpoints/last|best.safetensors/.json", rel=rel))
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise RunImportError(Msg("entry {rel!r} is a symbolic link; refused", rel=rel))
        if info.file_size > MAX_MEMBER_BYTES:
            raise RunImportError(Msg("{rel} is {n:,} bytes; at most {most:,} per file", rel=rel, n=info.file_size,
                                     most=MAX_MEMBER_BYTES))
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise RunImportError(Msg("the files add up to {n:,} bytes; at most {most:,}", n=total, most=MAX_TOTAL_BYTES))
    inv = {rel: member for member, rel in mapping.items()}
    for need in ("config.json", "metrics.jsonl"):
        if need not in inv:
            raise RunImportError(Msg("{need} is missing: not a run exported from this app", need=need))

    def read(rel: str) -> bytes:
        with z.open(inv[rel]) as f:
            out = f.read(MAX_MEMBER_BYTES + 1)
        if len(out) > MAX_MEMBER_BYTES:
            raise RunImportError(Msg("{rel} is larger than it claims", rel=rel))
        return out

    # config: the same validation as a config import
    from gan_core.checks import config_from_dict
    from gan_core.config import ConfigError

    try:
        cfg = config_from_dict(json.loads(read("config.json").decode("utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RunImportError(Msg("config.json is not valid JSON ({error})", error=e)) from None
    except ConfigError as e:
        raise RunImportError(Msg("config.json is not a valid training config: {error}", error=_why(e))) from None
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
                    raise RunImportError(Msg("{rel} line {line} is not JSON", rel=rel, line=i + 1)) from None
                if not isinstance(row, dict):
                    raise RunImportError(Msg("{rel} line {line} is not a JSON object", rel=rel, line=i + 1))
        elif rel.endswith(".json") and rel != "config.json":
            try:
                if not isinstance(json.loads(raw.decode("utf-8")), dict):
                    raise ValueError("not an object")
            except (UnicodeDecodeError, ValueError) as e:
                raise RunImportError(Msg("{rel} is not a JSON object ({error})", rel=rel, error=e)) from None
        elif rel.endswith(".png") and not raw.startswith(b"\x89PNG\r\n\x1a\n"):
            raise RunImportError(Msg("{rel} is not a PNG image", rel=rel))
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


def _why(e: BaseException) -> Any:
    """An error's message as a parameter of a Msg: the core's Msg itself (translated with it), else its text."""
    return e.args[0] if len(e.args) == 1 and isinstance(e.args[0], Msg) else str(e)


def _check_safetensors(rel: str, raw: bytes) -> None:
    from safetensors.torch import load

    try:
        load(raw)  # parses the header and tensors; holds no code
    except Exception as e:
        raise RunImportError(Msg("{rel} is not a readable safetensors file ({kind})", rel=rel,
                                 kind=type(e).__name__)) from None
