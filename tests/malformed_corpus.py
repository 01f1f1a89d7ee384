"""The malformed-file corpus: every rule of the safetensors, .npy and picture formats broken
once, and truncations at every structural boundary of a valid file. Standard library only.

Cases are (case name, file bytes, fragment the error message must contain), pictures with a
file suffix too; safetensors_truncations gives (case name, cut length) instead. The fragments
are the rule's wording in the readers (weights/, ffnet/image.cpp)."""
import json
import struct
from pathlib import Path

from image_bytes import bmp, png, png_chunk, png_ihdr, PNG_SIGNATURE

CORPUS = Path(__file__).resolve().parent / "fuzz" / "corpus"
TRUNCATED = "truncat"  # "truncated" and "truncation" both say it; cut files also fail other checks
ANY = ""                # some cuts leave a file that is valid up to a later check: any error will do


def _f32(*values):
    return struct.pack(f"<{len(values)}f", *values)


def safetensors_bytes(header, data):
    """header: a dict (JSON-encoded) or raw text."""
    text = (json.dumps(header) if isinstance(header, dict) else header).encode()
    return struct.pack("<Q", len(text)) + text + data


def _tensor(dtype="F32", shape=(2,), offsets=(0, 8), **extra):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets), **extra}


def safetensors_cases(model):
    """Small files: each is refused by the reader before the architecture is looked at, except
    the last two, which are valid safetensors that do not fit `model`. (Integer tensors where
    floats are needed are refused after the architecture check: tests/test_safetensors.cpp.)"""
    meta = {"__metadata__": {"model": model}}
    two = _f32(1, 2)
    one = lambda **t: safetensors_bytes({**meta, "a": _tensor(**t)}, two)  # noqa: E731
    good = safetensors_bytes({**meta, "a": _tensor(), "b": _tensor(offsets=(8, 16))}, _f32(1, 2, 3, 4))
    header_len = len(good) - 16 - 8
    return [
        ("shorter than the length field", b"\x01\x02\x03", "too short"),
        ("header length over 100 MB", struct.pack("<Q", (100 << 20) + 1) + b"{}", "exceeds the 100 MB limit"),
        ("header length past the end", good[:8 + header_len // 2], "runs past the end"),
        ("header not JSON", safetensors_bytes('{"a":', b""), "JSON"),
        ("header not an object", safetensors_bytes("[]", b""), "not a JSON object"),
        ("nesting too deep", safetensors_bytes("[" * 100 + "]" * 100, b""), "nesting"),
        ("duplicate tensor names", safetensors_bytes(
            '{"a":' + json.dumps(_tensor(shape=(1,), offsets=(0, 4))) + ',"a":'
            + json.dumps(_tensor(shape=(1,), offsets=(4, 8))) + "}", two), "duplicate key"),
        ("unknown dtype", one(dtype="F8"), "unknown dtype 'F8'"),
        ("negative dimension", one(shape=(-2,)), "non-negative integers"),
        ("fractional dimension", safetensors_bytes(
            '{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}', two), "non-negative integers"),
        ("element count overflows", one(shape=(1 << 32, 1 << 32, 4)), "overflows"),
        ("byte size is not elements x dtype size", one(shape=(3,)), "byte size 8 != 3 elements"),
        ("offsets reversed", one(shape=(0,), offsets=(8, 0)), "begin after they end"),
        ("offsets beyond the data section", one(shape=(4,), offsets=(0, 16)), "beyond the data section"),
        ("offsets missing", safetensors_bytes({"a": {"dtype": "F32", "shape": [2]}}, two), "data_offsets"),
        ("unknown field", one(x=1), "unknown field 'x'"),
        ("gap before the first tensor", one(shape=(1,), offsets=(4, 8)), "gap of 4 unused bytes"),
        ("overlapping tensors", safetensors_bytes(
            {"a": _tensor(), "b": _tensor(shape=(1,), offsets=(4, 8))}, two), "overlaps"),
        ("trailing bytes after the data", good + b"junk", "4 trailing bytes"),
        ("metadata value not a string", safetensors_bytes({"__metadata__": {"model": 1}}, b""), "is not a string"),
        ("tensors missing for the model", good, "missing"),
        ("unknown model name in the metadata", safetensors_bytes(
            {"__metadata__": {"model": "ffnet_nope"}, "a": _tensor()}, two), "metadata names an unknown model"),
    ]


def safetensors_truncations(path):
    """Cuts of a real converted model at each structural boundary: inside and at the end of the
    length field, inside and at the end of the header, at the start, middle and end of the first,
    a middle and the last tensor. Yields (name, cut length) so callers write only a prefix."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    size = Path(path).stat().st_size
    header.pop("__metadata__", None)
    spans = sorted(tuple(t["data_offsets"]) for t in header.values())
    cuts = {"empty": 0, "inside the length field": 4, "after the length field": 8,
            "inside the header": 8 + n // 2, "after the header": 8 + n}
    for label, (begin, end) in (("first", spans[0]), ("middle", spans[len(spans) // 2]), ("last", spans[-1])):
        cuts[f"at the start of the {label} tensor"] = 8 + n + begin
        cuts[f"inside the {label} tensor"] = 8 + n + (begin + end) // 2
    cuts["one byte short"] = size - 1
    return [(f"cut {name} (byte {cut})", cut) for name, cut in cuts.items() if cut < size]


def npy_bytes(header, data, magic=b"\x93NUMPY", header_len=None):
    """A version 1.0 .npy file; header_len overrides the header's length field."""
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    length = len(header) if header_len is None else header_len
    return magic + b"\x01\x00" + struct.pack("<H", length) + header.encode("latin1") + data


def npy_cases():
    data = bytes(4 * 3 * 32 * 32)
    ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 32, 32), }"
    good = npy_bytes(ok, data)
    header_end = len(good) - len(data)
    cases = [
        ("bad magic", npy_bytes(ok, data, magic=b"\x93NUMPZ"), "bad magic"),
        ("unsupported version", good[:6] + b"\x04" + good[7:], "unsupported .npy version"),
        ("header length past the end", npy_bytes(ok, b"", header_len=5000), ANY),
        ("header not a dict", npy_bytes("['descr', '<f4']", data), ANY),
        ("float64", npy_bytes(ok.replace("<f4", "<f8"), data + data), "'<f8' is not"),
        ("big-endian float32", npy_bytes(ok.replace("<f4", ">f4"), data), "is not little-endian"),
        ("Fortran order", npy_bytes(ok.replace("False", "True"), data), "Fortran"),
        ("key missing", npy_bytes("{'descr': '<f4', 'shape': (1, 3, 32, 32), }", data), "must give"),
        ("key repeated", npy_bytes(ok.replace("'shape'", "'descr': '<f4', 'shape'"), data), "repeated"),
        ("negative dimension", npy_bytes(ok.replace("(1, 3", "(-1, 3"), data), "non-negative"),
        ("shape too large", npy_bytes(ok.replace("32, 32", "99999999999, 99999999999"), b""), "too large"),
        ("data shorter than the shape", good[:-4], "shape needs"),
        ("data longer than the shape", good + b"\0\0\0\0", "shape needs"),
        ("text after the header dict", npy_bytes(ok + " x", data), "after the header"),
        ("not 1x3xHxW", npy_bytes(ok.replace("(1, 3,", "(1, 4,"), data + bytes(4 * 32 * 32)), ANY),
    ]
    assert struct.unpack("<H", good[8:10])[0] + 10 == header_end
    for name, cut in (("inside the magic", 3), ("after the magic", 6), ("after the version", 8),
                      ("after the header length", 10), ("inside the header", 40),
                      ("after the header", header_end), ("inside the data", header_end + len(data) // 2)):
        cases.append((f"cut {name} (byte {cut})", good[:cut], ANY))
    return cases


def _png_boundaries(data):
    """Offsets where each PNG chunk starts, its data starts, and its CRC starts."""
    offsets, at = [8], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        offsets += [at + 8, at + 8 + length, at + 12 + length]
        at += 12 + length
    return sorted(set(o for o in offsets if o < len(data)))


def _jpeg_markers(data):
    """Offsets of the JPEG markers after SOI up to the start of scan (APPn, DQT, SOF, DHT, SOS)."""
    offsets, at = [], 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        offsets.append(at)
        marker = data[at + 1]
        (length,) = struct.unpack(">H", data[at + 2:at + 4])
        at += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            offsets.append(at)
            break
    return offsets


def picture_cases():
    """(name, bytes, fragment, suffix)."""
    good_png, good_bmp = png(48, 32), bmp(48, 32)
    good_jpeg = (CORPUS / "image" / "baseline.jpg").read_bytes()
    assert good_jpeg[:2] == b"\xff\xd8"

    def png_with_ihdr(*args, **kwargs):
        return PNG_SIGNATURE + png_ihdr(*args, **kwargs) + good_png[33:]

    broken_zlib = bytearray(good_png)
    broken_zlib[45] ^= 0x55
    broken_zlib = bytes(broken_zlib)
    cases = [
        ("GIF: decoder not compiled in", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "not a decodable", ".gif"),
        ("empty file", b"", ANY, ".png"),
        ("side over 16384", png_with_ihdr(16385, 1), "exceeds the limit", ".png"),
        ("over 100 megapixels", png_with_ihdr(12000, 12000), "exceeds the limit", ".png"),
        ("zero width", png_with_ihdr(0, 32), ANY, ".png"),
        ("bad bit depth", png_with_ihdr(48, 32, bit_depth=7), ANY, ".png"),
        ("damaged zlib stream", broken_zlib, ANY, ".png"),
        ("no IDAT", PNG_SIGNATURE + png_ihdr(48, 32) + png_chunk(b"IEND", b""), ANY, ".png"),
        ("BMP with zero planes", good_bmp[:26] + b"\0\0" + good_bmp[28:], ANY, ".bmp"),
        ("BMP with 7 bits per pixel", good_bmp[:28] + b"\x07\0" + good_bmp[30:], ANY, ".bmp"),
        ("BMP side over 16384", good_bmp[:18] + struct.pack("<i", 20000) + good_bmp[22:], "exceeds the limit", ".bmp"),
        ("JPEG side over 16384", _jpeg_with_size(good_jpeg, 8, 20000), "exceeds the limit", ".jpg"),
    ]
    for cut in _png_boundaries(good_png):
        cases.append((f"PNG cut at byte {cut}", good_png[:cut], ANY, ".png"))
    for cut in (2, 14, 30, 54, 54 + (len(good_bmp) - 54) // 2, len(good_bmp) - 1):
        cases.append((f"BMP cut at byte {cut}", good_bmp[:cut], ANY, ".bmp"))
    for cut in _jpeg_markers(good_jpeg) + [len(good_jpeg) // 2]:
        cases.append((f"JPEG cut at byte {cut}", good_jpeg[:cut], ANY, ".jpg"))
    return cases, {".png": good_png, ".bmp": good_bmp, ".jpg": good_jpeg}


def _jpeg_with_size(data, height, width):
    at = 2
    while data[at + 1] not in (0xC0, 0xC1, 0xC2):
        at += 2 + struct.unpack(">H", data[at + 2:at + 4])[0]
    return data[:at + 5] + struct.pack(">HH", height, width) + data[at + 9:]

