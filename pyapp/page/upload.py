"""The visitor's own image: the "add your own image" dialog (a web address, a file or a photo), a
file dropped anywhere on the page, an image pasted (Ctrl+V), or a link's ``image_url``.

A click on the custom slot opens the dialog (or, when an own image was given before and another
image is showing, goes back to it). Every failure is said in words from pyapp.views.widgets.upload: in the
dialog when it is open, else in the page's notice. Cancel (or Esc, or a click outside) closes the
dialog and leaves the image as it was. A download that the browser refuses is told apart from an
unreachable address by asking again without CORS: an opaque answer means the site is there but
does not share its images. Every way in ends in ``_accept`` (size limit, Pillow loaded, then the App's
preprocessing).
"""
from __future__ import annotations

import js
from pyodide.ffi import JsException, create_proxy, to_js

from . import camera, dom, drawing, pillow
from ..ui.state import CUSTOM_IMAGE
from ..views.widgets import upload as view

STALE = object()  # _accept's answer for an image the visitor no longer wants (they chose another meanwhile)


async def download(address: str) -> tuple[bytes | None, str, str | None]:
    """The web-address rules, for the dialog and for links: (bytes, media type, None), or
    (None, "", what went wrong in words). At most MAX_UPLOAD_BYTES and DOWNLOAD_TIMEOUT_S: the body is
    read chunk by chunk and the download stopped past either, whatever the server announced."""
    if not address.lower().startswith(("http://", "https://")):
        return None, "", view.bad_address(address)
    if address.lower().startswith("http://") and not address.startswith(str(js.location.origin) + "/"):
        return None, "", view.insecure_address()  # the page's policy (connect-src) would refuse it anyway
    stop = js.AbortController.new()
    timer = js.setTimeout(stop.abort.bind(stop), view.DOWNLOAD_TIMEOUT_S * 1000)  # JS's own: no proxy to free
    try:
        return await _download(address, stop)
    finally:
        js.clearTimeout(timer)


async def _download(address: str, stop) -> tuple[bytes | None, str, str | None]:
    try:
        response = await js.fetch(address, to_js({"signal": stop.signal}, dict_converter=js.Object.fromEntries))
    except JsException:
        if stop.signal.aborted:
            return None, "", view.timed_out()
        return None, "", view.cross_origin() if await _reachable(address) else view.unreachable()
    if not response.ok:
        return None, "", view.not_found(int(response.status))
    length = str(response.headers.get("content-length") or "")
    if length.isascii() and length.isdigit() and int(length) > view.MAX_UPLOAD_BYTES:
        stop.abort()
        return None, "", view.too_large(int(length))
    mime = str(response.headers.get("content-type") or "").split(";")[0].strip()
    if not response.body:  # an empty answer (204): preprocessing says it is no image
        return b"", mime, None
    reader = response.body.getReader()
    chunks, size = [], 0
    while True:
        try:
            chunk = await reader.read()
        except JsException:
            return None, "", view.timed_out() if stop.signal.aborted else view.interrupted()
        if chunk.done:
            return b"".join(chunks), mime, None
        size += int(chunk.value.byteLength)
        if size > view.MAX_UPLOAD_BYTES:  # a length that lied, or none: counted as it comes
            stop.abort()
            return None, "", view.too_large_download()
        chunks.append(chunk.value.to_bytes())


async def _reachable(address: str) -> bool:
    try:
        await js.fetch(address, to_js({"mode": "no-cors"}, dict_converter=js.Object.fromEntries))
        return True
    except JsException:
        return False


class UploadDialog:
    def __init__(self, app):
        self.app = app
        self.attempt = 0  # bumped on every load and on cancel: a late answer to an old attempt is dropped
        self.camera = camera.Camera(self)
        self.pad = drawing.DrawingPad(self)

    @property
    def dialog(self):
        return dom.query("#upload-dialog")

    # -- opening and closing ------------------------------------------------------------------------
    def custom_slot(self, event, element) -> bool:
        if event.type == "keydown" and event.key not in ("Enter", " "):
            return False
        event.preventDefault()  # not the bare file picker: the dialog offers an address too
        app = self.app
        if app.custom_image is not None and app.state.image != CUSTOM_IMAGE:
            app.set_state(app.state.with_(image=CUSTOM_IMAGE, image_url=app.custom_url))
        else:
            self.open()
        return True

    def open(self) -> None:
        self.say("")
        self.busy(False)
        channels, size = self.app.network.shapes["input"][:2]
        dom.set_text("#upload-size-hint", view.size_hint(size, channels))  # the model's own size, not Tiny VGG's
        self.camera.offer()
        self.pad.offer()
        dialog = self.dialog
        if not dialog.open:
            dialog.showModal()
        dom.query("#upload-url").focus()

    def close(self, event=None, element=None) -> None:
        """Cancel: forget any load under way and turn the camera off; the image shown stays what it was."""
        self.attempt += 1
        self.busy(False)
        self.camera.stop()
        if self.dialog.open:
            self.dialog.close()

    def backdrop(self, event, element) -> None:
        if event.target == element:  # the click landed on the dialog's backdrop, not its content
            self.close()

    # -- loading ------------------------------------------------------------------------------------
    def add_address(self, event, element) -> bool:
        event.preventDefault()  # the form would close the dialog at once
        address = str(dom.query("#upload-url").value).strip()
        self.app.spawn(self._load_address(address, self._begin()))
        return True

    def follow_link(self, address: str, said: str | None = None) -> None:
        """A link's image_url (at start-up or on a running page): the image shown stays while it downloads
        by the dialog's rules, and the address keeps asking for it (so copying a link or an embed keeps it);
        then it is shown, or the notice says why not and the address drops it. ``said``: a notice to keep."""
        self.app.awaited_url = address
        self.app.write_address()
        self.app.notice.show(" ".join(filter(None, (said, view.link_loading(address)))), fades=False)
        self.app.spawn(self._load_link(address))

    def choose_file(self, event, element) -> None:
        files = element.files
        if files is None or not files.length:
            return
        self.use_file(files.item(0))
        element.value = ""  # choosing the same file again must fire "change" again

    def use_file(self, file) -> None:
        self.app.spawn(self._load_file(file, self._begin()))

    def _begin(self) -> int:
        """Clear the last message and show busy before the load task runs, so no stale verdict shows."""
        self.attempt += 1
        self.say("")
        self.busy(True)
        return self.attempt

    # -- drop and paste -----------------------------------------------------------------------------
    def drag_over(self, event, element) -> bool:
        event.preventDefault()  # else the browser will not let the file be dropped here
        event.dataTransfer.dropEffect = "copy"
        dom.query("#app").classList.add("drop-target")
        return True

    def drag_end(self, event) -> None:
        if event.type == "dragend" or event.relatedTarget is None:  # left the window, or gave up
            dom.query("#app").classList.remove("drop-target")

    def drop(self, event, element) -> bool:
        event.preventDefault()  # else the browser leaves the page to open the file
        dom.query("#app").classList.remove("drop-target")
        self.use_file(event.dataTransfer.files.item(0))
        return True

    def paste(self, event, element) -> bool:
        event.preventDefault()
        self.use_file(event.clipboardData.files.item(0))
        return True

    async def _load_address(self, address: str, attempt: int) -> None:
        try:
            data, mime, problem = await download(address)
            if problem:
                return self._fail(problem, attempt)
            if attempt == self.attempt:
                await self._use(data, mime, attempt, address)
        finally:
            if attempt == self.attempt:
                self.busy(False)

    async def _load_link(self, address: str) -> None:
        data, mime, problem = await download(address)
        if self.app.awaited_url != address:
            return  # the visitor chose another image meanwhile
        problem = problem or await self._accept(data, mime, address, lambda: self.app.awaited_url == address,
                                                history="replace")
        if problem is STALE:
            return
        if problem:
            self.app.link_failed(view.link_failed(problem, self.app.state.image))

    async def _load_file(self, file, attempt: int) -> None:
        try:
            if file.size > view.MAX_UPLOAD_BYTES:
                return self._fail(view.too_large(int(file.size)), attempt)
            data = (await file.arrayBuffer()).to_bytes()
            if attempt == self.attempt:
                await self._use(data, str(file.type or ""), attempt, None)
        finally:
            if attempt == self.attempt:
                self.busy(False)

    async def _use(self, data: bytes, mime: str, attempt: int, address: str | None) -> None:
        problem = await self._accept(data, mime, address, lambda: attempt == self.attempt)
        if problem is STALE:
            return
        if problem:
            return self._fail(problem, attempt)
        self.close()

    async def _accept(self, data: bytes, mime: str, address: str | None, wanted, history: str = "push"):
        """The gate of every way in: the size limit, Pillow loaded, then the App's preprocessing. None when
        the image is shown, STALE when ``wanted()`` says the visitor moved on while Pillow loaded, else why
        not, in words."""
        if len(data) > view.MAX_UPLOAD_BYTES:
            return view.too_large(len(data))
        try:
            await pillow.loaded()
        except pillow.PillowError as error:
            return str(error) + "."
        if not wanted():
            return STALE
        problem = self.app.use_image(data, image_url=address, history=history)
        return view.unusable(problem, mime) if problem else None

    # -- the dialog's words -------------------------------------------------------------------------
    def _fail(self, message: str, attempt: int) -> None:
        if attempt != self.attempt:
            return
        if self.dialog.open:
            self.say(message)
        else:  # a drop or a paste: say it in the page
            self.app.notify(message)

    def say(self, message: str) -> None:
        element = dom.query("#upload-error")
        element.textContent = message
        element.hidden = not message

    def busy(self, busy: bool, text: str = "Loading the image…") -> None:
        dom.set_text("#upload-busy", text)
        dom.query("#upload-busy").hidden = not busy
        dom.set_attr("#upload-add", "disabled", busy)


def _carries_files(transfer, target=None) -> bool:
    """Files the page's own image takes: not those dropped or pasted on a part that takes them itself
    (``[data-drop-here]``: the Train panel's own classes)."""
    elsewhere = not (hasattr(target, "closest") and target.closest("[data-drop-here]") is not None)
    return transfer is not None and "Files" in list(transfer.types) and elsewhere


def install(app) -> UploadDialog:
    upload = UploadDialog(app)
    host = dom.query("#controls") or dom.query("#app")
    host.insertAdjacentHTML("beforeend", view.dialog())
    app.install("upload", upload, [
        ("click", "[data-custom]", upload.custom_slot),
        ("click", "[data-action='upload']", lambda event, element: upload.open()),  # the top line's, a notice's
        ("keydown", "[data-custom]", upload.custom_slot),
        ("click", "#upload-add", upload.add_address),
        ("click", "#upload-cancel", upload.close),
        ("click", "#upload-dialog", upload.backdrop),
        ("change", "#upload-file, #upload-capture", upload.choose_file),
        ("dragover", lambda event: _carries_files(event.dataTransfer, event.target), upload.drag_over),
        ("drop", lambda event: _carries_files(event.dataTransfer, event.target), upload.drop),
        ("paste", lambda event: _carries_files(event.clipboardData, event.target), upload.paste),
    ])
    app.follow_link = upload.follow_link
    camera.install(app, upload.camera)
    drawing.install(app, upload.pad)
    closed = create_proxy(lambda event: upload.close())  # Esc closes a modal dialog by itself
    app._proxies.append(closed)
    upload.dialog.addEventListener("close", closed)
    ended = create_proxy(upload.drag_end)
    app._proxies.append(ended)
    for event_type in ("dragleave", "dragend"):
        js.document.addEventListener(event_type, ended)
    return upload
