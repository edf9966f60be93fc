"""The dialog's "Take a photo": the device's camera live in the dialog, and a shutter that hands the
frame, as PNG bytes, to the dialog's guarded path as if it were a file.

On a touch screen the dialog offers the file input with ``capture`` instead: the phone's own camera app
(full resolution, focus, flash, no permission prompt for the page). Elsewhere the live preview is offered
where the browser has getUserMedia and lists a camera; where neither holds, no "Take a photo" at all
(on a computer, a capture input is only a second file picker under a misleading name).
The camera is on only while the preview shows: Back, the photo taken, or the dialog closing stops it.
"""
from __future__ import annotations

import asyncio

import js
from pyodide.ffi import JsException, create_once_callable, to_js

from . import dom
from ..views.widgets import upload as view

# Any camera, the one facing away from the visitor when there is a choice (ideal, so never refused for it).
CONSTRAINTS = {"video": {"facingMode": "environment"}, "audio": False}


def _media_devices():
    media = getattr(js.navigator, "mediaDevices", None)  # absent on a page that is not https
    return media if media is not None and hasattr(media, "getUserMedia") else None


class Camera:
    def __init__(self, upload):
        self.upload = upload
        self.stream = None
        self.session = 0  # bumped by every start and stop: a camera granted after Back or close is stopped at once

    def offer(self) -> None:
        """Show the "Take a photo" this device can use (see the module's docstring), or none."""
        touch = bool(js.window.matchMedia("(pointer: coarse)").matches)
        dom.show("#upload-capture-button", touch)
        dom.show("#upload-camera", False)
        media = _media_devices()
        if not touch and media is not None:
            self.upload.app.spawn(self._offer_live(media))

    async def _offer_live(self, media) -> None:
        try:
            devices = await media.enumerateDevices()  # lists kinds even before permission is given
        except JsException:
            devices = None  # cannot tell: offer it, and getUserMedia will say
        if devices is None or any(str(device.kind) == "videoinput" for device in devices):
            dom.show("#upload-camera", True)

    async def start(self, event=None, element=None) -> None:
        self.stop()
        session = self.session
        self.upload.say("")
        self.upload.busy(True, "Starting the camera…")
        dom.show("#upload-choices", False)
        dom.show("#upload-camera-panel", True)
        try:
            stream = await _media_devices().getUserMedia(to_js(CONSTRAINTS, dict_converter=js.Object.fromEntries))
            if session != self.session:  # Back, a close or another start while the browser asked
                return _stop_tracks(stream)
            self.stream = stream
            video = dom.query("#upload-video")
            video.srcObject = stream
            await video.play()
        except JsException as error:  # refused, no camera, camera busy: said in the dialog
            if session == self.session:
                self.stop()
                self.upload.busy(False)
                self.upload.say(view.camera_problem(str(getattr(error, "name", ""))))
            return
        if session == self.session:
            self.upload.busy(False)
            dom.set_attr("#upload-shutter", "disabled", False)
            dom.query("#upload-shutter").focus()

    async def shutter(self, event=None, element=None) -> None:
        """The frame on screen, at the camera's resolution, to PNG bytes, then the guarded path."""
        video = dom.query("#upload-video")
        if self.stream is None or not video.videoWidth:
            return
        canvas = dom.query("#upload-frame")
        canvas.width, canvas.height = video.videoWidth, video.videoHeight
        canvas.getContext("2d").drawImage(video, 0, 0)
        self.stop()  # the photo is taken: the camera goes off
        taken = asyncio.get_event_loop().create_future()
        canvas.toBlob(create_once_callable(taken.set_result), "image/png")
        self.upload.use_file(await taken)

    def stop(self, event=None, element=None) -> None:
        """Camera off (every track stopped, so the browser's camera light goes out) and the choices back."""
        self.session += 1
        if self.stream is not None:
            _stop_tracks(self.stream)
            self.stream = None
        video = dom.query("#upload-video")
        if video is not None:
            video.srcObject = None
            dom.set_attr("#upload-shutter", "disabled", True)
            dom.show("#upload-camera-panel", False)
            dom.show("#upload-choices", True)

    def back(self, event=None, element=None) -> None:
        self.stop()
        self.upload.busy(False)
        dom.query("#upload-camera").focus()


def _stop_tracks(stream) -> None:
    for track in stream.getTracks():
        track.stop()


def install(app, camera: Camera) -> None:
    app.on("click", "#upload-camera", camera.start)
    app.on("click", "#upload-shutter", camera.shutter)
    app.on("click", "#upload-camera-back", camera.back)
