"""A module imported on its first use (the standard library's importlib.util.LazyLoader): what only an opened
detail view uses (its view module, the atlas engine, the gradient ascent) is in the first screen's way otherwise,
40 ms of a cold start, and the page's warm-up imports it anyway once the page is idle."""
from __future__ import annotations

import importlib.util
import sys


def later(name: str):
    """The module ``name``: found now, run when one of its attributes is first read (imported: itself)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)  # as an import binds it in its package
    return module
