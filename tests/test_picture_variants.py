#!/usr/bin/python3
"""Every legal variant of the accepted picture formats (tests/picture_variants.py: BMP top-down and
bottom-up, 24 and 32 bits; PNG 8 and 16 bits, grey, palette, alpha, interlaced; JPEG baseline and
progressive) is decoded to the pixels it holds and segmented exactly like the same pixels stored
as a plain 8-bit RGB PNG. The decoded picture is read back through ffnet-segment itself: an
overlay with --alpha 0 is the decoded picture, unchanged.

usage: test_picture_variants.py FFNET_SEGMENT WEIGHTS PICTURE.png
"""
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import picture_variants  # noqa: E402
from png_io import encode_png, read_png  # noqa: E402  (scripts/, put on sys.path by picture_variants)

BINARY = WEIGHTS = PICTURE = None


def as_array(picture) -> np.ndarray:
    return np.frombuffer(picture.pixels, np.uint8).reshape(picture.height, picture.width, picture.channels)


class PictureVariants(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp())
        full = as_array(read_png(str(PICTURE)))
        # An odd-sized crop: BMP rows need padding, Adam7's passes are uneven.
        cls.rgb = np.ascontiguousarray(full[101:304, 350:651, :3])
        cls.results = {}

    @classmethod
    def tearDownClass(cls):
        for f in cls.tmp.iterdir():
            f.unlink()
        cls.tmp.rmdir()

    def segment(self, name: str, data: bytes):
        """(decoded pixels, labels) of the picture `data` through ffnet-segment."""
        source, labels, overlay = self.tmp / name, self.tmp / (name + ".labels.png"), self.tmp / (name + ".rgb.png")
        source.write_bytes(data)
        result = subprocess.run([BINARY, "--weights", WEIGHTS, "--input", source, "--labels", labels, "--overlay",
                                 overlay, "--alpha", "0", "--quiet", "--threads", "2"],
                                capture_output=True, text=True, timeout=300)
        self.assertEqual(result.returncode, 0, f"{name}: {result.stderr}")
        decoded, label_map = as_array(read_png(str(overlay))), as_array(read_png(str(labels)))[..., 0]
        return decoded, label_map

    def test_every_variant_segments_like_the_plain_picture(self):
        plain_of = {}  # expected pixels -> (decoded, labels) of their plain PNG
        jpeg = {}
        for variant in picture_variants.variants(self.rgb):
            with self.subTest(variant.name):
                decoded, labels = self.segment(variant.name, variant.data)
                self.assertEqual(decoded.shape, variant.expected.shape)
                if variant.lossy:
                    jpeg[variant.name] = (decoded, labels)
                    continue
                self.assertTrue(np.array_equal(decoded, variant.expected), f"{variant.name} decodes to other pixels")
                key = variant.expected.tobytes()
                if key not in plain_of:
                    h, w = variant.expected.shape[:2]
                    plain_of[key] = self.segment(variant.name + ".plain.png", encode_png(w, h, 3, key))
                self.assertTrue(np.array_equal(labels, plain_of[key][1]), f"{variant.name} segments differently")
        self.assertEqual(len(plain_of), 3, "the variants hold three pictures: colour, grey and paletted")

        # Progressive and baseline JPEG of the same picture: the same coefficients, so the same
        # pixels within the decoder's rounding, and the same labels.
        (base, base_labels), (prog, prog_labels) = jpeg["jpeg_baseline.jpg"], jpeg["jpeg_progressive.jpg"]
        difference = np.abs(base.astype(int) - prog.astype(int)).max()
        self.assertLessEqual(difference, 1)
        agree = (base_labels == prog_labels).mean()
        self.assertGreaterEqual(agree, 0.999)
        # Both are the picture, give or take JPEG's loss at quality 92.
        self.assertLess(np.abs(base.astype(int) - self.rgb.astype(int)).mean(), 4)
        print(f"jpeg: progressive vs baseline max pixel difference {difference}, labels agree on {agree:.4%}")


if __name__ == "__main__":
    BINARY, WEIGHTS, PICTURE = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    unittest.main(argv=sys.argv[:1], verbosity=2)
