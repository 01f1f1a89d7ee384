#!/usr/bin/python3
"""Writes the committed seed corpora of the fuzz targets: small valid and near-valid inputs.

Run once by a developer (needs numpy and PIL for the JPEG seeds); the output is committed in
tests/fuzz/corpus/<target>/. usage: make_seeds.py [CORPUS_DIR]
"""
import io
import json
import struct
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from image_bytes import bmp, png  # noqa: E402


def safetensors(tensors, metadata=None, pad_to=8):
    """tensors: [(name, dtype, shape, raw bytes)], laid out in the given order."""
    header, offset = {}, 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(8 + len(text)) % pad_to)
    return struct.pack("<Q", len(text)) + text + b"".join(t[3] for t in tensors)


def safetensors_seeds():
    f32 = np.arange(6, dtype="<f4").reshape(2, 3)
    return {
        "f32.safetensors": safetensors([("a", "F32", (2, 3), f32.tobytes()), ("b", "F32", (2,), b"\0" * 8)],
                                       {"model": "segmentation_ffnet46NS_CCC_mobile_pre_down"}),
        "f16_bf16_f64.safetensors": safetensors([
            ("h", "F16", (3,), np.array([1.5, -0.0, 65504], "<f2").tobytes()),
            ("b", "BF16", (2,), struct.pack("<2H", 0x3FC0, 0xFF80)),
            ("d", "F64", (1, 2), np.array([1e300, -2.5], "<f8").tobytes())]),
        "scalar_and_empty.safetensors": safetensors([("s", "F32", (), b"\0\0\x80\x3f"),
                                                     ("e", "F32", (0, 4), b"")]),
        "integer.safetensors": safetensors([("n", "I64", (1,), struct.pack("<q", 7)),
                                            ("m", "U8", (3,), b"abc"), ("t", "BOOL", (1,), b"\1")]),
        "unaligned.safetensors": safetensors([("x", "F32", (2,), b"\0" * 8)], pad_to=1),
        "metadata_only.safetensors": safetensors([], {"k": "v \u00e9 \\\" \n"}),
        "empty_header.safetensors": struct.pack("<Q", 2) + b"{}",
    }


def npy_seeds():
    def save(array, version):
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, array, version=version)
        return buffer.getvalue()

    x = np.linspace(-1, 1, 12, dtype="<f4").reshape(1, 3, 2, 2)
    return {
        "v1.npy": save(x, (1, 0)),
        "v2.npy": save(x, (2, 0)),
        "v3.npy": save(np.zeros(5, "<f4"), (3, 0)),
        "empty.npy": save(np.zeros((0, 3), "<f4"), (1, 0)),
        "float64.npy": save(np.zeros((2,), "<f8"), (1, 0)),
        "fortran.npy": save(np.asfortranarray(np.zeros((2, 3), "<f4")), (1, 0)),
    }


def jpeg(mode, size, **options):
    pixels = (np.arange(size[0] * size[1] * len(mode), dtype=np.uint32) * 37 % 251).astype(np.uint8)
    image = Image.frombytes(mode, size, pixels.tobytes())
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def image_seeds():
    return {
        "rgb8.png": png(5, 4, 8, 2),
        "grey8.png": png(5, 4, 8, 0),
        "grey_alpha8.png": png(3, 3, 8, 4),
        "rgba8.png": png(4, 3, 8, 6),
        "rgb16.png": png(3, 2, 16, 2),
        "grey16.png": png(3, 2, 16, 0),
        "grey1.png": png(9, 3, 1, 0),
        "palette4.png": png(5, 3, 4, 3),
        "baseline.jpg": jpeg("RGB", (17, 9), quality=80),
        "progressive.jpg": jpeg("RGB", (16, 16), quality=60, progressive=True),
        "grey.jpg": jpeg("L", (9, 7), quality=90),
        "subsampling444.jpg": jpeg("RGB", (8, 8), quality=95, subsampling=0),
        "cmyk.jpg": jpeg("CMYK", (8, 8), quality=90),
        "bgr24.bmp": bmp(5, 3, 24),
        "bgra32.bmp": bmp(3, 2, 32),
    }


def json_seeds():
    return {
        "header.json": b'{"__metadata__":{"model":"m"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}',
        "numbers.json": b"[0, -0, 1.5e-3, -12345678901234567890, 9223372036854775807, 1E+2, 0.0]",
        "strings.json": b'["\\u00e9\\ud83d\\ude00", "\\"\\\\\\/\\b\\f\\n\\r\\t", "\xc3\xa9\xf0\x9f\x98\x80"]',
        "nested.json": b' {"a": [[[{"b": null}]]], "c": true, "d": false} ',
        "empty.json": b"{}",
    }


def main():
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "corpus"
    for target, seeds in [("safetensors", safetensors_seeds()), ("npy", npy_seeds()),
                          ("image", image_seeds()), ("json", json_seeds())]:
        directory = root / target
        directory.mkdir(parents=True, exist_ok=True)
        for name, data in seeds.items():
            (directory / name).write_bytes(data)


if __name__ == "__main__":
    main()
