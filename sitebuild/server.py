"""The local server: the built folder on 127.0.0.1, with the types browsers insist on."""
from __future__ import annotations

import http.server
from functools import partial
from pathlib import Path

from .common import log


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the types browsers insist on (wasm, modules), revalidated on every load."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
                      ".webmanifest": "application/manifest+json", ".whl": "application/zip",
                      ".zip": "application/zip", ".py": "text/plain; charset=utf-8",
                      ".json": "application/json"}
    quiet = False
    cache_control = "no-cache"  # GitHub Pages sends max-age=600

    def end_headers(self):
        self.send_header("Cache-Control", self.cache_control)
        super().end_headers()

    def log_message(self, format, *args):
        if not self.quiet:
            super().log_message(format, *args)


def make_server(directory: Path, port: int = 0, quiet: bool = False,
                cache_control: str = SiteHandler.cache_control) -> http.server.ThreadingHTTPServer:
    """A server for directory on 127.0.0.1 (port 0: any free port); call serve_forever() on it."""
    handler = type("Handler", (SiteHandler,), {"quiet": quiet, "cache_control": cache_control})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(directory)))
    server.daemon_threads = True
    return server


def serve(out: Path, port: int) -> None:
    try:
        server = make_server(out, port)
    except OSError:
        server = make_server(out, 0)
        log(f"port {port} is busy; using {server.server_address[1]} instead")
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"Serving {out} at {url}  (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print()
    finally:
        server.server_close()
