"""PNG and BMP files written byte by byte (standard library only), so tests can build valid
pictures and then break exactly one field of them."""
import struct
import zlib

from published_models import SCRIPTS  # noqa: F401  (puts scripts/ on sys.path)
from png_io import CHANNELS_OF_COLOUR_TYPE, SIGNATURE as PNG_SIGNATURE, chunk as png_chunk  # noqa: E402

PNG_CHANNELS = {**CHANNELS_OF_COLOUR_TYPE, 3: 1}  # colour type -> samples per pixel, palette too


def png_ihdr(width: int, height: int, bit_depth: int = 8, color_type: int = 2, interlace: int = 0) -> bytes:
    return png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, interlace))


def png(width: int, height: int, bit_depth: int = 8, color_type: int = 2, seed: int = 1,
        palette: bytes = b"") -> bytes:
    """A non-interlaced PNG whose samples follow a simple pattern (filter 0 on every row)."""
    samples = width * PNG_CHANNELS[color_type]
    row_bytes = (samples * bit_depth + 7) // 8
    raw = b"".join(b"\x00" + bytes((seed * 31 + y * 7 + x * 13) & 0xFF for x in range(row_bytes))
                   for y in range(height))
    body = png_ihdr(width, height, bit_depth, color_type)
    if color_type == 3:
        body += png_chunk(b"PLTE", palette or bytes(range(48)))
    return PNG_SIGNATURE + body + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b"")


def bmp(width: int, height: int, bits: int = 24, seed: int = 1) -> bytes:
    """An uncompressed bottom-up BMP (BITMAPINFOHEADER) of 24 or 32 bits per pixel."""
    row = (width * bits // 8 + 3) // 4 * 4
    pixels = b"".join(bytes((seed + y * 5 + x * 3) & 0xFF for x in range(row)) for y in range(height))
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, bits, 0, len(pixels), 2835, 2835, 0, 0)
    header = struct.pack("<2sIHHI", b"BM", 14 + len(info) + len(pixels), 0, 0, 14 + len(info))
    return header + info + pixels
