"""The explainer with a keyboard only: the overview's maps are one tab stop moved by the arrow keys, an
opened view takes the focus and keeps it, Esc gives it back to the map that opened it, and the arrow keys
move a formula's output pixel. One page walks the whole path (a page start costs seconds here)."""
from __future__ import annotations

from explainer_page import shown_pixel

FOCUSED = """() => {
    const e = document.activeElement;
    if (!e) return null;
    const place = e.closest('.detail-overlay, .detail-box');
    return {layer: e.dataset.layer || null, index: e.dataset.index ?? null, action: e.dataset.action || null,
            channel: e.dataset.channel ?? null, grid: e.dataset.grid || null,
            view: place ? (place.dataset.view || place.closest('[data-view]')?.dataset.view) : null};
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def test_a_keyboard_walks_the_overview_into_a_view_and_back(page, open_app):
    open_app(page)
    # The overview's 103 maps and classes are one tab stop: Tab reaches it once, and the next Tab leaves it.
    page.focus("#overview-detail")
    for tabs in range(1, 40):
        page.keyboard.press("Tab")
        if focused(page)["layer"] is not None:
            break
    assert focused(page)["layer"] == "input", f"no map after {tabs} Tabs"
    page.keyboard.press("Tab")
    assert focused(page)["layer"] is None, "one Tab should leave the maps"
    page.keyboard.press("Shift+Tab")
    # Arrows: right to the next column (the nearest map in height), down the column, left back.
    page.keyboard.press("ArrowRight")
    start = focused(page)
    assert start["layer"] == "conv_1_1"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert focused(page) == {**start, "index": str(int(start["index"]) + 2)}
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    opener = focused(page)
    assert opener["layer"] == "conv_1_1" and opener["index"] == str(int(start["index"]) + 2)
    assert page.eval_on_selector_all("#overview-svg .map[tabindex='0']", "els => els.length") == 1

    # Enter opens the elastic view with the focus on its first control (the first intermediate row).
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-view='conv-elastic']")
    page.wait_for_function("document.activeElement.closest('.detail-overlay') !== null")
    assert focused(page)["action"] == "channel" and focused(page)["channel"] == "0"
    # Tab and Shift+Tab cycle inside the view (its 3 rows and the animation button), never out to the page.
    controls = page.eval_on_selector_all("[data-view='conv-elastic'] [tabindex='0']", "els => els.length")
    first = focused(page)
    for key in ["Tab"] * controls + ["Shift+Tab"] * (controls + 1):
        page.keyboard.press(key)
        assert focused(page)["view"] == "conv-elastic", f"{key} left the view"
    page.keyboard.press("Tab")
    assert focused(page) == first

    # A row opens its formula box, which takes the focus; Tab stays in the open views.
    while focused(page)["channel"] != "2":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-view='conv-formula']")
    page.wait_for_function("document.activeElement.closest('[data-view=\"conv-formula\"]') !== null")
    for _ in range(12):
        page.keyboard.press("Tab")
        assert focused(page)["view"] in ("conv-formula", "conv-elastic")
        if focused(page)["grid"] == "output":
            break
    assert focused(page)["grid"] == "output"
    # Arrow keys on the output map move the output pixel (paused, in the address) and say where it is.
    page.keyboard.press("Home")
    row, _ = shown_pixel(page)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown" if row == 0 else "ArrowUp")
    moved = (1 if row == 0 else row - 1, 2)
    assert shown_pixel(page) == moved
    assert page.get_attribute("[data-view='conv-formula']", "data-playing") == "false"
    assert f"pixel={moved[0]}%2C{moved[1]}" in page.evaluate("location.hash")
    assert f"output pixel ({moved[0]}, {moved[1]})" in page.text_content("#detail-announce")
    page.wait_for_timeout(600)
    assert shown_pixel(page) == moved, "a pixel moved by the keyboard stays"

    # Esc: back to the elastic view with the focus on the row that opened the box, then to the same map.
    page.keyboard.press("Escape")
    page.wait_for_function("!document.querySelector(\"[data-view='conv-formula']\")")
    page.wait_for_function("document.activeElement.dataset.channel === '2'")
    page.keyboard.press("Escape")
    page.wait_for_function("!document.querySelector('[data-view]')")
    page.wait_for_function("document.activeElement.classList.contains('map')")
    assert focused(page) == opener
