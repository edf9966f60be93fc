"""Receptive field mode in the page: a toggle in the overview's bar; while on, the pixel under the
pointer (or the focused map's centre, moved with the arrow keys) gets the outlines of everything it
depends on, drawn as one <g> appended to #overview-svg. Plain clicks stay the detail views'.
"""
from __future__ import annotations

from . import dom
from ..views.widgets import overview as overview_view, receptive_field as view

MAP = "#overview-svg .map[data-layer][data-index]"
ARROWS = {"ArrowUp": (-1, 0), "ArrowDown": (1, 0), "ArrowLeft": (0, -1), "ArrowRight": (0, 1)}


class ReceptiveFieldController:
    def __init__(self, app):
        self.app = app
        self.on = False
        self.pick = None  # view.Pick shown now (stays when the pointer leaves, until the mode is off)
        self.overlay = None
        self._key = None  # what the overlay shows: (pick, svg)

    # -- markup the overview does not own ----------------------------------------------------------
    def _ensure_controls(self) -> None:
        buttons = dom.query("#overview .overview-buttons")
        if buttons is None or dom.query("#rf-toggle") is not None:
            return
        buttons.insertAdjacentHTML("afterbegin", view.toggle(self.on))
        dom.query("#overview .overview-bar").insertAdjacentHTML("afterend", view.caption_box())

    def render(self, app, change) -> None:
        self._ensure_controls()
        toggle = dom.query("#rf-toggle")
        if toggle is not None:
            toggle.setAttribute("aria-pressed", "true" if self.on else "false")
        caption = dom.query("#rf-caption")
        if caption is not None:
            caption.hidden = not self.on or app.state.view != "overview"
        self._draw()

    # -- drawing --------------------------------------------------------------------------------------
    def _draw(self) -> None:
        svg = dom.query("#overview-svg")
        visible = self.on and self.app.state.view == "overview" and svg is not None
        pick = self.pick if visible else None
        key = (pick, svg)
        if self.overlay is not None and self.overlay.isConnected and self._key == key:
            return
        if self.overlay is not None:
            self.overlay.remove()
            self.overlay = None
        self._key = key
        if svg is None or not visible:
            return
        svg.insertAdjacentHTML("beforeend", view.render(self.app.state, self.app.trace, self.app.network, pick))
        self.overlay = svg.lastElementChild
        caption = dom.query("#rf-caption")
        if caption is not None:
            caption.textContent = view.caption(self.app.network, pick) if pick is not None else view.HINT

    def set_pick(self, pick) -> None:
        if pick == self.pick:
            return
        self.pick = pick
        self._draw()

    # -- events ---------------------------------------------------------------------------------------
    def toggle(self, event, element) -> bool:
        self.on = not self.on
        if not self.on:
            self.pick = None
        self.render(self.app, None)
        return True

    def _map(self, element):
        return element.getAttribute("data-layer"), int(element.getAttribute("data-index"))

    def point(self, event, element) -> None:
        if not self.on or self.app.state.view != "overview":
            return
        box = element.getBoundingClientRect()
        if box.width <= 0 or box.height <= 0:
            return
        layer, index = self._map(element)
        fx, fy = (event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height
        row, col = overview_view.pixel_at(self.app.trace, layer, index, fx, fy)
        self.set_pick(view.Pick(layer, index, row, col))

    def focus(self, event, element) -> None:
        if not self.on or self.app.state.view != "overview":
            return
        layer, index = self._map(element)
        if self.pick is not None and (self.pick.layer, self.pick.index) == (layer, index):
            return
        h, w = self.app.trace[layer][index].shape
        self.set_pick(view.Pick(layer, index, h // 2, w // 2))

    def key(self, event, element):
        if not self.on or event.key not in ARROWS or self.app.state.view != "overview":
            return None
        layer, index = self._map(element)
        if self.pick is None or (self.pick.layer, self.pick.index) != (layer, index):
            self.focus(event, element)
        h, w = self.app.trace[layer][index].shape
        dy, dx = ARROWS[event.key]
        event.preventDefault()  # the arrows move the picked pixel, not the page
        self.set_pick(view.Pick(layer, index, min(max(self.pick.row + dy, 0), h - 1),
                                min(max(self.pick.col + dx, 0), w - 1)))
        return True


def install(app) -> ReceptiveFieldController:
    controller = ReceptiveFieldController(app)
    app.renderers.append(controller.render)
    app.install("receptive_field", controller, [
        ("click", "#rf-toggle", controller.toggle),
        ("pointermove", MAP, controller.point),
        ("pointerover", MAP, controller.point),
        ("focusin", MAP, controller.focus),
        ("keydown", MAP, controller.key),
    ])
    return controller
