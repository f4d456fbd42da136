"""Randomized asymmetric initialisation (RAI, Lu et al. 2020)."""

import numpy as np
import pytest

from vglib import MLP, init
from vglib.diagnostics import first_zero_layer


def stacked(n_in, n_out, **kw):
    W, b = init.rai(n_in, n_out, **kw)
    return np.vstack([W, b])            # column j: unit j's weights, then bias


def test_shapes_dtype_and_seed():
    W, b = init.rai(5, 7, rng=3)
    assert W.shape == (5, 7) and b.shape == (7,)
    W2, b2 = init.rai(5, 7, rng=3)
    assert np.array_equal(W, W2) and np.array_equal(b, b2)
    W32, b32 = init.rai(5, 7, rng=3, dtype=np.float32)
    assert W32.dtype == b32.dtype == np.float32
    np.testing.assert_array_equal(W32, W.astype(np.float32))
    np.testing.assert_array_equal(b32, b.astype(np.float32))


def test_one_positive_beta_entry_per_unit_at_a_uniform_place():
    n_in, n_out = 3, 40_000
    V = stacked(n_in, n_out, rng=0, sigma=0.0)   # only the P entries remain
    nonzero = V != 0
    assert np.all(nonzero.sum(axis=0) == 1)      # exactly one per unit
    x = V.sum(axis=0)
    assert np.all((x > 0) & (x <= 1))
    # the chosen index is uniform over the n_in weights and the bias
    share = nonzero.mean(axis=1)
    np.testing.assert_allclose(share, 1 / (n_in + 1), atol=0.01)
    # Beta(2, 1): mean 2/3, second moment 1/2, P(x < 1/2) = 1/4
    assert abs(x.mean() - 2 / 3) < 0.005
    assert abs((x**2).mean() - 0.5) < 0.005
    assert abs(np.mean(x < 0.5) - 0.25) < 0.01


def test_other_beta_shapes():
    x = stacked(1, 40_000, rng=1, sigma=0.0, beta=(1.0, 1.0)).sum(axis=0)
    assert abs(x.mean() - 0.5) < 0.01 and abs(np.mean(x < 0.5) - 0.5) < 0.01


def test_symmetric_entries_have_variance_sigma_squared_over_fan_in():
    n_in, n_out = 400, 3000
    V = stacked(n_in, n_out, rng=2)
    # per unit: n_in entries of variance σ²/n_in, one of P (mean 2/3, E x² 1/2)
    np.testing.assert_allclose((V**2).sum(axis=0).mean(),
                               init.RAI_SIGMA**2 + 0.5, rtol=0.02)
    np.testing.assert_allclose(V.sum(axis=0).mean(), 2 / 3, atol=0.02)
    V2 = stacked(n_in, n_out, rng=2, sigma=2.0)
    np.testing.assert_allclose((V2**2).sum(axis=0).mean(), 4.5, rtol=0.02)


def _second_moment_ratios(draw, n=512, layers=6, seed=0):
    rng = np.random.default_rng(seed)
    h = rng.normal(size=(200, n))
    q = []
    for _ in range(layers):
        W, b = draw(n, rng)
        h = np.maximum(h @ W + b, 0.0)
        q.append(np.mean(h**2))
    q = np.array(q)
    return q[1:] / q[:-1]


def test_rai_shrinks_the_second_moment_where_he_keeps_it():
    rai = _second_moment_ratios(lambda n, r: init.rai(n, n, rng=r))
    he = _second_moment_ratios(
        lambda n, r: (init.initialize("he_normal", n, n, rng=r), 0.0))
    assert 0.6 < rai.mean() < 0.9, rai   # 0.74-0.79 over seeds 0-9
    assert 0.9 < he.mean() < 1.1, he     # 0.96-1.03


def test_rai_makes_narrow_deep_networks_less_often_born_dead():
    """Lu et al.'s point: width 3, 30 hidden layers, one input."""
    x0 = np.array([[0.7, -1.3]])
    dead = {}
    for scheme in ("he", "rai"):
        rng = np.random.default_rng(5)
        hits = 0
        for _ in range(150):
            net = MLP([2] + [3] * 30 + [1], init="he_normal", seed=rng)
            if scheme == "rai":
                for W, b in zip(net.weights[:-1], net.biases[:-1]):
                    W[...], b[...] = init.rai(*W.shape, rng=rng)
            hits += first_zero_layer(net, x0) is not None
        dead[scheme] = hits / 150
    assert dead["he"] > 0.85 and dead["rai"] < 0.65, dead


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(n_in=0, n_out=2), ValueError, "n_in must be a positive integer"),
    (dict(n_in=2, n_out=1.5), ValueError, "n_out must be a positive integer"),
    (dict(n_in=2, n_out=2, sigma=-1.0), ValueError, "sigma must be"),
    (dict(n_in=2, n_out=2, beta=(0.0, 1.0)), ValueError, "beta must be two"),
    (dict(n_in=2, n_out=2, beta=(1.0, 2.0, 3.0)), ValueError, "beta must be"),
    (dict(n_in=2, n_out=2, rng="zero"), TypeError, "rng must be"),
    (dict(n_in=2, n_out=2, dtype=np.int64), ValueError, "dtype must be"),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        init.rai(**kwargs)
