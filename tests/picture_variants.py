"""Legal variants of the picture formats ffnet-segment reads, each with the 8-bit RGB pixels it
must decode to: BMP top-down and bottom-up, 24 and 32 bits; PNG 8 and 16 bits, grey, palette,
alpha and interlaced (Adam7); JPEG baseline and progressive. PNG and BMP are written byte by
byte here; the JPEGs by Pillow (libjpeg), as real tools write them.
"""
from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

import numpy as np
from PIL import Image  # Debian's python3-pil (scripts/install_deps.sh test): a real JPEG encoder

from published_models import SCRIPTS  # noqa: F401  (puts scripts/ on sys.path)
from png_io import SIGNATURE, chunk  # noqa: E402

# Adam7: (first row, first column, row step, column step) of each of the seven passes.
ADAM7 = ((0, 0, 8, 8), (0, 4, 8, 8), (4, 0, 8, 4), (0, 2, 4, 4), (2, 0, 4, 2), (0, 1, 2, 2), (1, 0, 2, 1))
COLOUR_TYPE = {"grey": 0, "rgb": 2, "palette": 3, "grey_alpha": 4, "rgba": 6}


@dataclass(frozen=True)
class Variant:
    name: str            # file name, e.g. "png_rgb16.png"
    data: bytes
    expected: np.ndarray  # H x W x 3 uint8: what the decoder must produce
    lossy: bool = False   # JPEG: `expected` is the picture before encoding


def png(samples: np.ndarray, kind: str, interlace: bool = False, palette: np.ndarray | None = None) -> bytes:
    """samples: H x W x channels of uint8 or uint16 (the bit depth), every row filter 0."""
    height, width = samples.shape[:2]
    depth = 16 if samples.dtype == np.uint16 else 8
    big_endian = samples.astype(">u2") if depth == 16 else samples

    def rows(image):
        return b"".join(b"\x00" + image[y].tobytes() for y in range(image.shape[0]))

    if interlace:
        raw = b"".join(rows(big_endian[y0::dy, x0::dx]) for y0, x0, dy, dx in ADAM7
                       if y0 < height and x0 < width)
    else:
        raw = rows(big_endian)
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, COLOUR_TYPE[kind], 0, 0, int(interlace)))
    if palette is not None:
        body += chunk(b"PLTE", palette.astype(np.uint8).tobytes())
    return SIGNATURE + body + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def bmp(rgb: np.ndarray, bits: int, top_down: bool) -> bytes:
    """An uncompressed BMP (BITMAPINFOHEADER, BI_RGB): BGR or BGRX pixels, rows padded to 4 bytes,
    stored bottom-up (positive height) or top-down (negative height)."""
    height, width = rgb.shape[:2]
    pixels = rgb[..., ::-1]
    if bits == 32:
        pixels = np.concatenate([pixels, np.full((height, width, 1), 0x7F, np.uint8)], axis=2)
    row_bytes = width * bits // 8
    pad = b"\0" * (-row_bytes % 4)
    order = range(height) if top_down else range(height - 1, -1, -1)
    data = b"".join(pixels[y].tobytes() + pad for y in order)
    info = struct.pack("<IiiHHIIiiII", 40, width, -height if top_down else height, 1, bits, 0, len(data),
                       2835, 2835, 0, 0)
    header = struct.pack("<2sIHHI", b"BM", 14 + len(info) + len(data), 0, 0, 14 + len(info))
    return header + info + data


def jpeg(rgb: np.ndarray, progressive: bool) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buffer, "JPEG", quality=92, subsampling=0, progressive=progressive)
    return buffer.getvalue()


def posterised(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The picture in at most 256 colours (3 bits red and green, 2 blue): indices and palette."""
    r, g, b = rgb[..., 0] >> 5, rgb[..., 1] >> 5, rgb[..., 2] >> 6
    indices = (r.astype(np.uint16) << 5 | g << 2 | b).astype(np.uint8)
    codes = np.arange(256)
    palette = np.stack([(codes >> 5 & 7) * 36, (codes >> 2 & 7) * 36, (codes & 3) * 85], axis=1).astype(np.uint8)
    return indices, palette


def variants(rgb: np.ndarray) -> list[Variant]:
    """Every variant of the H x W x 3 uint8 picture `rgb`."""
    grey = (rgb.astype(np.uint32) @ np.array([77, 150, 29]) >> 8).astype(np.uint8)
    grey_rgb = np.repeat(grey[..., None], 3, axis=2)
    alpha = ((np.arange(rgb.shape[1]) * 5) % 256).astype(np.uint8)[None, :, None].repeat(rgb.shape[0], 0)
    wide = rgb.astype(np.uint16) * 257  # 16-bit samples whose top byte is the 8-bit value
    indices, palette = posterised(rgb)
    paletted = palette[indices]
    out = [
        Variant("png_rgb8.png", png(rgb, "rgb"), rgb),
        Variant("png_rgb16.png", png(wide, "rgb"), rgb),
        Variant("png_rgb8_interlaced.png", png(rgb, "rgb", interlace=True), rgb),
        Variant("png_rgb16_interlaced.png", png(wide, "rgb", interlace=True), rgb),
        Variant("png_rgba8.png", png(np.concatenate([rgb, alpha], axis=2), "rgba"), rgb),
        Variant("png_rgba16.png", png(np.concatenate([wide, alpha.astype(np.uint16) * 257], axis=2), "rgba"), rgb),
        Variant("png_grey8.png", png(grey[..., None], "grey"), grey_rgb),
        Variant("png_grey16.png", png(grey[..., None].astype(np.uint16) * 257, "grey"), grey_rgb),
        Variant("png_grey_alpha8.png", png(np.concatenate([grey[..., None], alpha], axis=2), "grey_alpha"), grey_rgb),
        Variant("png_palette8.png", png(indices[..., None], "palette", palette=palette), paletted),
        Variant("png_palette8_interlaced.png", png(indices[..., None], "palette", interlace=True, palette=palette),
                paletted),
        Variant("bmp24_bottom_up.bmp", bmp(rgb, 24, top_down=False), rgb),
        Variant("bmp24_top_down.bmp", bmp(rgb, 24, top_down=True), rgb),
        Variant("bmp32_bottom_up.bmp", bmp(rgb, 32, top_down=False), rgb),
        Variant("bmp32_top_down.bmp", bmp(rgb, 32, top_down=True), rgb),
    ]
    # A JPEG's expected pixels are its baseline twin's, as our decoder gives them (the test).
    out.append(Variant("jpeg_baseline.jpg", jpeg(rgb, progressive=False), rgb, lossy=True))
    out.append(Variant("jpeg_progressive.jpg", jpeg(rgb, progressive=True), rgb, lossy=True))
    return out
