"""Short readable run names ("fmnist-dcgan · lr 1 · bs 32") instead of timestamps.

A class compares runs by what was changed, so a name is the preset it started from plus the key
settings that differ from that preset (or, without a preset, dataset, architecture and loss).
The name lives in the run's status.json under "name" (written by TrainingRun with every status
update; a rename rewrites the file atomically), so the Runs and Compare pages read it with
`read_name(run_dir)` without loading anything else. Names are text a person typed: 1 to
`MAX_LEN` printable characters, refused with a clear error otherwise (never trimmed silently
beyond surrounding whitespace).

The short words of a suggestion ("lr", "bs", "steps", "no ...") are Msg, so a page can suggest a name in
its reader's language (`suggest_name(..., say=ui.i18n.tr)`); the CLI's names stay English.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gan_core.config import PRESETS, ConfigError, TrainConfig
from gan_core.messages import Msg
from gan_core.store import atomic_write_json, read_json

MAX_LEN = 60
SEP = " · "

# Key settings in order of interest, with the short label a name shows for each.
_KEY_FIELDS: tuple[tuple[str, str], ...] = (
    ("loss", ""), ("lr", Msg("lr")), ("batch_size", Msg("bs")), ("d_steps", Msg("D steps")), ("schedule", ""),
    ("conditioning", Msg("cond")), ("spectral_norm", "SN"), ("r1_weight", "R1"), ("pac", "pac"), ("ema_decay", "EMA"),
    ("width", Msg("width")), ("latent_dim", "z"), ("opt_g", "G"), ("opt_d", "D"), ("steps", Msg("steps")),
    ("seed", Msg("seed")),
)
Say = Callable[[str], str]  # a suggestion's words in a reader's language (ui.i18n.tr); str: English


def _num(v: float, say: Say = str) -> str:
    """1e-3 -> '1e-3', 0.0002 -> '2e-4', 1.0 -> '1', 32 -> '32', 20000 -> '20k' (short, for a select box)."""
    if isinstance(v, bool):
        return say(Msg("on")) if v else say(Msg("off"))
    if isinstance(v, int) or float(v).is_integer():
        n = int(v)
        if abs(n) >= 10_000 and n % 1000 == 0:  # steps 20k, 1M
            return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k"
        return str(n)
    if abs(v) < 0.01 or abs(v) >= 1e5:
        mant, exp = f"{v:.2e}".split("e")
        return f"{mant.rstrip('0').rstrip('.')}e{int(exp)}"
    return f"{v:.3g}"


def _lr(cfg: TrainConfig, say: Say = str) -> str:
    if cfg.lr_g == cfg.lr_d:
        return f"{say(Msg('lr'))} {_num(cfg.lr_g)}"
    return f"{say(Msg('lr'))} G {_num(cfg.lr_g)} D {_num(cfg.lr_d)}"


def _setting(cfg: TrainConfig, field: str, label: str, say: Say = str) -> str:
    if field == "lr":
        return _lr(cfg, say)
    v = getattr(cfg, field)
    label = say(label) if label else label
    if isinstance(v, str):
        return f"{label} {v}" if label else v
    if isinstance(v, bool):
        return label if v else say(Msg("no {setting}", setting=label))
    return f"{label} {_num(v, say)}"


def _dataset_label(cfg: TrainConfig) -> str:
    kind, _, path = cfg.dataset.partition(":")
    return Path(path).stem or kind if path else kind


def _same(a: TrainConfig, b: TrainConfig, field: str) -> bool:
    if field == "lr":
        return a.lr_g == b.lr_g and a.lr_d == b.lr_d
    return getattr(a, field) == getattr(b, field)


def preset_config(preset: str) -> TrainConfig:
    return TrainConfig(**{**TrainConfig().to_dict(), **PRESETS[preset].fields})


def closest_preset(cfg: TrainConfig) -> str | None:
    """The preset with cfg's dataset and architecture that differs from it in the fewest fields
    (the form shows it when it loads a run's config), or None."""
    mine = cfg.to_dict()
    best: tuple[int, str] | None = None
    for name in PRESETS:
        base = preset_config(name).to_dict()
        if base["dataset"] != mine["dataset"] or base["arch"] != mine["arch"]:
            continue
        diff = sum(base[k] != v for k, v in mine.items())
        if best is None or diff < best[0]:
            best = (diff, name)
    return best[1] if best else None


def suggest_name(cfg: TrainConfig, preset: str | None = None, say: Say = str) -> str:
    """A name of at most MAX_LEN characters: the preset (when `cfg` still has its dataset and
    architecture) plus the key settings that differ from it, else dataset, architecture, loss and
    learning rate. `say`: how its words read (ui.i18n.tr on a page; English by default)."""
    base_cfg = None
    if preset in PRESETS:
        base_cfg = preset_config(preset)
        if cfg.dataset != base_cfg.dataset or cfg.arch != base_cfg.arch:
            base_cfg = None  # the preset's name would mislead
    if base_cfg is not None:
        parts = [preset]
        extra = [(f, lab) for f, lab in _KEY_FIELDS if not _same(cfg, base_cfg, f)]
    else:
        parts = [f"{_dataset_label(cfg)} {cfg.arch}"]
        extra = [("loss", ""), ("lr", Msg("lr"))] + [(f, lab) for f, lab in _KEY_FIELDS[2:]
                                                if not _same(cfg, TrainConfig(), f)]
    for field, label in extra:
        part = _setting(cfg, field, label, say)
        if len(SEP.join([*parts, part])) > MAX_LEN:
            break
        parts.append(part)
    return SEP.join(parts)[:MAX_LEN]


def validate_name(name: object) -> str:
    """The name without surrounding whitespace; ConfigError('name', ...) when it is not 1 to
    MAX_LEN printable characters."""
    if not isinstance(name, str):
        raise ConfigError("name", Msg("must be text, got {type}", type=type(name).__name__))
    text = name.strip()
    if not text:
        raise ConfigError("name", Msg("must not be empty; allowed: 1 to {most} printable characters", most=MAX_LEN))
    if len(text) > MAX_LEN:
        raise ConfigError("name", Msg("is {n} characters long; allowed: 1 to {most}", n=len(text), most=MAX_LEN))
    if not text.isprintable():
        raise ConfigError("name", Msg("contains a control character (tab, newline, ...); allowed: printable "
                                      "characters"))
    return text


def read_name(run_dir: str | Path) -> str | None:
    """The run's name from its status.json; None for runs from before names, or unreadable files."""
    try:
        name = read_json(Path(run_dir) / "status.json").get("name")
    except (OSError, ValueError, AttributeError):
        return None
    return name if isinstance(name, str) and name else None


def write_name(run_dir: str | Path, name: str) -> str:
    """Rename a run that no thread of this process writes (finished, or from an earlier server):
    status.json rewritten atomically with the validated name, which is returned."""
    name = validate_name(name)
    path = Path(run_dir) / "status.json"
    status = read_json(path)
    status["name"] = name
    atomic_write_json(path, status)
    return name
