#!/usr/bin/env python3
"""Convert a PyTorch FFNet checkpoint (.pth) to safetensors, without torch and without
executing anything from the checkpoint."""
from __future__ import annotations

import argparse
import hashlib
import os
import struct
import sys
import traceback
from array import array

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ffnet_arch  # noqa: E402
from safetensors_io import TensorEntry, write_safetensors  # noqa: E402
from torch_checkpoint import Checkpoint, open_checkpoint, state_dict  # noqa: E402
from torch_pickle import CheckpointError, Tensor  # noqa: E402

PROG = "convert_checkpoint"
CONVERTER_ID = "ffnet.cpp convert_checkpoint.py 1"
EXIT_OUTPUT_ERROR, EXIT_USAGE, EXIT_BAD_INPUT, EXIT_INTERNAL = 1, 2, 3, 4
MAX_OUTPUT_BYTES = 8 << 30  # float32 bytes of all converted tensors; FFNet's largest is ~130 MB
OUTPUT_DTYPES = {"float32": "F32", "float16": "F16"}
FLOAT16_MAX = 65504.0

EPILOG = """\
Input: a torch.save state dict in the zip format (PyTorch >= 1.6) or the legacy format.
Only plain data, tensors and storage types are unpickled; any other global is refused.
If the top-level mapping holds no tensors itself but exactly one of the keys 'state_dict' or
'model' (mapping to tensors), that inner mapping is converted; both present is an error.

Output: every tensor as float32 (float16, bfloat16 and float64 are converted) in state-dict
order, keys with a leading 'module.' stripped, integer '*num_batches_tracked' counters dropped.
--dtype float16 stores float16 instead (rounded to nearest; a finite value too large for
float16 is refused).
__metadata__ holds source_sha256, converter and, with --model, model.

--model NAME checks the key set and every shape against the published architecture and lists
all mismatches. Tensors the model ignores (smoothing.weight in the shared mobile checkpoints)
are accepted and kept.

Limits, checked before any tensor data is read or anything written: 2 GiB per storage, 8 GiB
of float32 output.

Exit status: 0 ok, 1 output not writable, 2 usage error, 3 bad input (malformed, refused or too
large), 4 internal error (a bug: please report the message)."""


class OutputError(Exception):
    """OUT.safetensors could not be written."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", metavar="IN.pth", help="PyTorch checkpoint")
    parser.add_argument("output", metavar="OUT.safetensors", help="file to write")
    parser.add_argument("--model", metavar="NAME", type=ffnet_arch.model_name_argument,
                        help="published FFNet model name to validate against")
    parser.add_argument("--dtype", choices=sorted(OUTPUT_DTYPES), default="float32",
                        help="storage type of the output tensors (default float32; float16 halves the file)")
    args = parser.parse_args(argv)
    if all(map(os.path.exists, (args.input, args.output))) and os.path.samefile(args.input, args.output):
        parser.error("IN.pth and OUT.safetensors are the same file")
    return args


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def select_tensors(checkpoint: Checkpoint) -> dict[str, Tensor]:
    """The float tensors to write, under their final names, in state-dict order."""
    selected: dict[str, Tensor] = {}
    for key, tensor in state_dict(checkpoint.root).items():
        name = key.removeprefix("module.")
        if ffnet_arch.is_bn_counter(name) and not tensor.dtype.is_float:
            continue
        if not tensor.dtype.is_float:
            raise CheckpointError(f"tensor {key!r} has dtype {tensor.dtype.name}; only floating-point "
                                  f"tensors and *num_batches_tracked counters are supported")
        if name in selected:
            raise CheckpointError(f"two tensors are named {name!r} once 'module.' is stripped")
        selected[name] = tensor
    if not selected:
        raise CheckpointError("the state dict holds no floating-point tensors")
    output_bytes = sum(t.numel for t in selected.values()) * 4
    if output_bytes > MAX_OUTPUT_BYTES:
        raise CheckpointError(f"the tensors would take {output_bytes} bytes as float32, more than the "
                              f"limit of {MAX_OUTPUT_BYTES} bytes")
    return selected


def model_mismatches(model: str, tensors: dict[str, Tensor]) -> list[str]:
    expected = {k: s for k, s in ffnet_arch.expected_tensors(model) if not ffnet_arch.is_bn_counter(k)}
    allowed = {**expected, **dict(ffnet_arch.optional_tensors(model))}
    problems = [f"missing {key} {list(shape)}" for key, shape in expected.items() if key not in tensors]
    for key, tensor in tensors.items():
        if key not in allowed:
            problems.append(f"unexpected {key} {list(tensor.shape)}")
        elif tensor.shape != allowed[key]:
            problems.append(f"wrong shape {key}: {list(tensor.shape)}, expected {list(allowed[key])}")
    return problems


def float16_bytes(name: str, float32_le: bytes) -> bytes:
    """Little-endian float32 bytes -> little-endian float16 bytes, rounded to nearest even;
    finite values beyond the float16 range are refused rather than turned into infinities."""
    values = array("f")
    values.frombytes(float32_le)
    if sys.byteorder == "big":
        values.byteswap()
    try:
        return struct.pack(f"<{len(values)}e", *values)
    except OverflowError:
        worst = max((v for v in values if abs(v) != float("inf")), key=abs)
        raise CheckpointError(f"tensor {name!r} holds {worst!r}, beyond the float16 range "
                              f"(+-{FLOAT16_MAX:g}); use --dtype float32") from None


def convert(args: argparse.Namespace) -> None:
    metadata = {"source_sha256": sha256_of(args.input), "converter": CONVERTER_ID}
    with open_checkpoint(args.input) as checkpoint:
        tensors = select_tensors(checkpoint)
        if args.model is not None:
            problems = model_mismatches(args.model, tensors)
            if problems:
                details = "".join(f"\n  {p}" for p in problems)
                raise CheckpointError(f"does not match {args.model}: {len(problems)} mismatches{details}")
            metadata["model"] = args.model
        encode = float16_bytes if args.dtype == "float16" else lambda name, data: data
        entries = [TensorEntry(name, t.shape, lambda n=name, t=t: encode(n, checkpoint.float32_bytes(t)),
                               OUTPUT_DTYPES[args.dtype]) for name, t in tensors.items()]
        try:
            write_safetensors(args.output, entries, metadata)
        except OSError as e:
            raise OutputError(e.strerror or str(e)) from e


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        convert(args)
    except CheckpointError as e:
        print(f"{PROG}: {args.input}: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OutputError as e:
        print(f"{PROG}: {args.output}: cannot write: {e}", file=sys.stderr)
        return EXIT_OUTPUT_ERROR
    except OSError as e:
        print(f"{PROG}: {args.input}: cannot read: {e.strerror or e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MemoryError:
        print(f"{PROG}: {args.input}: out of memory converting this checkpoint", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception:  # a bug in the converter: say so, with the trace to report
        print(f"{PROG}: internal error:\n{traceback.format_exc()}", file=sys.stderr)
        return EXIT_INTERNAL
    return 0


if __name__ == "__main__":
    sys.exit(main())
