"""The Train panel's "Your own classes" (#train-own, made when the panel's Photos setting is "your own classes"):
the visitor names 2 to 10 classes and fills each with photos from files, a drop, a paste or the camera.

Every photo goes the guarded way the own image goes (pyapp/page/upload.py): the size limit before the bytes are
read, Pillow loaded, then pyapp.images.preprocess (decompression bombs, pixel limits) to the 64x64 picture the
network sees; only that is kept. The photos live in this tab (pyapp.learning.own); the names are the State's.
A change of the photos or the classes starts training afresh, as a change of a setting does.
"""
from __future__ import annotations

import asyncio

import js
from pyodide.ffi import JsException, create_once_callable, to_js

from . import camera, dom, pillow
from ..learning.own import MAX_PHOTOS, OwnClasses, default_names
from ..views.widgets import upload as upload_words
from ..views.widgets.train import own as view

SECTION = "#train-own"


class OwnClassesPanel:
    def __init__(self, app, train):
        self.app, self.train = app, train
        self.own: OwnClasses | None = None  # made when the mode is first opened, kept while the tab lives
        self._thumbs: dict[int, str] = {}  # id(photo) -> its data URL (the photo arrays live as long as own)
        self.stream = None
        self.camera_session = 0  # bumped by every start and stop: a camera granted after a stop is stopped at once

    # -- the part ---------------------------------------------------------------------------------------
    def render(self, app, change) -> None:
        root, section = dom.query("#train"), dom.query(SECTION)
        wanted = root is not None and app.state.data == "own"
        if wanted and section is None:
            names = app.state.names or default_names()
            if self.own is None:
                self.own = OwnClasses(names)
            elif tuple(self.own.names) != tuple(names) and len(names) == len(self.own.names):
                self.own.names = list(names)  # the address's names (Back, a link) win
            elif tuple(self.own.names) != tuple(names):
                self.own = OwnClasses(names)
            dom.query("#train-settings").insertAdjacentHTML("afterend", view.render(
                self.own, self.thumb, self.note(), self.stream is not None))
        elif not wanted:  # the mode or the whole panel closed: the camera goes off with it
            if self.stream is not None:
                self.stop_camera()
            if section is not None:
                section.remove()
        elif wanted:
            dom.set_text("#train-own-output", self.note())

    def note(self) -> str:
        return view.output_note(len(self.own.names), len(self.train.base.classes), self.app.state.start)

    def thumb(self, photo) -> str:
        key = id(photo)
        if key not in self._thumbs:
            from ..ui.svg import png_data_url
            self._thumbs[key] = png_data_url(photo)
        return self._thumbs[key]

    def redraw(self, said: str | None = None) -> None:
        """The classes again (a photo or a class came or went), the summary or ``said``; training starts afresh."""
        alive = {id(p) for photos in self.own.photos for p in photos}
        self._thumbs = {k: v for k, v in self._thumbs.items() if k in alive}
        dom.query("#train-own-list").outerHTML = view.classes_list(self.own, self.thumb, self.stream is not None)
        root = dom.query(SECTION)
        dom.set_attr(root, "data-ready", int(self.own.ready))
        dom.set_attr(root, "data-heldout", sum(self.own.heldout_counts()))
        dom.set_text("#train-own-said", said or self.own.summary())
        dom.set_text("#train-own-output", self.note())
        self.train.pause()
        self.train.reset()

    def say(self, message: str) -> None:
        dom.set_text("#train-own-said", message)

    def keep_names(self) -> None:
        names = tuple(self.own.names)
        self.app.set_state(self.app.state.with_(names=() if names == default_names() else names), "replace")

    def photo_set(self):
        """(the training set, None) or (None, why not in words): for the Train panel's next run."""
        if self.own is None:
            return None, "Name your classes and add photos first."
        try:
            return self.own.photo_set(), None
        except ValueError as error:
            return None, str(error)

    # -- the visitor's actions ------------------------------------------------------------------------------
    def action(self, event, element) -> None:
        name = element.getAttribute("data-own-action")
        index = element.getAttribute("data-own-class")
        index = int(index) if index is not None else None
        if name == "add-class":
            self._structure(lambda: self.own.add_class())
        elif name == "remove-class":
            self._structure(lambda: self.own.remove_class(index))
        elif name == "clear":
            self.own.clear(index)
            self.redraw()
        elif name == "remove-photo":
            self.own.remove_photo(index, int(element.getAttribute("data-photo")))
            self.redraw()
            dom.query(f".tr-own-class[data-own-class='{index}']").focus()
        elif name == "camera":
            if self.stream is None:
                self.app.spawn(self.start_camera())
            else:
                self.stop_camera()
        elif name == "snap":
            self.app.spawn(self.snap(index))

    def _structure(self, change) -> None:
        try:
            change()
        except ValueError as error:
            return self.say(str(error))
        self.redraw()
        self.keep_names()

    def rename(self, event, element) -> None:
        index = int(element.getAttribute("data-own-class"))
        try:
            self.own.rename(index, element.value)
        except ValueError as error:
            element.value = self.own.names[index]
            return self.say(str(error))
        element.value = self.own.names[index]
        self.keep_names()
        self.redraw()

    def choose_files(self, event, element) -> None:
        files = [element.files.item(i) for i in range(element.files.length)]
        element.value = ""  # the same files again must fire "change" again
        self.app.spawn(self.add_files(int(element.getAttribute("data-own-class")), files))

    def drag_over(self, event, element) -> bool:
        event.preventDefault()  # else the browser will not let the files be dropped here
        event.dataTransfer.dropEffect = "copy"
        return True

    def drop(self, event, element) -> bool:
        event.preventDefault()  # else the browser leaves the page to open the file
        files = event.dataTransfer.files
        self._into_class(event.target, [files.item(i) for i in range(files.length)])
        return True

    def paste(self, event, element) -> bool:
        event.preventDefault()
        files = event.clipboardData.files
        self._into_class(event.target, [files.item(i) for i in range(files.length)])
        return True

    def _into_class(self, target, files) -> None:
        card = target.closest(".tr-own-class") if hasattr(target, "closest") else None
        if card is None:
            return self.say("Drop or paste onto a class: click the class first, then paste.")
        self.app.spawn(self.add_files(int(card.getAttribute("data-own-class")), files))

    async def add_files(self, index: int, files) -> None:
        """Each file through the guarded path into class ``index``; what was refused is said, the rest kept."""
        room = MAX_PHOTOS - len(self.own.photos[index])
        problems = [f"{self.own.names[index]} is full: at most {MAX_PHOTOS} photos a class."] if len(files) > room else []
        files = files[:max(0, room)]  # none read beyond what the class can hold
        added = 0
        for file in files:
            problem = await self._add(index, file)
            if problem:
                problems.append(problem)
            else:
                added += 1
        if added or problems:
            self.redraw(" ".join(dict.fromkeys(problems)) or None)

    async def _add(self, index: int, file) -> str | None:
        if file.size > upload_words.MAX_UPLOAD_BYTES:  # before a byte is read
            return upload_words.too_large(int(file.size))
        data = (await file.arrayBuffer()).to_bytes()
        try:
            await pillow.loaded()
        except pillow.PillowError as error:
            return str(error) + "."
        import numpy as np

        from ..images.errors import ImageError
        from ..images.preprocess import network_image
        try:
            picture = network_image(data)
        except ImageError as error:
            return upload_words.unusable(str(error), str(getattr(file, "type", "") or ""))
        self.own.add_photo(index, np.asarray(picture.convert("RGB"), dtype=np.uint8))
        return None

    # -- the camera: one live picture, each class's "Take a photo" puts a frame into that class ------------------
    async def start_camera(self) -> bool:
        self.stop_camera()
        session = self.camera_session
        media = camera._media_devices()
        if media is None:
            self.say("This browser offers no camera to this page; add photos from files instead.")
            return False
        self.say("Starting the camera…")
        try:
            stream = await media.getUserMedia(to_js(camera.CONSTRAINTS, dict_converter=js.Object.fromEntries))
            if session != self.camera_session:
                camera._stop_tracks(stream)
                return False
            self.stream = stream
            video = dom.query("#train-own-video")
            video.srcObject = stream
            video.hidden = False
            await video.play()
        except JsException as error:  # refused, no camera, camera busy
            if session == self.camera_session:
                self.stop_camera()
                self.say(upload_words.camera_problem(str(getattr(error, "name", ""))))
            return False
        self._camera_buttons()
        self.say("The camera is on: press a class's “Take a photo” for each picture.")
        return True

    def stop_camera(self) -> None:
        """Camera off: every track stopped, so the browser's camera light goes out."""
        self.camera_session += 1
        if self.stream is not None:
            camera._stop_tracks(self.stream)
            self.stream = None
        video = dom.query("#train-own-video")
        if video is not None:
            video.srcObject = None
            video.hidden = True
            self._camera_buttons()

    def _camera_buttons(self) -> None:
        on = self.stream is not None
        dom.set_text(f"{SECTION} [data-own-action='camera']", "Stop the camera" if on else "Start the camera")
        for button in dom.query_all(f"{SECTION} [data-own-action='snap']"):
            button.textContent = "Take a photo" if on else "Camera"

    async def snap(self, index: int) -> None:
        """A frame of the live picture, as PNG bytes, through the guarded path into class ``index``."""
        if self.stream is None and not await self.start_camera():
            return
        video = dom.query("#train-own-video")
        if not video.videoWidth:
            return self.say("The camera has no picture yet: try again in a moment.")
        canvas = js.document.createElement("canvas")  # not in the page: only its pixels are wanted
        canvas.width, canvas.height = video.videoWidth, video.videoHeight
        canvas.getContext("2d").drawImage(video, 0, 0)
        taken = asyncio.get_event_loop().create_future()
        canvas.toBlob(create_once_callable(taken.set_result), "image/png")
        await self.add_files(index, [await taken])


def install(app, train) -> OwnClassesPanel:
    panel = OwnClassesPanel(app, train)
    app.renderers.append(panel.render)
    inside = f"{SECTION} "
    app.install("train_classes", panel, [
        ("click", inside + "[data-own-action]", panel.action),
        ("change", inside + ".tr-own-file", panel.choose_files),
        ("change", inside + ".tr-own-name", panel.rename),
        ("dragover", SECTION, panel.drag_over),
        ("drop", SECTION, panel.drop),
        ("paste", SECTION, panel.paste),
    ])
    return panel
