"""The Train panel's own classes (#train-own): the visitor names classes and fills them from files, a drop, a
paste and the camera (Chromium's fake camera), sees what each class still needs and how many photos are held out,
trains the new output layer by transfer, and "Use this model" makes the explainer show their class names."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from explainer_page import CHROMIUM, CHROMIUM_ARGS, SHOTS, VIEWPORT, read_probabilities

OWN = "#train&data=own&start=transfer&names=mug,plant,lamp&batch=8&epochs=4"  # as the page writes it


def png(colour, seed: int) -> bytes:
    """A 90x90 photo of one colour with noise: each class a colour, so a few steps can tell them apart."""
    rng = np.random.default_rng(seed)
    pixels = np.clip(np.array(colour)[None, None] + rng.integers(-30, 30, (90, 90, 3)), 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


def files(colour, count, seed=0) -> list[dict]:
    return [{"name": f"p{seed + i}.png", "mimeType": "image/png", "buffer": png(colour, seed + i)}
            for i in range(count)]


def card(index: int) -> str:
    return f".tr-own-class[data-own-class='{index}']"


def photos_in(page, index: int) -> int:
    return int(page.get_attribute(card(index), "data-photos"))


def wait_photos(page, index: int, count: int) -> None:
    page.wait_for_function(f"+document.querySelector(\"{card(index)}\")?.dataset.photos === {count}", timeout=30_000)


# Hands the page a file as a drop or a paste would (a DataTransfer built in the page from the bytes).
SEND = """([selector, kind, bytes]) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], 'sent.png', {type: 'image/png'}));
    const target = document.querySelector(selector);
    target.focus();
    const event = kind === 'paste' ? new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true})
                                   : new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true});
    target.dispatchEvent(event);
}"""


# Keeps the stream the page gets, so the test can see that the camera was turned off.
WATCH_STREAM = """() => { const get = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (c) => (window.cameraStream = await get(c)); }"""
CAMERA_OFF = "window.cameraStream.getTracks().every(track => track.readyState === 'ended')"


def open_own(page, open_app, address=OWN):
    open_app(page, address)
    page.wait_for_function("document.querySelector('#train')?.dataset.state === 'idle' && "
                           "document.querySelector('#train-own')", timeout=60_000)


def test_own_classes_do_not_download_the_built_in_photos(page, open_app):
    """A visitor who trains their own classes never waits for the 1.4 MB of built-in photos: they come when the
    built-in classes are chosen."""
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    open_own(page, open_app)
    page.set_input_files(f"{card(0)} .tr-own-file", files((200, 40, 40), 2))
    wait_photos(page, 0, 2)  # a round trip through Python since the panel opened
    assert not any("trainset/" in url for url in requests)
    page.select_option("#train select[name='data']", "builtin")
    page.wait_for_selector("#train input[name='class-0']", timeout=60_000)  # the built-in classes, once loaded
    assert any("trainset/" in url for url in requests)
    assert page.get_attribute("#train", "data-state") == "idle"


def test_own_classes_are_made_only_when_chosen(page, open_app):
    open_app(page, "#train")
    page.wait_for_function("document.querySelector('#train')?.dataset.state === 'idle'", timeout=60_000)
    assert page.query_selector("#train-own") is None  # the built-in classes: nothing of the own classes in the DOM
    page.select_option("#train select[name='data']", "own")
    page.wait_for_selector("#train-own")
    assert page.query_selector("#train input[name='class-0']") is None  # the built-in picks give way
    assert page.input_value("#train select[name='start']") == "transfer"  # the natural start for a few photos
    assert "data=own" in page.evaluate("location.hash") and "start=transfer" in page.evaluate("location.hash")
    assert page.eval_on_selector_all(".tr-own-name", "els => els.map(e => e.value)") == ["Class 1", "Class 2"]
    assert "never the photos" in page.inner_text("#train-own")  # a link cannot carry them: said
    assert "New output layer: 2 classes (was 10)" in page.inner_text("#train-own-output")
    page.click("[data-own-action='add-class']")
    page.fill(f"{card(2)} .tr-own-name", "teapot")
    page.press(f"{card(2)} .tr-own-name", "Enter")
    page.wait_for_function("location.hash.includes('teapot')")
    assert "New output layer: 3 classes (was 10)" in page.inner_text("#train-own-output")
    page.fill(f"{card(1)} .tr-own-name", "teapot")  # a name twice: refused in words, the old name back
    page.press(f"{card(1)} .tr-own-name", "Enter")
    page.wait_for_function("document.querySelector('#train-own-said').textContent.includes('already a class')")
    assert page.input_value(f"{card(1)} .tr-own-name") == "Class 2"
    page.click("[data-train-action='start']")  # empty classes: nothing starts, the words say what is missing
    assert page.get_attribute("#train", "data-state") == "idle"
    assert "needs at least 5 photos" in page.inner_text("#train-words")
    page.select_option("#train select[name='data']", "builtin")
    page.wait_for_selector("#train-own", state="detached")


def test_files_drop_paste_and_camera_fill_classes_then_transfer_and_use(playwright_instance, site, open_app):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM,
                                                  args=CHROMIUM_ARGS + ["--use-fake-device-for-media-stream"])
    try:
        context = browser.new_context(viewport=VIEWPORT)
        context.grant_permissions(["camera"], origin=site.url.rstrip("/"))
        page = context.new_page()
        open_own(page, open_app)
        assert page.input_value("#train select[name='start']") == "transfer"
        assert page.eval_on_selector_all(".tr-own-name", "els => els.map(e => e.value)") == ["mug", "plant", "lamp"]
        # Files (the picker), a few at once; a file that is no image is refused in words, the others kept.
        page.set_input_files(f"{card(0)} .tr-own-file", files((200, 40, 40), 6) + [
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a picture"}])
        wait_photos(page, 0, 6)
        assert "not an image file" in page.inner_text("#train-own-said")
        assert "No photos yet: add at least 5" in page.inner_text(card(1))  # what a class still needs, said
        page.set_input_files(f"{card(1)} .tr-own-file", files((40, 200, 40), 4, seed=10))
        wait_photos(page, 1, 4)
        assert "4 photos: add 1 more" in page.inner_text(card(1))
        # A drop and a paste on a class go to that class, not to the page's own image.
        page.evaluate(SEND, [card(1), "drop", list(png((40, 200, 40), 20))])
        wait_photos(page, 1, 5)
        page.evaluate(SEND, [card(1), "paste", list(png((40, 200, 40), 21))])
        wait_photos(page, 1, 6)
        assert page.get_attribute("[data-custom]", "class") is None or \
            "active" not in page.get_attribute("[data-custom]", "class")
        # Remove a photo, then the camera: its frames into the third class.
        page.click(f"{card(1)} .tr-own-photo >> nth=0")
        wait_photos(page, 1, 5)
        page.evaluate(WATCH_STREAM)
        page.click("[data-own-action='camera']")
        page.wait_for_function("document.getElementById('train-own-video').videoWidth > 0", timeout=20_000)
        for count in range(1, 6):
            page.click(f"{card(2)} [data-own-action='snap']")
            wait_photos(page, 2, count)
        assert page.locator(f"{card(2)} .tr-own-photo img").count() == 5  # the sample strip
        # The held-out share, seeded and shown: a fifth of each class, at least one.
        assert page.get_attribute("#train-own", "data-ready") == "1"
        assert [page.get_attribute(card(i), "data-heldout") for i in range(3)] == ["1", "1", "1"]
        assert "1 of 6 held out" in page.inner_text(card(0))
        assert "Ready: 3 of 16 photos held out" in page.inner_text("#train-own-said")
        assert "New output layer: 3 classes (was 10)" in page.inner_text("#train-own-output")
        page.locator("#train").screenshot(path=str(SHOTS / "train-own-desktop.png"))
        page.click("[data-own-action='camera']")  # off again before training
        page.wait_for_function(CAMERA_OFF)
        page.click(f"{card(0)} [data-own-action='snap']")  # "Take a photo" with the camera off turns it on
        wait_photos(page, 0, 7)
        page.select_option("#train select[name='data']", "builtin")  # the part closes: the camera goes off
        page.wait_for_function(CAMERA_OFF)
        page.select_option("#train select[name='data']", "own")  # the photos stayed in the tab
        page.wait_for_selector(card(2))
        assert [photos_in(page, i) for i in range(3)] == [7, 5, 5]
        page.click(f"{card(0)} [data-own-action='clear']")
        wait_photos(page, 0, 0)
        assert page.get_attribute("#train-own", "data-ready") == "0"
        page.set_input_files(f"{card(0)} .tr-own-file", files((200, 40, 40), 6))
        wait_photos(page, 0, 6)
        assert page.input_value("#train select[name='start']") == "transfer"
        # Transfer: a few steps on 13 photos; the held-out look counts its 3 photos.
        page.click("[data-train-action='start']")
        page.wait_for_function("['done', 'paused'].includes(document.querySelector('#train').dataset.state) || "
                               "+document.querySelector('#train').dataset.step >= 6", timeout=120_000)
        page.click("[data-train-action='pause']")
        page.wait_for_function("document.querySelector('#train').dataset.state !== 'training'")
        hooks = page.eval_on_selector("#train", "e => Object.assign({}, e.dataset)")
        assert int(hooks["step"]) >= 6 and hooks["heldoutAccuracy"] is not None
        assert page.locator(".tr-photo[data-heldout]").count() == 3
        page.set_viewport_size({"width": 390, "height": 844})
        page.locator("#train").screenshot(path=str(SHOTS / "train-own-phone.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.set_viewport_size(VIEWPORT)
        page.click("[data-train-action='use']")  # the explainer explains the trained network, in their names
        page.wait_for_function("document.getElementById('app')?.dataset.status === 'ready' && "
                               "document.querySelectorAll('[data-class][data-probability]').length === 3",
                               timeout=60_000)
        shown = read_probabilities(page)
        assert list(shown) == ["mug", "plant", "lamp"]
        assert sum(shown.values()) == pytest.approx(1, abs=1e-3)
        labels = page.eval_on_selector_all("#overview-svg text", "els => els.map(e => e.textContent)")
        assert {"mug", "plant", "lamp"} <= {label.strip() for label in labels}  # the output column's names
        context.close()
    finally:
        browser.close()


def test_axe_finds_nothing_serious_in_the_own_classes(browser, open_app):
    from test_accessibility import blocking_violations

    context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)  # the page's CSP refuses the injected axe
    try:
        page = context.new_page()
        open_own(page, open_app)
        page.set_input_files(f"{card(0)} .tr-own-file", files((200, 40, 40), 6))
        wait_photos(page, 0, 6)
        assert blocking_violations(page) == []
    finally:
        context.close()
