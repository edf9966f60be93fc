"""What a click, a key or a pointer does while the overview or a detail view is shown: the registry says
which view a map of each layer type opens; the buttons of a box close it, play/pause it, open a child
view or scroll to the article; the rest goes to the open view's page behaviour."""
from __future__ import annotations

import js

from .. import dom
from ...views.detail import registry

SVG = "#overview-svg"
WHY = "why"  # the view a class's "Why?" button opens


class Clicks:
    def __init__(self, host):
        self.host = host

    def open_view(self, layer: str, index: int):
        """A map (or output class) of ``layer``: open the view the registry gives its type; the open view's
        own map closes it (as the reference)."""
        state = self.host.app.state
        if state.view != registry.OVERVIEW:
            if layer != state.layer or index != state.neuron:
                return None
            self.host.app.set_state(state.overview())
            return True
        try:
            network = self.host.app.network
            layer = registry.unit_source(network, layer)  # a hidden dense unit's activation: the unit's own sum
            entry = registry.opened_by(network.layer(layer).type, network, layer)
        except KeyError:
            entry = None  # the input has no detail view
        if entry is None:
            return None
        self.host.app.set_state(state.overview().with_(view=entry.name, layer=layer, neuron=index))
        return True

    def click_map(self, event, element):
        layer, index = element.getAttribute("data-layer"), int(element.getAttribute("data-index"))
        if self.host.behaviour is not None and self.host.behaviour.click_map(layer, index):
            return True
        return self.open_view(layer, index)

    def _output_layer(self) -> str:
        return registry.output_layer(self.host.app.network)

    def click_output(self, event, element):
        index = int(element.getAttribute("data-index"))
        output = self._output_layer()
        network = self.host.app.network
        state, entry = self.host.app.state, registry.opened_by(registry.OUTPUT_LAYER_TYPE, network, output)
        shown = state.view != registry.OVERVIEW and registry.drawn_root(state.view, network, state.layer)
        if shown == entry.name and index != state.neuron:
            self.host.app.set_state(state.overview().with_(view=entry.name, layer=output, neuron=index))  # another class
            return True
        return self.open_view(output, index)

    def click_why(self, event, element):
        """A class's "Why?" button: the Why? view for that class (from the Why? view: same method, and the
        class compared stays unless it is the new class itself)."""
        if event.type == "keydown":
            if event.key not in ("Enter", " "):
                return None
            event.preventDefault()
        index, state = int(element.getAttribute("data-why")), self.host.app.state
        if state.view == WHY:
            state = state.with_(neuron=index, compare=None if state.compare == index else state.compare)
        else:
            state = state.overview().with_(view=WHY, layer=self._output_layer(), neuron=index)
        self.host.app.set_state(state)
        return True

    def action(self, event, element):
        name = element.getAttribute("data-action")
        state = self.host.app.state
        if name == "close":
            self.host.app.set_state(state.back(self.host.app.network))
        elif name == "play":
            self.host.stepper.toggle()
        elif name == "info":
            self._scroll_to(element.getAttribute("data-section"))
        elif name in registry.VIEWS:  # a button that opens a child view (the flatten view's "softmax")
            self.host.app.set_state(state.with_(view=name))
        elif self.host.behaviour is None or not self.host.behaviour.action(name, element):
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
            dom.scroll_to(target)

    def hover_info(self, event, element):
        """A pointer on an overlay's glyph, link or node: what it is, in the overlay's read-out."""
        overlay = self.host.root.overlay if self.host.root is not None else None
        info = overlay.querySelector('[data-role="hover-info"]') if overlay is not None else None
        if info is not None:
            info.textContent = element.getAttribute("data-hover") if event.type == "pointerover" else ""


def install(app, host) -> Clicks:
    clicks = Clicks(host)
    app.on("click", "#overview [data-action]", clicks.action)
    app.on("click", f"{SVG} .map[data-layer], {SVG} .unit[data-layer]", clicks.click_map)
    app.on("click", f"{SVG} .output-class", clicks.click_output)
    app.on("click", f"{SVG} .why-open", clicks.click_why)
    app.on("keydown", f"{SVG} .why-open", clicks.click_why)
    app.on("keydown", "#overview [data-action]", clicks.key)
    app.on("keydown", f"{SVG} .map[data-layer], {SVG} .unit[data-layer], {SVG} .output-class", clicks.key)
    app.on("pointerover", ".detail-overlay [data-hover]", clicks.hover_info)
    app.on("pointerout", ".detail-overlay [data-hover]", clicks.hover_info)
    return clicks
