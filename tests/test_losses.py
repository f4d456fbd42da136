"""Losses: values against direct formulas, gradients against finite differences, stability."""

import numpy as np
import pytest

from vglib import losses
from vglib.gradcheck import numerical_gradient, relative_error

RNG = np.random.default_rng(0)
O = RNG.normal(size=(5, 3))
LABELS = np.array([0, 2, 1, 1, 0])
DENSE = RNG.uniform(size=(5, 3))


@pytest.mark.parametrize(("name", "y"), [("cross_entropy", LABELS), ("mse", LABELS), ("mse", DENSE),
                                         ("bce_with_logits", LABELS), ("bce_with_logits", DENSE)])
def test_gradient_matches_finite_differences(name, y):
    loss = losses.get(name)
    o = O.copy()
    value, grad = loss.value_and_grad(o, y)
    num = numerical_gradient(lambda x: loss(x, y), o)
    assert relative_error(grad, num, floor=1e-8) < 1e-6
    assert isinstance(value, float)


def test_values_equal_textbook_formulas():
    p = np.exp(O) / np.exp(O).sum(1, keepdims=True)
    assert np.isclose(losses.get("cross_entropy")(O, LABELS), -np.log(p[np.arange(5), LABELS]).mean())
    onehot = np.eye(3)[LABELS]
    assert np.isclose(losses.get("mse")(O, LABELS), ((O - onehot) ** 2).mean())
    s = 1 / (1 + np.exp(-O))
    bce = -(DENSE * np.log(s) + (1 - DENSE) * np.log(1 - s)).mean()
    assert np.isclose(losses.get("bce")(O, DENSE), bce)
    np.testing.assert_allclose(losses.softmax(O), p)
    np.testing.assert_allclose(losses.log_softmax(O), np.log(p))


@pytest.mark.parametrize("name", losses.available())
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits_stay_finite(name, dtype):
    o = np.array([[1e4, -1e4, 0.0], [-1e30, 1e30, 1.0]], dtype=dtype)
    value, grad = losses.get(name).value_and_grad(o, np.array([1, 0]))
    if name != "mse":
        assert np.isfinite(value) and np.all(np.isfinite(grad))
    assert grad.dtype == dtype


def test_binary_labels_with_one_output():
    o = np.array([[2.0], [-1.0]])
    value = losses.get("bce_with_logits")(o, np.array([1, 0]))
    assert np.isclose(value, np.mean(np.log1p(np.exp(-np.array([2.0, 1.0])))))


def test_unknown_loss_and_bad_targets():
    with pytest.raises(ValueError, match="unknown loss 'msee'.*Did you mean"):
        losses.get("msee")
    with pytest.raises(ValueError, match=r"targets of shape \(5, 2\) do not match the output of shape \(5, 3\)"):
        losses.get("mse")(O, np.zeros((5, 2)))
    with pytest.raises(ValueError, match="integer class labels"):
        losses.get("cross_entropy")(O, LABELS.astype(float))
