"""CNN Explainer in Python: a Tiny VGG engine in NumPy, its preprocessing, and the explainer's views.

Everything here runs in plain CPython and in Pyodide; only ``pyapp.page`` touches the browser.
"""
import os
from pathlib import Path

# One BLAS thread: our matrices are small, and two threads on a busy 2-core machine cost 50x (1 ms -> 60 ms).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"

# The trained weights sit beside the package, in the repository and in the built site alike.
WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
