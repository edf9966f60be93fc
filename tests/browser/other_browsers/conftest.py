"""Fixtures of the Firefox / WebKit smoke suite: one browser session per engine, on the site that
tests/browser/conftest.py builds once per run.

Each engine gets its own server (a new origin: no service worker carried over), which the offline
test stops. A missing browser skips the engine, except on CI (CI=true), where it fails.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

import build

sys.path.insert(0, str(Path(__file__).resolve().parent))
from drivers import ENGINES, NEEDS, wait_for  # noqa: E402

READY_TIMEOUT_S = 240  # a whole Pyodide start in Firefox or WebKit on a busy 2-core machine


class Server:
    def __init__(self, directory: Path):
        self.httpd = build.make_server(directory, 0, quiet=True)
        self.httpd.handle_error = lambda request, address: None  # a reload cutting a download is not news
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.running = False


class Session:
    """One engine with the explainer open in it."""

    def __init__(self, engine: str, driver, server: Server, started: float):
        self.engine, self.driver, self.server, self.started = engine, driver, server, started

    def wait(self, condition: str, what: str, timeout: float = 60) -> None:
        wait_for(self.driver, condition, timeout, what)

    def wait_until_ready(self) -> float:
        """Seconds from the navigation to data-status=ready; fails with the page's error message."""
        self.wait("document.getElementById('app') && document.getElementById('app').dataset.status !== 'loading'",
                  "the page to leave data-status=loading", READY_TIMEOUT_S)
        status = self.driver.evaluate("document.getElementById('app').dataset.status")
        if status != "ready":
            error = self.driver.evaluate("(document.getElementById('error') || {}).innerText || ''")
            raise AssertionError(f"{self.engine}: data-status={status}: {error}")
        return time.monotonic() - self.started

    def probabilities(self) -> dict[str, float]:
        pairs = self.driver.evaluate("[...document.querySelectorAll('[data-class][data-probability]')]"
                                     ".map(e => [e.dataset.class, e.dataset.probability])")
        return {name: float(value) for name, value in pairs}


@pytest.fixture(scope="module", params=sorted(ENGINES))
def session(request, site):
    engine = request.param
    paths, install = NEEDS[engine]
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        message = f"{engine}: {', '.join(missing)} missing ({install}; make test does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    server = Server(site.dir)
    driver = ENGINES[engine]()
    try:
        started = time.monotonic()
        driver.goto(server.url)  # the tests wait for "ready": the first one fails with the page's reason
        yield Session(engine, driver, server, started)
    finally:
        driver.close()
        server.stop()
