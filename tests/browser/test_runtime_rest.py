"""The runtime cut to what start-up imports (sitebuild/trim.py) still reads every photo, in the page and offline:
an own WebP photo needs Pillow's WebP plugin, which start-up does not import (Pillow comes whole, after ready)."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from explainer_page import read_probabilities, wait_until_started
from pyapp.images.preprocess import load_image


def rest_fetched(page) -> list[str]:
    return page.evaluate("explainer.history.filter(([, source]) => source === 'rest').map(([, , path]) => path)")


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
