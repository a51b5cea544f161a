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


def to_doc(text: Any) -> dict[str, Any] | None:
    """A Msg as JSON data, {"template": ..., "params": {...}} (a Msg parameter as such a dict too), to store
    beside its English in a file a page reads later (a run's error in status.json): the page translates the
    template then. None for anything that is not a Msg (an old run's plain sentence stays as it is)."""
    if not isinstance(text, Msg):
        return None
    return {"template": text.template,
            "params": {k: to_doc(v) if isinstance(v, Msg) else v for k, v in text.params.items()}}


def from_doc(doc: Any) -> Msg | None:
    """The Msg to_doc stored; None for anything else (no doc, a hand-edited or foreign file that does not
    format: the caller shows the stored English instead)."""
    if not (isinstance(doc, dict) and isinstance(doc.get("template"), str) and isinstance(doc.get("params"), dict)):
        return None
    params = {}
    for k, v in doc["params"].items():
        if isinstance(v, dict):
            v = from_doc(v)
            if v is None:
                return None
        params[k] = v
    try:
        return Msg(doc["template"], **params)
    except (KeyError, IndexError, ValueError, TypeError):
        return None


def message_of(error: BaseException) -> str:
    """What an exception says: the Msg it was raised with (DataError(Msg(...))), so a page can still translate
    it; else its text."""
    if len(error.args) == 1 and isinstance(error.args[0], Msg):
        return error.args[0]
    return str(error)


def stored_text(doc: dict[str, Any], key: str) -> str | None:
    """The text a file keeps under `key` with its template under `key`_msg (to_doc): that Msg when it is there,
    else the plain English (an older file), else None."""
    msg = from_doc(doc.get(key + "_msg"))
    if msg is not None:
        return msg
    text = doc.get(key)
    return text if isinstance(text, str) else None
