"""The unit view and the atlas in the page: they open at once with progress bars, then fill in.

The patches: for the shipped model, the build's atlas (``atlas/atlas.json`` and its sprite, fetched the first
time either view opens; the service worker keeps them for offline use); for any other model (opened,
imported, or the playground's edited kernels), the same engine code run here over the page's examples, a
batch at a time. Found once per network and shared by both views. The made image: the gradient ascent of
pyapp.engine.maximise, a few steps per turn of the browser's event loop, kept per unit once made.
"""
from __future__ import annotations

import asyncio
import json
import time

import js

from ...ui import svg
from ...views.widgets.examples import example_input
from ..later import later
from .behaviour import Behaviour

engine_atlas, maximise = later("pyapp.engine.atlas"), later("pyapp.engine.maximise")
atlas_view, unit_view = later("pyapp.views.detail.atlas"), later("pyapp.views.detail.unit")
patches = later("pyapp.views.parts.patches")

STEPS_PER_TURN = 4  # ascent steps between two yields to the browser (each a forward and backward pass)
BATCH = 16  # examples per forward pass when the page finds the patches itself: progress moves often


class Atlases:
    """The atlas of the network on screen: found once, awaited by whichever view asks."""

    def __init__(self):
        self.network = None
        self.task = None
        self.listeners = []  # progress(done, total) of the views waiting
        self.made = {}  # (layer, unit) -> (start activation, last Step), for self.network

    def for_app(self, app, listener) -> asyncio.Future:
        if app.network is not self.network:
            self.network, self.made = app.network, {}
            self.task = asyncio.ensure_future(self._find(app, app.network))
        self.listeners.append(listener)
        return self.task

    def forget(self, listener) -> None:
        if listener in self.listeners:
            self.listeners.remove(listener)

    def _progress(self, done: int, total: int) -> None:
        for listener in list(self.listeners):
            listener(done, total)

    async def _find(self, app, network) -> patches.Atlas:
        shipped = await self._shipped(network)
        if shipped is not None:
            return shipped
        images = [(name, example_input(name)) for name in app.examples]
        if app.custom_image is not None:
            images.append(("your image", app.custom_image))
        if not images:
            raise LookupError("there is no image to search for patches")
        running = engine_atlas.scan(network, images, engine_atlas.unit_layers(network), BATCH)
        while True:
            try:
                self._progress(*next(running))
            except StopIteration as finished:
                found = finished.value
                break
            await asyncio.sleep(0)  # the browser draws the progress between two batches
        pixels, index = engine_atlas.sprite(found, dict(images))
        return patches.from_patches(found, index, svg.png_data_url(pixels),
                                    f"the {len(images)} images of this page")

    @staticmethod
    async def _shipped(network) -> patches.Atlas | None:
        """The build's atlas, if it is this very model's (its weights' fingerprint)."""
        try:
            response = await js.fetch(patches.DOCUMENT)
            if not response.ok:
                return None
            document = json.loads(await response.text())
        except Exception:  # noqa: BLE001 - offline before first use, or no atlas in this build: compute it
            return None
        if document.get("model") != engine_atlas.fingerprint(network):
            return None
        return patches.from_document(document)


ATLASES = Atlases()


class PatchesBox(Behaviour):
    """What the unit view and the atlas share: wait for the patches, drawing progress; stop on close."""

    role = ""

    def __init__(self, host, mounted):
        super().__init__(host, mounted)
        self.tasks = [host.app.spawn(self.fill())]

    def _slot(self, role: str):
        box = self.mounted.box
        return box.querySelector(f'[data-role="{role}"]') if box is not None else None

    def _set(self, role: str, html: str) -> None:
        slot = self._slot(role)
        if slot is not None:
            slot.innerHTML = html

    def _progress(self, done: int, total: int) -> None:
        self._set(self.role, unit_view.progress("Finding the patches:", done, total))

    async def found(self) -> patches.Atlas | None:
        try:
            return await ATLASES.for_app(self.host.app, self._progress)
        except LookupError as error:
            self._set(self.role, f'<p class="unit-progress">No patches: {svg.escape(str(error))}.</p>')
            return None
        finally:
            ATLASES.forget(self._progress)

    async def fill(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        for task in self.tasks:
            if task is not None and not task.done():
                task.cancel()


class UnitBox(PatchesBox):
    role = property(lambda self: unit_view.PATCHES)  # not read at import: unit_view comes later

    def __init__(self, host, mounted):
        super().__init__(host, mounted)
        self.tasks.append(host.app.spawn(self.make()))

    async def fill(self) -> None:
        found = await self.found()
        view = self.mounted.view
        if found is not None:
            self._set(self.role, unit_view.patches_markup(found, view.network, view.layer, view.neuron))
            source = self._slot("unit-source")
            if source is not None:
                source.textContent = f"among {found.source}"

    async def make(self) -> None:
        view = self.mounted.view
        network, key = view.network, (view.layer, view.neuron)
        if network is ATLASES.network and key in ATLASES.made:
            start, step = ATLASES.made[key]
            return self._set(unit_view.MADE_ROLE, unit_view.made_markup(step, start))
        await asyncio.sleep(0)  # the box first: it is on screen before the first step
        start = maximise.unit_activation(network, maximise.start_image(network), *key)
        for step in maximise.ascend(network, *key):
            if step.number % STEPS_PER_TURN == 0 or step.number == step.steps:
                self._set(unit_view.MADE_ROLE, unit_view.made_markup(step, start))
                await asyncio.sleep(0)
        if network is ATLASES.network:
            ATLASES.made[key] = (start, step)


class AtlasBox(PatchesBox):
    role = property(lambda self: atlas_view.LAYERS)

    async def fill(self) -> None:
        found = await self.found()
        if found is not None:
            view = self.mounted.view
            self._set(self.role, atlas_view.layers_markup(found, view.state, view.network))
            current = self._slot(self.role).querySelector(".atlas-current")
            if current is not None:
                current.scrollIntoView(js.Object.fromEntries([["block", "nearest"]]))


def open_atlas(app, event, element) -> bool:
    """A link to the atlas from outside the overview (the article's): keep the photo, and bring it into view."""
    event.preventDefault()
    app.set_state(app.state.overview().with_(view="atlas"))
    overview = js.document.getElementById("overview")
    if overview is not None:
        overview.scrollIntoView(js.Object.fromEntries([["block", "start"]]))
    return True


def install(app) -> None:
    app.on("click", "a[data-atlas-link]", lambda event, element: open_atlas(app, event, element))


def measure(app, images: int = 100) -> str:
    """For tests/bench: milliseconds of one forward pass, of the atlas over ``images`` examples (the page's
    examples, shifted to make up the number) and of one made image, in this browser."""
    import numpy as np

    network = app.network
    base = [example_input(name) for name in app.examples] or [app.image]
    batch = [(f"{k}", np.roll(base[k % len(base)], (k // len(base), k // len(base)), axis=(0, 1)))
             for k in range(images)]

    def ms(function) -> float:
        start = time.perf_counter()
        function()
        return round((time.perf_counter() - start) * 1000, 1)

    forward = min(ms(lambda: network.forward(app.image)) for _ in range(5))
    atlas = ms(lambda: engine_atlas.sprite(engine_atlas.top_patches(network, batch, engine_atlas.unit_layers(network)),
                                           dict(batch)))
    made = ms(lambda: maximise.made_image(network, engine_atlas.unit_layers(network)[-1], 0))  # the deepest: dearest
    return json.dumps({"forward_ms": forward, "atlas_ms": atlas, "made_ms": made, "images": images})
