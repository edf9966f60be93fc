"""The examples: one validation image per class of the dataset (--data, $TINY_IMAGENET_DIR, or Tiny ImageNet
downloaded once into the user cache), the one the model is most sure of, shipped as the network's 64x64 PNG."""
from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np

from pyapp.data.dataset import CLASS_NAMES, WNIDS, DatasetError, dataset_root, labelled_images, split_dirs
from pyapp.images.preprocess import load_image, network_image
from pyapp.images.png import png_bytes
from pyapp.views.widgets.examples import MISTAKES_FILE, example_path

from . import common
from .common import BUILD_CACHE, ROOT, BuildError, Writer, download, log

DATASET_URL = "http://cs231n.stanford.edu/tiny-imagenet-200.zip"
DATA_ENV = "TINY_IMAGENET_DIR"
NO_DATASET = ("no dataset: the site has no example images and starts on \"add your own image\" "
              f"(give --data DIR or ${DATA_ENV})")


def _has_images(root: Path, classes) -> bool:
    try:
        return bool(labelled_images(validation_dir(root), classes))
    except DatasetError:
        return False


def validation_dir(root: Path) -> Path:
    """The validation folder of a dataset root, or the root itself when it is one."""
    try:
        return split_dirs(root)[1]
    except DatasetError:
        return root


def download_dataset(cache: Path) -> Path | None:
    """The official Tiny ImageNet archive into the user cache, keeping only the network's 10 classes."""
    archive = cache / "tiny-imagenet-200.zip"
    try:
        if not archive.is_file():
            download(DATASET_URL, archive, "Tiny ImageNet (248 MB, once)")
        root = cache / "tiny-imagenet-200"
        with zipfile.ZipFile(archive) as z:
            labels = z.read("tiny-imagenet-200/val/val_annotations.txt").decode().splitlines()
            keep_val = {line.split("\t")[0] for line in labels if line.split("\t")[1:2] and line.split("\t")[1] in WNIDS}
            for info in z.infolist():
                parts = info.filename.split("/")
                wanted = (len(parts) > 3 and parts[1] == "train" and parts[2] in WNIDS) or \
                         (len(parts) == 4 and parts[1:3] == ["val", "images"] and parts[3] in keep_val)
                if wanted and not info.is_dir():
                    z.extract(info, cache)
            (root / "val" / "val_annotations.txt").write_text(
                "\n".join(line for line in labels if line.split("\t")[0] in keep_val) + "\n")
        archive.unlink()
        return root
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        log(f"warning: could not get Tiny ImageNet from {DATASET_URL} ({exc})")
        return None


def dataset_dir(given: str | None, allow_download: bool = True, classes=None) -> Path | None:
    """The dataset: --data, else $TINY_IMAGENET_DIR, else the user cache (downloaded when empty)."""
    classes = CLASS_NAMES if classes is None else classes
    root = dataset_root(given)
    if root is not None:
        if not _has_images(root, classes):
            if not given and set(classes) != set(CLASS_NAMES):  # Tiny ImageNet from the environment, another model
                log(f"${DATA_ENV} has no images of this model's classes")
                return None
            raise BuildError(f"{root}: no validation images of the {len(classes)} classes "
                             f"({', '.join(classes)}) (from --data / ${DATA_ENV})")
        return root
    if set(classes) - set(CLASS_NAMES):
        return None  # the Tiny ImageNet download cannot have this model's classes
    cache = common.USER_CACHE / "tiny-imagenet"
    cached = cache / "tiny-imagenet-200"
    if cached.is_dir() and _has_images(cached, classes):
        return cached
    if allow_download:
        log(f"no --data or ${DATA_ENV}: fetching the dataset into {cache}")
        return download_dataset(cache)
    return None


def example_file(class_name: str) -> str:
    return example_path(class_name)


MISTAKES = 4  # held-out images shown as the network's mistakes: half wrong and sure, half right but unsure


def mistake_name(rank: int) -> str:
    """The image name (and address) of the rank-th mistake: its true class stays off the address."""
    return f"mistake-{rank + 1}"


def _choose(samples, probabilities, classes) -> tuple[dict[str, int], list[int]]:
    """(class name -> the sample it shows, the mistakes' samples): per class the one the model gives its class
    the highest probability (correct ones first); then among the rest the most confident wrong answers and
    the least sure right ones. Ties go to the first file name."""
    labels = np.array([s.index for s in samples])
    top, sure = probabilities.argmax(axis=1), probabilities.max(axis=1)
    choice = {}
    for index, name in enumerate(classes):
        mine = np.flatnonzero(labels == index)
        if len(mine):
            choice[name] = int(mine[np.lexsort((-probabilities[mine, index], top[mine] != index))[0]])
    rest = np.setdiff1d(np.arange(len(samples)), list(choice.values()))
    wrong, right = rest[top[rest] != labels[rest]], rest[top[rest] == labels[rest]]
    wrong = wrong[np.argsort(-sure[wrong], kind="stable")]
    right = right[np.argsort(sure[right], kind="stable")]
    half = min(len(wrong), MISTAKES // 2)
    mistakes = list(wrong[:half]) + list(right[:MISTAKES - half])
    return choice, [int(i) for i in mistakes]


def choose_examples(root: Path, network) -> tuple[dict[str, Path], list[tuple[str, Path]]]:
    """(class name -> its example image, [(true class, image)] of the mistakes), by _choose.
    Remembered per weights and dataset."""
    samples = labelled_images(validation_dir(root), network.classes)
    key = hashlib.sha256(b"".join(a.tobytes() for a in network.weights().values())
                         + "\n".join(f"{s.path}:{s.path.stat().st_size}" for s in samples).encode()).hexdigest()[:16]
    remembered = BUILD_CACHE / f"choice-{key}.json"
    if remembered.is_file():
        choice = json.loads(remembered.read_text())
        log(f"examples: as chosen before ({remembered.relative_to(ROOT)})")
        return ({name: Path(path) for name, path in choice["examples"].items()},
                [(truth, Path(path)) for truth, path in choice["mistakes"]])
    probabilities = network.predict(np.stack([load_image(s.path) for s in samples]))
    chosen, wrong = _choose(samples, probabilities, network.classes)
    for name, best in chosen.items():
        verdict = "correct" if probabilities[best].argmax() == samples[best].index else "not classified correctly"
        log(f"example {name}: {samples[best].path.relative_to(root)} (p={probabilities[best].max():.3f}, {verdict})")
    for i in wrong:
        log(f"mistake: {samples[i].path.relative_to(root)} is {network.classes[samples[i].index]}, the network says "
            f"{network.classes[probabilities[i].argmax()]} (p={probabilities[i].max():.3f})")
    examples = {name: samples[i].path for name, i in chosen.items()}
    mistakes = [(network.classes[samples[i].index], samples[i].path) for i in wrong]
    BUILD_CACHE.mkdir(parents=True, exist_ok=True)
    remembered.write_text(json.dumps({"examples": {n: str(p) for n, p in examples.items()},
                                      "mistakes": [(t, str(p)) for t, p in mistakes]}, indent=1))
    return examples, mistakes


def write_examples(write: Writer, network, root: Path | None) -> tuple[dict[str, Path], dict[str, str]]:
    """The network's 64x64 picture of each chosen image, as PNG: decoded identically in CPython and Pyodide
    (JPEG decoders differ between the two), so the page's numbers equal the native ones. Returns the examples
    and the mistakes (image name -> true class), listed in MISTAKES_FILE for the page."""
    chosen, wrong = choose_examples(root, network) if root else ({}, [])
    if not chosen:
        log(NO_DATASET)
    for name, path in chosen.items():
        write.bytes(example_file(name), png_bytes(np.asarray(network_image(path))))
    mistakes = {}
    for rank, (truth, path) in enumerate(wrong):
        mistakes[mistake_name(rank)] = {"truth": truth, "source": str(path.relative_to(root))}
        write.bytes(example_file(mistake_name(rank)), png_bytes(np.asarray(network_image(path))))
    if mistakes:
        write.text(MISTAKES_FILE, json.dumps(mistakes, indent=1))
    write.text("examples.json", json.dumps(
        {name: {"file": example_file(name), "source": str(path.relative_to(root))} for name, path in chosen.items()},
        indent=1))
    return chosen, {name: m["truth"] for name, m in mistakes.items()}
