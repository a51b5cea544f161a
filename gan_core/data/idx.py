"""Reader for the IDX format of MNIST-family files (raw or gzip-compressed).

IDX layout: 2 zero bytes, a type byte (0x08 = uint8), a byte with the number of dimensions,
then one big-endian uint32 per dimension, then the data in C order.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np


class IDXError(ValueError):
    pass


def read_idx(path: str | Path) -> np.ndarray:
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError, zlib.error) as e:  # zlib.error: corrupt gzip stream
        raise IDXError(f"{path}: cannot read ({e})") from e
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise IDXError(f"{path}: not an IDX file (bad magic number)")
    if data[2] != 0x08:
        raise IDXError(f"{path}: IDX type 0x{data[2]:02x} not supported (only uint8 0x08)")
    ndim = data[3]
    if ndim == 0:
        raise IDXError(f"{path}: IDX file with 0 dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IDXError(f"{path}: truncated header")
    dims = struct.unpack(">" + "I" * ndim, data[4:header])
    count = int(np.prod(dims)) if dims else 0
    if len(data) - header != count:
        raise IDXError(f"{path}: expected {count} bytes of data for shape {dims}, found {len(data) - header}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write a uint8 array as IDX (gzip when the name ends in .gz). Used by tests and tools."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    payload = bytes([0, 0, 0x08, array.ndim]) + struct.pack(">" + "I" * array.ndim, *array.shape) + array.tobytes()
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as f:
        f.write(payload)
