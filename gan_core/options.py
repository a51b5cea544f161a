"""What people read about the training options, derived from their one declaration in `gan_core.config`.

Each TrainConfig field is declared once with `opt(...)` (default, label, help, range or choices, form
group, when it applies). This module turns those declarations into what the readers need, with the
registries resolved (`choices="loss"` -> the names in gan_core.losses.LOSSES): the allowed values,
whether an option matters for the current values (the form hides it otherwise), one line of
`python -m gan_core train --help` per field, and the README's option table
(`python -m gan_core options --markdown`; tests/test_options_table.py keeps the README up to date).
Validation (`gan_core.checks`) reads the same declarations.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from collections.abc import Mapping
from typing import Any

from gan_core.components import REGISTRIES
from gan_core.config import GROUPS, OPTIONS, Option, TrainConfig
from gan_core.registry import Registry

__all__ = ["GROUPS", "OPTIONS", "Option", "all_options", "applies_text", "choice_help", "choice_label", "choice_names",
           "cli_choices", "cli_help", "fields_in", "is_relevant", "markdown_table", "registry_of"]

DEFAULTS = TrainConfig()


def all_options() -> Registry[Option]:
    """Every field's Option (label and help in each entry), in the order of TrainConfig."""
    return OPTIONS


def registry_of(field: str) -> Registry | None:
    """The registry that holds the choices of `field`, or None (a fixed tuple, or a number)."""
    choices = OPTIONS.get(field).choices
    return REGISTRIES[choices] if isinstance(choices, str) else None


def choice_names(field: str) -> list[Any]:
    """The allowed values of `field` ([] for numbers, switches and free text)."""
    choices = OPTIONS.get(field).choices
    if choices is None:
        return []
    return REGISTRIES[choices].names() if isinstance(choices, str) else list(choices)


def cli_choices(field: str) -> list[Any] | None:
    """argparse's choices for `--field`: None where the values are open (dataset: KEY:PATH names)."""
    reg = registry_of(field)
    if reg is not None and hasattr(reg, "display_names"):
        return None
    return choice_names(field) or None


def choice_label(field: str, value: Any) -> str:
    reg = registry_of(field)
    return reg.label(value) if reg is not None and value in reg else str(value)


def choice_help(field: str, value: Any) -> str:
    reg = registry_of(field)
    return reg.help(value) if reg is not None and value in reg else ""


def fields_in(group: str) -> list[str]:
    return [name for name in OPTIONS.names() if OPTIONS.get(name).group == group]


def is_relevant(field: str, values: Mapping[str, Any]) -> bool:
    """Whether `field` matters for a config with these values (hidden in the form otherwise)."""
    w = OPTIONS.get(field).when
    if w is None:
        return True
    try:
        if w.loss and not getattr(REGISTRIES["loss"].get(values["loss"]), w.loss):
            return False
        if w.archs and values["arch"] not in w.archs:
            return False
        if w.read_by == "optimiser" and not any(field in REGISTRIES["optimiser"].get(values[k]).params
                                                for k in ("opt_g", "opt_d")):
            return False
        if w.read_by == "schedule" and field not in REGISTRIES["schedule"].get(values["schedule"]).params:
            return False
        if w.nonzero and not values[w.nonzero]:
            return False
        if w.above_one and not values[w.above_one] > 1:
            return False
    except (KeyError, TypeError, ValueError):  # another field holds a value that is not valid yet
        return True
    return True


def applies_text(field: str) -> str:
    """When `field` applies, in words ('' = always): 'losses ns, minimax', 'optimisers adam', ..."""
    w = OPTIONS.get(field).when
    if w is None:
        return ""
    parts = []
    if w.loss:
        parts.append("losses " + ", ".join(n for n in REGISTRIES["loss"].names()
                                           if getattr(REGISTRIES["loss"].get(n), w.loss)))
    if w.archs:
        parts.append("architectures " + ", ".join(w.archs))
    if w.read_by in ("optimiser", "schedule"):
        reg = REGISTRIES[w.read_by]
        parts.append(f"{w.read_by}s " + ", ".join(n for n in reg.names() if field in reg.get(n).params))
    if w.nonzero:
        kind = type(getattr(TrainConfig, w.nonzero))
        parts.append(f"{w.nonzero} given" if kind is str else f"{w.nonzero} on" if kind is bool else f"{w.nonzero} > 0")
    if w.above_one:
        parts.append(f"{w.above_one} > 1")
    return "; ".join(parts)


def allowed_text(field: str) -> str:
    """The allowed values in short: 'ns | minimax | ...', '1 to 1,024 steps', '0 < x <= 1', 'true | false'."""
    opt = OPTIONS.get(field)
    kind = type(getattr(DEFAULTS, field))
    if opt.choices is not None:
        reg = registry_of(field)
        names = reg.display_names() if hasattr(reg, "display_names") else choice_names(field)
        return " | ".join(map(str, names))
    if kind is bool:
        return "true | false"
    if opt.lo is None or opt.hi is None:
        return ""
    if kind is int:
        text = f"{int(opt.lo):,} to {int(opt.hi):,}"
    elif opt.lo_open or opt.hi_open:  # 0 < x <= 1
        text = f"{opt.lo:g} {'<' if opt.lo_open else '<='} x {'<' if opt.hi_open else '<='} {opt.hi:g}"
    else:
        text = f"{opt.lo:g} to {opt.hi:g}"
    return text + (f" {opt.unit}" if opt.unit else "")


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
    allowed = allowed_text(field)
    applies = applies_text(field)
    return (f"{entry.label}{f' [{allowed}]' if allowed else ''}: {first_sentence(entry.help)}"
            + (f" (applies to {applies})" if applies else ""))


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table() -> str:
    """The README's option table: one row per option, grouped as in the form."""
    lines = []
    for group, title in GROUPS:
        lines += [f"**{title}**", "", "| option | default | allowed | applies to | what it does |",
                  "|---|---|---|---|---|"]
        for name in fields_in(group):
            entry = OPTIONS.entry(name)
            default = getattr(DEFAULTS, name)
            default = str(default).lower() if isinstance(default, bool) else default
            what = f"{entry.label}: {first_sentence(entry.help)}."
            lines.append(f"| `--{name.replace('_', '-')}` | `{default}` | {_cell(allowed_text(name))} | "
                         f"{_cell(applies_text(name)) or 'all'} | {_cell(what)} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def add_options_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--markdown", action="store_true", help="print the README's option table (Markdown)")


def run_options(args: argparse.Namespace) -> int:
    """`python -m gan_core options`: every training option, as `train --help` lines or a Markdown table."""
    if args.markdown:
        sys.stdout.write(markdown_table())
    else:
        for f in dataclasses.fields(TrainConfig):
            print(f"--{f.name.replace('_', '-')}: {cli_help(f.name)} (default: {getattr(DEFAULTS, f.name)})")
    return 0
