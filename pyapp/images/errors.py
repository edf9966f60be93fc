"""The one exception for an input that cannot be used as an image, in a module without Pillow: the page
reports it (page/app.py) before Pillow is loaded (page/pillow.py); pyapp.images.preprocess raises it."""
from __future__ import annotations


class ImageError(ValueError):
    """An input that cannot be used as an image; the message says why, in plain words."""
