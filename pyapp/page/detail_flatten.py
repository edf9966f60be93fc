"""The flatten view in the page, beyond its frames: a pointer on the vector (or on the first or last
pooled map) shows that entry's value and weight."""
from __future__ import annotations


class FlattenOverlay:
    def __init__(self, host, mounted):
        self.host, self.mounted, self.hovered = host, mounted, None

    def hover_entry(self, event, element):
        box = element.getBoundingClientRect()
        if box.width <= 0 or box.height <= 0:
            return None
        fx, fy = (event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height
        index = self.mounted.view.entry_at(element.getAttribute("data-part"), fy, fx)
        if index != self.hovered:
            self.hovered = index
            self.mounted.apply(self.mounted.view.hover_frame(index))
        return True

    def leave_entry(self, event, element):
        if self.hovered is not None:
            self.hovered = None
            self.mounted.apply(self.mounted.view.hover_frame(None))

    def follow(self, state) -> None:
        pass

    def click_map(self, layer: str, index: int) -> bool:
        return False

    def action(self, name: str, element) -> bool:
        return False

    def close(self) -> None:
        pass


def install(app, host) -> None:
    """The overlay's pointer events go to the open FlattenOverlay, if any."""
    def to_overlay(method):
        def handler(event, element):
            overlay = host.behaviour
            if isinstance(overlay, FlattenOverlay) and overlay.mounted.overlay is not None:
                return getattr(overlay, method)(event, element)
            return None
        return handler

    app.on("pointermove", ".detail-overlay [data-part]", to_overlay("hover_entry"))
    app.on("pointerout", ".detail-overlay [data-part]", to_overlay("leave_entry"))
