#!/usr/bin/env python3
"""Minimal PNG reading and writing, standard library only.

Writes 8-bit grey or RGB. Reads 8-bit grey, grey+alpha, RGB and RGBA, non-interlaced, with any
of the five row filters (None, Sub, Up, Average, Paeth); alpha is kept, palettes are refused.
Pixels travel as bytes, row-major, `channels` bytes per pixel.
"""
from __future__ import annotations

import itertools
import struct
import zlib
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS_OF_COLOUR_TYPE = {0: 1, 4: 2, 2: 3, 6: 4}
COLOUR_TYPE_OF_CHANNELS = {1: 0, 3: 2}


class PngError(ValueError):
    """The file is not a PNG this module can read."""


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    channels: int
    pixels: bytes  # height * width * channels bytes


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _up_filtered(row: bytes, prev: bytes) -> bytes:
    return bytes((a - b) & 0xFF for a, b in zip(row, prev))


def encode_png(width: int, height: int, channels: int, pixels: bytes, up_filter: bool = False,
               level: int = 6) -> bytes:
    """PNG bytes for 8-bit grey (channels=1) or RGB (channels=3); `up_filter` often compresses
    better, `level` is zlib's (1 fast .. 9 small)."""
    if channels not in COLOUR_TYPE_OF_CHANNELS:
        raise ValueError(f"can write 1 or 3 channels, not {channels}")
    stride = width * channels
    if width <= 0 or height <= 0 or len(pixels) != stride * height:
        raise ValueError(f"{len(pixels)} bytes do not make a {width}x{height}x{channels} picture")
    rows, prev = [], bytes(stride)
    for y in range(height):
        row = bytes(pixels[y * stride:(y + 1) * stride])
        rows.append(b"\x02" + _up_filtered(row, prev) if up_filter else b"\x00" + row)
        prev = row
    header = struct.pack(">IIBBBBB", width, height, 8, COLOUR_TYPE_OF_CHANNELS[channels], 0, 0, 0)
    return (SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), level))
            + chunk(b"IEND", b""))


def write_png(path: str, width: int, height: int, channels: int, pixels: bytes, up_filter: bool = False,
              level: int = 6) -> None:
    with open(path, "wb") as f:
        f.write(encode_png(width, height, channels, pixels, up_filter, level))


def _chunks(data: bytes):
    pos = len(SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if len(body) != length or pos + 12 + length > len(data):
            raise PngError(f"chunk {kind!r} is truncated")
        if struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0] != zlib.crc32(kind + body):
            raise PngError(f"chunk {kind!r} has a bad CRC")
        yield kind, body
        pos += 12 + length
    raise PngError("no IEND chunk")


def _unfilter_row(kind: int, row: bytearray, prev: bytes, bpp: int) -> bytearray:
    """Undo one row's filter in place (PNG spec section 9)."""
    if kind == 0:
        return row
    if kind == 1:  # Sub: running sum per channel
        for c in range(bpp):
            row[c::bpp] = bytes(itertools.accumulate(row[c::bpp], lambda a, b: (a + b) & 0xFF))
    elif kind == 2:  # Up
        row[:] = bytes((a + b) & 0xFF for a, b in zip(row, prev))
    elif kind == 3:  # Average
        for i in range(len(row)):
            left = row[i - bpp] if i >= bpp else 0
            row[i] = (row[i] + ((left + prev[i]) >> 1)) & 0xFF
    elif kind == 4:  # Paeth
        for i in range(len(row)):
            a = row[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            row[i] = (row[i] + predictor) & 0xFF
    else:
        raise PngError(f"unknown filter type {kind}")
    return row


def decode_png(data: bytes) -> Picture:
    if not data.startswith(SIGNATURE):
        raise PngError("not a PNG file")
    header, idat = None, []
    for kind, body in _chunks(data):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise PngError("no IHDR chunk")
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in CHANNELS_OF_COLOUR_TYPE or interlace != 0:
        raise PngError(f"unsupported PNG: bit depth {depth}, colour type {colour_type}, interlace {interlace}")
    channels = CHANNELS_OF_COLOUR_TYPE[colour_type]
    stride = width * channels
    raw = zlib.decompress(b"".join(idat))
    if len(raw) != (stride + 1) * height:
        raise PngError(f"image data holds {len(raw)} bytes, expected {(stride + 1) * height}")
    out, prev = bytearray(), bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        prev = bytes(_unfilter_row(raw[start], bytearray(raw[start + 1:start + 1 + stride]), prev, channels))
        out += prev
    return Picture(width, height, channels, bytes(out))


def read_png(path: str) -> Picture:
    with open(path, "rb") as f:
        return decode_png(f.read())
