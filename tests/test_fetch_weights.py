#!/usr/bin/python3
"""scripts/fetch_weights.sh offline: a release zip built here from checkpoints saved by
torch.save with the published file names; downloads pointed at an unreachable host."""
import hashlib
import json
import os
import struct
import subprocess
import tempfile
import unittest
import zipfile
from pathlib import Path

import torch

from published_models import ROOT

import make_reference  # noqa: E402

FETCH = ROOT / "scripts" / "fetch_weights.sh"
CCC = "ffnet46NS_CCC_cityscapes_state_dict_quarts.pth"   # loaded by _mobile and _mobile_pre_down
CBX = "ffnet46NS_CBX_imagenet_state_dict_quarts.pth"


def run(*args, env=None):
    environment = dict(os.environ, **(env or {}))
    return subprocess.run(["bash", str(FETCH), *map(str, args)], capture_output=True, text=True,
                          timeout=600, env=environment)


def metadata_of(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(length))["__metadata__"]


class FetchWeights(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.zip = Path(cls.tmp.name) / "ffnet46NS.zip"
        with zipfile.ZipFile(cls.zip, "w") as archive:
            for file, model in [(CCC, "segmentation_ffnet46NS_CCC_mobile_pre_down"),
                                (CBX, "classification_ffnet46NS_CBX_mobile")]:
                path = Path(cls.tmp.name) / file
                torch.save(make_reference.make_random_model(model, 0).state_dict(), path)
                archive.write(path, f"ffnet46NS/{file}")
            archive.writestr("ffnet46NS/notes.txt", "not a checkpoint")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_family_zip_is_unpacked_summed_and_converted(self):
        out = Path(self.tmp.name) / "out"
        result = run("ffnet46NS", "--zip", self.zip, "--out", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        sums = dict(line.split("  ")[::-1] for line in (out / "ffnet46NS" / "SHA256SUMS").read_text().splitlines())
        for file in (CCC, CBX):
            self.assertEqual(sums[file], hashlib.sha256((out / "ffnet46NS" / file).read_bytes()).hexdigest())
        for model in ["segmentation_ffnet46NS_CCC_mobile", "segmentation_ffnet46NS_CCC_mobile_pre_down",
                      "classification_ffnet46NS_CBX_mobile"]:
            meta = metadata_of(out / f"{model}.safetensors")
            self.assertEqual(meta["model"], model)
        self.assertEqual(meta["source_sha256"], sums[CBX])
        self.assertFalse((out / "segmentation_ffnet46NS_CBB_mobile.safetensors").exists())  # not in this zip

    def test_without_network_a_clear_message(self):
        with tempfile.TemporaryDirectory() as out:
            result = run("ffnet46NS", "--out", out, env={"FFNET_WEIGHTS_BASE_URL": "http://127.0.0.1:9"})
            self.assertEqual(result.returncode, 3)
            self.assertIn("cannot download http://127.0.0.1:9/ffnet46NS.zip", result.stderr)
            self.assertIn("--zip", result.stderr)
            self.assertNotIn("Traceback", result.stderr)
            self.assertFalse(any(p.name.endswith(".zip") for p in Path(out).iterdir()))

    def test_refusals(self):
        with tempfile.TemporaryDirectory() as out:
            bad = Path(out) / "evil.zip"
            with zipfile.ZipFile(bad, "w") as archive:
                archive.writestr("../../escape.pth", b"x")
            cases = [
                (["ffnet46NS", "--zip", bad], 3, "unsafe path"),
                (["ffnet999"], 3, "unknown family"),
                (["--aimet", "prepared_ffnet40S_dBBB.pth"], 3, "not state dicts"),
                (["--aimet", "something.pth"], 3, "not the file name of a published"),
                ([], 2, "give either a FAMILY"),
            ]
            for args, code, message in cases:
                with self.subTest(args=args):
                    result = run(*args, "--out", out)
                    self.assertEqual(result.returncode, code, result.stderr)
                    self.assertIn(message, result.stderr)
                    self.assertNotIn("Traceback", result.stderr)
            self.assertFalse((Path(out).parent.parent / "escape.pth").exists())


if __name__ == "__main__":
    unittest.main(verbosity=2)
