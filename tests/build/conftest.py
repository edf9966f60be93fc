"""The built site the build tests read (one build per test module)."""
from __future__ import annotations

import os

import pytest

import build


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> build.Build:
    if not os.environ.get("TINY_IMAGENET_DIR") or not os.environ.get("PYODIDE_WHEELS"):
        pytest.skip("needs TINY_IMAGENET_DIR and PYODIDE_WHEELS")
    return build.build(tmp_path_factory.mktemp("build") / "dist", allow_download=False)
