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

WHAT = {"csv": "CSV file", "folder": "image folder", "zip": "zip archive"}


def data_root() -> Path:
    return Path(os.environ.get("GAN_DATA_ROOT") or os.environ.get("GAN_DATA_DIR") or "data").resolve()


def resolve_user_path(arg: str, key: str) -> Path:
    """PATH of `KEY:PATH` -> an existing path inside the data root, or DataError saying why not.

    A relative PATH is looked for in the data root first, then in the working directory (so
    `csv:data/points.csv` and `csv:points.csv` both work with the default root `data/`).
    """
    what = WHAT.get(key, "path")
    root = data_root()
    given = Path(arg)
    cands = [given.resolve()] if given.is_absolute() else [(root / given).resolve(), (Path.cwd() / given).resolve()]
    chosen = next((c for c in cands if c.exists()), cands[0])
    if not chosen.is_relative_to(root):
        raise DataError(f"{what} {arg!r} resolves to {chosen}, outside the data root {root}. Allowed: paths inside "
                        f"{root} (relative paths are read from there; the server's $GAN_DATA_ROOT sets the root).")
    if not chosen.exists():
        looked = " and ".join(str(c) for c in dict.fromkeys(cands))
        raise DataError(f"{what} {arg!r} not found (looked for {looked}). Allowed: an existing "
                        f"{'directory' if key == 'folder' else 'file'} inside the data root {root}.")
    if key == "folder" and not chosen.is_dir():
        raise DataError(f"{arg!r} is a file, not a folder; folder:PATH needs a directory of PNG/JPEG images")
    if key != "folder" and not chosen.is_file():
        raise DataError(f"{arg!r} is a directory; {key}:PATH needs a {what} (use folder:PATH for a directory)")
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
