"""The detail views in the page: a host that mounts the view ``app.state`` asks for, applies its frames and
runs its timer. What a click opens, what goes back where and how each view is built come from
pyapp.views.detail.registry; every view has the shape of pyapp.views.detail.base.DetailView.

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

from . import clicks, elastic, flatten, shift, stepper, units, warm_up, why
from .. import dom, keyboard
from ...ui import geometry
from ...views.detail import registry
from ...views.detail.base import build
from ...views.parts.box import box_style
from .mounted import Mounted

LOCKED = ("#examples", "#controls", "#overview .overview-bar")  # the top controls, off while a view is open
SVG = "#overview-svg"
SCROLL_AREA = "#overview .overview-scroll"
NARROW = "(max-width: 56rem)"  # overview.css: below this width the overview scrolls sideways in its own area
# What a root view does in the page beyond frames (the elastic kernel's ticks, the flatten hover).
BEHAVIOURS = {"conv-elastic": elastic.ElasticOverlay, "flatten": flatten.FlattenOverlay,
              "why": why.WhyBox, "shift": shift.ShiftBox, "unit": units.UnitBox, "atlas": units.AtlasBox}


class DetailController:
    def __init__(self, app):
        self.app = app
        self.layer_el = None  # <div class="detail-layer"> over #overview, holding the boxes
        self.style_el = None  # <style id="detail-style">: the overview's slide and fade for this view
        self.root = self.child = None  # the Mounted root view (with its overlay) and child view
        self.root_key = self.child_key = None
        self.behaviour = None  # BEHAVIOURS[root] while one is open
        self.stepper = stepper.Stepper(self)
        self.trace_version = 0
        self.shown_view = None  # what data-detail and the locked controls say now
        self.timings = {}
        self.warm_up = warm_up.WarmUp(self)
        self.still = False  # prefers-reduced-motion, read when a view opens: it opens still
        self.keyboard = None  # keyboard.Keyboard: focus into, within and out of the views

    def render(self, app, change) -> None:
        state = app.state
        if change.previous is None:
            self.warm_up.schedule()
        if state.view == registry.OVERVIEW:
            return self.close_all()
        start = js.performance.now()
        self.trace_version += bool(change.trace_changed)  # a new image: every view is drawn again
        self._ensure_layer()
        root = registry.drawn_root(state.view, app.network, state.layer)
        # method, compare and cam: what the "Why?" view draws (the other views leave them at their defaults);
        # maps: the overview's page, which an overlay follows
        root_key = (root, state.layer, state.neuron, state.method, state.compare, state.cam, state.maps, state.colors,
                    self.trace_version)
        opened = root_key != self.root_key
        child_key = (state.view, state.channel) + root_key if state.view != root else None
        if opened or child_key != self.child_key:
            self.still = dom.reduced_motion()
        if opened:
            self._close_views()
            self.root = self._mount(build(state, app.trace, app.network, root), with_overlay=True)
            self.root_key = root_key
            behaviour = BEHAVIOURS.get(root)
            self.behaviour = behaviour(self, self.root) if behaviour else None
            self._bring_into_view(state)
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

    def _bring_into_view(self, state) -> None:
        """Where the overview scrolls sideways (narrow screens), scroll it to what the opened view draws."""
        area = dom.query(SCROLL_AREA)
        if area is None or not js.matchMedia(NARROW).matches:
            return  # a wide screen shows the whole overview: nothing to read from the layout
        grid = geometry.overview_layout(self.app.network)
        names = [column.name for column in grid.columns]
        column = grid.column(state.layer if state.layer in names else geometry.OUTPUT)
        left, right = column.x, column.x + geometry.NODE_SIZE
        overlay = self.root.overlay if self.root is not None else None
        if overlay is not None:  # the elastic and flatten views draw across several columns
            box = overlay.getBBox()
            left, right = min(left, box.x), max(right, box.x + box.width)
        scale = area.scrollWidth / grid.width
        view = area.clientWidth
        centre = (left + right) / 2 * scale - view / 2
        area.scrollLeft = max(0, min(centre, left * scale - 8))  # its left edge in view when it is wider

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
            # a pinned link opens paused, and every view under prefers-reduced-motion
            pixel, playing = view.start_pixel(), view.state.pixel is None and not self.still
            self.layer_el.insertAdjacentHTML("beforeend", view.markup(pixel, playing))
            mounted.box = self.layer_el.lastElementChild
            grid = geometry.overview_layout(self.app.network)
            mounted.box.style.cssText = box_style(grid.width, grid.height, placement.anchor, placement.width,
                                                  placement.height)
            self._hide_info_without_article(mounted.box)
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

    def _keep_focus(self, element) -> None:
        """Before ``element`` goes: if it holds the keyboard focus, hand it to the detail layer (inside
        #app), so the next Esc still reaches the page instead of an orphaned <body>."""
        active = js.document.activeElement
        if active is not None and element.contains(active) and self.layer_el is not None:
            dom.focus(self.layer_el, scroll=False)

    def _lock_controls(self, locked: bool) -> None:
        for selector in LOCKED:
            element = dom.query(selector)
            if element is not None:
                element.classList.toggle("controls-locked", locked)
                if locked:
                    element.setAttribute("inert", "")
                else:
                    element.removeAttribute("inert")

    def timings_json(self) -> str:
        return json.dumps(self.timings)


def install(app) -> DetailController:
    controller = DetailController(app)
    controller.keyboard = keys = keyboard.install(app, controller)
    app.renderers += [keys.remember, controller.render, keys.follow]  # the focus before and after a view draws
    app.install("detail", controller, [
        ("pointermove", ".detail-box [data-grid]", controller.stepper.hover_grid),
        ("keydown", ".detail-box [data-grid]", controller.stepper.key_grid),
    ])
    clicks.install(app, controller)
    flatten.install(app, controller)
    why.install(app, controller)
    shift.install(app, controller)
    units.install(app)
    js.explainer.detailTimings = create_proxy(controller.timings_json)
    js.explainer.measureUnits = create_proxy(lambda images=100: units.measure(app, int(images)))  # tests/bench
    return controller
