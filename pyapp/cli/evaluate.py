"""``evaluate DIR``: accuracy per class and the confusion matrix on a labelled folder."""
from __future__ import annotations

from .shared import LabelledBatches, model


def confusion_matrix(truth, predicted, n: int):
    import numpy as np

    matrix = np.zeros((n, n), dtype=np.int64)
    np.add.at(matrix, (np.asarray(truth, dtype=np.int64), np.asarray(predicted, dtype=np.int64)), 1)
    return matrix


def evaluation_report(matrix, classes) -> list[str]:
    """Per-class accuracy, the confusion matrix (rows: true class; columns: predicted), overall accuracy."""
    n = len(classes)
    name_w = max(len(c) for c in classes)
    lines = [f"{'class':<{name_w}}  correct  images  accuracy"]
    for i, name in enumerate(classes):
        total = int(matrix[i].sum())
        acc = f"{matrix[i, i] / total:.4f}" if total else "-"
        lines.append(f"{name:<{name_w}}  {int(matrix[i, i]):>7}  {total:>6}  {acc:>8}")
    cell = max(4, len(str(int(matrix.max()))) + 1)
    lines += ["", "confusion matrix (rows: true class, columns: predicted class, numbered as the rows)"]
    lines.append(" " * (name_w + 4) + "".join(f"{j:>{cell}}" for j in range(n)))
    for i, name in enumerate(classes):
        lines.append(f"{i:>2} {name:<{name_w}} " + "".join(f"{int(v):>{cell}}" for v in matrix[i]))
    total = int(matrix.sum())
    accuracy = float(matrix.trace() / total) if total else 0.0
    lines += ["", f"accuracy: {accuracy:.4f} ({total} images)"]
    return lines


def run(args) -> int:
    network = model(args.weights)
    batches = LabelledBatches(args.directory, network.classes)
    truth, predicted = [], []
    for images, labels in batches:
        truth += labels.tolist()
        predicted += network.predict(images).argmax(axis=1).tolist()
    batches.report_failures()
    for line in evaluation_report(confusion_matrix(truth, predicted, len(network.classes)), network.classes):
        print(line)
    return 1 if batches.failures or not truth else 0


def add_command(commands, parents, formatter) -> None:
    p = commands.add_parser(
        "evaluate", parents=[parents["weights"], parents["labelled"]], formatter_class=formatter,
        help="measure accuracy on a folder of labelled images",
        description="Classify every image of a labelled folder and compare with its label.\n"
                    "The folder holds one sub-folder per class named after it or by its WordNet id (as Tiny\n"
                    "ImageNet's train/ and the 10-class copy's val/), or Tiny ImageNet's official validation layout\n"
                    "(images/ and val_annotations.txt). Prints the accuracy of each class, a confusion\n"
                    "matrix (which classes get mistaken for which), and last the overall accuracy.")
    p.set_defaults(run=run)
