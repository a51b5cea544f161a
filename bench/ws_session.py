"""One Streamlit session spoken over its websocket, without a browser: a class's student for bench/load_test.py.

Why: in a class each student's browser draws the page on the student's own laptop, not on the server.
bench/load_test.py's headless chromium pages all run on the server's machine: with ten of them the
renderers took ~80% of the two cores and the click -> answer time measured mostly ten browsers
drawing. A WsSession is, for the server, a session like a browser's (the same websocket, the same
messages, the same reruns), but it draws nothing, so N - K of them next to K real pages give the
server a class's load while the real pages measure what a student sees.

What it does like the browser (read from a real page's frames, bench/decode_frames.py; the frontend's
own code for auto reruns and widget states, streamlit/static):
- opens `/_stcore/stream` with the subprotocols `streamlit, PLACEHOLDER_AUTH_TOKEN` (what the page
  offers without an XSRF cookie) and an Origin header; permessage-deflate as websockets offers it;
- asks for the page by name first (`page_name`), then by the page script hash from `navigation` and
  `new_session`, with the query string of the last `page_info_changed` (the app adds `session=`,
  `run=`, `lang=`), and the browser's context_info (timezone, locale, url, colour scheme);
- keeps every widget's state as the frontend does: a widget first seen takes the value the element
  carries (its `value`/`raw_value` when `set_value`, else its default); a value the server sets
  (`set_value`) replaces ours, except for a widget we changed ourselves until the next script run
  starts; widgets not drawn by the last full run are dropped when it ends. Every rerun request
  carries all of them, a button's `trigger_value` only in its click's request;
- a click on a button inside a fragment reruns that fragment (`fragment_id` from the button's delta);
  a change of a widget outside fragments (Steps, Device) reruns the page;
- answers `auto_rerun` like the frontend's setInterval: one timer per fragment, sending a fragment
  rerun with `is_auto_rerun` every `interval` seconds; all timers end when a full run starts (the
  script registers them again) and on `stop_auto_rerun`.

What it does not do: draw, list `cached_message_hashes` (the app turns Streamlit's message cache
off, .streamlit/config.toml, so the server sends browsers every message whole too), fetch the
static files, send app heartbeats, or upload files.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

# Progress texts that answer a click on Start (as TIMING_JS in load_test.py reads them on a page).
ANSWER_PREFIXES = ("starting", "running")


def is_answer(text: str) -> bool:
    return "Queued (position" in text or text.startswith(ANSWER_PREFIXES)


def device_captions(choice: str) -> list[str]:
    """What the sidebar caption under the Device box says once the page was drawn with `choice`."""
    return ["will run on cpu"] if choice == "cpu" else ["cuda' was chosen", "will run on cuda"]


def run_state(runs_dir: Path | None, run_id: str | None) -> str:
    """The run's state in its status.json ("?" when it cannot be read)."""
    try:
        return json.loads((runs_dir / run_id / "status.json").read_text())["state"]
    except (OSError, ValueError, KeyError, TypeError):
        return "?"


def run_ended(runs_dir: Path | None, run_id: str | None) -> bool:
    return bool(run_id) and run_state(runs_dir, run_id) in ("finished", "failed", "stopped")


async def probe_device(switch, interact_every: float, offset: float, stop: asyncio.Event, interactions: list,
                       errors: list, on_fail) -> None:
    """Every `interact_every` s (first after `offset`) until `stop`: `await switch(device)` between cpu
    and cuda, appending its seconds to `interactions`; a failure goes to `errors`, then
    `await on_fail()`, and ends the probing. Leaves the box on cpu. Used by a real page
    (load_test.probe_session) and a protocol client (WsSession.probe) alike."""
    device = "cpu"
    try:
        await asyncio.wait_for(stop.wait(), offset)
    except asyncio.TimeoutError:
        pass
    while not stop.is_set():
        device = "cuda" if device == "cpu" else "cpu"
        try:
            interactions.append(await switch(device))
        except Exception as e:
            errors.append(f"interaction: {type(e).__name__}: {str(e)[:200]}")
            await on_fail()
            return
        try:
            await asyncio.wait_for(stop.wait(), interact_every)
        except asyncio.TimeoutError:
            pass
    if device != "cpu":
        await switch("cpu")


def widget_state(kind: str, el) -> WidgetState | None:
    """The state the frontend gives a widget element when it is drawn (None: a widget with no value
    of its own, e.g. a button, whose trigger is sent only with its click)."""
    ws = WidgetState(id=el.id)
    if kind in ("selectbox", "radio"):
        if el.HasField("raw_value"):
            ws.string_value = el.raw_value
        elif el.HasField("default") and 0 <= el.default < len(el.options):
            ws.string_value = el.options[el.default]
        else:
            return None
    elif kind == "number_input":
        v = el.value if el.HasField("value") else el.default if el.HasField("default") else None
        if v is None:
            return None
        if el.data_type == NumberInput.FLOAT:
            ws.double_value = v
        else:
            ws.int_value = int(v)
    elif kind == "checkbox":
        ws.bool_value = el.value if el.set_value else el.default
    elif kind in ("text_input", "text_area"):
        v = el.value if el.HasField("value") else el.default if el.HasField("default") else None
        if v is None:
            return None
        ws.string_value = v
    elif kind == "file_uploader":
        ws.file_uploader_state_value.SetInParent()
    else:
        return None
    return ws


class WsSession:
    """A session of the app over its websocket (see the module docstring); the fields that
    load_test.Session also has mean the same, timed on this process's clock at the socket."""

    kind = "ws"

    def __init__(self, i: int, url: str, page: str = "train", runs_dir: Path | None = None, on_error=None):
        """on_error(session, why): called when the page shows an exception (load_test keeps the
        last frames then, as for a browser's page error)."""
        self.i, self.url, self.page, self.runs_dir, self.on_error = i, url, page, runs_dir, on_error
        u = urlparse(url)
        self.ws_url = f"ws://{u.netloc}/_stcore/stream"
        self.page_url = f"{url}/{page}"
        self.query_string = ""
        self.page_script_hash = ""
        self.ws = None
        self._reader: asyncio.Task | None = None
        self._cond = asyncio.Condition()
        self._closing = False
        self._ended = False  # the reader stopped (the socket closed)
        # the page as this session knows it
        self.states: dict[str, WidgetState] = {}
        self.labels: dict[str, str] = {}  # widget label -> id (the latest element with that label)
        self.kinds: dict[str, str] = {}  # widget id -> element type
        self.user_set: set[str] = set()  # ids we changed since the last script run started
        self.seen: set[str] = set()  # widget ids drawn since the current full run started
        self.buttons: dict[str, tuple[str, str, bool]] = {}  # label -> (id, fragment id, disabled)
        self.timers: dict[str, tuple[float, asyncio.Task]] = {}  # fragment id -> (interval, task)
        self.run_seq = 0  # script runs started (new_session messages)
        self.full_runs_done = 0  # full script runs finished
        self.last_sent = 0.0
        self.progress_text = ""
        self._probe: tuple[list[str], int] | None = None  # (needles, run_seq at the request)
        self._probe_hit: float | None = None
        self._finished_text: str | None = None
        # measurements (the names of load_test.Session where they mean the same)
        self.armed_at: float | None = None  # the click's request sent
        self.ws_sent: float | None = None
        self.ws_started: float | None = None  # the server's new_session for the click's rerun
        self.ws_status: float | None = None  # the first delta whose progress text answers
        self.react_s: float | None = None  # click request sent -> answer received
        self.page_react_s: float | None = None  # no page: stays None
        self.reaction = ""
        self.first_running_s: float | None = None
        self.run_id: str | None = None
        self.interactions: list[float] = []
        self.progress_gaps: list[float] = []
        self._last_text: str | None = None
        self._last_change: float | None = None
        self.finished_ui_s: float | None = None
        self.finished_at: float | None = None
        self.disk_done_at: float | None = None
        self.errors: list[str] = []
        self.page_errors: list[str] = []
        self.shots: list[str] = []
        self.reopened = 0
        self.auto_reruns_sent = 0
        self.frames: deque = deque(maxlen=5000)

    # ------------------------------------------------------------------ the socket
    async def open(self) -> None:
        self.ws = await connect(self.ws_url, subprotocols=["streamlit", "PLACEHOLDER_AUTH_TOKEN"],
                                origin=self.url, max_size=None, open_timeout=60, ping_interval=None)
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        self._closing = True
        for _, task in self.timers.values():
            task.cancel()
        self.timers.clear()
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            try:
                await asyncio.wait_for(self._reader, 10)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                pass

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                t = time.monotonic()
                self.frames.append((t, "recv", data))
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._handle(msg, t)
                async with self._cond:
                    self._cond.notify_all()
        except Exception as e:  # a dropped connection is a failure of this session
            if not self._closing:
                self.errors.append(f"websocket: {type(e).__name__}: {str(e)[:200]}")
        else:
            if not self._closing:
                self.errors.append(f"websocket closed by the server ({self.ws.close_code})")
        self._ended = True
        async with self._cond:
            self._cond.notify_all()

    async def send_rerun(self, fragment_id: str = "", auto: bool = False,
                         trigger: str | None = None, first: bool = False) -> float:
        """Send a rerun request as the frontend's sendRerunBackMsg does; returns when it left."""
        m = BackMsg()
        r = m.rerun_script
        if self.query_string:
            r.query_string = self.query_string
        r.widget_states.SetInParent()
        for ws in self.states.values():
            r.widget_states.widgets.append(ws)
        if trigger is not None:
            r.widget_states.widgets.append(WidgetState(id=trigger, trigger_value=True))
        if first:
            r.page_name = self.page
        else:
            r.page_script_hash = self.page_script_hash
        if fragment_id:
            r.fragment_id = fragment_id
        r.is_auto_rerun = auto
        c = r.context_info
        c.timezone, c.timezone_offset, c.locale, c.url = "UTC", 0, "en-US", self.page_url
        c.is_embedded, c.color_scheme = False, "light"
        data = m.SerializeToString()
        await self.ws.send(data)
        t = self.last_sent = time.monotonic()
        self.frames.append((t, "sent", data))
        if self.armed_at is not None and self.ws_sent is None:
            self.ws_sent = t
        return t

    async def _auto_rerun(self, fragment_id: str, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.send_rerun(fragment_id, auto=True)
                self.auto_reruns_sent += 1
            except Exception as e:
                if not self._closing:
                    self.errors.append(f"auto rerun: {type(e).__name__}: {str(e)[:200]}")
                return

    # ------------------------------------------------------------------ what the server sends
    def _handle(self, msg: ForwardMsg, t: float) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.run_seq += 1
            if t >= self.last_sent:
                self.user_set.clear()
            if msg.new_session.page_script_hash:
                self.page_script_hash = msg.new_session.page_script_hash
            if not msg.metadata.run.fragment_ids:  # a full run: the script registers its timers again
                for _, task in self.timers.values():
                    task.cancel()
                self.timers.clear()
                self.seen = set()
            if self.armed_at is not None and self.ws_started is None and t >= (self.ws_sent or 0.0):
                self.ws_started = t
        elif kind == "navigation":
            if msg.navigation.page_script_hash:
                self.page_script_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
            run = parse_qs(self.query_string).get("run", [None])[0]
            if run and self.armed_at is not None:
                self.run_id = run
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(msg.delta, t)
        elif kind == "auto_rerun":
            fid, interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
            if fid and self.timers.get(fid, (None,))[0] != interval:
                if fid in self.timers:
                    self.timers[fid][1].cancel()
                self.timers[fid] = (interval, asyncio.create_task(self._auto_rerun(fid, interval)))
        elif kind == "stop_auto_rerun":
            for fid in msg.stop_auto_rerun.fragment_ids:
                if fid in self.timers:
                    self.timers.pop(fid)[1].cancel()
        elif kind == "script_finished":
            if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                self.full_runs_done += 1
                for wid in [w for w in self.states if w not in self.seen]:  # removeInactiveWidgetState
                    del self.states[wid]

    def _element(self, delta, t: float) -> None:
        el_kind = delta.new_element.WhichOneof("type")
        el = getattr(delta.new_element, el_kind)
        wid = getattr(el, "id", "")
        if isinstance(wid, str) and wid.startswith("$$ID"):
            self.seen.add(wid)
            self.kinds[wid] = el_kind
            if getattr(el, "label", ""):
                self.labels[el.label] = wid
            if el_kind == "button":
                self.buttons[el.label] = (wid, delta.fragment_id, el.disabled)
            state = widget_state(el_kind, el)
            if state is not None and wid not in self.user_set and (wid not in self.states or
                                                                     getattr(el, "set_value", False)):
                self.states[wid] = state
        if el_kind == "progress":
            self._progress(el.text, t)
        elif el_kind == "exception":
            self.page_errors.append(f"{t:.1f} exception on the page: {el.type}: {el.message}"[:400])
            self.errors.append(f"exception: {el.type}: {el.message[:150]}")
            if self.on_error is not None:
                self.on_error(self, f"exception{len(self.page_errors)}")
        body = getattr(el, "body", "")
        if isinstance(body, str) and body:
            plain = body.replace("*", "")
            if self._probe is not None and self._probe_hit is None and self.run_seq > self._probe[1] and \
                    any(n in plain for n in self._probe[0]):
                self._probe_hit = t
            if self._finished_text and self._finished_text in plain and self.finished_at is None:
                self.finished_at = t

    def _progress(self, text: str, t: float) -> None:
        if self.armed_at is not None and self.ws_status is None and is_answer(text):
            self.ws_status = t
            self.react_s = t - self.armed_at
            self.reaction = text.split(":")[0].split(" · ")[0]
        if self.armed_at is not None and self.first_running_s is None and text.startswith(ANSWER_PREFIXES):
            self.first_running_s = t - self.armed_at
        if text and text != self._last_text:
            if self._last_change is not None and self._last_text and self._last_text.startswith("running"):
                self.progress_gaps.append(t - self._last_change)
            self._last_text, self._last_change = text, t
        self.progress_text = text

    async def wait(self, pred, timeout: float, what: str) -> None:
        async with self._cond:
            try:
                await asyncio.wait_for(self._cond.wait_for(lambda: pred() or self._ended), timeout)
            except asyncio.TimeoutError:
                raise TimeoutError(f"session {self.i} (ws): {what} not within {timeout:.0f} s") from None
        if not pred():
            raise RuntimeError(f"session {self.i} (ws): the websocket ended waiting for {what}: {self.errors[-1:]}")

    # ------------------------------------------------------------------ what a student does
    def widget(self, label: str) -> str:
        if label not in self.labels:
            raise RuntimeError(f"session {self.i} (ws): no widget labelled {label!r} on the page")
        return self.labels[label]

    async def set_widget(self, label: str, **value) -> float:
        """Change a widget outside any fragment (a full rerun), as the frontend does on a change."""
        wid = self.widget(label)
        self.states[wid] = WidgetState(id=wid, **value)
        self.user_set.add(wid)
        return await self.send_rerun()

    async def setup(self, steps: int, timeout_s: float) -> None:
        """Open the page and type the steps, as load_test.setup_page does in a browser."""
        await self.open()
        await self.send_rerun(first=True)
        await self.wait(lambda: self.full_runs_done >= 1 and "Start training" in self.buttons, timeout_s,
                        "the Train page")
        done = self.full_runs_done
        await self.set_widget("Steps", int_value=steps)
        await self.wait(lambda: self.full_runs_done > done and not self.buttons["Start training"][2],
                        timeout_s, f"the Steps box taking {steps}")

    async def click_start(self, t_go: float, timeout_s: float) -> None:
        """Press Start training at t_go (the button's fragment reruns) and wait for its answer."""
        wid, fragment, _ = self.buttons["Start training"]
        delay = t_go - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        self.armed_at = time.monotonic()
        await self.send_rerun(fragment, trigger=wid)
        await self.wait(lambda: self.ws_status is not None, timeout_s, "the click's answer")
        await self.wait(lambda: self.run_id is not None, timeout_s, "the run id in the query string")

    async def set_device(self, choice: str, timeout_s: float) -> float:
        """Choose `choice` in the Device box (a full rerun); seconds until the sidebar caption shows it."""
        needles = device_captions(choice)
        self._probe, self._probe_hit = (needles, self.run_seq), None
        t0 = await self.set_widget("Device", string_value=choice)
        await self.wait(lambda: self._probe_hit is not None, timeout_s, f"the Device caption for {choice}")
        return self._probe_hit - t0

    async def probe(self, interact_every: float, offset: float, stop: asyncio.Event, timeout_s: float) -> None:
        """Every `interact_every` s until `stop`: switch Device and time the rerun (probe_device)."""
        async def failed() -> None:
            if self.on_error is not None:
                self.on_error(self, "probe-timeout")

        await probe_device(lambda device: self.set_device(device, min(timeout_s, 60.0)), interact_every, offset,
                           stop, self.interactions, self.errors, failed)

    async def watch(self, t_click: float, steps: int, interact_every: float, offset: float,
                    timeout_s: float) -> None:
        """Until this session's run is finished (the progress text says so and the "Finished N
        steps" message came), with the Device probe running; as load_test.watch_session."""
        self._finished_text = f"Finished {steps:,} steps"
        stop = asyncio.Event()
        prober = asyncio.create_task(self.probe(interact_every, offset, stop, timeout_s))
        try:
            while not self.progress_text.startswith("finished"):
                if self._ended:
                    raise RuntimeError(f"session {self.i} (ws): the websocket ended: {self.errors[-1:]}")
                now = time.monotonic()
                if self.disk_done_at is None and run_ended(self.runs_dir, self.run_id):
                    self.disk_done_at = now
                if self.disk_done_at is not None and now - self.disk_done_at > 90:
                    self.errors.append(f"session still shows {self.progress_text[:60]!r} 90 s after its run "
                                       "ended (stale page)")
                    if self.on_error is not None:
                        self.on_error(self, "stale")
                    return
                await asyncio.sleep(0.1)
        finally:
            stop.set()
            try:
                await asyncio.wait_for(prober, 90)
            except asyncio.TimeoutError:
                self.errors.append("a rerun probe hung for 90 s")
        await self.wait(lambda: self.finished_at is not None, timeout_s, f"{self._finished_text!r}")
        self.finished_ui_s = self.finished_at - t_click
