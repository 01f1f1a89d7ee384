#!/usr/bin/python3
"""ffnet-segment from the shell: .npy in, logits out, matching PyTorch's reference output;
bad input gives the documented exit code, a message naming the file, and no output file.

usage: test_cli.py FFNET_SEGMENT REFDATA_DIR
"""
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from png_io import write_png  # noqa: E402

BINARY = REFDATA = None
MODEL = "segmentation_ffnet46N_CBB"
USAGE, INPUT = 2, 3


def run(*args):
    return subprocess.run([BINARY, *map(str, args)], capture_output=True, text=True, timeout=300)


class NpyRoundTrip(unittest.TestCase):
    def test_logits_match_pytorch(self):
        for model, size in [(MODEL, "97x190"), ("classification_ffnet18_AAX", "128x256")]:
            case = REFDATA / model / size
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "y.npy"
                # Exact mode to 1e-4 of the largest logit; Winograd (the default) to 1e-3.
                for threads, mode, tolerance in (("1", ["--exact"], 1e-4), ("2", ["--exact"], 1e-4),
                                                 ("2", [], 1e-3)):
                    result = run("--weights", REFDATA / model / "model.safetensors", "--input", case / "input.npy",
                                 "--logits", out, "--threads", threads, *mode)
                    self.assertEqual(result.returncode, 0, result.stderr)
                    ours, ref = np.load(out), np.load(case / "output.npy")
                    self.assertEqual(ours.dtype, np.float32)
                    self.assertEqual(ours.shape, ref.shape)
                    self.assertLessEqual(np.abs(ours - ref).max(), tolerance * np.abs(ref).max())

    def test_model_override_and_help(self):
        result = run("--help")
        self.assertEqual(result.returncode, 0)
        self.assertIn("--weights", result.stdout)
        self.assertIn("Exit status: 0 ok, 2 usage error, 3 input error", result.stdout)
        with tempfile.TemporaryDirectory() as tmp:
            result = run("--weights", REFDATA / MODEL / "model.safetensors", "--model", "segmentation_ffnet18_dAAA",
                         "--input", REFDATA / MODEL / "97x190" / "input.npy", "--logits", Path(tmp) / "y.npy")
            self.assertEqual(result.returncode, INPUT)
            self.assertIn("does not match segmentation_ffnet18_dAAA", result.stderr)
            self.assertEqual(list(Path(tmp).iterdir()), [])


class BadInput(unittest.TestCase):
    def check_refused(self, code, expect, *args):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "y.npy"
            result = run(*[out if a == "OUT" else a for a in args])
            self.assertEqual(result.returncode, code, result.stderr)
            self.assertIn(expect, result.stderr)
            self.assertNotIn("Traceback", result.stderr)
            self.assertEqual(list(Path(tmp).iterdir()), [], "no output file may be left behind")

    def test_usage_errors(self):
        weights = REFDATA / MODEL / "model.safetensors"
        x = REFDATA / MODEL / "97x190" / "input.npy"
        self.check_refused(USAGE, "missing required option --weights", "--input", x, "--logits", "OUT")
        self.check_refused(USAGE, "unknown option --bogus", "--bogus")
        self.check_refused(USAGE, "--threads must be", "--weights", weights, "--input", x, "--logits", "OUT",
                           "--threads", "0")
        self.check_refused(USAGE, "unknown model", "--weights", weights, "--model", "ffnet_nope", "--input", x,
                           "--logits", "OUT")

    def test_input_errors(self):
        weights = REFDATA / MODEL / "model.safetensors"
        x = REFDATA / MODEL / "97x190" / "input.npy"
        with tempfile.TemporaryDirectory() as tmp:
            wrong_shape = Path(tmp) / "x2.npy"
            np.save(wrong_shape, np.zeros((1, 4, 8, 8), np.float32))
            float64 = Path(tmp) / "x64.npy"
            np.save(float64, np.zeros((1, 3, 64, 64)))
            tiny = Path(tmp) / "tiny.npy"
            np.save(tiny, np.zeros((1, 3, 2, 2), np.float32))
            for name, bad, word in (("nan.npy", np.nan, "NaN"), ("inf.npy", -np.inf, "infinite")):
                values = np.zeros((1, 3, 64, 64), np.float32)
                values[0, 1, 5, 7] = bad
                np.save(Path(tmp) / name, values)
                self.check_refused(INPUT, f"{name}: element [0, 1, 5, 7] is {word}", "--weights", weights, "--input",
                                   Path(tmp) / name, "--logits", "OUT")
            truncated = Path(tmp) / "trunc.safetensors"
            truncated.write_bytes(weights.read_bytes()[:100000])
            self.check_refused(INPUT, "missing.npy: cannot open", "--weights", weights, "--input",
                               Path(tmp) / "missing.npy", "--logits", "OUT")
            self.check_refused(INPUT, "x2.npy: expected a 1x3xHxW array", "--weights", weights, "--input",
                               wrong_shape, "--logits", "OUT")
            self.check_refused(INPUT, "is not little-endian float32", "--weights", weights, "--input", float64,
                               "--logits", "OUT")
            pre_down = REFDATA / "segmentation_ffnet40S_BCC_mobile_pre_down" / "model.safetensors"
            self.check_refused(INPUT, "needs an input of at least 3x5", "--weights", pre_down, "--input", tiny, "--logits", "OUT")
            self.check_refused(INPUT, "trunc.safetensors", "--weights", truncated, "--input", x, "--logits", "OUT")
            self.check_refused(INPUT, "cannot create output file", "--weights", weights, "--input", x,
                               "--logits", Path(tmp) / "no" / "such" / "dir.npy")


class OutputPaths(unittest.TestCase):
    """An output that resolves to an input of the run, or to another output, is a usage error:
    exit 2, nothing written, every input byte for byte as it was."""

    def setUp(self):
        self.tmp = Path(self.enterContext(tempfile.TemporaryDirectory()))
        self.weights = REFDATA / MODEL / "model.safetensors"
        pixels = bytes((x * 7 + y * 3) % 256 for y in range(40) for x in range(64 * 3))
        self.photos = self.tmp / "photos"
        self.photos.mkdir()
        for name in ("a.png", "b.png"):
            write_png(str(self.photos / name), 64, 40, 3, pixels)
        (self.tmp / "link.png").symlink_to(self.photos / "a.png")
        os.link(self.photos / "a.png", self.tmp / "hard.png")

    def snapshot(self):
        return {p: (p.read_bytes() if p.is_file() else None) for p in sorted(self.tmp.rglob("*"))}

    def check_refused(self, expect, *args):
        before = self.snapshot()
        result = run("--weights", self.weights, "--keep-size", "--quiet", *args)
        self.assertEqual(result.returncode, USAGE, result.stderr)
        self.assertIn(expect, result.stderr)
        self.assertEqual(self.snapshot(), before, "nothing may be written or changed")

    def test_output_replacing_the_input_picture(self):
        a = self.photos / "a.png"
        replaces = "an output must not replace an input"
        self.check_refused(replaces, "--input", a, "--overlay", a)
        self.check_refused(replaces, "--input", a, "--labels", self.photos / "." / "a.png")
        self.check_refused(replaces, "--input", a, "--color", self.photos / ".." / "photos" / "a.png")
        self.check_refused(replaces, "--input", self.tmp / "link.png", "--overlay", a)
        self.check_refused(replaces, "--input", a, "--overlay", self.tmp / "link.png")
        self.check_refused(replaces, "--input", a, "--overlay", self.tmp / "hard.png")
        self.check_refused(replaces, "--input", a, "--labels", self.weights)

    def test_two_outputs_naming_one_file(self):
        a, out = self.photos / "a.png", self.tmp / "out.png"
        same = "name the same file"
        self.check_refused(same, "--input", a, "--labels", out, "--color", out)
        self.check_refused(same, "--input", a, "--overlay", out, "--color", self.tmp / "sub" / ".." / "out.png")
        self.check_refused(same, "--input", a, "--labels", out, "--logits", self.tmp / "." / "out.png")

    def test_directory_outputs(self):
        self.check_refused("is the input directory", "--input", self.photos, "--overlay", self.photos)
        self.check_refused("is the input directory", "--input", self.photos, "--labels", str(self.photos) + "/")
        (self.tmp / "photo_link").symlink_to(self.photos)
        self.check_refused("is the input directory", "--input", self.photos, "--color", self.tmp / "photo_link")
        self.check_refused("name the same file", "--input", self.photos, "--labels", self.tmp / "o", "--color",
                           self.tmp / "o")
        # Different file names in one directory are fine: a.png and a.npy.
        result = run("--weights", self.weights, "--keep-size", "--quiet", "--input", self.photos, "--labels",
                     self.tmp / "o", "--logits", self.tmp / "o")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(sorted(p.name for p in (self.tmp / "o").iterdir()), ["a.npy", "a.png", "b.npy", "b.png"])


if __name__ == "__main__":
    BINARY, REFDATA = sys.argv[1], Path(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
