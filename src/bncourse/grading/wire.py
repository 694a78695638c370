"""Arrays over a pipe as ``.npy`` frames, never pickle.

A message is a tag frame (a 0-d string array), then for ``"arrays"`` a count frame and that many
arrays, for ``"verdict"`` one string frame holding JSON. Readers take exactly the bytes of each frame,
so a pipe (not seekable) works and object arrays are refused.
"""
from __future__ import annotations

import io
import json
from typing import Any, BinaryIO

import numpy as np
from numpy.lib import format as npy_format


class WireError(RuntimeError):
    """The other side sent something that is not a well-formed frame (or nothing at all)."""


def write_array(stream: BinaryIO, value: Any) -> None:
    arr = np.asarray(value)
    if arr.dtype.hasobject:
        raise TypeError(f"cannot send an array of Python objects (dtype {arr.dtype})")
    buf = io.BytesIO()
    npy_format.write_array(buf, np.array(arr, order="C", copy=True), allow_pickle=False)
    stream.write(buf.getvalue())


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise WireError(f"stream ended {left} bytes early")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_array(stream: BinaryIO) -> np.ndarray:
    magic = _read_exact(stream, npy_format.MAGIC_LEN)
    version = npy_format.read_magic(io.BytesIO(magic))
    if version == (1, 0):
        head_len = int.from_bytes(_read_exact(stream, 2), "little")
        prefix = 2
    else:
        head_len = int.from_bytes(_read_exact(stream, 4), "little")
        prefix = 4
    head = _read_exact(stream, head_len)
    header_io = io.BytesIO(magic + head_len.to_bytes(prefix, "little") + head)
    npy_format.read_magic(header_io)
    if version == (1, 0):
        shape, fortran, dtype = npy_format.read_array_header_1_0(header_io)
    else:
        shape, fortran, dtype = npy_format.read_array_header_2_0(header_io)
    if dtype.hasobject:
        raise WireError("refusing an array of Python objects")
    count = int(np.prod(shape, dtype=np.int64))
    data = _read_exact(stream, count * dtype.itemsize)
    arr = np.frombuffer(data, dtype=dtype, count=count)
    order = "F" if fortran else "C"
    return arr.reshape(shape, order=order).copy()


def send_arrays(stream: BinaryIO, values: tuple) -> None:
    write_array(stream, np.array("arrays"))
    write_array(stream, np.array(len(values), dtype=np.int64))
    for value in values:
        write_array(stream, value)
    stream.flush()


def send_verdict(stream: BinaryIO, verdict: dict) -> None:
    write_array(stream, np.array("verdict"))
    write_array(stream, np.array(json.dumps(verdict)))
    stream.flush()


def receive(stream: BinaryIO) -> tuple[str, Any]:
    """``("arrays", [arr, ...])`` or ``("verdict", dict)``."""
    tag = str(read_array(stream))
    if tag == "arrays":
        n = int(read_array(stream))
        if not 0 <= n <= 64:
            raise WireError(f"bad frame count {n}")
        return tag, [read_array(stream) for _ in range(n)]
    if tag == "verdict":
        return tag, json.loads(str(read_array(stream)))
    raise WireError(f"unknown message {tag!r}")


def to_python(arr: np.ndarray) -> Any:
    """0-d arrays travel back as the Python scalar they were (float, int, bool, str)."""
    return arr.item() if arr.ndim == 0 else arr
