"""A detail view as it is in the page: its elements, and the frame they show now."""
from __future__ import annotations

from ...views.parts.frames import changes


class Mounted:
    """One view's elements in the page: its overlay <g> and its box, and the data-u elements of each."""

    def __init__(self, view):
        self.view, self.overlay, self.box, self.cells, self.frame = view, None, None, {}, None

    def apply(self, frame) -> None:
        """Write only what differs from the frame on screen."""
        for key, values in changes(self.frame, frame).items():
            element = self.cells.get(key)
            if element is None:
                continue
            for name, value in values.items():
                if name == "text":
                    element.textContent = value
                else:
                    element.setAttribute(name, value)
        self.frame = frame
