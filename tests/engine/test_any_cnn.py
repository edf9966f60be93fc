"""A whole network of the new layer kinds: forward, the class score's backward and a training step's gradients
against the same network written in PyTorch by hand (nn.Sequential, autograd), on a greyscale 28x28 input."""
from __future__ import annotations

import numpy as np
import pytest

from engine_fixtures import assert_close
from pyapp.engine.network import Network, random_weights
from pyapp.learning import Trainer

torch = pytest.importorskip("torch")
nn = torch.nn

DESCRIPTION = {
    "name": "any_cnn", "input_shape": [28, 28, 1], "classes": ["zero", "one", "two", "three"],
    "layers": [
        {"name": "conv_1", "type": "conv2d", "filters": 6, "kernel_size": 5, "stride": 1, "padding": "same"},
        {"name": "bn_1", "type": "batch_norm", "eps": 1e-3},
        {"name": "leaky_1", "type": "leaky_relu", "slope": 0.1},
        {"name": "avg_pool_1", "type": "avg_pool2d", "pool_size": 2, "stride": 2},
        {"name": "conv_2", "type": "conv2d", "filters": 8, "kernel_size": 4, "stride": 2, "padding": [1, 2]},
        {"name": "sigmoid_2", "type": "sigmoid"},
        {"name": "max_pool_2", "type": "max_pool2d", "pool_size": 3, "stride": 1, "padding": 1},
        {"name": "dropout_2", "type": "dropout", "rate": 0.25},
        {"name": "flatten", "type": "flatten"},
        {"name": "hidden", "type": "dense", "units": 12},
        {"name": "tanh_3", "type": "tanh"},
        {"name": "bn_3", "type": "batch_norm"},
        {"name": "logits", "type": "dense", "units": 4},
        {"name": "probabilities", "type": "softmax"},
    ],
}


def torch_twin(weights):
    """The same network in PyTorch, written out layer by layer (not derived from the description)."""
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding="same"), nn.BatchNorm2d(6, eps=1e-3), nn.LeakyReLU(0.1), nn.AvgPool2d(2),
        nn.ZeroPad2d((1, 2, 1, 2)), nn.Conv2d(6, 8, 4, stride=2), nn.Sigmoid(), nn.MaxPool2d(3, 1, 1), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(8 * 7 * 7, 12), nn.Tanh(), nn.BatchNorm1d(12), nn.Linear(12, 4))
    engine_names = {"0": "conv_1", "1": "bn_1", "5": "conv_2", "10": "hidden", "12": "bn_3", "13": "logits"}
    state = {f"{i}.{suffix}": torch.from_numpy(weights[f"{name}.{suffix}"].copy())
             for i, name in engine_names.items() for suffix in ("weight", "bias", "running_mean", "running_var")
             if f"{name}.{suffix}" in weights}
    model.load_state_dict(state, strict=False)
    return model.eval()


@pytest.fixture()
def weights():
    out = random_weights(DESCRIPTION, seed=3)
    rng = np.random.default_rng(4)
    for name in ("bn_1", "bn_3"):  # statistics that are not the identity
        out[f"{name}.running_mean"] = rng.standard_normal(out[f"{name}.weight"].shape).astype(np.float32)
        out[f"{name}.running_var"] = rng.uniform(0.5, 2, out[f"{name}.weight"].shape).astype(np.float32)
        out[f"{name}.weight"] = rng.uniform(0.5, 1.5, out[f"{name}.weight"].shape).astype(np.float32)
    return out


def test_forward_and_class_gradients_match_pytorch(weights):
    net = Network(DESCRIPTION, weights)
    assert net.shapes["conv_2"] == (8, 7, 7) and net.shapes["hidden"] == (12,)
    images = np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)
    trace = net.forward(images)
    model = torch_twin(weights)
    x = torch.from_numpy(images.transpose(0, 3, 1, 2).copy()).requires_grad_(True)
    logits = model(x)
    assert_close(trace["logits"], logits.detach().numpy(), what="logits")
    assert_close(trace["probabilities"], torch.softmax(logits, 1).detach().numpy(), what="probabilities")
    grads = net.backward(trace, [2, 0, 3])
    logits[[0, 1, 2], [2, 0, 3]].sum().backward()
    assert_close(grads["input"], x.grad.numpy(), what="d logit / d input")
    assert_close(grads.parameters["conv_1.weight"], model[0].weight.grad.numpy(), what="conv_1 dW")
    assert_close(grads.parameters["bn_3.weight"], model[12].weight.grad.numpy(), what="bn_3 dgamma")
    assert set(net.weights()) == set(weights)  # running statistics are saved with the weights


def test_a_training_step_uses_batch_statistics_and_matches_pytorch(weights):
    net = Network(DESCRIPTION, weights)
    model = torch_twin(weights)
    model[8].p = 0.0  # dropout's random mask cannot match torch's: only its rate is tested, elsewhere
    net.layer("dropout_2").rate = 0.0
    images = np.random.default_rng(1).random((5, 28, 28, 1), dtype=np.float32)
    labels = np.array([0, 1, 2, 3, 1])
    trainer = Trainer(net, "sgd", lr=0.1, momentum=0.0)
    loss, _, grads = trainer.gradients(images, labels)  # a Trainer learns with batch statistics
    model.train()
    out = model(torch.from_numpy(images.transpose(0, 3, 1, 2).copy()))
    torch_loss = nn.functional.cross_entropy(out, torch.from_numpy(labels))
    torch_loss.backward()
    assert loss == pytest.approx(float(torch_loss.detach()), rel=1e-5)
    assert_close(grads["conv_1.weight"], model[0].weight.grad.numpy(), what="conv_1 dW (batch statistics)")
    assert_close(grads["bn_1.weight"], model[1].weight.grad.numpy(), what="bn_1 dgamma")
    assert_close(net.layer("bn_1").running_mean, model[1].running_mean.numpy(), what="bn_1 running mean")
    assert not any(layer.training for layer in net.layers)  # back to inference after the block
