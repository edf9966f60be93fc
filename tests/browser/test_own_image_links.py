"""The visitor's own image beyond the dialog's file and address: a link that carries an image_url
(at start-up, in an embed, on a running page) and a photo from the camera."""
from __future__ import annotations

import base64
import html
import io
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
from PIL import Image

from explainer_page import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, app_status, read_probabilities, wait_until_started
from pyapp.images.preprocess import load_image
from pyapp.ui.state import State

SHOTS = Path("/tmp/shots-ownimage")
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def pictures(site):
    """Two photos served by the site itself (same origin, so the page may read them)."""
    SHOTS.mkdir(exist_ok=True)
    folder = site.dir / "test-links"
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(11)
    for name, size in (("first.png", (80, 100)), ("second.png", (70, 70))):
        Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(folder / name)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def link(address: str, **extra) -> str:
    fields = [f"image=custom&image_url={quote(address, safe='')}"] + [f"{k}={v}" for k, v in extra.items()]
    return "#" + "&".join(fields)


def wait_for_custom(page) -> None:
    page.wait_for_function("document.querySelector('[data-custom]').classList.contains('active')", timeout=20000)


def address(page) -> State:
    return State.from_url(page.evaluate("location.hash"))


def notice(page) -> str:
    page.wait_for_selector("#notice:not([hidden])", timeout=20000)
    return page.inner_text("#notice-text")


def test_a_link_with_an_image_url_shows_that_image_and_keeps_it(browser, site, native, pictures):
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")  # page.route sees every fetch
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url.rstrip("/"))
    page = context.new_page()
    first, second = site.url + "test-links/first.png", site.url + "test-links/second.png"
    held = []
    page.route("**/test-links/first.png", lambda route: held.append(route))  # a slow server: answered later
    page.goto(site.url + link(first, embed=1))
    # The first screen does not wait for the download: the default example, and a note of what is coming.
    wait_until_started(page)
    assert read_probabilities(page) == pytest.approx(native.probabilities("espresso"), abs=1e-5)
    assert "Loading the image of this link" in notice(page)
    assert address(page).image_url == first  # the address still asks for it (Reload, a copied link)
    page.screenshot(path=str(SHOTS / "link-loading.png"))
    held[0].fulfill(path=str(pictures / "first.png"))
    wait_for_custom(page)
    assert read_probabilities(page) == pytest.approx(native.probabilities_of(load_image(pictures / "first.png")),
                                                     abs=1e-5)
    assert address(page) == State(image="custom", image_url=first, embed=True)
    assert not page.is_visible("#notice")
    assert State.from_url(page.get_attribute("#embed-full", "href").split("#", 1)[1]).image_url == first

    # On a running page (hashchange), outside embed mode: the new image, and "Copy embed code" keeps it.
    page.evaluate("hash => { location.hash = hash; }", link(second))
    expected = native.probabilities_of(load_image(pictures / "second.png"))
    page.wait_for_function("want => Math.abs(+document.querySelector('[data-class][data-probability]')"
                           ".dataset.probability - want) < 1e-5", arg=expected[native.network.classes[0]])
    assert read_probabilities(page) == pytest.approx(expected, abs=1e-5)
    assert address(page).image_url == second
    page.click("#embed-copy")
    page.wait_for_function("document.querySelector('#embed-status').textContent.includes('copied')")
    src = html.unescape(re.search(r'<iframe src="([^"]+)"', page.evaluate("navigator.clipboard.readText()")).group(1))
    assert State.from_url(src.split("#", 1)[1]) == State(image="custom", image_url=second, embed=True)

    # A link whose image cannot be had: said plainly, the default example, an address that Reload can use.
    failing = context.new_page()
    failing.goto(site.url + link(site.url + "test-links/missing.png", view="relu", layer="relu_1_1", neuron=2))
    wait_until_started(failing)
    failing.wait_for_function("document.getElementById('notice-text').textContent.includes('could not be shown')",
                              timeout=20000)
    message = notice(failing)
    assert "not found" in message and "espresso example is shown instead" in message and "Traceback" not in message
    assert read_probabilities(failing) == pytest.approx(native.probabilities("espresso"), abs=1e-5)
    assert address(failing) == State(image="espresso", view="relu", layer="relu_1_1", neuron=2)
    assert app_status(failing) == "ready"
    failing.screenshot(path=str(SHOTS / "link-failed.png"))
    context.close()


def frame_taken(page) -> bytes:
    """The PNG the shutter made (the dialog's canvas keeps the frame)."""
    url = page.evaluate("document.getElementById('upload-frame').toDataURL('image/png')")
    return base64.b64decode(url.split(",", 1)[1])


def camera_stopped(page) -> bool:
    return page.evaluate("window.cameraStream.getTracks().every(track => track.readyState === 'ended')")


# Keeps the stream the page gets, so the test can see that the camera was turned off.
WATCH_STREAM = """() => { const get = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (c) => (window.cameraStream = await get(c)); }"""


def test_take_a_photo_with_the_camera_or_be_told_why_not(playwright_instance, site, native, open_app, pictures):
    # Chromium's fake camera: a moving test pattern; the permission is the test's to give or refuse.
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM,
                                                  args=CHROMIUM_ARGS + ["--use-fake-device-for-media-stream"])
    try:
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        open_app(page)
        page.click("[data-custom]")
        page.wait_for_selector("#upload-camera:not([hidden])")
        assert not page.is_visible("#upload-capture-button")  # a computer: the live preview, not a file picker
        page.screenshot(path=str(SHOTS / "dialog-desktop.png"))
        # Refused (no permission given): said plainly, the dialog's other ways still there, nothing else changed.
        page.click("#upload-camera")
        page.wait_for_selector("#upload-error:not([hidden])", timeout=20000)
        assert "camera is blocked" in page.inner_text("#upload-error")
        assert page.is_visible("#upload-url") and page.is_visible("#upload-camera")
        page.screenshot(path=str(SHOTS / "camera-refused.png"))
        page.click("#upload-cancel")
        assert read_probabilities(page) == pytest.approx(native.probabilities("espresso"), abs=1e-5)

        context.grant_permissions(["camera"], origin=site.url.rstrip("/"))
        page.evaluate(WATCH_STREAM)
        page.click("[data-custom]")
        page.click("#upload-camera")
        page.wait_for_selector("#upload-shutter:not([disabled])", timeout=20000)
        page.wait_for_function("document.getElementById('upload-video').videoWidth > 0")
        page.screenshot(path=str(SHOTS / "camera-preview.png"))
        page.keyboard.press("Escape")  # closing the dialog turns the camera off
        page.wait_for_function("window.cameraStream.getTracks().every(t => t.readyState === 'ended')")
        page.click("[data-custom]")
        page.click("#upload-camera")
        page.wait_for_selector("#upload-shutter:not([disabled])", timeout=20000)
        page.click("#upload-shutter")
        wait_for_custom(page)
        assert not page.evaluate("document.getElementById('upload-dialog').open")
        assert camera_stopped(page)
        photo = frame_taken(page)
        assert Image.open(io.BytesIO(photo)).size == (640, 480)  # the camera's own resolution
        assert read_probabilities(page) == pytest.approx(native.probabilities_of(load_image(photo)), abs=1e-5)
        context.close()

        # A phone: "Take a photo" is the file input that opens its camera app (capture), no live preview.
        phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
        page = phone.new_page()
        open_app(page)
        page.click("[data-custom]")
        page.wait_for_selector("#upload-capture-button:not([hidden])")
        assert page.get_attribute("#upload-capture", "capture") == "environment"
        assert not page.is_visible("#upload-camera")
        page.screenshot(path=str(SHOTS / "dialog-phone.png"))
        page.set_input_files("#upload-capture", str(pictures / "second.png"))
        wait_for_custom(page)
        assert read_probabilities(page) == pytest.approx(native.probabilities_of(load_image(pictures / "second.png")),
                                                         abs=1e-5)
        phone.close()
    finally:
        browser.close()


@pytest.mark.parametrize("when", ["at start-up", "on a running page"])
def test_a_link_to_the_senders_own_photo_says_it_cannot_travel(page, open_app, native, when):
    """Issue 24 item 5: #image=custom with no image_url (the sender uploaded a file) says so, with the
    upload button, instead of silently showing an example."""
    SHOTS.mkdir(exist_ok=True)
    if when == "at start-up":
        open_app(page, "#image=custom")
    else:
        open_app(page, "#image=koala")
        page.evaluate("location.hash = '#image=custom'")
    message = notice(page)
    assert "sender's own photo, which cannot travel in a link" in message
    shown = "espresso" if when == "at start-up" else "koala"
    assert f"the {shown} example is shown instead" in message
    assert read_probabilities(page) == pytest.approx(native.probabilities(shown), abs=1e-5)
    page.screenshot(path=str(SHOTS / f"photo-not-in-link-{when.replace(' ', '-')}.png"))
    page.click("#notice [data-action='upload']")  # the upload button opens the dialog
    page.wait_for_selector("#upload-dialog[open]", timeout=5000)


def test_a_tiny_image_is_said_to_be_enlarged(page, open_app, tmp_path):
    """Issue 24 item 9: a 10x10 image is not stretched to 64x64 without a word."""
    path = tmp_path / "tiny.png"
    Image.fromarray(np.random.default_rng(3).integers(0, 256, (10, 10, 3), dtype=np.uint8)).save(path)
    open_app(page)
    page.click("[data-custom]")
    page.set_input_files("#upload-file", str(path))
    wait_for_custom(page)
    message = notice(page)
    assert "only 10\u00d710 pixels" in message and "enlarged to the network's 64\u00d764 input" in message
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "tiny-image-enlarged.png"))


def test_the_plus_tile_stays_after_an_upload(page, open_app, pictures):
    """Issue 24 item 9: after an upload the slot shows the visitor's image and "+" stays beside it."""
    open_app(page)
    page.click("[data-custom]")
    page.set_input_files("#upload-file", str(pictures / "first.png"))
    wait_for_custom(page)
    plus = page.locator("#examples .add-another[data-action='upload']")
    assert plus.is_visible() and "Add another image" in plus.inner_text()
    page.click("[data-example='koala']")  # an example: the visitor's image keeps its slot, and "+" its place
    page.wait_for_function("!document.querySelector('[data-custom]').classList.contains('active')")
    assert page.locator("[data-custom] img").count() == 1 and plus.is_visible()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "plus-tile-stays.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 260})
    plus.click()
    page.wait_for_selector("#upload-dialog[open]", timeout=5000)
