"""Centred finite differences, to check derivatives and backward passes.

A learner should verify a derivative, not trust it. Three helpers:

* :func:`numerical_derivative` for elementwise functions ``f: R -> R``
  applied to arrays (activations);
* :func:`numerical_gradient` for a scalar function of an array
  (a loss as a function of one weight matrix);
* :func:`relative_error` to compare an analytic result with a numerical one.

All work in float64: a centred difference with step ``ε`` has truncation
error ``O(ε²)`` and rounding error ``O(u/ε)`` with ``u ≈ 1e-16``, so
``ε ≈ 1e-5`` gives about 10 correct digits. In float32 (``u ≈ 6e-8``) the
same check can give no more than 3 or 4, which is why checks run in float64.
"""

from __future__ import annotations

import math

import numpy as np

from . import _checks

__all__ = ["numerical_derivative", "numerical_gradient", "relative_error", "check_elementwise"]


def _float64(x, what):
    return _checks.array(what, x, kinds="iuf", finite=True, dtype=np.float64)


def _eps(eps):
    return _checks.real("eps", eps, low=0.0, low_open=True)


def numerical_derivative(f, z, eps=1e-5):
    r"""Centred difference of an elementwise function, elementwise.

    .. math:: f'(z) \approx \frac{f(z + \varepsilon) - f(z - \varepsilon)}{2\varepsilon}

    Parameters
    ----------
    f : callable
        Elementwise function of an array (e.g. an activation).
    z : array_like
        Points, converted to float64.
    eps : float
        Step, ``> 0``.
    """
    f, eps = _checks.function("f", f), _eps(eps)
    z = _float64(z, "z")
    up, down = (_checks.array(f"f(z {sign} eps)", f(z + s * eps), finite=True, dtype=np.float64)
                for sign, s in (("+", 1), ("-", -1)))
    return (up - down) / (2 * eps)


def numerical_gradient(f, x, eps=1e-6):
    r"""Centred-difference gradient of a scalar function of an array.

    Perturbs one element of ``x`` at a time (``2·x.size`` calls of ``f``),
    restoring it afterwards: ``∂f/∂x_i ≈ (f(x + εe_i) − f(x − εe_i)) / 2ε``.

    Parameters
    ----------
    f : callable
        Called as ``f(x)``; returns a scalar. ``x`` is perturbed in place, so
        ``f`` may also ignore its argument and read an array it holds (a
        network's weight matrix, say) that is the same object as ``x``.
    x : numpy.ndarray
        A contiguous float64 array, perturbed in place and restored.
    eps : float
        Step, ``> 0``.

    Returns
    -------
    numpy.ndarray of the shape of ``x``.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise _checks.ArgumentTypeError(f"numerical_gradient perturbs x in place: give a float64 numpy array, got {_checks.show(x)}")
    f, eps = _checks.function("f", f), _eps(eps)
    grad = np.empty_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("x must be contiguous so that it can be perturbed in place")
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = float(f(x))
        flat[i] = old - eps
        down = float(f(x))
        flat[i] = old
        if not (math.isfinite(up) and math.isfinite(down)):
            raise ValueError(f"f returned {up if not math.isfinite(up) else down} with element {i} of x moved by ±eps")
        gflat[i] = (up - down) / (2 * eps)
    return grad


def relative_error(a, b, floor=1e-12):
    r"""Largest elementwise relative difference between ``a`` and ``b``.

    .. math:: \max_i \frac{|a_i - b_i|}{\max(|a_i|, |b_i|, \text{floor})}

    ``floor`` keeps the ratio meaningful where both are (nearly) zero: two
    values below ``floor`` in size count as equal to about ``|a − b| / floor``.
    Shapes must match, and both must be finite (a NaN has no relative error).
    """
    a, b = _float64(a, "a"), _float64(b, "b")
    floor = _checks.real("floor", floor, low=0.0, low_open=True)
    if a.shape != b.shape:
        raise ValueError(f"relative_error compares arrays of one shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)
    return float(np.max(np.abs(a - b) / scale))


def check_elementwise(f, df, z, eps=1e-5):
    """Relative error between ``df(z)`` and the centred difference of ``f`` at ``z``."""
    return relative_error(df(np.asarray(z, dtype=np.float64)), numerical_derivative(f, z, eps))
