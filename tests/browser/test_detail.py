"""The detail views in a real browser: opened from the overview, stepping, pinned by hover, played and
paused, closed, and showing the same numbers as the engine in CPython.

One page per test (a page start costs seconds on this machine); each test walks through several views.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from explainer_page import app_status, shown_pixel
from pyapp.views.detail import registry

IMAGE = "espresso"  # the default example: what the page shows without a hash
RTOL = 1e-5
# Logits are float32 sums of 1690 products, added in another order by Pyodide's NumPy than natively: ~1e-6 apart.
LOGIT_ATOL = 1e-5


@pytest.fixture(scope="module")
def trace(site, native):
    from pyapp.images.preprocess import load_image

    return native.network.forward(load_image(site.example_file(IMAGE)))


def value(page, key: str, root: str = "") -> float:
    return float(page.get_attribute(f"{root} [data-u='{key}']".strip(), "data-value"))


def open_map(page, layer: str, index: int, view: str) -> None:
    page.click(f"#overview-svg .map[data-layer='{layer}'][data-index='{index}']")
    page.wait_for_selector(f"[data-view='{view}'][data-layer='{layer}']")


def hover_cell(page, role: str, row: int, col: int) -> None:
    """Put the pointer on the middle of one cell of a box's input or output map."""
    grid = page.locator(f".detail-box [data-grid='{role}']")
    rows, cols = int(grid.get_attribute("data-rows")), int(grid.get_attribute("data-cols"))
    box = grid.bounding_box()
    page.mouse.move(box["x"] + (col + 0.5) * box["width"] / cols, box["y"] + (row + 0.5) * box["height"] / rows)


def open_views(page) -> list[str]:
    return page.eval_on_selector_all("[data-view]", "els => els.map(e => e.dataset.view)")


def controls_locked(page) -> bool:
    return page.eval_on_selector("#examples", "e => e.classList.contains('controls-locked') && e.inert")


def check_stepping_pin_play_close(page, view: str, step_ms: int) -> None:
    """The window steps on its own; a hover pins it (paused, in the address); play resumes; close."""
    first = shown_pixel(page)
    page.wait_for_timeout(step_ms * 2 + 300)
    assert shown_pixel(page) != first, "the window should step on its own"
    hover_cell(page, "output", 3, 5)
    page.wait_for_function("document.querySelector('[data-u=pixel]').dataset.row === '3'")
    assert shown_pixel(page) == (3, 5)
    assert page.get_attribute(f"[data-view='{view}']", "data-playing") == "false"
    assert "pixel=3%2C5" in page.evaluate("location.hash")
    page.mouse.move(5, 5)  # leave the box: the pin stays
    page.wait_for_timeout(step_ms * 2 + 300)
    assert shown_pixel(page) == (3, 5), "a pinned window must not move"
    page.click(f"[data-view='{view}'] [data-action='play']")
    page.wait_for_function("document.querySelector('[data-u=pixel]').dataset.col !== '5'",
                           timeout=step_ms * 4 + 2000)
    assert page.get_attribute(f"[data-view='{view}']", "data-playing") == "true"
    assert "pixel=" not in page.evaluate("location.hash")
    page.click(f"[data-view='{view}'] [data-action='close']")
    page.wait_for_function(f"!document.querySelector('[data-view=\"{view}\"]')")
    assert not controls_locked(page)
    assert page.get_attribute("#overview-svg", "data-detail") is None


def test_relu_and_pool_views_show_the_traced_numbers_and_step_pin_play_close(page, open_app, trace):
    open_app(page)
    assert not controls_locked(page)
    for view, layer, index, step_ms in (("relu", "relu_1_1", 2, 250), ("relu", "relu_2_2", 7, 250),
                                        ("pool", "max_pool_1", 3, 1000), ("pool", "max_pool_2", 9, 1000)):
        open_map(page, layer, index, view)
        assert controls_locked(page), "the top controls are off while a detail view is open"
        # Pin a pixel and read every number the formula shows.
        hover_cell(page, "input", 9, 4)
        stride = 2 if view == "pool" else 1
        y, x = 9 // stride, 4 // stride
        page.wait_for_function(f"document.querySelector('[data-u=pixel]').dataset.row === '{y}'")
        assert shown_pixel(page) == (y, x)
        source = trace[{"relu_1_1": "conv_1_1", "relu_2_2": "conv_2_2", "max_pool_1": "relu_1_2",
                        "max_pool_2": "relu_2_2"}[layer]][index]
        if view == "relu":
            assert value(page, "x") == pytest.approx(float(source[y, x]), rel=RTOL, abs=1e-6)
            assert value(page, "y") == pytest.approx(float(trace[layer][index, y, x]), rel=RTOL, abs=1e-6)
            assert value(page, "act-out") == pytest.approx(max(0.0, value(page, "x")), abs=0)
        else:
            window = [value(page, f"w{i}") for i in range(4)]
            assert window == pytest.approx(source[2 * y:2 * y + 2, 2 * x:2 * x + 2].ravel().tolist(), rel=RTOL,
                                           abs=1e-6)
            assert value(page, "v") == pytest.approx(float(trace[layer][index, y, x]), rel=RTOL, abs=1e-6)
            winner = page.eval_on_selector_all("[data-view='pool'] [data-max='true']", "els => els.length")
            assert winner == 1
        page.click(f"[data-view='{view}'] [data-action='play']")  # play again, then the common checks
        check_stepping_pin_play_close(page, view, step_ms)


def test_conv_elastic_and_formula_views(page, open_app, trace, native):
    network = native.network
    open_app(page)
    for layer, index, channel in (("conv_1_1", 0, 1), ("conv_2_2", 5, 7)):
        open_map(page, layer, index, "conv-elastic")
        c_in = network.layer(layer).in_channels
        overlay = "#overview-svg .detail-overlay[data-view='conv-elastic']"
        assert page.eval_on_selector_all(f"{overlay} image.intermediate", "els => els.length") == c_in
        assert float(page.get_attribute(overlay, "data-bias")) == network.bias(layer, index)
        # The overview makes room: the layer's column (early layers) or its input column (later ones)
        # slid aside; the layer's other maps faded.
        page.wait_for_timeout(700)  # the slide takes 500 ms
        moved = [page.eval_on_selector(f"[data-column='{name}']", "e => getComputedStyle(e).transform")
                 for name in (layer, network.sources[layer])]
        assert sum(t not in ("none", "matrix(1, 0, 0, 1, 0, 0)") for t in moved) == 1
        faded = page.eval_on_selector(f"[data-column='{layer}'] .map[data-index='{(index + 1) % 10}']",
                                      "e => getComputedStyle(e.closest('.map-box') || e).opacity")
        assert float(faded) < 0.5
        # The kernel slides on its own; skip reveals everything; replay starts again.
        page.wait_for_function(f"+document.querySelector(\"{overlay}\").dataset.tick >= 2", timeout=5000)
        page.click(f"{overlay} [data-action='animation']")
        assert page.get_attribute(overlay, "data-done") == "true"
        page.click(f"{overlay} [data-action='animation']")
        assert page.get_attribute(overlay, "data-done") == "false"
        # Hovering a kernel glyph shows its weights, which are the network's.
        glyph = f"{overlay} .kernel-glyph[data-channel='{channel}']"
        weights = [float(w) for w in page.get_attribute(glyph, "data-weights").split()]
        assert weights == network.kernel(layer, index)[channel].ravel().tolist()
        page.hover(glyph)
        assert page.text_content(f"{overlay} [data-role='hover-info']").startswith("Kernel weights: [")

        # A click on an intermediate row opens the formula view of that channel.
        page.click(f"{overlay} .row-hit[data-channel='{channel}']")
        page.wait_for_selector("[data-view='conv-formula']")
        assert set(open_views(page)) == {"conv-elastic", "conv-formula"}
        box = "[data-view='conv-formula']"
        hover_cell(page, "output", 4, 6)
        page.wait_for_function("document.querySelector('[data-u=pixel]').dataset.row === '4'")
        source = trace[network.sources[layer]][channel]
        window = np.array([value(page, f"w{i}") for i in range(9)]).reshape(3, 3)
        np.testing.assert_allclose(window, source[4:7, 6:9], rtol=RTOL, atol=1e-6)
        kernel = [float(v) for v in page.eval_on_selector_all(f"{box} .kernel-cell",
                                                             "els => els.map(e => e.dataset.value)")]
        assert kernel == network.kernel(layer, index)[channel].ravel().tolist()
        inter = network.conv_intermediates(trace, layer, index)
        assert value(page, "r") == pytest.approx(float(inter[channel, 4, 6]), rel=1e-4, abs=1e-5)
        # All channels' shares plus the bias is the output pixel, and the code panel computes the same.
        out = float(trace[layer][index, 4, 6])
        assert value(page, "sum-out") == pytest.approx(out, rel=RTOL, abs=1e-6)
        assert value(page, "sum-shares") + network.bias(layer, index) == pytest.approx(out, rel=1e-4, abs=1e-5)
        page.click(f"{box} .code-panel summary")
        assert "def conv_pixel(window, kernel, bias):" in page.inner_text(f"{box} .code-source")
        assert value(page, "pixel-out") == pytest.approx(out, rel=1e-4, abs=1e-5)
        assert float(page.inner_text(f"{box} [data-u='pixel-out']")) == pytest.approx(out, rel=1e-4, abs=1e-5)
        # Play and pause, then Esc: formula view, then elastic view, then the overview.
        page.click(f"{box} [data-action='play']")
        page.wait_for_function("document.querySelector('[data-u=pixel]').dataset.col !== '6'")
        page.click(f"{box} [data-action='play']")
        assert page.get_attribute(box, "data-playing") == "false"
        page.keyboard.press("Escape")
        page.wait_for_function("!document.querySelector(\"[data-view='conv-formula']\")")
        assert open_views(page) == ["conv-elastic"]
        page.keyboard.press("Escape")
        page.wait_for_function("!document.querySelector('[data-view]')")
        assert page.evaluate("location.hash") == ""


def test_the_info_button_scrolls_to_the_article(page, open_app):
    open_app(page, "#view=relu&layer=relu_1_2&neuron=1")
    page.wait_for_selector("[data-view='relu']")
    before = page.evaluate("scrollY")
    page.click("[data-view='relu'] [data-action='info']")
    page.wait_for_function("Math.abs(document.getElementById('article-relu').getBoundingClientRect().top) < 80",
                           timeout=5000)
    assert page.evaluate("scrollY") > before


def test_flatten_and_softmax_views(page, open_app, trace, native):
    network = native.network
    open_app(page)
    for k in (6, 0):
        page.click(f"#overview-svg .output-class[data-index='{k}']")
        overlay = "#overview-svg .detail-overlay[data-view='flatten']"
        page.wait_for_selector(overlay)
        assert page.get_attribute(overlay, "data-class") == network.classes[k]
        logit = float(trace["logits"][k])
        assert float(page.get_attribute(overlay, "data-logit")) == pytest.approx(logit, rel=RTOL, abs=LOGIT_ATOL)
        assert float(page.get_attribute("[data-part='flatten-sum'] [data-role='logit']", "data-value")) == \
            pytest.approx(logit, rel=RTOL, abs=LOGIT_ATOL)
        # Hover the vector's last map and the first pooled map: each entry's value, weight and pixel.
        for part, fy, fx in (("flat-last", 0.5, 0.5), ("map-0", 0.27, 0.62)):
            target = page.locator(f"{overlay} [data-part='{part}']")
            box = target.bounding_box()
            page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
            info = f"{overlay} [data-u='flatten-info']"
            page.wait_for_function(f"document.querySelector(\"{info}\").dataset.index !== undefined")
            index = int(page.get_attribute(info, "data-index"))
            assert float(page.get_attribute(info, "data-value")) == pytest.approx(
                float(trace["flatten"][index]), rel=RTOL, abs=1e-6)
            assert float(page.get_attribute(info, "data-weight")) == float(network.kernel("logits", k)[index])
            assert page.get_attribute(f"{overlay} [data-u='hover-pixel']", "visibility") == "visible"
            c = index // 169
            assert c == (9 if part == "flat-last" else 0)
        # The softmax view: terms are the logits, the result is the probability, hover links both ways.
        page.click(f"{overlay} [data-action='softmax']")
        page.wait_for_selector("[data-view='softmax']")
        assert set(open_views(page)) == {"flatten", "softmax"}
        p = float(page.get_attribute("[data-view='softmax'] .probability", "data-value"))
        assert p == pytest.approx(float(trace.probabilities[k]), rel=1e-5)
        terms = page.eval_on_selector_all("[data-view='softmax'] .term-value", "els => els.map(e => +e.dataset.value)")
        assert terms[1:] == pytest.approx([float(v) for v in trace["logits"]], rel=RTOL, abs=LOGIT_ATOL)
        page.hover("[data-view='softmax'] .term[data-k='3']")
        width = page.eval_on_selector("[data-view='softmax'] .logit[data-k='3'] circle",
                                      "e => getComputedStyle(e).strokeWidth")
        assert width == "2.5px"
        page.hover("[data-view='softmax'] .logit[data-k='8'] circle")
        weight = page.eval_on_selector("[data-view='softmax'] .term[data-k='8']", "e => getComputedStyle(e).fontWeight")
        assert weight == "700"
        page.keyboard.press("Escape")
        page.wait_for_function("!document.querySelector(\"[data-view='softmax']\")")
        assert open_views(page) == ["flatten"]
        page.keyboard.press("Escape")
        page.wait_for_function("!document.querySelector('[data-view]')")


def test_a_deep_link_opens_the_formula_view_paused_at_its_pixel(page, open_app, trace, native, site):
    open_app(page, "#view=conv-formula&layer=conv_1_2&neuron=3&channel=4&pixel=10,12")
    page.wait_for_selector("[data-view='conv-formula']")
    assert set(open_views(page)) == {"conv-elastic", "conv-formula"}
    assert shown_pixel(page) == (10, 12)
    assert page.get_attribute("[data-view='conv-formula']", "data-playing") == "false"
    out = float(trace["conv_1_2"][3, 10, 12])
    assert value(page, "sum-out") == pytest.approx(out, rel=RTOL, abs=1e-6)
    page.wait_for_timeout(700)
    assert shown_pixel(page) == (10, 12)
    # Another image under the same view (an edited link): every number follows the new trace.
    from pyapp.images.preprocess import load_image

    koala = native.network.forward(load_image(site.example_file("koala")))
    page.evaluate("location.hash = '#image=koala&view=conv-formula&layer=conv_1_2&neuron=3&channel=4&pixel=10,12'")
    expected = float(koala["conv_1_2"][3, 10, 12])
    page.wait_for_function(f"Math.abs(+document.querySelector(\"[data-u='sum-out']\").dataset.value - {expected!r})"
                           " < 1e-5")
    assert value(page, "w4") == pytest.approx(float(koala["relu_1_1"][4, 11, 13]), rel=RTOL, abs=1e-6)
    assert float(page.get_attribute("#overview-svg .detail-overlay[data-view='conv-elastic']", "data-bias")) == \
        native.network.bias("conv_1_2", 3)


def test_a_link_to_a_view_that_cannot_exist_says_so(page, open_app):
    open_app(page, "#view=pool&layer=conv_1_1&neuron=2")
    page.wait_for_selector("#notice:not([hidden])")
    assert "pool" in page.inner_text("#notice")
    assert open_views(page) == []


def test_reduced_motion_opens_views_still_with_play(browser, site):
    """prefers-reduced-motion: nothing moves on its own; each view waits at its first position for play."""
    from explainer_page import VIEWPORT, wait_until_started

    context = browser.new_context(viewport=VIEWPORT, reduced_motion="reduce")
    try:
        page = context.new_page()
        page.goto(site.url + "#view=conv-elastic&layer=conv_1_2&neuron=2")
        wait_until_started(page)
        overlay = "#overview-svg .detail-overlay[data-view='conv-elastic']"
        page.wait_for_selector(overlay)
        duration = page.eval_on_selector(f"{overlay} .slider", "e => getComputedStyle(e).transitionDuration")
        assert duration == "0s"
        slide = page.eval_on_selector("[data-column='conv_1_2']", "e => getComputedStyle(e).transitionDuration")
        assert set(slide.replace(" ", "").split(",")) == {"0s"}
        # The kernel waits at its first position (playing, it takes 4 steps in this time), and play moves it.
        page.wait_for_timeout(1500)
        assert page.get_attribute(overlay, "data-tick") == "0"
        button = f"{overlay} [data-action='animation']"
        assert page.get_attribute(button, "aria-label") == "Play the animation"
        page.click(button)
        page.wait_for_function(f"+document.querySelector(\"{overlay}\").dataset.tick >= 2", timeout=5000)
        assert page.get_attribute(button, "aria-label") == "Skip the animation"
        # The formula boxes open paused at their first pixel, stay there, and play steps them.
        for opener, view in ((f"{overlay} .row-hit[data-channel='1']", "conv-formula"),
                             ("#overview-svg .map[data-layer='relu_1_1'][data-index='3']", "relu")):
            if view == "relu":
                page.keyboard.press("Escape")
                page.keyboard.press("Escape")
                page.wait_for_function("!document.querySelector('[data-view]')")
            page.click(opener)
            box = f"[data-view='{view}']"
            page.wait_for_selector(box)
            assert page.get_attribute(box, "data-playing") == "false"
            assert page.get_attribute(f"{box} [data-action='play']", "aria-label") == "Play the animation"
            page.wait_for_timeout(registry.entry(view).step_ms * 3 + 300)  # time for 3 steps if it were playing
            assert shown_pixel(page) == (0, 0), f"the {view} view must not step on its own"
            page.click(f"{box} [data-action='play']")
            page.wait_for_function("document.querySelector('[data-u=pixel]').dataset.col !== '0'", timeout=3000)
            assert page.get_attribute(box, "data-playing") == "true"
    finally:
        context.close()


# A crafted link -> the address the page keeps: only what can be shown (Reload then works).
CRAFTED = {
    "superscript neuron": ("#neuron=%C2%B2&view=relu&layer=relu_1_1", ""),  # "²".isdigit(); int() refuses it
    "superscript pixel": ("#pixel=%C2%B9,%C2%B9&view=relu&layer=relu_1_1&neuron=1",
                          "#view=relu&layer=relu_1_1&neuron=1"),
    "5000-digit neuron": ("#view=relu&layer=relu_1_1&neuron=" + "9" * 5000, ""),  # over int()'s digit limit
    "no such layer": ("#view=relu&layer=relu_9_9&neuron=1", ""),
}


@pytest.mark.parametrize("name", list(CRAFTED))
def test_a_crafted_link_starts_the_app_with_a_notice_and_a_clean_address(page, open_app, name):
    link, kept = CRAFTED[name]
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_app(page, link)  # fails on data-status="error"
    page.wait_for_selector("#notice:not([hidden])")
    assert "Traceback" not in page.inner_text("#notice") and "ValueError" not in page.inner_text("#notice")
    assert open_views(page) == (["relu"] if kept else [])
    assert page.evaluate("location.hash") == kept
    # On a running page the same link is read the same way: a notice, no traceback, the address cleaned.
    page.evaluate("document.getElementById('notice').hidden = true")
    page.evaluate(f"location.hash = {json.dumps(link)}")
    page.wait_for_selector("#notice:not([hidden])")
    assert "Something went wrong" not in page.inner_text("#notice")
    page.wait_for_function(f"location.hash === {json.dumps(kept)}")
    assert app_status(page) == "ready" and errors == []
