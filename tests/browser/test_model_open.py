""""Open a model..." in the page: another model's files replace the built-in one, with no server; a bad
file leaves the current model with a notice."""
from __future__ import annotations

import copy
import re

import pytest

from engine_fixtures import TINY_VGG
from explainer_page import read_probabilities, wait_until_started
from pyapp.engine.network import load_network, random_weights, save_network

ANIMALS = ["cat", "dog", "owl"]


@pytest.fixture(scope="module")
def three_class_model(tmp_path_factory):
    description = copy.deepcopy(TINY_VGG)
    description["classes"], description["layers"][-2]["units"] = ANIMALS, 3
    folder = save_network(tmp_path_factory.mktemp("model"), description, random_weights(description, seed=4))
    return folder


def test_open_a_model_folder_then_go_back(page, open_app, site, three_class_model):
    open_app(page)
    built_in = read_probabilities(page)
    page.set_input_files("#model-file", [str(three_class_model / "tiny_vgg.json"),
                                         str(three_class_model / "tiny_vgg.npz")])
    page.wait_for_function("document.getElementById('model-status') && "
                           "document.getElementById('model-status').textContent.includes('3 classes')", timeout=60_000)
    wait_until_started(page)
    shown = read_probabilities(page)
    assert list(shown) == ANIMALS and abs(sum(shown.values()) - 1) < 1e-5
    # the built-in examples are not this model's classes: the page asks for an image, or shows the visitor's
    assert page.eval_on_selector_all("[data-example]", "els => els.length") == 0
    article = page.inner_text("#article")
    assert "knows three: cat, dog and owl" in article and "lifeboat, ladybug" not in article
    with page.expect_navigation(timeout=60_000):  # the page reloads on the built-in model
        page.click("[data-action='builtin-model']")
    wait_until_started(page)
    assert read_probabilities(page) == pytest.approx(built_in, abs=1e-6)


def test_a_bad_model_file_is_a_notice_and_the_model_stays(page, open_app, site, tmp_path):
    open_app(page)
    before = read_probabilities(page)
    bad = tmp_path / "model.json"
    bad.write_text('{"modelTopology": {"model_config": {"class_name": "Model"}}, "weightsManifest": []}')
    page.set_input_files("#model-file", str(bad))
    page.wait_for_selector("#notice:not([hidden])")
    assert re.match(r"That model cannot be opened: .*only Sequential models.*The current model stays",
                    page.inner_text("#notice"))
    assert read_probabilities(page) == before and list(before) == load_network().classes


def test_open_a_model_sits_beside_the_models_name_and_the_top_line_invites(page, open_app):
    """Issue 24 item 14: "Open a model…" beside the model's name, above the overview (not in the footer),
    and one line at the top that invites to pick an image, add one, or open a model."""
    open_app(page)
    assert page.inner_text("#model-name") == "Model: tiny_vgg (10 classes)."
    control = page.locator("label:has(#model-file)")
    assert page.locator(".site-footer #model-file").count() == 0
    assert control.bounding_box()["y"] < page.locator("#overview").bounding_box()["y"]
    invite = page.locator(".site-header .invite")
    assert "Pick an example below" in invite.inner_text()
    assert invite.locator("label[for='model-file']").count() == 1
    page.screenshot(path="/tmp/ux-shots/model-open-top.png")
    invite.locator("[data-action='upload']").click()  # the invitation's "add your own image" opens the upload dialog
    page.wait_for_selector("#upload-dialog[open]", timeout=5000)
