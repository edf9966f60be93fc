"""The convolution's elastic view in the page, beyond its frames: the kernel slides over the maps on a
timer (skip / replay; under prefers-reduced-motion it waits at its first position for play), a click on
an input map or an intermediate row opens that channel's formula box, and the open channel's row stays
highlighted."""
from __future__ import annotations

import js
from pyodide.ffi import create_proxy

from .. import dom
from ..later import later

conv_elastic = later("pyapp.views.detail.conv_elastic")


class ElasticOverlay:
    def __init__(self, host, mounted):
        self.host, self.mounted = host, mounted
        self.tick, self.done, self.timer, self.open_row = 0, False, None, None
        self._proxy = create_proxy(self._tick)
        if mounted.overlay is not None:
            self.start(still=host.still)

    def start(self, still: bool = False) -> None:
        """The kernel at its first position, sliding on (``still``: waiting for the play button)."""
        self.close()
        self.tick, self.done = 0, False
        self.mounted.apply(conv_elastic.tick_frame(0))
        self._button("play" if still else "skip")
        if not still:
            self.timer = js.setInterval(self._proxy, conv_elastic.TICK_MS)

    def _tick(self, *_) -> None:
        start = js.performance.now()
        self.tick += 1
        if self.tick >= conv_elastic.TICKS_1D ** 2:
            self.finish()
        else:
            self.mounted.apply(conv_elastic.tick_frame(self.tick))
        self.host.timings["tick_ms"] = js.performance.now() - start

    def finish(self) -> None:
        """Skip to the end: every intermediate result and the output shown, kernels hidden."""
        self.close()
        self.done = True
        self.mounted.apply(conv_elastic.tick_frame(0, done=True))
        self._sliders("hidden")
        self._button("replay")

    def _sliders(self, visibility: str) -> None:
        for slider in dom.query_all(".sliders", self.mounted.overlay):
            slider.setAttribute("visibility", visibility)

    def _button(self, face: str) -> None:
        """The animation button shows what a click does: play, skip or replay."""
        button = self.mounted.overlay.querySelector('[data-action="animation"]')
        if button is None:
            return
        for name in conv_elastic.ANIMATION_LABELS:
            icon = button.querySelector(f".icon-{name}")
            if icon is not None:
                icon.setAttribute("visibility", "visible" if name == face else "hidden")
        label = conv_elastic.ANIMATION_LABELS[face]
        button.setAttribute("aria-label", label)
        button.parentNode.querySelector(":scope > title").textContent = label  # its tooltip (svg.with_tooltip)
        if face != "replay":
            self._sliders("visible")

    def close(self) -> None:
        if self.timer is not None:
            js.clearInterval(self.timer)
            self.timer = None

    def follow(self, state) -> None:
        """The open channel's row stays highlighted while its formula box is open."""
        row = (state.channel or 0) if state.view == "conv-formula" else None
        if self.mounted.overlay is None or row == self.open_row:
            return
        for element in dom.query_all(".row-hit.is-open", self.mounted.overlay):
            element.classList.remove("is-open")
        if row is not None:
            element = self.mounted.overlay.querySelector(f'.row-hit[data-channel="{row}"]')
            if element is not None:
                element.classList.add("is-open")
        self.open_row = row

    def open_channel(self, channel: int) -> bool:
        app = self.host.app
        state = app.state
        if state.view == "conv-formula" and (state.channel or 0) == channel:
            app.set_state(state.back())  # the open row again: back to the elastic view
        else:
            app.set_state(state.with_(view="conv-formula", channel=channel, pixel=None))
        return True

    def click_map(self, layer: str, index: int) -> bool:
        """A map of the layer's input is that channel's row."""
        if layer != self.host.app.network.sources.get(self.host.app.state.layer):
            return False
        return self.open_channel(index)

    def action(self, name: str, element) -> bool:
        if name == "channel":
            return self.open_channel(int(element.getAttribute("data-channel")))
        if name == "animation":  # still or done: (re)start; sliding: skip to the end
            self.finish() if self.timer is not None else self.start()
            return True
        return False
