"""Training on a plain folder of class folders (issue 13): a few epochs on generated pictures of shapes, the
model folder the engine loads, the run split into resumable chunks, and one-line messages for bad folders."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pyapp.data import activity
from pyapp.engine.network import load_network
from pyapp.images.preprocess import load_image

pytest.importorskip("torch")
from training import train  # noqa: E402

SHAPES = ("circle", "square", "triangle")


def _shape_picture(kind: str, rng: np.random.Generator) -> Image.Image:
    """A coloured shape on a noisy background, at a random place, size and picture size."""
    w, h = int(rng.integers(48, 120)), int(rng.integers(48, 120))
    background = rng.integers(0, 90, (h, w, 3), dtype=np.uint8)
    im = Image.fromarray(background)
    draw = ImageDraw.Draw(im)
    side = min(w, h)
    r = side * rng.uniform(0.25, 0.4)
    cx, cy = w / 2 + rng.uniform(-0.1, 0.1) * side, h / 2 + rng.uniform(-0.1, 0.1) * side
    colour = tuple(int(v) for v in rng.integers(150, 256, 3))
    if kind == "circle":
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
    elif kind == "square":
        draw.rectangle([cx - r, cy - r, cx + r, cy + r], fill=colour)
    else:
        draw.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=colour)
    return im


def _write_shapes(root, per_class: int = 30, classes=SHAPES, seed: int = 0):
    rng = np.random.default_rng(seed)
    for kind in classes:
        (root / kind).mkdir(parents=True)
        for i in range(per_class):
            _shape_picture(kind if kind in SHAPES else SHAPES[i % 3], rng).save(
                root / kind / f"{kind}_{i}.{'png' if i % 2 else 'jpg'}")
    return root


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    root = _write_shapes(tmp_path_factory.mktemp("shapes"))
    (root / "square" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a picture")
    (root / "notes.txt").write_text("not a class folder")
    return root


FAST = ["--epochs", "10", "--warmup-epochs", "1", "--batch-size", "8", "--lr", "0.01", "--ema-decay", "0"]


def test_a_folder_of_shapes_trains_into_a_model_folder_the_engine_loads(shapes, tmp_path, capsys):
    out = tmp_path / "model"
    assert train.main(["--data", str(shapes), "--out", str(out), *FAST]) == 0
    printed = capsys.readouterr().out
    assert "1 unreadable left out" in printed and "broken.jpg" in printed
    network = load_network(out)
    assert network.classes == list(SHAPES) and network.parameter_count == 19_920 - 7 * 1691
    description = json.loads((out / "tiny_vgg.json").read_text())
    assert description["layers"][-2] == {"name": "logits", "type": "dense", "units": 3}
    card = json.loads((out / "model_card.json").read_text())
    assert card["classes"] == list(SHAPES) and card["wnids"] is None and card["skipped_images"] == 1
    assert card["train_images"] + card["val_images"] == 90 and card["val_images"] == 18  # 20% of each class
    # it learnt the shapes: far above chance (1/3) on the held-out pictures, as the engine computes it
    assert card["val_accuracy"] >= 0.7, card["val_accuracy"]
    assert card["activity"]["accuracy"] == pytest.approx(card["val_accuracy"])
    # the card's table is the one `python -m pyapp stats` prints for these weights
    markdown = (out / "MODEL_CARD.md").read_text()
    assert all(name in markdown for name in SHAPES) and "all-zero maps" in markdown
    for line in activity.table_lines(card["activity"]):
        assert line in printed
    # the engine's probabilities on a new picture of each shape
    rng = np.random.default_rng(99)
    for kind in SHAPES:
        path = tmp_path / f"new_{kind}.png"
        _shape_picture(kind, rng).save(path)
        assert network.forward(load_image(path))["probabilities"].shape == (3,)


def test_a_run_in_resumable_chunks_gives_the_same_weights(shapes, tmp_path, capsys):
    argv = ["--data", str(shapes), "--epochs", "3", "--warmup-epochs", "1", "--batch-size", "32"]
    assert train.main(argv + ["--out", str(tmp_path / "straight")]) == 0
    chunked = argv + ["--out", str(tmp_path / "chunked"), "--resume", str(tmp_path / "run.pt"), "--time-limit", "0"]
    assert train.main(chunked) == train.PAUSED  # a zero time limit stops after every epoch
    assert train.main(chunked) == train.PAUSED
    assert not (tmp_path / "chunked" / "tiny_vgg.npz").exists()
    assert train.main(chunked) == 0
    assert "resumed from" in capsys.readouterr().out
    assert (tmp_path / "chunked" / "tiny_vgg.npz").read_bytes() == (tmp_path / "straight" / "tiny_vgg.npz").read_bytes()
    # the checkpoint refuses a run with other settings, in one line
    assert train.main(chunked[:-2] + ["--lr", "0.5"]) == 2
    err = capsys.readouterr().err
    assert "another run's checkpoint" in err and "lr" in err and len(err.splitlines()) == 1


def _error_of(data, tmp_path, capsys) -> str:
    assert train.main(["--data", str(data), "--out", str(tmp_path / "out"), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "out" / "tiny_vgg.npz").exists()
    return err


def test_too_few_images_in_a_class_says_how_many_are_needed(tmp_path, capsys):
    data = _write_shapes(tmp_path / "data", per_class=12)
    for extra in sorted((data / "circle").iterdir())[3:]:
        extra.unlink()
    assert "class 'circle' has 3 readable image(s); at least 10 per class" in _error_of(data, tmp_path, capsys)


def test_one_class_only_is_refused(tmp_path, capsys):
    data = _write_shapes(tmp_path / "data", per_class=10, classes=("circle",))
    assert "only one class (circle)" in _error_of(data, tmp_path, capsys)


def test_more_than_twenty_classes_are_refused(tmp_path, capsys):
    data = tmp_path / "data"
    for c in range(21):
        (data / f"class{c:02d}").mkdir(parents=True)
        Image.new("RGB", (8, 8), (c, 0, 0)).save(data / f"class{c:02d}" / "a.png")
    assert "21 classes; at most 20" in _error_of(data, tmp_path, capsys)


def test_a_folder_without_class_folders_is_refused(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "data" / "loose.png")
    assert "no class folders with images" in _error_of(tmp_path / "data", tmp_path, capsys)
