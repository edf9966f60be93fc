"""The built site served on a free 127.0.0.1 port, for the benchmarks."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import build  # noqa: E402

# Where the data and the wheels are when ../shared sits beside the repository (as on CI).
SHARED_DEFAULTS = (("TINY_IMAGENET_DIR", ROOT.parent / "shared/data/tiny-imagenet-10"),
                   ("PYODIDE_WHEELS", ROOT.parent / "shared/pyodide-0.27.7"))


@contextmanager
def served_site(dist: Path | None = None, cache_control: str = build.SiteHandler.cache_control):
    """Yields (url, folder): an existing build, or a fresh one in a temporary folder removed afterwards."""
    for variable, default in SHARED_DEFAULTS:
        if not os.environ.get(variable) and default.is_dir():
            os.environ[variable] = str(default)
    scratch = None
    if dist is None:
        scratch = Path(tempfile.mkdtemp(prefix="bench-site-"))
        dist = build.build(scratch / "dist", allow_download=False).out
    server = build.make_server(dist, 0, quiet=True, cache_control=cache_control)
    server.handle_error = lambda request, address: None  # a context closed mid-download is not news
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", dist
    finally:
        server.shutdown()
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
