"""vglib.studies.dying: inactive units, born-dead probability, unit tracking and revival."""

import math

import numpy as np
import pytest

from vglib import MLP
from vglib.data import load_digits, xor
from vglib.diagnostics import first_zero_layer, inactive_units
from vglib.studies.dying import born_dead_probability, revived, track_units


def test_inactive_units_matches_the_trace():
    X = np.random.default_rng(0).normal(size=(50, 4))
    net = MLP([4, 6, 5, 2], seed=1, bias=-1.0)
    masks = inactive_units(net, X)
    net.forward(X, keep=True)
    assert [m.shape for m in masks] == [(6,), (5,)]
    for m, z, h in zip(masks, net.trace.z, net.trace.h):
        np.testing.assert_array_equal(m, np.all(z <= 0, axis=0))
        np.testing.assert_array_equal(m, np.all(h == 0, axis=0))  # ReLU: inactive == dead


def test_dead_first_layer_unit_gets_no_gradient():
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = np.arange(40) % 2
    net = MLP([3, 8, 2], seed=0)
    net.biases[0][:2] = -100.0  # units 0 and 1 can never fire on these inputs
    dead = inactive_units(net, X)[0]
    assert dead[:2].all()
    _, grads = net.loss_and_grads(X, y)
    assert np.all(grads[0][0][:, dead] == 0) and np.all(grads[0][1][dead] == 0)


@pytest.mark.parametrize("widths, expected", [([1], 0.5), ([2], 0.25), ([2, 2], 1 - 0.75**2),
                                              ([3, 1], 1 - (7 / 8) * 0.5), ([], 0.0)])
def test_born_dead_probability_small_cases(widths, expected):
    assert math.isclose(born_dead_probability(widths), expected, rel_tol=1e-12, abs_tol=1e-15)


def test_born_dead_probability_is_accurate_when_tiny_and_rejects_bad_widths():
    assert math.isclose(born_dead_probability([60]), 2.0**-60, rel_tol=1e-12)
    with pytest.raises(ValueError):
        born_dead_probability([3, 0])


def test_born_dead_probability_matches_monte_carlo():
    rng = np.random.default_rng(0)
    x = np.array([[0.3, -1.2]])
    n_nets, width, depth = 2000, 2, 6
    hits = 0
    for _ in range(n_nets):
        net = MLP([2] + [width] * depth + [1], init="he_normal", seed=rng)
        hits += first_zero_layer(net, x) is not None
    p = born_dead_probability([width] * depth)
    assert abs(hits / n_nets - p) < 4 * math.sqrt(p * (1 - p) / n_nets)


def test_first_zero_layer():
    net = MLP([2, 3, 3, 1], seed=0)
    x = np.ones((4, 2))
    net.forward(x, keep=True)
    # with this seed some units of each hidden layer are zero, but no layer is all zero
    assert all(np.any(h == 0) and np.any(h) for h in net.trace.h)
    assert first_zero_layer(net, x) is None
    net.biases[1][...] = -1e6  # the second hidden layer is off for every input
    assert first_zero_layer(net, x) == 1
    net.biases[0][...] = -1e6  # now the first is too, and it comes first
    assert first_zero_layer(net, x) == 0


def test_revived():
    s = np.array([[1, 0, 1, 0],
                  [0, 0, 1, 1],
                  [1, 0, 1, 1]], dtype=bool)
    np.testing.assert_array_equal(revived(s), [True, False, False, False])
    with pytest.raises(ValueError):
        revived(np.zeros(3, bool))


def test_track_units_records_and_first_layer_never_revives_under_sgd():
    d = load_digits()
    net = MLP([64, 16, 16, 10], seed=0, init="he_normal", bias=[-4.0, -1.0, 0.0])
    tr = track_units(net, d.X_train, d.y_train, steps=60, record_every=20, lr=0.5, seed=0)
    assert list(tr.step) == [0, 20, 40, 60] and tr.stopped is None
    assert [s.shape for s in tr.inactive] == [(4, 16), (4, 16)]
    assert tr.fraction().shape == (4, 2) and tr.loss.shape == (4,)
    assert tr.inactive[0].any()
    assert not revived(tr.inactive[0]).any()
    # same seeds, same record
    net2 = MLP([64, 16, 16, 10], seed=0, init="he_normal", bias=[-4.0, -1.0, 0.0])
    tr2 = track_units(net2, d.X_train, d.y_train, steps=60, record_every=20, lr=0.5, seed=0)
    for a, b in zip(tr.inactive, tr2.inactive):
        np.testing.assert_array_equal(a, b)


def test_track_units_stops_on_divergence():
    d = xor(n=200, seed=0)
    net = MLP([2, 8, 2], seed=0)
    # The output weights pull the two logits apart: the first update takes
    # the hidden weights to ~1e300, and the next forward pass overflows
    # (1e300 * 1e300 = inf) in any IEEE runtime, WebAssembly included,
    # instead of depending on how rounding noise accumulates.
    net.weights[1][:, 0] = 1e300
    net.weights[1][:, 1] = -1e300
    tr = track_units(net, d.X_train, d.y_train, steps=50, lr=1.0, seed=0)
    assert tr.stopped is not None and tr.step[-1] < tr.stopped
    assert tr.stopped == 2  # the second step's loss is not finite
