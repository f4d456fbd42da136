r"""What an activation and a training step cost, counted rather than timed.

Measured times depend on the processor, the NumPy build, the number of
threads and whatever else the machine is doing: on two machines the same two
functions can come out in either order. Counts do not. This module counts

* the **elementwise passes** an activation makes over its input: every NumPy
  ufunc call (``maximum``, ``multiply``, ``exp``, ``greater``, …) that
  ``act(z)`` or ``act.grad(z)`` makes on an array of ``z``'s shape, each one a
  full read and write of memory;
* among them the **transcendental** ones (``exp``, ``expm1``, ``log1p``,
  ``tanh``, ``erfc``, …), which cost many multiply-adds each where a
  comparison or a product costs one;
* the **multiply-adds of the matrix products** of one training step of an
  MLP: :math:`B\,n_{l-1} n_l` per layer forward, the same again for each
  weight gradient, and again for each error signal passed down below the
  top layer.

An activation's work grows like :math:`B\,n` per layer and the products like
:math:`B\,n^2`, so the activation's share of a step falls as the layers get
wider, whatever the machine.

>>> from vglib.studies.cost import count_passes
>>> c = count_passes("relu")
>>> c.value, c.grad, c.transcendental
(1, 1, 0)
>>> count_passes("elu").transcendental >= 1
True

Copies and casts (``astype``) and random draws (RReLU's slopes) are not
ufunc calls and are not counted: the counts are a lower bound on memory
traffic, exact for the arithmetic.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .. import activations as _acts

__all__ = ["TRANSCENDENTAL", "Passes", "count_passes", "step_multiply_adds", "activation_ops_per_step"]

# ufuncs (and SciPy special functions) that evaluate a series or a table
# rather than one arithmetic operation
TRANSCENDENTAL = frozenset({"exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "tanh",
                            "sinh", "cosh", "arctanh", "erf", "erfc", "ndtr", "expit", "power",
                            "float_power", "logaddexp"})


class _Traced(np.ndarray):
    """An array that records, by name, every ufunc called on an array of its shape."""

    __vglib_traced__ = True  # activations pass it through unchanged (see activations._base)

    def __array_finalize__(self, obj):
        self.log = getattr(obj, "log", None)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        log = next(x.log for x in inputs if isinstance(x, _Traced))
        plain = [np.asarray(x) if isinstance(x, _Traced) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(np.asarray(o) for o in kwargs["out"])
        result = getattr(ufunc, method)(*plain, **kwargs)
        shape = np.broadcast_shapes(*(np.shape(x) for x in plain))
        if method == "__call__" and np.prod(shape) > 1:  # a pass over the array, not scalar arithmetic
            log[ufunc.__name__] += 1
        if isinstance(result, tuple):
            return tuple(self._wrap(r, log) for r in result)
        return self._wrap(result, log)

    @staticmethod
    def _wrap(r, log):
        if isinstance(r, np.ndarray) and r.ndim > 0:
            r = r.view(_Traced)
            r.log = log
        return r


def _trace(fn, z):
    t = np.asarray(z).view(_Traced)
    t.log = Counter()
    fn(t)
    return t.log


@dataclass(frozen=True)
class Passes:
    """Elementwise passes of one activation over an array: the value, the slope, and which ufuncs."""

    name: str
    value: int
    grad: int
    transcendental: int  # transcendental passes in value and slope together
    ufuncs: dict = field(default_factory=dict)  # ufunc name -> calls, value and slope together

    @property
    def total(self) -> int:
        return self.value + self.grad


def count_passes(activation, *, n=64, dtype=np.float64) -> Passes:
    """Count the ufunc passes ``act(z)`` and ``act.grad(z)`` make over an array of ``n`` numbers.

    ``z`` holds both signs, so every branch of a piecewise activation runs.
    The count does not depend on ``n`` (each pass covers the whole array) nor
    on the machine.
    """
    act = _acts.get(activation)
    n = int(n)
    if n < 2:
        raise ValueError(f"n must be an integer >= 2 (both signs are needed), got {n}")
    z = np.linspace(-3.0, 3.0, n).astype(dtype)
    value, grad = _trace(act, z), _trace(act.grad, z)
    both = value + grad
    return Passes(act.name, sum(value.values()), sum(grad.values()),
                  sum(v for k, v in both.items() if k in TRANSCENDENTAL), dict(both))


def step_multiply_adds(sizes, batch_size) -> int:
    r"""Multiply-adds of the matrix products in one training step of an MLP with these ``sizes``.

    Forward :math:`B\,n_{l-1} n_l` per layer; backward the same per layer for
    :math:`\partial L/\partial W_l = h_{l-1}^\top \delta_l`, plus the same for
    :math:`\delta_{l-1} = \delta_l W_l^\top` in every layer but the first
    (nobody needs the gradient with respect to the input).
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must list at least two positive widths, got {sizes}")
    b = int(batch_size)
    if b < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
    layers = [sizes[i] * sizes[i + 1] for i in range(len(sizes) - 1)]
    return b * (2 * sum(layers) + sum(layers[1:]))


def activation_ops_per_step(activation, sizes, batch_size) -> dict:
    """Elementwise passes and transcendental evaluations an activation adds to one step.

    Every hidden unit of every example goes once through the value (forward)
    and once through the slope (backward). Returns ``{"elements", "passes",
    "transcendental", "multiply_adds"}``: elements ``B Σ n_hidden``; passes
    and transcendental evaluations are per-element counts times elements;
    ``multiply_adds`` is :func:`step_multiply_adds` for comparison.
    """
    p = count_passes(activation)
    elements = int(batch_size) * sum(int(s) for s in list(sizes)[1:-1])
    return {"elements": elements, "passes": p.total * elements,
            "transcendental": p.transcendental * elements,
            "multiply_adds": step_multiply_adds(sizes, batch_size)}
