"""The flatten view in the page, beyond its frames: a pointer on the vector (or on the first or last
pooled map) shows that entry's value and weight."""
from __future__ import annotations

from .behaviour import Behaviour, route


class FlattenOverlay(Behaviour):
    def __init__(self, host, mounted):
        super().__init__(host, mounted)
        self.hovered = None

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


def install(app, host) -> None:
    """The overlay's pointer events go to the open FlattenOverlay, if any."""
    route(app, host, FlattenOverlay, "pointermove", ".detail-overlay [data-part]", "hover_entry")
    route(app, host, FlattenOverlay, "pointerout", ".detail-overlay [data-part]", "leave_entry")
