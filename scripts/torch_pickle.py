#!/usr/bin/env python3
"""A restricted unpickler for torch.save state dicts: no torch needed, nothing executed.

The pickle inside a checkpoint names a handful of globals (OrderedDict, the tensor rebuild
function, storage types). find_class maps exactly those to inert stand-ins defined here and
refuses every other global, so a malicious pickle can at most build plain Python data.
"""
from __future__ import annotations

import math
import pickle
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable


class CheckpointError(Exception):
    """The input is not a checkpoint we can convert safely; the message says why."""


class _Inert:
    """Stand-ins whose state a pickle must not set: the BUILD opcode would otherwise overwrite
    fields of a frozen dataclass after the rebuild function checked them."""

    def __setstate__(self, state: Any) -> None:
        raise CheckpointError(f"the pickle tries to set the state of a {type(self).__name__}: "
                              f"not a plain state dict")


@dataclass(frozen=True)
class DType(_Inert):
    name: str
    size: int  # bytes per element

    @property
    def is_float(self) -> bool:
        return self.name in ("float32", "float64", "float16", "bfloat16")


_STORAGE_DTYPES = {
    "FloatStorage": DType("float32", 4), "DoubleStorage": DType("float64", 8),
    "HalfStorage": DType("float16", 2), "BFloat16Storage": DType("bfloat16", 2),
    "LongStorage": DType("int64", 8), "IntStorage": DType("int32", 4),
    "ShortStorage": DType("int16", 2), "CharStorage": DType("int8", 1),
    "ByteStorage": DType("uint8", 1), "BoolStorage": DType("bool", 1),
}


@dataclass(frozen=True)
class StorageType(_Inert):
    """Stand-in for torch.FloatStorage & co.: only a dtype tag, never called."""
    dtype: DType


@dataclass(frozen=True)
class Storage(_Inert):
    """A storage the pickle refers to; its bytes live outside the pickle under `key`."""
    key: str
    dtype: DType
    numel: int
    element_offset: int = 0  # start inside the root storage (views in old legacy files)


@dataclass(frozen=True)
class Tensor(_Inert):
    storage: Storage
    offset: int               # in elements, relative to the storage
    shape: tuple[int, ...]
    stride: tuple[int, ...]

    @property
    def dtype(self) -> DType:
        return self.storage.dtype

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    def last_element(self) -> int:
        """Index of the furthest element read, relative to the storage (-1 when empty)."""
        if self.numel == 0:
            return -1
        return self.offset + sum((n - 1) * s for n, s in zip(self.shape, self.stride))


class StateDictStandIn(dict):
    """Stand-in for collections.OrderedDict (a dict keeps insertion order)."""

    def __setstate__(self, state: Any) -> None:
        pass  # torch attaches `_metadata` (module versions); not needed for conversion


def _int_tuple(value: Any, what: str) -> tuple[int, ...]:
    if not isinstance(value, tuple) or not all(type(v) is int and v >= 0 for v in value):
        raise CheckpointError(f"tensor {what} must be a tuple of non-negative ints, got {value!r}")
    return value


def _rebuild_tensor_v2(storage: Any, storage_offset: Any, size: Any, stride: Any,
                       requires_grad: Any, backward_hooks: Any, metadata: Any = None) -> Tensor:
    if not isinstance(storage, Storage):
        raise CheckpointError(f"tensor built from {type(storage).__name__}, not from a storage")
    if type(storage_offset) is not int or storage_offset < 0:
        raise CheckpointError(f"bad tensor storage offset {storage_offset!r}")
    shape, strides = _int_tuple(size, "size"), _int_tuple(stride, "stride")
    if len(shape) != len(strides):
        raise CheckpointError(f"tensor size {shape} and stride {strides} differ in length")
    if backward_hooks or metadata:
        raise CheckpointError("tensors with backward hooks or metadata are not supported")
    return Tensor(storage, storage_offset, shape, strides)


def _rebuild_parameter(data: Any, requires_grad: Any, backward_hooks: Any) -> Tensor:
    if not isinstance(data, Tensor):
        raise CheckpointError(f"parameter built from {type(data).__name__}, not from a tensor")
    return data


_GLOBALS: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): StateDictStandIn,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    **{("torch", name): StorageType(dtype) for name, dtype in _STORAGE_DTYPES.items()},
}

StorageResolver = Callable[[tuple], Storage]


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the globals in _GLOBALS and storages via `resolve_storage`."""

    def __init__(self, file: BinaryIO, resolve_storage: StorageResolver | None = None) -> None:
        super().__init__(file, encoding="utf-8")
        self._resolve_storage = resolve_storage

    def find_class(self, module: str, name: str) -> Any:
        stand_in = _GLOBALS.get((module, name))
        if stand_in is None:
            raise CheckpointError(
                f"refusing to load global '{module}.{name}': the pickle must only contain a "
                f"state dict of tensors")
        return stand_in

    def persistent_load(self, pid: Any) -> Any:
        if self._resolve_storage is None:
            raise CheckpointError(f"unexpected persistent id {pid!r}")
        if not isinstance(pid, tuple) or not pid:
            raise CheckpointError(f"malformed persistent id {pid!r}")
        kind = _text(pid[0])
        if kind == "module":
            raise CheckpointError("the pickle holds a whole nn.Module, not a state dict")
        if kind != "storage":
            raise CheckpointError(f"unknown persistent id kind {kind!r}")
        return self._resolve_storage(pid)


def _text(value: Any) -> Any:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else value


def storage_fields(pid: tuple) -> tuple[DType, str, int]:
    """(dtype, key, numel) of a ('storage', type, key, location, numel, ...) persistent id."""
    if len(pid) < 5:
        raise CheckpointError(f"malformed storage persistent id {pid!r}")
    storage_type, key, numel = pid[1], _text(pid[2]), pid[4]
    if not isinstance(storage_type, StorageType):
        raise CheckpointError(f"storage has unsupported type {storage_type!r}")
    if not isinstance(key, str) or type(numel) is not int or numel < 0:
        raise CheckpointError(f"malformed storage persistent id {pid!r}")
    return storage_type.dtype, key, numel


def unpickle(file: BinaryIO, resolve_storage: StorageResolver | None = None) -> Any:
    """Load one pickle from `file`; every failure becomes a CheckpointError."""
    try:
        return RestrictedUnpickler(file, resolve_storage).load()
    except CheckpointError:
        raise
    except EOFError as e:
        raise CheckpointError(f"truncated: pickle data ends early (at byte {file.tell()})") from e
    except pickle.UnpicklingError as e:
        if "truncated" in str(e):
            raise CheckpointError(f"truncated: pickle data ends early (at byte {file.tell()})") from e
        raise CheckpointError(f"malformed pickle data: {e}") from e
    except Exception as e:  # anything the pickle VM or a stand-in raised on bad data
        raise CheckpointError(f"malformed pickle data: {type(e).__name__}: {e}") from e
