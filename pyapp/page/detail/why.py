"""The "Why?" view in the page, beyond its markup: its method buttons, "compare with" and Grad-CAM's layer change the State
(so every choice has an address), and a pointer on a photo reads the heat map's value under it."""
from __future__ import annotations

from ..later import later
from .behaviour import Behaviour, route

why = later("pyapp.views.detail.why")

READOUT = '[data-role="why-readout"]'


class WhyBox(Behaviour):
    def action(self, name: str, element) -> bool:
        if name != "why-method":
            return False
        app = self.host.app
        app.set_state(app.state.with_(method=element.getAttribute("data-method")))
        return True

    def compare(self, event, element):
        value = element.value
        app = self.host.app
        app.set_state(app.state.with_(compare=int(value) if value.isascii() and value.isdigit() else None))
        return True

    def cam(self, event, element):
        """Grad-CAM's convolution (in the address as ``cam``)."""
        app = self.host.app
        app.set_state(app.state.with_(cam=element.value or None))
        return True

    def hover(self, event, element):
        heat = element.querySelector(".why-heat")
        box = heat.getBoundingClientRect() if heat is not None else None
        if box is None or box.width <= 0 or box.height <= 0:
            return None
        fx, fy = (event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height
        inside = 0 <= fx < 1 and 0 <= fy < 1
        text = self.mounted.view.readout(int(element.getAttribute("data-index")), fx, fy) if inside else why.READOUT_HINT
        self._say(text)
        return True

    def leave(self, event, element):
        self._say(why.READOUT_HINT)

    def _say(self, text: str) -> None:
        readout = self.mounted.box.querySelector(READOUT) if self.mounted.box is not None else None
        if readout is not None and readout.textContent != text:
            readout.textContent = text


def install(app, host) -> None:
    """The box's "compare with" and pointer events go to the open WhyBox, if any."""
    route(app, host, WhyBox, "change", ".detail-box [data-why-compare]", "compare")
    route(app, host, WhyBox, "change", ".detail-box [data-why-layer]", "cam")
    route(app, host, WhyBox, "pointermove", ".detail-box .why-panel", "hover")
    route(app, host, WhyBox, "pointerout", ".detail-box .why-panel", "leave")
