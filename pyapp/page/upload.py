"""The visitor's own image: the "add your own image" dialog (a web address or a file), a file
dropped anywhere on the page, or an image pasted (Ctrl+V).

A click on the custom slot opens the dialog (or, when an own image was given before and another
image is showing, goes back to it). Every failure is said in words from pyapp.views.upload: in the
dialog when it is open, else in the page's notice. Cancel (or Esc, or a click outside) closes the
dialog and leaves the image as it was. A download that the browser refuses is told apart from an
unreachable address by asking again without CORS: an opaque answer means the site is there but
does not share its images.
"""
from __future__ import annotations

import js
from pyodide.ffi import JsException, create_proxy, to_js

from ..state import CUSTOM_IMAGE
from ..views import upload as view
from . import dom


class UploadDialog:
    def __init__(self, app):
        self.app = app
        self.attempt = 0  # bumped on every load and on cancel: a late answer to an old attempt is dropped
        self.custom_url = None

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
            app.set_state(app.state.with_(image=CUSTOM_IMAGE, image_url=self.custom_url))
        else:
            self.open()
        return True

    def open(self) -> None:
        self._say("")
        self._busy(False)
        dialog = self.dialog
        if not dialog.open:
            dialog.showModal()
        dom.query("#upload-url").focus()

    def close(self, event=None, element=None) -> None:
        """Cancel: forget any load under way; the image shown stays what it was."""
        self.attempt += 1
        self._busy(False)
        if self.dialog.open:
            self.dialog.close()

    def backdrop(self, event, element) -> None:
        if event.target == element:  # the click landed on the dialog's backdrop, not its content
            self.close()

    # -- loading ------------------------------------------------------------------------------------
    def add_address(self, event, element) -> bool:
        event.preventDefault()  # the form would close the dialog at once
        address = str(dom.query("#upload-url").value).strip()
        if not address.lower().startswith(("http://", "https://")):
            self._say(view.bad_address(address))
            return True
        self.app.spawn(self._load_address(address, self._begin()))
        return True

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
        self._say("")
        self._busy(True)
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
            try:
                response = await js.fetch(address)
            except JsException:
                message = view.cross_origin() if await self._reachable(address) else view.unreachable()
                return self._fail(message, attempt)
            if not response.ok:
                return self._fail(view.not_found(int(response.status)), attempt)
            length = response.headers.get("content-length")
            if length and int(length) > view.MAX_UPLOAD_BYTES:
                return self._fail(view.too_large(int(length)), attempt)
            mime = str(response.headers.get("content-type") or "").split(";")[0].strip()
            data = (await response.arrayBuffer()).to_bytes()
            if attempt == self.attempt:
                self._use(data, mime, attempt, address)
        finally:
            if attempt == self.attempt:
                self._busy(False)

    async def _reachable(self, address: str) -> bool:
        try:
            await js.fetch(address, to_js({"mode": "no-cors"}, dict_converter=js.Object.fromEntries))
            return True
        except JsException:
            return False

    async def _load_file(self, file, attempt: int) -> None:
        try:
            if file.size > view.MAX_UPLOAD_BYTES:
                return self._fail(view.too_large(int(file.size)), attempt)
            data = (await file.arrayBuffer()).to_bytes()
            if attempt == self.attempt:
                self._use(data, str(file.type or ""), attempt, None)
        finally:
            if attempt == self.attempt:
                self._busy(False)

    def _use(self, data: bytes, mime: str, attempt: int, address: str | None) -> None:
        if len(data) > view.MAX_UPLOAD_BYTES:
            return self._fail(view.too_large(len(data)), attempt)
        problem = self.app.use_image(data, image_url=address)
        if problem:
            return self._fail(view.unusable(problem, mime), attempt)
        self.custom_url = address
        self.close()

    # -- the dialog's words -------------------------------------------------------------------------
    def _fail(self, message: str, attempt: int) -> None:
        if attempt != self.attempt:
            return
        if self.dialog.open:
            self._say(message)
        else:  # a drop or a paste: say it in the page
            self.app.notify(message)

    def _say(self, message: str) -> None:
        element = dom.query("#upload-error")
        element.textContent = message
        element.hidden = not message

    def _busy(self, busy: bool) -> None:
        dom.query("#upload-busy").hidden = not busy
        dom.set_attr("#upload-add", "disabled", busy)


def _carries_files(transfer) -> bool:
    return transfer is not None and "Files" in list(transfer.types)


def install(app) -> UploadDialog:
    upload = UploadDialog(app)
    app.upload = upload
    host = dom.query("#controls") or dom.query("#app")
    host.insertAdjacentHTML("beforeend", view.dialog())
    app.on("click", "[data-custom]", upload.custom_slot)
    app.on("keydown", "[data-custom]", upload.custom_slot)
    app.on("click", "#upload-add", upload.add_address)
    app.on("click", "#upload-cancel", upload.close)
    app.on("click", "#upload-dialog", upload.backdrop)
    app.on("change", "#upload-file", upload.choose_file)
    closed = create_proxy(lambda event: upload.close())  # Esc closes a modal dialog by itself
    app._proxies.append(closed)
    upload.dialog.addEventListener("close", closed)
    app.on("dragover", lambda event: _carries_files(event.dataTransfer), upload.drag_over)
    app.on("drop", lambda event: _carries_files(event.dataTransfer), upload.drop)
    app.on("paste", lambda event: _carries_files(event.clipboardData), upload.paste)
    ended = create_proxy(upload.drag_end)
    app._proxies.append(ended)
    for event_type in ("dragleave", "dragend"):
        js.document.addEventListener(event_type, ended)
    return upload
