"""Importing models trained elsewhere: the original CNN Explainer's TF.js Tiny VGG and PyTorch state_dicts.

The TF.js parity reference is written here from the raw shard, in TF's own layout (channels-last,
kernels (kh, kw, in, out), dense rows in (y, x, c) order), sharing no code with the importer or engine.
"""
import copy
import json
import os
import re
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest

from engine_fixtures import TINY_VGG
from pyapp.cli.main import main
from pyapp.models.imports import ImportError_, import_model, read_classes
from pyapp.engine.network import load_network
from pyapp.images.preprocess import load_image

SHARED = Path(__file__).resolve().parents[3] / "shared"
TFJS = SHARED / "models" / "cnn-explainer-tfjs"
VAL = SHARED / "data" / "tiny-imagenet-10" / "val"
CLASSES = ["lifeboat", "ladybug", "pizza", "bell pepper", "school bus", "koala", "espresso", "red panda",
           "orange", "sport car"]  # the order its README gives
needs_tfjs = pytest.mark.skipif(not (TFJS / "model.json").is_file(), reason=f"no {TFJS}")


def raw_tensors():
    """name -> array straight from the shard, in the order and shapes of the weights manifest."""
    manifest = json.loads((TFJS / "model.json").read_text())["weightsManifest"][0]
    data, offset, out = (TFJS / manifest["paths"][0]).read_bytes(), 0, {}
    for entry in manifest["weights"]:
        n = int(np.prod(entry["shape"]))
        out[entry["name"]] = np.frombuffer(data, "<f4", n, offset).reshape(entry["shape"]).astype(np.float64)
        offset += 4 * n
    return out


def keras_logits(images, t):
    """Keras' forward pass, channels-last (N, H, W, C), float64: conv 'valid', relu, 2x2 max pool, dense."""
    def conv(x, kernel, bias):
        k = kernel.shape[0]
        h, w = x.shape[1] - k + 1, x.shape[2] - k + 1
        y = np.zeros(x.shape[:1] + (h, w, kernel.shape[3]))
        for dy in range(k):  # one shifted copy of the image per kernel tap
            for dx in range(k):
                y += x[:, dy:dy + h, dx:dx + w, :] @ kernel[dy, dx]
        return np.maximum(y + bias, 0)

    def pool(x):
        n, h, w, c = x.shape
        return x[:, :h // 2 * 2, :w // 2 * 2].reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))

    x = images.astype(np.float64)
    for block in ("1", "2"):
        x = conv(x, t[f"conv_{block}_1/kernel"], t[f"conv_{block}_1/bias"])
        x = pool(conv(x, t[f"conv_{block}_2/kernel"], t[f"conv_{block}_2/bias"]))
    return x.reshape(len(x), -1) @ t["output/kernel"] + t["output/bias"]  # Flatten (y, x, c), as Keras does


def logits_of(network, images):
    trace = network.forward(images)
    return trace[network.sources[network.layers[-1].name]]


@needs_tfjs
def test_imported_cnn_explainer_model_matches_a_numpy_forward_of_the_raw_shard():
    network = import_model(TFJS / "model.json", CLASSES)
    rng = np.random.default_rng(0)
    images = [rng.random((6, 64, 64, 3), dtype=np.float32)]
    if VAL.is_dir():
        images.append(np.stack([load_image(p) for p in sorted(VAL.glob("*/*.JPEG"))[::25]]))
    images = np.concatenate(images)
    expected = keras_logits(images, raw_tensors())
    assert np.abs(logits_of(network, images) - expected).max() < 1e-4
    assert network.classes == CLASSES and network.parameter_count == 19920
    assert np.allclose(network.forward(images).probabilities.sum(axis=1), 1, atol=1e-5)


@needs_tfjs
@pytest.mark.skipif(not VAL.is_dir(), reason=f"no {VAL}")
def test_import_command_then_evaluate_gives_the_published_accuracy(tmp_path, capsys):
    """The README's two steps: import, then use the folder as --model (68.8% on these 250 images)."""
    classes = tmp_path / "classes.txt"
    classes.write_text("\n".join(CLASSES) + "\n")
    assert main(["import", str(TFJS / "model.json"), "--classes", str(classes), "-o", str(tmp_path / "m")]) == 0
    assert "19920 parameters, 10 classes" in capsys.readouterr().out
    assert main(["--model", str(tmp_path / "m"), "evaluate", str(VAL)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "accuracy: 0.6880 (250 images)"
    assert load_network(tmp_path / "m").classes == CLASSES


def edited_model(tmp_path, edit):
    """A copy of the TF.js model with its model.json changed by edit(model)."""
    folder = tmp_path / "edited"
    shutil.copytree(TFJS, folder)
    model = json.loads((folder / "model.json").read_text())
    edit(model)
    (folder / "model.json").chmod(0o644)
    (folder / "model.json").write_text(json.dumps(model))
    return folder / "model.json"


def _layers(model):
    return model["modelTopology"]["model_config"]["config"]["layers"]


@needs_tfjs
@pytest.mark.parametrize("edit, message", [
    (lambda m: _layers(m).insert(2, {"class_name": "Conv2DTranspose", "config": {"name": "up_1"}}),
     "layer 'up_1' (Conv2DTranspose): Conv2DTranspose layers are not supported"),
    (lambda m: _layers(m).insert(2, {"class_name": "BatchNormalization", "config": {"name": "bn_1"}}),
     "layer 'bn_1' (BatchNormalization): its moving mean and variance are not in the weights"),
    (lambda m: m["weightsManifest"][0]["weights"][8].update(shape=[1600, 10]),  # the shard no longer fits exactly
     "group1-shard1of1.bin hold 79,680 bytes; the manifest's shapes need exactly 76,080"),
    (lambda m: _layers(m)[0]["config"].update(batch_input_shape=[None, 200, 200, 3]),
     "the model takes (200, 200, 3) images: input height and width 200 is out of range"),
    (lambda m: _layers(m)[0]["config"].update(activation="gelu"), "activation 'gelu' is not supported"),
    (lambda m: m["modelTopology"]["model_config"].update(class_name="Model"), "only Sequential models"),
])
def test_unsupported_tfjs_models_name_the_first_layer_or_shape(tmp_path, edit, message):
    with pytest.raises(ImportError_, match=re.escape(message)):
        import_model(edited_model(tmp_path, edit), CLASSES)


@needs_tfjs
def test_bad_import_is_one_line_and_writes_nothing(tmp_path, capsys):
    assert main(["import", str(TFJS / "model.json"), "--classes", "a,b,c", "-o", str(tmp_path / "m")]) == 2
    assert capsys.readouterr().err == "error: 3 class names for a model with 10 outputs\n"
    assert not (tmp_path / "m").exists()


def test_class_names_from_a_file_a_json_list_or_commas(tmp_path):
    (tmp_path / "a.txt").write_text("cat\n dog \n\n")
    (tmp_path / "b.json").write_text('["cat", "dog"]')
    assert read_classes(str(tmp_path / "a.txt")) == read_classes(str(tmp_path / "b.json")) == ["cat", "dog"]
    assert read_classes("cat, dog") == ["cat", "dog"]
    with pytest.raises(ImportError_, match="not all different"):
        read_classes("cat,cat")


# -- PyTorch ------------------------------------------------------------------------------------

def torch_model(torch, classes=3, width=6):
    nn = torch.nn
    torch.manual_seed(0)
    return nn.Sequential(  # 64 -> 64 (padded) -> 32 -> 28 -> 14
        nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(width, width, 5), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
        nn.Linear(width * 14 * 14, classes)).eval()


def test_torch_state_dict_gives_the_same_logits_as_torch(tmp_path):
    torch = pytest.importorskip("torch")
    model = torch_model(torch)
    torch.save({"state_dict": model.state_dict(), "classes": ["cat", "dog", "owl"]}, tmp_path / "m.pt")
    with pytest.raises(ImportError_, match=r"^7\.weight \(3, 1176\): expected a conv weight with 4 axes"):
        import_model(tmp_path / "m.pt")  # the default layers are Tiny VGG's four convolutions
    with pytest.raises(ImportError_, match=r"^layer 7\.weight: weight takes 1176 inputs, flatten gives 1014 "):
        import_model(tmp_path / "m.pt", layers="conv relu pool conv relu pool flatten dense")  # padding forgotten
    network = import_model(tmp_path / "m.pt", layers="conv:1 relu pool conv relu pool flatten dense")
    assert network.classes == ["cat", "dog", "owl"]
    images = np.random.default_rng(1).random((4, 64, 64, 3), dtype=np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(images).permute(0, 3, 1, 2)).numpy()
    assert np.abs(logits_of(network, images) - expected).max() < 1e-4


def test_torch_tiny_vgg_state_dict_imports_with_the_default_layers(tmp_path):
    torch = pytest.importorskip("torch")
    from pyapp.engine.network import random_weights

    description = copy.deepcopy(TINY_VGG)
    weights = random_weights(description, seed=3)
    torch.save({k: torch.from_numpy(v) for k, v in weights.items()}, tmp_path / "tiny.pth")
    network = import_model(tmp_path / "tiny.pth", CLASSES)
    assert [layer.name for layer in network.layers] == [spec["name"] for spec in description["layers"]]
    for key, value in weights.items():
        assert np.array_equal(network.weights()[key], value)


def test_torch_errors_are_clear(tmp_path):
    torch = pytest.importorskip("torch")
    model = torch_model(torch)
    torch.save(model, tmp_path / "whole.pt")
    with pytest.raises(ImportError_, match=r"holds Python objects, not only tensors \(a whole model\?\): save "
                                           r"model.state_dict\(\) instead"):
        import_model(tmp_path / "whole.pt")  # a pickled module: weights_only refuses it
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ImportError_, match=r"not a model file this importer knows \(model.json, .keras, .h5, .onnx"):
        import_model(tmp_path / "notes.txt")
    torch.save(model.state_dict(), tmp_path / "m.pt")
    with pytest.raises(ImportError_, match=r"^3\.weight \(6, 6, 5, 5\): a tensor left over after the layers conv relu pool"):
        import_model(tmp_path / "m.pt", layers="conv relu pool")
    with pytest.raises(ImportError_, match="unknown layer 'batchnorm'"):
        import_model(tmp_path / "m.pt", layers="conv batchnorm")


@needs_tfjs
@pytest.mark.skipif(not os.environ.get("PYODIDE_WHEELS"), reason="no wheels folder (PYODIDE_WHEELS)")
def test_readme_two_commands_from_model_json_to_the_explainer(tmp_path, monkeypatch):
    """The README's commands, as written there: import, then build (serve = build + a server)."""
    import build

    root = Path(build.__file__).resolve().parent
    lines = [line for line in (root / "README.md").read_text().splitlines()
             if line.startswith(("python -m pyapp import ../shared", "python build.py serve --model original"))]
    assert len(lines) == 2, "the README shows the two commands"
    imported, served = (shlex.split(line) for line in lines)
    monkeypatch.chdir(root)  # ../shared as the README means it
    args = [str(tmp_path / "m") if a == "original-model" else a for a in imported[3:]]
    assert main(args) == 0
    assert served[2:] == ["serve", "--model", "original-model"]
    assert build.main(["--model", str(tmp_path / "m"), "--out", str(tmp_path / "dist"), "--no-download"]) == 0
    html = (tmp_path / "dist" / "index.html").read_text()
    assert re.findall(r'data-example="([^"]+)"', html) == CLASSES
    network = load_network(tmp_path / "m")
    shown = dict(re.findall(r'data-class="([^"]+)" data-index="\d+" data-probability="([^"]+)"', html))
    assert len(shown) == 10 and abs(sum(map(float, shown.values())) - 1) < 1e-5
    expected = network.forward(load_image(tmp_path / "dist" / "examples" / "espresso.png")).probabilities
    assert [float(shown[c]) for c in CLASSES] == pytest.approx(expected.tolist(), abs=1e-6)


# -- "Open a model..." in the page: the same checks on picked files' bytes ----------------------

def folder_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_open_files_takes_a_model_folder_or_tfjs_files(tmp_path):
    from pyapp.models.files import from_text, open_files, to_text
    from pyapp.engine.network import save_network

    images = np.random.default_rng(2).random((3, 64, 64, 3), dtype=np.float32)
    built_in = load_network()
    opened = open_files(folder_files(Path(build_root()) / "weights"))  # what the build ships in weights/
    assert opened.classes == built_in.classes
    assert np.array_equal(logits_of(opened, images), logits_of(built_in, images))
    kept = from_text(to_text(opened))  # what the page keeps in the tab between reloads
    assert np.array_equal(logits_of(kept, images), logits_of(built_in, images)) and kept.classes == built_in.classes
    if (TFJS / "model.json").is_file():
        network = open_files(folder_files(TFJS))
        assert network.classes == [f"class {i}" for i in range(1, 11)]  # no class names in that model.json
        expected = keras_logits(images, raw_tensors())
        assert np.abs(logits_of(network, images) - expected).max() < 1e-4
    three = copy.deepcopy(TINY_VGG)
    three["classes"], three["layers"][-2]["units"] = ["a", "b", "c"], 3
    from pyapp.engine.network import random_weights
    save_network(tmp_path / "three", three, random_weights(three))
    assert open_files(folder_files(tmp_path / "three")).classes == ["a", "b", "c"]


def build_root() -> Path:
    return Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("files, message", [
    ({"tiny_vgg.json": (build_root() / "weights" / "tiny_vgg.json").read_bytes()},
     "tiny_vgg.json needs its weights: pick the .npz file beside it too"),
    ({"photo.jpg": b"\xff\xd8"}, "no model in photo.jpg: choose a model folder's tiny_vgg.json and tiny_vgg.npz"),
    ({"model.json": b"{not json"}, "model.json is not a JSON file"),
    ({"tiny_vgg.json": (build_root() / "weights" / "tiny_vgg.json").read_bytes(), "w.npz": b"PK\x03\x04 broken"},
     "cannot read the weights"),
])
def test_open_files_says_what_is_wrong(files, message):
    from pyapp.models.files import open_files

    with pytest.raises(ImportError_, match=re.escape(message)):
        open_files(files)


@needs_tfjs
def test_open_files_names_a_missing_shard():
    from pyapp.models.files import open_files

    with pytest.raises(ImportError_, match="model.json needs its weight file group1-shard1of1.bin: pick it too"):
        open_files({"model.json": (TFJS / "model.json").read_bytes()})
