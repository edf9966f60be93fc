"""The detail views in the page: open from a click, step on their own, pin by hover, play/pause, close.

What is shown follows ``app.state`` (view, layer, neuron, channel, pixel). A view's markup is built
once when it opens and put in with one insertAdjacentHTML; afterwards the page only writes what
changes (a *frame*: a few attributes and texts) when the window steps, a pointer pins it or the
elastic kernel slides. The formula boxes float in a layer over #overview; the elastic and flatten
overlays are a <g> appended to the overview's <svg> (its coordinates at any size); a generated
<style> slides and fades the overview's columns, so the overview's own markup is never edited.

``state.pixel`` is the pin: None while a window steps on its own, the pinned output pixel while
paused (hover, the pause button, or a deep link).
"""
from __future__ import annotations

import json

import js
import numpy as np
from pyodide.ffi import create_proxy

from .. import layers
from .. import layout as geometry
from ..views import code_panel, conv_elastic, conv_formula, flatten, pool, relu, softmax
from ..views import grid as grids
from ..views.detail_box import icon
from . import dom

STEP_VIEWS = {"conv-formula": conv_formula, "relu": relu, "pool": pool}
VIEW_FOR_TYPE = {"conv2d": "conv-elastic", "relu": "relu", "max_pool2d": "pool"}
ELASTIC_VIEWS = ("conv-elastic", "conv-formula")
FLATTEN_VIEWS = ("flatten", "softmax")
LOCKED = ("#examples", "#controls", "#overview .overview-bar")  # the top controls, off while a view is open
SVG = "#overview-svg"


def _listen(app, target, event_type, handler):
    proxy = create_proxy(handler)
    app._proxies.append(proxy)
    target.addEventListener(event_type, proxy)


class DetailController:
    def __init__(self, app):
        self.app = app
        self.layer_el = None  # <div class="detail-layer"> over #overview, holding the boxes
        self.style_el = None  # <style id="detail-style">: the overview's slide and fade for this view
        self.overlay = None  # <g class="detail-overlay"> inside the overview's <svg>
        self.overlay_key = None
        self.overlay_cells = {}
        self.overlay_frame = None
        self.box = None  # the formula box (conv-formula, relu, pool, softmax)
        self.box_key = None
        self.part = None  # the flatten view's small "logit" box
        self.stepper = None  # the GridView of the open formula box
        self.cells = {}  # data-u key -> element of the box
        self.frame = None  # what the box shows now
        self.pixel = (0, 0)
        self.playing = False
        self.step_timer = None
        self.flat = None  # FlattenView of the open flatten overlay
        self.hovered_entry = None
        self.tick = 0
        self.tick_timer = None
        self.elastic_done = False
        self.intermediates = {}  # (trace version, layer, neuron) -> conv_intermediates: one einsum per view
        self.trace_version = 0
        self.open_row = None  # the elastic view's highlighted row (the formula box's channel)
        self.shown_view = None  # what data-detail and the locked controls say now
        self.timings = {}
        self._step_proxy = create_proxy(self._step)
        self._tick_proxy = create_proxy(self._tick)
        self._focus_proxy = create_proxy(lambda *_: self._focus_box())
        self._warm_proxy = None

    # -- warming up -------------------------------------------------------------------------------
    def _schedule_warm_up(self) -> None:
        """Once the page is idle, draw one of each kind of view off-screen (nothing is inserted), so the
        first click does not pay one-time costs (PNG encoder and einsum set-up, source files read). One
        view per idle moment, so a click is never kept waiting behind the whole warm-up."""
        self._warm_steps = list(self._warm_up_steps())
        self.timings.update(warm_up_ms=0.0, warm_up_left=len(self._warm_steps))
        self._warm_proxy = create_proxy(lambda *_: self._warm_next())
        self._idle()

    def _idle(self) -> None:
        if hasattr(js.window, "requestIdleCallback"):
            js.window.requestIdleCallback(self._warm_proxy, js.Object.fromEntries([["timeout", 4000]]))
        else:
            js.setTimeout(self._warm_proxy, 300)

    def _warm_up_steps(self):
        app = self.app
        network = app.network
        kinds = {layer.type: layer.name for layer in reversed(network.layers)}  # the first of each kind
        base = app.state.with_(view="overview", pixel=None, channel=None)
        # The one-time costs first, each on its own: Pillow's PNG encoder, the engine's source files.
        yield lambda trace: grids.picture(np.zeros((2, 2, 3), np.uint8), 0, 0, 1, 1)
        for func in (layers.conv_pixel, layers.relu_value, layers.pool_value, layers.dense_value,
                     layers.softmax_probability):
            yield lambda trace, func=func: code_panel.source(func)
        if "conv2d" in kinds:
            conv = base.with_(view="conv-elastic", layer=kinds["conv2d"], neuron=0)
            yield lambda trace: network.conv_intermediates(trace, conv.layer, 0)  # einsum's set-up
            yield lambda trace: conv_elastic.render(conv, trace, network)
            yield lambda trace: conv_formula.render(conv.with_(view="conv-formula", channel=0), trace, network)
        if "relu" in kinds:
            yield lambda trace: relu.render(base.with_(view="relu", layer=kinds["relu"], neuron=0), trace, network)
        if "max_pool2d" in kinds:
            yield lambda trace: pool.render(base.with_(view="pool", layer=kinds["max_pool2d"], neuron=0), trace,
                                            network)
        dense = base.with_(view="flatten", layer=self._dense_name(), neuron=0)
        yield lambda trace: flatten.prepare(dense, trace, network).overlay()
        yield lambda trace: flatten.prepare(dense, trace, network).code_box()
        yield lambda trace: softmax.render(dense.with_(view="softmax"), trace, network)

    def _warm_next(self) -> None:
        if not self._warm_steps or self.app.trace is None:
            return
        start = js.performance.now()
        self._warm_steps.pop(0)(self.app.trace)
        took = js.performance.now() - start
        self.timings["warm_up_ms"] += took
        self.timings["warm_up_longest_ms"] = max(self.timings.get("warm_up_longest_ms", 0.0), took)
        self.timings["warm_up_left"] = len(self._warm_steps)
        if self._warm_steps:
            self._idle()

    # -- rendering --------------------------------------------------------------------------------
    def render(self, app, change) -> None:
        state = app.state
        if change.previous is None and self._warm_proxy is None:
            self._schedule_warm_up()
        problem = self._problem(state)
        if state.view == "overview" or problem:
            self.close_all()
            if problem:
                app.notify(problem)
            return
        start = js.performance.now()
        if change.trace_changed:
            self.trace_version += 1  # a new image: every view is drawn again from the new trace
        self._ensure_layer()
        family = "elastic" if state.view in ELASTIC_VIEWS else "flatten" if state.view in FLATTEN_VIEWS else "pair"
        overlay_key = (family, state.layer, state.neuron, state.colors, self.trace_version)
        if overlay_key != self.overlay_key:
            self._open_overlay(state, family)
            self.overlay_key = overlay_key
            self.open_row = None
        row = (state.channel or 0) if state.view == "conv-formula" else None
        if family == "elastic" and self.overlay is not None and row != self.open_row:
            # The open channel's row stays highlighted while its formula box is open.
            for element in dom.query_all(".row-hit.is-open", self.overlay):
                element.classList.remove("is-open")
            if row is not None:
                element = self.overlay.querySelector(f'.row-hit[data-channel="{row}"]')
                if element is not None:
                    element.classList.add("is-open")
            self.open_row = row
        box_key = (state.view, state.layer, state.neuron, state.channel, state.colors, self.trace_version)
        if state.view in STEP_VIEWS or state.view == "softmax":
            if box_key != self.box_key:
                self._open_box(state)
                self.box_key = box_key
            elif self.stepper is not None:
                self._follow_pin(state)
        else:
            self._close_box()
        if self.shown_view != state.view:
            svg = dom.query(SVG)
            if svg is not None:
                svg.setAttribute("data-detail", state.view)
            self._lock_controls(True)
            self.shown_view = state.view
        self.timings["render_ms"] = js.performance.now() - start

    def _problem(self, state) -> str | None:
        """Why a (deep-linked) state cannot be shown, in words; None when it can."""
        if state.view == "overview":
            return None
        network = self.app.network
        if state.view in FLATTEN_VIEWS:
            if not 0 <= (state.neuron or 0) < len(network.classes):
                return f"There is no output class number {state.neuron}."
            return None
        try:
            layer = network.layer(state.layer)
        except KeyError:
            return f"There is no layer called {state.layer!r} in this network."
        wanted = {"conv-elastic": "conv2d", "conv-formula": "conv2d", "relu": "relu", "pool": "max_pool2d"}
        if layer.type != wanted.get(state.view):
            return f"{state.layer} is not a layer the {state.view} view can show."
        count = network.shapes[state.layer][0]
        if not 0 <= (state.neuron or 0) < count:
            return f"{state.layer} has {count} maps; there is no map number {state.neuron}."
        if state.view == "conv-formula" and not 0 <= (state.channel or 0) < layer.in_channels:
            return f"{state.layer} has {layer.in_channels} input channels; there is no channel {state.channel}."
        return None

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

    def _intermediates(self, layer: str, neuron: int):
        key = (self.trace_version, layer, neuron)
        if key not in self.intermediates:
            self.intermediates = {key: self.app.network.conv_intermediates(self.app.trace, layer, neuron)}
        return self.intermediates[key]

    def _open_overlay(self, state, family: str) -> None:
        start = js.performance.now()
        self._close_overlay()
        app, network = self.app, self.app.network
        svg = dom.query(SVG)
        if family == "pair":
            self.style_el.textContent = grids.pair_focus_css(network, state.view, state.layer, state.neuron or 0)
            if svg is not None:
                svg.insertAdjacentHTML("beforeend", grids.pair_overlay(network, state.layer, state.neuron or 0))
                self.overlay = svg.lastElementChild
            return
        if family == "elastic":
            self.style_el.textContent = conv_elastic.slide_css(state, network)
            inter = self._intermediates(state.layer, state.neuron or 0)
            markup = conv_elastic.render(state, app.trace, network, inter)
        else:
            self.style_el.textContent = flatten.slide_css(state, network)
            self.flat = flatten.prepare(state, app.trace, network)
            markup = self.flat.overlay()
        if svg is None:
            return
        built = js.performance.now()
        svg.insertAdjacentHTML("beforeend", markup)
        self.overlay = svg.lastElementChild
        inserted = js.performance.now()
        self.timings.update(overlay_build_ms=built - start, overlay_insert_ms=inserted - built)
        self.overlay_cells = {el.getAttribute("data-u"): el for el in dom.query_all("[data-u]", self.overlay)}
        self.overlay_cells["overlay"] = self.overlay
        if family == "elastic":
            self.overlay_frame = conv_elastic.tick_frame(0)
            self._start_elastic()
        else:
            self.overlay_frame = self.flat.hover_frame(None)
            self.part = self._insert_box(self.flat.code_box())
            self._place(self.part, (geometry.PADDING_LEFT, geometry.CANVAS_HEIGHT - 30, "left", "bottom"),
                        flatten.CODE_BOX_WIDTH, 150)
        self.timings["overlay_ms"] = js.performance.now() - start

    def _open_box(self, state) -> None:
        start = js.performance.now()
        self._close_box()
        app, network = self.app, self.app.network
        if state.view == "softmax":
            self.box = self._insert_box(softmax.render(state, app.trace, network))
            self._place(self.box, (geometry.PADDING_LEFT, geometry.COLUMNS_TOP, "left", "top"), softmax.WIDTH, 330)
        else:
            if state.view == "conv-formula":
                self.stepper = conv_formula.ConvFormulaView(state, app.trace, network,
                                                            self._intermediates(state.layer, state.neuron or 0))
                anchor = conv_elastic.box_anchor(state, network)
            else:
                self.stepper = STEP_VIEWS[state.view].prepare(state, app.trace, network)
                x, y, side = grids.pair_anchor(network, state.layer, state.neuron or 0)
                anchor = (x, y, side, "middle")
            self.pixel = self.stepper.start_pixel()
            self.playing = state.pixel is None
            self.box = self._insert_box(self.stepper.markup(self.pixel, self.playing))
            self.cells = {el.getAttribute("data-u"): el for el in dom.query_all("[data-u]", self.box)}
            self.frame = self.stepper.frame(self.pixel)
            extra = 40 if state.view == "conv-formula" else 0  # the line that adds up the channels
            self._place(self.box, anchor, self.stepper.width, self.stepper.height + 100 + extra)
            self._set_playing(self.playing)
        info = self.box.querySelector('[data-action="info"]')
        section = info.getAttribute("data-section") if info is not None else None
        if info is not None and (not section or js.document.getElementById(section) is None):
            info.hidden = True  # no article in this page: no button that does nothing
        js.setTimeout(self._focus_proxy, 0)  # after this task: focusing now would force a layout
        self.timings["box_ms"] = js.performance.now() - start
        self.timings["box_view"] = state.view

    def _insert_box(self, html: str):
        start = js.performance.now()
        self.layer_el.insertAdjacentHTML("beforeend", html)
        self.timings["box_insert_ms"] = js.performance.now() - start
        return self.layer_el.lastElementChild

    def _place(self, box, anchor, width: float, height: float) -> None:
        """Pin a box at a point of the overview (viewBox units): one style write, no layout read."""
        grid = geometry.overview_layout(self.app.network)
        box.style.cssText = grids.box_style(grid.width, grid.height, anchor, width, height)

    def _focus_box(self) -> None:
        """The open box takes the keyboard focus (Tab reaches its buttons; Esc still closes it)."""
        if self.box is not None and self.box.isConnected:
            self.box.focus(js.Object.fromEntries([["preventScroll", True]]))

    # -- closing ----------------------------------------------------------------------------------
    def _keep_focus(self, element) -> None:
        """Before ``element`` goes: if it holds the keyboard focus, hand it to the detail layer (inside
        #app), so the next Esc still reaches the page instead of an orphaned <body>."""
        active = js.document.activeElement
        if element is not None and active is not None and element.contains(active) and self.layer_el is not None:
            self.layer_el.focus(js.Object.fromEntries([["preventScroll", True]]))

    def _close_box(self) -> None:
        self._stop_stepping()
        if self.box is not None:
            self._keep_focus(self.box)
            self.box.remove()
        self.box = self.stepper = self.box_key = self.frame = None
        self.cells = {}

    def _close_overlay(self) -> None:
        self._stop_elastic()
        for element in (self.overlay, self.part):
            if element is not None:
                self._keep_focus(element)
                element.remove()
        self.overlay = self.part = self.flat = self.overlay_key = self.overlay_frame = None
        self.overlay_cells = {}
        self.hovered_entry = None
        if self.style_el is not None:
            self.style_el.textContent = ""

    def close_all(self) -> None:
        self._close_box()
        self._close_overlay()
        if self.shown_view is not None:
            svg = dom.query(SVG)
            if svg is not None:
                svg.removeAttribute("data-detail")
            self._lock_controls(False)
            self.shown_view = None

    def _lock_controls(self, locked: bool) -> None:
        for selector in LOCKED:
            element = dom.query(selector)
            if element is not None:
                element.classList.toggle("controls-locked", locked)
                if locked:
                    element.setAttribute("inert", "")
                else:
                    element.removeAttribute("inert")

    # -- stepping (formula boxes) -------------------------------------------------------------------
    def _apply(self, cells: dict, old, new) -> None:
        for key, values in grids.changes(old, new).items():
            element = cells.get(key)
            if element is None:
                continue
            for name, value in values.items():
                if name == "text":
                    element.textContent = value
                else:
                    element.setAttribute(name, value)

    def show_pixel(self, pixel) -> None:
        if self.stepper is None or pixel == self.pixel and self.frame is not None:
            return
        start = js.performance.now()
        self.pixel = pixel
        frame = self.stepper.frame(pixel)
        self._apply(self.cells, self.frame, frame)
        self.frame = frame
        self.timings["step_ms"] = js.performance.now() - start

    def _step(self, *_) -> None:
        if self.stepper is None or not self.playing:
            return
        self.show_pixel(grids.next_pixel(self.pixel, self.stepper.out_shape))

    def _set_playing(self, playing: bool) -> None:
        self.playing = playing
        self._stop_stepping()
        if playing and self.stepper is not None:
            self.step_timer = js.setInterval(self._step_proxy, self.stepper.step_ms)
        if self.box is not None:
            self.box.setAttribute("data-playing", "true" if playing else "false")
            button = self.box.querySelector('[data-action="play"]')
            if button is not None:  # changed in place: a focused button keeps the focus
                label = "Pause the animation" if playing else "Play the animation"
                button.setAttribute("title", label)
                button.setAttribute("aria-label", label)
                button.setAttribute("aria-pressed", "true" if playing else "false")
                button.innerHTML = icon("pause" if playing else "play")

    def _stop_stepping(self) -> None:
        if self.step_timer is not None:
            js.clearInterval(self.step_timer)
            self.step_timer = None

    def _follow_pin(self, state) -> None:
        """The state changed only in its pin (hover, play/pause, Back): show it."""
        playing = state.pixel is None
        if state.pixel is not None:
            self.show_pixel(grids.clamp_pixel(state.pixel, self.stepper.out_shape))
        if playing != self.playing:
            self._set_playing(playing)

    # -- the elastic kernel -------------------------------------------------------------------------
    def _start_elastic(self) -> None:
        self._stop_elastic()
        self.tick, self.elastic_done = 0, False
        self._show_tick(conv_elastic.tick_frame(0))
        self._replay_icon(False)
        self.tick_timer = js.setInterval(self._tick_proxy, conv_elastic.TICK_MS)

    def _tick(self, *_) -> None:
        if self.overlay is None:
            return
        start = js.performance.now()
        self.tick += 1
        if self.tick >= conv_elastic.TICKS_1D ** 2:
            self.finish_elastic()
        else:
            self._show_tick(conv_elastic.tick_frame(self.tick))
        self.timings["tick_ms"] = js.performance.now() - start

    def _show_tick(self, frame) -> None:
        self._apply(self.overlay_cells, self.overlay_frame, frame)
        self.overlay_frame = frame

    def finish_elastic(self) -> None:
        """Skip to the end: every intermediate result and the output shown, kernels hidden."""
        self._stop_elastic()
        self.elastic_done = True
        self._show_tick(conv_elastic.tick_frame(0, done=True))
        if self.overlay is not None:
            for slider in dom.query_all(".sliders", self.overlay):
                slider.setAttribute("visibility", "hidden")
        self._replay_icon(True)

    def _replay_icon(self, replay: bool) -> None:
        if self.overlay is None:
            return
        button = self.overlay.querySelector('[data-action="animation"]')
        if button is None:
            return
        button.querySelector(".icon-skip").setAttribute("visibility", "hidden" if replay else "visible")
        button.querySelector(".icon-replay").setAttribute("visibility", "visible" if replay else "hidden")
        button.querySelector("title").textContent = "Replay the animation" if replay else "Skip the animation"
        if not replay:
            for slider in dom.query_all(".sliders", self.overlay):
                slider.setAttribute("visibility", "visible")

    def _stop_elastic(self) -> None:
        if self.tick_timer is not None:
            js.clearInterval(self.tick_timer)
            self.tick_timer = None

    def _reduced_motion(self) -> bool:
        return bool(js.window.matchMedia("(prefers-reduced-motion: reduce)").matches)

    # -- events -----------------------------------------------------------------------------------
    def click_map(self, event, element):
        """A map of the overview: open its view; the open view's own map closes it (as the reference)."""
        state = self.app.state
        layer = element.getAttribute("data-layer")
        index = int(element.getAttribute("data-index"))
        if state.view in ELASTIC_VIEWS and layer == self.app.network.sources.get(state.layer):
            return self.open_channel(index)
        if state.view != "overview":
            if layer == state.layer and index == state.neuron:
                self.app.set_state(state.with_(view="overview", layer=None, neuron=None, channel=None, pixel=None))
                return True
            return None
        kind = self._kind(layer)
        if kind not in VIEW_FOR_TYPE:
            return None  # the input has no detail view
        self.app.set_state(state.with_(view=VIEW_FOR_TYPE[kind], layer=layer, neuron=index, channel=None, pixel=None))
        return True

    def _kind(self, layer: str) -> str | None:
        try:
            return self.app.network.layer(layer).type
        except KeyError:
            return None

    def click_output(self, event, element):
        state = self.app.state
        index = int(element.getAttribute("data-index"))
        dense = self._dense_name()
        if state.view in FLATTEN_VIEWS and index == state.neuron:
            self.app.set_state(state.with_(view="overview", layer=None, neuron=None, channel=None, pixel=None))
        elif state.view in ("overview",) + FLATTEN_VIEWS:
            self.app.set_state(state.with_(view="flatten", layer=dense, neuron=index, channel=None, pixel=None))
        else:
            return None
        return True

    def _dense_name(self) -> str:
        return [layer.name for layer in self.app.network.layers if layer.type == "dense"][-1]

    def open_channel(self, channel: int):
        state = self.app.state
        if state.view == "conv-formula" and (state.channel or 0) == channel:
            self.app.set_state(state.back())  # the open row again: back to the elastic view
        else:
            self.app.set_state(state.with_(view="conv-formula", channel=channel, pixel=None))
        return True

    def action(self, event, element):
        name = element.getAttribute("data-action")
        state = self.app.state
        if name == "close":
            self.app.set_state(state.back())
        elif name == "play":
            self.app.set_state(state.with_(pixel=None if not self.playing else self.pixel), history="replace")
        elif name == "info":
            self._scroll_to(element.getAttribute("data-section"))
        elif name == "channel":
            return self.open_channel(int(element.getAttribute("data-channel")))
        elif name == "animation":
            if self.elastic_done:
                self._start_elastic()
            else:
                self.finish_elastic()
        elif name == "softmax":
            self.app.set_state(state.with_(view="softmax"))
        else:
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
        if target is None:
            return
        smooth = "auto" if self._reduced_motion() else "smooth"
        target.scrollIntoView(js.Object.fromEntries([["behavior", smooth], ["block", "start"]]))

    def hover_grid(self, event, element):
        """A pointer on the input or output map of a formula box pins the window there."""
        if self.stepper is None:
            return None
        box = element.getBoundingClientRect()
        if box.width <= 0 or box.height <= 0:
            return None
        rows, cols = int(element.getAttribute("data-rows")), int(element.getAttribute("data-cols"))
        row = min(max(int((event.clientY - box.top) / box.height * rows), 0), rows - 1)
        col = min(max(int((event.clientX - box.left) / box.width * cols), 0), cols - 1)
        pixel = self.stepper.hover(element.getAttribute("data-grid"), row, col)
        if pixel != self.pixel or self.playing:
            self.show_pixel(pixel)
            self.app.set_state(self.app.state.with_(pixel=pixel), history="replace")
        return True

    def hover_entry(self, event, element):
        """A pointer on the flatten vector, or on the first or last pooled map: that entry's numbers."""
        if self.flat is None or self.overlay is None:
            return None
        box = element.getBoundingClientRect()
        if box.width <= 0 or box.height <= 0:
            return None
        fx, fy = (event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height
        index = self.flat.entry_at(element.getAttribute("data-part"), fy, fx)
        if index != self.hovered_entry:
            self.hovered_entry = index
            frame = self.flat.hover_frame(index)
            self._apply(self.overlay_cells, self.overlay_frame, frame)
            self.overlay_frame = frame
        return True

    def leave_entry(self, event, element):
        if self.flat is not None and self.hovered_entry is not None:
            self.hovered_entry = None
            frame = self.flat.hover_frame(None)
            self._apply(self.overlay_cells, self.overlay_frame, frame)
            self.overlay_frame = frame

    def hover_info(self, event, element):
        if self.overlay is None:
            return None
        info = self.overlay.querySelector('[data-role="hover-info"]')
        if info is not None:
            info.textContent = element.getAttribute("data-hover") if event.type == "pointerover" else ""
        return None

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
    app.on("pointermove", ".detail-box [data-grid]", controller.hover_grid)
    app.on("pointermove", ".detail-overlay [data-part]", controller.hover_entry)
    app.on("pointerout", ".detail-overlay [data-part]", controller.leave_entry)
    app.on("pointerover", ".detail-overlay [data-hover]", controller.hover_info)
    app.on("pointerout", ".detail-overlay [data-hover]", controller.hover_info)
    js.explainer.detailTimings = create_proxy(controller.timings_json)
    return controller
