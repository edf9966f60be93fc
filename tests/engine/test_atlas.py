"""The atlas (what each unit looks for): its top nine against a brute-force scan, and its command."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from engine_fixtures import write_random_network
from PIL import Image

from pyapp.cli.main import main
from pyapp.engine import atlas
from pyapp.engine.network import load_network
from pyapp.images.preprocess import load_image


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    return write_random_network(tmp_path_factory.mktemp("atlas-model"), seed=3)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Twelve 64x64 PNGs in two sub-folders, two of them copies of another (equal activations: ties)."""
    root = tmp_path_factory.mktemp("atlas-images")
    rng = np.random.default_rng(7)
    for sub in ("b", "a"):
        (root / sub).mkdir()
    paths = [root / ("a" if i % 2 else "b") / f"img{i:02d}.png" for i in range(10)]
    for path in paths:
        Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(path)
    shutil.copy(paths[3], root / "b" / "copy-of-3.png")
    shutil.copy(paths[3], root / "a" / "z-copy-of-3.png")
    (root / "notes.txt").write_text("not an image")
    return root


def brute_force(network, folder, layer: str) -> list[list[tuple]]:
    """Every pixel of every image, one at a time: per unit, the best pixel of each image (first in row-major
    order), then the nine best images, ties by path."""
    paths = sorted((p for p in folder.rglob("*.png")), key=lambda p: p.relative_to(folder).as_posix())
    per_unit = [[] for _ in range(network.shapes[layer][0])]
    for path in paths:
        maps = network.forward(load_image(path))[layer]
        for unit, m in enumerate(maps):
            best = None
            for y in range(m.shape[0]):
                for x in range(m.shape[1]):
                    if best is None or m[y, x] > best[0]:
                        best = (float(m[y, x]), y, x)
            (y0, y1), (x0, x1) = network.receptive_field(layer, best[1], best[2])["input"]
            per_unit[unit].append((best[0], path.relative_to(folder).as_posix(), (y0, y1, x0, x1)))
    # Python's sort is stable and the paths came in order: equal activations stay in path order
    return [sorted(found, key=lambda f: -f[0])[:atlas.TOP] for found in per_unit]


@pytest.mark.parametrize("layer", ["conv_1_1", "relu_1_2", "conv_2_2"])
def test_top_nine_equal_a_brute_force_scan(weights, folder, layer):
    network = load_network(weights)
    images = [(p.relative_to(folder).as_posix(), load_image(p)) for p in atlas.image_files(folder)]
    found = atlas.top_patches(network, images, [layer])[layer]
    expected = brute_force(network, folder, layer)
    assert len(found) == len(expected) == 10
    for unit, (got, want) in enumerate(zip(found, expected)):
        assert [p.image for p in got] == [w[1] for w in want], f"{layer} unit {unit}"
        assert [p.window for p in got] == [w[2] for w in want], f"{layer} unit {unit}"
        assert [p.activation for p in got] == pytest.approx([w[0] for w in want], rel=1e-5, abs=1e-6)


def test_equal_activations_go_to_the_earlier_path(weights, folder):
    network = load_network(weights)
    images = [(p.relative_to(folder).as_posix(), load_image(p)) for p in atlas.image_files(folder)]
    found = atlas.top_patches(network, images, ["conv_1_1"])["conv_1_1"]
    copies = ["a/img03.png", "a/z-copy-of-3.png", "b/copy-of-3.png"]  # the same pixels: equal activations
    for unit in found:
        listed = [p.image for p in unit if p.image in copies]
        assert listed == sorted(listed)


def test_command_writes_atlas_json_and_a_sprite(weights, folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["--model", str(weights), "atlas", str(folder), "--layers", "relu_2_1,conv_1_1", "-o", str(out)]) == 0
    document = json.loads((out / "atlas.json").read_text())
    assert list(document["layers"]) == ["conv_1_1", "relu_2_1"]  # network order
    unit = document["layers"]["relu_2_1"][4]
    assert len(unit) == atlas.TOP and set(unit[0]) == {"image", "window", "activation"}
    assert [p["activation"] for p in unit] == sorted((p["activation"] for p in unit), reverse=True)
    y0, y1, x0, x1 = unit[0]["window"]
    assert 0 <= y0 < y1 <= 64 and 0 <= x0 < x1 <= 64 and (folder / unit[0]["image"]).is_file()
    sprite = Image.open(out / document["sprite"]["file"])
    cell = document["sprite"]["cell"]
    assert sprite.size == (atlas.TOP * cell, 20 * cell)  # 10 units in each of the two layers
    assert document["sprite"]["rows"] == {"conv_1_1": 0, "relu_2_1": 10}
    assert "20 units in 2 layers, over 12 images" in capsys.readouterr().out


def test_command_names_a_layer_it_cannot_use(weights, folder, tmp_path, capsys):
    assert main(["--model", str(weights), "atlas", str(folder), "--layers", "max_pool_1", "-o", str(tmp_path)]) == 1
    assert "max_pool_1 is not a convolution or activation layer" in capsys.readouterr().err


def test_cell_keeps_a_clipped_patch_square_on_grey():
    image = np.linspace(0, 1, 64 * 64 * 3, dtype=np.float32).reshape(64, 64, 3)
    cell = atlas.cell_pixels(image, (0, 2, 10, 13))  # a 3x3 window clipped at the top edge: 2 rows x 3 columns
    assert cell.shape == (atlas.CELL, atlas.CELL, 3)
    assert (cell[0] == atlas.GREY).all() and (cell[-1] == atlas.GREY).all()  # above and below the 2:3 patch
    assert (cell[atlas.CELL // 2] != atlas.GREY).any()


@pytest.mark.parametrize("window", [(5, 8, 20, 23), (0, 64, 0, 64), (10, 24, 3, 17), (0, 2, 10, 13)])
def test_cell_equals_pillow_s_nearest_or_box_resize(window):
    """The sprite's cells are drawn with NumPy (the page has no Pillow at first); they are Pillow's pixels."""
    image = np.random.default_rng(1).random((64, 64, 3), dtype=np.float32)
    y0, y1, x0, x1 = window
    patch = Image.fromarray(np.clip(np.rint(image[y0:y1, x0:x1] * 255), 0, 255).astype(np.uint8))
    scale = atlas.CELL / max(y1 - y0, x1 - x0)
    size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
    resample = Image.Resampling.NEAREST if scale >= 1 else Image.Resampling.BOX
    want = np.asarray(patch.resize(size, resample)).astype(int)
    cell = atlas.cell_pixels(image, window)
    top, left = (atlas.CELL - size[1]) // 2, (atlas.CELL - size[0]) // 2
    got = cell[top:top + size[1], left:left + size[0]].astype(int)
    assert np.abs(got - want).max() <= 1  # Pillow rounds its 8-bit input first: one level apart at most
