"""No user-visible English literal on a translated page (issue 19): every label, help, caption, title,
message and format_func text that a Streamlit call shows goes through the catalogue (`_()`, `tr()`).

Read with `ast`, not by running the pages: a call `<anything>.<display method>(...)` (st.title, c[0].metric,
b[1].button, st.Page, ...) is checked at the arguments a person reads (the label position, help=, caption=,
placeholder=, ...; the strings a format_func lambda returns), and a string literal there that holds a word
(two Latin letters or more, once icons, badge/colour markup, HTML entities and inline CSS are taken out)
is reported unless it is inside `_()`, `ngettext()` or `tr()`. Keys, icons, types, file names, MIME types and
options (ids) are other arguments and are not looked at. Also reported: `_()` of something Babel cannot
extract (an f-string, a variable), and `_()` inside an f-string (Babel does not look there).

TRANSLATED grows as pages are converted; the rest of the app is listed in README's Languages section.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from i18n_words import english_words

ROOT = Path(__file__).resolve().parents[1]
TRANSLATED = [  # one file a line, under its area (so branches converting two areas merge cleanly)
    "app.py",
    "app_pages/data.py",
    "app_pages/runs.py",
    "app_pages/gallery.py",
    "ui/data_form.py",
    "ui/history.py",
    "ui/draw_points.py",
    "ui/lesson_walk.py",
    # lessons (h19-lessons)
    "app_pages/lessons.py",
    "ui/ab_charts.py",
    # train page (h19-train)
    "app_pages/train.py",
    "ui/scores.py",
    "ui/figures.py",
    "ui/score_figures.py",
    "ui/metric_labels.py",
    #
    # option forms (h19-options)
    "ui/config_form.py",
    "ui/option_widgets.py",
    "ui/init_form.py",
    #
    # explore, compare, class, gallery export (h19-explore)
    "app_pages/compare.py",
    "ui/compare.py",
    "ui/uploader_text.py",
    "app_pages/explore.py",
    "ui/explore_source.py",
    "ui/explore_views.py",
    "app_pages/class_view.py",
    "ui/session.py",
    #
    # 2-D lab (h19-toylab)
    "app_pages/toy_lab.py",
    "ui/toy_figures.py",
    #
]

TRANSLATORS = {"_", "tr", "ngettext", "pgettext"}
DISPLAY = {  # method -> positional indices a person reads
    "title": (0,), "header": (0,), "subheader": (0,), "caption": (0,), "markdown": (0,), "write": (0,), "text": (0,),
    "info": (0,), "warning": (0,), "error": (0,), "success": (0,), "exception": (), "toast": (0,),
    "metric": (0, 1, 2), "button": (0,), "download_button": (0,), "link_button": (0,), "page_link": (1,),
    "form_submit_button": (0,), "popover": (0,), "expander": (0,), "tabs": (0,), "spinner": (0,), "status": (0,),
    "checkbox": (0,), "toggle": (0,), "radio": (0,), "selectbox": (0,), "multiselect": (0,), "pills": (0,),
    "segmented_control": (0,), "select_slider": (0,), "slider": (0,), "number_input": (0,), "file_uploader": (0,),
    "text_input": (0, 1), "text_area": (0, 1), "color_picker": (0,), "date_input": (0,), "time_input": (0,),
    "chat_input": (0,), "progress": (1,), "dialog": (0,), "image": (), "plotly_chart": (), "dataframe": (),
    "Page": (), "set_page_config": (), "switch_page": (),
}
VISIBLE_KEYWORDS = {"label", "help", "placeholder", "caption", "title", "page_title", "text", "body", "value",
                    "delta", "label_visibility_text"}


def _has_word(text: str) -> bool:
    """English words (markup, paths, proper names, formulas and units are not: tests/i18n_words.py)."""
    return bool(english_words(text))


def _is_translator(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in TRANSLATORS


def _literals(node: ast.AST):
    """String constants with words in an expression, not looking inside translator calls, format specs or
    dict keys / subscripts (ids)."""
    if _is_translator(node):
        return
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str) and _has_word(node.value):
            yield node
        return
    if isinstance(node, ast.JoinedStr):
        for part in node.values:
            if isinstance(part, ast.Constant):
                yield from _literals(part)
            elif isinstance(part, ast.FormattedValue):
                yield from _literals(part.value)
        return
    if isinstance(node, ast.Dict):
        for v in node.values:
            yield from _literals(v)
        return
    if isinstance(node, ast.Subscript):
        yield from _literals(node.value)
        return
    if isinstance(node, ast.Compare):
        return  # `x == "Run"`: an id compared, not shown
    if isinstance(node, ast.Call):
        yield from _literals(node.func)  # "…".format(...): the template is shown
        for a in node.args:
            if not isinstance(a, ast.Lambda):
                yield from _literals(a)
        return
    if isinstance(node, ast.Attribute):
        yield from _literals(node.value)
        return
    for child in ast.iter_child_nodes(node):
        yield from _literals(child)


def problems(source: str, filename: str = "<page>") -> list[str]:
    """What the check reports for one file's source, as 'file:line: text'."""
    out = []
    tree = ast.parse(source, filename)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if _is_translator(node):
            literal_args = node.args[:2] if node.func.id in ("ngettext", "pgettext") else node.args[:1]
            if node.func.id in ("_", "ngettext", "pgettext") and not all(
                    isinstance(a, ast.Constant) and isinstance(a.value, str) for a in literal_args):
                out.append(f"{filename}:{node.lineno}: {node.func.id}() of a non-literal (Babel cannot extract it)")
            continue
        method = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if method not in DISPLAY:
            continue
        shown = [a for i, a in enumerate(node.args) if i in DISPLAY[method]]
        shown += [k.value for k in node.keywords if k.arg in VISIBLE_KEYWORDS]
        for k in node.keywords:
            if k.arg == "format_func" and isinstance(k.value, ast.Lambda):
                shown.append(k.value.body)
        for expr in shown:
            for lit in _literals(expr):
                out.append(f"{filename}:{lit.lineno}: {method}() shows {lit.value!r} outside _()")
    for node in ast.walk(tree):
        targets = [node.target] if isinstance(node, (ast.For, ast.comprehension, ast.AnnAssign)) else \
            node.targets if isinstance(node, ast.Assign) else []
        for t in targets:
            for name in ast.walk(t):
                if isinstance(name, ast.Name) and name.id == "_":
                    out.append(f"{filename}:{name.lineno}: `_` assigned (it is the translation function here)")
        if isinstance(node, ast.JoinedStr):
            for sub in ast.walk(node):
                if _is_translator(sub) and sub.func.id in ("_", "ngettext"):
                    out.append(f"{filename}:{sub.lineno}: _() inside an f-string (Babel does not extract it)")
    return out


@pytest.mark.parametrize("path", TRANSLATED)
def test_translated_page_shows_no_literal_outside_the_catalogue(path):
    found = problems((ROOT / path).read_text(), path)
    assert not found, "\n".join(found)


def test_the_check_finds_what_it_must_and_passes_what_it_must_not():
    bad = '''
st.title("Runs")
c[0].metric("Samples", f"{n:,}")
st.button(f"Make {n} grids", key="k")
st.selectbox(_("Colour"), [0, 1], format_func=lambda c: {0: "native", 1: "RGB"}[c])
st.text_input(_("Title"), "GAN gallery", key="t")
st.caption(_(f"{n} runs"))
st.info(f"{_('Run')} done")
st.image(png, caption=f"step {s:,}")
chosen, _ = page_of(items, 1, 10)
'''
    found = problems(bad)
    for text in ("'Runs'", "'Samples'", "'Make '", "'native'", "'GAN gallery'", "non-literal", "inside an f-string",
                 "'step '", "`_` assigned"):
        assert any(text in p for p in found), (text, found)
    assert not any("'RGB'" in p for p in found)  # a proper name (tests/i18n_words.py), not an English word
    good = '''
st.title(_("Runs"), anchor=False)
st.button(_("Open"), key=f"open_{card.id}", icon=":material/visibility:", type="primary", help=_("Watch it."))
c[1].metric(_("Free on {device}").format(device=d), format_bytes(n) if n else _("unknown"))
st.markdown(":green-badge[{}]".format(_("Run")))
st.markdown("<style>[data-testid='stImage'] img {image-rendering: pixelated;}</style>", unsafe_allow_html=True)
st.download_button(_("Download"), page, f"{safe or 'gan-gallery'}.html", "text/html", key="dl")
st.segmented_control(_("State"), list(FILTERS), default="All", key="runs_state", format_func=lambda f: tr(N[f]))
st.selectbox(_("Size"), SIZES, format_func=lambda r: _("native") if r == 0 else f"{r}x{r}")
st.Page("app_pages/data.py", title=_("Data"), icon=":material/dataset:")
st.markdown("  \\n".join(f"{tr(k)}: **{v}**" for k, v in rows))
'''
    assert problems(good) == []
