# PyScript runs this file once Python, NumPy and pyapp are in place (see pyscript.json); Pillow is installed
# later, after the first screen (pyapp/page/pillow.py).
# Whatever goes wrong while starting becomes a message in the page; the traceback goes to the console.
import traceback

import js

js.explainer.mark("python")
try:
    from pyapp.page import rest

    rest.install()  # first: what start-up did not load comes on its first import (pyapp/page/rest.py)
    from pyapp.page.boot import start

    start()
except BaseException as error:  # noqa: BLE001 - every failure must reach the visitor as words
    traceback.print_exc()
    js.explainer.fail(f"Python could not start the explainer: {type(error).__name__}: {error}")
