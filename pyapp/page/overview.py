"""The overview in the page: take over from the first paint, then update it in place.

The first paint (build.py) shows the maps as PNG images. When it shows the very state the page starts in
(data-first-paint, with the shipped network), start-up keeps it and only writes the page's own numbers into
it; the canvases take its place in the first idle moment after ready (take_over), before any other change,
which would take their place at once. Otherwise start-up redraws the same picture with a <canvas> per map in
the same frame, so nothing moves. An image switch then colours
each layer with NumPy, puts it into an offscreen canvas with one putImageData and copies each map
out with drawImage (the old pictures first go to the ghost canvases, which CSS fades out over the new
ones as one group), moves the probability bars and redraws the legends: no rebuild, no image decoding.
Hover and keyboard focus set two path attributes (incoming links, outlines) and the read-out text.
The colour mode and "Show detail" come from the State, like everything else.
"""
from __future__ import annotations

import js
from pyodide.ffi import create_proxy, to_js

from . import dom, upload
from ..ui.geometry import OUTPUT
from ..views.parts import color_range
from ..views.parts.box import UNIT_VIEW, looks_for
from ..views.widgets import overview as view

MAP = "#overview-svg .map"
ROW = "#overview-svg .output-class"
UNIT = "#overview-svg .unit"
MORE = "#overview-svg .more-maps"
HOVERABLE = f"{MAP}, {ROW}, {UNIT}"
UNIT_LINK = "overview-hover-unit"


class OverviewController:
    def __init__(self, app):
        self.app = app
        self.svg = None  # #overview-svg, once drawn or adopted
        self.adopted = False  # the first paint kept as it is: its maps are images until take_over
        self.maps = []  # (canvas, 2d context) of every map, in view.map_pixels order
        self.ghosts = []  # the same for the ghost canvases
        self.offscreen = {}  # column name -> (canvas, context) holding the column's maps stacked
        self.rows = []  # output-class groups, in class order
        self.units = {}  # hidden dense column name -> its .units group (models with dense layers before the output)
        self.bars = []
        self.legends = self.hover_links = self.hover_frames = self.readout = self.readout_text = None
        self.phase = 0  # which of the two switch animations runs next
        self.hovered = None  # (layer, index, element) under the pointer or focus
        self.fraction = (None, None)  # where the pointer is on the hovered map, as fractions of its size
        self.readout_key = None  # what the read-out says now: (layer, index, pixel, trace)

    # -- drawing ------------------------------------------------------------------------------------
    def render(self, app, change) -> None:
        state, trace = app.state, app.trace
        previous = change.previous or state
        if change.previous is None and self.svg is None and self._adopt(state, trace):
            pass  # the first paint shows this state: its canvases come when the page is idle
        elif self.adopted or self.svg is None or not self.svg.isConnected \
                or len(self.rows) != len(app.network.classes) or previous.maps != state.maps:
            # first, a network with other classes (training a new output layer), or another page of maps
            self._attach(state, trace)
        else:
            if change.trace_changed or previous.colors != state.colors:
                self._paint(state, trace, fade=change.trace_changed)
        self._sync_controls(state)
        if state.view != "overview":
            self.clear_hover()
        elif self.hovered is not None:
            self._show_hover(*self.hovered[:2], self.fraction)

    def _adopt(self, state, trace) -> bool:
        """Keep the first paint when it shows ``state`` of the network it was drawn with: the same pictures,
        with the page's own numbers (probabilities, bars, legends) written into it."""
        root = dom.query("#overview-svg")
        if root is None or not self.app.first_paint_fits or root.getAttribute("data-first-paint") != state.to_url():
            return False
        self._hold(root)
        self.adopted = True
        self._paint_numbers(state, trace)
        return True

    def take_over(self) -> None:
        """The kept first paint's map images become canvases in place (the rest of the picture, its controls
        and what other parts drew into it stay), and the ghosts go in: render(canvas=True)'s picture. A focused
        map keeps the focus on its canvas."""
        if not self.adopted or self.app.trace is None:
            return
        state, root = self.app.state, self.svg
        focused = js.document.activeElement
        focus = self._identify(focused) if focused is not None and focused.matches(MAP) and root.contains(focused) \
            else None
        columns, ghosts = view.canvas_maps(state, self.app.network)
        for name, canvases in columns.items():
            images = dom.query_all(f'image.map[data-layer="{name}"]', root)
            if images:
                images[0].insertAdjacentHTML("beforebegin", canvases)
                # the same maps in the same order: the keyboard's roving tab stop (page/keyboard.py) stays put
                for image, canvas in zip(images, dom.query_all(f'canvas.map[data-layer="{name}"]', root)):
                    canvas.setAttribute("tabindex", image.getAttribute("tabindex"))
                    image.remove()
        root.querySelector(".hover-frames").insertAdjacentHTML("beforebegin", ghosts)
        root.setAttribute("data-maps", "canvas")
        root.removeAttribute("data-first-paint")
        self.adopted = False
        self.maps = [(c, c.getContext("2d")) for c in dom.query_all("canvas.map", root)]
        self.ghosts = [(c, c.getContext("2d")) for c in dom.query_all("canvas.ghost", root)]
        self._draw_maps(state, self.app.trace, fade=False)
        if self.hovered is not None and self.hovered[0] != OUTPUT:  # its element was an image
            self.hovered = (*self.hovered[:2], self._element(*self.hovered[:2]))
        if focus is not None and self._element(*focus) is not None:
            dom.focus(self._element(*focus), scroll=False)

    def _element(self, layer: str, index: int):
        """The drawn map (or output row) of ``layer``'s ``index``, None when not on this page of maps."""
        if layer == OUTPUT:
            return self.rows[index] if index < len(self.rows) else None
        return self.svg.querySelector(f'.map[data-layer="{layer}"][data-index="{index}"]')

    def _attach(self, state, trace) -> None:
        """Draw the overview with canvases, in place of the first paint (same picture, same frame)."""
        first_paint = dom.query("#overview-svg") is not None
        dom.set_html("#overview", view.render(state, trace, self.app.network, canvas=True))
        root = dom.query("#overview-svg")
        if first_paint:
            root.classList.add("settled")  # the bars already grew in the first paint: do not again
        self._hold(root)
        self.adopted = False
        self.maps = [(c, c.getContext("2d")) for c in dom.query_all("canvas.map", root)]
        self.ghosts = [(c, c.getContext("2d")) for c in dom.query_all("canvas.ghost", root)]
        self._draw_maps(state, trace, fade=False)

    def _hold(self, root) -> None:
        """The drawn overview's parts the controller updates."""
        self.svg = root
        self.rows = dom.query_all(".output-class", root)
        self.units = {g.getAttribute("data-units"): g for g in dom.query_all(".units", root)}
        self.bars = [row.querySelector(".output-bar") for row in self.rows]
        self.legends = root.querySelector(".legends")
        self.hover_links = root.querySelector(".hover-links")
        self.hover_frames = root.querySelector(".hover-frames")
        self.readout = dom.query("#overview-hover")
        self.readout_text = dom.query("#overview-hover-text")

    def _column_canvas(self, name: str, width: int, height: int):
        if name not in self.offscreen:
            canvas = js.document.createElement("canvas")
            canvas.width, canvas.height = width, height
            self.offscreen[name] = (canvas, canvas.getContext("2d"))
        return self.offscreen[name]

    def _draw_maps(self, state, trace, fade: bool) -> None:
        # The marks let tests/bench/bench_overview.py time a switch from its click.
        js.performance.mark("overview-paint-start")
        columns = view.map_pixels(state, trace, self.app.network)
        js.performance.mark("overview-maps-computed")
        if fade:
            for (_, ghost), (canvas, _) in zip(self.ghosts, self.maps):
                ghost.drawImage(canvas, 0, 0)
        k = 0
        for column, rgba in columns:
            count, h, w, _ = rgba.shape
            source, context = self._column_canvas(column.name, w, h * count)
            pixels = js.Uint8ClampedArray.new(to_js(memoryview(rgba.reshape(-1))))
            context.putImageData(js.ImageData.new(pixels, w, h * count), 0, 0)
            for i in range(count):
                self.maps[k][1].drawImage(source, 0, i * h, w, h, 0, 0, w, h)
                k += 1
        if fade:
            self.phase ^= 1
            self.svg.classList.remove("switch-b" if self.phase else "switch-a")
            self.svg.classList.add("switch-a" if self.phase else "switch-b")
        js.performance.mark("overview-maps-set")

    def _paint(self, state, trace, fade: bool) -> None:
        self._draw_maps(state, trace, fade)
        self._paint_numbers(state, trace)

    def _paint_numbers(self, state, trace) -> None:
        """Everything but the maps: the output rows and bars, the dense units, the legends, the summary."""
        network = self.app.network
        for row, bar, line in zip(self.rows, self.bars, view.output_rows(trace, network)):
            row.setAttribute("data-probability", repr(line.probability))
            row.setAttribute("aria-label", f"{line.name}: probability {line.probability:.1%}")
            row.classList.toggle("top", line.is_top)
            bar.setAttribute("width", f"{line.bar_width:.2f}")
        for column, markup in view.unit_columns(state, trace, network) if self.units else ():
            self.units[column.name].innerHTML = markup
        self.legends.innerHTML = view.legends(state, trace, network)
        self.svg.setAttribute("aria-label", f"The network's overview: {view.summary(trace, network)}")
        js.performance.mark("overview-paint-done")

    def _sync_controls(self, state) -> None:
        root = self.svg
        for mode in ("unit", "module", "global"):
            root.classList.toggle(f"colors-{mode}", state.colors == mode)
        root.classList.toggle("detail", state.detail)
        root.setAttribute("data-colors", state.colors)
        toggle = dom.query("#overview-detail")
        if toggle is not None:
            toggle.setAttribute("aria-pressed", "true" if state.detail else "false")
        select = dom.query("#overview-colors")
        if select is not None and select.value != state.colors:
            select.value = state.colors
        if select is not None and select.nextSibling is not None:  # the caption's text node
            select.nextSibling.nodeValue = " " + color_range.MODE_CAPTIONS[state.colors]

    # -- hover and focus ----------------------------------------------------------------------------
    def turn_page(self, event, element) -> None:
        """A column's "+ N more": the next page of maps in every column (map i of a layer and of its ReLU
        stay in one row), back to the first after the last."""
        if event.type == "keydown" and event.key not in ("Enter", " "):
            return
        event.preventDefault()
        self.app.set_state(self.app.state.with_(maps=int(element.getAttribute("data-page"))))
        turned = dom.query(f'{MORE}[data-column="{element.getAttribute("data-column")}"]')
        if turned is not None:  # the overview was drawn anew: the focus goes on the same column's control
            dom.focus(turned)

    def _identify(self, element) -> tuple[str, int]:
        if element.classList.contains("output-class"):
            return OUTPUT, int(element.getAttribute("data-index"))
        return element.getAttribute("data-layer"), int(element.getAttribute("data-index"))

    def hover(self, event, element) -> None:
        if self.app.state.view != "overview" or self.svg is None:
            return
        layer, index = self._identify(element)
        if self.hovered is None or self.hovered[:2] != (layer, index):
            self.clear_hover()
            self.hovered = (layer, index, element)
            links, frames = view.hover_paths(self.app.network, layer, index, self.app.state.maps)
            self.hover_links.setAttribute("d", links)
            self.hover_frames.setAttribute("d", frames)
            if layer == OUTPUT:
                element.classList.add("hover")
        self.move(event, element)

    def move(self, event, element) -> None:
        if self.hovered is None or self.hovered[2] != element:
            return
        fraction = (None, None)
        if event is not None and element.classList.contains("map"):
            box = element.getBoundingClientRect()
            if box.width > 0 and box.height > 0:
                fraction = ((event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height)
        self.fraction = fraction
        self._show_hover(self.hovered[0], self.hovered[1], fraction)

    def _show_hover(self, layer, index, fraction) -> None:
        if self.readout is None or self.app.trace is None:
            return
        fx, fy = fraction
        pixel = None if fx is None or layer == OUTPUT else view.pixel_at(self.app.trace, layer, index, fx, fy)
        key = (layer, index, pixel, id(self.app.trace))
        if key == self.readout_key:
            return  # same pixel: nothing new to say
        self.readout_key = key
        self.readout_text.textContent = view.hover_text(self.app.trace, self.app.network, layer, index, fx, fy)
        self._looks_for(layer, index)
        self.readout.hidden = False

    def _looks_for(self, layer, index) -> None:
        """The read-out's link to what the map looks for (made at the first unit's hover: the page starts
        at its DOM budget); U opens it too, for the map under the pointer or with the focus."""
        found = None if layer == OUTPUT else looks_for(self.app.network, self.app.state, layer, index)
        link = dom.query(f"#{UNIT_LINK}")
        if found is not None and link is None:
            self.readout.insertAdjacentHTML("beforeend", f'<a id="{UNIT_LINK}" class="hover-unit"></a>')
            link = dom.query(f"#{UNIT_LINK}")
        if link is not None:
            link.hidden = found is None
            if found is not None:
                link.setAttribute("href", found[0])
                link.textContent = f"{found[1]} (U)"

    def key(self, event) -> None:
        """U: the unit view of the map under the pointer or with the focus."""
        if event.key not in ("u", "U") or event.ctrlKey or event.metaKey or event.altKey or self.hovered is None:
            return
        if getattr(event.target, "tagName", "") in ("INPUT", "TEXTAREA", "SELECT") or self.app.state.view != "overview":
            return
        found = None if self.hovered[0] == OUTPUT else looks_for(self.app.network, self.app.state, *self.hovered[:2])
        if found is not None:
            event.preventDefault()
            self.app.set_state(self.app.state.overview().with_(view=UNIT_VIEW, layer=self.hovered[0],
                                                               neuron=self.hovered[1]))

    def leave(self, event, element) -> None:
        related = event.relatedTarget
        if related is not None and element.contains(related):
            return  # moving between the parts of one output row
        if self.hovered is not None and self.hovered[2] == element:
            self.clear_hover()

    def clear_hover(self) -> None:
        if self.hovered is None:
            return
        if self.hovered[0] == OUTPUT:
            self.hovered[2].classList.remove("hover")
        self.hovered = None
        self.readout_key = None
        self.fraction = (None, None)
        if self.svg is not None:
            self.hover_links.setAttribute("d", "")
            self.hover_frames.setAttribute("d", "")
        if self.readout is not None:
            self.readout.hidden = True

    def focus_in(self, event, element) -> None:
        self.hover(None, element)

    def focus_out(self, event, element) -> None:
        related = event.relatedTarget
        if related is not None and getattr(related, "id", None) == UNIT_LINK:
            return  # Shift+Tab from a map to the read-out's link: the link stays to be followed
        if self.hovered is not None and self.hovered[2] == element:
            self.clear_hover()

    # -- controls -----------------------------------------------------------------------------------
    def toggle_detail(self, event, element) -> None:
        self.app.set_state(self.app.state.with_(detail=not self.app.state.detail))

    def choose_colors(self, event, element) -> None:
        if element.value in ("unit", "module", "global"):
            self.app.set_state(self.app.state.with_(colors=element.value))

    def open_article(self, event, element) -> None:
        """A layer label leads to that layer's section of the article, when the page has one."""
        if event.type == "keydown" and event.key not in ("Enter", " "):
            return
        target = js.document.getElementById(f"article-{element.getAttribute('data-article')}")
        if target is None:
            return
        event.preventDefault()
        dom.scroll_to(target)
        return True


def install(app) -> OverviewController:
    controller = OverviewController(app)
    app.renderers.append(controller.render)
    app.install("overview", controller, [
        ("pointerover", HOVERABLE, controller.hover),
        ("pointermove", MAP, controller.move),
        ("pointerout", HOVERABLE, controller.leave),
        ("click", "#overview-detail", controller.toggle_detail),
        ("change", "#overview-colors", controller.choose_colors),
        ("click", "#overview-svg .layer-label", controller.open_article),
        ("click", MORE, controller.turn_page),
        ("keydown", MORE, controller.turn_page),
        ("keydown", "#overview-svg .layer-label", controller.open_article),
        ("focusin", HOVERABLE, controller.focus_in),
        ("focusout", HOVERABLE, controller.focus_out),
    ])
    proxy = create_proxy(controller.key)  # U over a map: on the document, the pointer need not give focus
    app._proxies.append(proxy)
    js.document.addEventListener("keydown", proxy)
    upload.install(app)
    return controller
