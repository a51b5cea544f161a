"""The data root: the one directory whose files `csv:`, `folder:` and `zip:` may read.

A class shares one server, so a dataset path typed into the app must not reach the rest of the
disk. The root is $GAN_DATA_ROOT, else $GAN_DATA_DIR, else `data/` (relative to the working
directory). It does not come from the config (`data_dir` is editable in the app), so a form
cannot widen it. Symlinks are resolved before the check, so neither `..` nor a link escapes.
"""

from __future__ import annotations

import os
from pathlib import Path

from gan_core.data._registry import DataError
from gan_core.messages import Msg

WHAT = {"csv": Msg("CSV file"), "folder": Msg("image folder"), "zip": Msg("zip archive")}


def data_root() -> Path:
    return Path(os.environ.get("GAN_DATA_ROOT") or os.environ.get("GAN_DATA_DIR") or "data").resolve()


def resolve_user_path(arg: str, key: str) -> Path:
    """PATH of `KEY:PATH` -> an existing path inside the data root, or DataError saying why not.

    A relative PATH is looked for in the data root first, then in the working directory (so
    `csv:data/points.csv` and `csv:points.csv` both work with the default root `data/`).
    """
    what = WHAT.get(key, Msg("path"))
    root = data_root()
    given = Path(arg)
    cands = [given.resolve()] if given.is_absolute() else [(root / given).resolve(), (Path.cwd() / given).resolve()]
    chosen = next((c for c in cands if c.exists()), cands[0])
    if not chosen.is_relative_to(root):
        raise DataError(Msg("{what} {arg!r} resolves to {chosen}, outside the data root {root}. Allowed: paths inside "
                            "{root} (relative paths are read from there; the server's $GAN_DATA_ROOT sets the root).",
                            what=what, arg=arg, chosen=str(chosen), root=str(root)))
    if not chosen.exists():
        places = [str(c) for c in dict.fromkeys(cands)]
        looked = Msg("{a} and {b}", a=places[0], b=places[1]) if len(places) == 2 else places[0]
        where = {"what": what, "arg": arg, "looked": looked, "root": str(root)}
        raise DataError(Msg("{what} {arg!r} not found (looked for {looked}). Allowed: an existing directory inside "
                            "the data root {root}.", **where) if key == "folder" else
                        Msg("{what} {arg!r} not found (looked for {looked}). Allowed: an existing file inside the "
                            "data root {root}.", **where))
    if key == "folder" and not chosen.is_dir():
        raise DataError(Msg("{arg!r} is a file, not a folder; folder:PATH needs a directory of PNG/JPEG images",
                            arg=arg))
    if key != "folder" and not chosen.is_file():
        raise DataError(Msg("{arg!r} is a directory; {key}:PATH needs a {what} (use folder:PATH for a directory)",
                            arg=arg, key=key, what=what))
    return chosen


def resolve_data_dir(data_dir: str) -> Path:
    """Where built-in datasets are looked for: $GAN_DATA_DIR wins over the default 'data';
    an explicit other value wins over both."""
    env = os.environ.get("GAN_DATA_DIR")
    if env and data_dir == "data":
        return Path(env)
    return Path(data_dir)


def download_allowed(flag: bool | None) -> bool:
    """An explicit flag wins; else $GAN_DATA_DOWNLOAD (0 turns torchvision downloads off; default on)."""
    if flag is not None:
        return flag
    return os.environ.get("GAN_DATA_DOWNLOAD", "1").strip().lower() not in ("0", "false", "no", "off")
