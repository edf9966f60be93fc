"""Count the weights (issue 23, part 3): each layer beside a fully connected layer with the same outputs,
on the model's input and on a 224x224x3 photo, from the model description alone."""
import json
import xml.etree.ElementTree as ET

from pyapp import WEIGHTS_DIR
from pyapp.engine.network import load_network
from pyapp.views.article import parameters


def test_tiny_vgg_beside_fully_connected_layers():
    description = json.loads((WEIGHTS_DIR / "tiny_vgg.json").read_text())
    rows = {row["name"]: row for row in parameters.weight_sharing(description)}
    assert list(rows) == ["conv_1_1", "conv_1_2", "conv_2_1", "conv_2_2", "logits"]
    first = rows["conv_1_1"]
    # 28 numbers per filter, 10 filters; a dense layer with its 62x62x10 outputs reads all 64x64x3 inputs
    assert first["count"] == 280 and first["inputs"] == 12_288 and first["outputs"] == 62 * 62 * 10
    assert first["dense"] == (12_288 + 1) * 38_440 == 472_389_160
    # the texts' example: a neuron reading a 224x224x3 photo has 150,528 inputs; the kernels stay 280 numbers
    assert first["photo_inputs"] == 150_528 and first["photo_count"] == 280
    assert first["photo_dense"] == (150_528 + 1) * (222 * 222 * 10)
    assert all(rows[n]["photo_count"] == rows[n]["count"] for n in ("conv_1_2", "conv_2_1", "conv_2_2"))
    # the last layer is dense already: the same count; on the photo it reads 10x53x53 pooled values
    assert rows["logits"]["dense"] == rows["logits"]["count"] == 16_910
    assert rows["logits"]["photo_count"] == (10 * 53 * 53 + 1) * 10
    assert sum(r["count"] for r in rows.values()) == load_network(WEIGHTS_DIR).parameter_count


def test_another_model_gets_its_own_numbers():
    mlp = json.loads((WEIGHTS_DIR / "mlp" / "tiny_vgg.json").read_text())
    rows = parameters.weight_sharing(mlp)
    assert [(r["name"], r["count"], r["dense"]) for r in rows] == [("hidden", 98_312, 98_312), ("logits", 90, 90)]
    assert rows[0]["photo_count"] == (150_528 + 1) * 8  # a dense layer grows with the photo
    padded = json.loads((WEIGHTS_DIR / "tiny_vgg.json").read_text())
    padded["layers"][0].update(padding=1, stride=2, filters=4)
    first = parameters.weight_sharing(padded)[0]
    assert first["count"] == (3 * 3 * 3 + 1) * 4 and first["outputs"] == 4 * 32 * 32


def test_the_figure_shows_the_formulas_and_counts():
    description = json.loads((WEIGHTS_DIR / "tiny_vgg.json").read_text())
    html = parameters.sharing_figure(description)
    root = ET.fromstring(html)
    row = next(tr for tr in root.iter("tr") if tr.get("data-weights-layer") == "conv_1_1")
    text = "".join(row.itertext())
    assert "(3\u00b73\u00b73 + 1)\u00b710 = 280" in text and "(12,288 + 1)\u00b738,440" in text
    assert row.get("data-dense") == "472389160" and "150,528" in "".join(root.itertext())
    assert root.get("data-total") == "19920"
