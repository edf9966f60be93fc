"""The page runs no Python it did not ship, talks only to its own site and https, and a download by web
address has a size cap and a time limit enforced while the bytes arrive."""
from __future__ import annotations

import threading
import time
from functools import partial
from pathlib import Path

import pytest

import build
from explainer_page import READY_TIMEOUT_S, active_example, click_example, read_probabilities, wait_until_started
from pyapp.views.widgets import upload as upload_view

SHOTS = Path("/tmp/shots-hardening")
HUGE_BYTES = 200_000_000  # what the hostile server would send in all: ten times the cap


def test_python_put_into_the_page_after_start_never_runs(page, open_app, site):
    open_app(page)
    page.evaluate("""() => {
        const script = document.createElement('script');
        script.type = 'py';
        script.textContent = 'import js\\njs.window.injected = "script"';
        document.body.append(script);
        document.body.insertAdjacentHTML('beforeend',
            '<py-script>import js; js.window.injected = "py-script"</py-script>' +
            '<div><script type="py">import js; js.window.injected = "nested"</' + 'script></div>');
    }""")
    # Python is busy with nothing else: a click it answers shows it ran everything queued before
    before = read_probabilities(page)
    click_example(page, next(n for n in site.examples if n != active_example(page)))
    page.wait_for_timeout(1500)  # PyScript runs a script it picks up within milliseconds
    assert read_probabilities(page) != before
    assert page.evaluate("window.injected") is None


def test_the_page_leaves_no_database_in_the_browser(page, open_app):
    """PyScript's cache of package lock files (IndexedDB) goes unused here: a visit, an embed in a blog included,
    leaves no database behind, and a browser that refuses storage starts the page as any other."""
    open_app(page)
    assert page.evaluate("indexedDB.databases().then((list) => list.map((d) => d.name))") == []


def test_the_page_may_connect_only_to_its_own_site_and_https(page, open_app, serve, tmp_path):
    open_app(page)
    policy = page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
    assert "connect-src 'self' https:;" in policy
    other = serve(tmp_path)  # another port: another origin, over plain http
    refused = page.evaluate("""async (url) => {
        const seen = new Promise((resolve) => document.addEventListener('securitypolicyviolation',
            (e) => resolve(e.violatedDirective), { once: true }));
        try { await fetch(url); } catch {}
        return await Promise.race([seen, new Promise((resolve) => setTimeout(() => resolve(null), 3000))]);
    }""", other)
    assert refused == "connect-src"
    # and an image address over http says why it is not downloaded
    page.click("[data-custom]")
    page.fill("#upload-url", other + "photo.png")
    page.click("#upload-add")
    page.wait_for_selector("#upload-error:not([hidden])")
    assert "only from https:// addresses" in page.inner_text("#upload-error")


class HostileServer:
    """The site, plus /hostile/huge.png (no length, bytes without end) and /hostile/slow.png (a byte a second)."""

    def __init__(self, directory: Path):
        self.sent = 0
        self.server = build.make_server(directory, 0, quiet=True)
        site_handler = self.server.RequestHandlerClass
        owner = self

        class Handler(site_handler.func):
            def do_GET(self):
                if not self.path.startswith("/hostile/"):
                    return super().do_GET()
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                try:
                    if self.path == "/hostile/huge.png":
                        block = bytes(1 << 16)
                        while owner.sent < HUGE_BYTES:
                            self.wfile.write(block)
                            owner.sent += len(block)
                    else:
                        for _ in range(120):
                            self.wfile.write(b"\x89")
                            self.wfile.flush()
                            time.sleep(1)
                except OSError:  # the page hung up: what it is meant to do
                    pass

        self.server.RequestHandlerClass = partial(Handler, *site_handler.args, **site_handler.keywords)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hostile(site):
    server = HostileServer(site.dir)
    yield server
    server.close()


def _add_address(page, address: str, timeout_s: float) -> str:
    page.fill("#upload-url", address)
    page.click("#upload-add")
    page.wait_for_selector("#upload-error:not([hidden])", timeout=timeout_s * 1000)
    return page.inner_text("#upload-error")


def test_a_download_by_address_stops_at_the_size_cap_and_the_time_limit(page, open_app, hostile, native):
    open_app(page, url=hostile.url)
    expected = read_probabilities(page)
    page.click("[data-custom]")
    message = _add_address(page, hostile.url + "hostile/huge.png", 60)
    assert "larger than the limit of 20 MB" in message and "download was stopped" in message
    time.sleep(1)
    assert hostile.sent < HUGE_BYTES / 2  # the page hung up soon after the cap, not at the end
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "too-large.png"))

    started = time.monotonic()
    message = _add_address(page, hostile.url + "hostile/slow.png", upload_view.DOWNLOAD_TIMEOUT_S + 30)
    assert f"did not arrive within {upload_view.DOWNLOAD_TIMEOUT_S} seconds" in message
    assert time.monotonic() - started < upload_view.DOWNLOAD_TIMEOUT_S + 10
    page.screenshot(path=str(SHOTS / "too-slow.png"))
    assert "Traceback" not in page.inner_text("body")
    page.click("#upload-cancel")
    assert read_probabilities(page) == pytest.approx(expected)  # the image shown stayed what it was
    wait_until_started(page, READY_TIMEOUT_S)
