#!/usr/bin/python3
"""scripts/toy_streets.py and demo_common.py: scenes are deterministic per seed, labels are
Cityscapes train ids that cover the street classes, and the IoU bookkeeping is right."""
import unittest

import numpy as np

from published_models import SCRIPTS  # noqa: F401  (puts scripts/ on sys.path)

import demo_common as dc  # noqa: E402
from toy_streets import generate_scene  # noqa: E402

STREET_CLASSES = {"road", "sidewalk", "building", "pole", "traffic sign", "vegetation", "sky", "person", "car"}


class SceneTest(unittest.TestCase):
    def test_deterministic_per_seed_and_different_across_seeds(self):
        rgb, labels = generate_scene(7, 96, 192)
        again_rgb, again_labels = generate_scene(7, 96, 192)
        other_rgb, _ = generate_scene(8, 96, 192)
        self.assertEqual((rgb.shape, rgb.dtype, labels.shape, labels.dtype),
                         ((96, 192, 3), np.uint8, (96, 192), np.uint8))
        np.testing.assert_array_equal(rgb, again_rgb)
        np.testing.assert_array_equal(labels, again_labels)
        self.assertGreater(np.abs(rgb.astype(int) - other_rgb).mean(), 10)

    def test_labels_are_train_ids_covering_the_street_classes(self):
        seen = set()
        for seed in range(6):
            rgb, labels = generate_scene(seed, 256, 512)
            self.assertLess(int(labels.max()), dc.NUM_CLASSES)
            self.assertGreater(rgb.std(), 20, f"scene {seed} is nearly flat")
            seen |= {dc.CLASS_NAMES[c] for c in np.unique(labels)}
        self.assertLessEqual(STREET_CLASSES, seen)

    def test_each_class_looks_different_from_the_others(self):
        """A learnable scene: the mean colours of road, sky and vegetation differ."""
        rgb, labels = generate_scene(3, 256, 512)
        means = {name: rgb[labels == dc.CLASS_NAMES.index(name)].mean(0) for name in ("road", "sky", "vegetation")}
        names = list(means)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                self.assertGreater(np.abs(means[a] - means[b]).max(), 15, f"{a} vs {b}")


class IouTest(unittest.TestCase):
    def test_confusion_and_mean_iou(self):
        truth = np.array([[0, 0, 1, 1], [2, 2, 2, 2]], np.uint8)
        predicted = np.array([[0, 1, 1, 1], [2, 2, 2, 0]], np.uint8)
        matrix = dc.confusion(predicted, truth)
        self.assertEqual(matrix.sum(), 8)
        self.assertEqual((matrix[0, 0], matrix[0, 1], matrix[2, 0]), (1, 1, 1))
        iou = dc.per_class_iou(matrix)
        # road: 1 hit / (2 true + 2 predicted - 1); sidewalk 2 / (2 + 3 - 2); building 3 / 4.
        self.assertEqual(set(iou), {"road", "sidewalk", "building"})
        self.assertAlmostEqual(iou["road"], 100 / 3)
        self.assertAlmostEqual(iou["sidewalk"], 200 / 3)
        self.assertAlmostEqual(iou["building"], 75)
        self.assertAlmostEqual(dc.mean_iou(matrix), (100 / 3 + 200 / 3 + 75) / 3)


if __name__ == "__main__":
    unittest.main()
