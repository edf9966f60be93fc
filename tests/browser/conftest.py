"""Browser test fixtures: the site built once per session, served on a free port, Debian Chromium.

    from explainer_page import read_probabilities

    def test_something(page, open_app, native):
        open_app(page, "#image=koala")          # waits for data-status=ready (fails on error)
        assert read_probabilities(page) == pytest.approx(native.probabilities("koala"), abs=1e-5)

Fixtures: site (built folder + address), browser, context (fresh per test), page, axe_page (a page axe can be injected into), open_app,
native (CPython reference), serve (serve another folder, e.g. a broken copy), student_site (the site built
for a student's model: PyTorch's CIFAR-10 tutorial net).
Helpers that read and drive the page are in explainer_page.py.
Playwright cannot download a browser here: it drives /usr/bin/chromium (or $CHROMIUM).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import build
from explainer_page import CHROMIUM, CHROMIUM_ARGS, READY_TIMEOUT_S, VIEWPORT, keep_console, wait_until_started


@dataclass
class Site:
    dir: Path
    url: str  # ends with "/"
    examples: list[str]  # class names with an example image, in the network's order
    build: build.Build

    def example_file(self, class_name: str) -> Path:
        return self.dir / build.example_file(class_name)


class Server:
    """A folder served on 127.0.0.1 from a background thread."""

    def __init__(self, directory: Path):
        self.httpd = build.make_server(directory, 0, quiet=True)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Site:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make test does) or set $CHROMIUM")
    out = tmp_path_factory.mktemp("site") / "dist"
    try:
        result = build.build(out, allow_download=False)
    except build.BuildError as exc:
        pytest.fail(f"the site does not build: {exc}")
    server = Server(out)
    yield Site(out, server.url, list(result.examples), result)
    server.close()


@pytest.fixture(scope="session")
def student_site(tmp_path_factory) -> Site:
    """The site built for PyTorch's CIFAR-10 tutorial net (16 filters, dense layers of 120 and 84 units), trained
    for seconds on generated strokes and imported as a student does (tests/student_models.py)."""
    import torch
    import student_models as sm
    from helpers import run

    root = tmp_path_factory.mktemp("student")
    torch.save(sm.train_torch(sm.cifar_tutorial(), 32, 3).state_dict(), root / "cifar.pt")
    imported = run("import", root / "cifar.pt", "-o", root / "model", "--classes", ",".join(sm.CLASSES),
                   "--layers", sm.CIFAR_WORDS, "--input-size", "32", timeout=300)
    assert imported.returncode == 0, imported.stderr
    result = build.build(root / "dist", data=str(sm.photo_folder(root / "photos")), model=str(root / "model"),
                         allow_download=False)
    server = Server(result.out)
    yield Site(result.out, server.url, list(result.examples), result)
    server.close()


@pytest.fixture
def serve():
    """serve(folder) -> its address; the servers stop after the test."""
    servers = []

    def start(directory: Path) -> str:
        servers.append(Server(Path(directory)))
        return servers[-1].url

    yield start
    for server in servers:
        server.close()


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser):
    """A fresh browser context (empty cache, no service worker) for one test."""
    context = browser.new_context(viewport=VIEWPORT)
    keep_console(context)
    # no Python snapshot for the next visit (site/offline.js): a second Python on the other core in every test;
    # test_snapshot.py makes and uses one
    context.add_init_script("window.explainerKeepsPython = false")
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def axe_page(browser):
    """A fresh page whose CSP lets axe-core in (injected from node_modules, as test_accessibility does)."""
    context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def open_app(site):
    """open_app(page, hash="", url=site.url) -> seconds until data-status=ready; fails on "error"."""

    def open_app(page, hash: str = "", url: str | None = None, timeout: float = READY_TIMEOUT_S) -> float:
        started = time.perf_counter()
        page.goto((url or site.url) + hash)
        wait_until_started(page, timeout)
        return time.perf_counter() - started

    return open_app


class Native:
    """The same computation in CPython: the reference the page's numbers must match."""

    def __init__(self, site: Site):
        from pyapp.engine.network import load_network

        self.site = site
        self.network = load_network()

    def probabilities_of(self, image) -> dict[str, float]:
        probabilities = self.network.forward(image)["probabilities"]
        return {name: float(p) for name, p in zip(self.network.classes, probabilities)}

    def probabilities(self, class_name: str) -> dict[str, float]:
        """Of the example image the site shows for class_name (the very file the browser reads)."""
        from pyapp.images.preprocess import load_image

        return self.probabilities_of(load_image(self.site.example_file(class_name)))


@pytest.fixture(scope="session")
def native(site) -> Native:
    return Native(site)
