"""The "add your own image" dialog, and what it says when an image cannot be used.

The dialog takes a web address or a file; the page (pyapp/page/upload.py) fetches or reads it and
runs pyapp.preprocess on it. Each failure has one message a visitor can act on.
"""
from __future__ import annotations

from .. import svg
from ..preprocess import readable_format

MAX_UPLOAD_BYTES = 20_000_000  # a phone photo is 2-8 MB; anything bigger is almost surely a mistake


def dialog() -> str:
    """The modal dialog (an HTML <dialog>), closed; the page opens it with showModal()."""
    url_row = svg.element("div", [
        svg.element("input", type="url", id="upload-url", name="url", placeholder="https://example.org/photo.jpg",
                    autocomplete="url", spellcheck="false", aria_describedby="upload-error"),
        svg.element("button", "Add", type="submit", id="upload-add", class_="upload-primary"),
    ], class_="upload-row")
    file_row = svg.element("div", svg.element(
        "label", "Choose a file…" + svg.element("input", type="file", accept="image/*", id="upload-file",
                                                 class_="visually-hidden"),
        class_="upload-file-button"), class_="upload-row")
    body = [
        svg.element("h2", "Add your own image", id="upload-title"),
        svg.element("p", "Any photo works; the network says which of its classes it looks most like. It is "
                         "cropped to its centre square and shrunk to 64 × 64 pixels, exactly as the network needs.",
                    class_="upload-hint"),
        svg.element("label", "Address of an image on the web", for_="upload-url", class_="upload-label"),
        url_row,
        svg.element("p", "or", class_="upload-or"),
        file_row,
        svg.element("p", "You can also drop an image anywhere on the page, or paste one (Ctrl+V).",
                    class_="upload-more"),
        svg.element("p", "", id="upload-error", class_="upload-error", role="alert", hidden=True),
        svg.element("p", "Loading the image…", id="upload-busy", class_="upload-busy", hidden=True),
        svg.element("div", svg.element("button", "Cancel", type="button", id="upload-cancel"),
                    class_="upload-actions"),
    ]
    form = svg.element("form", body, method="dialog", id="upload-form", novalidate=True)
    return svg.element("dialog", form, id="upload-dialog", aria_labelledby="upload-title")


# -- messages ---------------------------------------------------------------------------------------

def _megabytes(n: int) -> str:
    return f"{n / 1_000_000:.0f} MB" if n >= 10_000_000 else f"{n / 1_000_000:.1f} MB"


def too_large(size: int) -> str:
    return (f"The image is too large ({_megabytes(size)}); the limit is {_megabytes(MAX_UPLOAD_BYTES)}. "
            "Save a smaller copy and try again.")


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
    return "That is not a web address: it should start with https:// (or http://)."


def unusable(reason: str, mime: str = "") -> str:
    """A file or download that preprocessing refused; ``reason`` is its ImageError message, ``mime``
    the type the browser or the server gave it."""
    if reason.startswith("not an image file"):  # the generic case: say what we know about it
        name = readable_format(mime)
        if name:  # named .jpg/.png (or served so), but the bytes are no such image
            return (f"This file is not a readable image: it is labelled {name} ({mime}) but holds no {name} "
                    "picture; it may be another kind of file renamed, or damaged. Choose a photo or picture.")
        if mime.startswith("image/"):
            return f"This image format ({mime}) cannot be read here; save it as JPEG or PNG and try again."
        kind = f" (it is {mime})" if mime else ""
        return f"That is not an image file{kind}. Choose a photo or picture (JPEG, PNG, GIF, WebP, TIFF, BMP)."
    return reason[:1].upper() + reason[1:] + "."
