"""Start-up under the conditions of a slow or busy machine: the page must still reach "ready".

A busy CPU makes the browser parse index.html in several slices, with frames drawn in between;
the loading indicator (bootstrap.js) must not touch parts of the page that are not parsed yet.
"""
from __future__ import annotations

import threading
import time
from functools import partial
from http.server import ThreadingHTTPServer

import build
from explainer_page import wait_until_started

PAUSE_S = 1.5  # long enough for the prefetched runtime files to arrive and a frame to be drawn


class HalfPausedIndex(build.SiteHandler):
    """Sends index.html in two parts, pausing inside the first loading-stage row (between its bar and its amount)."""

    quiet = True

    def do_GET(self):
        if self.path.split("?")[0] not in ("/", "/index.html"):
            return super().do_GET()
        html = (build.Path(self.directory) / "index.html").read_bytes()
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
