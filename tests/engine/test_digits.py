"""The drawing pad's picture is centred and scaled the way MNIST's digits are: checked on shapes worked out by hand."""
from __future__ import annotations

import numpy as np

from pyapp.images.digits import ink_of_rgba, mnist_centred


def test_a_bar_is_scaled_into_the_20_pixel_box_and_centred_on_its_mass():
    ink = np.zeros((100, 100), np.float32)
    ink[10:50, 30:42] = 1  # 40 rows by 12 columns: scaled by 20/40 to 20 by 6
    out = mnist_centred(ink)
    expected = np.zeros((28, 28), np.float32)
    expected[4:24, 11:17] = 1  # centre of mass (9.5, 2.5) moved to (13.5, 13.5): top 4, left 11
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_an_l_is_placed_by_its_centre_of_mass_not_its_box():
    # An L of 20x20 (a 2-wide bar and a 2-high foot), drawn twice as large in a bigger canvas.
    shape = np.zeros((20, 20), np.float32)
    shape[:, 0:2] = 1
    shape[18:20, 2:] = 1
    ink = np.zeros((120, 120), np.float32)
    ink[30:70, 50:90] = np.kron(shape, np.ones((2, 2), np.float32))
    out = mnist_centred(ink)
    # Mass: the bar's 40 pixels and the foot's 36. Centre of mass: rows (2 * 190 + 18 * (18 + 19)) / 76 = 13.76,
    # columns (20 * 1 + 2 * 189) / 76 = 5.24; so top = round(13.5 - 13.76) = 0, left = round(13.5 - 5.24) = 8
    # (centring the box would have put it at 4, 4).
    expected = np.zeros((28, 28), np.float32)
    expected[0:20, 8:28] = shape
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_an_empty_pad_is_a_black_picture_and_the_canvas_bytes_are_read_as_brightness():
    assert not mnist_centred(np.zeros((50, 50))).any()
    rgba = np.zeros((2, 3, 4), np.uint8)
    rgba[1, 2] = (255, 255, 255, 255)
    rgba[0, 0] = (0, 51, 0, 255)
    ink = ink_of_rgba(rgba.tobytes(), 3, 2)
    assert ink.shape == (2, 3) and ink[1, 2] == 1 and ink[0, 0] == np.float32(0.2) and ink.sum() == np.float32(1.2)
