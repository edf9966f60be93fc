"""A model with its own classes (2 to 20): the CLI, the State, the dataset reader, the article, the overview
and the build take the classes from the model description, never from the shipped ten."""
from __future__ import annotations

import copy
import json
import os
import re
import zipfile

import numpy as np
import pytest
from PIL import Image

import build
from engine_fixtures import TINY_VGG, write_random_network
from pyapp.cli.main import main
from pyapp.data import dataset
from pyapp.ui import geometry
from pyapp.engine.network import load_network
from pyapp.ui.state import State
from pyapp.views.article import article
from pyapp.views.widgets import overview

ANIMALS = ["cat", "dog", "owl"]
TWENTY = ["apple", "bicycle", "castle", "dolphin", "elephant", "fountain pen", "giraffe", "hamburger", "ice cream",
          "jellyfish", "kimono", "lighthouse", "mushroom", "necklace", "orangutan", "pretzel", "quilt",
          "red wine", "sunglasses", "a very long class name"]


def model_dir(tmp_path, classes, seed=0):
    description = copy.deepcopy(TINY_VGG)
    description["classes"] = list(classes)
    description["layers"][-2]["units"] = len(classes)
    return write_random_network(tmp_path / f"model-{len(classes)}", seed, description)


def photo_folders(root, classes, per_class=2):
    """<root>/<class name>/*.png: a labelled folder named by class, as a user makes one."""
    rng = np.random.default_rng(0)
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray(rng.integers(0, 256, (70, 90, 3), dtype=np.uint8)).save(root / name / f"{i}.png")
    return root


def test_state_accepts_only_the_networks_classes():
    assert State.from_url("image=owl&colors=module", ANIMALS) == State(image="owl", colors="module")
    assert State.from_url("image=pizza", ANIMALS).image == State().image  # not a class of this model
    assert State.from_url("image=pizza", dataset.CLASS_NAMES).image == "pizza"


def test_classify_and_evaluate_with_a_three_class_model(tmp_path, capsys):
    model = model_dir(tmp_path, ANIMALS)
    data = photo_folders(tmp_path / "photos", ANIMALS)
    assert main(["--model", str(model), "classify", "--json", str(data / "owl" / "0.png")]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["class"] in ANIMALS and len(record["probabilities"]) == 3
    assert main(["evaluate", "--model", str(model), str(data)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1].endswith("(6 images)") and all(f"\n{name} " in out for name in ANIMALS)


def test_labelled_folders_by_class_name_or_wnid(tmp_path):
    photo_folders(tmp_path / "a", ["dog", "cat"])
    assert [(s.path.parent.name, s.index) for s in dataset.labelled_images(tmp_path / "a", ANIMALS)] == \
        [("cat", 0), ("cat", 0), ("dog", 1), ("dog", 1)]
    photo_folders(tmp_path / "b", ["n01882714"], per_class=1)  # Tiny ImageNet's koala folder
    assert dataset.labelled_images(tmp_path / "b")[0].index == dataset.CLASS_NAMES.index("koala")
    with pytest.raises(dataset.DatasetError, match="no images of the 3 classes"):
        dataset.labelled_images(tmp_path / "b", ANIMALS)


def test_article_names_the_models_classes():
    description = copy.deepcopy(TINY_VGG)
    description["classes"] = ANIMALS
    raw = article.render(description)
    text = re.sub(r"<[^>]+>", "", raw[:raw.index('id="article-credits"')])  # the words a reader sees
    assert "knows three: cat, dog and owl." in text and "Click one of the three example images" in text
    assert "lifeboat" not in text and "espresso" not in text and "<!--class" not in raw  # the figures too


@pytest.mark.parametrize("classes", [ANIMALS[:2], ANIMALS, TWENTY])
def test_output_column_fits_2_to_20_classes_without_overlap(tmp_path, classes):
    network = load_network(model_dir(tmp_path, classes))
    trace = network.forward(np.random.default_rng(1).random((64, 64, 3), dtype=np.float32))
    text = overview.render(State(image="custom"), trace, network)
    rows = re.findall(r'<g class="output-class[^"]*" data-class="([^"]*)".*?<text [^>]*y="([\d.]+)".*?'
                      r'<rect [^>]*y="([\d.]+)" [^>]*height="([\d.]+)" class="output-bar"', text)
    assert [r[0] for r in rows] == classes
    half_text = 6.5  # 11-unit font, centred on its y
    previous_bottom = geometry.COLUMNS_TOP  # the band every column's maps share
    for _, text_y, bar_y, bar_h in rows:
        text_y, bar_y, bar_h = float(text_y), float(bar_y), float(bar_h)
        assert text_y - half_text > previous_bottom  # below the row above
        assert bar_y > text_y + half_text - 1 and bar_h >= 4  # the bar under its name, visible
        previous_bottom = bar_y + bar_h
    assert previous_bottom <= geometry.COLUMNS_TOP + geometry.COLUMNS_HEIGHT  # clear of the colour legends below
    assert (">a very long cla\u2026</text>" in text) == (classes == TWENTY)  # shortened to the margin's width


def test_import_rejects_more_than_twenty_classes(tmp_path):
    import numpy as np

    from pyapp.models.imports import ImportError_, Layers, finish

    out = Layers((16, 16, 1))
    out.add("flatten", {"name": "flatten", "type": "flatten"})
    out.dense("d", "d", np.zeros((21, 256), np.float32), None)
    with pytest.raises(ImportError_, match="21 outputs; the explainer shows 2 to 20 classes"):
        finish("m", out, None)


@pytest.mark.skipif(not os.environ.get("PYODIDE_WHEELS"), reason="no wheels folder (PYODIDE_WHEELS)")
def test_build_for_a_three_class_model_with_its_own_photos(tmp_path):
    model = model_dir(tmp_path, ANIMALS)
    data = photo_folders(tmp_path / "photos", ANIMALS)
    result = build.build(tmp_path / "dist", data=str(data), model=model, allow_download=False)
    out = result.out
    assert list(json.loads((out / "examples.json").read_text())) == ANIMALS
    html = (out / "index.html").read_text()
    assert [m for m in re.findall(r'data-example="([^"]+)"', html)] == ANIMALS
    words = re.sub(r"<[^>]+>", "", html)
    assert "knows three: cat, dog and owl" in words and "lifeboat" not in html[:html.index("article-credits")]
    zipped = next(out.glob("app-*.zip"))
    with zipfile.ZipFile(zipped) as z:  # the page loads the model from weights/ beside pyapp
        assert json.loads(z.read("weights/tiny_vgg.json"))["classes"] == ANIMALS


def test_build_refuses_a_model_folder_that_is_not_one(tmp_path):
    with pytest.raises(build.BuildError, match=r"--model .*tiny_vgg.json: not found"):
        build.build(tmp_path / "dist", model=tmp_path, use_dataset=False)
