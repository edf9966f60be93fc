"""The shift view (issue 23): the picture moves in its frame by address, arrow keys, sliders and drag; the
network on screen runs on the moved picture (its probabilities are CPython's on the same shifted input),
the fully connected network arrives only when the view opens, checked, and answers on the same picture."""
from __future__ import annotations

import json

import numpy as np
import pytest
from explainer_page import read_probabilities, shot
from test_accessibility import AXE, BLOCKING

from pyapp import WEIGHTS_DIR
from pyapp.engine.network import load_network
from pyapp.engine.shift import shifted
from pyapp.images.preprocess import load_image

IMAGE = "koala"
BOX = ".detail-box[data-view=shift]"


def box_violations(page) -> list[str]:
    """axe-core's serious and critical findings inside the shift view's box (the article's own are
    test_accessibility's)."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async ([box, impacts]) => {
        const result = await axe.run(document.querySelector(box), {resultTypes: ['violations']});
        return result.violations.filter(v => impacts.includes(v.impact)).flatMap(
            v => v.nodes.map(n => `${v.id} (${v.impact}): ${n.target.join(' ')}: ${n.failureSummary}`));
    }""", [BOX, list(BLOCKING)])


def link(dx: int, dy: int) -> str:
    return f"#image={IMAGE}&view=shift&layer=logits&neuron=0&shift={dx}%2C{dy}"


def box_values(page, network: str) -> dict[str, float]:
    pairs = page.eval_on_selector_all(f"{BOX} [data-network={network}] li[data-class]",
                                      "els => els.map(e => [e.dataset.class, e.querySelector('.num').dataset.value])")
    return {name: float(v) for name, v in pairs}


def wait_for_shift(page, dx: int, dy: int) -> None:
    page.wait_for_selector(f'{BOX}[data-shift="{dx},{dy}"] .shift-mlp')


def check_against_cpython(page, site, dx: int, dy: int) -> None:
    image = shifted(load_image(site.example_file(IMAGE)), dx, dy)
    cnn, mlp = load_network(), load_network(WEIGHTS_DIR / "mlp")
    expected = dict(zip(cnn.classes, map(float, cnn.forward(image).probabilities)))
    assert read_probabilities(page) == pytest.approx(expected, abs=1e-5)  # the overview's output column
    shown = box_values(page, "cnn")
    assert len(shown) == 3 and shown == pytest.approx({k: expected[k] for k in shown}, abs=1e-5)
    expected_mlp = dict(zip(mlp.classes, map(float, mlp.forward(image).probabilities)))
    shown_mlp = box_values(page, "mlp")
    assert len(shown_mlp) == 3 and shown_mlp == pytest.approx({k: expected_mlp[k] for k in shown_mlp}, abs=1e-5)
    assert max(shown_mlp, key=shown_mlp.get) == max(expected_mlp, key=expected_mlp.get)


@pytest.fixture
def page(axe_page):
    return axe_page  # every test here may run axe: the page's CSP lets it in


def test_the_shift_view_runs_both_networks_on_the_moved_picture(page, open_app, site):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    open_app(page, f"#image={IMAGE}")
    assert not [u for u in requests if "/weights/mlp/" in u]  # not part of the first load
    start = read_probabilities(page)

    page.evaluate(f"location.hash = {json.dumps(link(4, -3))}")
    wait_for_shift(page, 4, -3)
    assert [u for u in requests if u.endswith("/weights/mlp/tiny_vgg.npz")]
    check_against_cpython(page, site, 4, -3)
    assert box_violations(page) == []
    assert page.eval_on_selector_all(f"{BOX} .shift-plot polyline", "ls => ls.map(l => l.dataset.network)") == ["cnn", "mlp"]
    assert page.eval_on_selector_all(f"{BOX} .shift-plot polyline",
                                     "ls => ls.map(l => l.getAttribute('points').split(' ').length)") == [33, 33]
    shot(page, "shift-4-3-desktop")

    # the arrow keys on the frame move it by 1 px (4 with Shift); the address follows
    page.focus(f"{BOX} [data-shift-frame]")
    page.keyboard.press("Shift+ArrowRight")
    wait_for_shift(page, 8, -3)
    page.keyboard.press("ArrowDown")
    wait_for_shift(page, 8, -2)
    assert "shift=8%2C-2" in page.evaluate("location.hash")
    assert page.evaluate("document.activeElement.hasAttribute('data-shift-frame')")  # the focus stays on the frame
    check_against_cpython(page, site, 8, -2)
    shot(page, "shift-8-2-desktop")

    # a slider, by keyboard: the y slider down to -1
    page.focus(f"{BOX} [data-shift-axis=y]")
    page.keyboard.press("ArrowLeft")
    wait_for_shift(page, 8, -3)

    # dragging the picture: 5 input pixels left of where it is
    frame = page.eval_on_selector(f"{BOX} [data-shift-frame]", "e => { const r = e.getBoundingClientRect(); "
                                                               "return [r.x + r.width / 2, r.y + r.height / 2, r.width / 64]; }")
    x, y, scale = frame
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 5 * scale, y, steps=5)
    page.mouse.up()
    wait_for_shift(page, 3, -3)
    check_against_cpython(page, site, 3, -3)

    # "Put it back", then Esc: the picture is where it was and the address holds no shift
    page.click(f"{BOX} [data-action=shift-reset]")
    wait_for_shift(page, 0, 0)
    page.keyboard.press("Escape")
    page.wait_for_selector(BOX, state="detached")
    assert "shift" not in page.evaluate("location.hash")
    assert read_probabilities(page) == pytest.approx(start, abs=1e-7)


def test_the_output_box_opens_the_shift_view_and_counts_the_weights(page, open_app):
    open_app(page, f"#image={IMAGE}")
    page.click("#overview-svg .output-class[data-index='2']")
    page.click(".detail-box summary:has-text('Count the weights')")
    row = page.wait_for_selector(".detail-box tr[data-weights-layer=conv_1_1]")
    assert row.get_attribute("data-count") == "280" and row.get_attribute("data-dense") == "472389160"
    page.click(".detail-box [data-action=shift]")
    page.wait_for_selector(f"{BOX} .shift-mlp")
    # the article's figure is drawn when it is first opened
    assert page.query_selector("#article-weights table") is None
    page.keyboard.press("Escape")
    page.click("#article-weights summary")
    page.wait_for_selector("#article-weights tr[data-weights-layer=logits][data-count='16910']")


@pytest.mark.parametrize("size", [(390, 844)])
def test_the_shift_view_on_a_phone_and_in_an_embed(browser, site, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, has_touch=True, bypass_csp=True)
    page = context.new_page()
    page.goto(site.url + link(-6, 2))
    page.wait_for_selector(f'{BOX}[data-shift="-6,2"] .shift-mlp', timeout=60_000)
    box = page.eval_on_selector(BOX, "b => { const r = b.getBoundingClientRect(); return [r.left, r.right]; }")
    assert box[0] >= -1 and box[1] <= size[0] + 1  # a sheet inside the screen
    shot(page, "shift-phone")
    assert box_violations(page) == []
    page.goto(site.url + link(5, 0) + "&embed=1")
    page.wait_for_selector(f'{BOX}[data-shift="5,0"] .shift-mlp', timeout=60_000)
    shot(page, "shift-embed-phone")
    context.close()
