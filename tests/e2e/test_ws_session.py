"""bench/ws_session.py's protocol client asks the server what a real page asks.

bench/load_test.py stands most of a class's sessions in for browsers with WsSession (the page's
websocket without a browser). Its figures mean something only while it sends what the page sends:
here a real chromium page and a WsSession each open the Train page, set Steps to 50 and press
Start training, and the three rerun requests (the first, the Steps change, the click) are compared:
the widgets and their values, the page and fragment asked for, the query string's keys. A change
in the app or in Streamlit's frontend that the client does not follow fails here, not silently in
the load test's figures.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections import deque
from pathlib import Path
from urllib.parse import parse_qs

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
from streamlit.proto.BackMsg_pb2 import BackMsg
from waits import wait_until

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from ws_session import WsSession

STEPS = 50
FRESH = '[data-testid="stElementContainer"]:not([data-stale="true"])'


def _requests(raw: list[bytes]) -> list[BackMsg]:
    out = []
    for data in raw:
        m = BackMsg()
        m.ParseFromString(data)
        if m.WhichOneof("type") == "rerun_script":
            out.append(m)
    return out


def _widgets(m: BackMsg) -> dict[str, str]:
    """{widget id: its value as protobuf text}: ids are hashes of the widget's key and parameters,
    the same in every session of the same code."""
    return {w.id: str(w).split("\n", 1)[1].strip() for w in m.rerun_script.widget_states.widgets}


def _steps_of(m: BackMsg) -> int | None:
    for w in m.rerun_script.widget_states.widgets:
        if w.id.endswith("-cfg_steps"):
            return w.int_value
    return None


def _pick(msgs: list[BackMsg]) -> dict[str, BackMsg]:
    """The first request, the Steps change (a full rerun carrying STEPS) and the click (a trigger)."""
    out = {"first": msgs[0]}
    out["steps"] = next(m for m in msgs if not m.rerun_script.fragment_id and _steps_of(m) == STEPS)
    out["click"] = next(m for m in msgs if any(w.trigger_value for w in m.rerun_script.widget_states.widgets))
    return out


def _shape(m: BackMsg) -> tuple:
    r = m.rerun_script
    return (r.page_name, r.page_script_hash, r.fragment_id, r.is_auto_rerun,
            sorted(parse_qs(r.query_string).keys()), r.context_info.locale, r.context_info.timezone)


def test_protocol_client_sends_what_the_page_sends(page, streamlit_server):
    sent: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda p: sent.append(p if isinstance(p, bytes)
                                                                              else p.encode())))
    page.goto(streamlit_server["url"] + "/train")
    main = page.get_by_test_id("stMainBlockContainer")
    start = main.get_by_role("button", name="Start training")
    start.wait_for(state="visible", timeout=60_000)
    box = page.get_by_test_id("stSidebar").get_by_label("Steps", exact=True)
    box.fill(str(STEPS))
    box.press("Enter")
    name = main.get_by_label("Run name", exact=True)
    wait_until(lambda: box.input_value() == str(STEPS) and start.is_enabled() and
               any(_steps_of(m) == STEPS for m in _requests(sent)) and f"steps {STEPS}" in name.input_value(),
               60, "the Steps box and the run name it suggests")
    start.click()
    page.locator(f"{FRESH} [data-testid='stProgress']").filter(has_text="step").first.wait_for(timeout=60_000)
    browser = _pick(_requests(sent))

    client: dict[str, object] = {}

    def run_client() -> None:  # its own thread and event loop, beside Playwright's sync API
        async def go() -> None:
            s = WsSession(0, streamlit_server["url"], runs_dir=streamlit_server["runs_dir"])
            s.frames = deque()  # keep every frame
            try:
                await s.setup(STEPS, 60)
                await s.click_start(time.monotonic(), 60)
            finally:
                await s.close()
            client["session"] = s

        try:
            asyncio.run(go())
        except BaseException as e:  # reported by the test below
            client["error"] = e

    t = threading.Thread(target=run_client)
    t.start()
    t.join(180)
    assert "error" not in client, f"the protocol client failed: {client.get('error')!r}"
    s = client["session"]
    assert s.reaction in ("starting", "running") or s.reaction.startswith("Queued"), s.reaction
    assert s.run_id and (Path(streamlit_server["runs_dir"]) / s.run_id).is_dir()
    ours = _pick(_requests([d for _, way, d in s.frames if way == "sent"]))

    for name in ("first", "steps", "click"):
        assert _shape(ours[name]) == _shape(browser[name]), name
        mine, theirs = _widgets(ours[name]), _widgets(browser[name])
        assert mine.keys() == theirs.keys(), (name, mine.keys() ^ theirs.keys())
        assert mine == theirs, (name, {k: (mine[k], theirs[k]) for k in mine if mine[k] != theirs[k]})
    assert browser["click"].rerun_script.fragment_id, "the Start button is no longer in a fragment"
