#!/usr/bin/python3
"""scripts/png_io.py: round trips, and reading rows written with every PNG filter (the way
stb_image_write, which the C++ code uses, picks a filter per row)."""
import random
import struct
import tempfile
import unittest
import zlib
from pathlib import Path

from published_models import SCRIPTS  # noqa: F401  (puts scripts/ on sys.path)

import png_io  # noqa: E402


def paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def filter_row(kind: int, row: bytes, prev: bytes, bpp: int) -> bytes:
    """The encoder side of PNG filtering, written independently of png_io's decoder."""
    out = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        predictor = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
        out.append((x - predictor) % 256)
    return bytes(out)


def hand_made_png(width, height, colour_type, pixels, filters, interlace=0):
    bpp = png_io.CHANNELS_OF_COLOUR_TYPE[colour_type]
    stride = width * bpp
    raw, prev = bytearray(), bytes(stride)
    for y in range(height):
        row = pixels[y * stride:(y + 1) * stride]
        kind = filters[y % len(filters)]
        raw += bytes([kind]) + filter_row(kind, row, prev, bpp)
        prev = row
    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, interlace)
    data = zlib.compress(bytes(raw))
    # Two IDAT chunks and an ancillary chunk, as other writers produce.
    return (png_io.SIGNATURE + png_io.chunk(b"IHDR", ihdr) + png_io.chunk(b"tEXt", b"k\x00v")
            + png_io.chunk(b"IDAT", data[:7]) + png_io.chunk(b"IDAT", data[7:]) + png_io.chunk(b"IEND", b""))


def random_pixels(rng, count):
    # Smooth runs plus noise, so every filter sees both small and wrapping differences.
    return bytes((i * 7 + rng.randrange(0, 40)) % 256 if rng.random() < 0.7 else rng.randrange(256)
                 for i in range(count))


class RoundTrip(unittest.TestCase):
    def test_grey_and_rgb(self):
        rng = random.Random(1)
        with tempfile.TemporaryDirectory() as tmp:
            for channels in (1, 3):
                for up in (False, True):
                    with self.subTest(channels=channels, up=up):
                        w, h = 37, 11
                        pixels = random_pixels(rng, w * h * channels)
                        path = str(Path(tmp) / "x.png")
                        png_io.write_png(path, w, h, channels, pixels, up_filter=up)
                        self.assertEqual(png_io.read_png(path), png_io.Picture(w, h, channels, pixels))

    def test_refuses_bad_arguments(self):
        with self.assertRaises(ValueError):
            png_io.encode_png(2, 2, 3, bytes(11))
        with self.assertRaises(ValueError):
            png_io.encode_png(2, 2, 4, bytes(16))


class FilteredRows(unittest.TestCase):
    def test_every_filter_and_colour_type(self):
        rng = random.Random(2)
        for colour_type, channels in png_io.CHANNELS_OF_COLOUR_TYPE.items():
            for filters in ([0], [1], [2], [3], [4], [4, 1, 3, 2, 0]):
                with self.subTest(colour_type=colour_type, filters=filters):
                    w, h = 23, 9
                    pixels = random_pixels(rng, w * h * channels)
                    picture = png_io.decode_png(hand_made_png(w, h, colour_type, pixels, filters))
                    self.assertEqual(picture, png_io.Picture(w, h, channels, pixels))

    def test_filters_differ(self):
        # Guards the test above: the filtered streams really are different encodings.
        rng = random.Random(3)
        pixels = random_pixels(rng, 20 * 4 * 3)
        encoded = {hand_made_png(20, 4, 2, pixels, [k]) for k in range(5)}
        self.assertEqual(len(encoded), 5)


class Refused(unittest.TestCase):
    def test_bad_files(self):
        good = hand_made_png(4, 3, 0, bytes(range(12)), [1])
        crc_at = len(png_io.SIGNATURE) + 8 + 13
        palette_header = struct.pack(">IIBBBBB", 4, 3, 8, 3, 0, 0, 0)
        palette = (png_io.SIGNATURE + png_io.chunk(b"IHDR", palette_header)
                   + png_io.chunk(b"IDAT", zlib.compress(bytes(15))) + png_io.chunk(b"IEND", b""))
        cases = [
            (b"GIF89a" + good[6:], "not a PNG file"),
            (good[:crc_at] + bytes([good[crc_at] ^ 1]) + good[crc_at + 1:], "bad CRC"),
            (good[:len(good) - 20], "truncated"),
            (hand_made_png(4, 3, 0, bytes(12), [0], interlace=1), "interlace 1"),
            (palette, "colour type 3"),
        ]
        for data, message in cases:
            with self.subTest(message):
                with self.assertRaisesRegex(png_io.PngError, message):
                    png_io.decode_png(data)

if __name__ == "__main__":
    unittest.main()
