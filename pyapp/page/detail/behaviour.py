"""What a root detail view does in the page beyond frames (the host's ``BEHAVIOURS``): the interface with
do-nothing defaults, and ``route``, which sends a page event to the open behaviour of one kind."""
from __future__ import annotations


class Behaviour:
    def __init__(self, host, mounted):
        self.host, self.mounted = host, mounted

    def follow(self, state) -> None:
        """The state changed without the view being drawn again (a child view opened, a pin moved)."""

    def click_map(self, layer: str, index: int) -> bool:
        return False

    def action(self, name: str, element) -> bool:
        return False

    def close(self) -> None:
        """The view goes: stop timers."""


def route(app, host, kind: type, event_type: str, selector: str, method: str) -> None:
    """Events of ``event_type`` on ``selector`` call ``method(event, element)`` of the open ``kind``, if any."""
    def handler(event, element):
        behaviour = host.behaviour
        return getattr(behaviour, method)(event, element) if isinstance(behaviour, kind) else None

    app.on(event_type, selector, handler)
