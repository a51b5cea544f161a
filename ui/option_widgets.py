"""Widgets for the training options registered in `gan_core.options.OPTIONS`: one helper per
field type (choice, bool, int, float), so a new option appears in the form with its label,
range and help text without any change here or in the page.

Options that do not matter for the current values (the clipping constant without WGAN, SGD's
momentum with Adam, ...) are not drawn, but keep their value, so switching back restores it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import streamlit as st

from gan_core.config import TrainConfig
from gan_core.options import all_options, fields_in, is_relevant

DEFAULTS = TrainConfig()
FIELD_TYPES = {f.name: type(getattr(DEFAULTS, f.name)) for f in dataclasses.fields(TrainConfig)}


def current_values(key: str) -> dict[str, Any]:
    """The form's current value of every TrainConfig field (the default where it has none yet)."""
    return {name: st.session_state.get(key + name, getattr(DEFAULTS, name)) for name in FIELD_TYPES}


def keep(widget_key: str) -> None:
    """Keep the value of a widget that is not drawn in this run (Streamlit drops it otherwise)."""
    if widget_key in st.session_state:
        st.session_state[widget_key] = st.session_state[widget_key]


def option_widget(field: str, key: str, container: Any = st) -> None:
    """Draw the widget of option `field` (session-state key `key + field`) in `container`."""
    opts = all_options()
    opt, label, help_text = opts.get(field), opts.label(field), opts.help(field)
    k = key + field
    kind = FIELD_TYPES[field]
    if k in st.session_state and kind is float and isinstance(st.session_state[k], int) \
            and not isinstance(st.session_state[k], bool):
        st.session_state[k] = float(st.session_state[k])  # a preset may write 1 for 1.0
    if opt.choices is not None:
        names = opt.choice_names()
        chosen = st.session_state.get(k, getattr(DEFAULTS, field))
        container.selectbox(label, names, key=k, format_func=opt.choice_label, help=help_text)
        if opt.choice_help(chosen):
            container.caption(opt.choice_help(chosen))
    elif kind is bool:
        container.checkbox(label, key=k, help=help_text)
    elif kind is int:
        container.number_input(label, int(opt.lo), int(opt.hi), step=int(opt.step or 1), key=k, help=help_text)
    else:
        container.number_input(label, float(opt.lo), float(opt.hi), step=float(opt.step or 0.01),
                               format=opt.fmt or "%.4f", key=k, help=help_text)


def option_group(group: str, key: str, skip: Iterable[str] = ()) -> list[str]:
    """Draw the relevant options of `group`: choices full width, numbers and switches in two
    columns. Returns the fields drawn."""
    values = current_values(key)
    drawn, small = [], []
    for field in fields_in(group):
        if field in skip:
            continue
        if not is_relevant(field, values):
            keep(key + field)
            continue
        drawn.append(field)
        if all_options().get(field).choices is not None:
            option_widget(field, key)
        else:
            small.append(field)
    for i in range(0, len(small), 2):
        cols = st.columns(2)
        for col, field in zip(cols, small[i:i + 2]):
            option_widget(field, key, col)
    return drawn


def changed_in(group: str, key: str) -> bool:
    """Whether any option of `group` differs from its default (to open its expander)."""
    values = current_values(key)
    return any(values[f] != getattr(DEFAULTS, f) for f in fields_in(group) if f in values)
