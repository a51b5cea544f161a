"""The lessons in the message catalogue (issue 19): every lesson of the registry, wherever it is declared,
reaches the catalogue with its texts located at its file; a check's verdict is an English Msg (the CLI and
bench/lessons.py print it as before) that the UI translates with its figures."""

from __future__ import annotations

import dataclasses

import gan_core.lessons
from gan_core.lessons import checks as C
from gan_core.lessons import get_lesson, lessons
from gan_core.lessons.format import TARGETS, RunResult
from gan_core.messages import Msg
from ui import i18n, i18n_catalog


def _texts(lesson) -> list[str]:
    out = [lesson.title, lesson.goal, lesson.explanation, lesson.expected, lesson.try_next]
    out += [s.name for s in lesson.setups] + [s.text for s in lesson.steps]
    out += [x for q in lesson.questions for x in (q.question, q.answer)]
    return out + ([lesson.draft] if lesson.draft else [])


def test_every_lesson_is_in_the_catalogue_at_its_file():
    found = {(text, path) for text, _where, path in i18n_catalog.lesson_messages()}
    for lesson in lessons():  # drafts too: a link opens one
        path = lesson.declared_in.replace(".", "/") + ".py"
        assert (i18n_catalog.ROOT / path).is_file() and lesson.id in (i18n_catalog.ROOT / path).read_text(), path
        for text in _texts(lesson):
            assert (text, path) in found, (lesson.id, text[:60])
    assert {t for t, _p in found} >= {t for t in TARGETS.values() if t}


def test_a_lesson_declared_in_another_file_is_picked_up(monkeypatch):
    """No list of files: a lesson built anywhere (here, in this test module) and returned by the registry is
    extracted, under the file that built it."""
    extra = dataclasses.replace(get_lesson("the-game"), id="extra-lesson", title="A lesson from elsewhere")
    assert extra.declared_in == __name__
    everything = lessons()
    monkeypatch.setattr(gan_core.lessons, "lessons", lambda drafts=True: (*everything, extra))
    found = {(text, path) for text, _where, path in i18n_catalog.lesson_messages()}
    assert ("A lesson from elsewhere", __name__.replace(".", "/") + ".py") in found


def test_a_verdict_is_english_and_translates_with_its_figures(monkeypatch):
    steps = list(range(10, 3001, 10))
    ran = {"A": RunResult({"step": steps, "modes_covered": [2.0 if s < 1500 else 8.0 for s in steps]}, {})}
    verdict = C.modes_spread(ran)
    assert isinstance(verdict.message, Msg) and verdict.detected
    assert verdict.message == ("G spread from 2 of 8 modes at step 10 to 8 of 8 at step 1,500: each D step moved "
                               "the boundary, each G step followed it.")  # the CLI's and the bench's English
    monkeypatch.setattr(i18n, "language", lambda: "zh")
    assert i18n.tr(verdict.message) == ("G 从第 10 步覆盖 8 个模式中的 2 个，扩展到第 1,500 步覆盖 8 个中的 8 个："
                                        "D 的每一步移动决策边界，G 的每一步跟上它。")
    assert i18n.tr(get_lesson("the-game").title) == "对抗博弈：D 与 G 在 8 个模式的圆环上轮流出招"


def test_an_alarm_and_a_stop_reason_in_a_verdict_translate_from_their_stored_templates(monkeypatch):
    """The run's alarm (alarms.jsonl / status.json keep its template as message_msg) and its early-stopping
    reason (stop_reason_msg) come into the verdict as Msgs, so the page shows them translated; a file that
    keeps only the English still gives a verdict."""
    from gan_core.messages import to_doc

    steps = list(range(10, 3001, 10))
    fell = Msg("{reasons} (step {step})", reasons=Msg("{what} fell from {best:g} to {value:g}",
                                                      what=Msg("modes covered"), best=8, value=2), step=1200)
    alarmed = RunResult({"step": steps, "modes_covered": [2.0] * len(steps)},
                        {"alarms": [{"name": "mode_collapse", "step": 1200, "message": str(fell),
                                     "message_msg": to_doc(fell)}]})
    fine = RunResult({"step": steps, "modes_covered": [8.0] * len(steps)}, {})
    verdict = C.fewer_modes({"A": alarmed, "B": fine})
    assert verdict.detected and verdict.message.endswith("A's alarm: modes covered fell from 8 to 2 (step 1200)")
    old = dict(alarmed.status["alarms"][0])
    del old["message_msg"]
    assert C.fewer_modes({"A": RunResult(alarmed.columns, {"alarms": [old]}), "B": fine}).message == verdict.message

    reason = Msg("Early stopping at step {step}: {metric} has not improved for {n} {what} (best {best:.4g} at step "
                 "{best_step}, kept in checkpoints/best.safetensors).", step=3000, metric="modes_covered", n=3,
                 what=Msg("scorings"), best=8.0, best_step=2000)
    stopped = RunResult({"step": steps}, {"state": "finished", "stop_reason": str(reason),
                                          "stop_reason_msg": to_doc(reason)})
    assert C.stopped_early({"A": stopped}).message == str(reason)  # the run's own words, as the CLI printed them

    monkeypatch.setattr(i18n, "language", lambda: "zh")
    shown = i18n.tr(verdict.message)
    assert "A 的警报" in shown and "覆盖的模式数" in shown and "8" in shown and "modes covered" not in shown, shown
    shown = i18n.tr(C.stopped_early({"A": stopped}).message)
    assert "3000" in shown and "modes_covered" in shown and "Early stopping" not in shown, shown
