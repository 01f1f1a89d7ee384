#!/usr/bin/env python3
"""Write float32 or float16 safetensors files atomically (standard library only).

Layout: u64 little-endian header length N, N bytes of JSON header padded with spaces so the
data section starts 8-byte aligned, then the tensors' raw little-endian bytes back to back.
"""
from __future__ import annotations

import json
import math
import os
import struct
import tempfile
from dataclasses import dataclass
from typing import Callable

ALIGNMENT = 8
DTYPE_SIZES = {"F32": 4, "F16": 2}


@dataclass(frozen=True)
class TensorEntry:
    name: str
    shape: tuple[int, ...]
    data: Callable[[], bytes]  # produces the little-endian bytes on demand
    dtype: str = "F32"  # a key of DTYPE_SIZES

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * DTYPE_SIZES[self.dtype]


def encode_header(entries: list[TensorEntry], metadata: dict[str, str]) -> bytes:
    """Length prefix plus padded JSON header; tensors are laid out in the given order."""
    header: dict[str, object] = {"__metadata__": dict(metadata)}
    offset = 0
    for entry in entries:
        header[entry.name] = {"dtype": entry.dtype, "shape": list(entry.shape),
                              "data_offsets": [offset, offset + entry.nbytes]}
        offset += entry.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-(8 + len(text)) % ALIGNMENT)
    return struct.pack("<Q", len(text)) + text


def write_safetensors(path: str, entries: list[TensorEntry], metadata: dict[str, str]) -> None:
    """Write to a temporary file beside `path`, then rename: never a partial output file."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp_path = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(encode_header(entries, metadata))
            for entry in entries:
                data = entry.data()
                if len(data) != entry.nbytes:
                    raise ValueError(f"{entry.name}: produced {len(data)} bytes, expected {entry.nbytes}")
                out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, path)
    except BaseException:
        os.unlink(tmp_path)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
