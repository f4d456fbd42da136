"""Each optimiser's step against a hand computation."""

import math

import numpy as np
import pytest

from vglib import MLP, optim

THETA = np.array([1.0, -2.0, 0.5])
G1 = np.array([0.1, -0.3, 2.0])
G2 = np.array([-0.2, 0.4, 1.0])


def run(opt, grads, theta=THETA):
    theta = theta.copy()
    for g in grads:
        opt.update(theta, g)
    return theta


def test_sgd():
    np.testing.assert_allclose(run(optim.SGD(lr=0.1), [G1]), THETA - 0.1 * G1)


def test_sgd_with_momentum_two_steps():
    v1 = G1
    v2 = 0.9 * v1 + G2
    expected = THETA - 0.1 * v1 - 0.1 * v2
    np.testing.assert_allclose(run(optim.get("momentum", lr=0.1), [G1, G2]), expected)


def test_adam_two_steps():
    lr, b1, b2, eps = 1e-2, 0.9, 0.999, 1e-8
    theta, m, v = THETA.copy(), 0 * THETA, 0 * THETA
    for t, g in enumerate([G1, G2], start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta = theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    np.testing.assert_allclose(run(optim.Adam(lr=lr), [G1, G2]), theta, rtol=1e-12)
    # the first Adam step moves every parameter by about lr, whatever the gradient's size
    np.testing.assert_allclose(np.abs(run(optim.Adam(lr=lr), [G1]) - THETA), lr, rtol=1e-5)


def test_gradient_clipping_rescales_to_the_norm_and_leaves_grads_alone():
    g = np.array([3.0, 4.0])                      # norm 5
    theta = run(optim.SGD(lr=1.0, clip_norm=1.0), [g], theta=np.zeros(2))
    np.testing.assert_allclose(theta, -g / 5)
    assert np.array_equal(g, [3.0, 4.0])
    assert optim.clip_by_norm(g, 10.0) == 1.0 and math.isclose(optim.clip_by_norm(g, 2.5), 0.5)


def test_float32_stays_float32_and_step_uses_the_network():
    net = MLP([3, 4, 2], seed=0, dtype=np.float32)
    X = np.ones((5, 3), np.float32)
    _, grads = net.loss_and_grads(X, np.array([0, 1, 0, 1, 1]))
    before = net.flat.copy()
    opt = optim.Adam(lr=0.01)
    opt.step(net, grads)
    assert net.flat.dtype == opt.m.dtype == np.float32
    assert not np.array_equal(net.flat, before)
    np.testing.assert_allclose(net.flat, before - 0.01 * np.sign(grads.flat), atol=1e-6)


def test_bad_options_and_names():
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        optim.SGD(lr=-1)
    with pytest.raises(ValueError, match="momentum must lie in"):
        optim.SGD(momentum=1.0)
    with pytest.raises(ValueError, match="unknown optimizer 'adma'.*Did you mean 'adam'"):
        optim.get("adma")
    opt = optim.SGD()
    opt.update(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"holds state for parameters of shape \(3,\)"):
        opt.update(np.zeros(4), np.zeros(4))
