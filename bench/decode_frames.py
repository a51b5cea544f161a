"""Print the websocket frames bench/load_test.py kept when a page broke (`*.frames` files).

    python bench/decode_frames.py /tmp/gan_load_xxx/session4-pageerror1.frames

Each line: time, direction, and what Streamlit's message says: for what the server sent (a
ForwardMsg) its type, the delta path and the element or block it puts there, the script run and
fragment ids; for what the page sent (a BackMsg) the rerun it asked for (the fragment's id for a
fragment rerun, and whether its timer asked). Read with Streamlit's own protobuf classes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


def frames(path: Path):
    raw = path.read_bytes()
    i = 0
    while i < len(raw):
        nl = raw.index(b"\n", i)
        t, way, n = raw[i:nl].decode().split()
        data = raw[nl + 1: nl + 1 + int(n)]
        i = nl + 1 + int(n) + 1
        yield float(t), way, data


def describe_forward(data: bytes) -> str:
    m = ForwardMsg()
    m.ParseFromString(data)
    kind = m.WhichOneof("type")
    path = list(m.metadata.delta_path)
    run = m.metadata.run
    frags = " fragments " + ",".join(f[:8] for f in run.fragment_ids) if run.fragment_ids else ""
    who = f" [run {run.script_run_id[:6]}{frags}]" if run.script_run_id else ""
    return describe_kind(m, kind, path) + who


def describe_kind(m: ForwardMsg, kind: str | None, path: list[int]) -> str:
    if kind == "delta":
        d = m.delta
        what = d.WhichOneof("type")
        if what == "new_element":
            what += ":" + d.new_element.WhichOneof("type")
        elif what == "add_block":
            what += ":" + (d.add_block.WhichOneof("type") or "vertical")
        frag = f" fragment={d.fragment_id[:8]}" if d.fragment_id else ""
        return f"delta {path} {what}{frag}"
    if kind == "new_session":
        return "new_session"
    if kind == "stop_auto_rerun":
        return f"stop_auto_rerun {[f[:8] for f in m.stop_auto_rerun.fragment_ids]}"
    if kind == "script_finished":
        return f"script_finished {ForwardMsg.ScriptFinishedStatus.Name(m.script_finished)}"
    if kind == "ref_hash":  # a message the page has cached, sent again by its hash
        return f"ref_hash {path} {m.ref_hash[:8]}"
    if kind == "auto_rerun":
        return f"auto_rerun fragment={m.auto_rerun.fragment_id[:8]} every {m.auto_rerun.interval} s"
    return kind or "?"


def describe_back(data: bytes) -> str:
    m = BackMsg()
    m.ParseFromString(data)
    kind = m.WhichOneof("type")
    if kind == "rerun_script":
        r = m.rerun_script
        return f"rerun fragment={r.fragment_id[:8] or '-'} auto={r.is_auto_rerun}"
    return kind or "?"


def main(argv: list[str]) -> int:
    for name in argv:
        for t, way, data in frames(Path(name)):
            try:
                text = describe_forward(data) if way == "recv" else describe_back(data)
            except Exception as e:  # a frame that is not a Streamlit message
                text = f"<{type(e).__name__}: {len(data)} bytes>"
            print(f"{t:.3f} {way} {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
