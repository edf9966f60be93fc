"""The article in a real browser: its sections and formulas render, the hyperparameter widget responds."""
from __future__ import annotations

import pytest

SECTION_IDS = ("article-what", "article-input", "article-convolution", "article-hyperparameters", "article-relu",
               "article-softmax", "article-pooling", "article-flatten", "article-interactive", "article-built",
               "article-credits")
FIGURES = ("convolution", "relu", "pooling", "flatten", "softmax")


def wait_for_widget(page) -> None:
    """Python enables the widget's controls once it has taken over."""
    page.wait_for_function("!document.querySelector('#hp-widget fieldset').disabled", timeout=30_000)


def set_field(page, name: str, value: int) -> None:
    page.fill(f"#hp-{name}", str(value))
    page.dispatch_event(f"#hp-{name}", "change")


def window_corner(page) -> tuple[str, str]:
    return page.eval_on_selector(".hp-window", "e => [e.getAttribute('x'), e.getAttribute('y')]")


def test_sections_formulas_figures_and_table(page, open_app):
    open_app(page)
    for section in SECTION_IDS:
        box = page.locator(f"#{section}").bounding_box()
        assert box and box["height"] > 40, f"#{section} is missing or empty"
    formulas = page.eval_on_selector_all(
        "#article math", "els => els.map(e => [e.dataset.formula, e.getBoundingClientRect().width,"
                         " e.getBoundingClientRect().height])")
    assert {name for name, _, _ in formulas} >= {"output-size", "cross-correlation", "relu", "softmax", "parameters"}
    for name, width, height in formulas:
        assert width > 50 and height > 10, f"formula {name} does not render ({width}x{height})"
    # typeset as MathML, not as a line of text: the fraction's numerator sits above its denominator
    numerator_bottom, denominator_top = page.eval_on_selector(
        'math[data-formula="output-size"] mfrac',
        "f => [f.children[0].getBoundingClientRect().bottom, f.children[1].getBoundingClientRect().top]")
    assert numerator_bottom <= denominator_top + 1
    for name in FIGURES:
        box = page.locator(f'#article svg[data-figure="{name}"]').bounding_box()
        assert box and box["width"] > 100 and box["height"] > 50, f"figure {name} is not drawn"
    assert page.get_attribute("#article .parameter-table", "data-total") == "19920"
    assert page.inner_text("#article .parameter-table tfoot").split()[-1] == "19,920"


def test_widget_reacts_and_flags_a_bad_stride(page, open_app):
    open_app(page)
    wait_for_widget(page)
    page.locator("#hp-widget").scroll_into_view_if_needed()
    set_field(page, "input_size", 6)
    set_field(page, "padding", 0)
    set_field(page, "kernel_size", 3)
    set_field(page, "stride", 2)  # (6 - 3) / 2 + 1 = 2.5 positions
    assert page.get_attribute("#hp-widget", "data-valid") == "false"
    assert page.get_attribute("#hp-stride", "aria-invalid") == "true"
    assert "The windows do not fit: the output would be 2.5 cells wide" in page.inner_text("#hp-widget .hp-status")
    assert page.locator("#hp-widget .hp-error").count() == 1
    set_field(page, "stride", 3)  # (6 - 3) / 3 + 1 = 2 positions: fits
    assert page.get_attribute("#hp-widget", "data-valid") == "true"
    assert page.get_attribute("#hp-stride", "aria-invalid") is None
    assert page.locator("#hp-widget .hp-error").count() == 0
    assert page.locator("#hp-widget .hp-output-cell").count() == 4
    # the slider moves its number field and the drawing with it
    page.locator('#hp-widget input[type=range][data-hp="input_size"]').fill("9")
    assert page.input_value("#hp-input_size") == "9"
    assert page.locator("#hp-widget .hp-output-cell").count() == 9  # (9 - 3) / 3 + 1 = 3
    # out-of-range typing is corrected, and the reader is told
    set_field(page, "kernel_size", 40)
    assert page.input_value("#hp-kernel_size") == "8"
    assert "goes from 1 to 8" in page.inner_text("#hp-widget .hp-status")
    set_field(page, "kernel_size", 3)
    # hovering an output cell moves the kernel to the window that produces it
    page.hover('#hp-widget .hp-output-cell[data-step="5"]')  # row 1, column 2 -> window at (3, 6)
    cell = float(page.get_attribute("#hp-widget .hp-window", "width")) / 3
    x, y = (float(v) for v in window_corner(page))
    origin = page.eval_on_selector_all("#hp-widget .hp-drawing rect",
                                       "els => Math.min(...els.map(e => +e.getAttribute('x')))")
    top = float(page.get_attribute("#hp-widget .hp-output-cell", "y"))  # the grids share their top edge
    assert ((x - origin) / cell, (y - top) / cell) == pytest.approx((6, 3))
    # the contents links scroll without touching the address (it holds the explainer's state)
    before = page.evaluate("location.hash")
    page.click('#article a[data-article-link="article-relu"]')
    assert page.evaluate("location.hash") == before
    top = page.eval_on_selector("#article-relu", "e => e.getBoundingClientRect().top")
    assert 0 <= top < 100


def test_widget_animates_unless_motion_is_reduced(page, open_app):
    page.emulate_media(reduced_motion="reduce")
    open_app(page)
    wait_for_widget(page)
    page.locator("#hp-widget").scroll_into_view_if_needed()
    page.mouse.move(0, 0)
    start = window_corner(page)
    page.wait_for_timeout(2500)
    assert window_corner(page) == start, "the kernel moved although the visitor asked for reduced motion"
    assert page.inner_text('#hp-widget [data-hp-action="play"]') == "Play"
    page.click('#hp-widget [data-hp-action="step"]')
    assert window_corner(page) != start
    page.click('#hp-widget [data-hp-action="play"]')  # asked for explicitly: it plays
    page.mouse.move(0, 0)
    moved = window_corner(page)
    page.wait_for_timeout(2500)
    assert window_corner(page) != moved


def test_training_section_opens_from_the_contents_and_links_to_the_panel(page, open_app):
    """Folded in the first page (its summary only: the DOM is at its bound), drawn when opened; its link opens the
    Train panel set up to overfit."""
    open_app(page)
    assert page.locator("#article-training p").count() == 0
    page.click('#article a[data-article-link="article-training"]')
    page.wait_for_selector("#article-training[open] p >> nth=6")
    text = page.inner_text("#article-training")
    assert "overfitting" in text and "early stopping" in text.lower()
    top = page.eval_on_selector("#article-training", "e => e.getBoundingClientRect().top")
    assert -1 <= top < 100  # scrolled to it (to within sub-pixel rounding)
    page.click("#article-training a[href^='#train']")
    page.wait_for_function("document.querySelector('#train')?.dataset.state === 'idle'", timeout=60_000)
    assert "start=scratch" in page.evaluate("location.hash")
