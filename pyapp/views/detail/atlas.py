"""The atlas: every unit of the network, layer by layer, each as the nine patches that excite it most, so the
move from colours and edges in the first layers to textures and parts deeper in is seen at a glance.

Each unit is a link to its own view (pyapp/views/detail/unit.py). Like the unit view, the box opens with a
progress bar and the page fills it when the patches are there (:func:`layers_markup`).
"""
from __future__ import annotations

from ...ui import geometry, svg
from ..parts import box, patches
from .base import DetailView, Placement
from .unit import field_size, progress

TILE = 14  # px of one patch in a unit's 3x3 tile
WIDTH, HEIGHT = 660, 460
SPRITE_ID = "atlas-sprite"
LAYERS = "atlas-layers"  # the place the page fills


def tile(atlas: patches.Atlas, state, layer: str, unit: int, current: bool) -> str:
    """One unit: its nine patches as a 3x3 tile, a link to its view."""
    cells = atlas.unit(layer, unit)
    inner = "".join(
        f'<svg{svg.attrs(x=float((k % 3) * TILE), y=float((k // 3) * TILE), width=float(TILE), height=float(TILE))}'
        f' viewBox="{s.column * atlas.cell} {s.row * atlas.cell} {atlas.cell} {atlas.cell}"><use href="#{SPRITE_ID}"/></svg>'
        for k, s in enumerate(cells))
    size = 3 * TILE
    picture = f'<svg class="atlas-tile" width="{size}" height="{size}" aria-hidden="true">{inner}</svg>'
    top = f", strongest {cells[0].activation:.2f}" if cells else ""
    return (f'<a class="atlas-unit{" atlas-current" if current else ""}"'
            f'{svg.attrs(href=box.unit_address(state, layer, unit), data_layer=layer, data_index=unit, aria_current="true" if current else None)}'
            f' aria-label="{layer}, map {unit + 1}: what it looks for{top}">{picture}'
            f'<span class="atlas-number" aria-hidden="true">{unit + 1}</span></a>')


def layers_markup(atlas: patches.Atlas, state, network) -> str:
    """A row per layer: its name and receptive field, then a tile per unit."""
    rows = []
    for layer, units in atlas.layers.items():
        h, w = field_size(network, layer)
        tiles = "".join(tile(atlas, state, layer, u, (layer, u) == (state.layer, state.neuron)) for u in range(len(units)))
        rows.append(f'<section class="atlas-layer" aria-label="{layer}"><h3 class="atlas-name">{layer}'
                    f' <span>{h}\u00d7{w} px</span></h3><div class="atlas-units">{tiles}</div></section>')
    return (patches.sprite_defs(atlas, SPRITE_ID)
            + f'<p class="atlas-source">The nine patches of {svg.escape(atlas.source)} that excite each unit most.'
              f' The number under a unit is its map; the size beside a layer, what one of its values sees.</p>'
            + "".join(rows))


class AtlasView(DetailView):
    """Every unit of the network's convolution and ReLU layers (``state.layer``/``neuron``: the one marked)."""

    view = "atlas"

    def markup(self, pixel=None, playing=None) -> str:
        body = (f'<div class="atlas-body" data-role="{LAYERS}" aria-live="polite">'
                f'{progress("Finding the patches:", 0, 1)}</div>')
        return box.box("atlas", "What does each unit look for?", body, layer=self.layer or "", neuron=self.neuron,
                       steppable=False)

    def placement(self) -> Placement:
        return Placement((geometry.PADDING_LEFT, geometry.COLUMNS_TOP, "left", "top"), WIDTH, HEIGHT)
