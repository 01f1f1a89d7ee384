#!/usr/bin/python3
"""ffnet-quantize from the shell: calibration on pictures and .npy tensors writes an int8 file
whose metadata says what it is and where it came from (the source's SHA-256, checked with
hashlib), which ffnet-segment runs; every bad input or option gives the documented exit code,
a message naming the file, and no output file, with every input unchanged.

usage: test_quantize_cli.py FFNET_QUANTIZE FFNET_SEGMENT REFDATA_DIR
"""
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from png_io import write_png  # noqa: E402

QUANTIZE = SEGMENT = REFDATA = None
MODEL = "segmentation_ffnet46N_CBB"
USAGE, INPUT = 2, 3


def run(binary, *args):
    return subprocess.run([binary, *map(str, args)], capture_output=True, text=True, timeout=300)


def metadata(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(length))["__metadata__"]


class Workspace(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(self.enterContext(tempfile.TemporaryDirectory()))
        self.weights = REFDATA / MODEL / "model.safetensors"
        self.tensors = self.tmp / "tensors"
        self.tensors.mkdir()
        for size in ("97x190", "128x256"):
            (self.tensors / f"{size}.npy").write_bytes((REFDATA / MODEL / size / "input.npy").read_bytes())
        self.photos = self.tmp / "photos"
        self.photos.mkdir()
        pixels = bytes((x * 7 + y * 3) % 256 for y in range(48) for x in range(80 * 3))
        for name in ("a.png", "b.png"):
            write_png(str(self.photos / name), 80, 48, 3, pixels)

    def snapshot(self):
        return {p: (p.read_bytes() if p.is_file() else None) for p in sorted(self.tmp.rglob("*"))}


class Quantize(Workspace):
    def test_pictures_and_tensors_make_a_file_ffnet_segment_runs(self):
        out = self.tmp / "int8.safetensors"
        result = run(QUANTIZE, "--weights", self.weights, "--calibration", self.tensors, self.photos / "a.png",
                     "--output", out, "--size", "96x160", "--threads", "2")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("3/3 images", result.stderr)  # the progress bar
        meta = metadata(out)
        self.assertEqual(meta["format"], "ffnet-int8-v1")
        self.assertEqual(meta["model"], MODEL)
        self.assertEqual(meta["quantization.calibration_images"], "3")
        self.assertEqual(meta["quantization.method"], "mse")
        self.assertEqual(meta["quantization.equalized"], "no")
        self.assertEqual(meta["quantization.source_sha256"], hashlib.sha256(self.weights.read_bytes()).hexdigest())
        self.assertEqual(meta["quantization.source"], "model.safetensors")
        logits = self.tmp / "y.npy"
        case = REFDATA / MODEL / "97x190"
        result = run(SEGMENT, "--weights", out, "--input", case / "input.npy", "--logits", logits)
        self.assertEqual(result.returncode, 0, result.stderr)
        ours, ref = np.load(logits), np.load(case / "output.npy")
        self.assertEqual(ours.shape, ref.shape)
        self.assertTrue(np.isfinite(ours).all())

    def test_methods_and_equalisation(self):
        for extra in (["--method", "minmax"], ["--method", "percentile", "--equalize"]):
            out = self.tmp / "int8.safetensors"
            result = run(QUANTIZE, "--weights", self.weights, "--calibration", self.tensors, "--output", out,
                         "--quiet", *extra)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(result.stderr, "")  # --quiet
            meta = metadata(out)
            self.assertEqual(meta["quantization.method"], extra[1])
            self.assertEqual(meta["quantization.equalized"] != "no", "--equalize" in extra)


class Refused(Workspace):
    def check_refused(self, code, expect, *args):
        before = self.snapshot()
        result = run(QUANTIZE, *args)
        self.assertEqual(result.returncode, code, result.stderr)
        self.assertIn(expect, result.stderr)
        self.assertNotIn("internal error", result.stderr)
        self.assertEqual(self.snapshot(), before, "nothing may be written or changed")

    def test_usage_errors(self):
        out = self.tmp / "int8.safetensors"
        self.check_refused(USAGE, "missing required option --calibration", "--weights", self.weights,
                           "--output", out)
        self.check_refused(USAGE, "unknown calibration method 'kl'", "--weights", self.weights, "--calibration",
                           self.tensors, "--output", out, "--method", "kl")
        self.check_refused(USAGE, "--size and --keep-size exclude each other", "--weights", self.weights,
                           "--calibration", self.photos, "--output", out, "--size", "64x64", "--keep-size")
        self.check_refused(USAGE, "is a directory", "--weights", self.weights, "--calibration", self.tensors,
                           "--output", self.photos)

    def test_outputs_replacing_inputs(self):
        link = self.tmp / "link.safetensors"
        link.symlink_to(self.weights)
        self.check_refused(USAGE, "must not replace an input", "--weights", self.weights, "--calibration",
                           self.tensors, "--output", link)
        self.check_refused(USAGE, "must not replace an input", "--weights", self.weights, "--calibration",
                           self.photos, "--output", self.photos / "a.png")
        os.link(self.tensors / "97x190.npy", self.tmp / "hard.npy")
        self.check_refused(USAGE, "must not replace an input", "--weights", self.weights, "--calibration",
                           self.tensors, "--output", self.tmp / "hard.npy")

    def test_input_errors(self):
        out = self.tmp / "int8.safetensors"
        self.check_refused(INPUT, "nowhere: no such file or directory", "--weights", self.weights, "--calibration",
                           self.tmp / "nowhere", "--output", out)
        empty = self.tmp / "empty"
        empty.mkdir()
        (empty / "notes.txt").write_text("not a picture")
        self.check_refused(INPUT, "no PNG, JPEG or BMP pictures nor .npy tensors", "--weights", self.weights,
                           "--calibration", empty, "--output", out)
        self.check_refused(INPUT, "notes.txt: not a picture", "--weights", self.weights, "--calibration",
                           empty / "notes.txt", "--output", out)
        # One bad input among good ones refuses the whole run: no file calibrated on less.
        (self.photos / "c.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 30)
        self.check_refused(INPUT, "c.png", "--weights", self.weights, "--calibration", self.photos, "--output", out)
        (self.photos / "c.png").unlink()
        values = np.zeros((1, 3, 64, 64), np.float32)
        values[0, 2, 3, 4] = np.nan
        np.save(self.tensors / "nan.npy", values)
        self.check_refused(INPUT, "nan.npy: element [0, 2, 3, 4] is NaN", "--weights", self.weights,
                           "--calibration", self.tensors, "--output", out)
        (self.tensors / "nan.npy").unlink()
        np.save(self.tensors / "four.npy", np.zeros((1, 4, 64, 64), np.float32))
        self.check_refused(INPUT, "four.npy: expected a 1x3xHxW array", "--weights", self.weights,
                           "--calibration", self.tensors, "--output", out)
        (self.tensors / "four.npy").unlink()
        truncated = self.tmp / "trunc.safetensors"
        truncated.write_bytes(self.weights.read_bytes()[:100000])
        self.check_refused(INPUT, "trunc.safetensors", "--weights", truncated, "--calibration", self.tensors,
                           "--output", out)
        self.check_refused(INPUT, "cannot create output file", "--weights", self.weights, "--calibration",
                           self.tensors, "--output", self.tmp / "no" / "such" / "int8.safetensors")

    def test_an_int8_file_is_not_quantised_again(self):
        int8 = self.tmp / "int8.safetensors"
        result = run(QUANTIZE, "--weights", self.weights, "--calibration", self.tensors, "--output", int8, "--quiet")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.check_refused(INPUT, "is not a float model", "--weights", int8, "--calibration", self.tensors,
                           "--output", self.tmp / "again.safetensors")


if __name__ == "__main__":
    QUANTIZE, SEGMENT, REFDATA = sys.argv[1], sys.argv[2], Path(sys.argv[3]).resolve()
    unittest.main(argv=sys.argv[:1], verbosity=2)
