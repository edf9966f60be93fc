"""Once the page is idle, draw one of each registered detail view off-screen (nothing is inserted), so
the first click does not pay one-time costs (PNG encoder and einsum set-up, source files read). One
piece per idle moment, so a click is never kept waiting behind the whole warm-up."""
from __future__ import annotations

import js
import numpy as np
from pyodide.ffi import create_proxy

from ...engine import layers
from ...views.detail import registry
from ...views.detail.base import build
from ..later import later

code_panel, grids = later("pyapp.views.parts.code_panel"), later("pyapp.views.parts.grids")  # 18 ms: at warm-up


class WarmUp:
    def __init__(self, host):
        self.host, self.steps, self._proxy = host, [], None

    def schedule(self) -> None:
        if self._proxy is not None:
            return
        self.steps = list(self._pieces())
        self.host.timings.update(warm_up_ms=0.0, warm_up_left=len(self.steps))
        self._proxy = create_proxy(lambda *_: self._next())
        self._idle()

    def _idle(self) -> None:
        if hasattr(js.window, "requestIdleCallback"):
            js.window.requestIdleCallback(self._proxy, js.Object.fromEntries([["timeout", 4000]]))
        else:
            js.setTimeout(self._proxy, 300)

    def _pieces(self):
        network = self.host.app.network
        base = self.host.app.state.overview()
        # The one-time costs first, each on its own: Pillow's PNG encoder, the engine's source files.
        yield lambda trace: grids.picture(np.zeros((2, 2, 3), np.uint8), 0, 0, 1, 1)
        for func in (layers.conv_pixel, layers.relu_value, layers.pool_value, layers.dense_value,
                     layers.softmax_probability):
            yield lambda trace, func=func: code_panel.source(func)
        for entry in registry.ENTRIES:
            # the first layer it can draw (a model's own: the flatten view cannot draw hidden dense layers)
            shown = [layer.name for layer in network.layers
                     if registry.can_show(entry, network, layer.name)
                     and registry.misfit(entry, network, layer.name) is None]
            if shown and not entry.linked:  # the unit view and the atlas fill themselves in when opened
                state = base.with_(view=entry.name, layer=shown[0], neuron=0)
                yield lambda trace, state=state: build(state, trace, network).overlay()
                yield lambda trace, state=state: build(state, trace, network).markup()

    def _next(self) -> None:
        if not self.steps or self.host.app.trace is None:
            return
        start = js.performance.now()
        self.steps.pop(0)(self.host.app.trace)
        took = js.performance.now() - start
        timings = self.host.timings
        timings["warm_up_ms"] += took
        timings["warm_up_longest_ms"] = max(timings.get("warm_up_longest_ms", 0.0), took)
        timings["warm_up_left"] = len(self.steps)
        if self.steps:
            self._idle()
