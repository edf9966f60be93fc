"""Any image file a user might have, as the 64x64 RGB picture the network sees (Pillow).

``load_image(source)`` gives a (64, 64, 3) float32 array in [0, 1]; ``network_image(source)``
gives the same picture as a 64x64 RGB uint8 PIL image (the page shows it in the custom slot).
``source`` is a path, the file's bytes, or a binary file object.

Steps: read the bytes; open with Pillow (header only) and refuse decompression bombs; for a
JPEG let the decoder shrink it (to no less than twice the target); first frame of an animation;
box-average a big image by an integer factor in its own mode and let the full-size pixels go (so
memory follows the pixel count once, not once per copy); turn it upright from its EXIF orientation;
make it RGB (alpha flattened onto white, 16-bit and float images scaled to 8 bits); crop the
largest centred square; resize to 64x64.

Every problem is one exception, :class:`ImageError`, whose message a person understands.
"""
from __future__ import annotations

import io
import os
import stat
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ImageError

SIZE = 64
# 64 MP: a 48 or 50 MP phone photo (8064x6048, 8160x6144) passes; a decompression bomb (a small file
# claiming 81 MP and more) does not. Decoding holds at most 4 bytes per pixel of it, once (see _shrink).
MAX_PIXELS = 64_000_000
MAX_BYTES = 200_000_000
# LANCZOS is Pillow's sharpest antialiased filter (fine detail matters at 64 px); reducing_gap=3 first
# box-reduces big photos by an integer factor, which is much faster and changes no visible pixel.
RESAMPLE = Image.Resampling.LANCZOS
REDUCING_GAP = 3.0
# A JPEG may be decoded at 1/2 or 1/4 size (3-5x faster for photos) but never below 2x the target;
# not at 1/8: that keeps only each 8x8 block's mean and measurably changes the 64 px result.
DRAFT_SCALES = (4, 2)
DRAFT_FACTOR = 2
WHITE = (255, 255, 255)
BITS = "pyapp.bits"  # our note in im.info of a 16-bit image that Pillow opened as 32-bit
RANGE = "pyapp.range"  # our note in im.info: (min, max) of a 32-bit or float image before it was averaged
# Modes Image.reduce averages correctly (it premultiplies LA/RGBA itself); others are converted first.
REDUCIBLE = ("L", "LA", "La", "RGB", "RGBA", "RGBa", "RGBX", "CMYK", "YCbCr", "LAB", "I", "F")


# -- reading ------------------------------------------------------------------------------------

def _check_regular_file(path) -> None:
    """Refuse what is not a plain file (a FIFO, a device, a socket) without opening it."""
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(path)
    if not stat.S_ISREG(mode):
        kind = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device or socket"
        raise ImageError(f"is {kind}, not an image file")


def _read_bytes(source) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, (str, os.PathLike)):
        try:
            _check_regular_file(source)  # before open(): opening a FIFO with no writer blocks forever
            with open(source, "rb") as f:
                return f.read(MAX_BYTES + 1)
        except FileNotFoundError:
            raise ImageError("no such file") from None
        except IsADirectoryError:
            raise ImageError("is a directory, not an image file") from None
        except PermissionError:
            raise ImageError("permission denied: the file cannot be read") from None
        except OSError as exc:
            raise ImageError(f"cannot read the file ({exc.strerror or exc})") from None
    if hasattr(source, "read"):
        try:
            data = source.read(MAX_BYTES + 1)
        except OSError as exc:
            raise ImageError(f"cannot read the file ({exc.strerror or exc})") from None
        if isinstance(data, str):
            raise ImageError("the file was opened as text; open it in binary mode ('rb')")
        return bytes(data)
    raise ImageError(f"expected a file path, bytes or a file object, got {type(source).__name__}")


def readable_format(mime: str) -> str | None:
    """The name of the format Pillow here decodes for a media type ("image/jpeg": "JPEG"), else None."""
    Image.init()  # registers every format plugin (and its MIME type); cheap after the first call
    return next((name for name, m in sorted(Image.MIME.items()) if m.lower() == mime.lower()), None)


def _not_an_image(data: bytes) -> ImageError:
    """The most helpful message for bytes Pillow does not recognise."""
    head = data[:1024].lstrip()
    lower = head.lower()
    if b"<svg" in lower or (lower.startswith(b"<?xml") and b"svg" in lower):
        return ImageError("SVG drawings are not supported; export it as PNG or JPEG")
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
            return ImageError("HEIC/HEIF photos are not supported; save it as JPEG or PNG")
        if brand in (b"avif", b"avis"):
            return ImageError("AVIF images are not supported; save it as JPEG or PNG")
        return ImageError("this is a video or other media file, not an image")
    if head.startswith(b"%PDF"):
        return ImageError("this is a PDF document, not an image")
    if lower.startswith((b"<!doctype html", b"<html")):
        return ImageError("this is a web page (HTML), not an image")
    return ImageError("not an image file (or in a format that cannot be read)")


def _open(data: bytes) -> Image.Image:
    if not data:
        raise ImageError("the file is empty")
    if len(data) > MAX_BYTES:
        raise ImageError(f"the file is too large (over {MAX_BYTES // 1_000_000} MB)")
    try:
        im = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"the image has too many pixels (the limit is {MAX_PIXELS // 1_000_000} megapixels)") from None
    except UnidentifiedImageError:
        raise _not_an_image(data) from None
    except Exception:  # a recognised format whose header is damaged
        raise ImageError("the image file is damaged (its header cannot be read)") from None
    w, h = im.size
    if w * h > MAX_PIXELS:
        raise ImageError(f"the image has too many pixels ({w} x {h} = {w * h / 1e6:.0f} megapixels; "
                         f"the limit is {MAX_PIXELS // 1_000_000})")
    if w < 1 or h < 1:
        raise ImageError("the image has no pixels")
    return im


def _raw_mode(im: Image.Image) -> str:
    """How the file stores its pixels (e.g. "I;16B"), read from the decoder's tile before loading."""
    try:
        args = im.tile[0][3]
        return args if isinstance(args, str) else str(args[0])
    except (AttributeError, IndexError, TypeError):
        return ""


def _decode(im: Image.Image, size: int) -> Image.Image:
    """Decode the first frame, shrunk by the JPEG decoder when that keeps 2x the target."""
    try:
        im.seek(0)  # animated GIF/PNG/WebP: the first frame
        if im.format == "JPEG":
            w, h = im.size
            scale = next((s for s in DRAFT_SCALES if min(w, h) // s >= DRAFT_FACTOR * size), 1)
            if scale > 1:
                im.draft(None, (w // scale, h // scale))  # the decoder picks exactly this scale
        if im.mode == "I" and _raw_mode(im).startswith("I;16"):
            im.info[BITS] = 16  # a 16-bit PNG opens as 32-bit "I": remember its real range
        im.load()
    except (OSError, EOFError, SyntaxError) as exc:
        if "truncated" in str(exc) or isinstance(exc, EOFError):
            raise ImageError("the image file is incomplete (truncated)") from None
        raise ImageError("the image data is damaged and cannot be decoded") from None
    except MemoryError:
        raise ImageError("the image is too large to decode in the memory available") from None
    except Exception:
        raise ImageError("the image data is damaged and cannot be decoded") from None
    return im


def _reducible(im: Image.Image) -> Image.Image:
    """The image in a mode whose pixels may be averaged (not palette indices; 16-bit as 32-bit "I")."""
    if im.mode in REDUCIBLE:
        return im
    if im.mode.startswith("I;16"):
        im.info[BITS] = 16
        return im.convert("I")
    if im.mode in ("P", "PA"):
        return im.convert("RGBA" if im.mode == "PA" or "transparency" in im.info else "RGB")
    return im.convert("L" if im.mode == "1" else "RGB")


def _shrink(im: Image.Image, size: int) -> Image.Image:
    """A big decoded image box-averaged by an integer factor in its own mode, keeping REDUCING_GAP x
    size pixels on its short side (what resize would do later, but before any RGB or float copy of
    the full-size pixels); the full-size image is closed. Small images come back unchanged."""
    factor = int(min(im.size) // (REDUCING_GAP * size))
    if factor < 2:
        return im
    if im.mode in ("I", "F") or im.mode.startswith("I;16"):
        im.info[RANGE] = im.getextrema()  # the full range decides the scaling, not the averaged one
    work = _reducible(im)
    small = work.reduce(factor)  # with a copy of im.info: the EXIF orientation (TIFF's is applied on load)
    if work is not im:
        work.close()
    im.close()
    return small


# -- making it RGB ------------------------------------------------------------------------------

def upright(im: Image.Image) -> Image.Image:
    """Rotate/flip as the camera's EXIF orientation tag says (a phone photo taken in portrait)."""
    try:
        return ImageOps.exif_transpose(im)
    except Exception:  # a damaged EXIF block: keep the pixels as stored rather than fail
        return im


def _range(im: Image.Image, a: np.ndarray) -> tuple[float, float]:
    """(min, max) of the image as decoded: noted by _shrink before averaging, else of the array."""
    if RANGE in im.info:
        lo, hi = im.info[RANGE]
        if np.isfinite(lo) and np.isfinite(hi):
            return float(lo), float(hi)
    return (float(a.min()), float(a.max())) if a.size else (0.0, 0.0)


def _scaled_to_8_bits(im: Image.Image) -> Image.Image:
    """16-bit, 32-bit integer and float greyscale as 8-bit L (Pillow's own convert would clip at 255).

    One float32 array, changed in place: no float64 copies (the image is small by now, see _shrink)."""
    a = np.nan_to_num(np.array(im, dtype=np.float32), copy=False)  # a writable copy of the small image
    lo, hi = _range(im, a)
    if im.mode.startswith("I;16") or (im.mode == "I" and im.info.get(BITS) == 16):
        a *= np.float32(255 / 65535)
    elif im.mode == "F" and 0 <= lo and hi <= 1:
        a *= np.float32(255)  # already in [0, 1]
    elif im.mode == "I" and 0 <= lo and hi <= 255:
        pass  # already 8-bit values
    elif im.mode == "I" and 0 <= lo and hi <= 65535:
        a *= np.float32(255 / 65535)  # 16-bit PNGs and TIFFs often open as 32-bit "I"
    elif hi > lo:  # any other range: stretch to [0, 255]
        a -= np.float32(lo)
        a *= np.float32(255 / (hi - lo))
    else:
        a[...] = 0
    np.rint(a, out=a)
    np.clip(a, 0, 255, out=a)
    return Image.fromarray(a.astype(np.uint8), "L")


def to_rgb(im: Image.Image) -> Image.Image:
    """RGB with 8 bits per channel; transparency is flattened onto white (as on a white page)."""
    try:
        if im.mode in ("I", "F") or im.mode.startswith("I;16"):
            return _scaled_to_8_bits(im).convert("RGB")
        has_alpha = im.mode in ("RGBA", "RGBa", "LA", "PA") or "transparency" in im.info
        if not has_alpha:
            return im.convert("RGB")
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, WHITE + (255,))
        return Image.alpha_composite(background, rgba).convert("RGB")
    except ValueError:
        raise ImageError(f"images in colour mode {im.mode} are not supported; save it as RGB") from None


# -- square and small ---------------------------------------------------------------------------

def centre_square(width: int, height: int) -> tuple[int, int, int, int]:
    """The largest centred square, as a (left, top, right, bottom) box."""
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    return left, top, left + side, top + side


def square_resize(im: Image.Image, size: int = SIZE) -> Image.Image:
    """Crop the largest centred square and resize it to size x size (smaller images are enlarged)."""
    box = centre_square(*im.size)
    return im.resize((size, size), RESAMPLE, box=box, reducing_gap=REDUCING_GAP)


def prepare(im: Image.Image, size: int = SIZE) -> Image.Image:
    """An already decoded PIL image (e.g. a camera frame) as the size x size RGB picture the network sees."""
    return square_resize(to_rgb(upright(im)), size)


def network_image(source, size: int = SIZE) -> Image.Image:
    """The size x size RGB uint8 PIL image the network sees, from a path, bytes or a file object."""
    data = _read_bytes(source)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow's warnings (e.g. "Corrupt EXIF data") are not the user's problem
        warnings.simplefilter("error", Image.DecompressionBombWarning)  # but a bomb is: make it an exception
        im = _decode(_open(data), size)
        del data  # the file's bytes are not needed past decoding (the caller may still hold them)
        try:
            im = _shrink(im, size)
            return prepare(im, size)
        except ImageError:
            raise
        except MemoryError:
            raise ImageError("the image is too large to process in memory") from None
        except Exception:
            raise ImageError("the image data is damaged and cannot be converted") from None
        finally:
            im.close()


def to_array(im: Image.Image) -> np.ndarray:
    """An RGB uint8 PIL image as float32 (H, W, 3) in [0, 1]."""
    return np.asarray(im.convert("RGB"), dtype=np.float32) / np.float32(255)


def source_size(data: bytes) -> tuple[int, int]:
    """(width, height) as the file stores them, from its header: to say that a small image was enlarged."""
    return _open(data).size


def load_image(source, size: int = SIZE) -> np.ndarray:
    """(size, size, 3) float32 in [0, 1], ready for ``network.forward``."""
    return to_array(network_image(source, size))
