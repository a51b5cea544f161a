"""The words Streamlit's file uploader draws itself, in the session's language.

Why: st.file_uploader takes our label and help, but its button ("Upload") and its size limit ("200MB
per file • ZIP") come from Streamlit's frontend, in English only, with no parameter to change them.
In another language this puts CSS on the page that hides those words (display: none, so they are
neither seen nor read out) and writes the translation in their place (a ::after box). English pages
get nothing. The limit is the server's (server.maxUploadSize, .streamlit/config.toml); the accepted
file types stay in each uploader's own label. Not covered: the "Drag and drop a file here" hint
Streamlit shows only while a file is dragged over an uploader (not in the page otherwise).

tests/e2e/test_i18n_browser.py checks what a browser then shows: the hidden English not, the
translation yes.
"""

from __future__ import annotations

import json

import streamlit as st

from ui.i18n import SOURCE_LANGUAGE, _, language

_ZONE = '[data-testid="stFileUploaderDropzone"]'
_HINT = '[data-testid="stFileUploaderDropzoneInstructions"]'


def _content(text: str) -> str:
    """A CSS string: JSON's escaping of quotes and backslashes is CSS's."""
    return json.dumps(text, ensure_ascii=False)


def uploader_css() -> str:
    """The style that puts the session's words in every file uploader ('' in English)."""
    if language() == SOURCE_LANGUAGE:
        return ""
    mb = st.get_option("server.maxUploadSize")
    upload = _content(_("Upload"))
    limit = _content(_("At most {mb} MB per file").format(mb=mb))
    return (f"{_ZONE} button [data-testid='stMarkdownContainer'] p {{display: none}}"
            f"{_ZONE} button [data-testid='stMarkdownContainer']::after {{content: {upload}}}"
            f"{_HINT} span {{display: none}}"
            f"{_HINT} > div::after {{content: {limit}; font-size: 0.875rem; opacity: 0.6}}")


def translate_uploaders() -> None:
    """Called by the router before every page (app.py): the style for this session's language, if any."""
    css = uploader_css()
    if css:
        st.html(f"<style>{css}</style>")
