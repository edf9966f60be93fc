"""The dialog's drawing pad, for a greyscale model: strokes with the mouse, a finger or a pen (pointer events),
Clear, and "Use the drawing", which centres and scales it as MNIST's digits are (pyapp.images.digits) and shows
it as the visitor's own image.

Nothing of it is in the page at the start (the page keeps to its DOM bound): the button comes with the dialog's
opening when the model reads one channel, the pad with the button's first click.
"""
from __future__ import annotations

import numpy as np

from . import dom
from ..images.digits import ink_of_rgba, mnist_centred
from ..views.widgets import upload as view

STROKE = 0.1  # of the pad's side: a digit drawn across the pad comes out 2 to 3 pixels thick, as MNIST's


class DrawingPad:
    def __init__(self, upload):
        self.upload = upload
        self.drawing = False  # a pointer is down on the pad
        self.last: tuple[float, float] | None = None

    @property
    def canvas(self):
        return dom.query("#draw-pad")

    def offer(self) -> None:
        """The "Draw a digit" button, for a model of one channel (made once, then shown or hidden)."""
        grey = self.upload.app.network.shapes["input"][0] == 1
        if grey and dom.query("#upload-draw") is None:
            dom.query("#upload-file").closest(".upload-row").insertAdjacentHTML("beforeend", view.pad_button())
        if dom.query("#upload-draw") is not None:
            dom.show("#upload-draw", grey)
        self.back()

    def open(self, event=None, element=None) -> None:
        self.upload.camera.stop()
        if dom.query("#upload-draw-panel") is None:
            dom.query("#upload-choices").insertAdjacentHTML("afterend", view.pad_panel())
            self.clear()
        dom.show("#upload-choices", False)
        dom.show("#upload-draw-panel", True)
        self.canvas.focus()

    def back(self, event=None, element=None) -> None:
        if dom.query("#upload-draw-panel") is not None:
            dom.show("#upload-draw-panel", False)
            dom.show("#upload-choices", True)

    def clear(self, event=None, element=None) -> None:
        context = self.canvas.getContext("2d")
        context.fillStyle = "#000"
        context.fillRect(0, 0, view.PAD_PIXELS, view.PAD_PIXELS)
        dom.set_attr("#draw-use", "disabled", True)

    def _point(self, event) -> tuple[float, float]:
        box = self.canvas.getBoundingClientRect()  # the pad may be shown smaller than its pixels (a phone)
        return ((event.clientX - box.left) * view.PAD_PIXELS / box.width,
                (event.clientY - box.top) * view.PAD_PIXELS / box.height)

    def down(self, event, element) -> bool:
        event.preventDefault()
        element.setPointerCapture(event.pointerId)
        self.drawing, self.last = True, None
        self._line(self._point(event))
        return True

    def move(self, event, element) -> bool:
        if not self.drawing:
            return False
        self._line(self._point(event))
        return True

    def up(self, event, element) -> bool:
        if self.drawing:
            self.drawing, self.last = False, None
            dom.set_attr("#draw-use", "disabled", False)
        return True

    def _line(self, point: tuple[float, float]) -> None:
        context = self.canvas.getContext("2d")
        context.strokeStyle = "#fff"
        context.lineWidth = STROKE * view.PAD_PIXELS
        context.lineCap = context.lineJoin = "round"
        start = self.last or (point[0] - 0.01, point[1])  # a tap is a dot
        context.beginPath()
        context.moveTo(*start)
        context.lineTo(*point)
        context.stroke()
        self.last = point

    def use(self, event=None, element=None) -> None:
        """The drawing, centred the MNIST way at the model's size, as the visitor's image."""
        n = view.PAD_PIXELS
        rgba = self.canvas.getContext("2d").getImageData(0, 0, n, n).data.to_bytes()
        size = self.upload.app.network.shapes["input"][1]
        picture = mnist_centred(ink_of_rgba(rgba, n, n), size)
        self.upload.close()
        self.upload.app.use_picture(np.repeat(picture[:, :, None], 3, axis=2))


def install(app, pad: DrawingPad) -> None:
    app.on("click", "#upload-draw", pad.open)
    app.on("click", "#draw-back", pad.back)
    app.on("click", "#draw-clear", pad.clear)
    app.on("click", "#draw-use", pad.use)
    app.on("pointerdown", "#draw-pad", pad.down)
    app.on("pointermove", "#draw-pad", pad.move)
    app.on("pointerup", "#draw-pad", pad.up)
