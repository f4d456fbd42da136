r"""Weight initialisation schemes, looked up by name.

A weight matrix has the shape ``(n_in, n_out)`` (so a layer computes
``z = h W + b``): its *fan-in* is ``n_in`` and its *fan-out* is ``n_out``.

=================  ===============================  =========================================
name               distribution                     scale
=================  ===============================  =========================================
``zeros``          all zero                         (every unit in a layer stays identical)
``normal``         :math:`N(0, \text{std}^2)`       ``std`` given (default 0.01)
``uniform``        :math:`U(-a, a)`                 ``bound`` ``a`` given (default 0.05)
``xavier_uniform`` :math:`U(-a, a)`                 :math:`a = \sqrt{6 / (n_{in} + n_{out})}`
``xavier_normal``  :math:`N(0, s^2)`                :math:`s = \sqrt{2 / (n_{in} + n_{out})}`
``he_uniform``     :math:`U(-a, a)`                 :math:`a = \sqrt{6 / n_{in}}`
``he_normal``      :math:`N(0, s^2)`                :math:`s = \sqrt{2 / n_{in}}`
``lecun_normal``   :math:`N(0, s^2)`                :math:`s = \sqrt{1 / n_{in}}`
``lecun_uniform``  :math:`U(-a, a)`                 :math:`a = \sqrt{3 / n_{in}}`
=================  ===============================  =========================================

``glorot_uniform``/``glorot_normal`` are aliases of the Xavier names and
``kaiming_uniform``/``kaiming_normal`` of the He names. Xavier keeps the
variance of ``z`` and of ``δ`` roughly constant for a unit-slope activation
(tanh near 0); He doubles it to make up for ReLU zeroing half its inputs.

Numbers are always drawn in float64 and then rounded to the requested dtype,
so a float32 and a float64 network built with one seed start from the same
weights (up to rounding).

:func:`rai` (randomized asymmetric initialisation, Lu et al. 2020) draws a
layer's weights *and* biases together, so it is a function of its own
rather than a name for :func:`initialize` (which draws ``W`` only).

References
----------
Glorot & Bengio (2010), Understanding the difficulty of training deep
feedforward neural networks. AISTATS. He, Zhang, Ren & Sun (2015), Delving
deep into rectifiers. ICCV. LeCun, Bottou, Orr & Müller (1998), Efficient BackProp.
Lu, Shin, Su & Karniadakis (2020), Dying ReLU and initialization: theory and
numerical examples. Communications in Computational Physics 28(5),
1671–1706 (arXiv:1903.06733).
"""

from __future__ import annotations

import math

import numpy as np

from . import _checks

__all__ = ["initialize", "scale", "available", "as_generator", "rai",
           "RAI_SIGMA", "ALIASES"]

ALIASES = {
    "glorot_uniform": "xavier_uniform",
    "glorot_normal": "xavier_normal",
    "kaiming_uniform": "he_uniform",
    "kaiming_normal": "he_normal",
}

_UNIFORM = {
    "xavier_uniform": lambda n_in, n_out: math.sqrt(6.0 / (n_in + n_out)),
    "he_uniform": lambda n_in, n_out: math.sqrt(6.0 / n_in),
    "lecun_uniform": lambda n_in, n_out: math.sqrt(3.0 / n_in),
}
_NORMAL = {
    "xavier_normal": lambda n_in, n_out: math.sqrt(2.0 / (n_in + n_out)),
    "he_normal": lambda n_in, n_out: math.sqrt(2.0 / n_in),
    "lecun_normal": lambda n_in, n_out: math.sqrt(1.0 / n_in),
}
_NAMES = ("zeros", "normal", "uniform", *_UNIFORM, *_NORMAL)


def available() -> list[str]:
    """Sorted list of the initialisation names (aliases included)."""
    return sorted((*_NAMES, *ALIASES))


def as_generator(seed, name="seed") -> np.random.Generator:
    """A ``numpy.random.Generator`` from a seed (an int >= 0 or None) or a generator (returned as is).

    ``name`` is the argument's name in the error for anything else (a bool, a
    negative number, a string).
    """
    return _checks.generator(name, seed)


def _canonical(name: str) -> str:
    return _checks.lookup("init", name, _NAMES, aliases=ALIASES, also="a callable")


def scale(name: str, n_in: int, n_out: int, *, std=None, bound=None) -> float:
    """The standard deviation (normal schemes) or bound (uniform schemes) of ``name``."""
    key = _canonical(name)
    n_in, n_out = _checks.integer("n_in", n_in, low=1), _checks.integer("n_out", n_out, low=1)
    if std is not None and key != "normal":
        raise ValueError(f"std is only used by init='normal', not {name!r}")
    if bound is not None and key != "uniform":
        raise ValueError(f"bound is only used by init='uniform', not {name!r}")
    if key == "zeros":
        return 0.0
    if key == "normal":
        return 0.01 if std is None else _checks.real("std", std, low=0.0)
    if key == "uniform":
        return 0.05 if bound is None else _checks.real("bound", bound, low=0.0)
    table = _UNIFORM if key in _UNIFORM else _NORMAL
    return table[key](n_in, n_out)


def initialize(name, n_in, n_out, rng=None, *, dtype=np.float64, std=None, bound=None):
    r"""Draw a weight matrix ``W`` of shape ``(n_in, n_out)``.

    Parameters
    ----------
    name : str or callable
        A scheme from :func:`available`, or a callable
        ``f(n_in, n_out, rng) -> array of shape (n_in, n_out)``.
    n_in, n_out : int
        Fan-in and fan-out of ``W``.
    rng : int, None or numpy.random.Generator
        Source of randomness (a seed or a generator).
    dtype : numpy float dtype
        Dtype of the result (numbers are drawn in float64 first).
    std : float, optional
        Standard deviation for ``"normal"`` (default 0.01).
    bound : float, optional
        Half-width ``a`` of ``U(-a, a)`` for ``"uniform"`` (default 0.05).

    Returns
    -------
    numpy.ndarray of shape ``(n_in, n_out)`` and dtype ``dtype``.

    Examples
    --------
    >>> W = initialize("xavier_uniform", 784, 10, rng=0)
    >>> W.shape, bool(abs(W).max() <= (6 / 794) ** 0.5)
    ((784, 10), True)
    """
    n_in, n_out = _checks.integer("n_in", n_in, low=1), _checks.integer("n_out", n_out, low=1)
    rng = as_generator(rng, "rng")
    dtype = _checks.float_dtype("dtype", dtype)
    if callable(name):
        W = _checks.array(f"the array returned by init={_checks.show(name)}", name(n_in, n_out, rng),
                          finite=True, dtype=np.float64)
        if W.shape != (n_in, n_out):
            raise ValueError(f"the init callable returned shape {W.shape}, expected ({n_in}, {n_out})")
        return W.astype(dtype)
    key = _canonical(name)
    s = scale(key, n_in, n_out, std=std, bound=bound)
    if key == "zeros":
        W = np.zeros((n_in, n_out))
    elif key == "uniform" or key in _UNIFORM:
        W = rng.uniform(-s, s, size=(n_in, n_out))
    else:
        W = rng.normal(0.0, s, size=(n_in, n_out))
    return W.astype(dtype)


RAI_SIGMA = 0.6007
"""The ``σ`` of :func:`rai`: Lu et al.'s value with ``P = Beta(2, 1)``."""


def rai(n_in, n_out, rng=None, *, sigma=RAI_SIGMA, beta=(2.0, 1.0),
        dtype=np.float64):
    r"""Randomized asymmetric initialisation (RAI): a weight matrix and a bias.

    Unit ``j`` of the layer has ``n_in + 1`` parameters, its column
    ``W_{:,j}`` and its bias ``b_j``; call them ``v_j``. For each unit,
    independently:

    1. pick one index ``k_j`` uniformly from the ``n_in + 1`` (a weight or
       the bias);
    2. draw ``v_{j,k_j}`` from ``P = Beta(a, c)`` (``beta=(a, c)``; by
       default ``Beta(2, 1)``, density ``2x`` on ``[0, 1]``, mean 2/3):
       this one parameter is positive;
    3. draw every other entry of ``v_j`` from the symmetric
       ``Q = N(0, σ² / n_in)``.

    This is the procedure of Lu et al. (2020) with the distributions they
    use for ReLU, ``P = Beta(2, 1)`` and ``Q`` normal with ``σ = 0.6007``
    (:data:`RAI_SIGMA`); the authors derive ``σ`` from a second-moment
    analysis that is not repeated here. Unlike a symmetric scheme it gives
    every unit one positive parameter: when that is the bias, or the weight
    of a positive input, the unit's pre-activation is shifted up, so the
    unit is positive with probability at least 1/2 and a deep, narrow
    network is born dead less often (``tests/test_init_asymmetric.py``
    measures it). What it does not do is keep the second moment of ``h``
    constant from layer to layer: with these constants it shrinks by about
    a quarter per layer in a wide network (measured in the same tests),
    where He initialisation keeps it.

    Parameters
    ----------
    n_in, n_out : int
        Fan-in and fan-out: ``W`` has shape ``(n_in, n_out)``, ``b`` has
        ``(n_out,)``.
    rng : int, None or numpy.random.Generator
        Source of randomness.
    sigma : float
        ``σ >= 0`` of ``Q = N(0, σ² / n_in)``.
    beta : pair of float
        The two shape parameters ``a, c > 0`` of ``P = Beta(a, c)``.
    dtype : numpy float dtype
        Dtype of the results (numbers are drawn in float64 first).

    Returns
    -------
    (W, b) : numpy.ndarray of shapes ``(n_in, n_out)`` and ``(n_out,)``

    Examples
    --------
    Start the hidden layers of a network with RAI (the output layer, which
    has no ReLU, keeps its own initialisation):

    >>> from vglib import MLP
    >>> net = MLP([64, 32, 32, 10], init="he_normal", seed=0)
    >>> rng = np.random.default_rng(1)     # one generator for all layers
    >>> for W, b in zip(net.weights[:-1], net.biases[:-1]):
    ...     W[...], b[...] = rai(*W.shape, rng=rng)
    >>> W, b = rai(4, 3, rng=0)
    >>> W.shape, b.shape
    ((4, 3), (3,))
    """
    n_in = _checks.integer("n_in", n_in, low=1)
    n_out = _checks.integer("n_out", n_out, low=1)
    sigma = _checks.real("sigma", sigma, low=0.0)
    shape = _checks.array("beta", beta, kinds="iuf", ndim=1, finite=True,
                          dtype=np.float64)
    if shape.size != 2 or np.any(shape <= 0):
        raise ValueError(f"beta must be two shape parameters a, c > 0 of "
                         f"Beta(a, c), got {_checks.show(beta)}")
    rng = as_generator(rng, "rng")
    dtype = _checks.float_dtype("dtype", dtype)
    V = rng.normal(0.0, sigma / math.sqrt(n_in), size=(n_in + 1, n_out))
    k = rng.integers(0, n_in + 1, size=n_out)   # row n_in is the bias
    V[k, np.arange(n_out)] = rng.beta(shape[0], shape[1], size=n_out)
    return V[:n_in].astype(dtype), V[n_in].astype(dtype)
