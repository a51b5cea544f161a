"""A user's own images: `folder:PATH` (a directory inside the data root) or `zip:PATH` (an archive,
e.g. uploaded on the page). PNG and JPEG only; one sub-folder per class gives labels.

Layout: images directly in the folder (or archive) are one unlabelled set; images inside
sub-folders are labelled by the first sub-folder's name (classes sorted by name), and images left
at the top level next to class folders are skipped and counted. An archive whose entries all sit
in one top folder (what zipping a folder gives) is read as that folder.

Every image is decoded with Pillow, converted from any mode (L, P, RGBA, CMYK, 16-bit, ...) to
grayscale or RGB (transparency over black), turned upright by its EXIF orientation, then fitted
to a square of the target resolution: "crop" scales the shorter side and crops the centre,
"pad" scales the longer side and pads with black. The result is uint8, ready for `prepare.py`.

Refused with a DataError naming the file and the limit: more than MAX_FILES images or
MAX_TOTAL_BYTES of image bytes (zip bombs: both the sizes the archive declares and the bytes
actually inflated are counted), an image over MAX_PIXELS (decompression bombs; checked from
the header, before decoding), a truncated or corrupt image, a file named .png/.jpg that is
another format, archive entries with absolute paths, `..` or encryption, and a folder or archive
without any image. Other files (text, __MACOSX, hidden files) are skipped and counted. Archives are
read in memory and never extracted, so no entry name ever becomes a path on disk.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from gan_core.data._registry import DataError, Raw, SourceRequest, register_source
from gan_core.data.paths import data_root
from gan_core.messages import Msg

IMAGE_EXTS = (".png", ".jpg", ".jpeg")
MAX_FILES = 20_000  # images per folder or archive
MAX_TOTAL_BYTES = 2**30  # bytes of image files (uncompressed, for archives)
MAX_FILE_BYTES = 64 * 2**20  # one image file
MAX_PIXELS = 4096 * 4096  # width * height of one image (Pillow's own bomb limit is far higher)
MAX_WALK = 200_000  # directory entries looked at before a folder is refused as too big
DEFAULT_RESOLUTION = 64  # resolution 0 ("native") means this for user images
ALLOWED = "allowed: PNG or JPEG files (.png, .jpg, .jpeg), optionally in one sub-folder per class"


@dataclass
class _Entry:
    parts: tuple[str, ...]  # path inside the folder/archive
    size: int  # bytes (uncompressed, for archives)
    read: Callable[[], bytes]

    @property
    def name(self) -> str:
        return "/".join(self.parts)


@dataclass
class _Listing:
    entries: list[_Entry]
    skipped: int = 0  # non-image files
    outside: int = 0  # links that point outside the data root


def _is_image_name(name: str) -> bool:
    return name.lower().endswith(IMAGE_EXTS)


def _hidden(parts: tuple[str, ...]) -> bool:
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _check_totals(n: int, total: int, where: str) -> None:
    if n > MAX_FILES:
        raise DataError(f"{where}: more than {MAX_FILES:,} images; allowed: at most {MAX_FILES:,} "
                        "(use a subset, or train from the built-in datasets)")
    if total > MAX_TOTAL_BYTES:
        raise DataError(f"{where}: {total:,} bytes of images, over the limit of {MAX_TOTAL_BYTES:,} "
                        f"({MAX_TOTAL_BYTES / 2**30:.1f} GiB); allowed: smaller or fewer images")


# ---------------------------------------------------------------------- listing a folder
def _list_folder(folder: Path, where: str) -> _Listing:
    root = data_root()
    out = _Listing([])
    seen = total = 0
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__MACOSX")
        rel_dir = Path(dirpath).relative_to(folder).parts
        for fn in sorted(filenames):
            seen += 1
            if seen > MAX_WALK:
                raise DataError(f"{where}: more than {MAX_WALK:,} files to look through; allowed: at most "
                                f"{MAX_FILES:,} images in a folder")
            parts = (*rel_dir, fn)
            if _hidden(parts) or not _is_image_name(fn):
                out.skipped += 1
                continue
            real = (Path(dirpath) / fn).resolve()
            if not real.is_relative_to(root):
                out.outside += 1
                continue
            if not real.is_file():
                out.skipped += 1
                continue
            size = real.stat().st_size
            total += size
            out.entries.append(_Entry(parts, size, real.read_bytes))
            _check_totals(len(out.entries), total, where)
    return out


def _folder_signature(req: SourceRequest) -> tuple:
    h = hashlib.sha1()
    for dirpath, dirnames, filenames in os.walk(req.path, followlinks=False):
        dirnames.sort()
        for fn in sorted(filenames):
            try:
                st = os.stat(os.path.join(dirpath, fn))
            except OSError:
                continue
            h.update(f"{dirpath}/{fn}\0{st.st_size}\0{st.st_mtime_ns}\n".encode(errors="surrogateescape"))
    return (str(req.path), h.hexdigest(), req.resolution, req.channels, req.fit)


# ---------------------------------------------------------------------- listing an archive
_DRIVE = re.compile(r"^[A-Za-z]:")


def _list_zip(zf: zipfile.ZipFile, where: str) -> _Listing:
    infos = zf.infolist()
    files = [i for i in infos if not i.is_dir()]
    if len(files) > MAX_FILES:
        raise DataError(f"{where}: {len(files):,} files in the archive; allowed: at most {MAX_FILES:,}")
    declared = sum(i.file_size for i in files)
    if declared > MAX_TOTAL_BYTES:
        raise DataError(f"{where}: the archive unpacks to {declared:,} bytes, over the limit of {MAX_TOTAL_BYTES:,} "
                        f"({MAX_TOTAL_BYTES / 2**30:.1f} GiB); allowed: smaller archives")
    out = _Listing([])
    for info in infos:
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or _DRIVE.match(name):
            raise DataError(f"{where}: entry {info.filename!r} has an absolute path; allowed: relative paths inside "
                            "the archive (zip the folder's contents)")
        parts = tuple(p for p in name.split("/") if p not in ("", "."))
        if ".." in parts:
            raise DataError(f"{where}: entry {info.filename!r} has '..' in its path; allowed: relative paths that "
                            "stay inside the archive")
        if info.is_dir():
            continue
        if _hidden(parts) or not _is_image_name(name) or stat.S_ISLNK(info.external_attr >> 16):
            out.skipped += 1
            continue
        if info.flag_bits & 0x1:
            raise DataError(f"{where}: entry {name!r} is encrypted; allowed: archives without a password")
        if info.file_size > MAX_FILE_BYTES:
            raise DataError(f"{where}: entry {name!r} unpacks to {info.file_size:,} bytes; allowed: at most "
                            f"{MAX_FILE_BYTES:,} per image")
        out.entries.append(_Entry(parts, info.file_size, _zip_reader(zf, info, where)))
    return out


def _zip_reader(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> Callable[[], bytes]:
    def read() -> bytes:
        try:
            with zf.open(info) as f:
                data = f.read(info.file_size + 1)  # never more than it declares (+1 to notice a lie)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as e:
            raise DataError(f"{where}: entry {info.filename!r} cannot be read ({e}); the archive is damaged") from e
        if len(data) > info.file_size:
            raise DataError(f"{where}: entry {info.filename!r} inflates to more than the {info.file_size:,} bytes it "
                            "declares (a zip bomb?); refused")
        return data

    return read


def _zip_signature(req: SourceRequest) -> tuple:
    st = req.path.stat()
    return (str(req.path), st.st_mtime_ns, st.st_size, req.resolution, req.channels, req.fit)


# ---------------------------------------------------------------------- decoding
def _to_mode(im: Image.Image, mode: str) -> Image.Image:
    """Any PNG/JPEG mode -> 'L' or 'RGB'. 16-bit is scaled (not clipped); transparency goes over black."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        a = np.asarray(im).astype(np.float64)
        peak = 65535.0 if im.mode.startswith("I;16") or a.max() > 255 else 255.0
        im = Image.fromarray(np.clip(a / peak * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        im = Image.alpha_composite(Image.new("RGBA", rgba.size, (0, 0, 0, 255)), rgba)
    return im.convert(mode) if im.mode != mode else im


def decode_image(data: bytes, name: str, *, mode: str, resolution: int, fit: str) -> np.ndarray:
    """PNG/JPEG bytes -> uint8 (resolution, resolution, channels). DataError for anything else."""
    try:
        with Image.open(io.BytesIO(data), formats=("PNG", "JPEG")) as im:
            w, h = im.size
            if w * h > MAX_PIXELS:
                raise DataError(f"{name}: {w}x{h} = {w * h:,} pixels, over the limit of {MAX_PIXELS:,} "
                                f"(a decompression bomb?); allowed: images up to {MAX_PIXELS:,} pixels")
            if im.format == "JPEG":
                im.draft("L" if mode == "L" else "RGB", (resolution, resolution))  # decode at a reduced scale
            im.load()
            im = ImageOps.exif_transpose(im)
            im = _to_mode(im, mode)
            size = (resolution, resolution)
            if fit == "pad":
                im = ImageOps.pad(im, size, Image.Resampling.BICUBIC, color=0)
            else:
                im = ImageOps.fit(im, size, Image.Resampling.BICUBIC)
            arr = np.asarray(im, dtype=np.uint8)
    except DataError:
        raise
    except Image.DecompressionBombError as e:
        raise DataError(f"{name}: {e}; allowed: images up to {MAX_PIXELS:,} pixels") from e
    except UnidentifiedImageError as e:
        raise DataError(f"{name}: not a PNG or JPEG image (the name says so, the content does not); {ALLOWED}") from e
    except Exception as e:
        raise DataError(f"{name}: truncated or corrupt image ({type(e).__name__}: {e}); allowed: complete PNG or "
                        "JPEG files. Re-save it or remove it.") from e
    return arr[:, :, None] if arr.ndim == 2 else arr


def _assemble(listing: _Listing, req: SourceRequest, where: str, strip_top: bool) -> Raw:
    entries = listing.entries
    if strip_top and entries and all(len(e.parts) >= 2 for e in entries) and len({e.parts[0] for e in entries}) == 1:
        for e in entries:  # the archive holds one folder: read it as that folder
            e.parts = e.parts[1:]
    notes = []
    if listing.skipped:
        notes.append(Msg("{n:,} files that are not PNG/JPEG images were skipped", n=listing.skipped))
    if listing.outside:
        notes.append(Msg("{n:,} links pointing outside the data root were skipped", n=listing.outside))
    nested = [e for e in entries if len(e.parts) >= 2]
    if nested:
        top = len(entries) - len(nested)
        if top:
            notes.append(Msg("{n:,} images at the top level were skipped: with class sub-folders, every image must "
                             "be inside one", n=top))
        entries = nested
        class_names = tuple(sorted({e.parts[0] for e in entries}))
        index = {c: i for i, c in enumerate(class_names)}
        labels = [index[e.parts[0]] for e in entries]
    else:
        class_names, labels = (), None
    if not entries:
        raise DataError(f"{where}: no PNG or JPEG images found"
                        + (f" ({listing.skipped:,} other files skipped)" if listing.skipped else "") + f"; {ALLOWED}")
    if req.check_count is not None:
        req.check_count(len(entries))  # refuse before decoding what would not fit
    res = req.resolution or DEFAULT_RESOLUTION
    mode = "L" if req.channels == 1 else "RGB"
    c = 1 if mode == "L" else 3
    out = np.empty((len(entries), res, res, c), dtype=np.uint8)  # (N, H, W, C)
    total = 0
    for i, e in enumerate(entries):
        data = e.read()
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            _check_totals(len(entries), total, where)
        out[i] = decode_image(data, f"{where}: {e.name}", mode=mode, resolution=res, fit=req.fit)
    x = torch.from_numpy(out).permute(0, 3, 1, 2).contiguous()  # (N, C, H, W) uint8
    y = torch.tensor(labels, dtype=torch.int64) if labels is not None else None
    listed = ", ".join(class_names[:8]) + (", ..." if len(class_names) > 8 else "")
    source = (Msg("{n:,} images from {where} in {classes} classes ({names}), fitted to {res}x{res} ({fit})",
                  n=len(entries), where=where, classes=len(class_names), names=listed, res=res, fit=req.fit)
              if class_names else
              Msg("{n:,} images from {where}, fitted to {res}x{res} ({fit})", n=len(entries), where=where, res=res,
                  fit=req.fit))
    return Raw(x=x, y=y, kind="image", class_names=class_names, notes=tuple(notes), source=source)


def _load_folder(req: SourceRequest) -> Raw:
    where = f"folder:{req.arg}"
    return _assemble(_list_folder(req.path, where), req, where, strip_top=False)


def _load_zip(req: SourceRequest) -> Raw:
    where = f"zip:{req.arg}"
    try:
        zf = zipfile.ZipFile(req.path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise DataError(f"{where}: not a readable zip archive ({e}); allowed: a .zip of PNG/JPEG images") from e
    with zf:
        return _assemble(_list_zip(zf, where), req, where, strip_top=True)


_COMMON = dict(kind="image", shape=(3, DEFAULT_RESOLUTION, DEFAULT_RESOLUTION), size=None, takes_path=True)
register_source(
    "folder", label="Image folder on the server", raw=_load_folder, signature=_folder_signature,
    help="Your own PNG/JPEG images in a folder inside the server's data root; one sub-folder per class gives "
    f"labels. Fitted to a square (default {DEFAULT_RESOLUTION}x{DEFAULT_RESOLUTION} RGB), at most {MAX_FILES:,} "
    "images.",
    **_COMMON)
register_source(
    "zip", label="Zip of images (upload)", raw=_load_zip, signature=_zip_signature,
    help="A .zip of PNG/JPEG images, e.g. uploaded here; one folder per class gives labels. Other files are "
    f"skipped and counted. At most {MAX_FILES:,} images and {MAX_TOTAL_BYTES / 2**30:.0f} GiB unpacked.", **_COMMON)
