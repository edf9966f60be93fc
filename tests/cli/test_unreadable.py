"""A file or folder the user may not read: one line naming it, exit status 2, no traceback.

Tests run as root, which reads everything whatever chmod says; the operating system's refusal is
simulated by making os.stat / os.listdir / os.scandir raise PermissionError for one path."""
from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from pyapp.cli.main import main
from pyapp.data import dataset


def refuse(monkeypatch, path, calls=("stat", "listdir", "scandir")) -> None:
    """Reading `path` (or anything under it) raises PermissionError, as it does for a folder without r/x."""
    path = os.fspath(path)
    for name in calls:
        real = getattr(os, name)

        def guarded(target=".", *args, _real=real, **kwargs):
            if isinstance(target, (str, os.PathLike)) and os.fspath(target).startswith(path):
                raise PermissionError(13, "Permission denied", os.fspath(target))
            return _real(target, *args, **kwargs)

        monkeypatch.setattr(os, name, guarded)


def labelled_folder(root):
    for wnid in dataset.WNIDS[:2]:
        (root / wnid).mkdir(parents=True)
        pixels = np.random.default_rng(len(wnid)).integers(0, 256, (64, 64, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(root / wnid / "a.png")
    return root


@pytest.mark.parametrize("command", ["evaluate", "stats"])
def test_an_unreadable_class_folder_is_one_line_and_exit_2(tmp_path, weights, monkeypatch, capsys, command):
    root = labelled_folder(tmp_path / "data")
    locked = root / dataset.WNIDS[1]
    refuse(monkeypatch, locked, calls=("listdir", "scandir"))
    assert main([command, "--model", str(weights), str(root)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"error: {locked}: permission denied (cannot be read)\n"
    assert captured.out == ""


def test_an_unreadable_dataset_root_is_one_line_and_exit_2(tmp_path, weights, monkeypatch, capsys):
    root = labelled_folder(tmp_path / "data")
    refuse(monkeypatch, root / "val_annotations.txt")  # the first thing read inside the folder
    assert main(["evaluate", "--model", str(weights), str(root)]) == 2
    assert capsys.readouterr().err == f"error: {root / 'val_annotations.txt'}: permission denied (cannot be read)\n"


@pytest.mark.parametrize("command", ["classify", "explain"])
def test_an_unreadable_model_folder_is_one_line_and_exit_2(tmp_path, weights, monkeypatch, capsys, command):
    photo = tmp_path / "photo.png"
    Image.new("RGB", (64, 64), "orange").save(photo)
    refuse(monkeypatch, weights / "tiny_vgg.json")
    output = ["-o", str(tmp_path / "why.png")] if command == "explain" else []
    assert main([command, "--model", str(weights), str(photo), *output]) == 2
    assert capsys.readouterr().err == f"error: {weights / 'tiny_vgg.json'}: permission denied (cannot be read)\n"


def test_the_training_script_gets_the_same_one_line_error(tmp_path, monkeypatch):
    """training/train.py reads folders through pyapp.data.dataset and says a DatasetError in one line, exit 2."""
    root = labelled_folder(tmp_path / "photos")
    refuse(monkeypatch, root / dataset.WNIDS[0], calls=("listdir", "scandir"))
    with pytest.raises(dataset.DatasetError, match="permission denied") as caught:
        dataset.class_folders(root)
    assert str(caught.value) == f"{root / dataset.WNIDS[0]}: permission denied (cannot be read)"
