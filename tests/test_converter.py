#!/usr/bin/python3
"""scripts/convert_checkpoint.py end to end. torch is used only to create checkpoints; the
converter runs in a subprocess in which importing torch or numpy fails."""
import collections
import hashlib
import io
import json
import math
import pickle
import pickletools
import struct
import subprocess
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path

import numpy as np
import torch

from published_models import PUBLISHED, SCRIPTS  # also puts scripts/ on sys.path

import make_reference  # noqa: E402

CONVERTER = SCRIPTS / "convert_checkpoint.py"

MODEL = "segmentation_ffnet46NS_CCC_mobile_pre_down"  # smallest published model, has smoothing

RUN_WITHOUT_TORCH = ("import runpy, sys; sys.modules['torch'] = sys.modules['numpy'] = None; "
                     "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")


def run_converter(*args):
    return subprocess.run([sys.executable, "-c", RUN_WITHOUT_TORCH, str(CONVERTER), *map(str, args)],
                          capture_output=True, text=True, timeout=120)


SAFETENSORS_DTYPES = {"F32": "<f4", "F16": "<f2"}


def read_safetensors(path, dtype="F32"):
    """Independent reader: checks the layout rules (every tensor stored as `dtype`) and returns
    (metadata, {name: array})."""
    data = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header_bytes = data[8:8 + n]
    assert (8 + n) % 8 == 0, "data section is not 8-byte aligned"
    assert len(header_bytes) - len(header_bytes.rstrip(b" ")) < 8, "more padding than alignment needs"
    header = json.loads(header_bytes)
    metadata = header.pop("__metadata__")
    body = data[8 + n:]
    tensors, expected_start = {}, 0
    for name, info in header.items():
        begin, end = info["data_offsets"]
        item = np.dtype(SAFETENSORS_DTYPES[dtype])
        assert info["dtype"] == dtype and begin == expected_start, name
        assert end - begin == item.itemsize * math.prod(info["shape"]), name
        tensors[name] = np.frombuffer(body[begin:end], dtype=item).reshape(info["shape"])
        expected_start = end
    assert expected_start == len(body), "tensors do not exactly cover the data section"
    return metadata, tensors


def as_bits(a, dtype=np.float32):
    """The bit patterns of `a` stored as dtype (float32 or float16)."""
    return np.ascontiguousarray(a, dtype=dtype).view(np.uint32 if dtype == np.float32 else np.uint16)


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(self.enterContext(tempfile.TemporaryDirectory()))
        self.out = self.dir / "out.safetensors"

    def assert_refused(self, path, *message_parts, args=(), exit_code=3):
        result = run_converter(path, self.out, *args)
        self.assertEqual(result.returncode, exit_code, result.stderr)
        self.assertNotIn("Traceback", result.stderr)
        first_line = result.stderr.splitlines()[0]
        if exit_code == 3:
            self.assertTrue(first_line.startswith(f"convert_checkpoint: {path}: "), first_line)
        for part in message_parts:
            self.assertIn(part, result.stderr)
        self.assertEqual([p.name for p in self.dir.iterdir() if p.suffix in (".safetensors", ".tmp")], [])
        return result.stderr


class RoundTripTest(TempDirTest):
    @classmethod
    def setUpClass(cls):
        cls.state = make_reference.make_random_model(MODEL, seed=5).state_dict()

    def convert_and_compare(self, state, legacy=False, model=MODEL, expected_state=None, half=False):
        path = self.dir / "in.pth"
        torch.save(state, path, _use_new_zipfile_serialization=not legacy)
        result = run_converter(path, self.out, *(["--model", model] if model else []),
                               *(["--dtype", "float16"] if half else []))
        self.assertEqual(result.returncode, 0, result.stderr)
        metadata, tensors = read_safetensors(self.out, "F16" if half else "F32")
        stored = np.float16 if half else np.float32
        expected = {k.removeprefix("module."): v for k, v in (expected_state or state).items()
                    if not k.endswith("num_batches_tracked")}
        self.assertEqual(list(tensors), list(expected))
        for key, value in expected.items():
            self.assertEqual(tensors[key].shape, tuple(value.shape), key)
            np.testing.assert_array_equal(as_bits(tensors[key], stored), as_bits(value.float().numpy(), stored), key)
        self.assertEqual(metadata["source_sha256"], hashlib.sha256(path.read_bytes()).hexdigest())
        self.assertEqual(metadata["converter"], "ffnet.cpp convert_checkpoint.py 1")
        self.assertEqual(metadata.get("model"), model)
        return tensors

    def test_zip_format(self):
        tensors = self.convert_and_compare(self.state)
        self.assertIn("smoothing.weight", tensors)
        self.assertFalse(any(k.endswith("num_batches_tracked") for k in tensors))

    def test_legacy_format(self):
        self.convert_and_compare(self.state, legacy=True)

    def test_module_prefix_is_stripped(self):
        prefixed = collections.OrderedDict(("module." + k, v) for k, v in self.state.items())
        self.convert_and_compare(prefixed, legacy=True)

    def test_float16_checkpoint(self):
        half = collections.OrderedDict((k, v.half() if v.is_floating_point() else v) for k, v in self.state.items())
        self.convert_and_compare(half)

    def test_float16_output(self):
        tensors = self.convert_and_compare(self.state, half=True)
        self.assertLess(self.out.stat().st_size, 0.55 * sum(4 * v.numel() for v in self.state.values()))
        self.assertIn("smoothing.weight", tensors)
        edges = torch.tensor([65504.0, -65519.0, 1e-8, 6e-5, 3e-6, 1 / 3, float("inf"), -0.0])
        self.convert_and_compare(collections.OrderedDict(edges=edges, f64=edges.double()), model=None, half=True)
        np.testing.assert_array_equal(read_safetensors(self.out, "F16")[1]["edges"],
                                      np.array([65504, -65504, 0, 6e-5, 3e-6, 1 / 3, np.inf, -0.0], np.float16))

    def test_shared_mobile_checkpoint_accepted_for_the_plain_model(self):
        tensors = self.convert_and_compare(self.state, model=MODEL.removesuffix("_pre_down"))
        self.assertIn("smoothing.weight", tensors)

    def test_other_dtypes_and_strided_tensors(self):
        base = torch.arange(60, dtype=torch.float32).reshape(3, 4, 5) / 7
        state = collections.OrderedDict([
            ("transposed", base.transpose(0, 2)),
            ("sliced", base[1:, ::2, 1:4]),
            ("expanded", torch.randn(3, 1).expand(3, 4)),
            ("offset_view", base.flatten()[17:29]),
            ("bf16", torch.randn(2, 3).to(torch.bfloat16)),
            ("f64", torch.randn(2, 3, dtype=torch.float64)),
            ("scalar", torch.tensor(2.5)),
            ("empty", torch.zeros(0, 3)),
            ("bn.num_batches_tracked", torch.tensor(7)),
        ])
        self.assertFalse(state["transposed"].is_contiguous() or state["sliced"].is_contiguous())
        for legacy in (False, True):
            with self.subTest(legacy=legacy):
                self.convert_and_compare(state, legacy=legacy, model=None)

    def test_state_dict_wrapper(self):
        small = collections.OrderedDict(w=torch.randn(2, 2))
        self.convert_and_compare({"state_dict": small, "epoch": 3}, model=None, expected_state=small)
        self.out.unlink()
        path = self.dir / "both.pth"
        torch.save({"state_dict": small, "model": small}, path)
        self.assert_refused(path, "ambiguous")

    def test_wrong_model_lists_every_mismatch(self):
        path = self.dir / "in.pth"
        torch.save(self.state, path)
        other = "segmentation_ffnet40S_BBB_mobile"
        stderr = self.assert_refused(path, f"does not match {other}", args=["--model", other])
        ours = {k: v for k, v in PUBLISHED[MODEL]["tensors"].items() if not k.endswith("num_batches_tracked")}
        theirs = {k: v for k, v in PUBLISHED[other]["tensors"].items() if not k.endswith("num_batches_tracked")}
        theirs_optional = dict(theirs, **{"smoothing.weight": [3, 1, 5, 5]})
        missing = theirs.keys() - ours.keys()
        unexpected = ours.keys() - theirs_optional.keys()
        wrong = [k for k in ours.keys() & theirs_optional.keys() if ours[k] != theirs_optional[k]]
        self.assertTrue(missing and unexpected and wrong)
        self.assertIn(f"{len(missing) + len(unexpected) + len(wrong)} mismatches", stderr)
        for key in missing:
            self.assertIn(f"missing {key} ", stderr)
        for key in unexpected:
            self.assertIn(f"unexpected {key} ", stderr)
        for key in wrong:
            self.assertIn(f"wrong shape {key}: ", stderr)

    def test_truncated_files(self):
        for legacy in (False, True):
            path = self.dir / "full.pth"
            torch.save(self.state, path, _use_new_zipfile_serialization=not legacy)
            data = path.read_bytes()
            self.assert_cuts_refused(data, (1, 30, 300, len(data) // 2, len(data) - 4, len(data) - 1), legacy)
        storage_cut = self.assert_refused(self.dir / "truncated.pth", "truncated: expected")
        self.assertIn(f"file ends at {len(data) - 1}", storage_cut)

    def test_truncated_at_every_structural_boundary(self):
        state = {"a": torch.arange(3, dtype=torch.float32), "b": torch.ones(2, 2)}
        for legacy in (False, True):
            path = self.dir / "full.pth"
            torch.save(state, path, _use_new_zipfile_serialization=not legacy)
            data = path.read_bytes()
            cuts = legacy_boundaries(data) if legacy else zip_boundaries(data)
            self.assertGreater(len(cuts), 8 if legacy else 15)
            self.assert_cuts_refused(data, cuts, legacy)

    def assert_cuts_refused(self, data, cuts, legacy):
        """The file `data` cut after each of `cuts` bytes is refused as truncated (the last cut is
        left in truncated.pth)."""
        for cut in cuts:
            with self.subTest(legacy=legacy, cut=cut):
                truncated = self.dir / "truncated.pth"
                truncated.write_bytes(data[:cut])
                self.assert_refused(truncated, "truncated")


def zip_boundaries(data):
    """Start of each local header, of its data and of what follows it; the central directory,
    each of its records and the end record; every one a cut the converter must report."""
    cuts = set()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            at = info.header_offset
            name_len, extra_len = struct.unpack("<HH", data[at + 26:at + 30])
            begin = at + 30 + name_len + extra_len
            cuts |= {at, at + 4, at + 30, begin, begin + info.compress_size // 2, begin + info.compress_size}
    end_record = data.rfind(b"PK\x05\x06")
    (directory,) = struct.unpack("<I", data[end_record + 16:end_record + 20])
    at = directory
    while data[at:at + 4] == b"PK\x01\x02":
        cuts.add(at)
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[at + 28:at + 34])
        at += 46 + name_len + extra_len + comment_len
    cuts |= {at, end_record, end_record + 10, len(data) - 1}
    return sorted(c for c in cuts if 0 < c < len(data))


def legacy_boundaries(data):
    """After each of the five pickles (magic, protocol, sys_info, the state dict, the storage
    keys), then each storage's element count and the middle and end of its bytes."""
    stream, cuts = io.BytesIO(data), []
    for _ in range(5):
        for opcode, _, pos in pickletools.genops(stream):
            if opcode.name == "STOP":
                cuts += [pos, pos + 1]  # inside the pickle (before STOP) and after it
                break
    at = stream.tell()
    while at + 8 <= len(data):
        (numel,) = struct.unpack("<q", data[at:at + 8])
        cuts += [at + 4, at + 8, at + 8 + 2 * numel, at + 8 + 4 * numel]
        at += 8 + 4 * numel
    return sorted(c for c in set(cuts) if 0 < c < len(data))


def evil_pickle(module, name, args):
    """A protocol-2 pickle that calls module.name(*args) when loaded by a normal unpickler."""
    body = pickle.dumps(args, protocol=2)[2:-1]  # without PROTO and STOP
    return b"\x80\x02c" + f"{module}\n{name}\n".encode() + body + b"R."


class _Storage:
    def __init__(self, key, numel, storage_type):
        self.key, self.numel, self.type = key, numel, storage_type


class _Tensor:
    """Pickles like a torch tensor, with whatever storage offset, size and stride we ask for.
    With `state`, the pickle also BUILDs the rebuilt tensor with it (sets its fields)."""

    def __init__(self, storage, offset, size, stride, state=None):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())
        self.state = state

    def __reduce__(self):
        if self.state is None:
            return torch._utils._rebuild_tensor_v2, self.args
        return torch._utils._rebuild_tensor_v2, self.args, self.state


class _TorchLikePickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            return ("storage", obj.type, obj.key, "cpu", obj.numel)
        return None


def write_zip_checkpoint(path, tensors, records, extra_entries=()):
    """A zip-format checkpoint built by hand: tensors = {name: _Tensor}, records = {key: bytes}."""
    buffer = io.BytesIO()
    _TorchLikePickler(buffer, protocol=2).dump(collections.OrderedDict(tensors))
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", buffer.getvalue())
        for key, data in records.items():
            z.writestr(f"archive/data/{key}", data)
        z.writestr("archive/version", "3\n")
        for name, data in extra_entries:
            z.writestr(name, data)


def float_tensor(key="0", numel=4, offset=0, size=(4,), stride=(1,)):
    return _Tensor(_Storage(key, numel, torch.FloatStorage), offset, size, stride)


class RefusedInputTest(TempDirTest):
    def test_hand_built_checkpoint_is_valid(self):
        # Guards the fixtures below: torch and the converter both accept the unmodified form.
        path = self.dir / "ok.pth"
        write_zip_checkpoint(path, {"w": float_tensor(size=(2, 2), stride=(2, 1))},
                             {"0": struct.pack("<4f", 1, 2, 3, 4)})
        self.assertEqual(torch.load(path)["w"].tolist(), [[1, 2], [3, 4]])
        self.assertEqual(run_converter(path, self.out).returncode, 0)
        self.assertEqual(read_safetensors(self.out)[1]["w"].tolist(), [[1, 2], [3, 4]])

    def test_code_execution_globals_are_refused(self):
        marker = self.dir / "MARKER"
        cases = [("posix", "system", (f"touch {marker}",)),
                 ("os", "system", (f"touch {marker}",)),
                 ("builtins", "eval", (f"open({str(marker)!r}, 'w').close()",)),
                 ("subprocess", "Popen", (["touch", str(marker)],))]
        for module, name, args in cases:
            with self.subTest(global_=f"{module}.{name}"):
                payload = evil_pickle(module, name, args)
                # The payload is live: a plain unpickler runs it (subprocess.Popen needs a wait).
                result = pickle.loads(payload)
                if hasattr(result, "wait"):
                    result.wait()
                self.assertTrue(marker.exists())
                marker.unlink()

                as_zip = self.dir / "evil_zip.pth"
                with zipfile.ZipFile(as_zip, "w") as z:
                    z.writestr("archive/data.pkl", payload)
                legacy_header = b"".join(pickle.dumps(v, protocol=2) for v in (
                    0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}))
                as_legacy = self.dir / "evil_legacy.pth"
                as_legacy.write_bytes(legacy_header + payload)
                as_plain_pickle = self.dir / "evil_plain.pth"
                as_plain_pickle.write_bytes(payload)
                for path in (as_zip, as_legacy, as_plain_pickle):
                    self.assert_refused(path, f"refusing to load global '{module}.{name}'")
                    self.assertFalse(marker.exists())

    def test_any_other_global_is_refused(self):
        # Harmless or not, a global outside the state-dict allow-list stops the load.
        for module, name in [("builtins", "getattr"), ("collections", "Counter"),
                             ("torch.nn.modules.conv", "Conv2d"), ("__main__", "Anything"),
                             ("torch._utils", "_rebuild_device_tensor_from_numpy")]:
            with self.subTest(global_=f"{module}.{name}"):
                path = self.dir / "other.pth"
                with zipfile.ZipFile(path, "w") as z:
                    z.writestr("archive/data.pkl", evil_pickle(module, name, ()))
                self.assert_refused(path, f"refusing to load global '{module}.{name}'")

    def test_state_set_on_a_rebuilt_tensor_is_refused(self):
        # BUILD after the rebuild would overwrite the shape the rebuild function checked.
        path = self.dir / "build.pth"
        tensor = _Tensor(_Storage("0", 4, torch.FloatStorage), 0, (4,), (1,), state={"shape": (1 << 30,)})
        write_zip_checkpoint(path, {"w": tensor}, {"0": bytes(16)})
        self.assert_refused(path, "tries to set the state of a Tensor")

    def test_huge_storage_is_refused_before_reading(self):
        path = self.dir / "huge.pth"
        write_zip_checkpoint(path, {"w": float_tensor(numel=1 << 40, size=(4,))}, {"0": bytes(16)})
        self.assert_refused(path, "storage 0 declares 4398046511104 bytes", "limit of 2147483648 bytes")

    def test_zip_path_traversal(self):
        path = self.dir / "traversal.pth"
        write_zip_checkpoint(path, {"w": float_tensor()}, {"0": bytes(16)},
                             extra_entries=[("archive/../../escaped", b"x")])
        self.assert_refused(path, "unsafe path", "../")
        write_zip_checkpoint(path, {"w": float_tensor()}, {"0": bytes(16)},
                             extra_entries=[("/etc/absolute", b"x")])
        self.assert_refused(path, "unsafe path")

    def test_storage_size_disagrees_with_numel(self):
        path = self.dir / "size.pth"
        write_zip_checkpoint(path, {"w": float_tensor(numel=4)}, {"0": bytes(20)})
        self.assert_refused(path, "storage 0 has 20 bytes, expected 4 float32 elements = 16 bytes")
        legacy = self.dir / "legacy.pth"
        torch.save({"w": torch.ones(3)}, legacy, _use_new_zipfile_serialization=False)
        data = legacy.read_bytes()
        count_at = len(data) - 12 - 8
        self.assertEqual(struct.unpack("<q", data[count_at:count_at + 8]), (3,))
        legacy.write_bytes(data[:count_at] + struct.pack("<q", 4) + data[count_at + 8:] + bytes(4))
        self.assert_refused(legacy, "storage", "holds 4 elements but the pickle says 3")

    def test_missing_storage(self):
        path = self.dir / "missing.pth"
        write_zip_checkpoint(path, {"w": float_tensor(key="0"), "v": float_tensor(key="1")},
                             {"0": bytes(16)})
        self.assert_refused(path, "storage 1 is referenced but missing")

    def test_tensor_past_end_of_storage(self):
        path = self.dir / "past.pth"
        write_zip_checkpoint(path, {"w": float_tensor(numel=4, offset=1, size=(4,))}, {"0": bytes(16)})
        self.assert_refused(path, "tensor 'w' reads past the end of storage 0")
        write_zip_checkpoint(path, {"w": float_tensor(numel=4, size=(2, 2), stride=(3, 1))}, {"0": bytes(16)})
        self.assert_refused(path, "reads past the end")

    def test_float16_overflow(self):
        path = self.dir / "big.pth"
        for value in (-70000.0, 65520.0):  # 65520 rounds to infinity
            torch.save(collections.OrderedDict(ok=torch.ones(2), w=torch.tensor([1.0, value, 2.0])), path)
            self.assert_refused(path, f"tensor 'w' holds {value!r}, beyond the float16 range",
                                args=["--dtype", "float16"])
            self.assertEqual(run_converter(path, self.out).returncode, 0, "float32 output keeps it")
            self.out.unlink()

    def test_integer_tensor_that_is_not_a_counter(self):
        path = self.dir / "int.pth"
        torch.save({"w": torch.ones(2), "labels": torch.arange(3)}, path)
        self.assert_refused(path, "tensor 'labels' has dtype int64")

    def test_not_a_checkpoint_and_missing_file(self):
        junk = self.dir / "junk.pth"
        junk.write_bytes(b"hello, not a checkpoint\n")
        self.assert_refused(junk, "not a PyTorch checkpoint")
        self.assert_refused(self.dir / "absent.pth", "cannot read", "No such file")

    def test_usage_errors(self):
        path = self.dir / "ok.pth"
        torch.save({"w": torch.ones(2)}, path)
        stderr = self.assert_refused(path, "unknown FFNet model name", "segmentation_ffnet18_dAAA",
                                     args=["--model", "segmentation_ffnet18_dAA"], exit_code=2)
        self.assertIn("usage:", stderr)
        self.assertEqual(run_converter(path).returncode, 2)
        self.assert_refused(path, "invalid choice: 'bfloat16'", args=["--dtype", "bfloat16"], exit_code=2)


if __name__ == "__main__":
    unittest.main()
