"""The Train panel in the page (#train): created when first opened (the address's ``train``), it loads the
built-in photos once they are chosen (not for a visitor's own classes), then trains a piece at a time (a layer
of a slice of images, pyapp.learning.session), and the browser answers clicks between two tasks of pieces: one
training step of 32 photos takes about 230-300 ms in the page, a task at most about 40 ms.

Its figures follow every step; the overview is redrawn with the weights being trained every few steps.
"Use this model" keeps the trained network as "Open a model..." does; "Download" gives its model folder.
A hidden tab pauses (nothing is lost: press Play again). Settings are the State's; a change starts afresh.
"""
from __future__ import annotations

import hashlib
import json
import time
from urllib.parse import urlencode

import js
from pyodide.ffi import create_proxy

from . import dom, model_open, pillow, train_classes
from ..learning.export import model_card, model_zip
from ..learning.photos import read_photos
from ..learning.session import Session, Settings
from ..ui.state import State
from ..views.widgets.train import charts, panel, words

PANEL = "#train"
BUDGET_S = 0.04  # work per task: the browser answers a click within about this (plus the click's own work)
REDRAW_EVERY = 5  # steps between two redraws of the overview with the weights being trained
INPUT_EVENTS = ("pointermove", "pointerdown", "keydown")  # while it trains: the visitor is here, answer first
SETTINGS = ("data", "start", "opt", "lr", "batch", "decay", "epochs", "augment", "stop", "classes")


def settings_of(state: State) -> Settings:
    return Settings(start=state.start, optimizer=state.opt, lr=state.lr, batch=state.batch, decay=state.decay,
                    augment=state.augment, epochs=state.epochs, early_stop=state.stop)


def link_stylesheet(name: str) -> None:
    """A stylesheet the page links only when it is needed (site/styles/<name>), by its content-hashed name and
    checked against its integrity, both from the load plan."""
    plan = json.loads(dom.query("#load-plan").textContent)
    path = plan.get("lazyStyles", {}).get(name, f"styles/{name}")
    if dom.query(f'link[href="./{path}"]') is not None:
        return
    integrity = plan.get("lazy", {}).get(path)
    link = js.document.createElement("link")
    link.rel, link.href = "stylesheet", f"./{path}"
    if integrity:
        link.integrity = integrity
    js.document.head.appendChild(link)


class TrainController:
    def __init__(self, app):
        self.app = app
        self.base = app.network  # what a run starts from and Reset goes back to
        self.photos = None
        self.session = None
        self.state = "idle"
        self.until = None  # "One step": the step to stop after
        self.seconds = 0.0  # wall time spent training, for images/s
        self._last = None
        self._drawn = (-1, -1)  # (steps, held-out looks) last drawn
        self.own = None  # the "Your own classes" part (pyapp/page/train_classes.py), set by install
        self._urls = {}
        self._listening = False
        self._tick_proxy = create_proxy(self.tick)
        self._redraw_proxy = create_proxy(self.redraw)
        app._proxies += [self._tick_proxy, self._redraw_proxy]
        # the next task of work: a background task where the browser has scheduler.postTask (input, frames and the
        # page's own tasks go before it), else a posted message; never setTimeout(0), which HTML holds back 4 ms from
        # the fifth nested one on (about 8 tasks a step)
        self._ticks = js.MessageChannel.new()
        self._ticks.port1.onmessage = self._tick_proxy
        self._background = js.JSON.parse('{"priority": "background"}') if hasattr(js, "scheduler") else None
        self._after_frame_proxy = create_proxy(lambda *_: self._post())
        app._proxies.append(self._after_frame_proxy)
        self._input = False  # the visitor pointed or typed since the last task (listened to while training)
        self._scheduled = False  # a tick is on its way: Pause then Play before it comes must not start a second
        self._noticed_proxy = create_proxy(self._noticed)
        app._proxies.append(self._noticed_proxy)
        app._listen(js.document, "visibilitychange", self.visibility)

    # -- the panel ---------------------------------------------------------------------------------------
    def render(self, app, change) -> None:
        element = dom.query(PANEL)
        if app.state.train and element is None:
            link_stylesheet("train.css")
            dom.query("#stage").insertAdjacentHTML("afterend", panel.render(
                app.state, self.photos.classes if self.photos else None, model_open.opened()))
            self.show()
            dom.scroll_to(dom.query(PANEL))
            self.need_photos()
        elif not app.state.train and element is not None:
            self.pause()
            element.remove()  # closed, the panel leaves the page's DOM as small as it was

    def need_photos(self) -> None:
        """Loads the built-in photos once the visitor trains on them: not for their own classes (1.4 MB unused)."""
        if self.photos is None and self.app.state.data != "own" and self.state != "loading":
            self.set_state("loading")  # now, not when the task starts: a second call must not load them twice
            self.app.spawn(self.load())

    async def load(self) -> None:
        """The built-in photos: fetched once (the service worker keeps them), checked, decoded by Pillow."""
        plan = json.loads(dom.query("#load-plan").textContent).get("trainset")
        try:
            if plan is None:
                raise ValueError("this copy of the explainer was built without training photos")
            response = await js.fetch(plan["path"])
            if not response.ok:
                raise ValueError(f"{plan['path']} is missing (HTTP {response.status})")
            data = (await response.arrayBuffer()).to_bytes()
            if hashlib.sha256(data).hexdigest() != plan["sha256"]:
                raise ValueError(f"{plan['path']} is damaged or out of date (its checksum does not match)")
            await pillow.loaded()
            self.photos = read_photos(data)
        except Exception as error:  # noqa: BLE001 - a JS network error arrives as JsException
            self.set_state("error", f"The training photos could not be loaded: {error}. Reload to try again.")
            return
        form = dom.query("#train-settings")  # None when the visitor closed the panel meanwhile: kept for later
        if form is not None:
            form.outerHTML = panel.settings_form(self.app.state, self.photos.classes)
        self.set_state("idle")
        js.performance.mark("train-photos-ready")  # for tests: the photos are in, whether the panel is open or not

    def set_state(self, state: str, said: str | None = None) -> None:
        training, self.state = state == "training", state
        if training != self._listening:
            listen = js.window.addEventListener if training else js.window.removeEventListener
            for kind in INPUT_EVENTS:
                listen(kind, self._noticed_proxy)
            self._listening = training
        # the overview's bars jump, not glide, while it trains: a glide repaints the page every frame for 1 s
        js.document.documentElement.classList.toggle("training", training)
        self.show(said)

    def show(self, said: str | None = None) -> None:
        """The hooks, the progress line and the words: once a step (and at each change of state)."""
        root = dom.query(PANEL)
        if root is None:
            return
        for name, value in panel.hooks(self.state, self.session).items():
            dom.set_attr(root, name, value)
        session = self.session
        if session is not None:
            progress, text = panel.figures(session, self.seconds)
            dom.query("#train-progress").value = progress
            dom.set_text("#train-figures", text)
        dom.set_text("#train-words", said or words.narrate(session, self.state))

    def draw(self) -> None:
        """The pictures, when a step or a look at the held-out photos made them change."""
        session = self.session
        drawn = (session.step, len(session.history.heldout))
        if drawn == self._drawn:
            return
        if drawn[0] != self._drawn[0]:
            dom.set_html("#train-curves", charts.curves(session))
            dom.set_html("#train-kernels", charts.kernels(session.network))
        if drawn[1] != self._drawn[1]:
            dom.set_html("#train-curves", charts.curves(session))
            dom.set_html("#train-classes", charts.classes(session))
            if not self._urls:
                from ..ui.svg import png_data_url
                self._urls = {i: png_data_url(session.heldout_images[i]) for i in charts.strip_photos(session)}
            dom.set_html("#train-strip", charts.strip(session, self._urls))
        if session.step and session.step % REDRAW_EVERY == 0 and drawn[0] != self._drawn[0]:
            js.setTimeout(self._redraw_proxy, 0)  # its own task: a click waits for a task of work or a redraw, not both
        self._drawn = drawn

    def redraw(self, *_) -> None:
        """The overview (and every view) with the weights being trained: the maps come alive."""
        if self.session is not None:
            self.app.set_network(self.session.network)

    # -- running ---------------------------------------------------------------------------------------
    def new_session(self) -> bool:
        state = self.app.state
        if state.data == "own":  # the visitor's classes: all of them, in their order
            photos, problem = self.own.photo_set()
            if photos is None:
                self.set_state("idle", problem)
                return False
            chosen = range(len(photos.classes))
        else:
            photos, chosen = self.photos, [c for c in state.classes if c < len(self.photos.classes)]
        if len(chosen) < 2:
            self.set_state("idle", "Pick at least two classes to learn.")
            return False
        self.session = Session(self.base, photos, chosen, settings_of(state))
        self.seconds, self._drawn, self._urls = 0.0, (-1, -1), {}
        return True

    def run(self, until: int | None = None) -> None:
        if (self.photos is None and self.app.state.data != "own") or self.state in ("loading", "training"):
            return
        if self.session is None or self.session.finished:
            if not self.new_session():
                return
        self.until = until
        self._last = time.perf_counter()
        self.set_state("training")
        self._schedule()

    def _schedule(self) -> None:
        if self._scheduled:
            return
        self._scheduled = True
        if self._input:  # the frame that answers the visitor goes before the next task of work, not after it
            self._input = False
            js.requestAnimationFrame(self._after_frame_proxy)
        else:
            self._post()

    def _post(self) -> None:
        if self._background is not None:
            js.scheduler.postTask(self._tick_proxy, self._background)
        else:
            self._ticks.port2.postMessage(None)

    def tick(self, *_) -> None:
        """One task: up to BUDGET_S of work, or the drawing of what the last one changed (a click waits for one, not
        both).

        The page changes once a step or a look at the held-out photos, not after every task: a frame costs ~10 ms.
        """
        self._scheduled = False
        session = self.session
        if self.state != "training" or session is None:
            return
        if self._drawn == (session.step, len(session.history.heldout)):
            session.advance(BUDGET_S, session.step + 1)  # a finished step is drawn in the next task
        else:
            self.draw()
            self.show()
        now = time.perf_counter()
        self.seconds += now - self._last
        self._last = now
        if session.finished:
            self.draw()
            self.app.set_network(session.network)
            self.set_state("error" if session.finished == "error" else "done")
        elif self.until is not None and session.step >= self.until:
            self.draw()
            self.set_state("paused")
        else:
            self._schedule()

    def _noticed(self, event) -> None:
        self._input = True

    def pause(self, event=None, element=None, said: str | None = None) -> None:
        if self.state == "training":
            self.set_state("paused", said)

    def reset(self, event=None, element=None) -> None:
        self.session, self._drawn = None, (-1, -1)
        for part in ("#train-curves", "#train-kernels", "#train-classes", "#train-strip"):
            dom.set_html(part, "")
        if self.app.network is not self.base:
            self.app.set_network(self.base)
        self.set_state("idle" if self.photos is not None else self.state)

    def visibility(self, event) -> None:
        if js.document.hidden:
            self.pause(said="Paused while the tab was in the background: press Play to go on.")

    # -- settings and the trained network -------------------------------------------------------------------
    def changed(self, event, element) -> None:
        """A setting changed: read the form through the State's own address rules, then start afresh."""
        form = dom.query("#train-settings")
        pairs = {}
        for field in dom.query_all("input, select", form):
            name = field.name
            if name.startswith("class-"):
                continue
            pairs[name] = ("1" if field.checked else "0") if field.type == "checkbox" else field.value
        picked = [field.name.split("-")[1] for field in dom.query_all("input[name^='class-']", form) if field.checked]
        if picked:
            pairs["classes"] = ",".join(picked)
        read, dropped = State.parse(urlencode(pairs))
        current = self.app.state
        new = current.with_(**{name: getattr(read, name) for name in SETTINGS if name in pairs and name not in dropped})
        if new.data == "own" != current.data and new.start == current.start == "weights":
            new = new.with_(start="transfer")  # a few photos of new classes: transfer is the natural start
        self.pause()
        self.reset()
        self.app.set_state(new, "replace")
        self.need_photos()
        if dropped or new.data != current.data or new.start != read.start:
            form.outerHTML = panel.settings_form(new, self.photos.classes if self.photos else None)
            self.show(f"Not a value this setting takes ({', '.join(dropped)}): it stays as it was.")

    def use(self, event=None, element=None) -> None:
        if self.session is not None:
            self.pause()
            model_open.keep(self.app, self.session.network)

    def download(self, event=None, element=None) -> None:
        if self.session is None:
            return
        data = model_zip(self.session.network, model_card(self.session))
        blob = js.Blob.new([js.Uint8Array.new(data)], js.Object.fromEntries([["type", "application/zip"]]))
        link = js.document.createElement("a")
        link.href = js.URL.createObjectURL(blob)
        link.download = "trained-model.zip"
        link.click()
        js.setTimeout(create_proxy(lambda *_: js.URL.revokeObjectURL(link.href)), 10000)


def install(app) -> TrainController:
    controller = TrainController(app)
    app.renderers.append(controller.render)
    actions = {"start": lambda e, el: controller.run(), "pause": controller.pause, "reset": controller.reset,
               "step": lambda e, el: controller.run(until=(controller.session.step if controller.session and
                                                           not controller.session.finished else 0) + 1),
               "use": controller.use, "download": controller.download,
               "close": lambda e, el: app.set_state(app.state.with_(train=False))}
    app.install("train", controller, [
        ("click", "[data-train-action]", lambda e, el: actions[el.getAttribute("data-train-action")](e, el)),
        ("change", "#train-settings", controller.changed),
    ])
    controller.own = train_classes.install(app, controller)
    return controller
