"""Linear learning-rate warm-up (``warmup_steps=``) checked by hand."""

import numpy as np
import pytest

from vglib import optim
from vglib._checks import ArgumentTypeError

THETA = np.array([1.0, -2.0, 0.5])
GRADS = [np.array([0.1, -0.3, 2.0]), np.array([-0.2, 0.4, 1.0]),
         np.array([0.5, 0.1, -1.0]), np.array([0.3, -0.2, 0.2])]


def run(opt, grads):
    theta = THETA.copy()
    for g in grads:
        opt.update(theta, g)
    return theta


def test_the_schedule_is_linear_from_lr_over_k_to_lr():
    opt = optim.SGD(lr=0.6, warmup_steps=3)
    assert [opt.lr_at(t) for t in (1, 2, 3, 4, 100)] == pytest.approx(
        [0.2, 0.4, 0.6, 0.6, 0.6])
    assert optim.SGD(lr=0.6).lr_at(1) == 0.6          # no warm-up by default
    assert optim.Adam(lr=0.6, warmup_steps=None).lr_at(1) == 0.6


def test_sgd_steps_use_the_scheduled_rate():
    lr, k = 0.5, 3
    expected = THETA.copy()
    for t, g in enumerate(GRADS, start=1):
        expected = expected - lr * min(1.0, t / k) * g
    opt = optim.SGD(lr=lr, warmup_steps=k)
    np.testing.assert_allclose(run(opt, GRADS), expected, rtol=1e-14)
    assert opt.t == 4 and opt.lr_at() == lr


def test_warmup_with_momentum_scales_the_step_not_the_velocity():
    lr, mu, k = 0.1, 0.9, 2
    theta, v = THETA.copy(), np.zeros(3)
    for t, g in enumerate(GRADS, start=1):
        v = g if t == 1 else mu * v + g
        theta = theta - lr * min(1.0, t / k) * v
    opt = optim.SGD(lr=lr, momentum=mu, warmup_steps=k)
    np.testing.assert_allclose(run(opt, GRADS), theta, rtol=1e-14)


def test_adam_with_warmup():
    lr, b1, b2, eps, k = 1e-2, 0.9, 0.999, 1e-8, 4
    theta, m, v = THETA.copy(), 0 * THETA, 0 * THETA
    for t, g in enumerate(GRADS, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        step = (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        theta = theta - lr * min(1.0, t / k) * step
    opt = optim.get("adam", lr=lr, warmup_steps=k)
    np.testing.assert_allclose(run(opt, GRADS), theta, rtol=1e-12)
    # Adam's first step moves every parameter by about the warmed-up rate
    first = run(optim.Adam(lr=lr, warmup_steps=k), GRADS[:1])
    np.testing.assert_allclose(np.abs(first - THETA), lr / k, rtol=1e-5)


def test_clipping_and_warmup_combine():
    g = np.array([3.0, 4.0])                      # norm 5, clipped to 1
    opt = optim.SGD(lr=1.0, clip_norm=1.0, warmup_steps=4)
    theta = np.zeros(2)
    opt.update(theta, g)
    np.testing.assert_allclose(theta, -0.25 * g / 5)


def test_reset_restarts_the_warmup():
    opt = optim.SGD(lr=1.0, warmup_steps=2)
    run(opt, GRADS[:3])
    opt.reset()
    theta = run(opt, GRADS[:1])
    np.testing.assert_allclose(theta, THETA - 0.5 * GRADS[0])


def test_momentum_name_and_repr_carry_warmup():
    opt = optim.get("momentum", lr=0.1, warmup_steps=5)
    assert opt.momentum == 0.9 and opt.warmup_steps == 5
    assert "warmup_steps=5" in repr(opt)
    assert "warmup_steps=0" in repr(optim.Adam())


@pytest.mark.parametrize("bad, error", [
    (-1, ValueError), (2.5, ValueError), (np.inf, ValueError),
    (True, ArgumentTypeError), ("10", ArgumentTypeError)])
def test_bad_warmup_values_are_refused(bad, error):
    for cls in (optim.SGD, optim.Adam):
        with pytest.raises(error, match="warmup_steps must be an integer >="):
            cls(warmup_steps=bad)


def test_bad_step_index():
    with pytest.raises(ValueError, match="t must be a positive integer"):
        optim.SGD(warmup_steps=3).lr_at(0)
