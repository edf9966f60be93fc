"""The example strip: one thumbnail per class (``data-example``) and the "add your own image" slot.

The active image is outlined and marked ``aria-pressed``; the custom slot shows the 64x64 picture
the network sees once the visitor has given one.
"""
from __future__ import annotations

from .. import svg
from ..state import CUSTOM_IMAGE


def example_path(class_name: str) -> str:
    """Where the site keeps a class's example picture (relative to the page and to Python's home)."""
    return f"examples/{class_name.replace(' ', '-')}.png"


def render(state, trace, network, available) -> str:
    """available: the class names that have an example image, in the network's order."""
    from .probabilities import input_pixels

    items = []
    for name in available:
        active = state.image == name
        items.append(svg.element("li", svg.element(
            "button",
            svg.element("img", src=example_path(name), alt=name, width=64, height=64),
            type="button", class_="example", data_example=name, title=name,
            aria_pressed="true" if active else "false")))
    custom = state.image == CUSTOM_IMAGE and trace is not None
    picture = (svg.element("img", src=svg.png_data_url(input_pixels(trace)), alt="your image", width=64, height=64)
               if custom else svg.element("span", "+", class_="custom-plus", aria_hidden="true"))
    label = "Your image (choose another)" if custom else "Add your own image"
    items.append(svg.element("li", svg.element(
        "label",
        picture + svg.element("span", label, class_="custom-label")
        + svg.element("input", type="file", accept="image/*", data_image_input=True, class_="visually-hidden"),
        class_="example custom active" if custom else "example custom", data_custom=True,
        title="Choose an image file, drop one here, or paste one (Ctrl+V)")))
    hint = "" if available else svg.element(
        "p", "This copy of the explainer has no example images: add your own image to start.", class_="examples-hint")
    return hint + svg.element("ul", items, class_="examples-list", aria_label="Example images")


# What #overview shows while there is no image at all (a site built without examples).
NO_IMAGE = ('<p class="no-image">Add your own image above (choose a file, drop one on the page, '
            'or paste one) to watch the network classify it.</p>')
