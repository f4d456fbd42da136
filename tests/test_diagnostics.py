"""Per-layer diagnostics at initialisation."""

import numpy as np

from vglib import MLP, diagnostics as diag
from vglib.activations import get


def batch(n=64, n_in=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n_in)), rng.integers(0, 3, size=n)


def test_layer_stats_shapes_and_definitions():
    net = MLP([8, 6, 6, 3], activation="relu", seed=0)
    X, y = batch()
    s = diag.layer_stats(net, X, y)
    for key in ("grad_mean_abs", "grad_norm", "weight_norm", "update_ratio"):
        assert s[key].shape == (3,)
    for key in ("act_mean", "act_std", "saturated_fraction", "dead_fraction"):
        assert s[key].shape == (2,)
    _, grads = net.loss_and_grads(X, y, keep=True)
    assert np.isclose(s["grad_mean_abs"][1], np.abs(grads[1][0]).mean())
    assert np.isclose(s["weight_norm"][0], np.sqrt((net.weights[0] ** 2).sum()))
    h0 = net.trace.h[0]
    assert np.isclose(s["act_mean"][0], h0.mean())
    assert np.isclose(s["saturated_fraction"][0], np.mean(net.trace.z[0] <= 0))  # ReLU: f' = 0 iff z <= 0
    assert np.all(np.isnan(s["update_ratio"]))


def test_negative_bias_kills_relu_units():
    X, y = batch()
    dead = diag.layer_stats(MLP([8, 6, 6, 3], activation="relu", seed=0, bias=-10.0), X, y)
    assert np.all(dead["dead_fraction"] == 1.0)
    alive = diag.layer_stats(MLP([8, 6, 6, 3], activation="sigmoid", seed=0, bias=-10.0), X, y)
    assert np.all(alive["dead_fraction"] == 0.0)          # a sigmoid is never exactly zero
    assert np.all(alive["saturated_fraction"] == 1.0)      # but it is saturated


def test_dead_and_saturated_helpers():
    h = np.array([[0.0, 1.0], [0.0, 0.0]])
    assert diag.dead_fraction(h) == 0.5
    assert diag.saturated_fraction(get("sigmoid"), np.array([0.0, 10.0]), threshold=0.01) == 0.5


def test_histograms_and_deep_sigmoid_gradients_vanish():
    net = MLP([8, 10, 10, 10, 10, 10, 3], activation="sigmoid", seed=0)
    X, y = batch()
    s = diag.layer_stats(net, X, y)
    assert s["grad_mean_abs"][0] < s["grad_mean_abs"][-2] / 10   # first layer learns far slower
    hs = diag.histograms(net, X, y, bins=5)
    assert len(hs["activations"]) == 5 and len(hs["gradients"]) == 6
    counts, edges = hs["activations"][0]
    assert counts.sum() == 64 * 10 and edges.size == 6


def test_activation_stats_restore_training_mode():
    net = MLP([8, 6, 3], activation="rrelu", seed=0)
    diag.activation_stats(net, batch()[0])
    assert net.training and net.activations[0].training
