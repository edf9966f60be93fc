"""The overview's maps in the browser against the engine's in CPython, pixel for pixel (test_overview,
test_first_paint)."""
from __future__ import annotations

import numpy as np

from pyapp.images.preprocess import load_image
from pyapp.views.parts import color_range

SAMPLED = [("input", 0), ("input", 2), ("conv_1_1", 3), ("relu_1_2", 7), ("max_pool_1", 1),
           ("conv_2_2", 9), ("max_pool_2", 4)]


def trace_of(native, site, name):
    return native.network.forward(load_image(site.example_file(name)))


def canvas_pixels(page, layer, index) -> np.ndarray:
    data = page.evaluate("""([layer, index]) => {
        const c = document.querySelector(`#overview-svg canvas.map[data-layer="${layer}"][data-index="${index}"]`);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        return [c.height, c.width, Array.from(d.data)];
    }""", [layer, index])
    h, w, values = data
    return np.array(values, dtype=np.uint8).reshape(h, w, 4)


def expected_pixels(native, trace, mode, layer, index) -> np.ndarray:
    ranges = color_range.layer_ranges(trace, native.network, mode)
    return ranges[layer].rgba(trace[layer][index])


def assert_same_picture(shown, expected, where):
    assert shown.shape == expected.shape, where
    diff = np.abs(shown.astype(int) - expected.astype(int)).max(axis=-1)
    # The browser's float32 forward pass may differ from CPython's in the last bit: one colour-table
    # step at a tie, for a handful of pixels at most.
    assert diff.max() <= 6 and (diff == 0).mean() > 0.99, where
