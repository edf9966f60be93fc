"""The local server: the built folder on 127.0.0.1, with the types browsers insist on."""
from __future__ import annotations

import gzip
import http.server
import io
import os
import urllib.parse
from functools import lru_cache, partial
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
    gzip = False  # send files gzipped to browsers that accept it, as GitHub Pages does (the benchmarks)
    _body = None  # this response's gzipped body, when it is sent so

    def send_head(self):
        self._body = None
        path = self.translate_path(self.path)
        if os.path.isdir(path) and urllib.parse.urlsplit(self.path).path.endswith("/"):
            path = os.path.join(path, "index.html")
        if self.gzip and "gzip" in self.headers.get("Accept-Encoding", "") and os.path.isfile(path):
            self._body = gzipped(path, os.stat(path).st_mtime_ns)
        file = super().send_head()
        if file is None or self._body is None:
            return file
        file.close()
        return io.BytesIO(self._body)

    def send_header(self, keyword, value):
        if self._body is not None and keyword == "Content-Length":  # the file's own: the gzipped body goes out
            super().send_header("Content-Encoding", "gzip")
            super().send_header("Vary", "Accept-Encoding")
            value = str(len(self._body))
        super().send_header(keyword, value)

    def end_headers(self):
        self.send_header("Cache-Control", self.cache_control)
        super().end_headers()

    def log_message(self, format, *args):
        if not self.quiet:
            super().log_message(format, *args)


@lru_cache(maxsize=None)
def gzipped(path: str, mtime_ns: int) -> bytes:
    """A file gzipped at level 6, once per version of it (mtime_ns: a changed file is compressed again)."""
    with open(path, "rb") as file:
        return gzip.compress(file.read(), 6, mtime=0)


def make_server(directory: Path, port: int = 0, quiet: bool = False, cache_control: str = SiteHandler.cache_control,
                compress: bool = False) -> http.server.ThreadingHTTPServer:
    """A server for directory on 127.0.0.1 (port 0: any free port); call serve_forever() on it. compress: every
    file gzipped, as GitHub Pages sends it, each compressed here first so that no request waits for it."""
    handler = type("Handler", (SiteHandler,), {"quiet": quiet, "cache_control": cache_control, "gzip": compress})
    if compress:
        for file in Path(directory).rglob("*"):
            if file.is_file():
                gzipped(str(file), file.stat().st_mtime_ns)
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
