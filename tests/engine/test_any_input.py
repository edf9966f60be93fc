"""Inputs of any small CNN: square 16 to 128 px, grey or colour, with the model's own input normalisation.

Any photo is fitted to the model (pyapp.images.fit, checked against Pillow's area resize and grey conversion);
the description's normalisation (mean/std on [0, 1] or Keras' scale/offset on 0..255) is what the first layer
reads; the limits refuse what no model needs, in one line.
"""
from __future__ import annotations

import copy

import numpy as np
import pytest
from PIL import Image

from helpers import picture, run
from pyapp.engine.network import Network, NetworkError, network_from, random_weights, save_network
from pyapp.images.fit import fit_image

GREY_28 = {
    "name": "mnist_like", "input_shape": [28, 28, 1], "classes": [str(d) for d in range(10)],
    "layers": [
        {"name": "conv_1", "type": "conv2d", "filters": 4, "kernel_size": 3, "padding": "same"},
        {"name": "relu_1", "type": "relu"},
        {"name": "pool_1", "type": "max_pool2d", "pool_size": 2},
        {"name": "flatten", "type": "flatten"},
        {"name": "logits", "type": "dense", "units": 10},
        {"name": "probabilities", "type": "softmax"},
    ],
}


def with_normalization(spec):
    description = copy.deepcopy(GREY_28)
    description["normalization"] = spec
    return description


def exact_area(photo, size):
    """The exact area mean: every pixel split into size x size parts, then each output's block averaged."""
    fine = np.repeat(np.repeat(photo.astype(np.float64), size, axis=0), size, axis=1)  # (64 size, 64 size, C)
    n = photo.shape[0]
    return fine.reshape(size, n, size, n, -1).mean(axis=(1, 3))


@pytest.mark.parametrize("size", [16, 28, 32, 50])
def test_a_photo_shrinks_by_area_and_turns_grey_as_pillow_does(size):
    photo = np.random.default_rng(size).random((64, 64, 3)).astype(np.float32)
    photo = np.round(photo * 255) / 255  # 8-bit pixels, as every photo has
    colour = fit_image(photo, (size, size, 3))
    assert colour.shape == (size, size, 3)
    assert np.abs(colour - exact_area(photo, size)).max() < 1e-5
    grey = fit_image(photo, (size, size, 1))
    assert grey.shape == (size, size, 1)
    if size == 32:  # Pillow's BOX filter is the exact area mean at a whole ratio; convert("L") its grey
        im = Image.fromarray(np.round(photo * 255).astype(np.uint8)).resize((size, size), Image.BOX).convert("L")
        assert np.abs(grey[:, :, 0] - np.asarray(im, np.float32) / 255).max() <= 1.5 / 255  # Pillow rounds twice


def test_a_small_picture_grows_and_a_grey_one_becomes_colour():
    grey = np.linspace(0, 1, 16 * 16, dtype=np.float32).reshape(16, 16)
    out = fit_image(grey, (128, 128, 3))
    assert out.shape == (128, 128, 3) and np.array_equal(out[..., 0], out[..., 2])
    assert out.min() >= 0 and out.max() <= 1 and np.all(np.diff(out[0, :, 0]) >= 0)  # no ringing


def test_a_grey_model_classifies_any_colour_photo():
    net = Network(GREY_28, random_weights(GREY_28, seed=0))
    photo = np.random.default_rng(0).random((64, 64, 3)).astype(np.float32)
    trace = net.forward(photo)
    assert trace["input"].shape == (1, 28, 28)
    assert np.allclose(trace["input"][0], fit_image(photo, (28, 28, 1))[:, :, 0])
    batch = net.predict(np.stack([photo, photo[::-1]]))
    assert batch.shape == (2, 10) and np.allclose(batch[0], trace.probabilities, atol=1e-6)


def test_mean_and_std_normalise_what_the_first_layer_reads():
    weights = random_weights(GREY_28, seed=1)
    plain = Network(GREY_28, weights)
    normalised = Network(with_normalization({"mean": [0.1307], "std": [0.3081]}), weights)  # MNIST's
    photo = np.random.default_rng(1).random((28, 28, 1)).astype(np.float32)
    trace = normalised.forward(photo)
    assert np.allclose(trace["input"][0], (photo[:, :, 0] - 0.1307) / 0.3081, atol=1e-6)
    assert np.allclose(trace.probabilities, plain.forward((photo - 0.1307) / 0.3081).probabilities, atol=1e-6)
    assert normalised.input_range == pytest.approx((-0.1307 / 0.3081, (1 - 0.1307) / 0.3081))
    # Keras' Rescaling(1/255) on 0..255 pixels is the picture itself; scale 1/127.5, offset -1 is [-1, 1]
    keras = Network(with_normalization({"scale": 1 / 127.5, "offset": -1}), weights)
    assert np.allclose(keras.forward(photo)["input"][0], photo[:, :, 0] * 2 - 1, atol=1e-6)
    same = Network(with_normalization({"scale": 1 / 255}), weights)
    assert np.allclose(same.forward(photo).probabilities, plain.forward(photo).probabilities, atol=1e-6)


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.update(normalization={"mean": [0.5], "std": [0]}), "normalization: std must be a number from 1e-06"),
    (lambda d: d.update(normalization={"mean": [0.5, 0.5], "std": [0.2, 0.2]}), "needs 1 or 1 numbers"),
    (lambda d: d.update(normalization={"scale": 0}), "a scale of 0"),
    (lambda d: d.update(normalization={"scale": "1/255"}), "scale must be a number"),
    (lambda d: d.update(normalization=[0.5]), "normalization must be"),
    (lambda d: d.update(input_shape=[28, 32, 1]), "square images, not 28x32"),
    (lambda d: d.update(input_shape=[8, 8, 1]), "input height and width 8 is out of range: the explainer takes 16 to 128"),
])
def test_absurd_inputs_are_refused_in_one_line(edit, message):
    description = copy.deepcopy(GREY_28)
    edit(description)
    with pytest.raises(NetworkError) as caught:
        network_from(description, random_weights(GREY_28, seed=0))
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_the_command_line_feeds_any_photo_to_a_grey_model(tmp_path):
    folder = save_network(tmp_path / "model", with_normalization({"mean": 0.5, "std": 0.25}),
                          random_weights(GREY_28, seed=2))
    result = run("classify", "--weights", folder, picture(tmp_path / "a.png", 0, (90, 60)), "--json")
    assert result.returncode == 0, result.stderr
    assert '"probabilities"' in result.stdout and len(result.stdout.splitlines()) == 1
