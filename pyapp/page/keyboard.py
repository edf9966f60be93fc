"""The keyboard in the overview and the detail views.

The overview's maps and output classes are one tab stop that the arrow keys move (a roving tabindex:
up and down a column, left and right to the nearest map of the next column; Shift+arrows too, which is
what moves between maps in receptive-field mode, where the arrows move the picked pixel). A view that
opens takes the focus (its first control), keeps it (Tab and Shift+Tab cycle through its controls) and,
when it closes, gives it back to what opened it (Esc from a formula: its intermediate row; from a view:
its map). A formula's output map moves the output pixel with the arrow keys, said through a live region.
"""
from __future__ import annotations

import js
from pyodide.ffi import create_proxy

from . import dom
from ..ui import geometry
from ..views.detail import registry

SVG = "#overview-svg"
ITEM = ".map[data-layer], .unit[data-layer], .output-class"  # the overview's focusable maps, units and classes
ITEMS = ", ".join(f"{SVG} {item}" for item in ITEM.split(", "))
STOP = ", ".join(f'{item}[tabindex="0"]' for item in ITEM.split(", "))  # the one that Tab reaches
KEYS = (*geometry.ARROWS, "Home", "End")
# What Tab reaches inside a view; hidden ones (an info button without article, a closed panel) are skipped.
TABBABLE = '[tabindex="0"], button, summary, select, input, a[href]'
# The attributes that tell one control from another: the focused control of a view drawn again (the Why?
# view after a method button) has the focus again in the new drawing.
IDENTITY = ("data-action", "data-method", "data-channel", "data-grid", "data-why-compare", "data-shift-frame",
            "data-shift-axis")
ANNOUNCE = "detail-announce"


class Keyboard:
    def __init__(self, app, host):
        self.app, self.host = app, host
        self.svg = None  # the overview's <svg> whose items have the roving tabindex
        self.stop = None  # the overview's one tab stop
        self.before = None  # (root, child, focused element, its identity) before a render
        self.openers = {"root": None, "child": None}  # what had the focus when each view opened
        self.pending = None  # what takes the focus once the render is on screen
        self._focus_proxy = create_proxy(self._focus_pending)

    # -- the overview: one tab stop, moved by the arrow keys -----------------------------------------
    def _adopt(self) -> None:
        svg = dom.query(SVG)
        if svg is None or self.svg is not None and self.svg.isConnected:
            return
        self.svg = svg
        items = dom.query_all(ITEM, svg)
        for item in items[1:]:
            item.setAttribute("tabindex", "-1")
        self.stop = items[0] if items else None

    def _move_stop(self, element) -> None:
        if self.stop is not None and not self.stop.isConnected and self.svg is not None:
            self.stop = self.svg.querySelector(STOP)  # its map was drawn again in place (page/overview.py)
        if self.stop is not None and self.stop.isConnected and self.stop != element:
            self.stop.setAttribute("tabindex", "-1")
        element.setAttribute("tabindex", "0")
        self.stop = element

    def item_focused(self, event, element) -> None:
        """A map focused by Tab, a click or a returning view is the overview's tab stop from now on."""
        self._move_stop(element)

    def arrow(self, event, element):
        """An arrow key on a map: the next map that way (in receptive-field mode, Shift+arrow: the plain
        arrows move the picked pixel there)."""
        picking = getattr(self.app.controllers.get("receptive_field"), "on", False)
        if event.key not in KEYS or picking and not event.shiftKey:
            return None
        event.preventDefault()
        layer = geometry.OUTPUT if element.classList.contains("output-class") else element.getAttribute("data-layer")
        grid = geometry.overview_layout(self.app.network, self.app.state.maps)
        name, index = geometry.neighbour(grid, layer, int(element.getAttribute("data-index")), event.key)
        target = self._item(name, index)
        if target is not None:
            self._move_stop(target)
            dom.focus(target)
        return True

    def _item(self, layer: str, index: int):
        if layer == geometry.OUTPUT:
            return dom.query(f'{SVG} .output-class[data-index="{index}"]')
        return dom.query(f'{SVG} [data-layer="{layer}"][data-index="{index}"]:is(.map, .unit)')

    # -- detail views: focus in, kept in, and back out ------------------------------------------------
    def remember(self, app, change) -> None:
        """Before the views are drawn: which views are open and which control has the focus."""
        active = js.document.activeElement
        host = self.host
        inside = next((m for m in (host.child, host.root) if m is not None and _holds(m, active)), None)
        self.before = (host.root, host.child, active, _identity(active) if inside is not None else None)

    def follow(self, app, change) -> None:
        """After the views are drawn: focus what opened, or give the focus back to what opened what closed."""
        self._adopt()
        root, child, active, identity = self.before or (None, None, None, None)
        host = self.host
        running = change.previous is not None  # a view a link opens at start-up leaves the focus alone
        if host.root is None and root is not None:  # back to the overview
            target = self.openers["root"] or self._item_of(root.view)
            self.openers = {"root": None, "child": None}
            return self._refocus(target)
        if host.child is None and child is not None and host.root is root:  # a formula box closed
            return self._refocus(self.openers["child"])
        # a view drawn again (a new image) takes the focus only if it had it: reading the article, stay there
        if host.root is not root:
            had_focus = root is not None and _holds(root, active)
            if not had_focus:
                self.openers["root"] = active if _in_overview(active) else None
            if running and (root is None or had_focus):
                self._open(host.root, identity)
        if host.child is not None and host.child is not child:
            if host.root is not None and _holds(host.root, active):
                self.openers["child"] = active
            if running and (child is None or _holds(child, active) or _holds(host.root, active)):
                self._open(host.child, identity)

    def _item_of(self, view):
        """The overview's item a view explains (a view opened by a link has no opener)."""
        layer = view.layer
        if layer == registry.output_layer(self.app.network):
            layer = geometry.OUTPUT
        return self._item(layer, view.neuron)

    def _open(self, mounted, identity: str | None) -> None:
        """The view drawn (again) takes the focus: the same control as before, else its first one."""
        same = _find(mounted, identity) if identity else None
        controls = self.controls([mounted])
        self._later(same or (controls[0] if controls else None))

    def _refocus(self, element) -> None:
        """A view closed: its opener takes the focus unless the visitor already put it elsewhere."""
        active = js.document.activeElement
        lost = active is None or active == js.document.body or active == self.host.layer_el
        if lost and element is not None and element.isConnected:
            self._later(element)

    def _later(self, element) -> None:
        # after this task: focusing now would force a layout in the middle of drawing
        self.pending = element
        if element is not None:
            js.setTimeout(self._focus_proxy, 0)

    def _focus_pending(self, *_) -> None:
        element, self.pending = self.pending, None
        if element is not None and element.isConnected:
            dom.focus(element)

    def controls(self, mounted_views) -> list:
        """The visible controls of some mounted views, in Tab order (overlay, then box)."""
        found = []
        for mounted in mounted_views:
            for part in (mounted.overlay, mounted.box):
                if part is not None:
                    found += [el for el in dom.query_all(TABBABLE, part) if _visible(el)]
        return found

    def tab(self, event, element):
        """Tab and Shift+Tab stay inside the open views (the overview behind them is out of reach); the
        article and the rest of the page below keep their own order."""
        active = js.document.activeElement
        if self.app.state.view == registry.OVERVIEW or not _near_views(active):
            return None
        controls = self.controls([m for m in (self.host.root, self.host.child) if m is not None])
        if not controls:
            return None
        event.preventDefault()
        position = next((i for i, el in enumerate(controls) if el == active), None)
        step = -1 if event.shiftKey else 1
        if position is None:
            position = -1 if step == 1 else 0
        dom.focus(controls[(position + step) % len(controls)])
        return True

    # -- a formula's output pixel, said aloud ---------------------------------------------------------
    def say(self, text: str) -> None:
        region = js.document.getElementById(ANNOUNCE)
        if region is not None:
            region.textContent = text


def _holds(mounted, element) -> bool:
    return element is not None and any(part is not None and part.contains(element)
                                       for part in (mounted.overlay, mounted.box))


def _near_views(element) -> bool:
    """The focus is on the views, the overview under them, or nowhere in particular (the page's body)."""
    return element is None or element == js.document.body or element.closest("#stage") is not None


def _in_overview(element) -> bool:
    return hasattr(element, "closest") and element.closest(SVG) is not None \
        and element.closest(".detail-overlay") is None


def _identity(element) -> str | None:
    """A selector for ``element`` among its view's controls, from the attributes that name it."""
    if element is None or not hasattr(element, "getAttribute"):
        return None
    parts = [f'[{name}="{element.getAttribute(name)}"]' for name in IDENTITY if element.hasAttribute(name)]
    return "".join(parts) or None


def _find(mounted, selector: str):
    for part in (mounted.overlay, mounted.box):
        found = part.querySelector(selector) if part is not None else None
        if found is not None:
            return found
    return None


def _visible(element) -> bool:
    if hasattr(element, "checkVisibility"):
        return bool(element.checkVisibility())
    return element.getClientRects().length > 0


def install(app, host) -> Keyboard:
    keyboard = Keyboard(app, host)
    stage = dom.query("#stage")
    if stage is not None:
        stage.insertAdjacentHTML("beforeend", f'<p id="{ANNOUNCE}" class="visually-hidden" aria-live="polite"></p>')
    app.on("keydown", ITEMS, keyboard.arrow)
    app.on("focusin", ITEMS, keyboard.item_focused)
    app.on("keydown", lambda event: event.key == "Tab", keyboard.tab)
    return keyboard
