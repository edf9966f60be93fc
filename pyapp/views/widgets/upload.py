"""The "add your own image" dialog, and what it says when an image cannot be used.

The dialog takes a web address, a file or a photo from the camera; the page (pyapp/page/upload.py,
pyapp/page/camera.py) fetches, reads or captures it and runs pyapp.images.preprocess on it. A link's
``image_url`` is fetched by the same rules. Each failure has one message a visitor can act on.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from ...models.limits import MAX_IMAGE_BYTES
from ...ui import svg
from ...ui.state import CUSTOM_IMAGE

MAX_UPLOAD_BYTES = MAX_IMAGE_BYTES  # a phone photo is 2-8 MB; anything bigger is almost surely a mistake
DOWNLOAD_TIMEOUT_S = 30  # a photo comes in seconds even on a slow line; a server that trickles is given up


def dialog() -> str:
    """The modal dialog (an HTML <dialog>), closed; the page opens it with showModal()."""
    url_row = svg.element("div", [
        svg.element("input", type="url", id="upload-url", name="url", placeholder="https://example.org/photo.jpg",
                    autocomplete="url", spellcheck="false", aria_describedby="upload-error"),
        svg.element("button", "Add", type="submit", id="upload-add", class_="upload-primary"),
    ], class_="upload-row")
    # "Take a photo" is one of two controls, or neither (pyapp/page/camera.py picks at opening): on a
    # touch screen the file input with ``capture`` (the phone's camera app), elsewhere the live preview.
    file_row = svg.element("div", [
        svg.element("label", "Choose a file…" + svg.element("input", type="file", accept="image/*", id="upload-file",
                                                            class_="visually-hidden"), class_="upload-file-button"),
        svg.element("label", "Take a photo" + svg.element("input", type="file", accept="image/*", capture="environment",
                                                          id="upload-capture", class_="visually-hidden"),
                    class_="upload-file-button", id="upload-capture-button", hidden=True),
        svg.element("button", "Take a photo", type="button", id="upload-camera", class_="upload-file-button",
                    hidden=True),
    ], class_="upload-row")
    choices = svg.element("div", [
        svg.element("label", "Address of an image on the web", for_="upload-url", class_="upload-label"),
        url_row,
        svg.element("p", "or", class_="upload-or"),
        file_row,
        svg.element("p", "You can also drop an image anywhere on the page, or paste one (Ctrl+V).",
                    class_="upload-more"),
    ], id="upload-choices")
    camera = svg.element("div", [
        svg.element("video", "", id="upload-video", class_="upload-video", muted=True, playsinline=True,
                    aria_label="What the camera sees"),
        svg.element("div", [
            svg.element("button", "Take the photo", type="button", id="upload-shutter", class_="upload-primary",
                        disabled=True),
            svg.element("button", "Back", type="button", id="upload-camera-back", class_="upload-file-button"),
        ], class_="upload-row"),
        svg.element("canvas", "", id="upload-frame", hidden=True),  # the frame taken, drawn to PNG bytes
    ], id="upload-camera-panel", class_="upload-camera-panel", hidden=True)
    body = [
        svg.element("h2", "Add your own image", id="upload-title"),
        svg.element("p", size_hint(64, 3), class_="upload-hint", id="upload-size-hint"),
        choices,
        camera,
        svg.element("p", "", id="upload-error", class_="upload-error", role="alert", hidden=True),
        svg.element("p", "Loading the image…", id="upload-busy", class_="upload-busy", hidden=True),
        svg.element("div", svg.element("button", "Cancel", type="button", id="upload-cancel"),
                    class_="upload-actions"),
    ]
    form = svg.element("form", body, method="dialog", id="upload-form", novalidate=True)
    return svg.element("dialog", form, id="upload-dialog", aria_labelledby="upload-title")


def size_hint(size: int, channels: int) -> str:
    """What becomes of any photo, for a model of this input size and channels (said again when the dialog opens)."""
    grey = " and made grey" if channels == 1 else ""
    return ("Any photo works; the network says which of its classes it looks most like. It is cropped to its "
            f"centre square and shrunk to {size} × {size} pixels{grey}, exactly as the network needs.")


PAD_PIXELS = 280  # the drawing pad's canvas: ten of its pixels to one of MNIST's 28


def pad_button() -> str:
    """"Draw a digit", beside the file and the camera: added when the dialog opens for a greyscale model."""
    return svg.element("button", "Draw a digit", type="button", id="upload-draw", class_="upload-file-button")


def pad_panel() -> str:
    """The drawing pad (made when first asked for): light strokes on black, as MNIST's digits are."""
    return svg.element("div", [
        svg.element("canvas", "", id="draw-pad", class_="draw-pad", width=PAD_PIXELS, height=PAD_PIXELS,
                    role="img", aria_label="Drawing pad: draw with the mouse, a finger or a pen"),
        svg.element("p", "Draw one digit, large. It is scaled into a 20 × 20 box and centred by its mass "
                         "in the 28 × 28 picture, as the MNIST digits were.", class_="upload-hint"),
        svg.element("div", [
            svg.element("button", "Use the drawing", type="button", id="draw-use", class_="upload-primary",
                        disabled=True),
            svg.element("button", "Clear", type="button", id="draw-clear", class_="upload-file-button"),
            svg.element("button", "Back", type="button", id="draw-back", class_="upload-file-button"),
        ], class_="upload-row"),
    ], id="upload-draw-panel", class_="upload-draw-panel")


# -- messages ---------------------------------------------------------------------------------------

def _megabytes(n: int) -> str:
    return f"{n / 1_000_000:.0f} MB" if n >= 10_000_000 else f"{n / 1_000_000:.1f} MB"


def too_large(size: int) -> str:
    return (f"The image is too large ({_megabytes(size)}); the limit is {_megabytes(MAX_UPLOAD_BYTES)}. "
            "Save a smaller copy and try again.")


def too_large_download() -> str:
    return (f"The image is larger than the limit of {_megabytes(MAX_UPLOAD_BYTES)}, so the download was stopped. "
            "Save a smaller copy and try again.")


def timed_out() -> str:
    return (f"The image did not arrive within {DOWNLOAD_TIMEOUT_S} seconds, so the download was stopped. "
            "The site may be slow or busy: try again later, or save the image and use “Choose a file…”.")


def interrupted() -> str:
    return "The download of the image broke off (the connection was lost). Check your connection and try again."


def insecure_address() -> str:
    return ("This page downloads images only from https:// addresses (an http:// download could be changed on "
            "its way). Try the same address with https://, or save the image and use “Choose a file…”.")


def not_found(status: int) -> str:
    if status == 404:
        return "Nothing was found at that address (the site answered 404, not found). Check the address."
    if status in (401, 403):
        return f"The site does not allow this image to be downloaded (it answered {status}, access denied)."
    return f"The image could not be downloaded: the site answered {status}. Check the address or try later."


def unreachable() -> str:
    return ("The image could not be downloaded: that address cannot be reached (no such site, or no "
            "connection). Check the address.")


def cross_origin() -> str:
    return ("That site refused to share the image with other pages (a cross-origin restriction). "
            "Save the image to your computer, then use “Choose a file…”.")


def bad_address(address: str) -> str:
    if not address.strip():
        return "Type or paste the address of an image first (it starts with https://)."
    return "That is not a web address: it should start with https://."


def unusable(reason: str, mime: str = "") -> str:
    """A file or download that preprocessing refused; ``reason`` is its ImageError message, ``mime``
    the type the browser or the server gave it."""
    if reason.startswith("not an image file"):  # the generic case: say what we know about it
        from ...images.preprocess import readable_format  # Pillow: in the page, loaded once an image came in

        name = readable_format(mime)
        if name:  # named .jpg/.png (or served so), but the bytes are no such image
            return (f"This file is not a readable image: it is labelled {name} ({mime}) but holds no {name} "
                    "picture; it may be another kind of file renamed, or damaged. Choose a photo or picture.")
        if mime.startswith("image/"):
            return f"This image format ({mime}) cannot be read here; save it as JPEG or PNG and try again."
        kind = f" (it is {mime})" if mime else ""
        return f"That is not an image file{kind}. Choose a photo or picture (JPEG, PNG, GIF, WebP, TIFF, BMP)."
    return reason[:1].upper() + reason[1:] + "."


def link_loading(address: str) -> str:
    """While a link's image_url downloads (the example stays on screen meanwhile)."""
    try:
        where = urlsplit(address).hostname
    except ValueError:  # e.g. an unclosed "[" of an IPv6 host: the download will say what is wrong
        where = None
    return f"Loading the image of this link from {where or address[:60]}…"


def enlarged(width: int, height: int, size: int) -> str:
    """An own image smaller than the network's input: it was scaled up, and looks it."""
    side = min(width, height)
    what = "it" if width == height else f"its centre {side}\u00d7{side} square"
    return (f"This image is only {width}\u00d7{height} pixels: {what} was enlarged to the network's "
            f"{size}\u00d7{size} input, so it looks blurred.")


def photo_not_in_link(shown: str) -> str:
    """A link to ``image=custom`` with no image_url: the sender's own photo (a file, a paste, a camera
    photo) stays on their device; ``shown`` is the example shown instead."""
    return (f"This link was made with the sender's own photo, which cannot travel in a link: the {shown} "
            "example is shown instead. Ask them for the photo, or add one of yours.")


# The notice's action beside photo_not_in_link: it opens the upload dialog (page/upload.py).
UPLOAD_BUTTON = '<button type="button" class="link-button" data-action="upload">Add your own image…</button>'


def link_failed(message: str, shown: str) -> str:
    """A link's image_url that could not be used: why (one of the messages above), and what is shown."""
    instead = f" The {shown} example is shown instead." if shown != CUSTOM_IMAGE else ""
    return f"The image in this link could not be shown. {message}{instead}"


_CAMERA_BLOCKED = ("The camera is blocked for this page. Allow it in the browser's site settings (the icon "
                   "beside the address) and try again, or use “Choose a file…”.")
_NO_CAMERA = "No camera was found on this device. Use “Choose a file…” instead."
# getUserMedia's refusals (DOMException names) in words.
CAMERA_PROBLEMS = {
    "NotAllowedError": _CAMERA_BLOCKED,
    "SecurityError": _CAMERA_BLOCKED,
    "NotFoundError": _NO_CAMERA,
    "OverconstrainedError": _NO_CAMERA,
    "NotReadableError": "The camera could not be started: another program may be using it. Close it and try again.",
}


def camera_problem(name: str) -> str:
    return CAMERA_PROBLEMS.get(name, f"The camera could not be started ({name or 'no reason given'}). "
                                     "Use “Choose a file…” instead.")
