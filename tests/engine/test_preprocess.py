"""Preprocessing: any image file a user might have becomes the 64x64 RGB picture the network sees."""
import io
import os
import struct
import traceback
import zlib

import numpy as np
import pytest
from PIL import Image

from pyapp.images import preprocess
from pyapp.images.preprocess import ImageError, load_image, network_image

RED, GREEN, BLUE, WHITE, BLACK = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0)


def encode(im, fmt="PNG", **options):
    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()


def blocks(colours, size=(30, 30), horizontal=True):
    """An image made of equal blocks of colour, side by side (or stacked)."""
    w, h = size
    n = len(colours)
    im = Image.new("RGB", (w * n, h) if horizontal else (w, h * n))
    for i, c in enumerate(colours):
        im.paste(c, (i * w, 0, (i + 1) * w, h) if horizontal else (0, i * h, w, (i + 1) * h))
    return im


def mean_colour(arr, rows=slice(None), cols=slice(None)):
    return np.asarray(arr, dtype=np.float64)[rows, cols].reshape(-1, 3).mean(axis=0)


def close(colour, expected, tol=6):
    return np.all(np.abs(np.asarray(colour) - np.asarray(expected)) <= tol)


# -- the output -----------------------------------------------------------------------------------

def test_output_is_64x64x3_float32_in_unit_range_and_matches_the_shown_image():
    data = encode(Image.effect_mandelbrot((200, 150), (-2, -1.5, 1, 1.5), 100).convert("RGB"))
    arr = load_image(data)
    assert arr.shape == (64, 64, 3) and arr.dtype == np.float32
    assert 0 <= arr.min() and arr.max() <= 1
    shown = network_image(data)
    assert shown.mode == "RGB" and shown.size == (64, 64)
    np.testing.assert_array_equal(arr, np.asarray(shown, np.float32) / 255)


def test_path_bytes_and_file_object_give_the_same_result(tmp_path):
    data = encode(blocks([RED, BLUE]), "JPEG")
    path = tmp_path / "photo.jpg"
    path.write_bytes(data)
    from_path = load_image(path)
    np.testing.assert_array_equal(load_image(str(path)), from_path)
    np.testing.assert_array_equal(load_image(data), from_path)
    with open(path, "rb") as f:
        np.testing.assert_array_equal(load_image(f), from_path)


def test_a_64x64_image_passes_through_unchanged():
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    np.testing.assert_array_equal(np.asarray(network_image(encode(Image.fromarray(pixels)))), pixels)


# -- shape: crop and resize -----------------------------------------------------------------------

def test_wide_image_keeps_its_centre_square():
    arr = np.asarray(network_image(encode(blocks([RED, GREEN, BLUE], (100, 100)))))
    assert close(mean_colour(arr), GREEN, tol=1)


def test_tall_image_keeps_its_centre_square():
    arr = np.asarray(network_image(encode(blocks([RED, GREEN, BLUE], (100, 100), horizontal=False))))
    assert close(mean_colour(arr), GREEN, tol=1)


def test_tiny_image_is_enlarged_not_rejected():
    im = Image.new("RGB", (10, 7), RED)
    im.paste(BLUE, (0, 4, 10, 7))  # bottom 3 rows blue
    arr = np.asarray(network_image(encode(im)))
    assert arr.shape == (64, 64, 3)
    assert close(mean_colour(arr, slice(0, 20)), RED, tol=3)
    assert close(mean_colour(arr, slice(50, 64)), BLUE, tol=3)


def test_fine_detail_is_antialiased_not_aliased():
    # A one-pixel checkerboard shrunk 8x must become even grey; point sampling would give moire or black/white.
    checker = (np.indices((512, 512)).sum(axis=0) % 2 * 255).astype(np.uint8)
    arr = np.asarray(network_image(encode(Image.fromarray(checker))), np.float64)
    assert abs(arr.mean() - 127.5) < 2
    assert arr.std() < 3


def test_huge_jpeg_is_decoded_small_but_looks_the_same():
    # 6000x4000 (24 MP): the JPEG decoder may shrink it, the result must match a full-size decode.
    im = Image.linear_gradient("L").resize((6000, 4000)).convert("RGB")
    im.paste(RED, (2000, 1000, 3000, 3000))  # a red bar left of centre, inside the centre square
    data = encode(im, "JPEG", quality=90)
    fast = np.asarray(network_image(data), np.float64)
    with Image.open(io.BytesIO(data)) as full:
        full = full.convert("RGB")
        slow = np.asarray(full.resize((64, 64), Image.LANCZOS, box=preprocess.centre_square(6000, 4000)), np.float64)
    assert np.abs(fast - slow).mean() < 1.0
    # the bar spans x 2000..3000 of the centre square's 1000..5000 (columns 16..32), y 1000..3000 (rows 16..48)
    assert close(mean_colour(fast, slice(20, 44), slice(19, 29)), RED, tol=12)
    r, g, b = mean_colour(fast, slice(20, 44), slice(36, 64))
    assert abs(r - g) < 3 and abs(g - b) < 3  # right of the bar: still the grey gradient


# -- big images: pixels, not bytes, decide memory ---------------------------------------------------

def test_a_48_megapixel_phone_photo_is_accepted():
    im = Image.linear_gradient("L").resize((8064, 6048))  # a 48 MP sensor's full-size JPEG
    data = encode(im, "JPEG", quality=85)
    arr = np.asarray(network_image(data), np.float64)
    expected = np.asarray(im.resize((64, 64), Image.LANCZOS, box=preprocess.centre_square(8064, 6048)))
    assert np.abs(arr - expected[..., None]).mean() < 1.5


def test_a_big_16_bit_png_is_decoded_without_float_copies_of_its_pixels():
    import tracemalloc

    h, w = 3000, 4000  # 12 MP; the numbers of a 40 MP one are 3.3x larger
    a = np.add.outer(np.arange(h, dtype=np.uint32) * 9, np.arange(w, dtype=np.uint32) * 11) % 65536
    data = encode(Image.fromarray(a.astype(np.uint16), "I;16"))
    tracemalloc.start()  # NumPy's arrays are counted (Pillow's own image memory is not)
    try:
        arr = np.asarray(network_image(data), np.float64)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < h * w  # under one byte per pixel: no float64 (8 bytes/pixel) copy of the full image
    # and the same picture as the 8-bit copy of the file gives
    eight = np.asarray(network_image(encode(Image.fromarray((a // 257).astype(np.uint8), "L"))), np.float64)
    assert np.abs(arr - eight).mean() < 1.0


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_a_big_photo_is_still_turned_upright(fmt):
    stored = blocks([RED, BLUE], (600, 800))  # 1200x800, shrunk by 4 before it is turned
    if fmt == "TIFF":
        data = encode(stored, "TIFF", tiffinfo={0x0112: 6})  # TIFF keeps the orientation in a tag
    else:
        data = with_orientation(stored, 6, fmt)
    arr = np.asarray(network_image(data))
    assert close(mean_colour(arr, slice(0, 24)), RED, tol=10)
    assert close(mean_colour(arr, slice(40, 64)), BLUE, tol=10)


@pytest.mark.parametrize("mode, fmt", [("1", "PNG"), ("P", "PNG"), ("P", "GIF"), ("LA", "PNG"), ("RGBA", "PNG"),
                                       ("CMYK", "TIFF"), ("I;16", "TIFF"), ("F", "TIFF")])
def test_big_images_of_every_mode_look_as_their_small_copies(mode, fmt):
    halves = blocks([(250, 40, 40), (30, 30, 200)], (400, 800))  # 800x800: shrunk by 4 before any conversion
    if mode in ("LA", "RGBA"):
        halves.putalpha(Image.new("L", halves.size, 128))  # half transparent: blended with white
        halves = halves.convert(mode)
    elif mode in ("I;16", "F"):
        halves = Image.fromarray(np.asarray(halves.convert("L"), np.float32) * (257 if mode == "I;16" else 1 / 255)
                                 ).convert("F")
        halves = halves if mode == "F" else Image.fromarray(np.asarray(halves).astype(np.uint16), "I;16")
    elif mode == "1":
        halves = halves.convert("L").convert("1", dither=Image.Dither.NONE)
    elif mode != "P":
        halves = halves.convert(mode)
    else:
        halves = halves.convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    big = np.asarray(network_image(encode(halves, fmt)), np.float64)
    small = np.asarray(network_image(encode(halves.resize((190, 190), Image.NEAREST), fmt)), np.float64)
    assert np.abs(big - small).mean() < 2


def test_a_big_32_bit_image_is_scaled_by_its_full_range_not_the_averaged_one():
    i = np.zeros((800, 800), np.int32)
    i[::8, ::8] = 4000  # values over 255: a 16-bit range, so dim; averaged 4x4 they would look 8-bit and bright
    arr = np.asarray(network_image(encode(Image.fromarray(i, "I"), "TIFF")), np.float64)
    assert arr.max() <= 2  # as dim as the same picture at 64x64 ((4000 / 65535) * 255 / 64 on average)


# -- orientation ----------------------------------------------------------------------------------

def with_orientation(im, orientation, fmt="JPEG"):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(im, fmt, exif=exif.tobytes())


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_exif_orientation_turns_the_photo_upright(fmt):
    # Stored 90x60 with red on the left, blue on the right. Orientation 6 means "rotate 90 degrees clockwise
    # to display": the image becomes 60x90 with red on top; its centre square is 60x60 red top, blue bottom.
    stored = blocks([RED, BLUE], (45, 60))
    arr = np.asarray(network_image(with_orientation(stored, 6, fmt)))
    assert close(mean_colour(arr, slice(0, 24)), RED, tol=10)
    assert close(mean_colour(arr, slice(40, 64)), BLUE, tol=10)
    # Orientation 8 is the other way round: red at the bottom.
    arr = np.asarray(network_image(with_orientation(stored, 8, fmt)))
    assert close(mean_colour(arr, slice(40, 64)), RED, tol=10)
    # Orientation 3 is upside down: red on the right.
    arr = np.asarray(network_image(with_orientation(blocks([RED, BLUE], (40, 80)), 3, fmt)))
    assert close(mean_colour(arr, slice(None), slice(40, 64)), RED, tol=10)


def test_damaged_exif_does_not_stop_the_image(recwarn):
    data = encode(blocks([RED, RED]), "JPEG", exif=b"Exif\x00\x00II*\x00\xff\xff\xff\x7f")
    assert close(mean_colour(network_image(data)), RED, tol=6)
    assert len(recwarn) == 0  # Pillow's "Corrupt EXIF data" warning would be noise on a command line


# -- colour modes ---------------------------------------------------------------------------------

def test_greyscale_becomes_three_equal_channels():
    arr = np.asarray(network_image(encode(Image.new("L", (80, 80), 100))))
    assert np.all(arr == 100)


def test_black_and_white_bilevel():
    arr = np.asarray(network_image(encode(Image.new("1", (70, 70), 1))))
    assert np.all(arr == 255)


def test_transparent_pixels_become_white_and_half_transparent_is_blended():
    im = Image.new("RGBA", (80, 80), (0, 0, 0, 0))  # fully transparent BLACK must not come out black
    im.paste((255, 0, 0, 128), (0, 40, 80, 80))
    arr = np.asarray(network_image(encode(im)))
    assert close(mean_colour(arr, slice(0, 28)), WHITE, tol=1)
    assert close(mean_colour(arr, slice(36, 64)), (255, 127, 127), tol=2)


def test_greyscale_with_alpha():
    arr = np.asarray(network_image(encode(Image.new("LA", (70, 70), (0, 0)))))
    assert np.all(arr == 255)


def test_palette_with_transparency_flattens_onto_white():
    im = Image.new("P", (70, 70), 0)
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    im.paste(1, (0, 35, 70, 70))  # bottom half red, top half index 0 = transparent black
    arr = np.asarray(network_image(encode(im, "GIF", transparency=0)))
    assert close(mean_colour(arr, slice(0, 28)), WHITE, tol=1)
    assert close(mean_colour(arr, slice(36, 64)), RED, tol=1)


def test_palette_without_transparency():
    im = Image.new("P", (70, 70), 1)
    im.putpalette([0, 0, 0, 0, 0, 255] + [0] * 762)
    assert close(mean_colour(network_image(encode(im))), BLUE, tol=0)


@pytest.mark.parametrize("fmt", ["JPEG", "TIFF"])
def test_cmyk(fmt):
    im = Image.new("CMYK", (80, 80), (0, 0, 0, 0))  # no ink: white
    im.paste((255, 0, 0, 0), (0, 40, 80, 80))  # full cyan
    arr = np.asarray(network_image(encode(im, fmt)))
    assert close(mean_colour(arr, slice(0, 28)), WHITE, tol=4)
    assert close(mean_colour(arr, slice(36, 64)), (0, 255, 255), tol=4)


def test_16_bit_greyscale_png_uses_the_full_range():
    a = np.full((70, 70), 65535, np.uint16)
    a[35:] = 32896  # 0x8080: half way
    data = encode(Image.fromarray(a, "I;16"))
    with Image.open(io.BytesIO(data)) as check:
        assert check.mode in ("I;16", "I")  # stored with 16 bits
    arr = np.asarray(network_image(data))
    assert close(mean_colour(arr, slice(0, 28)), WHITE, tol=1)
    assert close(mean_colour(arr, slice(36, 64)), (128, 128, 128), tol=1)


def test_dark_16_bit_png_stays_dark():
    # Values up to 255 out of 65535 are nearly black, even though Pillow opens the file as 32-bit "I".
    a = np.full((70, 70), 255, np.uint16)
    arr = np.asarray(network_image(encode(Image.fromarray(a, "I;16"))))
    assert np.all(arr == 1)


def test_32_bit_integer_and_float_images():
    i = np.full((70, 70), 65535, np.int32)
    i[35:] = 0
    arr = np.asarray(network_image(encode(Image.fromarray(i, "I"), "TIFF")))
    assert close(mean_colour(arr, slice(0, 28)), WHITE, tol=1)
    assert close(mean_colour(arr, slice(36, 64)), BLACK, tol=1)
    f = np.full((70, 70), 0.5, np.float32)
    arr = np.asarray(network_image(encode(Image.fromarray(f, "F"), "TIFF")))
    assert close(mean_colour(arr), (128, 128, 128), tol=1)
    f = np.linspace(-3, 40, 70 * 70, dtype=np.float32).reshape(70, 70)  # any range: stretched to black..white
    arr = np.asarray(network_image(encode(Image.fromarray(f, "F"), "TIFF")), np.float64)
    assert arr[0].mean() < 20 and arr[-1].mean() > 235


def test_animated_gif_uses_the_first_frame():
    frames = [Image.new("P", (60, 60), i) for i in (1, 2)]
    for f in frames:
        f.putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255] + [0] * 759)
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    with Image.open(io.BytesIO(data)) as check:
        assert check.n_frames == 2
    assert close(mean_colour(network_image(data)), RED, tol=0)


def test_webp_and_bmp():
    for fmt in ("WEBP", "BMP"):
        assert close(mean_colour(network_image(encode(Image.new("RGB", (90, 70), GREEN), fmt))), GREEN, tol=3)


def test_an_opened_pil_image_is_prepared_the_same_way():
    im = Image.open(io.BytesIO(with_orientation(blocks([RED, BLUE], (45, 60)), 6)))
    np.testing.assert_array_equal(np.asarray(preprocess.prepare(im)),
                                  np.asarray(network_image(with_orientation(blocks([RED, BLUE], (45, 60)), 6))))


# -- bad files: one exception type, a message a person understands ----------------------------------

def png_claiming_size(width, height):
    """A PNG whose header claims width x height (no need to hold those pixels in memory)."""
    data = bytearray(encode(Image.new("L", (1, 1))))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


@pytest.mark.parametrize("data,words", [
    (b"", "empty"),
    (b"hello, this is text, not a picture\n" * 10, "not an image"),
    (encode(blocks([RED, BLUE], (200, 200)), "JPEG")[:1500], "truncated"),
    (encode(blocks([RED, BLUE], (200, 200)), "PNG")[:300], "truncated"),
    (png_claiming_size(9000, 8000), "too many pixels"),  # 72 MP, over our 64 MP limit
    (png_claiming_size(20000, 20000), "too many pixels"),  # 400 MP: Pillow's own bomb error
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "SVG"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100, "HEIC"),
    (b"%PDF-1.4\n%" + b"\x00" * 200, "PDF"),
])
def test_bad_files_raise_one_clear_error(data, words):
    with pytest.raises(ImageError) as info:
        load_image(data)
    message = str(info.value)
    assert words.lower() in message.lower()
    assert "Traceback" not in message and "PIL" not in message
    shown = "".join(traceback.format_exception(info.value))  # what a visitor's console would print
    assert "During handling of the above exception" not in shown and "direct cause" not in shown


def test_image_error_is_a_value_error():
    assert issubclass(ImageError, ValueError)


def test_a_bomb_warning_from_pillow_is_our_error_too(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow warns above this, errors above twice it
    with pytest.raises(ImageError, match="too many pixels"):
        load_image(encode(Image.new("RGB", (40, 40))))  # 1600 px: a warning, not yet an error


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        load_image(tmp_path / "nope.jpg")
    with pytest.raises(ImageError, match="directory"):
        load_image(tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.png"
    path.write_bytes(encode(Image.new("RGB", (8, 8))))
    path.chmod(0)
    with pytest.raises(ImageError, match="permission denied"):
        load_image(path)


def test_permission_denied_is_explained_even_when_running_as_root(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    secret = tmp_path / "secret.png"
    secret.write_bytes(encode(Image.new("RGB", (8, 8))))
    monkeypatch.setattr(preprocess, "open", refuse, raising=False)  # shadows the builtin inside preprocess
    with pytest.raises(ImageError, match="permission denied"):
        load_image(secret)


def test_text_mode_file_object_is_explained(tmp_path):
    path = tmp_path / "a.png"
    path.write_bytes(encode(Image.new("RGB", (8, 8))))
    with open(path, encoding="latin-1") as f, pytest.raises(ImageError, match="binary mode"):
        load_image(f)


def test_unsupported_colour_mode():
    im = Image.new("BGR;16", (70, 70))
    with pytest.raises(ImageError, match="BGR;16"):
        preprocess.to_rgb(im)
