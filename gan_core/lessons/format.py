"""The lesson format: frozen dataclasses, so a lesson is data that the page, the CLI and the bench read.

A check is a plain function `check(runs) -> Verdict`, where `runs` maps a setup's label ("A", "B") to
what that run produced: its metric columns (`RunLog.since(0)`: name -> list of floats, NaN where a row
has no value, e.g. scores every `score_every` steps) and its status dict (alarms, stop_reason, ...).
It returns `detected=None` while the runs are too short to judge.

Text: a lesson's strings (title, goal, explanation, setup names, steps, expected, try_next, questions,
answers, draft) and TARGETS are English; the Lessons page shows them through the message catalogue
(ui/i18n_catalog.py reads every lesson of the registry, gan_core.lessons.lessons(), and files each text
under the file that declares the lesson, Lesson.declared_in). A verdict's message is a
gan_core.messages.Msg: English for the CLI and bench/lessons.py, translated on the page.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gan_core.config import TrainConfig, preset


@dataclass(frozen=True)
class Verdict:
    detected: bool | None  # None: not enough steps yet
    message: str  # a Msg with the figures: "modes covered fell to 2 of 8 at step 1,200"


@dataclass(frozen=True)
class RunResult:
    """What a check reads of one run: its metric columns and its status (alarms, stop_reason)."""

    columns: Mapping[str, list[float]]
    status: Mapping[str, Any] = field(default_factory=dict)


Check = Callable[[Mapping[str, RunResult]], Verdict]


@dataclass(frozen=True)
class Setup:
    """One configuration of a lesson: a preset plus TrainConfig field overrides."""

    label: str  # "A" or "B"
    name: str  # what it is, shown above its charts: "saturating minimax loss"
    preset: str
    overrides: Mapping[str, Any] = field(default_factory=dict)

    def config(self, seed: int | None = None, **changes: Any) -> TrainConfig:
        """The run's config; `seed` is shared by A and B (the comparison is the setting, not the luck)."""
        cfg = preset(self.preset)
        values = {**cfg.to_dict(), **self.overrides, **changes}
        if seed is not None:
            values["seed"] = seed
        return TrainConfig.from_dict(values)


@dataclass(frozen=True)
class Walk:
    """A lesson that trains nothing: a walk through a shipped generator's latent space (gan_core/lessons/walks.py).

    The lesson's seed s gives the two ends, the z of seed s and of seed s + 1 (as the Explore page's
    Interpolation view draws them with Seed A = s, Seed B = s + 1), and the walk has `frames` images from one
    to the other, once along the straight line (lerp) and once along the great circle (slerp). Its check reads
    per-frame columns of both paths (RunResult "linear" and "slerp") instead of a run's metrics.
    """

    model: str  # a shipped model in pretrained/ (gan_core.pretrained)
    frames: int = 16


@dataclass(frozen=True)
class Step:
    text: str  # markdown: "Now look at D(x) and D(G(z))"
    points_at: str = ""  # the chart or control it is about (a key of gan_core.lessons.format.TARGETS)


@dataclass(frozen=True)
class Question:
    question: str
    answer: str


# What a step may point at: key -> the name of the chart or control on the page.
TARGETS = {
    "": "",
    "samples": "the samples (scatter of generated points over the real data; for images, the grid of G(fixed z))",
    "losses": "the losses chart",
    "d_outputs": "the D(x) and D(G(z)) chart",
    "grad_norms": "the gradient-norm chart",
    "lr": "the learning-rate chart",
    "scores": "the scores (modes covered, high-quality %; for images FD_clf, precision, recall, classes covered)",
    "alarms": "the alarms under the charts",
    "run": "the Run button",
    "verdict": "the check's verdict",
    "walk": "the two strips of the walk (straight line above, great circle below)",
    "walk_charts": "the charts along the walk (the latent's norm, the distance from the average image)",
    "explore": "the Explore page's Interpolation view (Seed A, Seed B, Steps, Path: linear or slerp)",
}


@dataclass(frozen=True)
class Lesson:
    id: str  # in the URL: ?lesson=<id>&step=<k>
    title: str
    goal: str  # one sentence: what the class will see
    explanation: str  # markdown with LaTeX ($...$): why it happens, the formula
    setups: tuple[Setup, ...]  # one, or two for an A/B comparison (same seed); none for a walk
    knobs: tuple[str, ...]  # TrainConfig fields the students may change
    steps: tuple[Step, ...]
    expected: str  # the observation the check looks for
    check: Check
    try_next: str  # what to try when it did not show this time
    questions: tuple[Question, ...]
    min_step: int = 500  # below this a check has too little to judge
    # Why the lesson does not ship yet ("" = it ships): the rule is that a lesson's check fires on
    # >= 4 of 5 seeds within 2 minutes of one core (bench/lessons.py). A draft stays in the catalogue so
    # it can be measured and tuned; the page hides it unless asked and says this text above it.
    draft: str = ""
    # A walk through a shipped model's latent space instead of training runs (then `setups` is empty): the
    # page draws the walk at once and the check reads it (gan_core/lessons/walks.py).
    walk: Walk | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "_declared_in", _declaring_module())  # not a field: see declared_in
        if self.walk is not None:
            if self.setups:
                raise ValueError(f"lesson {self.id}: a walk lesson trains nothing, so it has no setups")
        elif not 1 <= len(self.setups) <= 2:
            raise ValueError(f"lesson {self.id}: one or two setups, not {len(self.setups)}")
        fields = set(TrainConfig.__dataclass_fields__)
        for k in self.knobs:
            if k not in fields:
                raise ValueError(f"lesson {self.id}: knob {k!r} is not a TrainConfig field")
        for s in self.steps:
            if s.points_at not in TARGETS:
                raise ValueError(f"lesson {self.id}: step points at {s.points_at!r}; allowed: {', '.join(TARGETS)}")

    @property
    def declared_in(self) -> str:
        """The module that declares the lesson ("gan_core.lessons.catalogue"), found when it was built: the
        message catalogue files the lesson's texts under that file, so a lesson added in a new file needs no
        list kept by hand."""
        return self._declared_in


def _declaring_module() -> str:
    """The module whose code is building a Lesson: the first caller frame outside this file and the
    dataclass machinery (the generated __init__ runs as <string>)."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name not in (__name__, "dataclasses") and not frame.f_code.co_filename.startswith("<"):
            return name
        frame = frame.f_back
    return ""
