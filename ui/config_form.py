"""The training form: widgets that build a TrainConfig. Select boxes read the registries, and
help texts come from the code that registers each option, so adding an option needs no change
here."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import streamlit as st

from gan_core.checks import validate_config
from gan_core.config import PRESETS, ConfigError, TrainConfig
from gan_core.data import data_root
from gan_core.engine import resolve_device
from gan_core.losses import LOSSES
from gan_core.models import ARCHS
from gan_core.optim import SCHEDULES, lr_curve
from ui.data_form import DATA_FIELDS, dataset_form, set_dataset_state
from ui.option_widgets import changed_in, current_values, number_error, option_group, range_errors

KEY = "cfg_"  # session_state key prefix of every form widget
DEFAULT_PRESET = "ring8-mlp"
# The form's own number boxes: label, allowed range (as TrainConfig.validate checks it), whole numbers.
# No min/max on the boxes (see ui.option_widgets): a bad entry must reach number_error, not be replaced.
NUMBERS: dict[str, tuple[str, float, float, bool]] = {
    "seed": ("Seed", 0, 2**31 - 1, True),
    "log_every": ("Log metrics every N steps", 1, 100_000, True),
    "sample_every": ("Sample grid every N steps", 1, 10_000_000, True),
    "n_fixed": ("Fixed-noise samples shown", 1, 2048, True),
    "checkpoint_every_s": ("Checkpoint every N seconds", 0.0, 86400.0, False),  # > 0
}


def _number(field: str, key: str, container: Any = st, **kw: Any) -> str | None:
    """One of the form's own number boxes, with its message under it when the value is not allowed."""
    label, lo, hi, integer = NUMBERS[field]
    value = container.number_input(label, key=key + field, **kw)
    err = number_error(label, value, lo, hi, integer, lo_open=field == "checkpoint_every_s")
    if err:
        container.error(err)
    return err


def _preset_key(key: str) -> str:
    """Session-state key of the preset box: plain "preset" for the Train page's form."""
    return "preset" if key == KEY else key + "preset"


def _apply(values: dict[str, Any], key: str = KEY) -> None:
    set_dataset_state(key, values)  # dataset (KEY:PATH split into its widgets) and preprocessing
    for f in dataclasses.fields(TrainConfig):
        if f.name in values and f.name not in DATA_FIELDS:
            st.session_state[key + f.name] = values[f.name]


def _on_preset(key: str = KEY) -> None:
    name = st.session_state.get(_preset_key(key))
    if name in PRESETS:
        _apply({**TrainConfig().to_dict(), **PRESETS[name].fields}, key)


def load_into_form(cfg: TrainConfig, key: str = KEY, preset: str | None = None) -> None:
    """Fill the form from a config (e.g. 'train again with these settings'); `preset`: also show
    this name in the preset box."""
    if preset is not None:
        st.session_state[_preset_key(key)] = preset
    _apply(cfg.to_dict(), key)


def _init(key: str, default_preset: str) -> None:
    if key + "dataset" not in st.session_state:
        st.session_state[_preset_key(key)] = default_preset
        _on_preset(key)


def _select(field: str, registry, label: str, key: str = KEY) -> None:
    names = registry.names()
    st.selectbox(label, names, key=key + field, format_func=registry.label,
                 help=registry.help(st.session_state.get(key + field, names[0])))
    st.caption(registry.help(st.session_state[key + field]))


def config_form(key: str = KEY, *, default_preset: str = DEFAULT_PRESET,
                presets: list[str] | None = None) -> tuple[TrainConfig | None, str | None]:
    """Draw the form (in the current container) and return (config, None) or (None, error).

    `key` prefixes the session-state key of every widget: a page with its own prefix (the 2-D lab:
    "lab_") keeps its own values. (One key drawn by two pages is reset to the widget's default when
    the user switches pages.) `presets`: the preset names offered (all by default)."""
    _init(key, default_preset)
    st.selectbox("Preset", presets or list(PRESETS), key=_preset_key(key), format_func=lambda k: PRESETS[k].label,
                 on_change=_on_preset, args=(key,),
                 help="Known-good settings; choosing one fills the form, and every field stays editable.")
    data_values, data_error = dataset_form(key, st.session_state.get(key + "data_dir", "data"))
    _select("arch", ARCHS, "Architecture", key)
    with st.expander("Model options", expanded=changed_in("model", key)):
        option_group("model", key)  # depth, normalisation, conditioning, ... (gan_core.options)
    _select("loss", LOSSES, "Loss", key)
    with st.expander("Regularisation", expanded=changed_in("regularisation", key)):
        option_group("regularisation", key)

    st.markdown("**Optimisation**")
    option_group("optimisation", key)  # optimiser and learning rate of G and D, betas, D steps
    _select("schedule", SCHEDULES, "LR schedule", key)
    option_group("schedule", key)  # the parameters of the chosen schedule only
    option_group("size", key)  # latent size, width, batch size, steps
    c1, _ = st.columns(2)
    number_errors = [_number("seed", key, c1, step=1, help="Seeds the weights' initialisation, the batches, the "
                             "noise and the fixed sample grid: the same seed and settings give the same run.")]
    st.selectbox("Device", ["auto", "cpu", "cuda"], key=key + "device",
                 help="auto: the GPU when there is one, else the CPU.")
    try:
        st.caption(f"Training will run on **{resolve_device(st.session_state[key + 'device'])}**.")
    except RuntimeError as e:
        st.caption(f":red[{e}]")
    with st.expander("Logging"):
        number_errors += [_number(f, key, step=1) for f in ("log_every", "sample_every", "n_fixed")]
        number_errors.append(_number("checkpoint_every_s", key, step=1.0))
        st.text_input("Data directory", key=key + "data_dir",
                      help="Looked in first for the MNIST-family and CIFAR-10 files (downloads go there too).")

    values = current_values(key)
    values.update(data_values)
    number_errors = [e for e in number_errors if e] + range_errors(key)
    if number_errors:  # each is also shown under its box
        return None, number_errors[0] + (f" ({len(number_errors) - 1} more below their boxes)"
                                         if len(number_errors) > 1 else "")
    try:
        cfg = validate_config(TrainConfig(**values))
    except ConfigError as e:
        return None, str(e)
    if data_error:  # a path source without a file, or a path outside the data root
        return None, data_error
    dir_error = data_dir_error(cfg.data_dir)
    if dir_error:
        return None, dir_error
    return cfg, None


def data_dir_error(data_dir: str) -> str | None:
    """The app's data directory must lie inside the data root (a class shares the server: a typed
    path must not make it read, or download into, the rest of the disk). The CLI is not limited."""
    root = data_root()
    if data_dir == TrainConfig().data_dir:  # the default: the server's own setting ($GAN_DATA_DIR)
        return None
    try:
        given = Path(data_dir)
        resolved = (given if given.is_absolute() else Path.cwd() / given).resolve()
    except (ValueError, OSError) as e:  # e.g. a NUL character
        return f"data_dir: {data_dir!r} is not a usable path ({e}). Allowed: 'data' or a folder inside {root}."
    if not resolved.is_relative_to(root):
        return (f"data_dir: {data_dir!r} resolves to {resolved}, outside the data root {root}. Allowed: 'data' "
                f"or a folder inside {root}.")
    return None


@st.cache_data(max_entries=64, show_spinner=False)
def lr_preview(cfg_dict: dict) -> tuple[list[int], list[float], list[float]]:
    """(steps, lr_g, lr_d) of the chosen schedule, from the real torch scheduler."""
    params = {f: cfg_dict[f] for f in SCHEDULES.get(cfg_dict["schedule"]).params}
    s, g = lr_curve(cfg_dict["schedule"], cfg_dict["lr_g"], steps=cfg_dict["steps"], **params)
    _, d = lr_curve(cfg_dict["schedule"], cfg_dict["lr_d"], steps=cfg_dict["steps"], **params)
    return s, g, d
