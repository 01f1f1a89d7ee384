#!/usr/bin/python3
"""scripts/ffnet_torch.py and scripts/make_reference.py (run with /usr/bin/python3: needs torch)."""
import json
import math
import tempfile
import unittest
import zipfile
from pathlib import Path

import numpy as np
import torch

from published_models import PUBLISHED  # also puts scripts/ on sys.path

import ffnet_arch  # noqa: E402
import make_reference  # noqa: E402
from ffnet_torch import build_model, gaussian_smoothing_weight, resize  # noqa: E402


# One small model per stem, block type, head, upsampling mode and pre_down.
REAL_FORWARD_MODELS = [
    "segmentation_ffnet18_dAAC",                    # stem A, basic, bilinear, SEG C
    "segmentation_ffnet40S_BBB_mobile_pre_down",    # stem B, nearest, pre_down, SEG B
    "segmentation_ffnet46NS_CCC_mobile",            # stem C, 3 stages
    "classification_ffnet46NS_CBX_mobile",          # classification head
]


class PublishedLayoutTest(unittest.TestCase):
    def test_state_dict_and_output_shape_of_every_model(self):
        for name, facts in PUBLISHED.items():
            with self.subTest(name=name):
                model = build_model(name, device="meta").eval()
                keys = [(k, list(t.shape)) for k, t in model.state_dict().items()]
                self.assertEqual(keys, list(facts["tensors"].items()))
                with torch.no_grad():
                    y = model(torch.empty(facts["input"], device="meta"))
                self.assertEqual(list(y.shape), facts["output"])


class ForwardTest(unittest.TestCase):
    def test_odd_size_forward_follows_the_output_shape_rule(self):
        height, width = 45, 71
        for name in REAL_FORWARD_MODELS:
            with self.subTest(name=name):
                config = ffnet_arch.parse_name(name)
                features = {}
                with torch.no_grad():
                    y = build_model(name).eval()(torch.randn(1, 3, height, width), features)
                self.assertEqual(tuple(y.shape), ffnet_arch.output_shape(config, height, width))
                self.assertTrue(torch.isfinite(y).all())
                fh, fw = ffnet_arch.finest_feature_size(config, height, width)
                self.assertEqual(tuple(features["adapter0"].shape[-2:]), (fh, fw))
                self.assertEqual(tuple(features["s4"].shape[-2:]), (fh, fw))
                widths = [features[f"adapter{k}"].shape[1] for k in range(4)]
                self.assertEqual(tuple(widths), config.adapter_widths)
                widths = [features[s].shape[1] for s in ("s4", "s8", "s16", "s32")]
                self.assertEqual(tuple(widths), config.up_out_widths)
                self.assertEqual("smoothing" in features, config.pre_down)


class SpecSemanticsTest(unittest.TestCase):
    """The torch operators used behave as the spec's formulas, which the C++ code implements."""

    def test_nearest_resize_formula(self):
        x = torch.randn(1, 2, 7, 13)
        for out_h, out_w in [(3, 5), (11, 29), (7, 13), (1, 1), (20, 6)]:
            def src(n_in, n_out):
                scale = np.float32(n_in) / np.float32(n_out)
                return np.minimum(np.floor(np.arange(n_out, dtype=np.float32) * scale).astype(int), n_in - 1)
            expected = x.numpy()[:, :, src(7, out_h)][:, :, :, src(13, out_w)]
            np.testing.assert_array_equal(resize(x, (out_h, out_w), "nearest").numpy(), expected)

    def test_bilinear_align_corners_formula(self):
        x = torch.randn(1, 2, 5, 9, dtype=torch.float64)

        def weights(n_in, n_out):
            m = np.zeros((n_out, n_in))
            for d in range(n_out):
                s = 0.0 if n_out == 1 else d * (n_in - 1) / (n_out - 1)
                i0 = int(math.floor(s))
                i1 = min(i0 + 1, n_in - 1)
                m[d, i0] += 1 - (s - i0)
                m[d, i1] += s - i0
            return m

        for out_h, out_w in [(11, 17), (3, 4), (1, 1), (5, 9)]:
            expected = weights(5, out_h) @ x.numpy() @ weights(9, out_w).T
            actual = resize(x, (out_h, out_w), "bilinear").numpy()
            np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-12)

    def test_smoothing_weight_is_a_normalised_gaussian(self):
        w = gaussian_smoothing_weight().double()
        self.assertEqual(tuple(w.shape), ffnet_arch.SMOOTHING_SHAPE)
        for c in range(3):
            self.assertAlmostEqual(float(w[c].sum()), 1.0, places=6)
            self.assertAlmostEqual(float(w[c, 0, 2, 3] / w[c, 0, 2, 2]), math.exp(-1 / (2 * 0.49)), places=6)
            self.assertAlmostEqual(float(w[c, 0, 3, 3] / w[c, 0, 2, 2]), math.exp(-2 / (2 * 0.49)), places=6)

    def test_pre_down_reflects_rows_and_strides_by_two(self):
        model = build_model("segmentation_ffnet40S_BBB_mobile_pre_down").eval()
        x = torch.randn(1, 3, 9, 12, dtype=torch.float64)
        features = {}
        with torch.no_grad():
            model.double()(x, features)
        padded = np.concatenate([x.numpy()[:, :, 1:2], x.numpy(), x.numpy()[:, :, -2:-1]], axis=2)
        w = model.smoothing.weight.detach().numpy()[:, 0]
        out_h, out_w = (11 - 5) // 2 + 1, (12 - 5) // 2 + 1
        expected = np.zeros((1, 3, out_h, out_w))
        for c in range(3):
            for i in range(out_h):
                for j in range(out_w):
                    expected[0, c, i, j] = (padded[0, c, 2 * i:2 * i + 5, 2 * j:2 * j + 5] * w[c]).sum()
        np.testing.assert_allclose(features["smoothing"].numpy(), expected, rtol=1e-12, atol=1e-12)


class MakeReferenceTest(unittest.TestCase):
    def _generate(self, name, sizes, legacy):
        out = Path(self.enterContext(tempfile.TemporaryDirectory()))
        argv = ["--model", name, "--sizes", sizes, "--seed", "7", "--out", str(out)]
        self.assertEqual(make_reference.main(argv + (["--legacy-format"] if legacy else [])), 0)
        return out

    def test_reference_directory_reproduces_from_its_checkpoint(self):
        name = "segmentation_ffnet40S_BBB_mobile_pre_down"
        out = self._generate(name, "64x128,37x53", legacy=False)
        meta = json.loads((out / "meta.json").read_text())
        self.assertEqual(meta["model"], name)
        self.assertEqual((meta["seed"], meta["sizes"], meta["legacy_format"]), (7, [[64, 128], [37, 53]], False))
        self.assertEqual(meta["features"], ["smoothing", "stem", "layer1", "layer2", "layer3", "layer4",
                                            "adapter0", "adapter1", "adapter2", "adapter3",
                                            "s4", "s8", "s16", "s32", "concat"])
        self.assertTrue(zipfile.is_zipfile(out / "checkpoint.pth"))
        state = torch.load(out / "checkpoint.pth")
        self.assertEqual([(k, list(t.shape)) for k, t in state.items()], list(PUBLISHED[name]["tensors"].items()))
        bn = state["backbone_model.bn1.running_var"]
        self.assertTrue(((bn >= 0.5) & (bn <= 2.0)).all() and bn.std() > 0.1, "BN statistics must be non-trivial")
        torch.testing.assert_close(state["smoothing.weight"], gaussian_smoothing_weight(), rtol=0, atol=0)

        model = build_model(name).eval()
        model.load_state_dict(state)
        for h, w in meta["sizes"]:
            size_dir = out / f"{h}x{w}"
            x = np.load(size_dir / "input.npy")
            self.assertEqual((x.dtype, x.shape), (np.float32, (1, 3, h, w)))
            features = {}
            with torch.no_grad():
                y = model(torch.from_numpy(x), features).numpy()
            expected = np.load(size_dir / "output.npy")
            self.assertEqual(expected.dtype, np.float32)
            np.testing.assert_array_equal(y, expected)
            self.assertEqual(sorted(p.stem for p in (size_dir / "features").iterdir()), sorted(meta["features"]))
            for feature in meta["features"]:
                np.testing.assert_array_equal(np.load(size_dir / "features" / f"{feature}.npy"),
                                              features[feature].numpy())
            self.assertTrue(0.2 < expected.std() < 5, f"logit std {expected.std()} is not healthy")

    def test_legacy_format_and_classification_features(self):
        out = self._generate("classification_ffnet46NS_CBX_mobile", "35x41", legacy=True)
        self.assertFalse(zipfile.is_zipfile(out / "checkpoint.pth"))
        meta = json.loads((out / "meta.json").read_text())
        self.assertTrue(meta["legacy_format"])
        self.assertEqual(meta["features"][-2:], ["head_final", "pooled"])
        self.assertEqual(np.load(out / "35x41" / "features" / "pooled.npy").shape, (1, 2048))
        self.assertEqual(np.load(out / "35x41" / "output.npy").shape, (1, 1000))

    def test_same_seed_same_weights(self):
        a = make_reference.make_random_model("segmentation_ffnet46NS_CCC_mobile", 3).state_dict()
        b = make_reference.make_random_model("segmentation_ffnet46NS_CCC_mobile", 3).state_dict()
        c = make_reference.make_random_model("segmentation_ffnet46NS_CCC_mobile", 4).state_dict()
        for key in a:
            torch.testing.assert_close(a[key], b[key], rtol=0, atol=0)
        self.assertFalse(torch.equal(a["head.layers.3.last_layer.3.weight"], c["head.layers.3.last_layer.3.weight"]))


if __name__ == "__main__":
    unittest.main()
