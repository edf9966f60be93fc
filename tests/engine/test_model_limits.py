"""Hostile model files are refused in one line naming the field, before anything large is allocated:
pyapp.models.limits (the one check every source goes through) and pyapp.models.reading (bounded reads)."""
from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

import engine_fixtures
from engine_fixtures import tiny_vgg_description
from pyapp.engine.network import NetworkError, network_from, random_weights
from pyapp.models.files import from_text, open_files, tried
from pyapp.models.imports import ImportError_, import_model
from pyapp.models.limits import MAX_NPZ_BYTES, markdown_table

ROOT = Path(__file__).resolve().parents[2]


def npz_bytes(weights: dict) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **weights)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def weights():
    return random_weights(tiny_vgg_description(), seed=1)


def refused(call, error=NetworkError) -> str:
    return engine_fixtures.refused(call, error)


def description_text(**changes) -> str:
    """The Tiny VGG description as JSON text, with fields of conv_1_1 replaced by raw JSON values."""
    text = json.dumps(tiny_vgg_description())
    for field, raw in changes.items():
        text, n = re.subn(rf'("name": "conv_1_1", "type": "conv2d", (?:"\w+": \w+, )*"{field}": )\w+', rf"\g<1>{raw}",
                          text, count=1)
        assert n == 1, field
    return text


@pytest.mark.parametrize("changes, message", [
    ({"padding": "5000"}, "layer 1 ('conv_1_1'): padding 5,000 is out of range: the explainer takes 0 to 2"),
    ({"filters": "10000"}, "layer 1 ('conv_1_1'): filters 10,000 is out of range: the explainer takes 1 to 64"),
    ({"stride": "0"}, "layer 1 ('conv_1_1'): stride 0 is out of range: the explainer takes 1 to 4"),
    ({"kernel_size": "-3"}, "kernel_size -3 is out of range: the explainer takes 1 to 7"),
    ({"filters": "2.5"}, "filters must be a whole number from 1 to 64, not 2.5"),
    ({"stride": "true"}, "stride must be a whole number from 1 to 4, not True"),
    ({"stride": "Infinity"}, "Infinity is not a number JSON allows"),
    ({"padding": "NaN"}, "NaN is not a number JSON allows"),
    ({"padding": "1e999"}, "padding must be a whole number from 0 to 2, not inf"),
])
def test_a_description_out_of_bounds_is_refused_naming_the_field(weights, changes, message):
    data = npz_bytes(weights)
    assert message in refused(lambda: network_from(description_text(**changes), data))


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.update(input_shape=[4096, 4096, 3]), "input height and width 4,096 is out of range"),
    (lambda d: d.update(input_shape=[64, 64, 2]), "input channels must be 1 (grey) or 3 (RGB)"),
    (lambda d: d["layers"].__setitem__(slice(0, 0), [{"name": f"c{i}", "type": "relu"} for i in range(40)]),
     "layers (how many): layers 53 is out of range"),
    (lambda d: d["layers"][-2].update(units=10 ** 9), "units 1,000,000,000 is out of range"),
    (lambda d: d["layers"][0].update(name="../../x"), "name '../../x' must be 1 to 64 letters"),
    (lambda d: d.update(classes=["a"] * 30), "classes (how many): classes 30 is out of range"),
    (lambda d: d.update(extra=json.loads("[" * 30 + "]" * 30)), None),  # deep but within the limit: accepted
])
def test_every_field_is_bounded(weights, edit, message):
    description = tiny_vgg_description()
    edit(description)
    if message is None:
        assert network_from(json.dumps(description), weights).classes == description["classes"]
    else:
        assert message in refused(lambda: network_from(json.dumps(description), weights))


def test_nesting_ten_thousand_deep_is_refused_without_recursion(weights):
    text = json.dumps(tiny_vgg_description())[:-1] + ', "extra": ' + "[" * 10_000 + "]" * 10_000 + "}"
    assert "nested more than 32 levels deep" in refused(lambda: network_from(text, weights))
    with pytest.raises(ImportError_, match="nested more than 32 levels"):
        open_files({"tiny_vgg.json": text.encode(), "tiny_vgg.npz": npz_bytes(weights)})
    with pytest.raises(NetworkError, match="nested more than 32 levels"):
        from_text('{"description": ' + text + ', "weights": ""}')


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_weights_that_are_not_numbers_are_refused_with_the_layer(weights, value):
    bad = {k: v.copy() for k, v in weights.items()}
    bad["conv_2_1.weight"][3, 1, 0, 2] = value
    message = refused(lambda: network_from(tiny_vgg_description(), npz_bytes(bad)))
    assert message == ("layer 'conv_2_1': 1 of the 900 values of conv_2_1.weight are not finite numbers "
                       "(NaN or infinity)")


def bomb(expanded: int, declared_shape=None) -> bytes:
    """An .npz of one member of ``expanded`` zero bytes (a float32 array); deflated, it is tiny."""
    shape = declared_shape or (expanded // 4,)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": shape})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("conv_1_1.weight.npy", "w", force_zip64=True) as member:
            member.write(header.getvalue())
            chunk = bytes(min(2 ** 22, expanded))
            for _ in range(expanded // len(chunk)):
                member.write(chunk)
    return out.getvalue()


def test_an_npz_that_would_expand_to_a_gigabyte_is_refused_before_decompressing():
    archive = bomb(2 ** 30)
    assert len(archive) < 2 * 2 ** 20  # about 1 MB on disk
    message = refused(lambda: network_from(tiny_vgg_description(), archive))
    assert "would expand to 1073.7 MB in 1 arrays; the limit is 64.0 MB" in message
    with pytest.raises(ImportError_, match="would expand to 1073.7 MB"):
        open_files({"tiny_vgg.json": json.dumps(tiny_vgg_description()).encode(), "tiny_vgg.npz": archive})


def test_an_npy_header_larger_than_its_data_is_refused_before_allocating():
    archive = bomb(2 ** 20, declared_shape=(2 ** 30,))  # 1 MB of data claiming to be 4 GB
    assert "its header says (1073741824,) <f4, its data is 1,048,576 bytes" in \
        refused(lambda: network_from(tiny_vgg_description(), archive))
    assert MAX_NPZ_BYTES < 2 ** 30


def test_an_npz_holding_objects_is_refused(weights):
    buffer = io.BytesIO()
    np.savez(buffer, **{"conv_1_1.weight": np.array([{"a": 1}], dtype=object)})
    assert "holds |O values" in refused(lambda: network_from(tiny_vgg_description(), buffer.getvalue()))


def test_the_limits_table_is_in_the_readme_and_the_architecture_notes():
    table = markdown_table()
    assert "| padding | 0 | 6 |" in table and "| model file | 1 | 50 MB |" in table
    for doc in ("README.md", "docs/architecture.md"):
        assert table in (ROOT / doc).read_text(encoding="utf-8"), f"{doc} does not show the limits table"


def test_a_state_dict_file_over_the_size_limit_is_refused_unread(tmp_path):
    big = tmp_path / "huge.pt"
    with open(big, "wb") as f:
        f.truncate(51_000_000)  # sparse: no disk used
    assert "the state_dict file is 51.0 MB; the limit is 50.0 MB" in refused(lambda: import_model(big), ImportError_)


def test_the_command_line_refuses_a_hostile_model_folder_with_exit_code_2(tmp_path, weights):
    import resource
    import subprocess
    import sys

    from PIL import Image

    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "tiny_vgg.json").write_text(description_text(padding="5000"))
    (folder / "tiny_vgg.npz").write_bytes(npz_bytes(weights))
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(tmp_path / "black.png")

    def small_memory():  # padding 5000 once asked for 10 GB: a regression must fail here, not eat the machine
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2 ** 30, 3 * 2 ** 30))

    result = subprocess.run([sys.executable, "-m", "pyapp", "classify", "--weights", str(folder),
                             str(tmp_path / "black.png")], capture_output=True, text=True, timeout=120,
                            preexec_fn=small_memory)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("error: cannot load the network: layer 1 ('conv_1_1'): padding 5,000 is out of range: "
                             "the explainer takes 0 to 2 (zeros per side, at most kernel_size - 1; or valid, same)\n")


def test_a_model_is_tried_on_one_image_before_it_is_kept(weights):
    assert tried(network_from(tiny_vgg_description(), weights)).classes == tiny_vgg_description()["classes"]
    huge = {k: v * np.float32(1e30) if k in ("conv_1_1.weight", "conv_1_2.weight") else v for k, v in weights.items()}
    with pytest.raises(ImportError_, match="one forward pass gives probabilities that are not numbers"):
        tried(network_from(tiny_vgg_description(), huge))  # finite weights whose maps overflow to NaN
    small = tiny_vgg_description()
    small["input_shape"] = [32, 32, 3]
    small["layers"][-2]["units"] = 10
    smaller = network_from(small, random_weights(small, seed=0))
    assert tried(smaller, np.zeros((64, 64, 3), np.float32)) is smaller  # a 64x64 picture is fitted to 32x32
    with pytest.raises(ImportError_, match=r"one forward pass fails \(expected an image"):
        tried(smaller, np.zeros((3, 64, 64), np.float32))  # channels first: not a picture


def test_picked_files_over_the_limit_are_refused_with_their_size():
    with pytest.raises(ImportError_, match=r"^weights.npz is 60.0 MB; a model file may be 50.0 MB at most$"):
        open_files({"model.json": b"{}", "weights.npz": bytes(60_000_000)})
