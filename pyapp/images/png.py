"""Plain PNG files without Pillow: written with NumPy and zlib, read back when they are of that plain kind.

The page starts before Pillow loads (page/pillow.py), so everything it encodes or decodes on the first
screen goes through here; ``input_pixels`` turns a trace's input back into the picture to encode.
"""
from __future__ import annotations

import struct
import zlib

import numpy as np

# Level 1 deflate: as fast as storing in Pyodide, and 5x smaller strings to pass to the page.
PNG_COMPRESS_LEVEL = 1


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_COLOUR_TYPE = {1: 0, 3: 2, 4: 6}  # channels -> PNG colour type (grey, RGB, RGBA)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(pixels: np.ndarray, compress_level: int = PNG_COMPRESS_LEVEL) -> bytes:
    """A uint8 array (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA as PNG file bytes.

    Written directly with NumPy and zlib: about twice as fast as Pillow's encoder for the
    overview's hundred small maps, where the per-image overhead dominates (tests/bench/bench_overview.py).
    """
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8:
        raise TypeError(f"image data must be uint8, not {pixels.dtype}")
    channels = 1 if pixels.ndim == 2 else (pixels.shape[2] if pixels.ndim == 3 else 0)
    if channels not in _PNG_COLOUR_TYPE or min(pixels.shape[:2]) < 1:
        raise ValueError(f"image data must be (H, W), (H, W, 3) or (H, W, 4), not {pixels.shape}")
    height, width = pixels.shape[:2]
    rows = np.zeros((height, 1 + width * channels), np.uint8)  # each row: filter byte 0, then pixels
    rows[:, 1:] = pixels.reshape(height, width * channels)
    header = struct.pack(">IIBBBBB", width, height, 8, _PNG_COLOUR_TYPE[channels], 0, 0, 0)
    return (_PNG_SIGNATURE + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(rows.tobytes(), compress_level)) + _png_chunk(b"IEND", b""))


def png_pixels(data: bytes) -> np.ndarray:
    """The pixels of a PNG that ``png_bytes`` wrote, as the uint8 array it was given.

    The page reads its example pictures (which the build writes with ``png_bytes``) with this instead of
    Pillow, so the first screen does not wait for Pillow to load. Any other PNG (another bit depth,
    interlaced, filtered rows) is a ValueError: Pillow reads those (pyapp.images.preprocess).
    """
    if data[:8] != _PNG_SIGNATURE:
        raise ValueError("not a PNG file")
    chunks, at = {}, 8
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        chunks[kind] = chunks.get(kind, b"") + data[at + 8:at + 8 + length]  # IDAT may come in pieces
        at += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks.get(b"IHDR", b"")[:13] or bytes(13))
    channels = {type_: n for n, type_ in _PNG_COLOUR_TYPE.items()}.get(colour)
    if depth != 8 or channels is None or interlace or not width or not height:
        raise ValueError("not a PNG of the plain kind png_bytes writes")
    rows = np.frombuffer(zlib.decompress(chunks.get(b"IDAT", b"")), np.uint8)
    if rows.size != height * (1 + width * channels):
        raise ValueError("the PNG's pixel data does not match its size")
    rows = rows.reshape(height, 1 + width * channels)
    if rows[:, 0].any():
        raise ValueError("the PNG's rows are filtered: not one png_bytes wrote")
    shape = (height, width) if channels == 1 else (height, width, channels)
    return rows[:, 1:].reshape(shape).copy()


def input_pixels(trace) -> np.ndarray:
    """The (3, H, W) input in [0, 1] of a trace as an (H, W, 3) uint8 picture."""
    return np.clip(np.rint(np.moveaxis(trace["input"], 0, -1) * 255), 0, 255).astype(np.uint8)
