"""``python -m pyapp import`` of Keras 3 (.keras), Keras 2 (.h5), ONNX and extended PyTorch state_dicts: the new
layer kinds converted, the result equal to the source framework's own output, and hostile files refused in one
line before anything large is allocated."""
from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

import engine_fixtures
from helpers import run
from pyapp.engine.network import load_network
from pyapp.models.files import open_files
from pyapp.models.imports import ImportError_, import_model
from pyapp.models.imports.parity import check

os.environ.setdefault("KERAS_BACKEND", "torch")
torch = pytest.importorskip("torch")
nn = torch.nn


def refused(call) -> str:
    return engine_fixtures.refused(call, ImportError_)


@pytest.fixture(scope="module")
def keras_model(tmp_path_factory):
    keras = pytest.importorskip("keras")
    layers = keras.layers
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((28, 28, 1)), layers.Rescaling(1 / 255),
        layers.Conv2D(8, 3, activation="relu", padding="same"), layers.BatchNormalization(), layers.MaxPooling2D(),
        layers.Dropout(0.25), layers.Conv2D(6, 3, strides=2, padding="same", activation="tanh"),
        layers.AveragePooling2D(2), layers.Flatten(), layers.Dense(16), layers.LeakyReLU(0.2),
        layers.Dense(4, activation="softmax")])
    x = np.random.default_rng(0).random((64, 28, 28, 1)).astype("float32") * 255
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, (x.mean(axis=(1, 2, 3)) > 127).astype(int) + 2 * (x[:, :14].mean(axis=(1, 2, 3)) > 127), epochs=2,
              verbose=0)  # batch statistics move away from the identity
    folder = tmp_path_factory.mktemp("keras")
    model.save(folder / "digits.keras")
    model.save(folder / "digits.h5")
    return model, folder


@pytest.mark.parametrize("file", ["digits.keras", "digits.h5"])
def test_keras_files_import_without_tensorflow_and_match_keras(keras_model, file):
    model, folder = keras_model
    network = import_model(folder / file, ["zero", "one", "two", "three"])
    assert network.input_shape == (28, 28, 1)
    assert network.description["normalization"] == {"scale": pytest.approx(1 / 255), "offset": 0.0}
    assert [layer.type for layer in network.layers] == [
        "conv2d", "relu", "batch_norm", "max_pool2d", "dropout", "conv2d", "tanh", "avg_pool2d", "flatten", "dense",
        "leaky_relu", "dense", "softmax"]
    pixels = np.random.default_rng(1).random((5, 28, 28, 1), dtype=np.float32)
    expected = model.predict(pixels * 255, verbose=0)  # Keras is fed 0..255, as it was trained
    assert np.abs(network.predict(pixels) - expected).max() < 1e-5
    assert check(network, "keras", folder / file).ok


def test_the_command_line_checks_parity_and_says_it(keras_model, tmp_path):
    _, folder = keras_model
    result = run("import", folder / "digits.keras", "-o", tmp_path / "m", "--classes", "a,b,c,d")
    assert result.returncode == 0, result.stderr
    assert re.search(r"parity: the engine and Keras agree on 3 random images to \d\.\de-\d\d \(within 0\.0001\)",
                     result.stdout)
    assert "4 classes (a, b, c, d), 28x28x1 input" in result.stdout
    assert load_network(tmp_path / "m").description["normalization"]["scale"] == pytest.approx(1 / 255)


def torch_net():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 6, 5, padding=2), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(3, 2, 1),
        nn.Conv2d(6, 4, 3, stride=2), nn.LeakyReLU(0.1), nn.AvgPool2d(2), nn.Dropout(), nn.Flatten(),
        nn.Linear(4 * 3 * 3, 10), nn.Tanh(), nn.Linear(10, 3)).eval()
    with torch.no_grad():  # statistics as training leaves them
        model[1].running_mean.uniform_(-1, 1)
        model[1].running_var.uniform_(0.5, 2)
    return model


def torch_output(model, pixels, mean=0.5, std=0.25):
    with torch.no_grad():
        return model(torch.from_numpy((pixels.transpose(0, 3, 1, 2) - mean) / std)).numpy()


def test_a_whole_pytorch_model_comes_in_through_onnx(tmp_path):
    pytest.importorskip("onnx")
    model = torch_net()
    torch.onnx.export(model, (torch.rand(1, 3, 32, 32),), tmp_path / "net.onnx", dynamo=False,
                      do_constant_folding=False, input_names=["image"], output_names=["logits"])
    network = import_model(tmp_path / "net.onnx", ["a", "b", "c"], normalization={"mean": [0.5], "std": [0.25]})
    assert "batch_norm" in [layer.type for layer in network.layers] and network.input_shape == (32, 32, 3)
    assert network.imported.notes == ["the model ends in raw scores (logits): a softmax was added for the probabilities"]
    pixels = np.random.default_rng(2).random((4, 32, 32, 3), dtype=np.float32)
    logits = network.forward(pixels)[network.layers[-2].name]
    assert np.abs(logits - torch_output(model, pixels)).max() < 1e-5
    assert check(network, "onnx", tmp_path / "net.onnx").ok
    result = run("import", tmp_path / "net.onnx", "-o", tmp_path / "m", "--normalize", "0.5,0.25")
    assert result.returncode == 0, result.stderr
    assert "note: the model ends in raw scores (logits): a softmax was added" in result.stderr
    assert "agree on 3 random images" in result.stdout


def test_a_hand_written_onnx_chain_of_every_op(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    rng = np.random.default_rng(3)
    arrays = {"w": rng.standard_normal((4, 1, 3, 3)), "b": rng.standard_normal(4), "g": rng.uniform(0.5, 2, 4),
              "beta": rng.standard_normal(4), "m": rng.standard_normal(4), "v": rng.uniform(0.5, 2, 4),
              "d": rng.standard_normal((4, 5)), "db": rng.standard_normal(5)}
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 3], auto_pad="SAME_UPPER", strides=[2, 2]),
             helper.make_node("BatchNormalization", ["c", "g", "beta", "m", "v"], ["n"], epsilon=1e-3),
             helper.make_node("Sigmoid", ["n"], ["s"]),
             helper.make_node("GlobalAveragePool", ["s"], ["p"]),
             helper.make_node("Flatten", ["p"], ["f"]),
             helper.make_node("MatMul", ["f", "d"], ["mm"]), helper.make_node("Add", ["mm", "db"], ["z"]),
             helper.make_node("Softmax", ["z"], ["y"], axis=1)]
    graph = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 17, 17])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])],
                              [numpy_helper.from_array(a.astype(np.float32), k) for k, a in arrays.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, tmp_path / "chain.onnx")
    network = import_model(tmp_path / "chain.onnx")
    assert [layer.type for layer in network.layers] == ["conv2d", "batch_norm", "sigmoid", "global_avg_pool", "dense",
                                                        "softmax"]
    assert network.imported.notes == []  # it ends in its own softmax
    x = rng.random((1, 1, 17, 17), dtype=np.float32)
    expected = ReferenceEvaluator(model).run(None, {"x": x})[0]
    assert np.abs(network.forward(x[0].transpose(1, 2, 0)).probabilities - expected[0]).max() < 1e-6


def test_a_state_dict_with_the_new_layer_words(tmp_path):
    model = torch_net()
    torch.save(model.state_dict(), tmp_path / "net.pt")
    words = "conv:2 bn relu pool:3:2:1 conv:0:2 leaky:0.1 avgpool dropout flatten dense tanh dense"
    network = import_model(tmp_path / "net.pt", layers=words, size=32, normalization={"mean": [0.5], "std": [0.25]})
    pixels = np.random.default_rng(4).random((3, 32, 32, 3), dtype=np.float32)
    assert np.abs(network.forward(pixels)[network.layers[-2].name] - torch_output(model, pixels)).max() < 1e-5
    assert check(network, "state_dict", tmp_path / "net.pt").ok
    with pytest.raises(ImportError_, match=r"^layer bn: 4.weight \(4, 6, 3, 3\) is not one number per channel"):
        import_model(tmp_path / "net.pt", layers="conv:2 bn bn", size=32)
    result = run("import", tmp_path / "net.pt", "-o", tmp_path / "m", "--layers", words, "--input-size", "32")
    assert result.returncode == 0 and "the engine and PyTorch agree" in result.stdout, result.stderr


# -- hostile and unsupported files ---------------------------------------------------------------------------

def test_an_onnx_file_asking_for_absurd_or_outside_data_is_refused_before_allocation(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    def model_with(tensor):
        node = helper.make_node("Conv", ["x", tensor.name], ["y"], kernel_shape=[3, 3])
        graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [tensor])
        path = tmp_path / f"{tensor.name}.onnx"
        path.write_bytes(helper.make_model(graph).SerializeToString())  # as a hostile writer would: unchecked
        return path

    def tensor(name, dims, raw):
        out = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=dims, raw_data=raw)
        return out

    huge = tensor("huge", [60000, 3, 7, 7], b"")
    assert "has shape (60000, 3, 7, 7); the limit is 8,000,000 numbers" in refused(lambda: import_model(model_with(huge)))
    short = tensor("short", [4, 3, 3, 3], b"\0" * 16)
    assert "initializer short is damaged" in refused(lambda: import_model(model_with(short)))
    outside = tensor("outside", [4, 3, 3, 3], b"")
    outside.data_location = TensorProto.EXTERNAL
    outside.external_data.add(key="location", value="/etc/passwd")
    assert "keeps its numbers in another file" in refused(lambda: import_model(model_with(outside)))
    (tmp_path / "noise.onnx").write_bytes(os.urandom(2000))
    assert "not an ONNX model" in refused(lambda: import_model(tmp_path / "noise.onnx"))


def test_keras_files_that_are_bombs_links_or_nan_are_refused(keras_model, tmp_path):
    h5py = pytest.importorskip("h5py")
    _, folder = keras_model
    with zipfile.ZipFile(folder / "digits.keras") as source, \
            zipfile.ZipFile(tmp_path / "bomb.keras", "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("config.json", source.read("config.json"))
        bomb.writestr("model.weights.h5", b"\0" * 70_000_000)  # 70 MB of zeros deflate to 70 kB
    assert "model.weights.h5 would expand to 70.0 MB" in refused(lambda: import_model(tmp_path / "bomb.keras"))

    linked = tmp_path / "linked.h5"
    (tmp_path / "linked.h5").write_bytes((folder / "digits.h5").read_bytes())
    with h5py.File(linked, "a") as f:
        # Keras names layers by a count over the whole process (conv2d, conv2d_3, ...): find the first kernel
        kernels = []
        f["model_weights"].visit(lambda name: kernels.append(name) if name.endswith("/kernel") else None)
        group = f["model_weights"][kernels[0].rsplit("/", 1)[0]]
        del group["kernel"]
        group["kernel"] = h5py.ExternalLink("/etc/secret.h5", "/kernel")
    assert "is a link to somewhere else" in refused(lambda: import_model(linked))

    nan = tmp_path / "nan.h5"
    nan.write_bytes((folder / "digits.h5").read_bytes())
    with h5py.File(nan, "a") as f:
        biases = []
        f["model_weights"].visit(lambda name: biases.append(name) if name.split("/")[0].startswith("dense")
                                 and name.endswith("/bias") else None)
        f["model_weights"][biases[0]][0] = np.nan
    dense = biases[0].split("/")[0]  # the layer's name, as Keras counted it in this process
    assert re.search(rf"values of {dense}\.bias are not finite numbers", refused(lambda: import_model(nan)))


def test_the_command_line_refuses_in_one_line_with_exit_code_2(tmp_path):
    (tmp_path / "model.onnx").write_bytes(b"\x08\x07garbage" * 10)
    result = run("import", tmp_path / "model.onnx", "-o", tmp_path / "m")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert not (tmp_path / "m").exists()


def test_the_page_says_which_files_to_convert_on_the_command_line():
    with pytest.raises(ImportError_, match=r"^net.onnx is a ONNX file: convert it on the command line with "
                                           r"python -m pyapp import net.onnx -o my-model"):
        open_files({"net.onnx": b"\x08\x07"})


def test_keras_weights_are_found_whatever_the_layers_are_named(tmp_path):
    keras = pytest.importorskip("keras")
    layers = keras.layers
    keras.Sequential([keras.Input((16, 16, 1)), layers.Conv2D(2, 3)])  # takes the name conv2d in this process
    model = keras.Sequential([keras.Input((16, 16, 1)), layers.Conv2D(3, 3, name="first"), layers.Conv2D(4, 3),
                              layers.Flatten(), layers.Dense(2, activation="softmax", name="out")])
    model.save(tmp_path / "named.keras")  # stored by class and count: layers/conv2d, layers/conv2d_1, layers/dense
    network = import_model(tmp_path / "named.keras")
    pixels = np.random.default_rng(5).random((2, 16, 16, 1), dtype=np.float32)
    assert np.abs(network.predict(pixels) - model.predict(pixels, verbose=0)).max() < 1e-5
