"""Start-up under the conditions of a slow or busy machine: the page must still reach "ready".

A busy CPU makes the browser parse index.html in several slices, with frames drawn in between;
the loading indicator (bootstrap.js) must not touch parts of the page that are not parsed yet.
"""
from __future__ import annotations

import json
import re
import threading
import time
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

import build
from explainer_page import wait_until_started

PAUSE_S = 1.5  # long enough for the prefetched runtime files to arrive and a frame to be drawn


class HalfPausedIndex(build.SiteHandler):
    """Sends index.html in two parts, pausing inside the first loading-stage row (between its bar and its amount)."""

    quiet = True

    def do_GET(self):
        if self.path.split("?")[0] not in ("/", "/index.html"):
            return super().do_GET()
        html = (Path(self.directory) / "index.html").read_bytes()
        cut = html.index(b"</progress>") + len(b"</progress>")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(html)))
        self.end_headers()
        self.wfile.write(html[:cut])
        self.wfile.flush()
        time.sleep(PAUSE_S)
        self.wfile.write(html[cut:])


def test_page_starts_when_the_html_arrives_in_slices(site, page):
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(HalfPausedIndex, directory=str(site.dir)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        wait_until_started(page)
    finally:
        server.shutdown()
        server.server_close()
    assert errors == []
    # the rows parsed after the pause are drawn as well: every stage ends up reading "done"
    page.wait_for_function("[...document.querySelectorAll('#loading .stage-amount')]"
                           ".every(span => span.textContent === 'done')", timeout=5000)


class HeldMainPy(build.SiteHandler):
    """Holds back main.py (so Python cannot start) until the test releases it: the page stays "loading"
    with its first paint on screen for as long as the test needs."""

    quiet = True
    release: threading.Event

    def do_GET(self):
        if re.search(r"/main\.[0-9a-f]+\.py$", self.path.split("?")[0]):
            self.release.wait(60)
        return super().do_GET()


def held_site(site_dir):
    release = threading.Event()
    handler = type("Held", (HeldMainPy,), {"release": release})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(site_dir)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, release, f"http://127.0.0.1:{server.server_address[1]}/"


def test_start_up_imports_only_bytecode(site, page, open_app):
    """The standard library, NumPy, Pillow and pyapp all arrive compiled, and PyScript's own Python package (11
    modules the page never uses, 150 to 200 ms of every start) is not loaded: Python compiles nothing at start."""
    open_app(page)
    assert page.evaluate("explainer.sourceModules()") == "[]"


def test_start_up_imports_none_of_what_only_a_later_step_uses(page, open_app):
    """Pyodide's loadPackage clears Python's import caches, which in CPython 3.12.7 imports importlib.metadata (and
    email, csv, datetime: 30 ms) to clear a cache it cannot have yet (site/snapshot.mjs's stand-in); the timing
    hook's statistics (fractions, decimal) waits for the hook. Neither comes by the time the page has settled,
    Pillow loaded."""
    open_app(page)  # settled
    modules = json.loads(page.evaluate("explainer.modules()"))
    assert "PIL.Image" in modules and "numpy" in modules
    assert not {"importlib.metadata", "email", "csv", "statistics", "fractions"} & set(modules)


def test_the_article_is_laid_out_only_once_its_controller_is_in(site, page):
    """While Python starts, the browser skips laying out the article's sections below the first screen
    (content-visibility); once the page settles all are laid out, so a link into the article lands on its
    section (test_why: the info button)."""
    sections = "[...document.querySelectorAll('#article .article-section')]"
    server, release, url = held_site(site.dir)
    try:
        page.goto(url)
        page.wait_for_selector("#article .article-section", state="attached")
        skipped = page.evaluate(f"{sections}.map(e => getComputedStyle(e).contentVisibility)")
        assert skipped.count("auto") >= 5
        release.set()
        wait_until_started(page)
    finally:
        server.shutdown()
    assert set(page.evaluate(f"{sections}.map(e => getComputedStyle(e).contentVisibility)")) == {"visible"}


def test_click_on_an_example_while_python_starts_is_acknowledged_then_carried_out(site, page):
    server, release, url = held_site(site.dir)
    try:
        page.goto(url)
        other = next(name for name in site.examples if name != "espresso")
        page.click(f'[data-example="{other}"]')
        # at once, while Python is still starting: the thumbnail is marked and a note says what happens
        assert page.eval_on_selector("#app", "e => e.dataset.status") == "loading"
        assert page.is_visible("#starting-note")
        assert "Python is starting" in page.inner_text("#starting-note")
        assert page.eval_on_selector(f'[data-example="{other}"]', "e => e.classList.contains('intent-pending')")
        release.set()
        wait_until_started(page)
        page.wait_for_function(f"""document.querySelector('[data-example="{other}"]')
                                   .getAttribute('aria-pressed') === 'true'""", timeout=5000)
        assert not page.is_visible("#starting-note")
        assert f"image={other.replace(' ', '+')}" in page.evaluate("location.hash")
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def test_enter_on_a_map_while_python_starts_opens_its_view_when_ready(site, page):
    server, release, url = held_site(site.dir)
    try:
        page.goto(url)
        page.focus('[data-layer="relu_1_1"][data-index="2"]')
        page.keyboard.press("Enter")
        assert page.is_visible("#starting-note")
        release.set()
        wait_until_started(page)
        page.wait_for_selector('[data-view="relu"]', timeout=5000)
        assert "layer=relu_1_1" in page.evaluate("location.hash")
        assert "neuron=2" in page.evaluate("location.hash")
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def test_clicks_while_python_starts_are_carried_out_in_order(site, page):
    """Issue 24 item 6: the koala example, then a map, while Python loads: the map of koala opens."""
    server, release, url = held_site(site.dir)
    try:
        page.goto(url)
        page.click('[data-example="koala"]')
        page.click('[data-layer="relu_1_1"][data-index="2"]')
        assert page.eval_on_selector("#app", "e => e.dataset.status") == "loading"
        release.set()
        wait_until_started(page)
        page.wait_for_selector('[data-view="relu"]', timeout=5000)
        page.wait_for_function("""document.querySelector('[data-example="koala"]')
                                  .getAttribute('aria-pressed') === 'true'""", timeout=5000)
        address = page.evaluate("location.hash")
        assert "image=koala" in address and "layer=relu_1_1" in address and "neuron=2" in address
        replays = [entry[2] for entry in page.evaluate("explainer.history") if entry[1] == "replay"]
        assert len(replays) == 2 and replays[0] == '[data-example="koala"]' and 'relu_1_1' in replays[1]
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def test_parts_installed_after_ready_work_on_their_first_use(site, context):
    """The article's controller is installed when the page is idle; a contents link clicked before that
    installs it there and then, and still scrolls to its section without touching the explainer's address."""
    page = context.new_page()
    page.add_init_script("window.requestIdleCallback = () => 0;")  # the page is never idle: first use only
    page.goto(site.url + "#image=koala")
    wait_until_started(page, settled=False)
    assert page.evaluate("explainer.timings.settled") is None
    assert page.evaluate("document.querySelector('#playground')") is None  # deferred: not drawn yet
    page.click('a[data-article-link="article-convolution"]')
    page.wait_for_function("document.getElementById('article-convolution').getBoundingClientRect().top < 50",
                           timeout=5000)
    assert page.evaluate("location.hash") == "#image=koala"
    assert page.eval_on_selector("#app", "e => e.dataset.status") == "ready"


def test_first_screen_comes_before_pillow_and_an_image_given_meanwhile_waits_for_it(browser, site, native):
    """Pillow loads after ready (only own images need it): an image given before it arrived is still
    classified, once it has."""
    import io

    import numpy as np
    import pytest
    from PIL import Image

    from explainer_page import VIEWPORT, read_probabilities
    from pyapp.images.preprocess import load_image

    context = browser.new_context(viewport=VIEWPORT, service_workers="block")  # page.route sees every fetch
    page = context.new_page()
    held = []
    page.route("**/pyodide-*/pillow-*.whl", lambda route: held.append(route))  # Pillow arrives when we say
    page.goto(site.url + "#image=koala")
    wait_until_started(page, settled=False)
    assert read_probabilities(page) == pytest.approx(native.probabilities("koala"), abs=1e-5)
    page.wait_for_function("document.getElementById('app').dataset.status === 'ready'")
    picture = io.BytesIO()
    Image.fromarray(np.random.default_rng(5).integers(0, 256, (40, 70, 3), dtype=np.uint8)).save(picture, "PNG")
    page.set_input_files("input[data-image-input]", files=[
        {"name": "mine.png", "mimeType": "image/png", "buffer": picture.getvalue()}])
    page.wait_for_timeout(500)
    assert not page.evaluate("document.querySelector('[data-custom]').classList.contains('active')")
    assert len(held) == 1  # asked for, and not yet given: the image waits
    held[0].continue_()
    page.wait_for_function("document.querySelector('[data-custom]').classList.contains('active')", timeout=30000)
    expected = native.probabilities_of(load_image(picture.getvalue()))
    assert read_probabilities(page) == pytest.approx(expected, abs=1e-5)
    asked_at = page.evaluate("""performance.getEntriesByType('resource')
        .filter(e => /pillow-.*\\.whl/.test(e.name)).map(e => e.startTime)""")
    assert asked_at and min(asked_at) >= page.evaluate("explainer.timings.ready")  # not before the first screen
    context.close()
