"""The page's notice: one short message over the bottom of the page (a bad drop, a link that cannot be shown).

A message about the visitor's input goes by itself after FADE_SECONDS; any notice goes at once with
its close button, or with the next change of what is shown; a new message replaces the old one.
"""
from __future__ import annotations

import js
from pyodide.ffi import create_proxy

from . import dom

FADE_SECONDS = 8  # time to read two sentences; then it no longer covers the page


class Notice:
    def __init__(self):
        self._timer = None
        self._fade = create_proxy(self.hide)  # one proxy for every timer: nothing to free per message

    def show(self, message: str, fades: bool = True, action: str = "") -> None:
        """``action``: a button's markup after the message (e.g. the upload button)."""
        self._stop_timer()
        dom.set_text("#notice-text", message)
        dom.set_html("#notice-action", action)
        dom.show("#notice", True)
        if fades:
            self._timer = js.setTimeout(self._fade, FADE_SECONDS * 1000)

    def hide(self, event=None, element=None) -> None:
        self._stop_timer()
        dom.show("#notice", False)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            js.clearTimeout(self._timer)
            self._timer = None
