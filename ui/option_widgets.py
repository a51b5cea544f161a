"""Widgets for the training options declared in `gan_core.config` (read through `gan_core.options`):
one helper per field type (choice, bool, int, float), so a new option appears in the form with its
label, range and help text without any change here or in the page.

Options that do not matter for the current values (the clipping constant without WGAN, SGD's
momentum with Adam, ...) are not drawn, but keep their value, so switching back restores it.

Labels, help texts, choice labels and the messages under the boxes are shown in the session's
language (ui.i18n: the option and registry texts are catalogue entries, ui/i18n_catalog.py); widget
keys are the option ids, so switching the language keeps every value.

Number boxes have no min/max: with them, the browser only turned an out-of-range entry red and
sent the previous value, so a run trained with a number the user had not chosen. Instead the
typed value reaches `range_error`, which puts the allowed range under the box, and the form's
validation blocks Start with the same reason.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from functools import partial
from typing import Any

import streamlit as st

from gan_core.config import TrainConfig
from gan_core.options import all_options, choice_help, choice_label, choice_names, fields_in, is_relevant, registry_of
from ui.i18n import _, tr

DEFAULTS = TrainConfig()
FIELD_TYPES = {f.name: type(getattr(DEFAULTS, f.name)) for f in dataclasses.fields(TrainConfig)}


def current_values(key: str) -> dict[str, Any]:
    """The form's current value of every TrainConfig field (the default where it has none yet)."""
    return {name: st.session_state.get(key + name, getattr(DEFAULTS, name)) for name in FIELD_TYPES}


def keep(widget_key: str) -> None:
    """Keep the value of a widget that is not drawn in this run (Streamlit drops it otherwise)."""
    if widget_key in st.session_state:
        st.session_state[widget_key] = st.session_state[widget_key]


def number_error(label: str, value: Any, lo: float, hi: float, integer: bool, *, lo_open: bool = False,
                 hi_open: bool = False) -> str | None:
    """What is wrong with a number typed into a box (None when it is allowed), saying what is, in the
    session's language (`label` as given: the caller translates it)."""
    if integer:
        allowed = _("a whole number from {lo:,} to {hi:,}").format(lo=int(lo), hi=int(hi))
    elif lo_open and hi_open:
        allowed = _("a number above {lo:g} and below {hi:g}").format(lo=lo, hi=hi)
    elif lo_open:
        allowed = _("a number above {lo:g} and at most {hi:g}").format(lo=lo, hi=hi)
    elif hi_open:
        allowed = _("a number from {lo:g} and below {hi:g}").format(lo=lo, hi=hi)
    else:
        allowed = _("a number from {lo:g} to {hi:g}").format(lo=lo, hi=hi)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return _("{label}: {value!r} is not a number; allowed: {allowed}.").format(label=label, value=value,
                                                                                   allowed=allowed)
    if integer and not float(value).is_integer():
        return _("{label}: {value:g} is not a whole number; allowed: {allowed}.").format(label=label, value=value,
                                                                                         allowed=allowed)
    if value < lo or value > hi or (lo_open and value <= lo) or (hi_open and value >= hi):
        shown = f"{int(value):,}" if integer else f"{value:g}"  # a seed reads 2,147,483,648, not 2.14748e+09
        return _("{label}: {value} is out of range; allowed: {allowed}.").format(label=label, value=shown,
                                                                                 allowed=allowed)
    return None


def range_error(field: str, value: Any) -> str | None:
    """number_error for an option (its label and range from its declaration in gan_core.config)."""
    opts = all_options()
    opt = opts.get(field)
    if opt.lo is None or opt.hi is None or opt.choices is not None:
        return None
    return number_error(tr(opts.label(field)), value, opt.lo, opt.hi, FIELD_TYPES[field] is int, lo_open=opt.lo_open,
                        hi_open=opt.hi_open)


def option_widget(field: str, key: str, container: Any = st, **kw: Any) -> str | None:
    """Draw the widget of option `field` (session-state key `key + field`) in `container`; a number
    that is not allowed gets its message under the box, which is also returned. `kw`: more arguments
    of the widget (`disabled`, `format_func` for choices)."""
    opts = all_options()
    opt, label, help_text = opts.get(field), tr(opts.label(field)), tr(opts.help(field))
    k = key + field
    kind = FIELD_TYPES[field]
    if k in st.session_state and kind is float and isinstance(st.session_state[k], int) \
            and not isinstance(st.session_state[k], bool):
        st.session_state[k] = float(st.session_state[k])  # a preset may write 1 for 1.0
    if opt.choices is not None:
        chosen = st.session_state.get(k, getattr(DEFAULTS, field))
        container.selectbox(label, choice_names(field), key=k, help=help_text, placeholder=_("Choose an option"),
                            **{"format_func": partial(choice_text, field), **kw})
        if choice_help(field, chosen):
            container.caption(tr(choice_help(field, chosen)))
    elif kind is bool:
        container.checkbox(label, key=k, help=help_text, **kw)
    elif kind is int:
        value = container.number_input(label, step=int(opt.step or 1), key=k, help=help_text, **kw)
    elif kind is float:
        value = container.number_input(label, step=float(opt.step or 0.01), format=opt.fmt or "%.4f", key=k,
                                       help=help_text, **kw)
    else:
        container.text_input(label, key=k, help=help_text, **kw)
    if kind in (int, float):
        err = range_error(field, value)
        if err:
            container.error(err)
        return err
    return None


def choice_text(field: str, value: Any) -> str:
    """What a choice box shows for `value`, in the session's language: a registry's label (losses,
    architectures, schedules, ...), or for a fixed tuple of choices the value itself (an id: fp32,
    fd_clf, cuda), its words translated (auto, on, off, both, precision, recall)."""
    if registry_of(field) is not None:
        return tr(choice_label(field, value))
    words = {"auto": _("auto"), "on": _("on"), "off": _("off"), "both": _("both"), "precision": _("precision"),
             "recall": _("recall")}
    return words.get(value, str(value)) if isinstance(value, str) else str(value)


def option_group(group: str, key: str, skip: Iterable[str] = ()) -> list[str]:
    """Draw the relevant options of `group` but those in `skip` (the page draws them elsewhere): choices
    full width, numbers and switches in two columns. Returns the fields drawn (the form collects their
    range errors with `range_errors`)."""
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


def range_errors(key: str) -> list[str]:
    """The range errors of every shown number option of the form with prefix `key`."""
    values = current_values(key)
    errors = []
    for field in all_options().names():
        if FIELD_TYPES.get(field) in (int, float) and is_relevant(field, values):
            err = range_error(field, values[field])
            if err:
                errors.append(err)
    return errors


def changed_in(group: str, key: str, skip: Iterable[str] = ()) -> bool:
    """Whether any option of `group` (but those in `skip`) differs from its default (to open its expander)."""
    values = current_values(key)
    return any(values[f] != getattr(DEFAULTS, f) for f in fields_in(group) if f in values and f not in skip)
