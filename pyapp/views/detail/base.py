"""The one shape of a detail view: what the page's host (pyapp/page/detail/host.py) asks of every view.

A view is built from (state, trace, network) and answers, as text, what it draws: over the overview
(``overview_css`` slides and fades its columns, ``overlay`` is a <g> in the overview's coordinates) and
in a floating box (``markup``, placed at ``placement``). A view that steps (its registry entry has a
``step_ms``) also gives the ``frame`` for each output pixel. A view whose registry parent is another
view (the formula under the elastic view, the softmax under the flatten view) is drawn over its
parent's overlay, so it gives only its box.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import registry
from ..parts.frames import Frame, clamp_pixel, pixel_for_hover


@dataclass(frozen=True)
class Placement:
    """Where a box goes: ``anchor`` = (x, y, side, valign) in the overview's viewBox units, with ``side``
    the box's edge at x ("left" or "right") and ``valign`` its part at y; its size in px."""

    anchor: tuple[float, float, str, str]
    width: float
    height: float


class DetailView:
    view = ""  # the registry name
    stride = 1  # steppers: input pixels per output pixel

    def __init__(self, state, trace, network):
        self.state, self.trace, self.network = state, trace, network
        self.layer, self.neuron = state.layer, int(state.neuron or 0)

    @property
    def step_ms(self) -> int | None:
        return registry.entry(self.view).step_ms

    # -- over the overview (asked of the view the overview opens) ---------------------------------
    def overview_css(self) -> str:
        return ""

    def overlay(self) -> str:
        return ""

    def overlay_frame(self) -> Frame:
        """The overlay's elements (``data-u``) as first drawn."""
        return {}

    # -- the box -----------------------------------------------------------------------------------
    def markup(self, pixel: tuple[int, int] | None = None, playing: bool | None = None) -> str:
        return ""

    def placement(self) -> Placement | None:
        return None

    # -- stepping (views with a step_ms) ----------------------------------------------------------
    out_shape: tuple[int, int] = (1, 1)

    def start_pixel(self) -> tuple[int, int]:
        return clamp_pixel(self.state.pixel, self.out_shape)

    def hover(self, role: str, row: int, col: int) -> tuple[int, int]:
        return pixel_for_hover(role, row, col, self.stride, self.out_shape)

    def frame(self, pixel: tuple[int, int]) -> Frame:
        return {}

    def describe(self, pixel: tuple[int, int]) -> str:
        """The output position in words (said aloud when the arrow keys move it)."""
        return f"output pixel ({pixel[0]}, {pixel[1]})"


def build(state, trace, network, view: str | None = None) -> DetailView:
    """The view ``view`` (default: the state's) of this state, from the registry."""
    return registry.entry(view or state.view).view_class()(state, trace, network)
