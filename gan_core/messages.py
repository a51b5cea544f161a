"""Messages the UI shows from the core: an English template with named parameters, kept together.

The core never translates (the CLI and the files stay English), but a page must show what the core
says in the reader's language. So text the core hands to the UI is built as `Msg(template, **params)`:
it *is* the English string (a `str` subclass: printing, joining, writing it to a file or raising it in
an exception work unchanged), and it also keeps `template` and `params`, so the UI looks the template
up in the message catalogue and formats the translation with the same parameters
(`ui.i18n.tr`). A parameter may itself be a Msg; it is translated the same way.

The template is always a str.format template (a literal brace is doubled), and it is the gettext
message id: `python -m ui.i18n_catalog update` finds every `Msg("...")` literal in the source
(Babel's extractor with `Msg` as a keyword), so a new message reaches the catalogue without a list
to keep by hand.
"""

from __future__ import annotations

from typing import Any


class Msg(str):
    """An English sentence from a template and named parameters: Msg("{n:,} points from {where}", n=5000, ...)."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Msg:
        self = super().__new__(cls, template.format(**params))
        self.template = template
        self.params = params
        return self

    @classmethod
    def literal(cls, text: str) -> Msg:
        """A Msg of a word that is looked up as it is (a state read from a file: "finished"); braces are kept."""
        return cls(text.replace("{", "{{").replace("}", "}}"))

    def __reduce__(self):  # pickling (st.cache_data) keeps template and parameters
        return (_rebuild, (self.template, self.params))


def _rebuild(template: str, params: dict[str, Any]) -> Msg:
    return Msg(template, **params)
