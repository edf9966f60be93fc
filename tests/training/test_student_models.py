"""Proof on the networks a student meets first (issue 21 item 5): each is built in its own framework, trained for
seconds on generated pictures, exported, imported with ``python -m pyapp import`` (whose parity check must pass),
and then classifies held-out pictures exactly as its framework does. One of them is built into the site.

PyTorch's CIFAR-10 tutorial net (state_dict and ONNX), the Keras MNIST convnet (.keras: 28x28x1, dropout between
flatten and dense), LeNet-5 (ONNX: tanh, average pooling, three dense layers), a VGG-style net (Keras 2 .h5: same
padding, batch normalisation, 32 filters) and a net ending in global average pooling (state_dict).
"""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

import student_models as sm
from helpers import run
from pyapp.engine.network import load_network

torch = pytest.importorskip("torch")
CLASSES = ",".join(sm.CLASSES)


def _torch_probabilities(model, images):
    with torch.no_grad():
        return torch.softmax(model(torch.from_numpy(images.transpose(0, 3, 1, 2).copy())), 1).numpy()


def _onnx(model, path, size, channels):
    torch.onnx.export(model, (torch.rand(1, channels, size, size),), path, dynamo=False, input_names=["image"],
                      output_names=["scores"])
    return path


def cifar_state_dict(folder):
    model = sm.train_torch(sm.cifar_tutorial(), 32, 3)
    torch.save(model.state_dict(), folder / "cifar.pt")
    return (folder / "cifar.pt", ["--layers", sm.CIFAR_WORDS, "--input-size", "32"],
            lambda x: _torch_probabilities(model, x), (32, 3))


def cifar_onnx(folder):
    model = sm.train_torch(sm.cifar_tutorial(), 32, 3, seed=1)
    return _onnx(model, folder / "cifar.onnx", 32, 3), [], lambda x: _torch_probabilities(model, x), (32, 3)


def lenet_onnx(folder):
    model = sm.train_torch(sm.lenet5(), 28, 1)
    return _onnx(model, folder / "lenet.onnx", 28, 1), [], lambda x: _torch_probabilities(model, x), (28, 1)


def global_pooling_state_dict(folder):
    model = sm.train_torch(sm.global_pooling_net(), 32, 3)
    torch.save(model.state_dict(), folder / "gap.pt")
    return (folder / "gap.pt", ["--layers", sm.GAP_WORDS, "--input-size", "32"],
            lambda x: _torch_probabilities(model, x), (32, 3))


def keras_mnist(folder):
    keras = pytest.importorskip("keras")
    model = sm.train_keras(sm.keras_mnist(keras), 28, 1, pixel_scale=255)
    model.save(folder / "mnist.keras")
    return folder / "mnist.keras", [], lambda x: model.predict(x * 255, verbose=0), (28, 1)


def keras_vgg(folder):
    keras = pytest.importorskip("keras")
    model = sm.train_keras(sm.keras_vgg(keras), 32, 3)
    model.save(folder / "vgg.h5")
    return folder / "vgg.h5", [], lambda x: model.predict(x, verbose=0), (32, 3)


MODELS = {"cifar-tutorial-state-dict": cifar_state_dict, "cifar-tutorial-onnx": cifar_onnx,
          "lenet5-onnx": lenet_onnx, "global-pooling-state-dict": global_pooling_state_dict,
          "keras-mnist": keras_mnist, "keras-vgg-h5": keras_vgg}
EXPECTED_KINDS = {
    "cifar-tutorial-state-dict": ["conv2d", "relu", "max_pool2d", "conv2d", "relu", "max_pool2d", "flatten", "dense",
                                  "relu", "dense", "relu", "dense", "softmax"],
    "lenet5-onnx": ["conv2d", "tanh", "avg_pool2d", "conv2d", "tanh", "avg_pool2d", "flatten", "dense", "tanh",
                    "dense", "tanh", "dense", "softmax"],
    "global-pooling-state-dict": ["conv2d", "relu", "max_pool2d", "conv2d", "relu", "conv2d", "global_avg_pool",
                                  "softmax"],
    "keras-mnist": ["conv2d", "relu", "max_pool2d", "conv2d", "relu", "max_pool2d", "flatten", "dropout", "dense",
                    "softmax"],
    "keras-vgg-h5": ["conv2d", "batch_norm", "relu", "max_pool2d", "conv2d", "batch_norm", "relu", "max_pool2d",
                     "flatten", "dense", "relu", "dropout", "dense", "softmax"],
}


@pytest.fixture(scope="module", params=sorted(MODELS))
def imported(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    path, options, framework, (size, channels) = MODELS[request.param](folder)
    result = run("import", path, "-o", folder / "model", "--classes", CLASSES, *options, timeout=300)
    return request.param, result, folder / "model", framework, (size, channels)


def test_each_student_model_imports_with_the_parity_check_passed(imported):
    name, result, model, _, (size, channels) = imported
    assert result.returncode == 0, result.stderr
    assert re.search(r"parity: the engine and (PyTorch|ONNX's reference evaluator|Keras) agree on 3 random images "
                     r"to \d\.\de-\d\d \(within 0\.0001\)", result.stdout), result.stdout
    network = load_network(model)
    assert network.input_shape == (size, size, channels)
    if name in EXPECTED_KINDS:
        assert [layer.type for layer in network.layers] == EXPECTED_KINDS[name]
    if name.startswith(("cifar", "lenet", "global")):  # PyTorch ends in raw scores: the softmax is added and said
        assert "a softmax was added" in result.stderr


def test_each_student_model_classifies_held_out_pictures_as_its_framework(imported):
    _, result, model, framework, (size, channels) = imported
    network = load_network(model)
    pictures, labels = sm.pictures(64, size, channels, seed=99)  # never trained on
    expected = framework(pictures)
    ours = network.predict(pictures)
    assert np.abs(ours - expected).max() < 1e-4
    assert np.array_equal(ours.argmax(1), expected.argmax(1))
    assert (ours.argmax(1) == labels).mean() > 0.6  # it learnt something in its seconds of training (chance: 0.25)


def test_a_student_model_classifies_a_photo_on_the_command_line(imported, tmp_path):
    _, _, model, _, _ = imported
    from PIL import Image

    picture, _ = sm.pictures(1, 90, 3, seed=5)
    Image.fromarray((picture[0] * 255).astype(np.uint8)).save(tmp_path / "stroke.png")  # a colour photo, any size
    result = run("classify", "--weights", model, tmp_path / "stroke.png", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["class"] in sm.CLASSES


def test_the_site_builds_for_the_keras_mnist_convnet(keras_mnist_site):
    out, model = keras_mnist_site
    assert sorted(json.loads((out / "examples.json").read_text())) == sorted(sm.CLASSES)
    html = (out / "index.html").read_text()
    maps = re.findall(r'data-layer="([a-z_0-9]+)" data-index', html)
    convolutions = [layer.name for layer in load_network(model).layers if layer.type == "conv2d"]
    # Keras names layers by a count over the whole process: the columns are found by the model's own names
    # grey: one input map; 32 and 64 filters: the first ten of each, and a "+ N more" control for the rest
    assert maps.count("input") == 1 and [maps.count(name) for name in convolutions] == [10, 10]
    for name, more in zip(convolutions, (22, 54)):
        assert re.search(rf'data-column="{name}"', html) and f"+ {more} more" in html
    assert "28 by 28 pixels" in html
