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
from collections.abc import Mapping
from typing import Any

from gan_core.components import OPTIONS
from gan_core.config import GROUPS, Option  # noqa: F401  (handed on)
from gan_core.registry import Registry

def all_options() -> Registry[Option]:
    """OPTIONS with every module that registers options imported (gan_core.components)."""
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
