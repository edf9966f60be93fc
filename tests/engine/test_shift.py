"""Moving the picture (pyapp.engine.shift) and `python -m pyapp shift DIR`: the shift against a plain
slicing of the array, and the CLI's figures against answers computed image by image, direction by direction."""
import json

import numpy as np
import pytest
from PIL import Image

from engine_fixtures import tiny_vgg_description
from pyapp.cli.main import main
from pyapp.data.dataset import WNIDS
from pyapp.engine.network import load_network, random_weights, save_network
from pyapp.engine.shift import shifted, top_class_curve
from pyapp.images.preprocess import load_image

MLP = {"name": "mlp", "input_shape": [64, 64, 3], "classes": None, "layers": [
    {"name": "flatten", "type": "flatten"}, {"name": "hidden", "type": "dense", "units": 8},
    {"name": "relu", "type": "relu"}, {"name": "logits", "type": "dense", "units": 10},
    {"name": "probabilities", "type": "softmax"}]}


def moved_by_slicing(image, dx, dy):
    """The reference: a canvas of the mean colour with the image pasted dx right and dy down."""
    h, w, _ = image.shape
    out = np.empty_like(image)
    out[:] = image.mean(axis=(0, 1))
    out[max(0, dy):h + min(0, dy), max(0, dx):w + min(0, dx)] = image[max(0, -dy):h - max(0, dy),
                                                                      max(0, -dx):w - max(0, dx)]
    return out


@pytest.mark.parametrize("dx, dy", [(0, 0), (4, 0), (-4, 0), (0, 8), (0, -8), (3, -5), (-63, 2), (70, 0)])
def test_a_shift_moves_the_pixels_and_fills_the_border_with_the_mean_colour(dx, dy):
    image = np.random.default_rng(1).random((64, 64, 3), dtype=np.float32)
    expected = moved_by_slicing(image, max(-64, min(64, dx)), dy)
    np.testing.assert_array_equal(shifted(image, dx, dy), expected)
    # one image with many shifts, and many images with one shift, give the same pictures
    batch = shifted(image, np.array([0, dx]), np.array([0, dy]))
    np.testing.assert_array_equal(batch[1], expected)
    np.testing.assert_array_equal(shifted(np.stack([image, image[::-1]]), dx, dy)[1],
                                  moved_by_slicing(image[::-1], max(-64, min(64, dx)), dy))


def test_the_plot_curve_is_the_probability_on_each_shifted_image(network):
    image = np.random.default_rng(2).random((64, 64, 3), dtype=np.float32)
    target, curve = top_class_curve(network, image, np.arange(-3, 4))
    assert target == int(network.forward(image).probabilities.argmax())
    for i, dx in enumerate(range(-3, 4)):
        expected = network.forward(moved_by_slicing(image, dx, 0)).probabilities[target]
        assert curve[i] == pytest.approx(expected, abs=1e-6)


def _folder(root, per_class=3):
    rng = np.random.default_rng(5)
    for c, wnid in enumerate(WNIDS[:3]):
        (root / wnid).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
            pixels[10 + 5 * c:30 + 5 * c, 20:40] = (255, 40 * c, 0)  # a block, so a shift changes something
            Image.fromarray(pixels).save(root / wnid / f"{i}.png")
    return root


def test_shift_cli_prints_the_share_of_kept_answers_for_both_networks(tmp_path, capsys):
    cnn = load_network(save_network(tmp_path / "cnn", tiny_vgg_description(), random_weights(tiny_vgg_description(), 3)))
    mlp_description = {**MLP, "classes": cnn.classes}
    mlp = load_network(save_network(tmp_path / "mlp", mlp_description, random_weights(mlp_description, 4)))
    data = _folder(tmp_path / "data")
    paths = sorted(data.rglob("*.png"))
    images = [load_image(p) for p in paths]
    labels = [WNIDS.index(p.parent.name) for p in paths]
    for pixels in (0, 4, 8):
        assert main(["shift", str(data), "--model", str(tmp_path / "cnn"), "--mlp", str(tmp_path / "mlp"),
                     "--pixels", str(pixels), "--json"]) == 0
        rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert [r["network"] for r in rows] == ["tiny_vgg", "mlp"]
        for row, network in zip(rows, (cnn, mlp)):
            answers = [int(network.forward(im).probabilities.argmax()) for im in images]
            kept = [int(network.forward(moved_by_slicing(im, dx * pixels, dy * pixels)).probabilities.argmax()) == a
                    for im, a in zip(images, answers) for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1))]
            assert row == {"network": network.name, "pixels": pixels, "kept": pytest.approx(np.mean(kept)),
                           "accuracy": pytest.approx(np.mean(np.array(answers) == labels))}
        if pixels == 0:
            assert all(r["kept"] == 1.0 for r in rows)
    assert main(["shift", str(data), "--model", str(tmp_path / "cnn"), "--mlp", str(tmp_path / "mlp")]) == 0
    text = capsys.readouterr().out
    assert "tiny_vgg" in text and "mlp" in text and "answer kept when moved 4 px" in text


def test_shift_cli_refuses_a_shift_beyond_the_frame_in_one_line(tmp_path, capsys):
    assert main(["shift", str(tmp_path), "--pixels", "64"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "error: --pixels must be from 0 to 63"
