"""The local server's gzip mode, which the load benchmark uses to send files as GitHub Pages does."""
from __future__ import annotations

import gzip
import threading
import urllib.error
import urllib.request

import pytest

import build


@pytest.fixture
def served(tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "index.html").write_text("<p>page</p>" * 500)
    (tmp_path / "app.js").write_text("console.log('the app');\n" * 400)
    servers = []

    def serve(compress: bool) -> str:
        server = build.make_server(tmp_path, 0, quiet=True, compress=compress)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield tmp_path, serve
    for server in servers:
        server.shutdown()


def get(url: str, **headers):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, b""


def test_gzip_mode_sends_each_file_gzipped_to_browsers_that_accept_it(served):
    folder, serve = served
    url = serve(compress=True)
    for path, file in (("app.js", folder / "app.js"), ("folder/", folder / "folder" / "index.html")):
        status, headers, body = get(url + path, **{"Accept-Encoding": "gzip, deflate"})
        assert (status, headers["Content-Encoding"]) == (200, "gzip")
        assert int(headers["Content-Length"]) == len(body) < file.stat().st_size
        assert gzip.decompress(body) == file.read_bytes()
    status, headers, body = get(url + "app.js")  # a client that does not accept gzip gets the file itself
    assert (status, headers["Content-Encoding"], body) == (200, None, (folder / "app.js").read_bytes())
    since = headers["Last-Modified"]
    status, headers, _ = get(url + "app.js", **{"Accept-Encoding": "gzip", "If-Modified-Since": since})
    assert status == 304 and headers["Content-Length"] is None
    assert get(url + "missing.js", **{"Accept-Encoding": "gzip"})[0] == 404


def test_the_site_server_sends_files_as_they_are_unless_asked_to_gzip(served):
    folder, serve = served
    status, headers, body = get(serve(compress=False) + "app.js", **{"Accept-Encoding": "gzip"})
    assert (status, headers["Content-Encoding"], body) == (200, None, (folder / "app.js").read_bytes())
