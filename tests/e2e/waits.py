"""Polling helper shared by the browser tests (imported as a plain module: pytest puts this
non-package test folder on sys.path)."""

from __future__ import annotations

import time


def wait_until(pred, timeout_s: float, what: str = "condition", interval_s: float = 0.2):
    """Call `pred` until it returns something truthy (returned), or fail after `timeout_s` naming `what`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(interval_s)
