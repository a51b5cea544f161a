"""`python -m gan_core lessons list`: the lessons' ids and titles (no torch imported)."""

from __future__ import annotations

import argparse

from gan_core.lessons.catalogue import lessons


def run_lessons(args: argparse.Namespace) -> int:
    for lesson in lessons():  # action "list" is the only one
        ab = "A/B" if len(lesson.setups) == 2 else "walk" if lesson.walk is not None else "   "
        print(f"{lesson.id:24s} {ab:4s} {lesson.title}" + (f"  [draft: {lesson.draft}]" if lesson.draft else ""))
    return 0
