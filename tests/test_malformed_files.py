#!/usr/bin/python3
"""The malformed-file corpus (tests/malformed_corpus.py) through ffnet-segment and through the
converter. Every file must give an error naming the file (and for the rules, the rule), exit
status 3, and leave no output file behind. A valid file of each kind is run first, so the
fixtures are known to be accepted when unbroken.

usage: test_malformed_files.py FFNET_SEGMENT REFDATA_DIR
"""
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import malformed_corpus as corpus  # noqa: E402

BINARY = REFDATA = None
MODEL = "segmentation_ffnet40S_BCC_mobile_pre_down"  # the smallest model in the reference data
CONVERTER = Path(__file__).resolve().parent.parent / "scripts" / "convert_checkpoint.py"
INPUT_ERROR = 3
OUTPUTS = ("--labels", "labels.png", "--color", "color.png", "--overlay", "overlay.png", "--logits", "y.npy")


class CorpusTest(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(self.enterContext(tempfile.TemporaryDirectory()))
        self.inputs, self.outputs = self.tmp / "in", self.tmp / "out"
        self.inputs.mkdir()
        self.outputs.mkdir()
        self.weights = REFDATA / MODEL / "model.safetensors"
        self.tensor = REFDATA / MODEL / "97x190" / "input.npy"

    def segment(self, weights, source, picture=False):
        outputs = [str(self.outputs / a) if i % 2 else a for i, a in enumerate(OUTPUTS)]
        if not picture:
            outputs = outputs[-2:]  # a tensor has no picture to overlay
        args = [BINARY, "--weights", weights, "--input", source, "--keep-size", "--quiet", "--threads", "2", *outputs]
        return subprocess.run(list(map(str, args)), capture_output=True, text=True, timeout=600)

    def take_outputs(self):
        """The names of the files in the output directory, which is emptied."""
        names = sorted(p.name for p in self.outputs.iterdir())
        for f in self.outputs.iterdir():
            f.unlink()
        return names

    def assert_refused(self, result, path, fragment):
        left = self.take_outputs()  # emptied first, so that one failure does not fail the cases after it
        self.assertEqual(result.returncode, INPUT_ERROR, result.stderr)
        self.assertIn(str(path), result.stderr)
        self.assertIn(fragment, result.stderr)
        self.assertNotIn("internal error", result.stderr)
        self.assertEqual(left, [], "no output file may be left behind")

    def assert_converter_refuses(self, path):
        """The converter reads checkpoints only: each corpus file is refused, without a trace."""
        out = self.outputs / "converted.safetensors"
        result = subprocess.run([sys.executable, str(CONVERTER), str(path), str(out)],
                                capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, INPUT_ERROR, result.stderr)
        self.assertTrue(result.stderr.startswith(f"convert_checkpoint: {path}: "), result.stderr)
        self.assertNotIn("Traceback", result.stderr)
        self.assertEqual(list(self.outputs.iterdir()), [])

    def write(self, name, data):
        path = self.inputs / name
        path.write_bytes(data)
        return path

    def test_weights(self):
        self.assertEqual(self.segment(self.weights, self.tensor).returncode, 0)
        self.take_outputs()
        for i, (rule, data, fragment) in enumerate(corpus.safetensors_cases(MODEL)):
            with self.subTest(rule=rule):
                path = self.write(f"w{i}.safetensors", data)
                self.assert_refused(self.segment(path, self.tensor), path, fragment)
                self.assert_converter_refuses(path)

    def test_weight_truncations(self):
        with open(self.weights, "rb") as source:
            for i, (name, cut) in enumerate(corpus.safetensors_truncations(self.weights)):
                with self.subTest(cut=name):
                    source.seek(0)
                    path = self.write(f"cut{i}.safetensors", source.read(cut))
                    self.assert_refused(self.segment(path, self.tensor), path, corpus.ANY)
                    path.unlink()

    def test_tensors(self):
        for i, (rule, data, fragment) in enumerate(corpus.npy_cases()):
            with self.subTest(rule=rule):
                path = self.write(f"x{i}.npy", data)
                self.assert_refused(self.segment(self.weights, path), path, fragment)
                self.assert_converter_refuses(path)

    def test_pictures(self):
        cases, valid = corpus.picture_cases()
        for suffix, data in valid.items():
            with self.subTest(valid=suffix):
                result = self.segment(self.weights, self.write("valid" + suffix, data), picture=True)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(len(self.take_outputs()), 4)
        for i, (rule, data, fragment, suffix) in enumerate(cases):
            with self.subTest(rule=rule):
                path = self.write(f"p{i}{suffix}", data)
                self.assert_refused(self.segment(self.weights, path, picture=True), path, fragment)
                self.assert_converter_refuses(path)


if __name__ == "__main__":
    BINARY, REFDATA = sys.argv[1], Path(sys.argv[2])
    unittest.main(argv=sys.argv[:1])
