"""The Train panel (#train): built-in photos loaded when it is first opened, training in slices while the page
answers clicks, the curves, kernels and held-out strip follow, NaN-like losses stop it, the trained model is
used and downloaded. A few steps of three classes each: seconds of data."""
from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from explainer_page import read_probabilities

FAST = "#train&classes=0,1,2&batch=16&epochs=2"  # 180 training photos: 12 steps an epoch


def hooks(page) -> dict:
    return page.eval_on_selector("#train", "e => Object.assign({}, e.dataset)")


def open_panel(page, open_app, address=FAST):
    open_app(page, address)
    page.wait_for_function("document.querySelector('#train')?.dataset.state === 'idle'", timeout=60_000)


def test_panel_is_lazy_and_reached_from_the_header(page, open_app, site):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    open_app(page)
    assert page.query_selector("#train") is None  # not in the first page's DOM
    assert not any("trainset/" in url for url in requests)  # nor its photos downloaded
    page.click("a[href='#train']")
    page.wait_for_function("document.querySelector('#train')?.dataset.state === 'idle'", timeout=60_000)
    assert any("trainset/" in url for url in requests)
    assert page.evaluate("location.hash").startswith("#train")  # the address opens it again
    assert page.locator("#train input[name='class-0']").is_checked()


def test_a_few_steps_lower_the_loss_and_move_the_pictures(page, open_app):
    open_panel(page, open_app)
    page.click("[data-train-action='step']")
    page.wait_for_function("document.querySelector('#train').dataset.state === 'paused'")
    first = hooks(page)
    assert first["step"] == "1" and first["images"] == "16"
    kernels = page.eval_on_selector_all(".tr-kernel", "els => els.map(e => e.src)")
    strip = page.eval_on_selector_all(".tr-photo", "els => els.map(e => e.dataset.answer)")
    loss_path = page.get_attribute("[data-chart='loss'] path.tr-train", "d") or ""
    page.click("[data-train-action='start']")
    page.wait_for_function("+document.querySelector('#train').dataset.step >= 10", timeout=60_000)
    page.click("[data-train-action='pause']")
    page.wait_for_function("document.querySelector('#train').dataset.state === 'paused'")
    later = hooks(page)
    assert float(later["loss"]) < float(first["loss"])
    assert page.eval_on_selector_all(".tr-kernel", "els => els.map(e => e.src)") != kernels
    assert page.get_attribute("[data-chart='loss'] path.tr-train", "d") != loss_path
    assert page.eval_on_selector_all(".tr-photo", "els => els.map(e => e.dataset.answer)") != strip
    assert float(later["heldoutAccuracy"]) > 0.34  # better than guessing among three
