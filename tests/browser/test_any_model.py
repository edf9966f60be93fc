"""The overview and the Why? view of a student's model in the browser (issue 21 item 3), on the site built for
PyTorch's CIFAR-10 tutorial net (16 filters in its second convolution, dense layers of 120 and 84 units): the
"+ N more" button pages through the maps by keyboard, the dense layers' units show the engine's values, a hidden
unit opens its weighted sum (the dense view) by mouse and keyboard, and Grad-CAM on a chosen convolution equals
CPython's."""
from __future__ import annotations

import numpy as np
import pytest

from explainer_page import click_example, shot, wait_until_started
from pyapp.engine import explain
from pyapp.engine.network import load_network
from pyapp.images.preprocess import load_image
from pyapp.views.parts import color_range

MORE = '#overview-svg .more-maps[data-column="3"]'
BOX = "[data-view='why']"


@pytest.fixture(scope="module")
def model(student_site):
    return load_network(student_site.dir.parent / "model")


def open_student(page, site, hash: str) -> None:
    page.goto(site.url + hash)  # not open_app: that builds the shipped model's site too
    wait_until_started(page)


def trace_of(model, site, name):
    return model.forward(load_image(site.example_file(name)))


def drawn(page, layer: str) -> list[int]:
    return page.eval_on_selector_all(f'#overview-svg canvas.map[data-layer="{layer}"]',
                                     "els => els.map(e => +e.dataset.index)")


def test_the_more_button_pages_through_the_maps_by_keyboard(page, student_site, model):
    name = student_site.examples[0]
    open_student(page, student_site, f"#image={name}")
    assert drawn(page, "3") == drawn(page, "3_relu") == list(range(10))
    assert " ".join(page.text_content(MORE).split()) == "+ 6 more 1\u201310 of 16"
    # the overview of 16 filters and 120 + 84 units draws no more than Tiny VGG's (777 elements of the page's 2,200)
    assert page.evaluate("document.querySelectorAll('#stage *').length") <= 800

    page.focus(MORE)
    page.keyboard.press("Enter")
    page.wait_for_function("location.hash.includes('maps=1')")
    assert drawn(page, "3") == drawn(page, "max_pool_2") == list(range(10, 16))
    assert page.evaluate("document.activeElement.dataset.column") == "3"  # the focus stays on the button
    assert "back to 1" in page.text_content(MORE)
    trace = trace_of(model, student_site, name)
    expected = color_range.layer_ranges(trace, model, "unit")["3"].rgba(trace["3"][12])
    shown = page.evaluate("""() => {
        const c = document.querySelector('#overview-svg canvas.map[data-layer="3"][data-index="12"]');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
    }""")
    diff = np.abs(np.array(shown).reshape(expected.shape) - expected.astype(int))
    assert diff.max() <= 6 and (diff == 0).mean() > 0.99  # map 13 of 16, as CPython colours it

    page.keyboard.press(" ")
    page.wait_for_function("!location.hash.includes('maps=')")
    assert drawn(page, "3") == list(range(10))


def test_dense_layers_show_their_units_values_from_the_engine(page, student_site, model):
    first, second = student_site.examples[:2]
    open_student(page, student_site, f"#image={first}")
    for name in (first, second):
        if name == second:
            click_example(page, name)
        trace = trace_of(model, student_site, name)
        for layer in ("7", "9_relu"):
            said = page.eval_on_selector_all(f'#overview-svg .unit[data-layer="{layer}"]',
                                             "els => els.map(e => +e.getAttribute('aria-label').split(': ')[1])")
            assert said == pytest.approx(trace[layer][:19].tolist(), abs=2e-4), (name, layer)
        assert page.text_content('#overview-svg .more-maps[data-column="7"]') == "+ 101 more"


def test_grad_cam_on_a_chosen_convolution_equals_cpythons(page, student_site, model):
    name = student_site.examples[0]
    logits = model.layers[-2].name
    trace = trace_of(model, student_site, name)
    # a class whose Grad-CAM on the first convolution says something the last one's does not (a briefly
    # trained net can have a class with no positive evidence at all: an all-zero map on both layers)
    k = next(k for k in np.argsort(-trace.probabilities)
             if np.abs(explain.gradcam(model, trace, int(k), layer="0")).max() > 0
             and not np.allclose(explain.gradcam(model, trace, int(k), layer="0"), explain.gradcam(model, trace, int(k))))
    open_student(page, student_site, f"#image={name}&view=why&layer={logits}&neuron={k}")
    page.wait_for_selector(f"{BOX} [data-why-layer]")
    page.select_option(f"{BOX} [data-why-layer]", "0")
    page.wait_for_function("location.hash.includes('cam=0')")
    page.wait_for_function(f"document.querySelector(\"{BOX} .why-text\").textContent.includes('the maps of 0 that')")
    heat = explain.gradcam(model, trace, int(k), layer="0")
    lo, hi = page.eval_on_selector(f"{BOX} .why-legend", "e => [+e.dataset.min, +e.dataset.max]")
    extent = float(np.abs(heat).max())
    assert lo == pytest.approx(float(heat.min()), rel=1e-3, abs=1e-4 * extent)
    assert hi == pytest.approx(float(heat.max()), rel=1e-3, abs=1e-4 * extent)


def test_a_click_on_a_hidden_dense_unit_shows_its_weighted_sum_with_cpythons_numbers(page, student_site, model):
    name, unit = student_site.examples[0], 5
    trace = trace_of(model, student_site, name)
    activation = next(layer.name for layer in model.layers if model.sources.get(layer.name) == "7")
    open_student(page, student_site, f"#image={name}")
    page.click(f'#overview-svg .unit[data-layer="7"][data-index="{unit}"]')
    page.wait_for_function("location.hash.includes('view=dense')")
    box = "[data-view='dense']"
    page.wait_for_selector(f"{box} [data-u='dense-out']", state="attached")  # in the closed code panel
    assert float(page.get_attribute(f"{box} [data-u='dense-out']", "data-value")) == pytest.approx(
        float(trace["7"][unit]), rel=1e-5, abs=1e-6)
    assert float(page.get_attribute(f"{box} [data-u='act-out']", "data-value")) == pytest.approx(
        float(trace[activation][unit]), rel=1e-5, abs=1e-6)
    shot(page, "dense-view-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    page.evaluate("document.querySelector('.detail-box').scrollIntoView({block: 'nearest'})")
    left, right = page.evaluate("(r => [r.left, r.right])"
                                "(document.querySelector('.detail-box').getBoundingClientRect())")
    assert 0 <= left and right <= 390
    shot(page, "dense-view-phone")
    page.keyboard.press("Escape")
    page.wait_for_function("!location.hash.includes('view=')")
    page.focus(f'#overview-svg .unit[data-layer="7"][data-index="{unit + 1}"]')  # the keyboard opens it too
    page.keyboard.press("Enter")
    page.wait_for_function(f"location.hash.includes('view=dense') && location.hash.includes('neuron={unit + 1}')")
    page.keyboard.press("Escape")
    page.wait_for_function("!location.hash.includes('view=')")
    page.click(f'#overview-svg .unit[data-layer="{activation}"][data-index="2"]')  # its activation: the same sum
    page.wait_for_function("(a => a.get('view') === 'dense' && a.get('layer') === '7' && a.get('neuron') === '2')"
                           "(new URLSearchParams(location.hash.slice(1)))")


def test_a_map_on_the_second_page_opens_its_view_where_it_is_drawn(page, student_site):
    name = student_site.examples[0]
    open_student(page, student_site, f"#image={name}&maps=1")
    target = '#overview-svg canvas.map[data-layer="3_relu"][data-index="12"]'
    top = page.eval_on_selector(target, "e => e.getBoundingClientRect().top")
    page.click(target)
    page.wait_for_selector("[data-view='relu'][data-neuron='12']")
    assert "maps=1" in page.evaluate("location.hash")  # the page of maps stays
    # the outlines of the map and its input are drawn on the maps themselves, not on the "+ more" row
    frames = page.eval_on_selector(".pair-overlay path", "e => e.getBoundingClientRect().top")
    assert abs(frames - top) < 4, (frames, top)
    page.keyboard.press("Escape")
    page.evaluate("location.hash = 'image=' + location.hash.split('image=')[1].split('&')[0]"
                  " + '&view=relu&layer=3_relu&neuron=14'")  # an address without maps=: the page that shows it
    page.wait_for_selector("[data-view='relu'][data-neuron='14']")
    shown = page.wait_for_selector('#overview-svg canvas.map[data-layer="3_relu"][data-index="14"]')  # its page drawn
    frames = page.eval_on_selector(".pair-overlay path", "e => e.getBoundingClientRect().top")
    assert abs(frames - shown.bounding_box()["y"]) < 4
