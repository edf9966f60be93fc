"""The window of a stepping detail view (convolution formula, ReLU, max pool) in the page: it steps on
its own every ``step_ms`` (the registry's), a pointer on a map pins it, play/pause toggles.

``state.pixel`` is the pin: None while the window steps on its own, the pinned output pixel while
paused (hover, the arrow keys, the pause button, or a deep link). Under prefers-reduced-motion a view
opens still at its first pixel with nothing pinned (``held``) until play is pressed.
"""
from __future__ import annotations

import js
from pyodide.ffi import create_proxy

from .. import dom
from ...views.parts.box import PLAY_LABELS, icon
from ...views.parts.frames import clamp_pixel, moved_pixel, next_pixel
from ..keyboard import KEYS
from .mounted import Mounted


class Stepper:
    def __init__(self, host):
        self.host = host
        self.mounted = None  # the Mounted view whose box steps, or None
        self.box = None
        self.pixel = (0, 0)
        self.playing = False
        self.held = False  # opened still (reduced motion): paused with nothing pinned
        self.timer = None
        self._proxy = create_proxy(self._step)

    def start(self, mounted, state) -> None:
        """A view was mounted: step it when it steps (mounted None: nothing steps now)."""
        self.stop()
        self.mounted = mounted
        if mounted is None or mounted.box is None:
            self.mounted = None
            return
        self.box = Mounted(mounted.view)  # the box's own cells and frame
        self.box.cells = {el.getAttribute("data-u"): el for el in dom.query_all("[data-u]", mounted.box)}
        self.pixel = mounted.view.start_pixel()
        self.box.frame = mounted.view.frame(self.pixel)
        self.held = state.pixel is None and self.host.still
        self._set_playing(state.pixel is None and not self.held)

    def stop(self) -> None:
        if self.timer is not None:
            js.clearInterval(self.timer)
            self.timer = None

    def show_pixel(self, pixel) -> None:
        if self.mounted is None or pixel == self.pixel and self.box.frame is not None:
            return
        start = js.performance.now()
        self.pixel = pixel
        self.box.apply(self.mounted.view.frame(pixel))
        self.host.timings["step_ms"] = js.performance.now() - start

    def _step(self, *_) -> None:
        if self.mounted is not None and self.playing:
            self.show_pixel(next_pixel(self.pixel, self.mounted.view.out_shape))

    def _set_playing(self, playing: bool) -> None:
        self.playing = playing
        self.stop()
        if self.mounted is None:
            return
        if playing:
            self.timer = js.setInterval(self._proxy, self.mounted.view.step_ms)
        box = self.mounted.box
        box.setAttribute("data-playing", "true" if playing else "false")
        button = box.querySelector('[data-action="play"]')
        if button is not None:  # changed in place: a focused button keeps the focus
            label = PLAY_LABELS[playing]
            button.setAttribute("title", label)
            button.setAttribute("aria-label", label)
            button.setAttribute("aria-pressed", "true" if playing else "false")
            button.innerHTML = icon("pause" if playing else "play")

    def follow_pin(self, state) -> None:
        """The state changed only in its pin (hover, play/pause, Back): show it."""
        if self.mounted is None:
            return
        if state.pixel is not None:
            self.held = False
            self.show_pixel(clamp_pixel(state.pixel, self.mounted.view.out_shape))
        playing = state.pixel is None and not self.held
        if playing != self.playing:
            self._set_playing(playing)

    def toggle(self) -> None:
        """The play/pause button: pausing pins the pixel shown now; play after a still opening steps."""
        if self.held:
            self.held = False
            return self._set_playing(True)
        app = self.host.app
        app.set_state(app.state.with_(pixel=self.pixel if self.playing else None), history="replace")

    def _pin(self, pixel) -> None:
        """Pause at ``pixel`` (in the address, as a link would)."""
        if pixel != self.pixel or self.playing:
            self.show_pixel(pixel)
            self.host.app.set_state(self.host.app.state.with_(pixel=pixel), history="replace")

    def hover_grid(self, event, element):
        """A pointer on the input or output map of the box pins the window there."""
        if self.mounted is None:
            return None
        box = element.getBoundingClientRect()
        if box.width <= 0 or box.height <= 0:
            return None
        rows, cols = int(element.getAttribute("data-rows")), int(element.getAttribute("data-cols"))
        row = min(max(int((event.clientY - box.top) / box.height * rows), 0), rows - 1)
        col = min(max(int((event.clientX - box.left) / box.width * cols), 0), cols - 1)
        self._pin(self.mounted.view.hover(element.getAttribute("data-grid"), row, col))
        return True

    def key_grid(self, event, element):
        """The arrow keys on the box's maps move the output pixel as a pointer does, and say where it is."""
        if self.mounted is None or event.key not in KEYS:
            return None
        event.preventDefault()
        pixel = moved_pixel(self.pixel, event.key, self.mounted.view.out_shape)
        self._pin(pixel)
        self.host.keyboard.say(self.mounted.view.describe(pixel))
        return True
