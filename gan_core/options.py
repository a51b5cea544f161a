"""Training options beyond the registry choices: what the form shows for each config field.

Each module registers the options it implements next to the code that uses them (the R1
weight in `regularizers.py`, the SGD momentum in `optim.py`, ...), with a label, a help text
(what it does, the formula, when to use it), the group of the form it belongs to, its allowed
range and when it is relevant. The training form and `python -m gan_core train --help` read
`OPTIONS`, and `gan_core.checks` validates the ranges from the same entries, so adding an
option is one `option(...)` call and no page change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gan_core.registry import Registry

# Groups of the training form, in display order: (key, title).
GROUPS = (
    ("model", "Model"),
    ("regularisation", "Loss & regularisation"),
    ("optimisation", "Optimisation"),
    ("schedule", "Learning-rate schedule"),
    ("size", "Size of the nets and of the run"),
)


@dataclass(frozen=True)
class Option:
    group: str  # one of the GROUPS keys
    lo: float | None = None  # numbers: smallest allowed value (validation and the form's widget)
    hi: float | None = None  # numbers: largest allowed value
    step: float | None = None  # numbers: the widget's +/- step
    fmt: str | None = None  # numbers: the widget's printf format ("%.4f")
    choices: Any = None  # str fields: a Registry, or a tuple of allowed values
    relevant: Callable[[Mapping[str, Any]], bool] | None = None  # shown only when true for the current values
    check: bool = True  # validate lo/hi/choices in gan_core.checks (False: TrainConfig.validate does it)
    unit: str = ""  # appended to the CLI help ("steps", "x base LR")

    def choice_names(self) -> list[Any]:
        if self.choices is None:
            return []
        return self.choices.names() if isinstance(self.choices, Registry) else list(self.choices)

    def choice_label(self, value: Any) -> str:
        if isinstance(self.choices, Registry) and value in self.choices:
            return self.choices.label(value)
        return str(value)

    def choice_help(self, value: Any) -> str:
        if isinstance(self.choices, Registry) and value in self.choices:
            return self.choices.help(value)
        return ""


OPTIONS: Registry[Option] = Registry("option")


def option(field: str, *, label: str, help: str, group: str, **kw: Any) -> Option:
    """Register the form entry of TrainConfig field `field` (label and help shown next to it)."""
    if group not in dict(GROUPS):
        raise ValueError(f"option {field!r}: unknown group {group!r}; allowed: {', '.join(dict(GROUPS))}")
    opt = Option(group=group, **kw)
    OPTIONS.register(field, label=label, help=help)(opt)
    return opt


def all_options() -> Registry[Option]:
    """OPTIONS with every module that registers options imported."""
    from gan_core import engine  # noqa: F401  (imports models, losses, regularizers, optim)

    return OPTIONS


def fields_in(group: str) -> list[str]:
    return [name for name in all_options().names() if OPTIONS.get(name).group == group]


def is_relevant(field: str, values: Mapping[str, Any]) -> bool:
    """Whether `field` matters for a config with these values (hidden in the form otherwise)."""
    pred = OPTIONS.get(field).relevant
    if pred is None:
        return True
    try:
        return bool(pred(values))
    except (KeyError, TypeError, ValueError):  # another field holds a value that is not valid yet
        return True


def first_sentence(text: str) -> str:
    """Text up to the first full stop that ends a sentence (not the one of "et al." or "e.g.")."""
    for m in re.finditer(r"\.(\s|$)", text):
        word = text[:m.start()].rsplit(None, 1)[-1] if text[:m.start()].split() else ""
        if word not in ("al", "e.g", "i.e", "vs", "cf"):
            return text[:m.start()]
    return text.rstrip(".")


def cli_help(field: str) -> str:
    """One line for `python -m gan_core train --help`: label, allowed values, first help sentence."""
    entry = OPTIONS.entry(field)
    opt = entry.obj
    first = first_sentence(entry.help)
    if opt.choices is not None:
        allowed = " | ".join(map(str, opt.choice_names()))
    elif opt.lo is not None and opt.hi is not None:
        allowed = f"{opt.lo:g} to {opt.hi:g}" + (f" {opt.unit}" if opt.unit else "")
    else:
        allowed = ""
    return f"{entry.label}{f' [{allowed}]' if allowed else ''}: {first}"
