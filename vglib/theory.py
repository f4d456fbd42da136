r"""Mean-field predictions for signal propagation in wide random networks.

A fully connected layer with weights drawn i.i.d. with mean 0 and variance
``σ_w² / n_in`` and biases with variance ``σ_b²`` has, in the limit of wide
layers, Gaussian pre-activations ``z_l ~ N(0, q_l)`` whose variance follows
the *variance map* (Poole et al. 2016)

.. math::
    q_{l+1} = V(q_l) = \sigma_w^2 \, \mathbb{E}_{z \sim N(0, q_l)}\bigl[f(z)^2\bigr] + \sigma_b^2 .

Iterating ``V`` from the first layer's ``q_1`` gives :func:`variance_trajectory`;
its limit is a fixed point ``q* = V(q*)`` (:func:`fixed_point`). Backwards, the
squared norm of the error signal ``δ_l`` is multiplied at every layer by the
*gradient gain* (Schoenholz et al. 2017)

.. math::
    \chi = \sigma_w^2 \, \mathbb{E}_{z \sim N(0, q)}\bigl[f'(z)^2\bigr],

so ``‖δ_l‖² ∝ χ^{L−l}`` once ``q`` has settled at ``q*``
(:func:`gradient_gain`). ``χ < 1`` means vanishing, ``χ > 1`` exploding,
``χ = 1`` is the *critical* initialisation (He et al. 2015 for ReLU: ``σ_w² = 2``).

Every Gaussian expectation is computed by quadrature (:func:`gauss_expect`)
over the standard normal variable ``x = z/√q``: a composite Gauss–Legendre
rule on panels of ``[−10, 10]`` (the mass beyond is below 1e-22). The panel
edges include ``x = 0`` and the points where ``z = ±2^k`` (``k = −4 … 8``),
so a kink at ``z = 0`` (ReLU, ELU) falls on an edge and costs no accuracy,
and the fine structure of an activation near ``z = 0`` is resolved however
wide the Gaussian is. (A single Gauss–Hermite rule, used before, places its
nodes about ``0.2/√q`` apart in ``z`` near the origin, and for ``q ≳ 10``
misses the peak of ``tanh'²``: 20% wrong at ``q = 30``.)

:func:`fan_in_init` builds a weight initialiser for :class:`vglib.MLP` with a
given ``σ_w²`` (``Var(W) = σ_w² / n_in``), so that the network and the
theory use the same parameter.

References
----------
Poole, Lahiri, Raghu, Sohl-Dickstein & Ganguli (2016), Exponential
expressivity in deep neural networks through transient chaos. NeurIPS.
Schoenholz, Gilmer, Ganguli & Sohl-Dickstein (2017), Deep information
propagation. ICLR. He, Zhang, Ren & Sun (2015), Delving deep into
rectifiers. ICCV. Glorot & Bengio (2010), Understanding the difficulty of
training deep feedforward neural networks. AISTATS.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial.legendre import leggauss
from scipy.optimize import brentq

from . import _checks
from . import activations as _acts

__all__ = [
    "gauss_expect",
    "variance_map",
    "variance_trajectory",
    "fixed_point",
    "gradient_gain",
    "delta_profile",
    "fan_in_init",
]

N_NODES = 16  # Gauss–Legendre nodes per panel
X_MAX = 10.0  # the rule covers x = z/√q in [−X_MAX, X_MAX]
_X_EDGES = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0)
_Z_EDGES = tuple(2.0**k for k in range(-4, 9))
_LEGENDRE = {}


def _nodes(n, q):
    """Nodes ``x`` and weights ``w`` with ``Σ w g(√q x) ≈ E[g(√q X)]``, ``X ~ N(0, 1)``."""
    n = _checks.integer("n (the number of quadrature nodes per panel)", n, low=2, high=300)
    if n not in _LEGENDRE:
        _LEGENDRE[n] = leggauss(n)
    t, v = _LEGENDRE[n]
    s = math.sqrt(q)
    edges = {0.0, X_MAX, *_X_EDGES}
    if s > 0:
        edges.update(z / s for z in _Z_EDGES if z / s < X_MAX)
    right = np.array(sorted(edges))
    a, b = right[:-1, None], right[1:, None]
    x = ((b - a) / 2 * t + (a + b) / 2).ravel()
    w = ((b - a) / 2 * v).ravel() * np.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    return np.concatenate([-x[::-1], x]), np.concatenate([w[::-1], w])


def _check_q(q, name="q"):
    q = _checks.array(name, q, kinds="iuf", dtype=np.float64)
    if np.any(~np.isfinite(q)) or np.any(q < 0):
        raise ValueError(f"a variance {name} must be finite and >= 0, got {q!r}")
    return q


def _sigmas(sigma_w2, sigma_b2):
    return (_checks.real("sigma_w2", sigma_w2, low=0.0), _checks.real("sigma_b2", sigma_b2, low=0.0))


def gauss_expect(g, q, n=N_NODES):
    r"""``E[g(z)]`` for ``z ~ N(0, q)``, by composite Gauss–Legendre quadrature.

    Parameters
    ----------
    g : callable
        Elementwise function of a float64 array.
    q : float or array of float
        Variance(s) ``≥ 0``; an array gives one expectation per entry.
    n : int
        Nodes per panel (the rule has up to 40 panels; see the module notes).

    Returns
    -------
    float or ndarray shaped like ``q``.

    Examples
    --------
    >>> round(float(gauss_expect(lambda z: z**2, 3.0)), 12)
    3.0
    """
    g = _checks.function("g", g)
    q = _check_q(q)
    n = _checks.integer("n (the number of quadrature nodes per panel)", n, low=2, high=300)
    out = np.empty(q.shape)
    for idx, qi in np.ndenumerate(q):
        x, w = _nodes(n, float(qi))
        z = math.sqrt(qi) * x
        gz = _checks.array("g(z)", g(z), dtype=np.float64)
        try:
            gz = np.broadcast_to(gz, z.shape)
        except ValueError:
            raise ValueError(f"g must be elementwise: g(z) has shape {gz.shape}, z has shape {z.shape}") from None
        if np.isnan(gz).any():
            raise ValueError(f"g returned NaN at z = {z[np.isnan(gz)][0]:g}, so its expectation is undefined")
        out[idx] = gz @ w
    return float(out) if out.ndim == 0 else out


def variance_map(act, q, sigma_w2, sigma_b2=0.0, n=N_NODES):
    r"""One layer of the variance map: ``V(q) = σ_w² E_{N(0,q)}[f(z)²] + σ_b²``.

    ``act`` is an activation name or object (:func:`vglib.activations.get`).
    """
    f = _acts.get(act)
    sigma_w2, sigma_b2 = _sigmas(sigma_w2, sigma_b2)
    return sigma_w2 * gauss_expect(lambda z: f(z) ** 2, q, n) + sigma_b2


def variance_trajectory(act, q1, n_layers, sigma_w2, sigma_b2=0.0, n=N_NODES):
    r"""``q_1, q_2, …, q_{n_layers}``: the pre-activation variance of consecutive layers.

    ``q1`` is the variance of the first layer's pre-activations (for inputs
    ``x`` it is ``σ_{w,1}² · mean(x²) + σ_b²``), and ``q_{l+1} = V(q_l)``.
    Returns an array of length ``n_layers``; values that overflow become ``inf``.
    """
    n_layers = _checks.integer("n_layers", n_layers, low=1)
    qs = [float(_check_q(q1, "q1"))]
    for _ in range(n_layers - 1):
        q = qs[-1]
        qs.append(math.inf if not math.isfinite(q) or q > 1e300 else float(variance_map(act, q, sigma_w2, sigma_b2, n)))
    return np.array(qs)


def fixed_point(act, sigma_w2, sigma_b2=0.0, q0=1.0, n=N_NODES, q_max=1e8):
    r"""The fixed point ``q* = V(q*)`` that iterating the variance map from ``q0`` reaches.

    ``V`` is increasing in ``q`` for the usual activations, so the iteration
    moves monotonically: up to the first root of ``V(q) − q`` above ``q0`` if
    ``V(q0) > q0``, down to the last root below ``q0`` if ``V(q0) < q0``.
    The root is found by bracketing on a log grid and then ``brentq``.
    A grid point where ``|V(q) − q|`` is within the rounding bound of
    :func:`_rounding_bound` is skipped: there the sign of ``V(q) − q`` is
    rounding noise, which differs between CPUs and in WebAssembly (in
    tanh's tail, where the true ``V(q) − q ≈ −2q²``, noise of up to 2ε·q
    was seen natively and 9ε·q under Pyodide), and is never taken as a root.

    Returns
    -------
    float
        ``q*``; ``0.0`` when the variance dies out (e.g. tanh with
        ``σ_w² ≤ 1, σ_b² = 0``); ``inf`` when it grows past ``q_max`` (e.g.
        ReLU with ``σ_w² > 2``); ``q0`` itself when ``V(q0) = q0`` (ReLU with
        ``σ_w² = 2, σ_b² = 0`` keeps *every* variance).
    """
    q0 = float(_check_q(q0, "q0"))
    sigma_w2, sigma_b2 = _sigmas(sigma_w2, sigma_b2)
    q_max = _checks.real("q_max", q_max, low=0.0, low_open=True)
    if q0 == 0:
        q0 = 1.0 if sigma_b2 > 0 else 0.0
        if q0 == 0:
            return 0.0

    def v(q):
        return float(variance_map(act, q, sigma_w2, sigma_b2, n))

    def g(q):
        return v(q) - q

    g0 = g(q0)
    if abs(g0) <= 1e-13 * max(q0, 1.0):
        return q0
    if g0 > 0:  # the variance grows: first sign change above q0
        grid = q0 * np.logspace(0, math.log10(q_max / q0) if q_max > q0 else 1, 200)
    else:  # the variance shrinks: last sign change below q0
        grid = q0 * np.logspace(0, -16, 200)
    lo, g_lo = grid[0], g0
    for q in grid[1:]:
        vq = v(q)
        gq = vq - q
        if abs(gq) <= _rounding_bound(q, n) * max(vq, q):
            continue  # the sign of V(q) − q is lost in rounding
        if np.sign(gq) != np.sign(g_lo):
            a, b = sorted((lo, q))
            return float(brentq(g, a, b, xtol=1e-15 * b, rtol=1e-13))
        lo, g_lo = q, gq
    return math.inf if g0 > 0 else 0.0


def _rounding_bound(q, n=N_NODES):
    """A bound on the relative rounding error of ``V(q)`` and of ``V(q) − q``.

    ``V(q)`` is ``σ_w²`` times a sum of ``m`` nonnegative terms ``w f(z)²``
    (``m`` the nodes of the rule at ``q``): summing them in any order adds
    at most ``(m − 1)·u`` of the sum, ``u = ε/2`` the unit roundoff (Higham
    2002, *Accuracy and Stability of Numerical Algorithms*, §4.2). Each
    term carries a few roundings of its own (weight, activation, square,
    product), and ``σ_w² ·``, ``+ σ_b²`` and ``− q`` one each: ``9u`` in
    all is allowed for them. Relative to ``max(V(q), q)``.
    """
    m = len(_nodes(n, q)[0])
    return (m + 8) * np.finfo(np.float64).eps / 2


def gradient_gain(act, sigma_w2, sigma_b2=0.0, q=None, n=N_NODES):
    r"""``χ = σ_w² E_{N(0,q)}[f'(z)²]``: the factor by which ``‖δ‖²`` shrinks per layer, going down.

    Parameters
    ----------
    act : str or Activation
    sigma_w2, sigma_b2 : float
        ``n_in · Var(W)`` and ``Var(b)``.
    q : float or array, optional
        The pre-activation variance(s) to evaluate at; default the fixed
        point ``q*`` of :func:`fixed_point` (from ``q0 = 1``). ``q = 0`` is
        taken as the limit ``q → 0⁺`` (so ReLU gives ``σ_w²/2``, not 0) and
        ``q = inf`` as the limit ``q → ∞`` (ReLU still ``σ_w²/2``, tanh 0).

    Returns
    -------
    float or ndarray shaped like ``q``.

    Examples
    --------
    >>> round(gradient_gain("relu", 2.0), 12)
    1.0
    """
    f = _acts.get(act)
    sigma_w2, sigma_b2 = _sigmas(sigma_w2, sigma_b2)
    if q is None:
        q = fixed_point(f, sigma_w2, sigma_b2, n=n)
    q = _checks.array("q", q, kinds="iuf", dtype=np.float64)
    if np.any(np.isnan(q)) or np.any(q < 0):
        raise ValueError(f"a variance q must be >= 0 (inf allowed), got {q!r}")
    qq = np.clip(q, 1e-300, 1e200)  # the limits q → 0⁺ and q → ∞
    out = sigma_w2 * gauss_expect(lambda z: f.grad(z) ** 2, qq, n)
    return float(out) if np.ndim(out) == 0 else out


def delta_profile(act, q1, n_hidden, sigma_w2, sigma_b2=0.0, n=N_NODES):
    r"""Predicted ``‖δ_l‖ / ‖δ_top‖`` for the hidden layers ``l = 1 … n_hidden`` of a wide network.

    The variances ``q_l`` follow :func:`variance_trajectory` from ``q1``, and
    going down one hidden layer multiplies ``‖δ‖²`` by ``χ_l = σ_w² E_{N(0,q_l)}[f'(z)²]``
    (layer ``l``'s slopes, the weights above it), so

    .. math::
        \frac{\lVert\delta_l\rVert}{\lVert\delta_{\text{top}}\rVert}
        = \prod_{k=l}^{\text{top}-1} \sqrt{\chi_k} .

    Returns an array of length ``n_hidden`` whose last entry is 1. Use
    ``χ*^{(top−l)/2}`` from :func:`gradient_gain` for the fixed-point version.
    """
    n_hidden = _checks.integer("n_hidden", n_hidden, low=1)
    q = variance_trajectory(act, q1, n_hidden, sigma_w2, sigma_b2, n)
    log_chi = np.log(gradient_gain(act, sigma_w2, sigma_b2, q=q, n=n))[:-1]
    return np.exp(0.5 * np.append(np.cumsum(log_chi[::-1])[::-1], 0.0))


def fan_in_init(sigma_w2, dist="normal"):
    r"""A weight initialiser with ``Var(W) = σ_w² / n_in``, for ``MLP(init=...)``.

    ``dist="normal"`` draws ``N(0, σ_w²/n_in)``; ``dist="uniform"`` draws
    ``U(−a, a)`` with ``a = √(3σ_w²/n_in)`` (same variance). ``σ_w² = 1/3``
    with ``"uniform"`` is the old heuristic ``U(−1/√n_in, 1/√n_in)``;
    ``σ_w² = 2`` with ``"normal"`` is He et al.'s initialisation.

    Returns
    -------
    callable ``init(n_in, n_out, rng) -> ndarray (n_in, n_out)``.
    """
    s2 = _checks.real("sigma_w2", sigma_w2, low=0.0)
    _checks.choice("dist", dist, ("normal", "uniform"))

    def init(n_in, n_out, rng):
        if dist == "normal":
            return rng.normal(0.0, math.sqrt(s2 / n_in), size=(n_in, n_out))
        a = math.sqrt(3.0 * s2 / n_in)
        return rng.uniform(-a, a, size=(n_in, n_out))

    init.__name__ = f"fan_in_{dist}_{s2:g}"
    return init
