"""Keep the message catalogues in step with the code: `python -m ui.i18n_catalog update | check`.

    update   extract every message into ui/locales/messages.pot and merge it into each language's
             messages.po (new messages arrive untranslated, changed ones marked fuzzy, gone ones
             kept as obsolete #~ entries): then translate the empty and fuzzy entries in the .po.
    check    exit 1 and list what is missing: a message of the code with no translation (or a fuzzy
             one) in a catalogue. tests/test_i18n_catalog.py runs the same check.

Messages come from two places, both through Babel's API:
- the source: `_("...")`, `ngettext("...", "...", n)`, `pgettext("context", "...")` in the app (app.py,
  app_pages/, ui/) and `Msg("...")` in gan_core (Babel's Python extractor, with those names as keywords);
- registries whose text the UI shows as it is: the datasets' labels and help, the labels and help of
  every training option (gan_core.config) and of every choice of the component registries (losses,
  architectures, normalisations, conditioning, noise, DiffAugment, optimisers, schedules), the presets'
  labels, the metric labels (ui/metric_labels.py), the shipped model cards' titles. They are read by
  importing the registries, so an entry added there reaches the catalogue at the next update without
  marking it.

There is no compile step: ui/i18n.py compiles a .po in memory when a process first needs it (so no
binary .mo file is committed or can go stale). `pybabel compile -d ui/locales` still works for tools
that want .mo files; `pybabel extract` alone would miss the registry messages, so use this module.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES_DIR = ROOT / "ui" / "locales"
POT = LOCALES_DIR / "messages.pot"
TRANSLATED = ("zh",)  # every language but the source language (English)
SOURCES = ("app.py", "app_pages/**/*.py", "ui/**/*.py", "gan_core/**/*.py")
KEYWORDS = {"_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "Msg": None}
# The file that declares each component registry's entries (their place in the catalogue).
REGISTRY_FILES = {"arch": "gan_core/models", "norm": "gan_core/models", "conditioning": "gan_core/models",
                  "noise": "gan_core/noise.py", "loss": "gan_core/losses.py", "diffaug": "gan_core/regularizers.py",
                  "optimiser": "gan_core/optim.py", "schedule": "gan_core/optim.py"}


def source_messages() -> Iterator[tuple[str | tuple[str, str], str, int, list[str], str | None]]:
    """(message or (singular, plural), file, line, translator comments, context) of every marked string in the
    code; the context is pgettext's (one English word for two things), else None."""
    for pattern in SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            rel = path.relative_to(ROOT).as_posix()
            for lineno, message, comments, context in extract_from_file(
                    "python", path, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",), strip_comment_tags=True):
                if isinstance(message, tuple) and message[0] is None:
                    continue  # Msg(template_variable, ...): no literal to extract (its parts are their own Msgs)
                yield message, rel, lineno, comments, context


def registry_messages() -> Iterator[tuple[str, str, str]]:
    """(text, where it comes from, the file that declares it) of the registry entries the app shows
    through ui.i18n.tr(). The file is the entry's location in the catalogue, which keeps each
    registry's messages together (see _write)."""
    from gan_core.components import REGISTRIES  # (registers every dataset and component)
    from gan_core.config import OPTIONS, PRESETS
    from gan_core.data import DATASETS
    from gan_core.pretrained import list_pretrained
    from ui.metric_labels import LABELS

    for name in DATASETS.names():
        yield DATASETS.label(name), f"DATASETS[{name}].label", "gan_core/data"
        yield DATASETS.help(name), f"DATASETS[{name}].help", "gan_core/data"
    for name in OPTIONS.names():  # every option: the training form, the 2-D lab, the data chooser, Compare
        yield OPTIONS.label(name), f"OPTIONS[{name}].label", "gan_core/config.py"
        yield OPTIONS.help(name), f"OPTIONS[{name}].help", "gan_core/config.py"
    for name, p in PRESETS.items():
        yield p.label, f"PRESETS[{name}].label", "gan_core/config.py"
    for kind, reg in REGISTRIES.items():  # the choices of the select boxes (the datasets are above)
        if kind == "dataset":
            continue
        for name in reg.names():
            yield reg.label(name), f"{kind}[{name}].label", REGISTRY_FILES.get(kind, "gan_core/components.py")
            yield reg.help(name), f"{kind}[{name}].help", REGISTRY_FILES.get(kind, "gan_core/components.py")
    for key, m in LABELS.items():
        yield m.label, f"metric_labels[{key}].label", "ui/metric_labels.py"
        if m.help:
            yield m.help, f"metric_labels[{key}].help", "ui/metric_labels.py"
    for card in list_pretrained():
        yield card.title, f"pretrained/{card.name}.json title", f"pretrained/{card.name}.json"
    yield from lesson_messages()


def lesson_messages() -> Iterator[tuple[str, str, str]]:
    """Every text of every lesson in the lesson registry (gan_core.lessons.lessons(), drafts too: a link
    opens one), located at the file that declares it, and the names of what a step points at. A lesson
    added in any file reaches the catalogue at the next update; the labels of its knobs (the options the
    page names) come with it."""
    from gan_core.config import OPTIONS
    from gan_core.lessons import lessons
    from gan_core.lessons.format import TARGETS

    for key, name in TARGETS.items():
        yield name, f"lessons TARGETS[{key}]", "gan_core/lessons/format.py"
    for lesson in lessons():
        path = lesson.declared_in.replace(".", "/") + ".py"
        at = f"lessons[{lesson.id}]"
        yield lesson.title, f"{at}.title", path
        yield lesson.draft, f"{at}.draft", path
        yield lesson.goal, f"{at}.goal", path
        yield lesson.explanation, f"{at}.explanation", path
        for s in lesson.setups:
            yield s.name, f"{at}.setups[{s.label}].name", path
        for k in lesson.knobs:
            yield OPTIONS.label(k), f"{at}.knobs: OPTIONS[{k}].label", path
        for i, step in enumerate(lesson.steps, start=1):
            yield step.text, f"{at}.steps[{i}]", path
        yield lesson.expected, f"{at}.expected", path
        yield lesson.try_next, f"{at}.try_next", path
        for i, q in enumerate(lesson.questions, start=1):
            yield q.question, f"{at}.questions[{i}]", path
            yield q.answer, f"{at}.answers[{i}]", path


def extract() -> Catalog:
    """The template catalogue: every message of the code and of the registries."""
    cat = Catalog(project="gan-playground", version="", domain="messages", fuzzy=False)
    for message, rel, lineno, comments, context in source_messages():
        cat.add(message, locations=[(rel, lineno)], auto_comments=comments, context=context)
    for order, (text, where, path) in enumerate(registry_messages()):
        if text:
            existing = cat.get(text)
            if existing is not None:
                existing.auto_comments.append(where)
            else:
                cat.add(text, locations=[(path, order)], auto_comments=[where])
    return cat


def _po_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"


def read_catalog(lang: str) -> Catalog:
    with open(_po_path(lang), "rb") as f:
        return read_po(f, locale=lang)


# A fixed header date: a date that changed at every update made every two branches that touched the
# catalogue conflict on that line.
HEADER_DATE = datetime(2026, 12, 1, tzinfo=timezone.utc)


def _location_key(message) -> tuple[str, int]:
    """Where a message first occurs. A catalogue read back from disk has no line numbers (-1 for all):
    the stable sort then keeps the written order, so rewriting a written file changes nothing. The first
    location in file-name order, the order Babel writes them in (else a message used in ui/ and in
    gan_core/ would sort by ui/ when extracted and by gan_core/ when read back, and move)."""
    if not message.locations:
        return ("", -1)
    path, lineno = min((p, n if n is not None else -1) for p, n in message.locations)
    return (path, lineno)


def _write(catalog: Catalog, path: Path) -> None:
    """Write a catalogue in a merge-friendly form: entries grouped by the file that declares them
    (ordered by the file and line of their first use), locations without line numbers. So a change to one page moves
    only that page's entries, and two people translating two pages edit two separate regions of
    the .po, which git merges without a conflict."""
    out = Catalog(locale=catalog.locale, domain=catalog.domain, header_comment=catalog.header_comment,
                  project=catalog.project, version=catalog.version, creation_date=HEADER_DATE,
                  revision_date=HEADER_DATE, last_translator=catalog.last_translator,
                  language_team=catalog.language_team, fuzzy=catalog.fuzzy)
    out.version = catalog.version  # "" (Catalog() would write the placeholder "VERSION")
    for message in sorted((m for m in catalog if m.id), key=_location_key):
        out[message.id] = message
    out.obsolete = catalog.obsolete
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        write_po(f, out, width=120, sort_output=False, omit_header=False, include_lineno=False)


def update() -> None:
    template = extract()
    _write(template, POT)
    for lang in TRANSLATED:
        path = _po_path(lang)
        cat = read_catalog(lang) if path.is_file() else Catalog(locale=lang, domain="messages")
        cat.update(template)
        cat.project, cat.version, cat.fuzzy = "gan-playground", "", False  # the header: a kept file, not a draft
        cat.language_team = cat.last_translator = "gan-playground"
        _write(cat, path)


def missing(lang: str, template: Catalog | None = None) -> list[str]:
    """The message ids of the code (or `template`) that `lang`'s catalogue does not translate usably:
    absent, empty, or fuzzy (a guess Babel made when the English changed; gettext does not use it)."""
    template = template if template is not None else extract()
    cat = read_catalog(lang)
    out = []
    for m in template:
        if not m.id:
            continue  # the header
        t = cat.get(m.id, context=m.context)
        strings = t.string if t is not None and isinstance(t.string, tuple) else (t.string if t else "",)
        if t is None or t.fuzzy or not all(strings):
            out.append(m.id if isinstance(m.id, str) else m.id[0])
    return out


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
        print(f"wrote {POT.relative_to(ROOT)} and " + ", ".join(str(_po_path(lang).relative_to(ROOT))
                                                               for lang in TRANSLATED))
        return 0
    if argv[:1] == ["check"]:
        bad = {lang: missing(lang) for lang in TRANSLATED}
        for lang, ids in bad.items():
            for i in ids:
                print(f"{lang}: no translation: {i!r}")
        return 1 if any(bad.values()) else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
