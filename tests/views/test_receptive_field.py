"""The receptive field (pyapp/views/widgets/receptive_field.py): the input window behind a pixel, against the engine."""
from __future__ import annotations

import numpy as np
import pytest
from engine_fixtures import network_of

from pyapp.ui.geometry import NODE_SIZE, overview_layout
from pyapp.ui.state import State
from pyapp.views.widgets import receptive_field as rf


def test_max_pool_2_pixel_outlines_a_16_pixel_square_on_every_input_channel(network):
    grid = overview_layout(network)
    column = grid.column("input")
    boxes = [b for b in rf.boxes(network, rf.Pick("max_pool_2", 4, 2, 5)) if b.column == "input"]
    assert [b.index for b in boxes] == [0, 1, 2]
    scale = NODE_SIZE / 64
    for box in boxes:
        assert box.rows == (8, 24) and box.cols == (20, 36)
        assert box.x == pytest.approx(column.x + 20 * scale) and box.width == pytest.approx(16 * scale)
        assert box.y == pytest.approx(column.ys[box.index] + 8 * scale) and box.height == pytest.approx(16 * scale)


def test_pool_and_relu_pixels_read_only_their_own_channel_until_a_conv(network):
    picked = rf.channels(network, "max_pool_2", 7)
    assert picked["max_pool_2"] == picked["relu_2_2"] == picked["conv_2_2"] == [7]
    assert picked["relu_2_1"] == list(range(10)) and picked["input"] == [0, 1, 2]
    drawn = {(b.column, b.index) for b in rf.boxes(network, rf.Pick("relu_1_2", 3, 0, 0))}
    assert ("conv_1_2", 3) in drawn and ("conv_1_2", 4) not in drawn and ("relu_1_1", 9) in drawn
    assert not any(b.column in ("max_pool_1", "conv_2_1") for b in rf.boxes(network, rf.Pick("relu_1_2", 3, 0, 0)))


def test_receptive_field_really_is_what_the_pixel_depends_on(network, photo):
    # Change every input pixel outside the outlined patch: the picked value must not move; change one inside: it does.
    pick = rf.Pick("conv_2_1", 2, 5, 9)
    box = next(b for b in rf.boxes(network, pick) if b.column == "input")
    (y0, y1), (x0, x1) = box.rows, box.cols
    before = network.forward(photo)["conv_2_1"][2, 5, 9]
    outside = np.random.default_rng(0).random(photo.shape, dtype=np.float32)
    outside[y0:y1, x0:x1] = photo[y0:y1, x0:x1]
    assert network.forward(outside)["conv_2_1"][2, 5, 9] == pytest.approx(before, abs=1e-5)
    inside = photo.copy()
    inside[y0:y1, x0:x1] = 1 - inside[y0:y1, x0:x1]
    assert abs(network.forward(inside)["conv_2_1"][2, 5, 9] - before) > 1e-4


def test_boxes_stay_inside_their_maps_and_the_picked_pixel_is_one_pixel(network):
    grid = overview_layout(network)
    for pick in (rf.Pick("conv_1_1", 0, 61, 61), rf.Pick("max_pool_1", 9, 0, 29), rf.Pick("relu_2_2", 1, 25, 0)):
        for box in rf.boxes(network, pick):
            column = grid.column(box.column)
            top = column.ys[box.index]
            assert column.x - 1e-9 <= box.x and box.x + box.width <= column.x + NODE_SIZE + 1e-9
            assert top - 1e-9 <= box.y and box.y + box.height <= top + NODE_SIZE + 1e-9
        picked = [b for b in rf.boxes(network, pick) if b.column == pick.layer]
        assert len(picked) == 1 and picked[0].rows == (pick.row, pick.row + 1)


def test_caption_and_overlay_markup(network):
    pick = rf.Pick("conv_2_2", 0, 3, 7)
    assert rf.caption(network, pick) == "conv_2_2 (3, 7) sees a 14x14 patch of the input (rows 6-19, columns 14-27)"
    markup = rf.render(State(), None, network, pick)
    assert markup.startswith('<g class="rf-overlay"') and 'data-caption="conv_2_2 (3, 7) sees a 14x14' in markup
    assert markup.count("<rect") == len(rf.boxes(network, pick))
    assert rf.render(State(), None, network, None).count("<rect") == 0


def test_on_a_later_page_of_maps_the_outlines_are_on_the_maps_that_page_draws():
    """A VGG-style net of 32 maps a layer, on the overview's second page: a conv pixel reads all 32 input maps, and
    each outline sits on one of the maps drawn there, at that map's place (none on the "+ more" row)."""
    network = network_of("vgg-bn")
    grid = overview_layout(network, 1)
    boxes = [b for b in rf.boxes(network, rf.Pick("conv_2", 12, 3, 3), page=1) if b.column == "pool"]
    shown = grid.column("pool").drawn
    assert [b.index for b in boxes] == list(shown) and 0 not in shown
    assert all(grid.column("pool").ys[b.index] <= b.y < grid.column("pool").ys[b.index] + NODE_SIZE for b in boxes)
