"""Sign agreement of weight gradients (vglib.diagnostics.sign_agreement)."""

import numpy as np
import pytest

from vglib import MLP
from vglib.diagnostics import one_signed, sign_agreement


def test_small_example_by_hand():
    h = np.array([[1.0, 2.0], [3.0, 0.0]])
    d = np.array([[1.0, -1.0], [-1.0, 2.0]])
    per_example = sign_agreement(h, d)
    # every column h * δ_j has one sign; no example's whole matrix does
    assert per_example == {"column": 1.0, "layer": 0.0, "minority": 0.0, "n_columns": 4}
    # the batch of both: G = [[-2, 5], [2, -2]]; both columns are mixed
    both = sign_agreement(h, d, batch_size=2)
    assert both["column"] == 0.0 and both["layer"] == 0.0 and both["n_columns"] == 2
    assert both["minority"] == pytest.approx(np.mean([2 / 4, 2 / 7]))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nonnegative_inputs_give_one_signed_columns(seed):
    rng = np.random.default_rng(seed)
    h = np.maximum(rng.normal(size=(40, 7)), 0)
    d = rng.normal(size=(40, 5))
    r = sign_agreement(h, d)
    assert r["column"] == 1.0 and r["minority"] == 0.0
    assert r["layer"] < 0.1  # different units, different signs
    mixed = sign_agreement(rng.normal(size=(40, 7)), d)
    assert mixed["column"] < 0.1 and mixed["minority"] > 0.1


def test_zero_columns_are_left_out():
    h = np.ones((3, 4))
    d = np.array([[1.0, 0.0], [-2.0, 0.0], [0.5, 0.0]])
    r = sign_agreement(h, d)
    assert r["n_columns"] == 3 and r["column"] == 1.0
    assert np.isnan(sign_agreement(h, np.zeros((3, 2)))["column"])


def test_batch_gradient_matches_the_network():
    net = MLP([5, 6, 4, 3], activation="relu", seed=0)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 5)), rng.integers(0, 3, size=8)
    _, grads = net.loss_and_grads(X, y, keep=True)
    tr = net.trace
    G = tr.h[0].T @ tr.delta[1]
    np.testing.assert_allclose(G, grads[1][0], rtol=1e-12, atol=1e-15)
    whole = sign_agreement(tr.h[0], tr.delta[1], batch_size=8)
    expect = one_signed(grads[1][0], axis=0)[np.any(grads[1][0] != 0, axis=0)].mean()
    assert whole["column"] == pytest.approx(expect)


def test_one_signed():
    assert one_signed([0.0, 1.0, 2.0]) and one_signed([0.0, -1.0]) and one_signed([0.0, 0.0])
    assert not one_signed([-1.0, 1.0])
    np.testing.assert_array_equal(one_signed([[1.0, -1.0], [2.0, -3.0]], axis=0), [True, True])


@pytest.mark.parametrize("h, d, b", [
    (np.ones((4, 2)), np.ones((3, 2)), 1),      # different N
    (np.ones(4), np.ones((4, 2)), 1),           # not 2-D
    (np.ones((4, 2)), np.ones((4, 2)), 3),      # 3 does not divide 4
    (np.ones((4, 2)), np.ones((4, 2)), 0),
])
def test_errors(h, d, b):
    with pytest.raises(ValueError):
        sign_agreement(h, d, batch_size=b)
