"""The training form: widgets that build a TrainConfig. Labels, help texts, ranges and choices come
from each option's declaration in gan_core.config (select boxes list the registries), so adding an
option needs no change here. Everything it shows is in the session's language (ui.i18n); the widget
keys are the option ids, so switching the language keeps the form's values."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import streamlit as st

from gan_core.checks import validate_config
from gan_core.config import PRESETS, ConfigError, TrainConfig
from gan_core.data import data_root
from gan_core.engine import resolve_device
from gan_core.init_from import preflight as preflight_init
from gan_core.optim import SCHEDULES, lr_curve
from ui.data_form import DATA_FIELDS, dataset_form, set_dataset_state
from ui.i18n import _, tr
from ui.init_form import transfer_form
from ui.option_widgets import changed_in, current_values, option_group, option_widget, range_errors

KEY = "cfg_"  # session_state key prefix of every form widget
DEFAULT_PRESET = "ring8-mlp"
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


def config_form(key: str = KEY, *, default_preset: str = DEFAULT_PRESET,
                presets: list[str] | None = None) -> tuple[TrainConfig | None, str | None]:
    """Draw the form (in the current container) and return (config, None) or (None, error).

    `key` prefixes the session-state key of every widget: a page with its own prefix (the 2-D lab:
    "lab_") keeps its own values. (One key drawn by two pages is reset to the widget's default when
    the user switches pages.) `presets`: the preset names offered (all by default). The error is
    in the session's language (the core's ConfigError, a Msg, translated here)."""
    _init(key, default_preset)
    st.selectbox(_("Preset"), presets or list(PRESETS), key=_preset_key(key), placeholder=_("Choose an option"),
                 format_func=lambda k: tr(PRESETS[k].label), on_change=_on_preset, args=(key,),
                 help=_("Known-good settings; choosing one fills the form, and every field stays editable."))
    data_values, data_error = dataset_form(key, st.session_state.get(key + "data_dir", "data"))
    option_widget("arch", key)  # the choices of the form come from the registries (gan_core.options)
    with st.expander(_("Model options"), expanded=changed_in("model", key, skip=("arch",))):
        option_group("model", key, skip=("arch",))  # depth, normalisation, conditioning, ...
    option_widget("loss", key)
    with st.expander(_("Regularisation"), expanded=changed_in("regularisation", key, skip=("loss",))):
        option_group("regularisation", key, skip=("loss",))

    st.markdown("**{}**".format(_("Optimisation")))
    option_group("optimisation", key)  # optimiser and learning rate of G and D, betas, D steps
    option_widget("schedule", key)
    option_group("schedule", key, skip=("schedule",))  # the parameters of the chosen schedule only
    option_group("size", key)  # latent size, width, batch size, steps
    with st.expander(_("Transfer learning (start from a checkpoint)"), expanded=changed_in("transfer", key)):
        transfer_form(key)  # init_from (a shipped model, a run's checkpoint, an upload), the nets, frozen blocks
    c1, _c2 = st.columns(2)
    option_widget("seed", key, c1)
    option_widget("device", key)
    try:
        device = resolve_device(st.session_state[key + "device"])
        st.caption(_("Training will run on **{device}**.").format(device=device))
    except RuntimeError as e:
        st.caption(f":red[{tr(e)}]")
    with st.expander(_("Logging")):
        for f in ("log_every", "sample_every", "n_fixed", "checkpoint_every_s", "data_dir"):
            option_widget(f, key)

    values = current_values(key)
    values.update(data_values)
    number_errors = range_errors(key)  # every number of the form, each also shown under its box
    if number_errors:  # each is also shown under its box
        if len(number_errors) == 1:
            return None, number_errors[0]
        return None, _("{first} ({n} more below their boxes)").format(first=number_errors[0],
                                                                      n=len(number_errors) - 1)
    try:
        cfg = validate_config(TrainConfig(**values))
        preflight_init(cfg)  # init_from: a checkpoint whose layers fit, freeze K within the net's blocks
    except ConfigError as e:
        return None, tr(e)
    if data_error:  # a path source without a file, or a path outside the data root
        return None, tr(data_error)
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
        return _("data_dir: {path!r} is not a usable path ({error}). Allowed: 'data' or a folder inside {root}."
                 ).format(path=data_dir, error=e, root=root)
    if not resolved.is_relative_to(root):
        return _("data_dir: {path!r} resolves to {resolved}, outside the data root {root}. Allowed: 'data' or a "
                 "folder inside {root}.").format(path=data_dir, resolved=resolved, root=root)
    return None


@st.cache_data(max_entries=64, show_spinner=False)
def lr_preview(cfg_dict: dict) -> tuple[list[int], list[float], list[float]]:
    """(steps, lr_g, lr_d) of the chosen schedule, from the real torch scheduler."""
    params = {f: cfg_dict[f] for f in SCHEDULES.get(cfg_dict["schedule"]).params}
    s, g = lr_curve(cfg_dict["schedule"], cfg_dict["lr_g"], steps=cfg_dict["steps"], **params)
    _steps, d = lr_curve(cfg_dict["schedule"], cfg_dict["lr_d"], steps=cfg_dict["steps"], **params)
    return s, g, d
