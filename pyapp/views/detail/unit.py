"""What does this unit look for? The nine image patches that excite one map most, and an image the network
makes for it (Zeiler and Fergus 2014; Olah et al. 2017, as OpenAI Microscope shows them).

Both take time (the patches: a file to fetch or the examples to run; the made image: a gradient ascent), so
``UnitView.markup`` draws the box with a progress bar in each place and the page fills them as they come
(pyapp/page/detail/units.py) with :func:`patches_markup` and :func:`made_markup`.
"""
from __future__ import annotations

import numpy as np

from ...engine import atlas as engine_atlas
from ...engine import maximise
from ...engine.network import INPUT
from ...ui import geometry, svg
from ..parts import box, code_panel, patches
from .base import DetailView, Placement

PATCH = 64  # px of each patch on screen (2 px per sprite pixel)
MADE = 192  # px of the made image (3 px per input pixel)
WIDTH = 3 * (PATCH + 30) + MADE + 40  # the three columns of patches beside the made image
HEIGHT = 3 * (PATCH + 34) + 150  # the grid, the sentences and the links
SPRITE_ID = "unit-sprite"
PATCHES, MADE_ROLE = "unit-patches", "unit-made"  # the two places the page fills


def kind(network, layer: str) -> str:
    """What a unit of the layer is, in words."""
    if network.layer(layer).type == "relu":
        return f"after the ReLU (what {layer} passes on)"
    return "before the ReLU (the convolution's own output)"


def field_size(network, layer: str) -> tuple[int, int]:
    """The receptive field of one unit away from the borders, in input pixels (height, width)."""
    _, h, w = network.shapes[layer]
    (y0, y1), (x0, x1) = network.receptive_field(layer, h // 2, w // 2)[INPUT]
    return y1 - y0, x1 - x0


def patches_markup(atlas: patches.Atlas, network, layer: str, unit: int) -> str:
    """The nine patches, strongest first, each with its activation and the image it came from."""
    cells = []
    for rank, shown in enumerate(atlas.unit(layer, unit)):
        where = patches.image_label(shown.image)
        named = where if where == shown.image else f"{where} ({shown.image})"
        label = f"Patch {rank + 1}: {named}, activation {shown.activation:.3f}"
        cells.append(f'<figure class="unit-patch"{svg.attrs(data_image=shown.image, data_activation=f"{shown.activation:.6g}")}>'
                     + patches.patch(atlas, shown, PATCH, SPRITE_ID, label)
                     + f'<figcaption><b>{shown.activation:.2f}</b> <span title="{svg.escape(shown.image)}">'
                     f'{svg.escape(where)}</span></figcaption></figure>')
    return patches.sprite_defs(atlas, SPRITE_ID) + f'<div class="unit-grid">{"".join(cells)}</div>'


def progress(label: str, done: int, total: int) -> str:
    return (f'<p class="unit-progress"><label>{svg.escape(label)} '
            f'<progress max="{total}" value="{done}">{done} of {total}</progress></label></p>')


def made_markup(step: maximise.Step, start: float) -> str:
    """The made image as far as it has come, its activation against the grey noise it started from."""
    pixels = np.clip(np.rint(step.image * 255), 0, 255).astype(np.uint8)
    done = step.number == step.steps
    words = (f"Strongest response {step.activation:.2f}, from {start:.2f} for the grey noise it started from"
             if done else f"Step {step.number} of {step.steps}: strongest response {step.activation:.2f}")
    image = (f'<img class="unit-made-image" src="{svg.png_data_url(pixels)}" width="{MADE}" height="{MADE}"'
             f'{svg.attrs(alt="The image the network made for this unit", data_activation=f"{step.activation:.6g}", data_done="true" if done else None)}>')
    bar = "" if done else progress("Making the image:", step.number, step.steps)
    return image + bar + f'<p class="unit-made-value">{svg.escape(words)}</p>'


def code() -> str:
    parts = []
    for func in (engine_atlas.scan, engine_atlas.TopUnits.add, maximise.ascend, maximise.blur):
        parts.append(f'<p class="code-caption"><code>{svg.escape(func.__module__)}.{svg.escape(func.__qualname__)}'
                     f'</code>:</p><pre class="code-source"><code>{svg.escape(code_panel.source(func))}</code></pre>')
    return code_panel.collapsible("".join(parts))


class UnitView(DetailView):
    """The box of unit ``state.neuron`` of ``state.layer`` (a convolution or its ReLU)."""

    view = "unit"

    def here(self) -> str:
        """The unit on the photo on screen: its strongest response and where."""
        values = self.trace[self.layer][self.neuron]
        y, x = np.unravel_index(int(np.argmax(values)), values.shape)
        return (f"On this photo its strongest response is {float(values[y, x]):.3f}, at pixel ({y}, {x}) "
                f"of its {values.shape[0]}\u00d7{values.shape[1]} map.")

    def markup(self, pixel=None, playing=None) -> str:
        network, layer, unit = self.network, self.layer, self.neuron
        count = network.shapes[layer][0]
        h, w = field_size(network, layer)
        intro = (f"Map {unit + 1} of {count} in <code>{layer}</code>, {kind(network, layer)}. Each of its values "
                 f"sees a {h}\u00d7{w} pixel patch of the input. {svg.escape(self.here())}")
        links = [f'<a{svg.attrs(href=box.unit_address(self.state, layer, (unit + d) % count), data_role=role)}>{text}</a>'
                 for d, role, text in ((-1, "unit-previous", "\u2190 Previous map"), (1, "unit-next", "Next map \u2192"))]
        links.append(f'<a{svg.attrs(href=box.unit_address(self.state, layer, unit, "atlas"), data_role="unit-atlas")}>'
                     f'Every unit of the network</a>')
        body = (f'<div class="unit-body" style="max-width:{WIDTH}px"><p class="unit-text">{intro}</p>'
                f'<div class="unit-columns">'
                f'<figure class="unit-figure"><div class="unit-patches" data-role="{PATCHES}" aria-live="polite">'
                f'{progress("Finding the patches:", 0, 1)}</div><figcaption>The nine patches that excite it most '
                f'<span data-role="unit-source"></span>: each cut to what the unit sees where it responds most, '
                f'with that response.</figcaption></figure>'
                f'<figure class="unit-figure"><div class="unit-made" data-role="{MADE_ROLE}">'
                f'{progress("Making the image:", 0, maximise.STEPS)}</div><figcaption>Made by the network: grey noise '
                f'changed by gradient ascent on the input until the unit responds strongly all over its map (with '
                f'jitter, blur and a pull towards grey, so the picture stays readable).</figcaption></figure></div>'
                f'<nav class="unit-links" aria-label="Other units">{"".join(links)}</nav></div>')
        return box.box("unit", f"What does map {unit + 1} of {layer} look for?", body, layer=layer, neuron=unit,
                       code=code(), steppable=False)

    def placement(self) -> Placement:
        return Placement((geometry.PADDING_LEFT, geometry.COLUMNS_TOP, "left", "top"), WIDTH, HEIGHT)

