"""The offline copy repairs itself, the page says so when bootstrap.js never ran, and every open tab moves to
a new version together (site/offline.js, site/sw.js, the watchdog in site/index.html)."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

import build
from explainer_page import READY_TIMEOUT_S, app_status, wait_until_started

SHOTS = Path("/tmp/shots-offline")


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def damage_bytes(data: bytes) -> bytes:
    """The same size with bytes flipped in the middle, as a bad disk or an interrupted write leaves a file."""
    data = bytearray(data)
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(b ^ 0x5A for b in data[middle:middle + 64])
    return bytes(data)


def installed(page) -> None:
    """The worker has precached the build and serves this page."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def damage_in_cache(page, url: str) -> None:
    """Flip bytes of url's copy in Cache Storage, from the page, as a damaged disk would."""
    page.evaluate("""async (url) => {
        const cache = await caches.open((await caches.keys())[0]);
        const response = await cache.match(url);
        const bytes = new Uint8Array(await response.arrayBuffer());
        for (let i = bytes.length >> 1; i < (bytes.length >> 1) + 64; i++) bytes[i] ^= 0x5a;
        await cache.put(url, new Response(bytes, { headers: response.headers }));
    }""", url)


def cached_sha256(page, url: str) -> str:
    return page.evaluate("""async (url) => {
        const cache = await caches.open((await caches.keys())[0]);
        const digest = await crypto.subtle.digest('SHA-256', await (await cache.match(url)).arrayBuffer());
        return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    }""", url)


def settle_through_reloads(page, timeout: float = READY_TIMEOUT_S) -> str:
    """data-status once it leaves "loading", across the page's own reloads (a repair reloads once)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status = page.evaluate("document.getElementById('app') && document.getElementById('app').dataset.status")
            if status in ("ready", "error"):
                return status
        except PlaywrightError:  # the page reloaded under the question
            pass
        time.sleep(0.2)
    raise AssertionError("the page neither started nor failed")


def retries(page) -> list[str]:
    return page.evaluate("explainer.history.filter((e) => e[1] === 'retried').map((e) => e[2])")


def test_a_damaged_file_of_the_offline_copy_is_fetched_again_and_the_page_starts(site, context, open_app):
    page = context.new_page()
    open_app(page)
    installed(page)
    zip_name = next(site.dir.glob("app-*.zip")).name
    url = site.url + zip_name
    damage_in_cache(page, url)
    page.reload()
    assert settle_through_reloads(page) == "ready"
    wait_until_started(page)
    assert retries(page) == [zip_name]  # it did fail once, and the retry started the page
    manifest = json.loads((site.dir / "precache-manifest.json").read_text())
    assert cached_sha256(page, url) == manifest["files"][zip_name]  # the copy is whole again, for offline use
    shot(page, "repaired")


def test_a_file_damaged_on_the_server_too_is_named_after_the_one_retry(site, tmp_path, serve, context, open_app):
    copy = tmp_path / "site"
    shutil.copytree(site.dir, copy)
    url = serve(copy)
    page = context.new_page()
    open_app(page, url=url)
    installed(page)
    zip_path = next(copy.glob("app-*.zip"))
    damage_in_cache(page, url + zip_path.name)
    zip_path.write_bytes(damage_bytes(zip_path.read_bytes()))
    later = time.time() + 60  # newer than the browser's copy, so the HTTP cache's revalidation gets these bytes
    os.utime(zip_path, (later, later))
    page.reload()
    assert settle_through_reloads(page) == "error"
    page.wait_for_function("document.querySelector('#error .error-message').textContent.includes('did not help')")
    message = page.inner_text("#error .error-message")
    assert zip_path.name in message and "downloading it again did not help" in message
    assert retries(page) == [zip_path.name]  # one retry, not a reload loop
    assert "Traceback" not in page.inner_text("body") and page.is_hidden("#loading")
    shot(page, "damaged-on-the-server")


@pytest.mark.parametrize("problem", ["missing", "damaged"])
def test_without_bootstrap_js_the_page_says_so_instead_of_starting_forever(site, tmp_path, serve, page, problem):
    copy = tmp_path / "site"
    shutil.copytree(site.dir, copy)
    script = copy / site.build.path("bootstrap.js")
    if problem == "missing":
        script.unlink()
    else:
        script.write_bytes(damage_bytes(script.read_bytes()))
        # older than the fix below by more than Last-Modified's one second: else, both written within one second,
        # the server answers the browser's revalidation with 304 and the browser keeps the damaged copy
        past = time.time() - 60
        os.utime(script, (past, past))
    url = serve(copy)
    page.goto(url)
    page.wait_for_function("document.getElementById('app').dataset.status === 'error'", timeout=10000)
    assert page.is_hidden("#loading") and page.is_visible("#error .reload")
    assert "bootstrap.js" in page.inner_text("#error .error-message")
    assert page.evaluate("document.querySelector('script[type=\"py\"]')") is None  # PyScript was not started
    shot(page, f"bootstrap-{problem}")
    with page.expect_navigation():
        page.click("#error .reload")
    page.wait_for_function("document.getElementById('app').dataset.status === 'error'", timeout=10000)
    script.write_bytes((site.dir / site.build.path("bootstrap.js")).read_bytes())  # the site fixed: the button brings it back
    with page.expect_navigation():
        page.click("#error .reload")
    wait_until_started(page)


def test_a_new_version_reaches_every_open_tab(tmp_path, context, serve, open_app):
    out = tmp_path / "dist"
    first = build.build(out, allow_download=False)
    url = serve(out)
    tabs = [context.new_page(), context.new_page()]
    open_app(tabs[0], url=url)
    installed(tabs[0])
    open_app(tabs[1], url=url)

    second = build.build(out, use_dataset=False)  # the next release, on the same folder and port
    assert second.build_hash != first.build_hash
    for tab in tabs:
        tab.reload()  # the old version still serves, and finds the new one
        wait_until_started(tab)
    for tab in tabs:
        tab.wait_for_selector("#update:not([hidden])", timeout=READY_TIMEOUT_S * 1000)
    shot(tabs[1], "update-offered")
    with tabs[0].expect_navigation(), tabs[1].expect_navigation():
        tabs[1].click("#update .reload")  # the second tab's button: both tabs move
    for tab in tabs:
        wait_until_started(tab)
        assert tab.locator("[data-example]").count() == 0  # the new page, not the old one
        assert tab.evaluate("caches.keys()") == [f"cnn-explainer-{second.build_hash}"]
        assert app_status(tab) == "ready"
    manifest = json.loads((out / "precache-manifest.json").read_text())
    assert manifest["build"] == second.build_hash
    assert hashlib.sha256((out / "index.html").read_bytes()).hexdigest() == manifest["files"]["./"]


def test_a_repeat_visit_writes_no_module_code_cache_it_never_reads(context, open_app):
    """Served from the offline copy, a module script (pyodide.asm.js, 1.3 MB) costs a visit no code cache write
    on the main thread: V8 never reads one for a response of Cache Storage."""
    first = context.new_page()
    open_app(first)
    installed(first)
    first.close()
    again = context.new_page()
    cdp = context.new_cdp_session(again)
    events, done = [], []
    cdp.on("Tracing.dataCollected", lambda data: events.extend(data["value"]))
    cdp.on("Tracing.tracingComplete", lambda _: done.append(True))
    cdp.send("Tracing.start", {"traceConfig": {"includedCategories": ["v8"]}, "transferMode": "ReportEvents"})
    open_app(again)
    assert again.evaluate("navigator.serviceWorker.controller !== null")  # this visit came from the copy
    cdp.send("Tracing.end")
    deadline = time.monotonic() + 30
    while not done and time.monotonic() < deadline:
        again.wait_for_timeout(100)
    urls = {name: [e["args"]["data"].get("url", "") for e in events
                   if e.get("name") == name and "data" in e.get("args", {})]
            for name in ("v8.compileModule", "v8.produceModuleCache")}
    assert any(url.endswith("pyodide.asm.js") for url in urls["v8.compileModule"])  # the trace saw the modules
    assert urls["v8.produceModuleCache"] == []
