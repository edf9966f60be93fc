"""The example strip: one thumbnail per class (``data-example``) and the "add your own image" slot.

The active image is outlined and marked ``aria-pressed``; the custom slot shows the 64x64 picture
the network sees once the visitor has given one.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ...images import png
from ...ui import svg
from ...ui.state import CUSTOM_IMAGE
from ...ui.words import indefinite
from .result import top_class


# The mistakes the build chose (image name -> {"truth": class, "source": file}), beside their pictures.
MISTAKES_FILE = "examples/mistakes.json"
MISTAKES_LABEL = "Images the network gets wrong or is unsure about"


def example_path(class_name: str) -> str:
    """Where the site keeps a class's example picture (relative to the page and to Python's home)."""
    return f"examples/{class_name.replace(' ', '-')}.png"


def example_input(class_name: str, root: Path = Path(".")) -> np.ndarray:
    """A class's example as the network's input: the very numbers ``preprocess.load_image`` gives for that
    file, read without Pillow (the build wrote it with ``png.png_bytes``), so the page starts before Pillow."""
    return plain_png_input((root / example_path(class_name)).read_bytes())


def plain_png_input(data: bytes) -> np.ndarray:
    """A 64x64 RGB PNG written by ``png.png_bytes`` as (64, 64, 3) float32 in [0, 1], as preprocess.to_array
    scales it; ValueError for any other file."""
    pixels = png.png_pixels(data)
    if pixels.shape != (64, 64, 3):
        raise ValueError(f"not a 64x64 RGB picture: {pixels.shape}")
    return pixels.astype(np.float32) / np.float32(255)


def _tile(state, name: str, alt: str, **truth) -> str:
    return svg.element("li", svg.element(
        "button", svg.element("img", src=example_path(name), alt=alt, width=64, height=64),
        type="button", class_="example", data_example=name, title=alt,
        aria_pressed="true" if state.image == name else "false", **truth))


def render_mistakes(state, mistakes: dict[str, str], shown: bool, said: tuple[str, float] | None = None) -> str:
    """The toggle under the strip; when shown (or one is on screen), the mistakes as example tiles with
    data-truth, drawn only then: the page's first screen stays small. said: the network's top class and its
    probability for the image on screen, told against the truth when that image is a mistake."""
    shown = shown or state.image in mistakes
    toggle = svg.element("button", "Hide the mistakes" if shown else "Where the network is wrong or unsure",
                         type="button", class_="link-button mistakes-toggle", data_action="mistakes",
                         aria_expanded="true" if shown else "false")
    if not shown:
        return toggle
    tiles = [_tile(state, name, f"{indefinite(truth)} (the true class)", data_truth=truth)
             for name, truth in mistakes.items()]
    strip = toggle + svg.element("ul", tiles, class_="examples-list mistakes", aria_label=MISTAKES_LABEL)
    return strip + (mistake_caption(mistakes[state.image], *said) if said and state.image in mistakes else "")


def mistake_caption(truth: str, top: str, probability: float) -> str:
    """What the picture is against what the network says: the strip's only word on which is which."""
    verdict = ("The network is wrong: it says" if top != truth else "The network is right but unsure:")
    return svg.element("p", f"This photo is {indefinite(truth)}. {verdict} {top}, {probability * 100:.1f}%.",
                       class_="mistake-caption", role="status")


def render(state, trace, network, available, own=None, mistakes=None, shown=False) -> str:
    """available: the class names that have an example image, in the network's order; own: the visitor's
    image ((64, 64, 3) in [0, 1]) once given, kept in its slot while an example shows, with a "+" tile
    beside it to add another; mistakes: image name -> true class of the build's mistakes (shown: opened)."""
    from ...images.png import input_pixels

    items = [_tile(state, name, name) for name in available]
    custom = state.image == CUSTOM_IMAGE and trace is not None
    pixels = input_pixels(trace) if custom else (
        None if own is None else np.clip(np.rint(np.asarray(own) * 255), 0, 255).astype(np.uint8))
    picture = (svg.element("img", src=svg.png_data_url(pixels), alt="your image", width=64, height=64)
               if pixels is not None else "")
    label = "Your image (choose another)" if custom else ("Your image" if pixels is not None else "Add your own image")
    items.append(svg.element("li", svg.element(
        "label",  # the "+" is the label's CSS ::before (.plus): one element fewer on the first screen
        picture + svg.element("span", label, class_="custom-label" + ("" if pixels is not None else " plus"))
        + svg.element("input", type="file", accept="image/*", data_image_input=True, class_="visually-hidden"),
        class_="example custom" + (" active" if custom else "") + (" own" if pixels is not None else ""),
        data_custom=True, title="Choose an image file, drop one here, or paste one (Ctrl+V)")))
    if pixels is not None:  # the slot holds the visitor's image: "+" stays, to add another
        items.append(svg.element("li", svg.element(
            "button", svg.element("span", "Add another image", class_="custom-label plus"), type="button",
            class_="example custom add-another", data_action="upload",
            title="Choose an image file, drop one here, or paste one (Ctrl+V)")))
    hint = "" if available else svg.element(
        "p", "This copy of the explainer has no example images: add your own image to start.", class_="examples-hint")
    return (hint + svg.element("ul", items, class_="examples-list", aria_label="Example images")
            + (render_mistakes(state, mistakes, shown, _top(trace, network)) if mistakes else ""))


def _top(trace, network) -> tuple[str, float] | None:
    if trace is None:
        return None
    k, probability = top_class(trace, network)
    return network.classes[k], probability


# What #overview shows while there is no image at all (a site built without examples).
NO_IMAGE = ('<p class="no-image">Add your own image above (choose a file, drop one on the page, '
            'or paste one) to watch the network classify it.</p>')
