"""The "Why?" view: the photo with a heat map of one explanation method over it, for one class.

``render(state, trace, network, method=..., target=..., compare=...)`` is HTML text: the method's name,
the photo and its heat map (and, to compare, the same method for a second class, on the same colour
range), a colour legend with the map's real minimum and maximum, two sentences on what it shows, and
the NumPy code that computed it. ``figure`` is the drawing alone; ``python -m pyapp explain`` writes it
as a standalone SVG, and ``overlay`` blends the same colours into the photo's pixels for a PNG.
``WhyView`` is the page's view (the registry's ``why``): method, class and class to compare from the State,
the method buttons, "compare with" and a read-out of the value under the pointer (pyapp/page/detail/why.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import why_contributions
from ...engine import explain, gradients, roles
from ...engine.network import INPUT
from ...ui.words import indefinite
from ...images.png import input_pixels
from ...ui import geometry, svg
from ...ui.colors import TEXT_GREY
from ..parts import box, code_panel, legend
from ..parts.grids import picture
from ..parts.scales import Scale
from .base import DetailView, Placement

PHOTO = 192  # px: side of each photo in the view (3 screen pixels per input pixel)
GAP = 24
TOP = 22  # room for the class name above each photo
LEGEND_WIDTH = 160
ALPHA = 0.8  # how much the heat map's colour covers the photo where the map is strongest
# signed: negative red, positive blue, as the overview; unsigned (how much, either way): purple (ui/colors.py)
UNSIGNED_SCALE, SIGNED_SCALE = "purples", "rdbu"
LEGEND_INSET = 16  # px: the legend's first tick label is centred on its left end and must not be cut off
CONTROLS_WIDTH = 350  # px: the four method buttons on one line
FADED_OPACITY = 0.3  # the overview's columns behind the box (their maps' contribution bars stay strong)
GRADIENT_ID = "why-gradient-{}"  # one per colour scale: two views on a page must not share an id
# The engine functions behind each method's numbers, shown in the code panel (besides the method itself).
BACKWARD_FUNCTIONS = (gradients.backward, gradients.chain, gradients.chain_stepwise, gradients.dense_input_gradient,
                      gradients.flatten_gradient, gradients.max_pool2d_gradient, gradients.relu_gradient,
                      gradients.conv2d_input_gradient, gradients.add_windows_back)
# What a strong colour means, per method (in the colours of heat_scale).
SAYS = {
    "saliency": "Dark purple marks the pixels where a tiny change would move the class score most.",
    "gradient-x-input": "Blue pixels pushed the class score up and red ones pushed it down, to a first approximation.",
    "gradcam": "Dark purple marks where the maps of {layer} that raise the class score are active.",
    "occlusion": "Blue marks the places whose hiding under a grey square lowers the class probability, "
                 "red those whose hiding raises it.",
}
HELPERS = {"saliency": (explain.input_gradient,), "gradient-x-input": (explain.input_gradient,),
           "gradcam": (explain.to_input,), "occlusion": (explain.occluded_forward, explain.to_input)}


@dataclass(frozen=True)
class Panel:
    """One photo with its heat map: the class it explains and the numbers."""

    target: int
    heat: np.ndarray


def heat_scale(method: explain.Method, heats) -> Scale:
    """Colours over the maps' real range: signed methods centred on 0, the others from their minimum."""
    lo = min(float(np.min(h)) for h in heats)
    hi = max(float(np.max(h)) for h in heats)
    if method.signed:
        extent = max(abs(lo), abs(hi)) or 1.0
        return Scale(SIGNED_SCALE, -extent, extent)
    return Scale(UNSIGNED_SCALE, lo, hi if hi > lo else lo + 1.0)


def strength(heat: np.ndarray, scale: Scale) -> np.ndarray:
    """0..1 per pixel: how far from the scale's neutral point (its low end, or 0 for a signed scale)."""
    if scale.name == SIGNED_SCALE:
        return np.abs(heat) / scale.hi
    return (heat - scale.lo) / (scale.hi - scale.lo)


def heat_rgba(heat: np.ndarray, scale: Scale, alpha: float = ALPHA) -> np.ndarray:
    """The heat map's colours (uint8 (H, W, 4)), transparent where it is weak so the photo shows through."""
    opacity = np.clip(alpha * strength(heat, scale), 0, 1)
    return np.dstack([scale.rgb(heat), np.round(255 * opacity).astype(np.uint8)])


def overlay(photo: np.ndarray, heat: np.ndarray, scale: Scale, alpha: float = ALPHA) -> np.ndarray:
    """The photo with ``heat_rgba`` blended over it (uint8 (H, W, 3)): the pixels of the view's drawing."""
    rgba = heat_rgba(heat, scale, alpha).astype(np.float32)
    a = rgba[..., 3:] / 255
    return np.clip(np.round((1 - a) * photo.astype(np.float32) + a * rgba[..., :3]), 0, 255).astype(np.uint8)


def panels(network, trace, method: str, target, compare=None, layer: str | None = None) -> list[Panel]:
    first = explain.class_index(network, target)
    targets = [first] + ([explain.class_index(network, compare)] if compare is not None else [])
    return [Panel(t, explain.explain(network, trace, t, method, layer)) for t in targets]


def cam_layer(network, layer: str | None) -> str | None:
    """Grad-CAM's convolution: the one asked for, or the last (the original paper's choice)."""
    return layer if layer in roles.convolutions(network) else roles.last_convolution(network)


def _legend(scale: Scale, shown: list[Panel], x: float, y: float) -> str:
    """The colour bar over the scale's range, and the maps' real minimum and maximum written out."""
    lo = min(float(p.heat.min()) for p in shown)
    hi = max(float(p.heat.max()) for p in shown)
    bar = legend.color_legend(x, y, LEGEND_WIDTH, scale.lo, scale.hi, GRADIENT_ID.format(scale.name), ticks=3,
                              digits=_digits(scale))
    text = svg.text(f"min {lo:.3g}   max {hi:.3g}", x=x + LEGEND_WIDTH + 12, y=y + 6, font_size="11",
                    fill=TEXT_GREY, class_="why-range")
    return svg.group([bar, text], class_="why-legend", data_min=f"{lo:.6g}", data_max=f"{hi:.6g}")


def _digits(scale: Scale) -> int:
    span = scale.hi - scale.lo
    return 2 if span >= 0.1 else (3 if span >= 0.01 else 4)


def figure(network, trace, method: str, shown: list[Panel]) -> tuple[str, float, float]:
    """The drawing: each photo with its heat map and class name, and the legend under them."""
    info = explain.METHODS[method]
    scale = heat_scale(info, [p.heat for p in shown])
    photo = input_pixels(trace)
    probs = trace.probabilities
    parts = [f"<defs>{legend.gradient(GRADIENT_ID.format(scale.name), scale.name)}</defs>"]
    for i, p in enumerate(shown):
        x = i * (PHOTO + GAP)
        name = network.classes[p.target]
        parts.append(svg.group([
            svg.text(f"{name} ({100 * float(probs[p.target]):.1f}%)", x=x, y=TOP - 7, font_size="13",
                     fill="#222", class_="why-class"),
            picture(photo, x, TOP, PHOTO, PHOTO, class_="why-photo"),
            picture(heat_rgba(p.heat, scale), x, TOP, PHOTO, PHOTO, class_="why-heat"),
        ], class_="why-panel", data_class=name, data_index=p.target))
    parts.append(_legend(scale, shown, LEGEND_INSET, TOP + PHOTO + 14))
    return ("".join(parts), *figure_size(len(shown)))


def figure_size(count: int) -> tuple[float, float]:
    """(width, height) of the drawing of ``count`` photos, in px."""
    return max(count * PHOTO + (count - 1) * GAP, LEGEND_INSET + LEGEND_WIDTH + 170), TOP + PHOTO + 44


def sentences(network, method: str, target: int, layer: str | None = None) -> str:
    """Two sentences: what the picture shows, and what it does not."""
    info = explain.METHODS[method]
    name = network.classes[target]
    last = roles.last_convolution(network)
    layer = cam_layer(network, layer)
    says = SAYS[method].format(layer="the last convolution" if layer == last else layer)
    return (f"{says} It shows what this network used to score \u201c{name}\u201d on this photo, "
            f"not what makes something {indefinite(name)} in the world ({info.citation}).")


def code(method: str, network, shown: list[Panel], layer: str | None = None) -> str:
    """The collapsible panel: the method's source, the engine functions it calls, and the call made."""
    info = explain.METHODS[method]
    funcs = [info.compute, *HELPERS[method]] + (list(BACKWARD_FUNCTIONS) if method != "occlusion" else [])
    parts = []
    for func in funcs:
        parts.append(f'<p class="code-caption"><code>{svg.escape(func.__module__)}.{svg.escape(func.__name__)}'
                     f'</code>:</p><pre class="code-source"><code>{svg.escape(code_panel.source(func))}</code></pre>')
    for p in shown:
        where = f", layer={cam_layer(network, layer)!r}" if method == "gradcam" else ""
        call = (f"explain.{info.compute.__name__}(network, trace, {p.target}{where})  "
                f"# {network.classes[p.target]}\n\u2192 {code_panel.describe(p.heat)}, "
                f"min {float(p.heat.min()):.6g}, max {float(p.heat.max()):.6g}")
        parts.append(f'<pre class="code-call"><code>{svg.escape(call)}</code></pre>')
    return code_panel.collapsible("".join(parts))


def compare_select(network, target: int, compare: int | None) -> str:
    """"Compare with": no class, or any other class (drawn beside it on the same colour range)."""
    options = [svg.element("option", "nothing", value="", selected=compare is None)]
    options += [svg.element("option", svg.escape(name), value=i, selected=i == compare)
                for i, name in enumerate(network.classes) if i != target]
    return svg.element("label", "Compare with " + svg.element("select", options, data_why_compare=""),
                       class_="why-compare")


def layer_select(network, layer: str | None) -> str:
    """Grad-CAM's convolution: any of the network's (the last by default; earlier ones are finer and see less)."""
    current = cam_layer(network, layer)
    options = [svg.element("option", svg.escape(name), value=name, selected=name == current)
               for name in roles.convolutions(network)]
    return svg.element("label", "Grad-CAM on " + svg.element("select", options, data_why_layer=""),
                       class_="why-compare why-layer")


def readout(network, shown: list[Panel], target: int, fx: float, fy: float) -> str:
    """What the read-out says with the pointer at fractions (fx, fy) of the photo of class ``target``."""
    panel = next(p for p in shown if p.target == target)
    h, w = panel.heat.shape
    row, col = min(max(int(fy * h), 0), h - 1), min(max(int(fx * w), 0), w - 1)
    return f"{network.classes[panel.target]}, pixel ({row}, {col}): {float(panel.heat[row, col]):.4g}"


READOUT_HINT = "Point at a photo to read the heat map's value there."


def method_buttons(current: str) -> str:
    """One button per method; the page switches ``data-method`` on a click."""
    return "".join(
        f'<button type="button" class="why-method"{svg.attrs(data_action="why-method", data_method=key)}'
        f' aria-pressed="{"true" if key == current else "false"}"'
        f'{svg.attrs(style="font-weight:bold") if key == current else ""}>{svg.escape(m.label)}</button>'
        for key, m in explain.METHODS.items())


def render(state, trace, network, method: str = explain.DEFAULT_METHOD, target=None, compare=None,
           shown: list[Panel] | None = None, layer: str | None = None) -> str:
    """The whole view as HTML. ``target`` defaults to the network's answer; ``shown`` reuses computed maps;
    ``layer``: Grad-CAM's convolution (None: the last)."""
    if target is None:
        target = int(np.argmax(trace.probabilities))
    shown = shown or panels(network, trace, method, target, compare, layer)
    chooser = layer_select(network, layer) if method == "gradcam" and len(roles.convolutions(network)) > 1 else ""
    drawing, width, height = figure(network, trace, method, shown)
    info = explain.METHODS[method]
    compared = shown[1].target if len(shown) > 1 else None
    body = (f'<div class="why-body" style="max-width:{svg.num(max(width, CONTROLS_WIDTH))}px">'
            f'<div class="why-controls"><div class="why-methods" role="group" aria-label="Method">'
            f'{method_buttons(method)}</div>{compare_select(network, shown[0].target, compared)}{chooser}</div>'
            + box.svg_block(drawing, width, height, class_="detail-svg why-svg")
            + f'<output class="why-readout" data-role="why-readout">{READOUT_HINT}</output>'
            + f'<p class="why-text">{svg.escape(sentences(network, method, shown[0].target, layer))}</p></div>')
    return box.box("why", f"Why? {svg.escape(info.label)}", body, layer=INPUT, neuron=shown[0].target,
                          code=code(method, network, shown, layer), steppable=False, data_method=method,
                          data_class=network.classes[shown[0].target])


class WhyView(DetailView):
    """The "Why?" box for class ``state.neuron`` with ``state.method`` (and ``state.compare`` beside it),
    over the overview, whose earlier columns fade so the output classes (and their Why? controls) and the
    bar under each map for its contribution to the class (``why_contributions``) stand out."""

    view = "why"

    def __init__(self, state, trace, network):
        super().__init__(state, trace, network)
        self.method = state.method if state.method in explain.METHODS else explain.DEFAULT_METHOD
        self.shown = panels(network, trace, self.method, self.neuron, state.compare, state.cam)
        self.width, self.height = figure_size(len(self.shown))

    def overview_css(self) -> str:
        root = f'#overview-svg[data-detail="{self.view}"]'
        return (f'{root} .column:not([data-column="{geometry.OUTPUT}"]),{root} .links'
                f'{{opacity:{FADED_OPACITY};transition:opacity .3s}}\n'
                # the bars' caption takes the legends' place: one legend for what is on screen
                f'{root} .legends{{visibility:hidden}}\n'
                f'{root} .output-class[data-index="{self.neuron}"] .output-text{{font-weight:700;opacity:1}}\n'
                f'{root} .why-open[data-why="{self.neuron}"] .why-open-box{{stroke:#444;fill:#f1f1f1}}')

    def overlay(self) -> str:
        return why_contributions.overlay(self.network, self.trace, self.neuron, self.state.maps)

    def markup(self, pixel=None, playing=None) -> str:
        return render(self.state, self.trace, self.network, self.method, self.neuron, shown=self.shown,
                      layer=self.state.cam)

    def placement(self) -> Placement:
        # the box's size in px: the drawing plus the method buttons, read-out, text and header around it
        return Placement((geometry.PADDING_LEFT, geometry.COLUMNS_TOP, "left", "top"), max(self.width, CONTROLS_WIDTH),
                         self.height + 150)

    def readout(self, target: int, fx: float, fy: float) -> str:
        return readout(self.network, self.shown, target, fx, fy)


def standalone_svg(network, trace, method: str, target, compare=None) -> str:
    """The figure as a complete SVG file (the command line's ``explain -o FILE.svg``)."""
    shown = panels(network, trace, method, target, compare)
    drawing, width, height = figure(network, trace, method, shown)
    title = f"{explain.METHODS[method].label}: {network.classes[shown[0].target]}"
    return svg.document(drawing, width, height, title=title)
