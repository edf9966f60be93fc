"""The overview view natively: its SVG for a known image, checked against the engine's own numbers."""
from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from pyapp.images import png
from pyapp.ui import colors, geometry, svg
from pyapp.ui.state import State
from pyapp.views.parts import color_range
from pyapp.views.widgets import overview

HIDDEN = ["conv_1_1", "relu_1_1", "conv_1_2", "relu_1_2", "max_pool_1",
          "conv_2_1", "relu_2_1", "conv_2_2", "relu_2_2", "max_pool_2"]


def picture(seed: int) -> np.ndarray:
    """A 64x64 test picture with structure (gradients, a disc, noise), different per seed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:64, 0:64] / 63.0
    disc = ((x - rng.uniform(0.3, 0.7)) ** 2 + (y - rng.uniform(0.3, 0.7)) ** 2 < 0.06).astype(float)
    image = np.stack([x, y, disc], axis=-1) * rng.uniform(0.4, 1.0, 3) + rng.normal(0, 0.05, (64, 64, 3))
    return np.clip(image, 0, 1).astype(np.float32)


@pytest.fixture(scope="module")
def network(untrained):
    return untrained  # the overview of an untrained network: the engine's numbers, not the trained ones


@pytest.fixture(scope="module")
def trace(network):
    return network.forward(picture(0))


def parse(markup: str) -> ET.Element:
    """The <svg> of a rendered overview (the page's markup also has the control bar before it)."""
    if markup.startswith("<?xml"):
        return ET.fromstring(markup)
    return ET.fromstring(f"<page>{markup}</page>").find("div[@class='overview-scroll']/svg")


def decode(href: str) -> np.ndarray:
    assert href.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(href.split(",", 1)[1]))).convert("RGB"))


def maps(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter() if e.get("data-layer") is not None]


def test_twelve_columns_with_the_reference_map_counts(network, trace):
    root = parse(overview.render(State(), trace, network))
    columns = [g.get("data-column") for g in root.iter() if g.get("class") == "column"]
    assert columns == ["input", *HIDDEN, "output"]
    found = maps(root)
    assert len(found) == 103
    per_layer = {}
    for e in found:
        per_layer.setdefault(e.get("data-layer"), []).append(int(e.get("data-index")))
    assert per_layer["input"] == [0, 1, 2]
    assert all(per_layer[name] == list(range(10)) for name in HIDDEN)
    assert all(e.tag == "image" for e in found)


@pytest.mark.parametrize("mode", color_range.MODES)
def test_every_map_shows_the_engine_activation_in_its_colour_range(network, trace, mode):
    root = parse(overview.render(State(colors=mode), trace, network))
    ranges = color_range.layer_ranges(trace, network, mode)
    for e in maps(root):
        layer, index = e.get("data-layer"), int(e.get("data-index"))
        shown = decode(e.get("href"))
        r = ranges[layer]
        expected = colors.to_rgb(trace[layer][index], r.lo, r.hi, r.name, r.reverse)
        assert shown.shape == expected.shape
        # One colour-table step at most (float32 vs float64 rounding at ties).
        assert np.abs(shown.astype(int) - expected).max() <= 3, (layer, index)


def test_colours_mean_what_the_reference_says(network, trace):
    """Input: bright pixel -> white; activations: positive -> blue, negative -> red, zero -> near white."""
    root = parse(overview.render(State(), trace, network))
    by_key = {(e.get("data-layer"), int(e.get("data-index"))): decode(e.get("href")) for e in maps(root)}
    red = by_key[("input", 0)]
    values = trace["input"][0]
    bright, dark = np.unravel_index(values.argmax(), values.shape), np.unravel_index(values.argmin(), values.shape)
    assert red[bright].mean() > red[dark].mean() + 100
    conv = trace["conv_1_1"]
    c, y, x = np.unravel_index(conv.argmax(), conv.shape)
    r, g, b = by_key[("conv_1_1", int(c))][y, x].astype(int)
    assert b > r + 60  # the most positive activation is deep blue
    c, y, x = np.unravel_index(conv.argmin(), conv.shape)
    r, g, b = by_key[("conv_1_1", int(c))][y, x].astype(int)
    assert r > b + 60  # the most negative is deep red
    relu = trace["relu_1_1"]
    c, y, x = np.argwhere(relu == 0)[0]
    assert by_key[("relu_1_1", int(c))][y, x].min() > 200  # a zero is the scale's pale middle


def test_unit_module_global_groups_follow_the_reference(network):
    assert color_range.groups(network, "unit") == [
        ("conv_1_1", "relu_1_1"), ("conv_1_2", "relu_1_2", "max_pool_1"),
        ("conv_2_1", "relu_2_1"), ("conv_2_2", "relu_2_2", "max_pool_2")]
    assert color_range.groups(network, "module") == [tuple(HIDDEN[:5]), tuple(HIDDEN[5:])]
    assert color_range.groups(network, "global") == [tuple(HIDDEN)]


@pytest.mark.parametrize("mode", color_range.MODES)
def test_ranges_are_symmetric_and_cover_exactly_their_group(network, trace, mode):
    ranges = color_range.layer_ranges(trace, network, mode)
    assert (ranges["input"].lo, ranges["input"].hi) == (0.0, 1.0)
    for names in color_range.groups(network, mode):
        largest = max(float(np.abs(trace[n]).max()) for n in names)
        for name in names:
            assert ranges[name].lo == -ranges[name].hi
            assert ranges[name].hi == pytest.approx(largest)


def legend_ranges(markup: str) -> dict[str, tuple[float, float, list[str]]]:
    root = parse(markup)
    assert root is not None
    out = {}
    for g in root.iter("g"):
        if g.get("data-legend"):
            labels = [t.text for t in g.iter("text")]
            out[g.get("data-legend")] = (float(g.get("data-lo")), float(g.get("data-hi")), labels)
    return out


@pytest.mark.parametrize("mode", color_range.MODES)
def test_legends_show_the_current_images_range_after_any_switch(network, mode):
    """The reference's Module/Global legends keep the first image's range; ours follow every image."""
    seen = set()
    for seed in (0, 1, 2):
        trace = network.forward(picture(seed))
        legends = legend_ranges(overview.render(State(colors=mode, detail=True), trace, network))
        groups = color_range.groups(network, mode)
        assert set(legends) == {"input", "output", *(" ".join(g) for g in groups)}
        for names in groups:
            lo, hi, labels = legends[" ".join(names)]
            largest = max(float(np.abs(trace[n]).max()) for n in names)
            assert hi == pytest.approx(largest, rel=1e-5) and lo == pytest.approx(-largest, rel=1e-5)
            assert labels[0] == f"{-largest:.2f}" and labels[-1] == f"{largest:.2f}"
            assert len(labels) == (3 if mode == "unit" else 5)
            seen.add(round(largest, 6))
        assert legends["output"][1] == pytest.approx(float(trace.probabilities.max()), rel=1e-5)
        assert legends["input"][2] == ["0.0", "0.5", "1.0"]
    assert len(seen) > len(color_range.groups(network, mode))  # the images really had different ranges


def test_output_column_has_every_class_with_its_exact_probability(network, trace):
    root = parse(overview.render(State(), trace, network))
    rows = [g for g in root.iter("g") if g.get("data-class")]
    assert [g.get("data-class") for g in rows] == list(network.classes)
    p = trace.probabilities
    for i, g in enumerate(rows):
        assert float(g.get("data-probability")) == float(p[i])  # full precision, no rounding
        bar = next(r for r in g.iter("rect") if r.get("class") == "output-bar")
        expected = geometry.OUTPUT_BAR_LENGTH * p[i] / p.max()
        assert float(bar.get("width")) == pytest.approx(expected, abs=0.01)
    top = [g for g in rows if "top" in g.get("class").split()]
    assert [g.get("data-class") for g in top] == [network.classes[int(np.argmax(p))]]


def test_links_all_to_all_into_conv_and_output_one_to_one_into_relu_and_pool(network, trace):
    root = parse(overview.render(State(), trace, network))
    links = {p.get("data-target"): p.get("d") for p in root.iter("path") if p.get("class") == "link"}
    assert len(links) == 110  # one path per target map: 10 hidden columns and the output row
    subpaths = {t: d.count("M") for t, d in links.items()}
    assert all(subpaths[f"conv_1_1/{i}"] == 3 for i in range(10))
    for name in HIDDEN[1:]:
        want = 10 if name.startswith("conv") else 1
        assert all(subpaths[f"{name}/{i}"] == want for i in range(10)), name
    assert all(subpaths[f"output/{i}"] == 10 for i in range(10))
    # A one-to-one link runs from the same-index source straight across: same height at both ends.
    grid = geometry.overview_layout(network)
    src, dst = grid.column("conv_1_2"), grid.column("relu_1_2")
    nums = [float(v) for v in re.findall(r"-?\d+\.?\d*", links["relu_1_2/4"])]
    assert nums[0] == pytest.approx(src.x + geometry.NODE_SIZE, abs=0.1)
    assert nums[1] == pytest.approx(src.ys[4] + geometry.NODE_SIZE / 2, abs=0.1)
    assert nums[-2:] == pytest.approx([dst.x, dst.ys[4] + geometry.NODE_SIZE / 2], abs=0.1)


def test_columns_do_not_overlap_and_fit_the_canvas(network):
    grid = geometry.overview_layout(network)
    xs = [c.x for c in grid.columns]
    assert all(b - a > geometry.NODE_SIZE for a, b in zip(xs, xs[1:]))
    assert xs[0] > 0 and xs[-1] + geometry.NODE_SIZE + geometry.PADDING_RIGHT <= grid.width + 0.01
    for c in grid.columns:
        assert c.ys[0] >= geometry.COLUMNS_TOP
        assert c.ys[-1] + geometry.NODE_SIZE <= geometry.COLUMNS_TOP + geometry.COLUMNS_HEIGHT + 0.01
    # Long gaps before conv and output columns, short ones before relu and pool, as in the reference.
    gaps = {c.name: c.x - p.x - geometry.NODE_SIZE for p, c in zip(grid.columns, grid.columns[1:])}
    assert gaps["conv_1_2"] == pytest.approx(geometry.GAP_RATIO * gaps["relu_1_2"])
    assert gaps["output"] == pytest.approx(gaps["conv_2_1"])


def test_detail_toggle_labels_and_dimensions(network, trace):
    plain = overview.standalone_svg(State(detail=False), trace, network)
    detailed = overview.standalone_svg(State(detail=True), trace, network)
    assert "(62, 62, 10)" in detailed and "(13, 13, 10)" in detailed and "(64, 64, 3)" in detailed
    # without detail the names still tell the layers apart (not "conv relu conv relu max_pool" twice)
    assert "(62, 62, 10)" not in plain and ">max_pool_1<" in plain and ">conv_2_2<" in plain
    # The page gets the sizes and shows them with a class on the root, which it has by default (legends teach).
    live = parse(overview.render(State(), trace, network))
    assert "detail" in live.get("class").split()
    assert "detail" not in parse(overview.render(State(detail=False), trace, network)).get("class").split()
    labels = [g for g in live.iter("g") if g.get("class") == "layer-label"]
    assert len(labels) == 12
    assert [g.get("data-article") for g in labels][:3] == ["input", "convolution", "relu"]
    assert labels[5].get("data-article") == "pooling"


def test_hover_highlights_incoming_links_and_source_outlines(network):
    links, frames = overview.hover_paths(network, "conv_1_2", 3)
    assert links.count("M") == 10 and frames.count("M") == 11  # ten sources and the map itself
    links, frames = overview.hover_paths(network, "max_pool_1", 7)
    assert links.count("M") == 1 and frames.count("M") == 2
    grid = geometry.overview_layout(network)
    source = grid.column("relu_1_2")
    assert f"M{source.x:.1f},{source.ys[7]:.1f}" in frames
    links, frames = overview.hover_paths(network, "output", 2)
    assert links.count("M") == 10 and frames.count("M") == 10  # the output row itself has no outline
    links, frames = overview.hover_paths(network, "input", 0)
    assert links == "" and frames.count("M") == 1  # no links into the input; its own outline only


def test_hover_value_is_the_activation_under_the_pointer(network, trace):
    h, w = trace["conv_2_1"][4].shape
    row, col = overview.pixel_at(trace, "conv_2_1", 4, fx=(9.5 / w), fy=(20.5 / h))
    assert (row, col) == (20, 9)
    text = overview.hover_text(trace, network, "conv_2_1", 4, fx=9.5 / w, fy=20.5 / h)
    assert f"{float(trace['conv_2_1'][4][20, 9]):.4f}" in text and "(20, 9)" in text
    assert overview.pixel_at(trace, "conv_2_1", 4, 1.0, 1.0) == (h - 1, w - 1)
    focused = overview.hover_text(trace, network, "conv_2_1", 4)  # keyboard focus: the map's range
    values = trace["conv_2_1"][4]
    assert f"{float(values.min()):.4f}" in focused and f"{float(values.max()):.4f}" in focused
    out = overview.hover_text(trace, network, "output", 6)
    assert network.classes[6] in out and f"{float(trace.probabilities[6]):.4f}" in out


def test_standalone_file_is_valid_svg_with_title_styles_legends(network, trace):
    text = overview.standalone_svg(State(image="koala"), trace, network)
    assert text.startswith("<?xml")
    root = parse(text)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == ns + "svg"
    assert root.find(ns + "title").text.startswith("Tiny VGG on the koala example")
    assert root.find(ns + "style") is not None
    images = [e for e in root.iter(ns + "image")]
    assert len(images) == 103
    assert all(e.get("{http://www.w3.org/1999/xlink}href").startswith("data:image/png") for e in images)
    assert any(g.get("data-legend") == "output" for g in root.iter(ns + "g"))
    assert "hover" not in text and "ghost" not in text  # page-only machinery stays out of the file


def test_page_markup_stays_small(network, trace):
    root = parse(overview.render(State(detail=True), trace, network))
    count = sum(1 for _ in root.iter())
    assert count < 800  # the reference's whole page has about 2,200 nodes


def test_svg_helpers_escape_and_encode():
    assert svg.escape('<a href="x">&\'') == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
    assert svg.attrs(class_="map", data_layer="conv_1_1", hidden=None) == ' class="map" data-layer="conv_1_1"'
    rgba = np.random.default_rng(0).integers(0, 256, (7, 5, 4), dtype=np.uint8)
    back = np.asarray(Image.open(io.BytesIO(png.png_bytes(rgba))))
    assert np.array_equal(back, rgba)
    with pytest.raises(TypeError):
        png.png_bytes(np.zeros((2, 2), np.float32))


def test_controls_reflect_the_state(network, trace):
    page = ET.fromstring(f"<page>{overview.render(State(detail=True, colors='module'), trace, network)}</page>")
    toggle = page.find(".//button[@id='overview-detail']")
    assert toggle.get("aria-pressed") == "true"
    options = page.findall(".//select[@id='overview-colors']/option")
    assert [o.get("value") for o in options] == ["unit", "module", "global"]
    assert [o.text for o in options if o.get("selected") is not None] == ["Module"]
    page = ET.fromstring(f"<page>{overview.render(State(detail=False), trace, network)}</page>")
    assert page.find(".//button[@id='overview-detail']").get("aria-pressed") == "false"


def test_render_command_writes_the_overview_of_an_image(tmp_path, network):
    import subprocess
    import sys

    from tests.engine_fixtures import write_random_network

    weights = write_random_network(tmp_path / "weights", seed=3)
    photo = tmp_path / "my photo.png"
    Image.fromarray((picture(4) * 255).astype(np.uint8)).save(photo)
    out = tmp_path / "figure.svg"
    result = subprocess.run([sys.executable, "-m", "pyapp", "render", str(photo), "-o", str(out), "--weights",
                             str(weights), "--colors", "module", "--detail"], capture_output=True, text=True,
                            cwd=geometry.__file__.rsplit("/pyapp/", 1)[0])
    assert result.returncode == 0, result.stderr
    root = ET.parse(out).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(ns + "title").text.startswith("Tiny VGG on my photo.png: predicted ")
    assert len(root.findall(f".//{ns}image")) == 103
    from pyapp.images.preprocess import load_image

    trace = network.forward(load_image(photo))
    legends = {g.get("data-legend"): (float(g.get("data-lo")), float(g.get("data-hi")))
               for g in root.iter(ns + "g") if g.get("data-legend")}
    for names in color_range.groups(network, "module"):
        largest = max(float(np.abs(trace[n]).max()) for n in names)
        assert legends[" ".join(names)][1] == pytest.approx(largest, rel=1e-4)
    assert "(30, 30, 10)" in out.read_text()


@pytest.mark.parametrize("name, mime", [("notes.jpg", "image/jpeg"), ("broken.png", "image/png")])
def test_a_text_or_corrupt_file_named_as_an_image_is_called_not_a_readable_image(name, mime):
    from pyapp.images.preprocess import ImageError, load_image
    from pyapp.views.widgets import upload

    png = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(png, "PNG")
    data = b"shopping list: eggs, milk" if name.endswith(".jpg") else b"\0" + png.getvalue()[1:]  # signature hit
    with pytest.raises(ImageError) as refused:
        load_image(data)
    message = upload.unusable(str(refused.value), mime)  # the browser types a file by its name's extension
    assert message.startswith("This file is not a readable image")
    assert "format" not in message and "save it as" not in message  # its format is fine; its contents are not


def test_upload_messages_say_what_went_wrong_and_what_to_do():
    from pyapp.views.widgets import upload

    assert "20 MB" in upload.too_large(45_000_000) and "45 MB" in upload.too_large(45_000_000)
    assert "404" in upload.not_found(404) and "not found" in upload.not_found(404)
    assert "403" in upload.not_found(403) and "not allow" in upload.not_found(403)
    assert "Choose a file" in upload.cross_origin()
    assert "https://" in upload.bad_address("photo.png") and "first" in upload.bad_address("  ")
    generic = "not an image file (or in a format that cannot be read)"
    assert "text/plain" in upload.unusable(generic, "text/plain") and "not an image" in upload.unusable(generic)
    assert "image/jxl" in upload.unusable(generic, "image/jxl") and "JPEG or PNG" in upload.unusable(
        generic, "image/jxl")  # an image type the decoder lacks: say "format", not "not an image"
    assert upload.unusable("HEIC/HEIF photos are not supported; save it as JPEG or PNG", "image/heic") == \
        "HEIC/HEIF photos are not supported; save it as JPEG or PNG."
    dialog = ET.fromstring(upload.dialog())
    assert dialog.tag == "dialog" and dialog.find(".//input[@type='url']") is not None
    assert dialog.find(".//input[@type='file']").get("accept") == "image/*"
    assert dialog.find(".//input[@type='file']").get("data-image-input") is None  # not the strip's own input


def test_fast_colouring_gives_the_scale_colours_and_a_stable_middle():
    rng = np.random.default_rng(5)
    values = rng.normal(0, 2, (20, 30)).astype(np.float32)
    for scale, reverse in (("rdbu", False), ("greys", True)):
        fast = colors.to_rgba(values, -3.0, 3.0, scale, reverse)
        exact = colors.to_rgb(values, -3.0, 3.0, scale, reverse)
        assert fast.shape == (20, 30, 4) and (fast[..., 3] == 255).all()
        assert (fast[..., :3] == exact).all(axis=-1).mean() > 0.999
    # A zero on any symmetric range is the same table entry everywhere (ReLU maps are mostly zeros).
    for half in rng.uniform(0.01, 50, 200).astype(np.float32):
        assert (colors.to_rgba(np.zeros(1, np.float32), -float(half), float(half), "rdbu")[0, :3]
                == colors.lut("rdbu")[128]).all()


def test_link_and_camera_messages_name_the_problem_whatever_the_address():
    from pyapp.views.widgets import upload

    loading = upload.link_loading("https://example.org/a/cat.jpg?x=1")
    assert loading == "Loading the image of this link from example.org…"
    assert len(upload.link_loading("javascript:" + "x" * 5000)) < 120  # a crafted link does not fill the screen
    assert upload.link_loading("http://[::1").startswith("Loading")  # urlsplit refuses it: said, not raised
    failed = upload.link_failed(upload.not_found(404), "espresso")
    assert "404" in failed and failed.endswith("The espresso example is shown instead.")
    assert "instead" not in upload.link_failed(upload.unreachable(), "custom")  # a copy without examples
    assert "blocked" in upload.camera_problem("NotAllowedError")
    assert "No camera" in upload.camera_problem("NotFoundError")
    assert "AbortError" in upload.camera_problem("AbortError")  # an unforeseen refusal is still named


@pytest.mark.parametrize("shape", [(64, 64, 3), (5, 7), (3, 9, 4)])
def test_png_pixels_reads_back_exactly_what_png_bytes_wrote(shape):
    pixels = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    assert np.array_equal(png.png_pixels(png.png_bytes(pixels)), pixels)


def test_png_pixels_refuses_pngs_it_cannot_read_so_pillow_reads_them():
    from PIL import Image

    ramp = np.arange(16, dtype=np.uint8) * 16
    pixels = np.stack(np.broadcast_arrays(ramp[:, None], ramp[None, :], ramp[:, None]), axis=-1)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")  # Pillow filters a ramp's rows (Sub, Up, ...)
    with pytest.raises(ValueError):
        png.png_pixels(buffer.getvalue())
    with pytest.raises(ValueError):
        png.png_pixels(b"GIF89a not a png")
