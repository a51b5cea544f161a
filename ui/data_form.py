"""The dataset chooser shared by the Train form and the Data page: source (from the registry, with
its help text), the file or folder of the sources that take a path, and image preprocessing.

Widget keys start with a prefix ("cfg_" on the Train page, "data_" on the Data page), so both
pages keep their own choice. `{prefix}dataset` holds the registry key (e.g. "zip"); the path of
each path source is kept in `{prefix}arg_{key}` (plain state, so it survives while hidden).
Uploads are saved, content-addressed, to `<data root>/uploads/`, and used as `KEY:uploads/<hash>.<ext>`.
"""

from __future__ import annotations

import hashlib
from typing import Any

import streamlit as st

from gan_core.config import OPTIONS
from gan_core.data import CHANNELS, DATASETS, FITS, RESOLUTIONS, DataError, DataOptions, check_source, data_root
from gan_core.store import atomic_write_bytes
from ui.draw_points import drawing_dialog, open_drawing
from ui.i18n import _, tr

DATA_FIELDS = ("dataset", "resolution", "channels", "fit", "hflip")  # TrainConfig fields set here
DEFAULTS: dict[str, Any] = {"dataset": "ring8", "resolution": 0, "channels": 0, "fit": "crop", "hflip": False}
UPLOAD_TYPES = {"csv": ["csv", "txt"], "zip": ["zip"]}
UPLOAD_DIR = "uploads"  # inside the data root


def set_dataset_state(prefix: str, values: dict[str, Any]) -> None:
    """Put dataset/preprocessing values (e.g. of a saved config) into the widgets' state.
    Call it before the widgets are drawn (in a callback, or before dataset_form)."""
    for f in DATA_FIELDS:
        if f not in values:
            continue
        v = values[f]
        if f == "dataset":
            key, _sep, arg = str(v).partition(":")
            v = key if key in DATASETS.names() else DEFAULTS["dataset"]
            if arg:
                st.session_state[f"{prefix}arg_{key}"] = arg
                st.session_state.pop(f"{prefix}path_{key}", None)  # the text box re-reads the path
        st.session_state[prefix + f] = v


def _save_upload(file: Any, ext: str) -> str:
    """Save an uploaded file under the data root by its content hash; -> the path for KEY:PATH."""
    return _save_bytes(file.getvalue(), ext)


def _save_bytes(data: bytes, ext: str) -> str:
    rel = f"{UPLOAD_DIR}/{hashlib.sha256(data).hexdigest()[:24]}.{ext}"
    path = data_root() / rel
    if not path.is_file():  # same content, same name: nothing is ever overwritten
        atomic_write_bytes(path, data)
    return rel


def use_drawing(prefix: str, data: bytes) -> str | None:
    """A drawing accepted by the dialog (called from its button's callback): saved like an upload,
    and the form's dataset set to the CSV source with that path. -> None, or why it could not be saved."""
    try:
        st.session_state[f"{prefix}arg_csv"] = _save_bytes(data, "csv")
    except OSError as e:
        return _("could not save the drawing in {folder}: {error}").format(folder=data_root() / UPLOAD_DIR, error=e)
    st.session_state[prefix + "dataset"] = "csv"  # the 2-D lab's own button opens it from any dataset
    st.session_state.pop(f"{prefix}path_csv", None)  # the text box re-reads the path
    return None


def _path_input(prefix: str, key: str) -> str:
    """The file/folder of a path source: an upload (csv, zip) fills a text box that can also be typed in."""
    arg_key, box_key = f"{prefix}arg_{key}", f"{prefix}path_{key}"
    if key in UPLOAD_TYPES:
        up = st.file_uploader(_("Upload a .zip of images") if key == "zip" else _("Upload a CSV file"),
                              type=UPLOAD_TYPES[key], key=f"{prefix}upload_{key}",
                              help=_("Saved on the server in the data root's uploads/ folder; the dataset then "
                                     "reads it from there."))
        if up is not None:
            done = st.session_state.setdefault(f"{prefix}saved_uploads", {})
            if up.file_id not in done:
                try:
                    done[up.file_id] = _save_upload(up, UPLOAD_TYPES[key][0])
                except OSError as e:
                    st.error(_("Could not save the upload in {folder}: {error}").format(
                        folder=data_root() / UPLOAD_DIR, error=e))
                    done[up.file_id] = st.session_state.get(arg_key, "")
                st.session_state[arg_key] = done[up.file_id]
                st.session_state.pop(box_key, None)
    if key == "csv":  # or draw the points (ui/draw_points.py): saved as a CSV upload, read by the same source
        st.button(_("Draw your own points"), icon=":material/draw:", key=f"{prefix}draw_button",
                  on_click=open_drawing, args=(prefix, st.session_state.get(arg_key, "")),
                  help=_("Click and drag points onto a plane; the drawing is saved as a CSV and trained on."))
        drawing_dialog(prefix, lambda data: use_drawing(prefix, data))
    if box_key not in st.session_state:
        st.session_state[box_key] = st.session_state.get(arg_key, "")
    label = {"folder": _("Folder (inside the data root)"), "csv": _("…or a CSV file in the data root"),
             "zip": _("…or a zip file in the data root")}[key]
    example = {"folder": "faces", "csv": "points.csv", "zip": "faces.zip"}[key]
    st.text_input(label, key=box_key, placeholder=_("e.g. {example}").format(example=example),
                  help=_("Relative to the data root {root}; paths outside it are refused.").format(root=data_root()))
    st.session_state[arg_key] = st.session_state[box_key].strip()
    return st.session_state[arg_key]


def dataset_form(prefix: str, data_dir: str = "data") -> tuple[dict[str, Any], str | None]:
    """Draw the chooser; -> (values of the TrainConfig fields in DATA_FIELDS, error message or None).

    The error covers what can be checked without reading the data: a missing path, a path outside
    the data root, a file that does not exist. Reading errors show when the data is read."""
    for f, v in DEFAULTS.items():
        st.session_state.setdefault(prefix + f, v)
    if st.session_state[prefix + "dataset"] not in DATASETS.names():
        st.session_state[prefix + "dataset"] = DEFAULTS["dataset"]
    names = DATASETS.names()
    st.selectbox(tr(OPTIONS.label("dataset")), names, key=prefix + "dataset", placeholder=_("Choose an option"),
                 format_func=lambda n: tr(DATASETS.label(n)),
                 help=tr(OPTIONS.help("dataset")))  # the chosen dataset's own help is the caption below
    key = st.session_state[prefix + "dataset"]
    spec = DATASETS.get(key)
    st.caption(tr(DATASETS.help(key)))
    values = {f: st.session_state[prefix + f] for f in DATA_FIELDS}
    error = None
    if spec.takes_path:
        arg = _path_input(prefix, key)
        values["dataset"] = f"{key}:{arg}" if arg else key
    image = spec.kind == "image"
    with st.expander(_("Image preprocessing") if image else _("Image preprocessing (images only)"), expanded=False):
        c1, c2 = st.columns(2)
        c1.selectbox(tr(OPTIONS.label("resolution")), RESOLUTIONS, key=prefix + "resolution", disabled=not image,
                     placeholder=_("Choose an option"),
                     format_func=lambda r: _("native") if r == 0 else f"{r}x{r}",
                     help=tr(OPTIONS.help("resolution")))
        c2.selectbox(tr(OPTIONS.label("channels")), CHANNELS, key=prefix + "channels", disabled=not image,
                     placeholder=_("Choose an option"),
                     format_func=lambda c: {0: _("native"), 1: _("grayscale"), 3: "RGB"}[c],
                     help=tr(OPTIONS.help("channels")))
        c1.radio(tr(OPTIONS.label("fit")), FITS, key=prefix + "fit", disabled=not image, horizontal=True,
                 format_func=lambda f: {"crop": _("centre crop"), "pad": _("pad")}[f],
                 help=tr(OPTIONS.help("fit")))
        c2.checkbox(tr(OPTIONS.label("hflip")), key=prefix + "hflip", disabled=not image,
                    help=tr(OPTIONS.help("hflip")))
    if spec.takes_path and ":" not in values["dataset"]:
        error = (_("dataset: type a folder inside the data root") if key == "folder" else
                 _("dataset: upload a zip file, or type its path in the data root") if key == "zip" else
                 _("dataset: upload a CSV file, or type its path in the data root"))
    elif spec.takes_path:
        try:
            check_source(DataOptions(**values, data_dir=data_dir))
        except DataError as e:
            error = _("dataset: {error}").format(error=tr(e))
    return values, error

