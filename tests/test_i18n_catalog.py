"""The message catalogues (issue 19): every message of the code has a usable Chinese translation, the
translations keep their parameters and the glossary's terms, and core messages (gan_core.messages.Msg)
translate with their parameters while staying English for files and the CLI."""

from __future__ import annotations

import pickle
import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from gan_core.messages import Msg
from ui import i18n, i18n_catalog

LOCALES = Path(i18n_catalog.LOCALES_DIR)


@pytest.fixture(scope="module")
def template():
    return i18n_catalog.extract()


@pytest.fixture(scope="module")
def zh():
    return i18n_catalog.read_catalog("zh")


def _ids(catalog) -> set:
    return {m.id for m in catalog if m.id}


def test_every_message_of_the_code_has_a_chinese_translation(template):
    """Missing, empty or fuzzy: `python -m ui.i18n_catalog update`, then translate what it lists."""
    missing = i18n_catalog.missing("zh", template)
    assert not missing, f"{len(missing)} messages without a Chinese translation, e.g. {missing[:5]}"


def test_the_committed_template_is_up_to_date(template):
    with open(i18n_catalog.POT, "rb") as f:
        committed = _ids(read_po(f))
    assert committed == _ids(template), "run `python -m ui.i18n_catalog update` and commit ui/locales/"


def test_a_missing_or_fuzzy_translation_is_reported(tmp_path, monkeypatch, template):
    """The check above can fail: a catalogue with one empty and one fuzzy entry is reported."""
    cat = i18n_catalog.read_catalog("zh")
    first, second = [m for m in cat if m.id][:2]
    first.string = ""
    second.flags.add("fuzzy")
    monkeypatch.setattr(i18n_catalog, "LOCALES_DIR", tmp_path)
    i18n_catalog._write(cat, i18n_catalog._po_path("zh"))
    assert set(i18n_catalog.missing("zh", template)) == {first.id, second.id}


def _fields(text: str) -> set[str]:
    try:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError:  # not a format template: registry text with LaTeX ($\frac{a}{\sqrt{b}}$), shown as it is;
        return set(re.findall(r"\{[^{}]*\}", text))  # its brace groups must come through unchanged


def _pairs(catalog):
    """(English, Chinese) of every entry; a plural entry gives its plural id with each of its forms."""
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for s in strings:
            if s:
                yield ids[-1], s


def test_translations_keep_the_parameters(zh):
    """A translation that drops or renames a {parameter} would raise KeyError (or lose a number) on the page."""
    pairs = list(_pairs(zh))
    assert any(isinstance(m.id, tuple) for m in zh) and len(pairs) > 300
    bad = [(en, cn) for en, cn in pairs if _fields(en) != _fields(cn)]
    assert not bad, bad


def _glossary() -> list[tuple[str, str]]:
    rows = []
    for line in (LOCALES / "GLOSSARY.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[2] == "checked":
            rows.append((re.sub(r"\s*\(.*?\)", "", cells[0]), cells[1]))
    return rows


def test_glossary_terms_are_used_the_same_way_everywhere(zh):
    rows = _glossary()
    assert len(rows) >= 14 and ("mode collapse", "模式崩溃") in rows and ("generator", "生成器") in rows
    bad = []
    for msgid, text in _pairs(zh):
        english = re.sub(r"\{[^{}]*\}", " ", msgid)  # parameters are not words
        for en, cn in rows:
            if re.search(rf"\b{re.escape(en)}s?\b", english, re.IGNORECASE) and cn not in text:
                bad.append(f"{en} -> {cn}: {msgid!r} translated as {text!r}")
    assert not bad, "\n".join(bad)


def test_chinese_catalogue_translates_and_english_is_the_source():
    assert i18n.translations("zh").gettext("Runs") == "训练记录"
    assert i18n.translations("en").gettext("Runs") == "Runs"
    assert i18n.translations("zh").gettext("not a message id") == "not a message id"


def test_a_core_message_is_english_text_and_translates_with_its_parameters(monkeypatch):
    note = Msg("{n:,} files that are not PNG/JPEG images were skipped", n=1234)
    assert note == "1,234 files that are not PNG/JPEG images were skipped" and isinstance(note, str)
    src = Msg("{source} -> {size} in [-1, 1]", source=Msg("{n:,} points from {where}", n=5, where="pts.csv"),
              size="2")
    assert pickle.loads(pickle.dumps(src)) == src and pickle.loads(pickle.dumps(src)).params["source"] == src.params[
        "source"]
    assert i18n.tr(src) == str(src)  # outside a session: English
    monkeypatch.setattr(i18n, "language", lambda: "zh")
    assert i18n.tr(note) == "跳过了 1,234 个不是 PNG/JPEG 图像的文件"
    assert i18n.tr(src) == "5 个点，来自 pts.csv → 2，取值在 [-1, 1]"  # the nested Msg translated, the path kept
    assert i18n.tr(Msg.literal("finished")) == "已完成" and i18n.tr(Msg.literal("{odd}")) == "{odd}"
    assert i18n.tr(ValueError(note)) == "跳过了 1,234 个不是 PNG/JPEG 图像的文件"


def test_the_committed_catalogues_are_in_the_merge_friendly_form(tmp_path, monkeypatch):
    """Entries grouped by file, locations without line numbers, a fixed header date: what `update`
    writes, so two branches that translate two pages edit two regions of the .po and merge cleanly.
    Rewriting the committed files through the module's writer changes nothing."""
    for path in (i18n_catalog.POT, i18n_catalog._po_path("zh")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^#: .*:\d+", text, flags=re.M), f"{path.name}: a location with a line number"
        with open(path, "rb") as f:
            cat = read_po(f, locale=None if path == i18n_catalog.POT else "zh")
        out = tmp_path / path.name
        i18n_catalog._write(cat, out)
        assert out.read_text(encoding="utf-8") == text, f"{path.name}: run `python -m ui.i18n_catalog update`"
