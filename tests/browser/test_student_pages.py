"""The new layer kinds' views and the drawing pad in the page of a student's model (issue 21 items 1 and 2): the
Keras MNIST convnet's built site (tests/conftest.py, built once) opens the activation view by address
with CPython's numbers on its curve, a stroke drawn on the pad with the mouse changes the probabilities to
CPython's for the same drawing centred the MNIST way, and the VGG-style net with batch normalisation, opened with
"Open a model...", shows its batch-normalisation view with CPython's numbers; on each of the five students' nets
every view the registry has for their layers opens."""
from __future__ import annotations

import numpy as np
import pytest

import build
import student_models as sm
from explainer_page import (VIEWPORT, active_example, read_probabilities, shot,
                            wait_until_started)
from helpers import run
from pyapp.engine.network import load_network
from pyapp.images.digits import ink_of_rgba, mnist_centred
from pyapp.images.preprocess import load_image
from test_accessibility import blocking_violations

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def served(keras_mnist_site):
    import threading

    out, model = keras_mnist_site
    httpd = build.make_server(out, 0, quiet=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", out, model
    httpd.shutdown()
    httpd.server_close()


def _shown_trace(page, out, model):
    """The trace CPython computes for the example the page shows, with the model's folder."""
    name = active_example(page)
    assert name is not None
    return load_network(model).forward(load_image(out / build.example_file(name)))


def _both_widths(page, name, axe=False):
    """Screenshots at desktop and phone width; at both the box is on screen (and, ``axe``, finds nothing serious)."""
    for size, label in ((VIEWPORT, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        page.evaluate("document.querySelector('.detail-box, #upload-dialog[open]').scrollIntoView({block: 'nearest'})")
        left, right = page.evaluate("(r => [r.left, r.right])(document.querySelector('.detail-box, "
                                    "#upload-dialog[open]').getBoundingClientRect())")
        assert 0 <= left and right <= size["width"], (label, left, right)
        if axe:
            assert blocking_violations(page) == []
        shot(page, f"{name}-{label}")
    page.set_viewport_size(VIEWPORT)


def _value(page, view, key, attribute="data-value"):
    return float(page.get_attribute(f"[data-view='{view}'] [data-u='{key}']", attribute))


def test_the_activation_view_opens_by_address_with_cpythons_numbers_on_its_curve(axe_page, served):
    page = axe_page
    url, out, model = served
    network = load_network(model)
    relu = next(layer.name for layer in network.layers if layer.type == "relu")
    source = network.sources[relu]
    page.goto(url)
    wait_until_started(page)
    trace = _shown_trace(page, out, model)
    dropout = next(layer for layer in network.layers if layer.type == "dropout")  # not drawn: the page says why
    assert f"Not drawn: {dropout.name} (50%). Dropout passes every value through" in page.inner_text("#model-name")
    row, col = np.unravel_index(np.abs(trace[source][3]).argmax(), trace[source][3].shape)  # a telling pixel
    page.evaluate(f"location.hash = 'view=relu&layer={relu}&neuron=3&pixel={row},{col}'")
    page.wait_for_selector("[data-view='relu'] .activation-curve")
    x, y = float(trace[source][3, row, col]), float(trace[relu][3, row, col])
    assert x != 0
    assert _value(page, "relu", "x") == pytest.approx(x, rel=1e-5, abs=1e-6)
    assert _value(page, "relu", "y") == pytest.approx(y, rel=1e-5, abs=1e-6)
    assert _value(page, "relu", "curve-dot", "data-x") == pytest.approx(x, rel=1e-5, abs=1e-6)
    assert _value(page, "relu", "curve-dot", "data-y") == pytest.approx(y, rel=1e-5, abs=1e-6)
    _both_widths(page, "activation-view", axe=True)


def test_the_flatten_view_of_64_maps_keeps_each_page_beside_its_maps(page, served):
    """The Keras MNIST net's 64 pooled maps, 10 to a page: in the flatten view the last detailed map's entries
    sit beside that map, the other pages' maps are a bar from the "+ N more" row, and that button slides with
    its column (before, it slid twice, off the overview's left edge)."""
    url, out, model = served
    network = load_network(model)
    pool = network.sources[next(layer.name for layer in network.layers if layer.type == "flatten")]
    page.goto(url + "#view=flatten&layer=dense&neuron=1&maps=3")
    wait_until_started(page)
    page.wait_for_selector("[data-view='flatten'] .flatten-rest")
    page.add_style_tag(content=".detail-box { display: none !important; }")  # the sum's box covers the column
    box = lambda selector: page.evaluate(  # noqa: E731 - a one-line reader
        "s => (r => [r.x, r.y, r.right, r.bottom])(document.querySelector(s).getBoundingClientRect())", selector)
    button = box(f".more-maps[data-column='{pool}'] .more-box")
    last_map = box(f"[data-view='flatten'] .flatten-map[data-part='map-39']")
    entries = box("[data-view='flatten'] .flatten-entries[data-part='flat-last']")
    assert page.get_attribute("[data-view='flatten'] .flatten-entries[data-part='flat-last']", "data-map") == "39"
    assert abs(button[0] - last_map[0]) < 1 and button[1] >= last_map[3]  # the button under the page's maps
    assert entries[3] <= last_map[3] + 1  # the last map's entries end beside it, above the button's row
    rests = page.eval_on_selector_all("[data-view='flatten'] .flatten-rest", "bars => bars.map(b => b.dataset.maps)")
    assert rests == ["0-29", "40-63"]
    shot(page, "flatten-64-maps")


def test_an_address_that_opens_a_map_on_another_page_writes_that_page_back(page, served):
    """A link to map 41 of the 64-map convolution (10 a page), followed in an open page: the overview turns to the
    page that draws it and the address says so (maps=4), so the address a visitor copies shows the same (before,
    maps= stayed out of it)."""
    url, _, _ = served
    page.goto(url)
    wait_until_started(page)
    page.evaluate("location.hash = 'view=conv-elastic&layer=conv2d_1&neuron=40'")
    page.wait_for_selector("[data-view='conv-elastic']")
    page.wait_for_function("location.hash.includes('maps=4')", timeout=10_000)
    address = page.evaluate("location.hash")
    assert "view=conv-elastic" in address and "layer=conv2d_1" in address and "neuron=40" in address
    assert "41\u201350 of 64" in page.text_content(".more-maps[data-column='conv2d_1']")


def test_a_stroke_drawn_on_the_pad_is_classified_as_cpython_classifies_it(page, served):
    url, out, model = served
    page.goto(url)
    wait_until_started(page)
    before = read_probabilities(page)
    page.click("[data-custom]")
    page.click("#upload-draw")
    box = page.locator("#draw-pad").bounding_box()
    page.mouse.move(box["x"] + 0.3 * box["width"], box["y"] + 0.2 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.7 * box["width"], box["y"] + 0.25 * box["height"], steps=8)
    page.mouse.move(box["x"] + 0.45 * box["width"], box["y"] + 0.85 * box["height"], steps=12)  # a seven
    page.mouse.up()
    _both_widths(page, "drawing-pad")
    rgba = page.evaluate("Array.from(document.getElementById('draw-pad').getContext('2d')"
                         ".getImageData(0, 0, 280, 280).data)")
    page.click("#draw-use")
    page.wait_for_function("!document.getElementById('upload-dialog').open")
    page.wait_for_function("document.querySelector('[data-custom]').classList.contains('active')")
    picture = mnist_centred(ink_of_rgba(bytes(rgba), 280, 280), 28)
    assert picture.max() == 1 and 0.05 < (picture > 0.5).mean() < 0.4  # a stroke, in the 20x20 box
    network = load_network(model)
    expected = network.forward(np.repeat(picture[:, :, None], 3, axis=2))["probabilities"]
    shown = read_probabilities(page)
    assert shown != before
    assert shown == pytest.approx({name: float(p) for name, p in zip(network.classes, expected)}, abs=1e-5)


def test_the_batch_norm_view_of_a_vgg_style_net_has_cpythons_numbers(axe_page, served, tmp_path):
    page = axe_page
    url, out, _ = served
    model = _student_model("vgg", tmp_path)
    network = load_network(model)
    norm = next(layer for layer in network.layers if layer.type == "batch_norm")
    page.goto(url)
    wait_until_started(page)
    with page.expect_navigation(timeout=90_000):  # the page keeps the model and reloads on it
        page.set_input_files("#model-file", [str(model / "tiny_vgg.json"), str(model / "tiny_vgg.npz")])
    wait_until_started(page)
    page.evaluate(f"location.hash = 'view=batch-norm&layer={norm.name}&neuron=2&pixel=3,4'")
    page.wait_for_selector("[data-view='batch-norm']")
    trace = _shown_trace(page, out, model)
    source = network.sources[norm.name]
    assert _value(page, "batch-norm", "x") == pytest.approx(float(trace[source][2, 3, 4]), rel=1e-5, abs=1e-6)
    assert _value(page, "batch-norm", "mean") == float(norm.running_mean[2])
    assert _value(page, "batch-norm", "var") == float(norm.running_var[2])
    assert _value(page, "batch-norm", "y") == pytest.approx(float(trace[norm.name][2, 3, 4]), rel=1e-5, abs=1e-6)
    _both_widths(page, "batch-norm-view", axe=True)
    # the same-padded convolution's formula view: the window at the corner reaches into the padding's zeros
    conv = next(layer for layer in network.layers if layer.type == "conv2d")
    page.keyboard.press("Escape")
    page.evaluate(f"location.hash = 'view=conv-formula&layer={conv.name}&neuron=1&channel=0&pixel=0,0'")
    page.wait_for_selector("[data-view='conv-formula'] .detail-steps")
    assert "padded with 1 cell of zeros" in page.inner_text("[data-view='conv-formula'] .detail-steps")
    assert _value(page, "conv-formula", "w0") == 0.0
    share = network.conv_intermediates(trace, conv.name, 1)[0, 0, 0]
    assert _value(page, "conv-formula", "r") == pytest.approx(float(share), rel=1e-5, abs=1e-6)


def _views_to_open(network) -> list[tuple[str, str]]:
    """(view, layer) for every view of the registry on the first and last layer it can draw of ``network``."""
    from pyapp.ui.state import State
    from pyapp.views.detail import registry

    found = []
    for entry in registry.ENTRIES:
        fits = [layer.name for layer in network.layers if registry.can_show(entry, network, layer.name)
                and State(view=entry.name, layer=layer.name, neuron=0).checked(network)[0].view == entry.name]
        found += [(entry.name, layer) for layer in dict.fromkeys(fits[:1] + fits[-1:])]
    return found


def _student_model(student: str, folder):
    """The imported model folder of a student's net, trained for seconds: through ONNX, a state dict or Keras 2."""
    import torch

    if student == "lenet5":
        source, extra = folder / "net.onnx", []
        torch.onnx.export(sm.train_torch(sm.lenet5(), 28, 1), (torch.rand(1, 1, 28, 28),), source, dynamo=False)
    elif student == "global-pooling":
        source, extra = folder / "net.pt", ["--layers", sm.GAP_WORDS, "--input-size", "32"]
        torch.save(sm.train_torch(sm.global_pooling_net(), 32, 3).state_dict(), source)
    elif student == "cifar":
        source, extra = folder / "net.pt", ["--layers", sm.CIFAR_WORDS, "--input-size", "32"]
        torch.save(sm.train_torch(sm.cifar_tutorial(), 32, 3).state_dict(), source)
    else:
        source, extra = folder / "net.h5", []
        sm.train_keras(sm.keras_vgg(pytest.importorskip("keras")), 32, 3).save(source)
    assert run("import", source, "-o", folder / "model", "--classes", ",".join(sm.CLASSES), *extra).returncode == 0
    return folder / "model"


@pytest.mark.parametrize("student", ["keras-mnist", "lenet5", "global-pooling", "cifar", "vgg"])
def test_every_view_opens_in_the_page_on_each_students_net(page, served, tmp_path, student):
    """The Keras MNIST convnet the site is built for, and, opened with "Open a model...", LeNet-5 (ONNX: grey input,
    tanh, average pooling, three dense layers), a net ending in global average pooling (a state dict), PyTorch's
    CIFAR-10 tutorial net (a state dict) and a VGG-style net (Keras 2 .h5: same padding, batch normalisation): every
    view the registry has for their layers opens by address, not refused, with the engine's number where the test
    reads one, and nothing goes wrong."""
    url, out, site_model = served
    model = site_model if student == "keras-mnist" else _student_model(student, tmp_path)
    network = load_network(model)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    wait_until_started(page)
    if model != site_model:
        with page.expect_navigation(timeout=90_000):
            page.set_input_files("#model-file", [str(model / "tiny_vgg.json"), str(model / "tiny_vgg.npz")])
        wait_until_started(page)
    trace = _shown_trace(page, out, model)
    opened = set()
    for view, layer in _views_to_open(network):
        page.evaluate(f"location.hash = 'view={view}&layer={layer}&neuron=0'")
        selector = f"[data-view='{view}']"
        page.wait_for_selector(selector, state="attached", timeout=30_000)
        assert page.evaluate("new URLSearchParams(location.hash.slice(1)).get('view')") == view  # not refused
        if view == "dense":  # a unit's weighted sum: the engine's call in the page, against CPython's trace
            shown = float(page.get_attribute(f"{selector} [data-u='dense-out']", "data-value"))
            assert shown == pytest.approx(float(trace[layer][0]), rel=1e-5, abs=1e-6), layer
        if view in ("softmax", "dense") and student == "cifar":  # drawn alone / a hidden unit: for a person to look at
            page.evaluate("Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)))")
            shot(page, f"{view}-{student}")
        opened.add(view)
        page.evaluate("location.hash = ''")  # the overview: nothing of this view stays for the next to be taken for
        page.wait_for_selector("[data-view]:is(.detail-box, .detail-overlay)", state="detached")
    assert errors == []
    dense = {"dense"} if any(layer.type == "dense" for layer in network.layers) else set()  # the GAP net has none
    assert {"conv-elastic", "conv-formula", "relu", "pool", "why", "softmax"} | dense <= opened, opened
