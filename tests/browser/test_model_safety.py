""""Open a model..." refuses what it must before it costs anything: a file over the size limit is refused
with its size before it is read, a model is tried (one forward pass, finite probabilities) before it is
kept for the next visit, and a kept model that fails at start is dropped with a notice."""
from __future__ import annotations

import base64
import copy
import io
import json

import numpy as np
import pytest

from engine_fixtures import TINY_VGG
from explainer_page import read_probabilities, wait_until_started
from pyapp.engine.network import load_network, random_weights, save_network

KEY = "cnn-explainer-model"  # pyapp/page/model_open.py (it imports js: not importable here)
KEPT = f"sessionStorage.getItem('{KEY}')"


def notice(page) -> str:
    page.wait_for_selector("#notice:not([hidden])", timeout=30_000)
    return page.inner_text("#notice-text")


def test_a_model_file_over_the_limit_is_refused_with_its_size_before_it_is_read(page, open_app, tmp_path):
    open_app(page)
    before = read_probabilities(page)
    big = tmp_path / "model.json"
    with open(big, "wb") as f:
        f.truncate(60_000_000)  # sparse: nothing on disk, 60 MB to the browser
    page.set_input_files("#model-file", str(big))
    assert notice(page) == ("That model cannot be opened: model.json is 60.0 MB; a model file may be 50.0 MB at "
                            "most. The current model stays.")
    assert read_probabilities(page) == before and page.evaluate(KEPT) is None


@pytest.fixture(scope="module")
def overflowing_model(tmp_path_factory):
    """Weights all finite, but so large that the maps overflow to infinity and then NaN: the probabilities
    are not numbers."""
    description = copy.deepcopy(TINY_VGG)
    description["classes"], description["layers"][-2]["units"] = ["cat", "dog", "owl"], 3
    weights = random_weights(description, seed=2)
    for name in ("conv_1_1.weight", "conv_1_2.weight"):
        weights[name] *= np.float32(1e30)
    return save_network(tmp_path_factory.mktemp("overflow"), description, weights)


def test_a_model_that_fails_its_trial_is_not_kept_and_reloads_stay_on_the_built_in(page, open_app,
                                                                                     overflowing_model):
    open_app(page)
    before = read_probabilities(page)
    page.set_input_files("#model-file", [str(overflowing_model / "tiny_vgg.json"),
                                         str(overflowing_model / "tiny_vgg.npz")])
    assert notice(page) == ("That model cannot be opened: one forward pass gives probabilities that are not "
                            "numbers (its weights overflow). The current model stays.")
    assert page.evaluate(KEPT) is None and read_probabilities(page) == before
    page.reload()
    wait_until_started(page)
    assert read_probabilities(page) == pytest.approx(before, abs=1e-6)


def test_a_kept_model_that_fails_at_start_is_dropped_with_a_notice(page, open_app):
    open_app(page)
    before = read_probabilities(page)
    network = load_network()
    weights = {k: v.copy() for k, v in network.weights().items()}
    weights["conv_1_2.weight"][0, 0, 0, 0] = np.nan  # as a model kept by an older page could be
    buffer = io.BytesIO()
    np.savez(buffer, **weights)
    kept = json.dumps({"description": network.description, "weights": base64.b64encode(buffer.getvalue()).decode()})
    page.evaluate("([key, text]) => sessionStorage.setItem(key, text)", [KEY, kept])
    page.reload()
    assert notice(page) == ("The model you opened could not start (layer 'conv_1_2': 1 of the 900 values of "
                            "conv_1_2.weight are not finite numbers (NaN or infinity)), so the built-in model is "
                            "shown.")
    wait_until_started(page)
    assert page.evaluate(KEPT) is None
    assert read_probabilities(page) == pytest.approx(before, abs=1e-6)
    assert not page.is_visible("[data-action='builtin-model']")
