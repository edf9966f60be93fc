"""Pillow, loaded once the first screen is ready instead of before it.

Only the visitor's own images need Pillow (the examples are plain PNGs the build wrote, read with NumPy and
zlib: views/examples.example_input), and loading it (unpacking the wheel, compiling its WebAssembly, importing
PIL.Image) costs about 0.25 s of start-up (tests/bench/bench_load.py). ``boot`` starts the loading when the
page is ready; every way an image comes in awaits ``loaded()`` before preprocessing it.
"""
from __future__ import annotations

import asyncio

import pyodide_js

_loading: asyncio.Future | None = None


class PillowError(RuntimeError):
    """Pillow could not be loaded: a file of the site is missing or damaged, or the network failed."""


async def _load() -> None:
    try:
        await pyodide_js.loadPackage("pillow")  # from the site's lock file, checked against its sha256
        import PIL.Image  # noqa: F401 - the import itself is part of the cost paid here, not at first use
    except Exception as error:  # noqa: BLE001 - JS errors arrive as JsException
        raise PillowError("Pillow, which reads your images, could not be loaded (a file of the site is missing "
                          "or damaged, or the connection failed); reload the page and try again") from error


def start() -> asyncio.Future:
    """Begin loading Pillow (once); a failed attempt is forgotten so that the next one tries again."""
    global _loading
    if _loading is None or (_loading.done() and _loading.exception() is not None):
        _loading = asyncio.ensure_future(_load())
    return _loading


async def loaded() -> None:
    """Wait until Pillow is imported; raises PillowError if it cannot be."""
    await start()
