"""The runtime cut to what start-up imports (sitebuild/trim.py) still reads every photo, in the page and offline:
an own WebP photo needs Pillow's WebP plugin, which start-up does not import (Pillow comes whole, after ready)."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from explainer_page import read_probabilities, rest_fetched, wait_until_started
from pyapp.images.preprocess import load_image


def upload(page, path) -> None:
    page.click("[data-custom]")
    page.set_input_files("#upload-file", str(path))
    page.wait_for_function("document.querySelector('[data-custom] img') !== null")


@pytest.mark.parametrize("offline", [False, True])
def test_an_own_webp_photo_is_read_also_offline(site, context, open_app, native,
                                                                               tmp_path, offline):
    photo = tmp_path / "photo.webp"
    Image.fromarray(np.random.default_rng(3).integers(0, 256, (50, 70, 3), dtype=np.uint8)).save(photo, lossless=True)
    page = context.new_page()
    open_app(page)
    assert rest_fetched(page) == []  # start-up and the first screen need none of it
    if offline:
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # precache complete and active
        context.set_offline(True)
        page.reload()
        wait_until_started(page)
    try:
        upload(page, photo)
        assert rest_fetched(page) == []
        assert read_probabilities(page) == pytest.approx(native.probabilities_of(load_image(photo)), abs=1e-5)
    finally:
        context.set_offline(False)


@pytest.mark.parametrize("offline", [False, True])
def test_training_fetches_numpy_random_and_its_libraries_on_first_use_also_offline(context, open_app, offline):
    """numpy.random's libraries are not in the start-up wheel (sitebuild/trim.py): the first training step
    fetches them, as files of their own, checked; offline, from the service worker's copy (after a visit that
    opened the Train panel once, which keeps its photos)."""
    page = context.new_page()
    open_app(page)
    assert rest_fetched(page) == []  # nor any library: only NumPy's core is loaded at start
    page.evaluate("location.hash = '#train&classes=0,1&batch=8&epochs=1'")
    page.wait_for_function("document.querySelector('#train')?.dataset.state === 'idle'", timeout=60_000)
    if offline:
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # precache complete and active
        context.set_offline(True)
        page.reload()
        wait_until_started(page)
        page.wait_for_function("document.querySelector('#train')?.dataset.state === 'idle'", timeout=60_000)
    try:
        page.click("[data-train-action='step']")
        page.wait_for_function("document.querySelector('#train').dataset.state === 'paused'", timeout=60_000)
        assert float(page.eval_on_selector("#train", "e => e.dataset.loss")) > 0
        fetched = rest_fetched(page)
        assert any(path.endswith("/numpy.random._generator.wasm") for path in fetched)
        assert not any("linalg" in path for path in fetched)  # imported at start, never used by the page
    finally:
        context.set_offline(False)
