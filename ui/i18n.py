"""The app's languages: English and Simplified Chinese, chosen per session, through gettext catalogues.

Why per session: one server teaches a class, and two students on it may read two languages at once,
so the language lives in `st.session_state["lang"]` (and in the URL, `?lang=zh`, so a link or a
reload keeps it), never in a process-wide setting. Without a choice, the browser's language
(`st.context.locale`, navigator.language) decides: zh-* reads Chinese, anything else English.

Text: pages write `_("English text")` (Babel finds these calls when the catalogue is updated,
`python -m ui.i18n_catalog update`) and format parameters after the lookup:
`_("{n:,} of {total:,} runs").format(n=..., total=...)`, so a translation can move them. Text that
comes from the core (`gan_core.messages.Msg`, registry labels and help) goes through `tr()`.

Catalogues: `ui/locales/<lang>/LC_MESSAGES/messages.po`, read with Babel and compiled in memory
once per process (no .mo file to keep in step with its .po; an entry marked fuzzy is not used).
English is the source language: its ids are the English text, so English needs no catalogue.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import streamlit as st
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from gan_core.messages import Msg

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
LANGUAGES = {"en": "English", "zh": "简体中文"}  # id -> its own name, as the switch shows it
SOURCE_LANGUAGE = "en"
KEY = "lang"  # the switch's session-state key and the URL parameter


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of `lang` (read once per process); English: the ids themselves."""
    if lang == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with open(path, "rb") as f:
        catalog = read_po(f, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def _in_session() -> bool:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    return get_script_run_ctx(suppress_warning=True) is not None


def browser_language() -> str:
    """The language the browser asks for, as one of LANGUAGES ('zh-CN', 'zh-TW', 'zh' -> 'zh'; else 'en')."""
    try:
        loc = st.context.locale
    except Exception:  # no browser behind this run (bare script, some tests)
        loc = None
    return "zh" if isinstance(loc, str) and loc.lower().startswith("zh") else SOURCE_LANGUAGE


def language() -> str:
    """This session's language: its choice (the switch), else the URL's ?lang=, else the browser's."""
    if not _in_session():
        return SOURCE_LANGUAGE
    chosen = st.session_state.get(KEY)
    if chosen in LANGUAGES:
        return chosen
    url = st.query_params.get(KEY)
    return url if url in LANGUAGES else browser_language()


def _(message: str) -> str:
    """The session's translation of an English text (the text itself when it has none)."""
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the session's language (Chinese has one form)."""
    return translations(language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """The translation of an English text in a context: one English word that means two things ("Step",
    the Train page's button that trains one step, and "Step", the axis) gets one entry per context."""
    return translations(language()).pgettext(context, message)


def tr(text: Any) -> str:
    """Text from the core in the session's language: a Msg is looked up by its template and formatted
    with its parameters (those that are Msgs translated too; names and paths stay as they are); a plain
    string (a registry label or help) is looked up as it is; anything else is shown as str()."""
    if isinstance(text, Msg):
        params = {k: tr(v) if isinstance(v, Msg) else v for k, v in text.params.items()}  # names, paths: as they are
        return _(text.template).format(**params)
    if isinstance(text, BaseException) and len(text.args) == 1 and isinstance(text.args[0], str):
        return tr(text.args[0])  # DataError(Msg(...)): its message
    return _(text) if isinstance(text, str) else str(text)


_VALUES = "_lang_values"  # session state: every value at the end of the last run (remembering_values)


@contextmanager
def remembering_values() -> Iterator[None]:
    """Around a page run (app.py): keep this session's values as the run ends, st.stop() included, for
    _keep_values."""
    try:
        yield
    finally:
        st.session_state[_VALUES] = {k: v for k, v in st.session_state.items() if k not in (KEY, _VALUES)}


def _plain(v: Any) -> bool:
    """A value a choice, text or number widget holds (not a button's or checkbox's bool, not an upload)."""
    if isinstance(v, (list, tuple)):
        return all(_plain(x) for x in v)
    return isinstance(v, (str, int, float)) and not isinstance(v, bool)


def _keep_values() -> None:
    """The switch's callback: set every value again, as it was at the end of the last run.

    Why: the browser holds a choice widget's value (selectbox, radio, multiselect) as its *label*, and
    Streamlit sends a widget its new label only when its value is set. So after a switch an untouched
    choice still holds its label in the language before, and the next rerun maps it through the new
    labels: no match, and Streamlit resets the choice or passes the old label on as the value (a
    resolution of 'native', an error). Setting each value again here makes this run send every widget
    its value under the new label. Buttons and checkboxes (bools) and uploads are left alone: they
    cannot be set, or have no label to change. (Streamlit logs once that a widget with a default also
    had its value set: that is this.)"""
    before = st.session_state.get(_VALUES) or {}
    for k, v in before.items():
        if _plain(v) and k in st.session_state:
            try:
                st.session_state[k] = v
            except Exception:  # a widget that cannot be set through session state
                continue


def language_switch() -> str:
    """The English / 简体中文 switch (app.py draws it in the sidebar before every page): -> the language.

    Its key is fixed and every page's widgets have fixed keys, so switching reruns the page in the
    other language with every value kept (and _keep_values puts back the choices the browser sends by
    their old labels). The choice is written back to the URL (?lang=), so a reload
    or a shared link opens in it."""
    if KEY not in st.session_state:
        url = st.query_params.get(KEY)
        st.session_state[KEY] = url if url in LANGUAGES else browser_language()
        if url is not None and url not in LANGUAGES:  # say what is allowed; the browser's language is used
            st.session_state["lang_bad_url"] = url
    st.radio("语言 · Language", list(LANGUAGES), key=KEY, format_func=LANGUAGES.get, horizontal=True,
             label_visibility="collapsed", on_change=_keep_values)
    bad = st.session_state.get("lang_bad_url")
    if bad is not None:
        st.warning(_("Unknown language {lang!r} in the address (?lang=): use {allowed}.").format(
            lang=bad, allowed=" / ".join(f"lang={k}" for k in LANGUAGES)))
    lang = st.session_state[KEY]
    if st.query_params.get(KEY) != lang:
        st.query_params[KEY] = lang
        st.session_state.pop("lang_bad_url", None)
    return lang
