"""The command line: python -m pyapp classify | evaluate | render, with an untrained network in tmp_path."""
import json
import os
import pty
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from helpers import picture, run
from pyapp.cli.main import main
from pyapp.data.dataset import CLASS_NAMES, WNIDS
from pyapp.images.preprocess import load_image

REPO = Path(__file__).resolve().parents[2]


def expected(network, path):
    probs = network.forward(load_image(path))["probabilities"]
    best = int(probs.argmax())
    return network.classes[best], float(probs[best]), probs


# -- classify -------------------------------------------------------------------------------------

def test_classify_prints_class_and_probability_per_file(tmp_path, weights, network, capsys):
    a, b = picture(tmp_path / "a.png", 1), picture(tmp_path / "b.jpg", 2)
    assert main(["classify", "--weights", str(weights), str(a), str(b)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    for line, path in zip(lines, (a, b)):
        name, p, _ = expected(network, path)
        assert line.startswith(str(path))
        assert line.rstrip().endswith(f"{name} {100 * p:.1f}%")


def test_classify_top_k_lists_the_runners_up(tmp_path, weights, network, capsys):
    a = picture(tmp_path / "a.png", 3)
    assert main(["classify", "--top", "3", "--weights", str(weights), str(a)]) == 0
    _, _, probs = expected(network, a)
    order = np.argsort(-probs)
    out = capsys.readouterr().out
    assert f"(then {network.classes[order[1]]} " in out and f", {network.classes[order[2]]} " in out


def test_classify_json_lines(tmp_path, weights, network, capsys):
    paths = [picture(tmp_path / f"{i}.png", i) for i in range(3)]
    assert main(["classify", "--json", "--weights", str(weights), *map(str, paths)]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["file"] for r in records] == [str(p) for p in paths]
    for record, path in zip(records, paths):
        assert set(record) == {"file", "class", "index", "probability", "probabilities"}
        name, p, probs = expected(network, path)
        assert record["class"] == name == CLASS_NAMES[record["index"]]
        assert record["probability"] == pytest.approx(p, abs=1e-6) == max(record["probabilities"])
        assert len(record["probabilities"]) == 10
        np.testing.assert_allclose(record["probabilities"], probs, atol=1e-6)
        assert sum(record["probabilities"]) == pytest.approx(1, abs=1e-4)


def test_a_bad_file_in_the_middle_is_reported_and_the_others_classified(tmp_path, weights):
    good1, good2 = picture(tmp_path / "first.png", 1), picture(tmp_path / "last.png", 2)
    bad = tmp_path / "notes.jpg"
    bad.write_text("shopping list: eggs, milk")
    result = run("classify", "--weights", weights, good1, bad, good2)
    assert result.returncode == 1
    assert [line.split()[0] for line in result.stdout.splitlines()] == [str(good1), str(good2)]
    errors = result.stderr.splitlines()
    assert len(errors) == 1
    assert errors[0].startswith(f"{bad}: ") and "not an image" in errors[0]
    assert "Traceback" not in result.stderr


def test_missing_file_directory_and_empty_file_each_get_one_line(tmp_path, weights):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    missing = tmp_path / "missing.png"
    good = picture(tmp_path / "ok.png", 5)
    result = run("classify", "--json", "--weights", weights, missing, tmp_path, empty, good)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = dict(line.split(": ", 1) for line in result.stderr.splitlines())
    assert errors == {str(missing): "no such file", str(tmp_path): "is a directory, not an image file",
                      str(empty): "the file is empty"}
    assert json.loads(result.stdout)["file"] == str(good)


def test_all_good_files_exit_0(tmp_path, weights):
    result = run("classify", "--weights", weights, picture(tmp_path / "x.png", 9))
    assert result.returncode == 0 and result.stderr == ""


def test_weights_that_cannot_be_loaded_are_one_clear_line(tmp_path):
    result = run("classify", "--weights", tmp_path, picture(tmp_path / "x.png", 9))
    assert result.returncode == 2  # a model that cannot be used: exit code 2, as every refused model file
    assert result.stderr.strip() == f"error: cannot load the network: {tmp_path / 'tiny_vgg.json'}: not found " \
                                     "(is this a weights directory?)"


def test_a_fifo_is_refused_at_once_instead_of_waiting_for_a_writer(tmp_path, weights):
    fifo = tmp_path / "photo.jpg"
    os.mkfifo(fifo)
    good = picture(tmp_path / "ok.png", 5)
    result = run("classify", "--weights", weights, fifo, good, timeout=30)  # hung forever before the fix
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"{fifo}: is a named pipe (FIFO), not an image file"
    assert result.stdout.split()[0] == str(good)


def test_a_truncated_weights_file_is_one_clear_line(tmp_path, weights):
    broken = tmp_path / "weights"
    broken.mkdir()
    (broken / "tiny_vgg.json").write_bytes((weights / "tiny_vgg.json").read_bytes())
    whole = (weights / "tiny_vgg.npz").read_bytes()
    (broken / "tiny_vgg.npz").write_bytes(whole[:len(whole) // 2])  # an interrupted download
    result = run("classify", "--weights", broken, picture(tmp_path / "x.png", 9))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: cannot load the network: cannot read the weights: "
                                    "the .npz file is damaged or incomplete")


def test_classify_dash_reads_the_image_from_standard_input(tmp_path, weights, network):
    path = picture(tmp_path / "piped.jpg", 4)
    result = run("classify", "--json", "--weights", weights, "-", stdin=path.read_bytes())
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["file"] == "-"
    np.testing.assert_allclose(record["probabilities"], expected(network, path)[2], atol=1e-6)
    # with other files, once only, and a clear line when nothing image-like comes in
    other = picture(tmp_path / "other.png", 6)
    result = run("classify", "--weights", weights, other, "-", stdin=path.read_bytes())
    assert [line.split()[0] for line in result.stdout.splitlines()] == [str(other), "-"]
    result = run("classify", "--weights", weights, "-", stdin=b"hello")
    assert result.returncode == 1 and result.stderr.startswith("-: not an image")
    result = run("classify", "--weights", weights, "-", "-", stdin=path.read_bytes())
    assert result.returncode == 1 and "only once" in result.stderr and "Traceback" not in result.stderr


def test_classify_dash_from_a_terminal_says_to_pipe_an_image_instead_of_waiting(tmp_path, weights):
    controller, terminal = pty.openpty()
    try:
        result = run("classify", "--weights", weights, "-", stdin=terminal, timeout=60)
    finally:
        os.close(controller), os.close(terminal)
    assert result.returncode == 1 and "pipe one in" in result.stderr


def test_help_explains_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for word in ("classify", "evaluate", "render", "64x64", "lifeboat"):
        assert word in result.stdout
    result = run("classify", "--help")
    assert "--json" in result.stdout and "--weights" in result.stdout and "Exit status" in result.stdout


def test_no_command_is_a_usage_message_not_a_traceback():
    result = run()
    assert result.returncode == 2 and "usage:" in result.stderr and "Traceback" not in result.stderr


# -- evaluate -------------------------------------------------------------------------------------

def make_class_folders(root, per_class=3, classes=(0, 2, 5), nested=False):
    truth = {}
    for c in classes:
        folder = root / WNIDS[c] / ("images" if nested else "")
        folder.mkdir(parents=True)
        for i in range(per_class):
            truth[picture(folder / f"{WNIDS[c]}_{i}.JPEG", 100 * c + i, size=(64, 64))] = c
    return truth


def make_official_val(root, per_class=2, classes=(1, 3, 9)):
    (root / "images").mkdir(parents=True)
    truth, lines = {}, []
    for c in classes:
        for i in range(per_class):
            name = f"val_{c}{i}.JPEG"
            truth[picture(root / "images" / name, 7 * c + i, size=(64, 64))] = c
            lines.append(f"{name}\t{WNIDS[c]}\t0\t0\t63\t63")
    lines.append("val_999.JPEG\tn99999999\t0\t0\t63\t63")  # a class the network does not know: skipped
    (root / "val_annotations.txt").write_text("\n".join(lines) + "\n")
    return truth


def expected_accuracy(network, truth):
    correct = sum(int(network.forward(load_image(p))["probabilities"].argmax()) == c for p, c in truth.items())
    return correct / len(truth)


@pytest.mark.parametrize("layout", ["class folders", "class folders with images/", "official validation"])
def test_evaluate_reports_accuracy_last(tmp_path, weights, network, capsys, layout):
    root = tmp_path / "data"
    truth = make_official_val(root) if layout == "official validation" else \
        make_class_folders(root, nested=layout.endswith("images/"))
    assert main(["evaluate", "--weights", str(weights), str(root)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"accuracy: {expected_accuracy(network, truth):.4f} ({len(truth)} images)"
    # one per-class row for each class, with its image count
    counts = {CLASS_NAMES[c]: list(truth.values()).count(c) for c in set(truth.values())}
    for name in CLASS_NAMES:
        row = next(line for line in lines if line.startswith(name + " ") or line.startswith(name + "  "))
        assert int(row[len(name):].split()[1]) == counts.get(name, 0)
    # the confusion matrix: a row per class, named, whose counts add up to that class's images
    start = next(i for i, line in enumerate(lines) if line.startswith("confusion matrix"))
    matrix_rows = lines[start + 2:start + 12]
    for i, (row, name) in enumerate(zip(matrix_rows, CLASS_NAMES)):
        assert row.split()[0] == str(i) and name in row
        assert sum(int(v) for v in row[row.index(name) + len(name):].split()) == counts.get(name, 0)


def test_evaluate_matches_the_network_on_a_mixed_folder(tmp_path, weights, network, capsys):
    truth = make_class_folders(tmp_path, per_class=4, classes=tuple(range(10)))
    main(["evaluate", "--weights", str(weights), str(tmp_path)])
    out = capsys.readouterr().out.splitlines()
    predicted = {p: int(network.forward(load_image(p))["probabilities"].argmax()) for p in truth}
    matrix = np.zeros((10, 10), int)
    for p, c in truth.items():
        matrix[c, predicted[p]] += 1
    start = next(i for i, line in enumerate(out) if line.startswith("confusion matrix"))
    printed = [[int(v) for v in line.split()[-10:]] for line in out[start + 2:start + 12]]
    np.testing.assert_array_equal(printed, matrix)


def test_evaluate_a_folder_without_labels_is_a_clear_error(tmp_path, weights):
    (tmp_path / "holiday").mkdir()
    picture(tmp_path / "holiday" / "beach.jpg", 1)
    result = run("evaluate", "--weights", weights, tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and "no images of the 10 classes" in result.stderr
    result = run("evaluate", "--weights", weights, tmp_path / "nowhere")
    assert result.returncode == 1 and "no such directory" in result.stderr


def test_evaluate_skips_an_unreadable_image_and_says_so(tmp_path, weights):
    truth = make_class_folders(tmp_path, per_class=2, classes=(4,))
    (tmp_path / WNIDS[4] / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    result = run("evaluate", "--weights", weights, tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "broken.jpg: " in result.stderr and "1 image(s) could not be read" in result.stderr
    assert result.stdout.splitlines()[-1].endswith(f"({len(truth)} images)")


# -- render ---------------------------------------------------------------------------------------

def test_render_without_the_overview_view_is_a_clear_error(tmp_path, weights, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "pyapp.views.widgets.overview", None)  # makes the import fail
    code = main(["render", "--weights", str(weights), str(picture(tmp_path / "a.png", 1)),
                     "-o", str(tmp_path / "o.svg")])
    assert code == 1
    assert "overview" in capsys.readouterr().err
    assert not (tmp_path / "o.svg").exists()


def test_render_passes_options_to_the_overview_and_writes_its_svg(tmp_path, weights, network, monkeypatch, capsys):
    seen, svg = {}, '<svg xmlns="http://www.w3.org/2000/svg"><text>overview</text></svg>'

    def standalone_svg(state, trace, net):
        seen.update(state=state, trace=trace, net=net)
        return svg

    fake = types.ModuleType("pyapp.views.widgets.overview")
    fake.standalone_svg = standalone_svg
    monkeypatch.setitem(sys.modules, "pyapp.views.widgets.overview", fake)
    image = picture(tmp_path / "a.png", 1)
    out = tmp_path / "slides" / "fig.svg"
    out.parent.mkdir()
    assert main(["render", "--weights", str(weights), str(image), "-o", str(out),
                     "--colors", "global", "--detail"]) == 0
    assert out.read_text() == svg
    assert seen["state"].colors == "global" and seen["state"].detail is True
    np.testing.assert_allclose(seen["trace"]["probabilities"], expected(network, image)[2], rtol=1e-6)
    assert str(out) in capsys.readouterr().out


def test_render_bad_image_and_bad_colour_mode(tmp_path, weights):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"nope")
    result = run("render", "--weights", weights, bad, "-o", tmp_path / "o.svg")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{bad}: not an image" in result.stderr
    result = run("render", "--colors", "rainbow", bad)
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_render_with_the_real_overview(tmp_path, weights):
    out = tmp_path / "overview.svg"
    result = run("render", "--weights", weights, picture(tmp_path / "a.png", 1), "-o", out)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert "<svg" in text[:300] and text.rstrip().endswith("</svg>")
