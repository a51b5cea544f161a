"""Lessons: guided experiments (issue 18) as data. Each lesson says what the class will see and why,
gives one or two configurations (A/B, same seed), the steps to walk through, and a check that reads the
run's own metrics and alarms and says whether the phenomenon showed this time.

Adding a lesson is one `Lesson(...)` in `catalogue.py` (and a test of its check); the Lessons page
(app_pages/lessons.py), `python -m gan_core lessons list` and bench/lessons.py pick it up. No torch and
no streamlit here: the page and the CLI list lessons without loading the engine.
"""

from gan_core.lessons.catalogue import get_lesson, lesson_ids, lessons
from gan_core.lessons.format import Lesson, Question, Setup, Step, Verdict

__all__ = ["Lesson", "Question", "Setup", "Step", "Verdict", "get_lesson", "lesson_ids", "lessons"]
