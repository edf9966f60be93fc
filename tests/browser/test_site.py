"""The delivered site in Chromium: it starts, computes the native numbers, stays on its own origin,
works offline, updates cleanly, and says so in words when it cannot start."""
from __future__ import annotations

import io
import json
import shutil

import numpy as np
import pytest
from PIL import Image

import build
import sitebuild.app
from explainer_page import (READY_TIMEOUT_S, active_example, app_status, click_example, read_probabilities,
                            wait_for_start_to_end, wait_until_started)

TOLERANCE = 1e-5


def test_page_starts_with_stages_and_only_its_own_origin(site, context, open_app):
    requests = []
    context.route("**/*", lambda route: (requests.append(route.request.url), route.continue_()))
    page = context.new_page()
    seconds = open_app(page)
    assert seconds < READY_TIMEOUT_S
    # the indicator went through its three stages, in order, and got out of the way
    history = page.evaluate("explainer.history")
    for stage in ("runtime", "packages", "model"):
        states = [state for _, name, state in history if name == stage]
        assert states[0] == "active" and states[-1] == "done", (stage, states)
    done_at = {name: t for t, name, state in history if state == "done" and name in ("runtime", "packages", "model")}
    assert done_at["runtime"] <= done_at["model"] and done_at["packages"] <= done_at["model"]
    assert page.is_hidden("#loading") and page.is_hidden("#error")
    # Pyodide was left no WebAssembly JSPI to run Python on (bootstrap.js: Chromium 156 crashes the tab there now
    # and then, a renderer SIGSEGV on the switched stack seen in the suite's crash dumps)
    assert page.evaluate("['Suspending', 'promising'].some((name) => name in WebAssembly)") is False
    # a second image, so requests made after start-up are checked too
    click_example(page, site.examples[0])
    foreign = [url for url in requests if not url.startswith(site.url) and not url.startswith("data:")]
    assert not foreign, f"requests to other origins: {foreign}"
    assert any("pyodide.asm.wasm" in url for url in requests)


def test_every_example_matches_native_probabilities(site, page, open_app, native):
    assert len(site.examples) == 10, "the session's dataset should give one example per class"
    open_app(page)
    for name in site.examples:
        click_example(page, name)
        shown = read_probabilities(page)
        expected = native.probabilities(name)
        assert shown.keys() == expected.keys()
        for cls in expected:
            assert shown[cls] == pytest.approx(expected[cls], abs=TOLERANCE), (name, cls)
        assert abs(sum(shown.values()) - 1) < 1e-4


def test_address_holds_the_image(site, page, open_app, native):
    first, second = "koala", "lifeboat"
    open_app(page, "#image=" + first.replace(" ", "+"))
    assert active_example(page) == first
    assert read_probabilities(page) == pytest.approx(native.probabilities(first), abs=TOLERANCE)
    click_example(page, second)
    assert page.evaluate("location.hash") == "#image=" + second
    page.go_back()  # the Back button returns to the previous image
    page.wait_for_function(f"""document.querySelector('[data-example="{first}"]').getAttribute('aria-pressed') === 'true'""")
    assert read_probabilities(page) == pytest.approx(native.probabilities(first), abs=TOLERANCE)


def test_own_image_is_classified_and_bad_files_explained(page, open_app, native):
    open_app(page)
    rng = np.random.default_rng(3)
    picture = Image.fromarray(rng.integers(0, 256, (90, 130, 3), dtype=np.uint8))  # not square, not 64 px
    data = io.BytesIO()
    picture.save(data, "PNG")
    page.set_input_files("input[data-image-input]", files=[
        {"name": "mine.png", "mimeType": "image/png", "buffer": data.getvalue()}])
    page.wait_for_function("document.querySelector('[data-custom]').classList.contains('active')")
    from pyapp.images.preprocess import load_image

    expected = native.probabilities_of(load_image(data.getvalue()))
    assert read_probabilities(page) == pytest.approx(expected, abs=TOLERANCE)
    assert active_example(page) is None

    page.set_input_files("input[data-image-input]", files=[
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"just some words"}])
    page.wait_for_selector("#notice:not([hidden])")
    notice = page.inner_text("#notice")
    # The strip's file input goes through the upload dialog's guarded path, and says what it says.
    assert "not an image file" in notice and "Traceback" not in notice
    assert app_status(page) == "ready"
    assert read_probabilities(page) == pytest.approx(expected, abs=TOLERANCE)  # the last good image stays


def test_works_offline_after_one_visit(site, context, open_app, native):
    page = context.new_page()
    open_app(page)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # precache complete and active
    cached = page.evaluate("caches.keys()")
    assert len(cached) == 1 and cached[0].endswith(site.build.build_hash)
    context.set_offline(True)
    try:
        page.reload()
        wait_until_started(page)
        name = next(n for n in site.examples if n != active_example(page))
        click_example(page, name)
        assert read_probabilities(page) == pytest.approx(native.probabilities(name), abs=TOLERANCE)
    finally:
        context.set_offline(False)


def test_new_build_replaces_the_old_cache(tmp_path, context, serve, open_app):
    out = tmp_path / "dist"
    first = build.build(out, allow_download=False)
    url = serve(out)
    page = context.new_page()
    open_app(page, url=url)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")

    # the next release: built without the dataset, so its page is visibly different
    second = build.build(out, use_dataset=False)
    assert second.build_hash != first.build_hash
    page.reload()  # the old version still serves, and finds the new one
    wait_until_started(page)
    page.wait_for_selector("#update:not([hidden])", timeout=READY_TIMEOUT_S * 1000)
    with page.expect_navigation():
        page.click("#update .reload")
    wait_until_started(page)
    assert page.evaluate("caches.keys()") == [f"cnn-explainer-{second.build_hash}"]
    assert page.locator("[data-example]").count() == 0  # the new page, not the old one
    # every cached file is the new build's, byte for byte
    manifest = json.loads((out / "precache-manifest.json").read_text())
    cached = page.evaluate("""async () => {
        const cache = await caches.open((await caches.keys())[0]);
        const out = {};
        for (const request of await cache.keys()) {
            const digest = await crypto.subtle.digest('SHA-256', await (await cache.match(request)).arrayBuffer());
            out[request.url] = [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, '0')).join('');
        }
        return out;
    }""")
    assert {u[len(url):] or "./": h for u, h in cached.items()} == {
        ("./" if p == "./" else p): h for p, h in manifest["files"].items()}


def test_python_failing_at_start_gives_a_message_not_a_traceback(tmp_path, monkeypatch, serve, page):
    import zipfile

    def app_zip_with_a_bug(files):  # the same pyapp, except that starting the page raises
        original = zipfile.ZipFile(io.BytesIO(build_app_zip(files)))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for info in original.infolist():
                data = original.read(info)
                if info.filename == "pyapp/page/boot.py":
                    data += b"\ndef start():\n    raise RuntimeError('the weights are unreadable')\n"
                z.writestr(info, data)
        return out.getvalue()

    build_app_zip = sitebuild.app.app_zip
    monkeypatch.setattr(sitebuild.app, "app_zip", app_zip_with_a_bug)
    out = build.build(tmp_path / "dist", allow_download=False).out
    page.goto(serve(out))
    wait_for_start_to_end(page, READY_TIMEOUT_S)
    assert app_status(page) == "error"
    assert "RuntimeError: the weights are unreadable" in page.inner_text("#error")
    assert "Traceback" not in page.inner_text("body") and page.is_hidden("#loading")


@pytest.mark.parametrize("missing", ["pyodide/pyodide.asm.wasm", "numpy wheel", "app zip"])
def test_missing_file_gives_a_clear_error(site, tmp_path, serve, page, missing):
    broken = tmp_path / "site"
    shutil.copytree(site.dir, broken)
    if missing == "numpy wheel":
        target = next((broken / site.build.runtime_dir).glob("numpy-*.whl"))
    elif missing == "app zip":
        target = next(broken.glob("app-*.zip"))
    else:
        target = broken / site.build.path(missing)
    target.unlink()
    page.goto(serve(broken))
    wait_for_start_to_end(page, READY_TIMEOUT_S)
    assert app_status(page) == "error"
    assert page.is_visible("#error") and page.is_hidden("#loading")
    text = page.inner_text("#error")
    assert "could not start" in text and target.name in text
    assert "Traceback" not in page.inner_text("body")
    # the picture drawn at build time is still there
    assert page.locator("#overview [data-class]").count() == 10

