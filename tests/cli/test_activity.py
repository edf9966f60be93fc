"""How alive the maps are (pyapp.data.activity) and `python -m pyapp stats DIR`, on untrained networks."""
import json

import numpy as np
import pytest
from PIL import Image

from engine_fixtures import tiny_vgg_description
from pyapp.cli.main import main
from pyapp.data import activity
from pyapp.data.dataset import WNIDS
from pyapp.engine.network import load_network, random_weights, save_network
from pyapp.images.preprocess import load_image


def _network_with_a_dead_unit(directory, classes=None):
    """A random network whose conv_1_1 unit 3 can never fire (a bias far below any input's reach)."""
    description = tiny_vgg_description()
    if classes:
        description["classes"] = list(classes)
        description["layers"][-2]["units"] = len(classes)
    weights = random_weights(description, seed=4)
    weights["conv_1_1.bias"][3] = -1e3
    return load_network(save_network(directory, description, weights))


def _images(count, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((count, 64, 64, 3), dtype=np.float32)


def test_figures_are_those_of_the_trace_image_by_image(tmp_path):
    network = _network_with_a_dead_unit(tmp_path)
    images, labels = _images(7), np.array([0, 1, 2, 3, 4, 5, 6])
    figures = activity.activity(network, images, labels, batch=3)  # batches of 3 add up like one of 7
    traces = [network.forward(image) for image in images]
    assert figures["images"] == 7
    assert figures["accuracy"] == np.mean([t.probabilities.argmax() == c for t, c in zip(traces, labels)])
    assert [row["layer"] for row in figures["layers"]] == ["relu_1_1", "relu_1_2", "relu_2_1", "relu_2_2"]
    for row in figures["layers"]:
        maps = np.stack([t[row["layer"]] for t in traces])  # (7, 10, H, W)
        assert row["zero_pixels"] == pytest.approx(np.mean(maps == 0))
        assert row["zero_maps"] == pytest.approx(np.mean([[not m.any() for m in t] for t in maps]))
        assert row["dead_units"] == sum(not maps[:, c].any() for c in range(10)) and row["units"] == 10
    first = figures["layers"][0]
    # the dead unit is one blank map in ten on every image
    assert first["dead_units"] >= 1 and first["zero_maps"] >= 0.1


def test_targets_are_checked_in_every_layer(tmp_path):
    figures = activity.activity(_network_with_a_dead_unit(tmp_path), _images(4), np.zeros(4, int))
    worst_maps = max(row["zero_maps"] for row in figures["layers"])
    worst_pixels = max(row["zero_pixels"] for row in figures["layers"])
    assert activity.meets(figures, figures["accuracy"], worst_maps, worst_pixels)
    assert not activity.meets(figures, figures["accuracy"], worst_maps - 0.01, worst_pixels)
    assert not activity.meets(figures, figures["accuracy"], worst_maps, worst_pixels - 0.01)
    assert not activity.meets(figures, figures["accuracy"] + 0.01, 1, 1)


def _labelled_folder(root, folders, per_class=3):
    truth = {}
    for c, name in enumerate(folders):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            path = root / name / f"{i}.png"
            rng = np.random.default_rng(10 * c + i)
            Image.fromarray(rng.integers(0, 256, (50 + 10 * i, 70, 3), dtype=np.uint8)).save(path)
            truth[path] = c
    return truth


def test_stats_prints_the_table_for_the_folder(tmp_path, capsys):
    weights = tmp_path / "weights"
    network = _network_with_a_dead_unit(weights)
    truth = _labelled_folder(tmp_path / "data", [WNIDS[0], WNIDS[1], WNIDS[2]])
    assert main(["stats", "--weights", str(weights), str(tmp_path / "data")]) == 0
    lines = capsys.readouterr().out.splitlines()
    images = np.stack([load_image(p) for p in truth])
    figures = activity.activity(network, images, np.array(list(truth.values())))
    assert lines == activity.table_lines(figures)
    assert lines[-1] == f"accuracy: {figures['accuracy']:.1%} (9 images)"
    relu_1_1 = lines[1].split()
    assert relu_1_1[0] == "relu_1_1" and relu_1_1[1] == f"{figures['layers'][0]['zero_pixels']:.1%}"


def test_stats_reads_a_model_trained_on_named_folders_and_skips_bad_files(tmp_path, capsys):
    model = tmp_path / "model"
    _network_with_a_dead_unit(model, classes=["circle", "square", "triangle"])
    truth = _labelled_folder(tmp_path / "data", ["circle", "square", "triangle"], per_class=2)
    (tmp_path / "data" / "square" / "broken.jpg").write_bytes(b"\xff\xd8\xff not an image")
    assert main(["stats", "--model", str(model), "--json", str(tmp_path / "data")]) == 1
    captured = capsys.readouterr()
    figures = json.loads(captured.out)
    assert figures["images"] == len(truth) == 6 and figures["layers"][0]["dead_units"] >= 1
    assert "broken.jpg: " in captured.err and "1 image(s) could not be read" in captured.err


def test_stats_on_a_folder_without_the_classes_is_one_line(tmp_path, capsys):
    (tmp_path / "holiday").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "holiday" / "beach.png")
    weights = tmp_path / "weights"
    _network_with_a_dead_unit(weights)
    assert main(["stats", "--weights", str(weights), str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "no images of the 10 classes" in err and len(err.splitlines()) == 1
