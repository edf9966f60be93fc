"""The explainer in Jupyter: ``pyapp.overview("photo.jpg")`` and ``pyapp.view("relu", "photo.jpg", ...)``.

Each returns a :class:`Figure` that a notebook shows inline (``_repr_svg_`` / ``_repr_html_``), drawn by
the same view functions as the web page, on the same State, trace and network. The overlay views
(conv-elastic, flatten) are SVG over the overview; the formula boxes (conv-formula, relu, pool, softmax)
are HTML over it, styled with the site's own detail.css.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from . import STYLES_DIR, WEIGHTS_DIR
from .ui import svg
from .ui.state import CUSTOM_IMAGE, State
from .views.detail import registry

# The views that draw over the overview itself; their children's boxes sit on that overlay.
OVERLAID = ("conv-elastic", "flatten")
# view -> (its module under pyapp.views, the layer type it explains, the overlay drawn under its box),
# derived from the registry, the one list of views
VIEW_TABLE = {
    "overview": ("overview", None, None),
    **{e.name: (e.cls.split(":")[0], e.layer_type, registry.root(e.name) if registry.root(e.name) in OVERLAID else None)
       for e in registry.ENTRIES},
}


class Figure:
    """One drawn view: shown inline by Jupyter, or saved with ``figure.save("view.svg" / "view.html")``."""

    def __init__(self, title: str, svg_text: str | None, html: str):
        self.title, self._svg, self._html = title, svg_text, html

    def _repr_svg_(self) -> str | None:
        return self._svg  # None for the HTML boxes: Jupyter then uses _repr_html_

    def _repr_html_(self) -> str:
        return self._html

    def save(self, path) -> Path:
        path = Path(path)
        text = self._svg if path.suffix.lower() == ".svg" and self._svg else self._html
        if path.suffix.lower() == ".svg" and not self._svg:
            raise ValueError(f"{self.title} is HTML (a formula box), not SVG: save it as .html")
        path.write_text(text, encoding="utf-8")
        return path

    def __repr__(self) -> str:
        return f"<Figure: {self.title}>"


@lru_cache(maxsize=4)
def _network(model: str):
    from .engine.network import load_network

    return load_network(model)


def load_model(model=None):
    """The network in a model folder (default: the trained Tiny VGG), loaded once per folder."""
    return _network(str(Path(model).resolve() if model else WEIGHTS_DIR))


def _trace(image, network):
    import numpy as np

    from .images.preprocess import load_image

    array = image if isinstance(image, np.ndarray) else load_image(image)
    return network.forward(array)


def _state(image, **values) -> State:
    where = str(image) if isinstance(image, (str, os.PathLike)) else None
    return State(image=CUSTOM_IMAGE, image_url=where, **values)


def _check(network, name: str, layer: str | None, neuron: int, channel: int | None) -> str:
    """The layer the view is about (default: the first of its type); a ValueError in words otherwise."""
    if name not in VIEW_TABLE:
        raise ValueError(f"no view {name!r}; views are {', '.join(VIEW_TABLE)}")
    kind = VIEW_TABLE[name][1]
    if kind is None:
        return None
    if kind == "dense" and not registry.entry(name).hidden:  # the classes' views: the output layer
        count = len(network.classes)
        layer = registry.output_layer(network)
    else:
        kinds = kind if isinstance(kind, tuple) else (kind,)  # e.g. the activation view: ReLU, sigmoid, ...
        fitting = [l.name for l in network.layers if l.type in kinds]
        if not fitting:
            raise ValueError(f"the {name} view shows {' or '.join(kinds)} layers; this network has none")
        layer = layer or fitting[0]
        if layer not in fitting:
            raise ValueError(f"the {name} view shows {' or '.join(kinds)} layers ({', '.join(fitting)}), not {layer!r}")
        count = network.shapes[layer][0]
    if not 0 <= neuron < count:
        raise ValueError(f"{layer} has {count} {'classes' if kind == 'dense' else 'maps'}; no number {neuron}")
    if channel is not None and not 0 <= channel < network.shapes[network.sources[layer]][0]:
        raise ValueError(f"{layer} has {network.shapes[network.sources[layer]][0]} input channels; no {channel}")
    return layer


def _styles(*names: str) -> str:
    return "\n".join((STYLES_DIR / n).read_text(encoding="utf-8") for n in names if (STYLES_DIR / n).is_file())


def overview(image, model=None, colors: str = "unit", detail: bool = False) -> Figure:
    """The network's overview of ``image`` (a path, bytes or a (64, 64, 3) array): every layer's maps."""
    from .views.widgets.overview import standalone_svg

    network = load_model(model)
    trace = _trace(image, network)
    text = standalone_svg(_state(image, colors=colors, detail=detail), trace, network)
    return Figure("overview", text, text[text.index("<svg"):])


def view(name: str, image, layer: str | None = None, neuron: int = 0, channel: int | None = None,
         model=None, colors: str = "unit") -> Figure:
    """One view of the explainer, e.g. ``view("relu", "photo.jpg", layer="relu_1_1", neuron=3)``.

    For flatten and softmax, ``neuron`` is the class index; for conv-formula, ``channel`` the input channel."""
    if name == "overview":
        return overview(image, model, colors)
    from .views.detail import conv_elastic
    from .views.detail.base import build
    from .views.widgets import overview as overview_view

    network = load_model(model)
    layer = _check(network, name, layer, neuron, channel)
    trace = _trace(image, network)
    if name == "conv-formula":
        channel = channel or 0
    state = _state(image, colors=colors, view=name, layer=layer, neuron=neuron, channel=channel)
    overlay_view = VIEW_TABLE[name][2]
    if overlay_view and registry.drawn_root(name, network, layer) != overlay_view:
        overlay_view = None  # e.g. the softmax of a net whose flatten view cannot draw its classes: alone
    grid, body = overview_view._body(state, trace, network, standalone=True)
    css = overview_view.STANDALONE_STYLE + _styles("detail.css")  # the overlays' classes, as on the page
    if overlay_view:
        root = build(state.with_(view=overlay_view, channel=None), trace, network)
        if overlay_view == "conv-elastic":  # drawn fully revealed, as the page leaves it after the animation
            body += conv_elastic.render(root.state, trace, network, tick=conv_elastic.TICKS_1D ** 2 - 1)
        else:
            body += root.overlay()
        css += root.overview_css()
    picture = svg.document(body, grid.width, grid.height, style=css, id="overview-svg", data_detail=overlay_view,
                           class_="overview", font_family="sans-serif")
    inline = picture[picture.index("<svg"):].replace("<svg ", '<svg style="display:block;width:100%;height:auto" ', 1)
    if overlay_view == name:  # the whole view is SVG
        return Figure(f"{name} {layer} {neuron}", picture, inline)
    box = build(state, trace, network).markup()
    html = (f'<div class="cnn-explainer" style="position:relative;max-width:1100px">'
            f'{inline}'  # its <style> (detail.css) styles the box too
            f'<div class="detail-layer" style="aspect-ratio:{grid.width:g} / {grid.height:g}">{box}</div></div>')
    return Figure(f"{name} {layer} {neuron}", None, html)
