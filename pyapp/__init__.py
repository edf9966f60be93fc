"""CNN Explainer in Python: a Tiny VGG engine in NumPy, its preprocessing, and the explainer's views.

Everything here runs in plain CPython and in Pyodide; only ``pyapp.page`` touches the browser.
"""
import os
from pathlib import Path

# One BLAS thread: our matrices are small, and two threads on a busy 2-core machine cost 50x (1 ms -> 60 ms).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"

_HERE = Path(__file__).resolve().parent
# The trained weights sit beside the package, in the repository and in the built site alike; installed
# with pip (pyproject.toml), they and the site's styles are package data inside it.
WEIGHTS_DIR = _HERE / "_weights" if (_HERE / "_weights").is_dir() else _HERE.parent / "weights"
STYLES_DIR = _HERE / "_styles" if (_HERE / "_styles").is_dir() else _HERE.parent / "site" / "styles"


def __getattr__(name: str):
    # pyapp.overview / pyapp.view / pyapp.load_model for notebooks, imported on first use (not in the page)
    if name in ("overview", "view", "load_model", "Figure"):
        from . import notebook

        return getattr(notebook, name)
    raise AttributeError(f"module 'pyapp' has no attribute {name!r}")
