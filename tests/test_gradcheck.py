"""vglib.gradcheck itself: the checker must catch a wrong derivative."""

import numpy as np
import pytest

from vglib.gradcheck import numerical_derivative, numerical_gradient, relative_error


def test_numerical_derivative_of_known_functions():
    z = np.linspace(-2, 2, 41)
    assert relative_error(numerical_derivative(np.sin, z), np.cos(z)) < 1e-9
    assert relative_error(numerical_derivative(np.exp, z), np.exp(z)) < 1e-9


def test_numerical_gradient_of_a_quadratic_form_and_restores_x():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    x = rng.normal(size=(2, 2))
    before = x.copy()
    g = numerical_gradient(lambda v: v.ravel() @ A @ v.ravel(), x)
    assert relative_error(g, ((A + A.T) @ before.ravel()).reshape(2, 2)) < 1e-8
    np.testing.assert_array_equal(x, before)


def test_relative_error_detects_a_wrong_derivative():
    z = np.linspace(0.1, 2, 20)
    assert relative_error(2 * z, numerical_derivative(lambda t: t**2, z)) < 1e-9
    assert relative_error(3 * z, numerical_derivative(lambda t: t**2, z)) > 0.3


def test_gradcheck_errors_are_clear():
    with pytest.raises(ValueError, match="same shape|one shape"):
        relative_error(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="float64 numpy array"):
        numerical_gradient(lambda v: 0.0, np.ones(3, dtype=np.float32))
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        numerical_derivative(np.sin, [1.0], eps=0)
