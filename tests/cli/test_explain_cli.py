"""python -m pyapp explain: a heat map of a class over the photo, as PNG, SVG or .npy, with an untrained network."""
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from pyapp.cli.main import main
from pyapp.engine import explain
from pyapp.images.preprocess import load_image
from pyapp.views.detail import why
from pyapp.images.png import input_pixels
from helpers import picture, run


def test_png_is_the_heat_map_over_the_photo_at_four_times_the_input(tmp_path, weights, network, capsys):
    photo = picture(tmp_path / "p.png", 4, size=(90, 70))
    out = tmp_path / "why.png"
    assert main(["explain", str(photo), "--class", "koala", "--method", "occlusion", "-o", str(out),
                     "--weights", str(weights)]) == 0
    with Image.open(out) as im:
        assert im.format == "PNG" and im.size == (256, 256) and im.mode == "RGB"
        pixels = np.asarray(im)
    trace = network.forward(load_image(photo))
    heat = explain.occlusion(network, trace, "koala")
    expected = why.overlay(input_pixels(trace), heat, why.heat_scale(explain.METHODS["occlusion"], [heat]))
    np.testing.assert_array_equal(pixels[::4, ::4], expected)
    assert "koala" in capsys.readouterr().out


def test_npy_is_the_raw_array_for_the_networks_answer_by_default(tmp_path, weights, network):
    photo = picture(tmp_path / "p.jpg", 5)
    out = tmp_path / "heat.npy"
    assert main(["explain", str(photo), "--method", "saliency", "-o", str(out), "--weights", str(weights)]) == 0
    trace = network.forward(load_image(photo))
    answer = int(trace["probabilities"].argmax())
    np.testing.assert_array_equal(np.load(out), explain.saliency(network, trace, answer))


def test_svg_has_the_photo_the_map_and_the_real_range(tmp_path, weights, network):
    photo = picture(tmp_path / "p.png", 6)
    out = tmp_path / "why.svg"
    assert main(["explain", str(photo), "--class", "pizza", "-o", str(out), "--weights", str(weights)]) == 0
    root = ET.parse(out).getroot()
    heat = explain.gradcam(network, network.forward(load_image(photo)), "pizza")
    legend = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "why-legend"]
    assert len(legend) == 1
    assert float(legend[0].get("data-min")) == pytest.approx(float(heat.min()), rel=1e-5, abs=1e-12)
    assert float(legend[0].get("data-max")) == pytest.approx(float(heat.max()), rel=1e-5)
    assert len(list(root.iter("{http://www.w3.org/2000/svg}image"))) == 2  # the photo and the heat map


@pytest.mark.parametrize("args, message", [
    (["--class", "cat"], "unknown class 'cat'"),
    (["-o", "why.gif"], "must end in .png, .svg, .npy"),
])
def test_bad_arguments_are_one_line(tmp_path, weights, args, message):
    photo = picture(tmp_path / "p.png", 7)
    argv = ["explain", photo, "--weights", weights, *args]
    if "-o" not in args:
        argv += ["-o", tmp_path / "x.png"]
    result = run(*argv)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().count("\n") == 0 and message in result.stderr


def test_a_file_that_is_not_an_image_is_one_line(tmp_path, weights):
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    result = run("explain", bad, "--weights", weights, "-o", tmp_path / "x.png")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {bad}:") and result.stderr.strip().count("\n") == 0
    assert not (tmp_path / "x.png").exists()
