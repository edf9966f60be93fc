"""The receptive field in a real browser: pointing at a pixel outlines the input patch it depends on."""
from __future__ import annotations

import pytest
from explainer_page import shot


def map_box(page, layer: str, index: int) -> dict:
    return page.locator(f"#overview-svg .map[data-layer='{layer}'][data-index='{index}']").bounding_box()


def point_at(page, layer: str, index: int, row: int, col: int, size: int) -> None:
    box = map_box(page, layer, index)
    page.mouse.move(box["x"] + (col + 0.5) * box["width"] / size, box["y"] + (row + 0.5) * box["height"] / size)


def test_receptive_field_of_a_pool_pixel_outlines_its_16x16_input_patch(page, open_app):
    open_app(page, "#image=koala")
    page.click("#rf-toggle")
    assert page.get_attribute("#rf-toggle", "aria-pressed") == "true"
    assert "point at any pixel" in page.inner_text("#rf-caption").lower()
    point_at(page, "max_pool_2", 3, 2, 5, 13)
    overlay = "#overview-svg .rf-overlay[data-layer='max_pool_2'][data-index='3'][data-row='2'][data-col='5']"
    page.wait_for_selector(overlay, state="attached")
    assert page.inner_text("#rf-caption") == ("max_pool_2 (2, 5) sees a 16x16 patch of the input "
                                              "(rows 8-23, columns 20-35)")
    # every input channel: a 16x16-pixel square at rows 8.., columns 20.. of the 64x64 map, where the user sees it
    for channel in range(3):
        outline = page.locator(f"{overlay} rect[data-column='input'][data-index='{channel}']").bounding_box()
        image = map_box(page, "input", channel)
        pixel = image["width"] / 64
        assert outline["x"] == pytest.approx(image["x"] + 20 * pixel, abs=1.5)
        assert outline["y"] == pytest.approx(image["y"] + 8 * pixel, abs=1.5)
        assert outline["width"] == pytest.approx(16 * pixel, abs=2) and outline["height"] == pytest.approx(16 * pixel, abs=2)
    # a pool pixel reads only map 3 back to conv_2_2, then all ten maps of every earlier layer
    drawn = page.eval_on_selector_all(f"{overlay} rect", "rs => rs.map(r => r.dataset.column + '/' + r.dataset.index)")
    assert "conv_2_2/3" in drawn and "conv_2_2/4" not in drawn and "relu_2_1/9" in drawn
    assert len(drawn) == 3 + 7 * 10 + 3
    shot(page, "receptive-field")
    # the outline stays when the pointer leaves; the arrow keys move the picked pixel of the focused map
    page.mouse.move(5, 5)
    page.focus("#overview-svg .map[data-layer='conv_1_1'][data-index='0']")
    page.wait_for_selector("#overview-svg .rf-overlay[data-layer='conv_1_1'][data-row='31'][data-col='31']",
                           state="attached")
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("#overview-svg .rf-overlay[data-layer='conv_1_1'][data-col='32']", state="attached")
    assert "3x3 patch" in page.inner_text("#rf-caption")
    page.keyboard.press("Shift+ArrowDown")  # Shift+arrows move between maps while the arrows pick pixels
    page.wait_for_selector("#overview-svg .rf-overlay[data-layer='conv_1_1'][data-index='1']", state="attached")
    assert page.evaluate("document.activeElement.dataset.index") == "1"
    page.click("#rf-toggle")
    assert page.locator("#overview-svg .rf-overlay").count() == 0 and not page.is_visible("#rf-caption")
