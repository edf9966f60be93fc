"""A TF.js model.json's weight shards are plain file names in its own folder, of exactly the size its
shapes need, checked before a byte is read: no path leaving the folder, no /dev/zero, no symlink out."""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pyapp.models.files import open_files
from pyapp.models.imports import ImportError_, import_model

SHARD = "group1-shard1of1.bin"
SHAPES = {"conv/kernel": [3, 3, 3, 4], "conv/bias": [4], "dense/kernel": [900, 2], "dense/bias": [2]}


@pytest.fixture(autouse=True)
def bounded_memory():
    """2 GB more address space at most while a test runs: a reader that follows /dev/zero fails, the
    machine does not."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    size = int(next(line for line in Path("/proc/self/status").read_text().splitlines()
                    if line.startswith("VmSize")).split()[1]) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size + 2 * 2 ** 30, hard))
    yield
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def tfjs_model(seed: int = 0, kernel: int = 3, padding: str = "valid", strides=1, values=None):
    """(model.json as a dict, shard bytes) of a small Sequential model: conv 3x3 relu, pool 4, flatten, dense."""
    layers = [
        {"class_name": "Conv2D", "config": {"name": "conv", "filters": 4, "kernel_size": [kernel, kernel],
                                            "strides": [strides, strides], "padding": padding, "activation": "relu",
                                            "batch_input_shape": [None, 64, 64, 3]}},
        {"class_name": "MaxPooling2D", "config": {"name": "pool", "pool_size": [4, 4], "strides": [4, 4]}},
        {"class_name": "Flatten", "config": {"name": "flat"}},
        {"class_name": "Dense", "config": {"name": "dense", "units": 2, "activation": "softmax"}},
    ]
    manifest = [{"paths": [SHARD], "weights": [{"name": n, "shape": s, "dtype": "float32"} for n, s in SHAPES.items()]}]
    count = sum(int(np.prod(s)) for s in SHAPES.values())
    data = values if values is not None else np.random.default_rng(seed).normal(0, 0.1, count)
    model = {"modelTopology": {"model_config": {"class_name": "Sequential", "config": {"layers": layers}}},
             "weightsManifest": manifest, "userDefinedMetadata": {"classes": ["yes", "no"]}}
    return model, np.asarray(data, "<f4").tobytes()


def write(folder: Path, model: dict, shard: bytes | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.json").write_text(json.dumps(model))
    if shard is not None:
        (folder / SHARD).write_bytes(shard)
    return folder / "model.json"


def test_a_plain_model_imports(tmp_path):
    network = import_model(write(tmp_path / "m", *tfjs_model()))
    assert network.classes == ["yes", "no"] and [layer.type for layer in network.layers][:2] == ["conv2d", "relu"]


@pytest.mark.parametrize("path", ["../outside.bin", "../../etc/passwd", "/etc/passwd", "/dev/zero", "sub/x.bin",
                                  "..", "C:\\x.bin"])
def test_a_shard_outside_the_folder_is_refused(tmp_path, path):
    model, shard = tfjs_model()
    (tmp_path / "outside.bin").write_bytes(shard)  # a valid shard, but not the model's to read
    model["weightsManifest"][0]["paths"] = [path]
    with pytest.raises(ImportError_, match="must be a plain file name in the model's folder"):
        import_model(write(tmp_path / "m", model, None))
    with pytest.raises(ImportError_, match="must be a plain file name"):  # the page applies the same rule
        open_files({"model.json": json.dumps(model).encode(), "outside.bin": shard})


@pytest.mark.parametrize("target", ["outside", "/dev/zero"])
def test_a_symlink_leaving_the_folder_is_refused(tmp_path, target):
    model, shard = tfjs_model()
    outside = tmp_path / "outside.bin"
    outside.write_bytes(shard)
    path = write(tmp_path / "m", model, None)
    os.symlink(outside if target == "outside" else target, tmp_path / "m" / SHARD)
    with pytest.raises(ImportError_, match=f"weight shard '{SHARD}' leads out of the model's folder"):
        import_model(path)


@pytest.mark.parametrize("extra, message", [(1, "hold 7,657 bytes"), (-4, "hold 7,652 bytes"),
                                            (2 ** 20, "hold 1,056,232 bytes")])
def test_a_shard_of_another_size_is_refused_before_it_is_read(tmp_path, extra, message):
    model, shard = tfjs_model()
    shard = shard + bytes(extra) if extra > 0 else shard[:extra]
    with pytest.raises(ImportError_, match=f"{message}; the manifest's shapes need exactly 7,656"):
        import_model(write(tmp_path / "m", model, shard))


def test_manifest_shapes_asking_for_gigabytes_are_refused_before_any_shard(tmp_path):
    model, shard = tfjs_model()
    model["weightsManifest"][0]["weights"][2]["shape"] = [900_000, 2_000]
    with pytest.raises(ImportError_, match=r"weight dense/kernel: parameters 1,800,000,000 is out of range"):
        import_model(write(tmp_path / "m", model, shard))


def test_padding_and_kernel_come_from_the_weights_not_the_config(tmp_path):
    model, shard = tfjs_model(padding="same")
    model["modelTopology"]["model_config"]["config"]["layers"][0]["config"]["kernel_size"] = [9999, 9999]
    with pytest.raises(ImportError_, match=r"kernel_size \[9999, 9999\] does not match its weights' 3x3 kernel"):
        import_model(write(tmp_path / "m", model, shard))
    model["modelTopology"]["model_config"]["config"]["layers"][0]["config"].update(kernel_size=[3, 3], strides=[0, 0],
                                                                                    padding="valid")
    with pytest.raises(ImportError_, match=r"layer 'conv' \(Conv2D\): stride 0 is out of range"):
        import_model(write(tmp_path / "m", model, shard))


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_weights_that_are_not_numbers_are_refused_on_import_with_the_layer(tmp_path, value):
    model, shard = tfjs_model()
    values = np.frombuffer(shard, "<f4").copy()
    values[200] = value  # in the dense kernel
    with pytest.raises(ImportError_, match=r"layer 'dense': 1 of the 1,800 values of dense.weight are not finite"):
        import_model(write(tmp_path / "m", model, values.tobytes()))


def _small_memory():
    resource.setrlimit(resource.RLIMIT_AS, (3 * 2 ** 30, 3 * 2 ** 30))  # a bug must fail, not eat the machine


@pytest.mark.parametrize("shard", ["/dev/zero", "../../../../../../dev/zero"])
def test_dev_zero_is_never_read_and_the_command_line_says_so(tmp_path, shard):
    model, _ = tfjs_model()
    model["weightsManifest"][0]["paths"] = [shard]
    path = write(tmp_path / "m", model, None)
    result = subprocess.run([sys.executable, "-m", "pyapp", "import", str(path), "-o", str(tmp_path / "out")],
                            capture_output=True, text=True, timeout=60, preexec_fn=_small_memory)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == f"error: weight shard {shard!r} must be a plain file name in the model's folder " \
                            "(no folder, no '..', no absolute path)\n"
    assert not (tmp_path / "out").exists()
