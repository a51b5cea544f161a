"""The training form's transfer-learning part: where G and D start from (gan_core.init_from).

The checkpoint is chosen from the shipped models and the runs' last checkpoints, or uploaded; an
upload is checked to be a safetensors file and stored once under <runs root>/uploads/ by its
content hash, so the run's config names a file that stays there. The other options of the group
(the nets that take the weights, the frozen blocks) are drawn from their declarations.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import streamlit as st

from gan_core.checkpoint import CheckpointError, check_safetensors_header
from gan_core.messages import Msg
from gan_core.options import all_options
from gan_core.pretrained import list_pretrained
from gan_core.store import PRETRAINED_DIR, atomic_write_bytes, list_runs, runs_root
from ui.class_mode import listed
from ui.i18n import _, tr
from ui.option_widgets import option_group

MAX_UPLOAD_BYTES = 512 * 1024 * 1024  # a checkpoint larger than this is refused (the server keeps the file)


def init_sources() -> dict[str, str]:
    """init_from value -> label: none, the shipped models, the runs that have a checkpoint (on a class
    server a student's own runs only: ui/class_mode.py)."""
    shipped, runs = _sources(str(runs_root()))
    out = {"": _("none: random initialisation")}
    for path, title, name in shipped:
        out[path] = _("shipped: {title} ({name}, G only)").format(title=tr(title), name=name)
    for r in listed(runs):
        out[r["path"]] = _("run: {name} ({id}, G and D, step {step})").format(name=r["name"], id=r["id"],
                                                                              step=r["step"])
    return out


@st.cache_data(ttl=5, max_entries=8, show_spinner=False)
def _sources(root_text: str) -> tuple[list[tuple[str, str, str]], list[dict[str, Any]]]:
    """The listing behind init_sources, read at most every 5 s (every change of the form reruns the page,
    and a class server has many runs): (path, title, name) of each shipped model, and {id, owner, path,
    name, step} of each run with a checkpoint. No label here: the cache is shared by every session, and
    each session reads its own language."""
    shipped = [(str(PRETRAINED_DIR / card.file), card.title, card.name) for card in list_pretrained()]
    root = Path(root_text)
    runs = []
    for run in list_runs(root):
        last = root / str(run.get("id")) / "checkpoints" / "last.safetensors"
        if last.is_file():
            runs.append({"id": str(run["id"]), "owner": run.get("owner"), "path": str(last),
                         "name": run.get("name") or run["id"], "step": run.get("step")})
    return shipped, runs


def save_upload(data: bytes, filename: str) -> Path:
    """Store an uploaded checkpoint under <runs root>/uploads/<sha256>.safetensors; refuse what is not one."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise CheckpointError(Msg("{file}: {size:,} bytes, over the limit of {limit:,}", file=filename, size=len(data),
                                  limit=MAX_UPLOAD_BYTES))
    check_safetensors_header(data[:16], len(data), filename)
    path = runs_root() / "uploads" / (hashlib.sha256(data).hexdigest()[:32] + ".safetensors")
    if not path.is_file():
        atomic_write_bytes(path, data)
    return path


def transfer_form(key: str) -> None:
    """Draw the transfer-learning options with session-state prefix `key`."""
    k = key + "init_from"
    up = st.file_uploader(_("Upload a checkpoint (.safetensors)"), type=["safetensors"], key=key + "init_upload",
                          help=_("A checkpoint of this project (a run's last.safetensors, or an exported model): "
                                 "it becomes the choice below."))
    if up is not None and st.session_state.get(key + "init_upload_id") != up.file_id:
        try:
            st.session_state[k] = str(save_upload(up.getvalue(), up.name))
            st.session_state[key + "init_upload_id"] = up.file_id
        except CheckpointError as e:
            st.error(tr(e))
    sources = init_sources()
    current = st.session_state.get(k, "")
    if current not in sources:  # an upload, or a path from a loaded config or the command line
        sources[current] = _("file: {path}").format(path=current)
    opts = all_options()
    st.selectbox(tr(opts.label("init_from")), list(sources), format_func=sources.get, key=k,
                 help=tr(opts.help("init_from")), placeholder=_("Choose an option"))
    option_group("transfer", key, skip=("init_from",))
