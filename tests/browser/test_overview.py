"""The overview in a real browser: maps equal to the engine's, hover, colour modes and legends,
"Show detail", and every way to give the network your own image (the first paint: test_first_paint)."""
from __future__ import annotations

import base64
import io
import re
import shutil

import numpy as np
import pytest
from PIL import Image

from explainer_page import click_example, drop_or_paste, read_probabilities
from overview_pixels import SAMPLED, assert_same_picture, canvas_pixels, expected_pixels, trace_of
from pyapp.images.preprocess import load_image
from pyapp.views.parts import color_range
from pyapp.views.widgets import upload as upload_view

HIDDEN = ["conv_1_1", "relu_1_1", "conv_1_2", "relu_1_2", "max_pool_1",
          "conv_2_1", "relu_2_1", "conv_2_2", "relu_2_2", "max_pool_2"]
def legend_values(page) -> dict[str, tuple[float, float]]:
    pairs = page.eval_on_selector_all("#overview-svg .legends [data-legend]",
                                      "els => els.map(e => [e.dataset.legend, +e.dataset.lo, +e.dataset.hi])")
    return {name: (lo, hi) for name, lo, hi in pairs}


def assert_legends_match(page, native, trace, mode):
    legends = legend_values(page)
    groups = color_range.groups(native.network, mode)
    assert set(legends) == {"input", "output", *(" ".join(g) for g in groups)}
    for names in groups:
        largest = max(float(np.abs(trace[n]).max()) for n in names)
        lo, hi = legends[" ".join(names)]
        assert hi == pytest.approx(largest, rel=1e-4) and lo == pytest.approx(-largest, rel=1e-4), (mode, names)
    assert legends["output"][1] == pytest.approx(float(trace["probabilities"].max()), rel=1e-4)


def hover_state(page) -> dict:
    return page.evaluate("""() => ({
        links: document.querySelector('#overview-svg .hover-links').getAttribute('d'),
        frames: document.querySelector('#overview-svg .hover-frames').getAttribute('d'),
        text: document.getElementById('overview-hover-text').textContent,
        shown: !document.getElementById('overview-hover').hidden,
    })""")


# -- structure and pixels --------------------------------------------------------------------------

def test_columns_maps_and_pixels_follow_the_engine_across_switches(page, open_app, site, native):
    open_app(page)
    columns = page.eval_on_selector_all("#overview-svg .column", "els => els.map(e => e.dataset.column)")
    assert columns == ["input", *HIDDEN, "output"]
    counts = page.evaluate("""() => {
        const out = {};
        for (const e of document.querySelectorAll('#overview-svg [data-layer][data-index]'))
            out[e.dataset.layer] = (out[e.dataset.layer] || 0) + 1;
        return out;
    }""")
    assert counts == {"input": 3, **{name: 10 for name in HIDDEN}}
    assert page.eval_on_selector_all("#overview-svg [data-class]", "els => els.length") == 10
    labels = page.eval_on_selector_all("#overview-svg .layer-label .label-name tspan:first-child",
                                       "els => els.map(e => e.textContent)")
    assert labels == ["input", *HIDDEN, "output"]
    captions = page.text_content("#overview-svg .input-captions")
    assert "Red" in captions and "Green" in captions and "Blue" in captions

    for name in ("espresso", "koala", "pizza"):
        if name != "espresso":
            click_example(page, name)
        trace = trace_of(native, site, name)
        for layer, index in SAMPLED:
            assert_same_picture(canvas_pixels(page, layer, index), expected_pixels(native, trace, "unit", layer, index),
                                (name, layer, index))
        assert read_probabilities(page) == pytest.approx(native.probabilities(name), abs=1e-5)
        bars = page.eval_on_selector_all("#overview-svg .output-bar", "els => els.map(e => +e.getAttribute('width'))")
        p = trace["probabilities"]
        assert bars == pytest.approx(list(40 * p / p.max()), abs=0.02)
        top = page.eval_on_selector_all("#overview-svg .output-class.top", "els => els.map(e => e.dataset.class)")
        assert top == [native.network.classes[int(np.argmax(p))]]

    nodes = page.evaluate("document.querySelectorAll('*').length")
    assert nodes <= 2200  # the reference's page has about 2,200


# -- hover -------------------------------------------------------------------------------------------

def test_hover_highlights_sources_and_reads_the_value_under_the_pointer(page, open_app, site, native):
    open_app(page)
    trace = trace_of(native, site, "espresso")
    target = '#overview-svg canvas.map[data-layer="conv_1_2"][data-index="3"]'
    box = page.locator(target).bounding_box()
    # The pointer over column 45, row 12 of the 60x60 map.
    page.mouse.move(box["x"] + box["width"] * 45.5 / 60, box["y"] + box["height"] * 12.5 / 60)
    state = hover_state(page)
    assert state["shown"] and state["links"].count("M") == 10 and state["frames"].count("M") == 11
    assert "(12, 45)" in state["text"]
    value = float(re.search(r":\s*(-?\d+\.\d+)$", state["text"]).group(1))
    assert value == pytest.approx(float(trace["conv_1_2"][3][12, 45]), abs=2e-4)

    pool = page.locator('#overview-svg canvas.map[data-layer="max_pool_2"][data-index="6"]').bounding_box()
    page.mouse.move(pool["x"] + pool["width"] * 0.5, pool["y"] + pool["height"] * 0.1)
    state = hover_state(page)
    assert state["links"].count("M") == 1 and state["frames"].count("M") == 2  # one source: relu_2_2 map 6
    assert "max_pool_2, map 7, pixel (1, 6)" in state["text"]

    row = page.locator('#overview-svg .output-class[data-class="koala"]')
    row.hover()
    state = hover_state(page)
    assert state["links"].count("M") == 10
    assert f"{float(trace['probabilities'][5]):.4f}" in state["text"]
    assert "hover" in row.get_attribute("class").split()

    page.mouse.move(5, 5)  # away from the graph
    state = hover_state(page)
    assert not state["shown"] and state["links"] == "" and state["frames"] == ""
    assert "hover" not in row.get_attribute("class").split()

    # Keyboard: a focused map is highlighted like a hovered one, and the read-out gives its range.
    page.focus('#overview-svg canvas.map[data-layer="relu_1_1"][data-index="2"]')
    state = hover_state(page)
    m = trace["relu_1_1"][2]
    assert state["shown"] and state["frames"].count("M") == 2
    assert f"{float(m.min()):.4f}" in state["text"] and f"{float(m.max()):.4f}" in state["text"]
    page.keyboard.press("ArrowDown")  # focus moves on to the next map of the column
    assert "relu_1_1, map 4" in hover_state(page)["text"]


# -- colour modes, legends, detail -----------------------------------------------------------------

def test_colour_modes_and_legends_stay_right_after_switches(page, open_app, site, native):
    open_app(page)  # detail is on by default: sizes and legends say what the maps and colours are
    assert page.get_attribute("#overview-detail", "aria-pressed") == "true"
    assert "detail" not in page.evaluate("location.hash")
    page.wait_for_function("getComputedStyle(document.querySelector('#overview-svg .legends')).opacity === '1'")
    dims = page.eval_on_selector_all("#overview-svg .label-dims", "els => els.filter(e => e.getClientRects().length)"
                                     ".map(e => e.textContent)")
    assert dims[:3] == ["(64, 64, 3)", "(62, 62, 10)", "(62, 62, 10)"] and dims[-1] == "(10)"

    for name in ("espresso", "ladybug", "school bus", "espresso"):
        if page.get_attribute(f'[data-example="{name}"]', "aria-pressed") != "true":
            click_example(page, name)
        trace = trace_of(native, site, name)
        for mode in ("module", "global", "unit"):
            page.select_option("#overview-colors", mode)
            page.wait_for_function(f"document.getElementById('overview-svg').dataset.colors === '{mode}'")
            assert_legends_match(page, native, trace, mode)
            for layer, index in (("conv_1_1", 1), ("max_pool_2", 8)):
                assert_same_picture(canvas_pixels(page, layer, index),
                                    expected_pixels(native, trace, mode, layer, index), (name, mode, layer))
        assert "colors=" not in page.evaluate("location.hash")  # back on the default mode

    page.click("#overview-detail")
    page.wait_for_function("!document.getElementById('overview-svg').classList.contains('detail')")
    assert "detail=0" in page.evaluate("location.hash")
    page.wait_for_function("getComputedStyle(document.querySelector('#overview-svg .legends')).opacity === '0'")
    shown = "els => els.filter(e => e.getClientRects().length).map(e => e.textContent)"
    names = page.eval_on_selector_all("#overview-svg .label-name > tspan:first-child", shown)
    assert names[1:3] == ["conv_1_1", "relu_1_1"] and len(names) == 12  # the names stay, the sizes go
    assert page.eval_on_selector_all("#overview-svg .label-dims", shown) == []


def test_switch_fades_old_out_and_new_in_unless_reduced_motion(page, open_app):
    open_app(page)
    page.click('[data-example="orange"]')
    fading = page.evaluate("getComputedStyle(document.querySelector('#overview-svg .ghosts')).animationName")
    assert fading.startswith("overview-ghosts-out")
    # The ghosts hold the previous picture (espresso) over the new one while they fade out.
    differs = page.evaluate("""() => {
        const g = document.querySelector('#overview-svg canvas.ghost').getContext('2d').getImageData(0, 0, 64, 64).data;
        const m = document.querySelector('#overview-svg canvas.map').getContext('2d').getImageData(0, 0, 64, 64).data;
        return g.some((v, i) => v !== m[i]);
    }""")
    assert differs
    page.wait_for_timeout(800)
    assert page.evaluate("getComputedStyle(document.querySelector('#overview-svg .ghosts')).opacity") == "0"
    page.emulate_media(reduced_motion="reduce")
    page.click('[data-example="koala"]')
    style = page.evaluate("""() => { const s = getComputedStyle(document.querySelector('#overview-svg .ghosts'));
        return [s.animationName, s.opacity]; }""")
    assert style == ["none", "0"]  # no fade: the new maps are simply there


def test_layer_label_leads_to_the_article_section(page, open_app):
    open_app(page)
    assert page.query_selector("#article-convolution") is not None, "every build has an article"
    page.emulate_media(reduced_motion="reduce")  # jump at once
    page.click('#overview-svg .column[data-column="conv_2_1"] .layer-label')
    page.wait_for_function("Math.abs(document.getElementById('article-convolution').getBoundingClientRect().top) < 40")
    assert page.evaluate("location.hash") in ("", "#")  # the address (the State) is untouched


# -- your own image -----------------------------------------------------------------------------------

@pytest.fixture
def uploads(site, tmp_path):
    """Test images served by the site itself (same origin) and a folder for another origin."""
    folder = site.dir / "test-uploads"
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(7)
    photo = Image.fromarray(rng.integers(0, 256, (90, 120, 3), dtype=np.uint8))
    photo.save(folder / "photo.png")
    (folder / "notes.txt").write_text("just some words, not a picture\n")
    (folder / "drawing.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>')
    Image.new("1", (9000, 9000)).save(folder / "huge.png")  # tiny file, 81 megapixels
    (folder / "big.jpg").write_bytes(b"\xff\xd8" + bytes(upload_view.MAX_UPLOAD_BYTES + 10))
    other = tmp_path / "other-origin"
    other.mkdir()
    shutil.copy(folder / "photo.png", other / "photo.png")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _dialog_message(page) -> str:
    # The click clears the last verdict and shows "Loading" at once; wait for this attempt's end.
    page.wait_for_function("""() => document.getElementById('upload-busy').hidden
        && (!document.getElementById('upload-error').hidden
            || !document.getElementById('upload-dialog').open)""", timeout=20000)
    return page.inner_text("#upload-error") if page.is_visible("#upload-error") else ""


def _add_address(page, address: str) -> str:
    page.fill("#upload-url", address)
    page.click("#upload-add")
    return _dialog_message(page)


def test_own_image_by_address_with_every_error(page, open_app, site, native, uploads, serve, tmp_path):
    open_app(page)
    page.click("[data-custom]")
    assert page.evaluate("document.getElementById('upload-dialog').open")
    base = site.url + "test-uploads/"

    assert "not found" in _add_address(page, base + "missing.png")
    assert "not an image file" in _add_address(page, base + "notes.txt")
    assert "SVG drawings are not supported" in _add_address(page, base + "drawing.svg")
    assert "too many pixels" in _add_address(page, base + "huge.png")
    assert "too large" in _add_address(page, base + "big.jpg")
    other = serve(tmp_path / "other-origin")  # another port: another origin, over plain http
    assert "only from https:// addresses" in _add_address(page, other + "photo.png")
    # another site over https that shares its images with another site only (answered here, without a network)
    page.route("https://images.example/**", lambda route: route.fulfill(
        body=(tmp_path / "other-origin" / "photo.png").read_bytes(), content_type="image/png",
        headers={"Access-Control-Allow-Origin": "https://elsewhere.example"}))
    assert "refused to share" in _add_address(page, "https://images.example/photo.png")
    assert "cannot be reached" in _add_address(page, "https://127.0.0.1:9/photo.png")
    assert "web address" in _add_address(page, "photo.png")
    assert read_probabilities(page) == pytest.approx(native.probabilities("espresso"), abs=1e-5)  # unchanged

    assert _add_address(page, base + "photo.png") == ""  # accepted: the dialog closed
    page.wait_for_function("document.querySelector('[data-custom] img') !== null")
    expected = native.probabilities_of(load_image(uploads / "photo.png"))
    assert read_probabilities(page) == pytest.approx(expected, abs=1e-4)
    slot = page.get_attribute("[data-custom] img", "src")
    shown = np.asarray(Image.open(io.BytesIO(base64.b64decode(slot.split(",", 1)[1]))).convert("RGB"))
    assert shown.shape == (64, 64, 3)  # the custom slot shows what the network sees
    assert "image=custom" in page.evaluate("location.hash")


def test_own_image_by_file_and_cancel(page, open_app, native, uploads):
    open_app(page)
    page.click('[data-example="pizza"]')
    page.click("[data-custom]")
    page.set_input_files("#upload-file", str(uploads / "notes.txt"))
    assert "not an image file" in _dialog_message(page)
    page.set_input_files("#upload-file", str(uploads / "big.jpg"))
    assert "too large" in _dialog_message(page)
    page.click("#upload-cancel")  # cancel: the previous image stays
    assert not page.evaluate("document.getElementById('upload-dialog').open")
    assert read_probabilities(page) == pytest.approx(native.probabilities("pizza"), abs=1e-5)
    page.focus("[data-custom] input")
    page.keyboard.press("Enter")  # from the keyboard, the slot opens the dialog as well
    assert page.evaluate("document.getElementById('upload-dialog').open")
    assert page.evaluate("document.activeElement.id") == "upload-url"
    page.keyboard.press("Escape")  # Esc closes it
    assert not page.evaluate("document.getElementById('upload-dialog').open")
    page.click("[data-custom]")
    page.set_input_files("#upload-file", str(uploads / "photo.png"))
    assert _dialog_message(page) == ""
    expected = native.probabilities_of(load_image(uploads / "photo.png"))
    page.wait_for_function("document.querySelector('[data-custom] img') !== null")
    assert read_probabilities(page) == pytest.approx(expected, abs=1e-4)
    # Once given, the custom slot is another example: back to pizza, then to it without the dialog.
    click_example(page, "pizza")
    page.click("[data-custom]")
    assert not page.evaluate("document.getElementById('upload-dialog').open")
    page.wait_for_function("location.hash.includes('image=custom')")
    assert read_probabilities(page) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("kind", ["drop", "paste"])
def test_own_image_by_drop_and_paste(page, open_app, native, uploads, kind):
    open_app(page)
    data = (uploads / "photo.png").read_bytes()
    drop_or_paste(page, kind, data, "photo.png", "image/png")
    page.wait_for_function("location.hash.includes('image=custom')", timeout=20000)
    expected = native.probabilities_of(load_image(uploads / "photo.png"))
    assert read_probabilities(page) == pytest.approx(expected, abs=1e-4)
    drop_or_paste(page, kind, b"hello", "notes.txt", "text/plain")
    page.wait_for_function("""() => [document.getElementById('notice'), document.getElementById('upload-error')]
        .some(e => e && !e.hidden && /not an image/i.test(e.textContent))""", timeout=20000)
    assert read_probabilities(page) == pytest.approx(expected, abs=1e-4)  # the bad file changed nothing
