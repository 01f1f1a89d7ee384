#!/usr/bin/env python3
"""Read torch.save files (zip and legacy formats) without torch.

Layouts (torch/serialization.py):
- zip (default since 1.6): `<archive>/data.pkl` is the pickle; persistent ids are
  ('storage', StorageType, key, location, numel) and storage `key` is the raw record
  `<archive>/data/<key>` of numel * element_size bytes. Newer writers add `<archive>/byteorder`.
- legacy (`_use_new_zipfile_serialization=False`): consecutive pickles of the magic number, the
  protocol version, a sys_info dict and the object (persistent ids
  ('storage', StorageType, key, location, numel, view_metadata)); then a pickled list of storage
  keys; then for each key an int64 little-endian element count and the raw little-endian bytes.
"""
from __future__ import annotations

import io
import itertools
import math
import os
import struct
import sys
import zipfile
from array import array
from typing import Any, BinaryIO, Callable

from torch_pickle import CheckpointError, DType, Storage, Tensor, storage_fields, unpickle

LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL_VERSION = 1001
MAX_PICKLE_BYTES = 256 << 20
MAX_STORAGE_BYTES = 2 << 30  # FFNet's largest storage is a few MB; refuse before reading
ZIP_MAGIC = b"PK\x03\x04"
NOT_A_CHECKPOINT = "not a PyTorch checkpoint (neither the zip nor the legacy torch.save format)"


class Checkpoint:
    """The unpickled top-level object (tensors as `Tensor`) and access to the tensors' data."""

    def __init__(self, root: Any, fmt: str, read_storage: Callable[[str], bytes],
                 big_endian: bool, close: Callable[[], None]) -> None:
        self.root = root
        self.format = fmt
        self._read_storage = read_storage
        self._big_endian = big_endian
        self._close = close
        self._cached: tuple[str, bytes] | None = None

    def __enter__(self) -> Checkpoint:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._close()

    def float32_bytes(self, tensor: Tensor) -> bytes:
        """The tensor's elements in row-major order as little-endian float32."""
        key = tensor.storage.key
        if self._cached is None or self._cached[0] != key:
            self._cached = (key, self._read_storage(key))
        start = tensor.storage.element_offset + tensor.offset
        elements = gather(self._cached[1], tensor.dtype.size, start, tensor.shape, tensor.stride)
        return to_float32_le(elements, tensor.dtype, self._big_endian)


def open_checkpoint(path: str) -> Checkpoint:
    f = open(path, "rb")
    try:
        size = os.fstat(f.fileno()).st_size
        head = f.read(512)
        f.seek(0)
        if not head:
            raise CheckpointError("empty file")
        if head.startswith((ZIP_MAGIC, b"PK\x05\x06")):
            return _open_zip(f, size)
        if ZIP_MAGIC.startswith(head):
            raise CheckpointError(f"truncated: zip archive ends at byte {len(head)}")
        if head[257:262] == b"ustar":
            raise CheckpointError("tar-based checkpoint (PyTorch < 0.4) is not supported")
        if not head.startswith(b"\x80"):  # legacy files start with a pickle PROTO opcode
            raise CheckpointError(NOT_A_CHECKPOINT)
        return _open_legacy(f, size)
    except BaseException:
        f.close()
        raise


# --- zip format ------------------------------------------------------------------------------

def _check_entry_name(name: str) -> None:
    parts = name.split("/")
    if name.startswith("/") or "\\" in name or ".." in parts or ":" in parts[0]:
        raise CheckpointError(f"unsafe path in zip archive: {name!r}")


def _zip_call(what: str, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError,
            struct.error, EOFError, OSError, RuntimeError) as e:
        raise CheckpointError(f"damaged zip archive while reading {what}: {e}") from e


def _open_zip(f: BinaryIO, size: int) -> Checkpoint:
    try:
        zf = zipfile.ZipFile(f)
    except zipfile.BadZipFile as e:
        reason = "no end-of-central-directory record" if str(e) == "File is not a zip file" else str(e)
        raise CheckpointError(f"truncated or damaged zip archive: {reason} (file ends at byte {size})") from e
    names = zf.namelist()
    for name in names:
        _check_entry_name(name)
    if len(set(names)) != len(names):
        raise CheckpointError("zip archive has duplicate entry names")
    pickles = [n for n in names if n.count("/") == 1 and n.endswith("/data.pkl")]
    if len(pickles) != 1:
        raise CheckpointError(f"zip archive must hold exactly one <archive>/data.pkl, found {len(pickles)}")
    prefix = pickles[0][: -len("data.pkl")]
    big_endian = _zip_byteorder(zf, prefix + "byteorder") == "big"
    if zf.getinfo(pickles[0]).file_size > MAX_PICKLE_BYTES:
        raise CheckpointError(f"{pickles[0]} is larger than {MAX_PICKLE_BYTES} bytes")
    pickle_bytes = _zip_call(pickles[0], lambda: zf.read(pickles[0]))

    storages: dict[str, Storage] = {}

    def resolve(pid: tuple) -> Storage:
        if len(pid) != 5:
            raise CheckpointError(f"zip-format storage id must have 5 fields: {pid!r}")
        return _register(storages, *storage_fields(pid))

    root = unpickle(io.BytesIO(pickle_bytes), resolve)
    for storage in storages.values():
        name = f"{prefix}data/{storage.key}"
        if name not in zf.NameToInfo:
            raise CheckpointError(f"storage {storage.key} is referenced but missing from the archive")
        _check_storage_size(storage, zf.getinfo(name).file_size)

    def read_storage(key: str) -> bytes:
        name = f"{prefix}data/{key}"
        return _zip_call(name, lambda: zf.read(name))

    def close() -> None:
        zf.close()
        f.close()

    return Checkpoint(root, "zip", read_storage, big_endian, close)


def _zip_byteorder(zf: zipfile.ZipFile, name: str) -> str:
    if name not in zf.NameToInfo:
        return "little"
    order = _zip_call(name, lambda: zf.read(name)).decode("ascii", "replace").strip()
    if order not in ("little", "big"):
        raise CheckpointError(f"unknown byte order {order!r} in {name}")
    return order


# --- legacy format ---------------------------------------------------------------------------

def _open_legacy(f: BinaryIO, size: int) -> Checkpoint:
    try:
        magic = unpickle(f)
    except CheckpointError as e:
        if str(e).startswith(("refusing", "truncated")):
            raise
        raise CheckpointError(f"{NOT_A_CHECKPOINT}: {e}") from e
    if magic != LEGACY_MAGIC_NUMBER:
        raise CheckpointError(NOT_A_CHECKPOINT)
    if unpickle(f) != LEGACY_PROTOCOL_VERSION:
        raise CheckpointError("unsupported legacy protocol version")
    if not isinstance(unpickle(f), dict):
        raise CheckpointError("malformed legacy header: sys_info is not a dict")

    roots: dict[str, Storage] = {}
    root = unpickle(f, lambda pid: _resolve_legacy_storage(roots, pid))
    keys = unpickle(f)
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise CheckpointError("malformed legacy storage key list")
    if len(set(keys)) != len(keys):
        raise CheckpointError("legacy storage key list has duplicates")
    for key in roots:
        if key not in keys:
            raise CheckpointError(f"storage {key} is referenced but missing from the file")
    data_offsets = _legacy_storage_offsets(f, size, keys, roots)

    def read_storage(key: str) -> bytes:
        storage = roots[key]
        f.seek(data_offsets[key])
        return f.read(storage.numel * storage.dtype.size)

    return Checkpoint(root, "legacy", read_storage, False, f.close)


def _resolve_legacy_storage(roots: dict[str, Storage], pid: tuple) -> Storage:
    if len(pid) != 6:
        raise CheckpointError(f"legacy storage id must have 6 fields: {pid!r}")
    dtype, key, numel = storage_fields(pid)
    root = _register(roots, dtype, key, numel)
    view = pid[5]
    if view is None:
        return root
    if not (isinstance(view, tuple) and len(view) == 3 and all(type(v) is int for v in view[1:])):
        raise CheckpointError(f"malformed storage view {view!r}")
    _, offset, view_numel = view
    if offset < 0 or view_numel < 0 or offset + view_numel > root.numel:
        raise CheckpointError(f"storage view {view!r} lies outside storage {key}")
    return Storage(key, dtype, view_numel, offset)


def _legacy_storage_offsets(f: BinaryIO, size: int, keys: list[str],
                            roots: dict[str, Storage]) -> dict[str, int]:
    """Walk the data section after the key list: per storage an int64 count, then its bytes."""
    offsets, offset = {}, f.tell()
    for key in keys:
        if key not in roots:
            raise CheckpointError(f"storage {key} is listed but no tensor uses it")
        storage = roots[key]
        if offset + 8 > size:
            raise CheckpointError(f"truncated: expected the element count of storage {key} at "
                                  f"byte {offset}, file ends at {size}")
        f.seek(offset)
        (count,) = struct.unpack("<q", f.read(8))
        if count != storage.numel:
            raise CheckpointError(f"storage {key} holds {count} elements but the pickle says "
                                  f"{storage.numel}")
        nbytes = count * storage.dtype.size
        if offset + 8 + nbytes > size:
            raise CheckpointError(f"truncated: expected {nbytes} bytes of storage {key} at byte "
                                  f"{offset + 8}, file ends at {size}")
        offsets[key] = offset + 8
        offset += 8 + nbytes
    if offset != size:
        raise CheckpointError(f"{size - offset} unexpected bytes after the last storage (byte {offset})")
    return offsets


# --- shared ----------------------------------------------------------------------------------

def _register(storages: dict[str, Storage], dtype: DType, key: str, numel: int) -> Storage:
    if numel * dtype.size > MAX_STORAGE_BYTES:
        raise CheckpointError(f"storage {key} declares {numel * dtype.size} bytes, more than the "
                              f"limit of {MAX_STORAGE_BYTES} bytes")
    known = storages.setdefault(key, Storage(key, dtype, numel))
    if (known.dtype, known.numel) != (dtype, numel):
        raise CheckpointError(f"storage {key} is referenced with inconsistent dtype or size")
    return known


def _check_storage_size(storage: Storage, nbytes: int) -> None:
    expected = storage.numel * storage.dtype.size
    if nbytes != expected:
        raise CheckpointError(f"storage {storage.key} has {nbytes} bytes, expected {storage.numel} "
                              f"{storage.dtype.name} elements = {expected} bytes")


def gather(raw: bytes, item_size: int, start: int, shape: tuple[int, ...],
           stride: tuple[int, ...]) -> bytes:
    """Elements of a strided view of `raw` in row-major order (bounds already checked)."""
    numel = math.prod(shape)
    if numel == 0:
        return b""
    if is_contiguous(shape, stride):
        return raw[start * item_size:(start + numel) * item_size]
    items = memoryview(raw).cast({1: "B", 2: "H", 4: "I", 8: "Q"}[item_size])
    *outer_shape, last = shape
    *outer_stride, last_stride = stride
    out = bytearray()
    for index in itertools.product(*(range(n) for n in outer_shape)):
        first = start + sum(i * s for i, s in zip(index, outer_stride))
        if last_stride == 0:
            out += items[first:first + 1].tobytes() * last
        else:
            out += items[first:first + (last - 1) * last_stride + 1:last_stride].tobytes()
    return bytes(out)


def is_contiguous(shape: tuple[int, ...], stride: tuple[int, ...]) -> bool:
    expected = 1
    for n, s in zip(reversed(shape), reversed(stride)):
        if n != 1 and s != expected:
            return False
        expected *= n
    return True


def to_float32_le(data: bytes, dtype: DType, big_endian: bool) -> bytes:
    """Convert raw elements of a floating-point dtype to little-endian float32 bytes."""
    swap = big_endian != (sys.byteorder == "big")
    if dtype.name == "float32" and not big_endian and sys.byteorder == "little":
        return bytes(data)
    if dtype.name in ("float32", "float64"):
        values = _native_array("f" if dtype.name == "float32" else "d", data, swap)
        result = values if dtype.name == "float32" else _narrow(values)
    elif dtype.name == "float16":
        order = ">" if big_endian else "<"
        result = array("f", struct.unpack(f"{order}{len(data) // 2}e", data))
    elif dtype.name == "bfloat16":
        high_halves = _native_array("H", data, swap)
        result = array("f")
        result.frombytes(array("I", (h << 16 for h in high_halves)).tobytes())
    else:
        raise CheckpointError(f"cannot convert {dtype.name} to float32")
    if sys.byteorder == "big":
        result.byteswap()
    return result.tobytes()


def _native_array(typecode: str, data: bytes, swap: bool) -> array:
    values = array(typecode)
    values.frombytes(data)
    if swap:
        values.byteswap()
    return values


def _narrow(values: array) -> array:
    narrowed = array("f", values)
    for wide, narrow in zip(values, narrowed):
        if math.isinf(narrow) and not math.isinf(wide):
            raise CheckpointError(f"float64 value {wide} does not fit in float32")
    return narrowed


def state_dict(root: Any) -> dict[str, Tensor]:
    """The mapping of name -> tensor inside `root`: root itself, or root["state_dict"] /
    root["model"] when root holds no tensors itself and exactly one of those two keys."""
    if not isinstance(root, dict):
        raise CheckpointError(f"top-level object is a {type(root).__name__}, not a state dict")
    if not any(isinstance(v, Tensor) for v in root.values()):
        wrappers = [k for k in ("state_dict", "model") if isinstance(root.get(k), dict)]
        if len(wrappers) == 1:
            root = root[wrappers[0]]
        elif len(wrappers) == 2:
            raise CheckpointError("ambiguous checkpoint: both 'state_dict' and 'model' are present")
    for key, value in root.items():
        if not isinstance(key, str):
            raise CheckpointError(f"state dict key {key!r} is not a string")
        if not isinstance(value, Tensor):
            raise CheckpointError(f"state dict entry {key!r} is a {type(value).__name__}, not a tensor")
        if value.last_element() >= value.storage.numel:
            raise CheckpointError(f"tensor {key!r} reads past the end of storage {value.storage.key}")
    return root
