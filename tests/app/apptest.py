"""Helpers of the AppTest tests: the app's path, its Train page, and rerunning a page until something shows."""

from __future__ import annotations

import time
from pathlib import Path

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TRAIN = "app_pages/train.py"  # AppTest.switch_page(TRAIN): the default page is Lessons


def rerun_until(at, pred, timeout: float = 60.0) -> bool:
    """Rerun the AppTest every 0.5 s until pred(at) is true (-> True) or `timeout` seconds pass (-> False)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        at.run()
        if pred(at):
            return True
        time.sleep(0.5)
    return False
