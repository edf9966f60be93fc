"""The detail views in the page: a host that mounts the view ``app.state`` asks for, applies its frames and
runs its timer. What a click opens, what goes back where and how each view is built come from
pyapp.views.registry; every view has the shape of pyapp.views.detail_view.DetailView.

A view's markup is put in once when it opens (one insertAdjacentHTML); afterwards only its frames
(a few attributes and texts) are written. The view the overview opens (the registry's root of the
chain) is mounted with its overlay, a <g> appended to the overview's <svg>, and a generated <style>
that slides and fades the overview's columns; a child view (the formula under the elastic view, the
softmax under the flatten view) adds its box over it. Boxes float in a layer over #overview.
"""
from __future__ import annotations

import json

import js
from pyodide.ffi import create_proxy

from .. import layout as geometry
from ..views import registry
from ..views.detail_box import box_style
from ..views.detail_view import build
from . import detail_elastic, detail_flatten, detail_stepper, detail_warm_up, dom
from .mounted import Mounted

LOCKED = ("#examples", "#controls", "#overview .overview-bar")  # the top controls, off while a view is open
SVG = "#overview-svg"
# What a root view does in the page beyond frames (the elastic kernel's ticks, the flatten hover).
BEHAVIOURS = {"conv-elastic": detail_elastic.ElasticOverlay, "flatten": detail_flatten.FlattenOverlay}


class DetailController:
    def __init__(self, app):
        self.app = app
        self.layer_el = None  # <div class="detail-layer"> over #overview, holding the boxes
        self.style_el = None  # <style id="detail-style">: the overview's slide and fade for this view
        self.root = self.child = None  # the Mounted root view (with its overlay) and child view
        self.root_key = self.child_key = None
        self.behaviour = None  # BEHAVIOURS[root] while one is open
        self.stepper = detail_stepper.Stepper(self)
        self.trace_version = 0
        self.shown_view = None  # what data-detail and the locked controls say now
        self.timings = {}
        self.warm_up = detail_warm_up.WarmUp(self)
        self._focus_proxy = create_proxy(lambda *_: self._focus_box())

    def render(self, app, change) -> None:
        state = app.state
        if change.previous is None:
            self.warm_up.schedule()
        if state.view == registry.OVERVIEW:
            return self.close_all()
        start = js.performance.now()
        self.trace_version += bool(change.trace_changed)  # a new image: every view is drawn again
        self._ensure_layer()
        root = registry.root(state.view)
        root_key = (root, state.layer, state.neuron, state.colors, self.trace_version)
        opened = root_key != self.root_key
        if opened:
            self._close_views()
            self.root = self._mount(build(state, app.trace, app.network, root), with_overlay=True)
            self.root_key = root_key
            behaviour = BEHAVIOURS.get(root)
            self.behaviour = behaviour(self, self.root) if behaviour else None
        child_key = (state.view, state.channel) + root_key if state.view != root else None
        if child_key != self.child_key:
            self._unmount(self.child)
            self.child = self._mount(build(state, app.trace, app.network)) if child_key else None
            self.child_key, opened = child_key, True
        if self.behaviour is not None:
            self.behaviour.follow(state)
        shown = self.child or self.root
        if opened:
            self.stepper.start(shown if shown.view.step_ms else None, state)
        else:
            self.stepper.follow_pin(state)
        if self.shown_view != state.view:
            svg = dom.query(SVG)
            if svg is not None:
                svg.setAttribute("data-detail", state.view)
            self._lock_controls(True)
            self.shown_view = state.view
        self.timings["render_ms"] = js.performance.now() - start

    # -- mounting -----------------------------------------------------------------------------------
    def _mount(self, view, with_overlay: bool = False) -> Mounted:
        start = js.performance.now()
        mounted = Mounted(view)
        svg = dom.query(SVG)
        if with_overlay:
            self.style_el.textContent = view.overview_css()
            overlay = view.overlay()
            if overlay and svg is not None:
                svg.insertAdjacentHTML("beforeend", overlay)
                mounted.overlay = svg.lastElementChild
                mounted.cells = {el.getAttribute("data-u"): el for el in dom.query_all("[data-u]", mounted.overlay)}
                mounted.cells["overlay"] = mounted.overlay
                mounted.frame = view.overlay_frame()
        placement = view.placement()
        if placement is not None:
            pixel, playing = view.start_pixel(), view.state.pixel is None  # a pinned link opens paused
            self.layer_el.insertAdjacentHTML("beforeend", view.markup(pixel, playing))
            mounted.box = self.layer_el.lastElementChild
            grid = geometry.overview_layout(self.app.network)
            mounted.box.style.cssText = box_style(grid.width, grid.height, placement.anchor, placement.width,
                                                  placement.height)
            self._hide_info_without_article(mounted.box)
            js.setTimeout(self._focus_proxy, 0)  # after this task: focusing now would force a layout
        self.timings.update(box_ms=js.performance.now() - start, box_view=view.view)
        return mounted

    def _unmount(self, mounted: Mounted | None) -> None:
        if mounted is None:
            return
        if mounted is self.stepper.mounted:
            self.stepper.stop()
        for element in (mounted.overlay, mounted.box):
            if element is not None:
                self._keep_focus(element)
                element.remove()

    def _close_views(self) -> None:
        if self.behaviour is not None:
            self.behaviour.close()
        self._unmount(self.child)
        self._unmount(self.root)
        self.root = self.child = self.behaviour = self.root_key = self.child_key = None
        if self.style_el is not None:
            self.style_el.textContent = ""

    def close_all(self) -> None:
        self._close_views()
        if self.shown_view is not None:
            svg = dom.query(SVG)
            if svg is not None:
                svg.removeAttribute("data-detail")
            self._lock_controls(False)
            self.shown_view = None

    def _ensure_layer(self) -> None:
        if self.layer_el is None or not self.layer_el.isConnected:
            overview = dom.query("#overview")
            grid = geometry.overview_layout(self.app.network)
            overview.insertAdjacentHTML(  # over the overview's <svg> exactly: its width, its aspect ratio
                "beforeend", f'<div class="detail-layer" data-role="detail-layer" tabindex="-1" '
                             f'style="aspect-ratio:{grid.width:g} / {grid.height:g}"></div>')
            self.layer_el = overview.lastElementChild
        if self.style_el is None or not self.style_el.isConnected:
            js.document.head.insertAdjacentHTML("beforeend", '<style id="detail-style"></style>')
            self.style_el = js.document.getElementById("detail-style")

    @staticmethod
    def _hide_info_without_article(box) -> None:
        info = box.querySelector('[data-action="info"]')
        section = info.getAttribute("data-section") if info is not None else None
        if info is not None and (not section or js.document.getElementById(section) is None):
            info.hidden = True  # no article in this page: no button that does nothing

    def _focus_box(self) -> None:
        """The open box takes the keyboard focus (Tab reaches its buttons; Esc still closes it)."""
        shown = self.child or self.root
        box = shown.box if shown is not None else None
        if box is not None and box.isConnected and box.hasAttribute("data-view"):  # not a part of a view
            box.focus(js.Object.fromEntries([["preventScroll", True]]))

    def _keep_focus(self, element) -> None:
        """Before ``element`` goes: if it holds the keyboard focus, hand it to the detail layer (inside
        #app), so the next Esc still reaches the page instead of an orphaned <body>."""
        active = js.document.activeElement
        if active is not None and element.contains(active) and self.layer_el is not None:
            self.layer_el.focus(js.Object.fromEntries([["preventScroll", True]]))

    def _lock_controls(self, locked: bool) -> None:
        for selector in LOCKED:
            element = dom.query(selector)
            if element is not None:
                element.classList.toggle("controls-locked", locked)
                if locked:
                    element.setAttribute("inert", "")
                else:
                    element.removeAttribute("inert")

    # -- clicks ---------------------------------------------------------------------------------------
    def open_view(self, layer: str, index: int):
        """A map (or output class) of ``layer``: open the view the registry gives its type; the open view's
        own map closes it (as the reference)."""
        state = self.app.state
        if state.view != registry.OVERVIEW:
            if layer != state.layer or index != state.neuron:
                return None
            self.app.set_state(state.overview())
            return True
        try:
            entry = registry.opened_by(self.app.network.layer(layer).type)
        except KeyError:
            entry = None  # the input has no detail view
        if entry is None:
            return None
        self.app.set_state(state.overview().with_(view=entry.name, layer=layer, neuron=index))
        return True

    def click_map(self, event, element):
        layer, index = element.getAttribute("data-layer"), int(element.getAttribute("data-index"))
        if self.behaviour is not None and self.behaviour.click_map(layer, index):
            return True
        return self.open_view(layer, index)

    def click_output(self, event, element):
        index = int(element.getAttribute("data-index"))
        dense = [layer.name for layer in self.app.network.layers if layer.type == registry.OUTPUT_LAYER_TYPE][-1]
        state, entry = self.app.state, registry.opened_by(registry.OUTPUT_LAYER_TYPE)
        if state.view != registry.OVERVIEW and registry.root(state.view) == entry.name and index != state.neuron:
            self.app.set_state(state.overview().with_(view=entry.name, layer=dense, neuron=index))  # another class
            return True
        return self.open_view(dense, index)

    def action(self, event, element):
        name = element.getAttribute("data-action")
        state = self.app.state
        if name == "close":
            self.app.set_state(state.back())
        elif name == "play":
            self.stepper.toggle()
        elif name == "info":
            self._scroll_to(element.getAttribute("data-section"))
        elif name in registry.VIEWS:  # a button that opens a child view (the flatten view's "softmax")
            self.app.set_state(state.with_(view=name))
        elif self.behaviour is None or not self.behaviour.action(name, element):
            return None
        event.stopPropagation()
        return True

    def key(self, event, element):
        if event.key not in ("Enter", " "):
            return None
        event.preventDefault()
        if element.hasAttribute("data-action"):
            return self.action(event, element)
        if element.classList.contains("output-class"):
            return self.click_output(event, element)
        return self.click_map(event, element)

    def _scroll_to(self, section: str | None) -> None:
        target = js.document.getElementById(section) if section else None
        if target is not None:
            smooth = "auto" if js.window.matchMedia("(prefers-reduced-motion: reduce)").matches else "smooth"
            target.scrollIntoView(js.Object.fromEntries([["behavior", smooth], ["block", "start"]]))

    def hover_info(self, event, element):
        """A pointer on an overlay's glyph, link or node: what it is, in the overlay's read-out."""
        overlay = self.root.overlay if self.root is not None else None
        info = overlay.querySelector('[data-role="hover-info"]') if overlay is not None else None
        if info is not None:
            info.textContent = element.getAttribute("data-hover") if event.type == "pointerover" else ""

    def timings_json(self) -> str:
        return json.dumps(self.timings)


def install(app) -> DetailController:
    controller = DetailController(app)
    app.detail = controller  # tests and the benchmark read controller.timings
    app.renderers.append(controller.render)
    app.on("click", "#overview [data-action]", controller.action)
    app.on("click", f"{SVG} .map[data-layer]", controller.click_map)
    app.on("click", f"{SVG} .output-class", controller.click_output)
    app.on("keydown", "#overview [data-action]", controller.key)
    app.on("keydown", f"{SVG} .map[data-layer], {SVG} .output-class", controller.key)
    app.on("pointermove", ".detail-box [data-grid]", controller.stepper.hover_grid)
    app.on("pointerover", ".detail-overlay [data-hover]", controller.hover_info)
    app.on("pointerout", ".detail-overlay [data-hover]", controller.hover_info)
    detail_flatten.install(app, controller)
    js.explainer.detailTimings = create_proxy(controller.timings_json)
    return controller
