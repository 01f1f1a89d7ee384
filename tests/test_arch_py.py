#!/usr/bin/env python3
"""scripts/ffnet_arch.py against tests/data/ffnet-models.json (the published checkpoints' facts)."""
import unittest

from published_models import PUBLISHED  # also puts scripts/ on sys.path

import ffnet_arch  # noqa: E402



class RegistryTest(unittest.TestCase):
    def test_names_are_exactly_the_published_ones(self):
        self.assertEqual(list(ffnet_arch.MODEL_NAMES), list(PUBLISHED))
        self.assertEqual(len(ffnet_arch.MODEL_NAMES), 87)

    def test_published_facts(self):
        for name, facts in PUBLISHED.items():
            with self.subTest(name=name):
                model = ffnet_arch.published_model(name)
                self.assertEqual(list(model.input_size), facts["input"][2:])
                self.assertEqual(list(model.output_shape), facts["output"])
                self.assertEqual(model.checkpoint, facts["checkpoint"])
                self.assertEqual(model.cityscapes_val_miou, facts.get("cityscapes_val_miou"))
                self.assertEqual(model.task, name.split("_")[0])


class TensorTest(unittest.TestCase):
    def test_expected_tensors_match_published_state_dicts(self):
        for name, facts in PUBLISHED.items():
            with self.subTest(name=name):
                published = [(key, tuple(shape)) for key, shape in facts["tensors"].items()]
                self.assertEqual(ffnet_arch.expected_tensors(name), published)

    def test_parameter_counts(self):
        for name, facts in PUBLISHED.items():
            with self.subTest(name=name):
                self.assertEqual(ffnet_arch.parameter_count(name), facts["params"])

    def test_models_sharing_a_checkpoint_differ_only_by_optional_tensors(self):
        by_file = {}
        for name, facts in PUBLISHED.items():
            by_file.setdefault(facts["checkpoint"], []).append(name)
        shared = [names for names in by_file.values() if len(names) > 1]
        self.assertEqual(len(shared), 16)
        for names in shared:
            plain, pre_down = sorted(names, key=len)
            with self.subTest(plain=plain):
                self.assertEqual(pre_down, plain + "_pre_down")
                file_tensors = set(PUBLISHED[pre_down]["tensors"])
                own = {key for key, _ in ffnet_arch.expected_tensors(plain)}
                optional = {key for key, _ in ffnet_arch.optional_tensors(plain)}
                self.assertEqual(file_tensors, own | optional)
                self.assertFalse(own & optional)

    def test_optional_tensors_only_for_mobile_without_pre_down(self):
        for name in PUBLISHED:
            with self.subTest(name=name):
                expect_optional = name.endswith("_mobile")
                self.assertEqual(bool(ffnet_arch.optional_tensors(name)), expect_optional)


class ParseNameTest(unittest.TestCase):
    def test_configuration_follows_the_spec(self):
        c = ffnet_arch.parse_name("segmentation_ffnet40S_dBBB_mobile")
        self.assertEqual((c.task, c.backbone, c.stem, c.up, c.seg), ("segmentation", "40S", "B", "B", "B"))
        self.assertEqual(c.stage_strides, (2, 2, 2, 2))
        self.assertEqual((c.mobile, c.pre_down, c.upsample_mode), (True, False, "nearest"))
        c = ffnet_arch.parse_name("segmentation_ffnet122NS_CCC_mobile_pre_down")
        self.assertEqual((c.stem, c.stage_strides, c.pre_down), ("C", (2, 2, 2), True))
        self.assertEqual(c.feature_widths, (64, 64, 128, 256))
        c = ffnet_arch.parse_name("classification_ffnet50_AAX")
        self.assertEqual((c.task, c.seg, c.num_classes, c.upsample_mode),
                         ("classification", None, 1000, "bilinear"))
        self.assertEqual(c.feature_widths, (256, 512, 1024, 2048))

    def test_unknown_names_are_refused_with_suggestions(self):
        with self.assertRaisesRegex(ValueError, "unknown FFNet model name.*segmentation_ffnet40S_dBBB_mobile"):
            ffnet_arch.parse_name("segmentation_ffnet40S_dBB_mobile")
        for bad in ["", "ffnet40S_dBBB_mobile", "segmentation_ffnet18_AAA", "segmentation_ffnet46NS_dCCC_mobile"]:
            with self.subTest(name=bad), self.assertRaisesRegex(ValueError, "unknown FFNet model name"):
                ffnet_arch.parse_name(bad)

    def test_output_shape_at_odd_sizes(self):
        # Hand-computed from the spec's layer list: 97 -> 49 -> 25 -> 13 (stem B, then d stride 2).
        config = ffnet_arch.parse_name("segmentation_ffnet40S_dBBB_mobile")
        self.assertEqual(ffnet_arch.output_shape(config, 97, 190), (1, 19, 13, 24))
        # pre_down: 97 rows + 2 reflect rows -> 48; 190 cols -> 93; stem C: 24x47, 12x24, 12x24.
        config = ffnet_arch.parse_name("segmentation_ffnet46NS_CCC_mobile_pre_down")
        self.assertEqual(ffnet_arch.output_shape(config, 97, 190), (1, 19, 12, 24))
        with self.assertRaisesRegex(ValueError, "too small"):
            ffnet_arch.output_shape(config, 2, 2)


if __name__ == "__main__":
    unittest.main()
