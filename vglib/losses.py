r"""Loss functions of the network output ``o`` (the logits), with their gradients.

Every loss is a small class with

* ``loss(o, y)``                 the scalar loss ``ℓ`` (a Python float);
* ``loss.value_and_grad(o, y)``  ``(ℓ, ∂ℓ/∂o)``, the gradient with the shape and dtype of ``o``.

``o`` has shape ``(N, K)`` (``N`` examples, ``K`` outputs). The gradient
``∂ℓ/∂o`` is the error signal ``δ_L`` that starts backpropagation. All losses
are *means*, so the gradient carries a factor ``1/N`` (or ``1/(NK)``).

Targets
-------
* :class:`CrossEntropy`: integer class labels of shape ``(N,)`` in ``[0, K)``.
* :class:`MSE` and :class:`BCEWithLogits`: a float array of the shape of
  ``o``, or integer labels of shape ``(N,)`` that are one-hot encoded
  (with ``K = 1``, labels 0/1 are used as they are).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from . import _checks

__all__ = ["Loss", "CrossEntropy", "MSE", "BCEWithLogits", "get", "available", "softmax", "log_softmax"]


def _shifted(o):
    """``o − max_j o_j`` along the last axis, with the limits for infinite entries.

    A row with ``+inf`` entries shares all its probability equally among them
    (the limit as those entries grow); a row that is all ``−inf`` has no
    softmax (0/0) and is refused. NaN propagates.
    """
    o = _checks.array("o", o)
    o = o if o.dtype.kind == "f" else o.astype(np.float64)
    if o.ndim == 0 or o.shape[-1] == 0:
        raise ValueError(f"o must have at least one entry along its last axis, got shape {o.shape}")
    m = o.max(axis=-1, keepdims=True)
    if np.isneginf(m).any():
        raise ValueError("a row of o is all -inf: its softmax is 0/0, undefined")
    top = np.isposinf(m)
    if top.any():
        o = np.where(top, np.where(o == np.inf, 0, -np.inf).astype(o.dtype), o)
        m = np.where(top, 0, m)
    return o - m


def softmax(o):
    r"""Row-wise softmax ``p_k = e^{o_k} / Σ_j e^{o_j}``, computed with the max subtracted."""
    e = np.exp(_shifted(o))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(o):
    r"""Row-wise ``log p_k = o_k − m − log Σ_j e^{o_j − m}`` with ``m = max_j o_j`` (no overflow)."""
    s = _shifted(o)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


class Loss:
    """Base class: a mean loss of the logits ``o`` and the targets ``y``."""

    name = ""

    def __call__(self, o, y) -> float:
        return self.value_and_grad(o, y)[0]

    def value_and_grad(self, o, y, out=None):
        """``(ℓ, ∂ℓ/∂o)``; ``out`` is an optional array of the shape of ``o`` for the gradient."""
        o = self._check_output(o)
        t = self.targets(y, o.shape, o.dtype)
        if out is None:
            out = np.empty_like(o)
        elif not isinstance(out, np.ndarray) or out.shape != o.shape or out.dtype != o.dtype:
            raise _checks.ArgumentTypeError(f"out must be an array of o's shape {o.shape} and dtype {o.dtype}, "
                                            f"got {_checks.show(out)}")
        return self.value_and_grad_into(o, t, out)

    def targets(self, y, shape, dtype):
        """Check ``y`` against the output shape ``(N, K)`` and return it in the form the loss uses."""
        raise NotImplementedError  # pragma: no cover

    def value_and_grad_into(self, o, t, out):
        """``(ℓ, ∂ℓ/∂o)`` with the gradient written into ``out``, no checks: the training hot path.

        ``t`` must come from :meth:`targets` and ``out`` have ``o``'s shape and
        dtype; :meth:`value_and_grad` is the checked form.
        """
        raise NotImplementedError  # pragma: no cover

    @staticmethod
    def _check_output(o):
        o = _checks.array("o", o, kinds="f", finite=True)
        if o.ndim != 2:
            raise ValueError(f"the network output o must be a float array of shape (N, K), got shape {o.shape}")
        return o

    def __repr__(self):
        return f"{type(self).__name__}()"


def _batch(n):
    if n < 1:
        raise ValueError("the loss of an empty batch is undefined: give at least one example (X and y have no rows)")


def _labels(y, n, k, what):
    _batch(n)
    y = _checks.array("y", y, kinds="biuf")
    if y.dtype.kind not in "iub":
        raise ValueError(f"{what} needs integer class labels y, got dtype {y.dtype}")
    if y.shape != (n,):
        raise ValueError(f"labels y of shape {y.shape} do not match the output of shape ({n}, {k}): expected ({n},)")
    if n and (y.min() < 0 or y.max() >= k):
        raise ValueError(f"labels must lie in [0, {k}) for an output of shape ({n}, {k}); got values from {y.min()} to {y.max()}")
    return y.astype(np.intp, copy=False)


def _dense_targets(y, shape, dtype, what, low=-np.inf, high=np.inf):
    """Targets of the output's shape: one-hot from integer labels, else floats in ``[low, high]``."""
    _batch(shape[0])
    y = _checks.array("y", y)
    n, k = shape
    if y.dtype.kind in "iub" and y.ndim == 1:
        labels = _labels(y, n, max(k, 2), what)
        if k == 1:
            return labels.astype(dtype).reshape(n, 1)
        t = np.zeros(shape, dtype=dtype)
        t[np.arange(n), labels] = 1
        return t
    if y.shape != shape:
        raise ValueError(f"{what} targets of shape {y.shape} do not match the output of shape {shape}")
    t = _checks.finite_array("y", np.asarray(y, dtype=dtype))
    if t.min() < low or t.max() > high:
        raise ValueError(f"{what} targets y must lie in [{low:g}, {high:g}], got values from {t.min():g} to {t.max():g}")
    return t


class CrossEntropy(Loss):
    r"""Mean softmax cross-entropy of integer labels.

    .. math::
        \ell = \frac1N \sum_{i} \Bigl( \log \sum_k e^{o_{ik}} - o_{i y_i} \Bigr),
        \qquad
        \frac{\partial \ell}{\partial o_{ik}} = \frac1N \bigl( p_{ik} - [k = y_i] \bigr)

    with ``p = softmax(o)``. The log-sum-exp subtracts the row maximum first,
    so logits of any size give a finite loss.
    """

    name = "cross_entropy"

    def targets(self, y, shape, dtype):
        return _labels(y, shape[0], shape[1], "cross-entropy")

    def value_and_grad_into(self, o, y, out):
        n = o.shape[0]
        rows = np.arange(n)
        np.subtract(o, o.max(axis=1, keepdims=True), out=out)   # s = o − max
        picked = out[rows, y].sum()                              # Σ_i s_{i y_i}
        np.exp(out, out=out)
        total = out.sum(axis=1, keepdims=True)
        loss = (float(np.log(total).sum()) - float(picked)) / n
        out /= total                                             # p
        out[rows, y] -= 1                                        # p − onehot
        out *= 1.0 / n
        return loss, out


class MSE(Loss):
    r"""Mean squared error over all ``N·K`` elements.

    .. math::
        \ell = \frac{1}{NK} \sum_{i,k} (o_{ik} - t_{ik})^2, \qquad
        \frac{\partial \ell}{\partial o_{ik}} = \frac{2}{NK} (o_{ik} - t_{ik})
    """

    name = "mse"

    def targets(self, y, shape, dtype):
        return _dense_targets(y, shape, dtype, "mse")

    def value_and_grad_into(self, o, t, out):
        np.subtract(o, t, out=out)
        loss = float(np.vdot(out, out)) / out.size
        out *= 2.0 / out.size
        return loss, out


class BCEWithLogits(Loss):
    r"""Mean binary cross-entropy of independent sigmoid outputs, from the logits.

    .. math::
        \ell = \frac{1}{NK} \sum_{i,k} \Bigl( \max(o, 0) - o\,t + \log\bigl(1 + e^{-|o|}\bigr) \Bigr),
        \qquad
        \frac{\partial \ell}{\partial o_{ik}} = \frac{1}{NK} \bigl( \sigma(o_{ik}) - t_{ik} \bigr)

    The form on the left equals ``−t log σ(o) − (1 − t) log(1 − σ(o))`` and
    never takes ``log 0`` or ``exp`` of a large number.
    """

    name = "bce_with_logits"

    def targets(self, y, shape, dtype):
        return _dense_targets(y, shape, dtype, "bce_with_logits", low=0.0, high=1.0)

    def value_and_grad_into(self, o, t, out):
        terms = np.maximum(o, 0) - o * t + np.log1p(np.exp(-np.abs(o)))
        loss = float(terms.sum()) / o.size
        special.expit(o, out=out)
        out -= t
        out *= 1.0 / o.size
        return loss, out


_REGISTRY = {cls.name: cls for cls in (CrossEntropy, MSE, BCEWithLogits)}
_ALIASES = {"softmax_cross_entropy": "cross_entropy", "ce": "cross_entropy",
            "mean_squared_error": "mse", "bce": "bce_with_logits",
            "binary_cross_entropy_with_logits": "bce_with_logits"}


def available() -> list[str]:
    """Sorted list of the loss names (aliases not included)."""
    return sorted(_REGISTRY)


def get(name) -> Loss:
    """A loss object from its name (a :class:`Loss` object is returned unchanged)."""
    if isinstance(name, Loss):
        return name
    return _REGISTRY[_checks.lookup("loss", name, _REGISTRY, aliases=_ALIASES, also="a Loss object")]()
