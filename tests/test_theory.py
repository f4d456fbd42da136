"""Mean-field theory: quadrature, variance map, fixed points, gradient gain, fan-in init."""

import math

import numpy as np
import pytest

from vglib import MLP
from vglib.activations import get
from vglib.theory import (fan_in_init, delta_profile, fixed_point, gauss_expect, gradient_gain,
                          variance_map, variance_trajectory)


@pytest.mark.parametrize("q", [0.0, 0.3, 1.0, 7.5])
def test_quadrature_is_exact_for_gaussian_moments(q):
    assert gauss_expect(lambda z: np.ones_like(z), q) == pytest.approx(1.0, abs=1e-12)
    assert gauss_expect(lambda z: z, q) == pytest.approx(0.0, abs=1e-12)
    assert gauss_expect(lambda z: z**2, q) == pytest.approx(q, rel=1e-12, abs=1e-15)
    assert gauss_expect(lambda z: z**4, q) == pytest.approx(3 * q**2, rel=1e-12, abs=1e-15)


def test_quadrature_takes_arrays_of_variances():
    out = gauss_expect(lambda z: z**2, np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_allclose(out, [[1, 2], [3, 4]], rtol=1e-12)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "softplus"])
@pytest.mark.parametrize("q", [0.2, 1.0, 4.0])
def test_quadrature_agrees_with_monte_carlo(name, q):
    act = get(name)
    z = np.random.default_rng(0).normal(0.0, math.sqrt(q), size=400_000)
    for g in (lambda u: act(u) ** 2, lambda u: act.grad(u) ** 2):
        samples = g(z)
        mc, se = samples.mean(), samples.std() / math.sqrt(z.size)
        assert abs(gauss_expect(g, q) - mc) < 5 * se + 1e-4


def test_quadrature_is_rougher_where_the_integrand_has_a_kink():
    # ELU's slope e^z (z < 0), 1 (z > 0) has a kink in f'² at 0: the error is
    # about 1e-3, not 1e-12 (ReLU's kink is exact by the symmetry of the nodes).
    elu = get("elu")
    z = np.random.default_rng(0).normal(0.0, 1.0, size=400_000)
    assert abs(gauss_expect(lambda u: elu.grad(u) ** 2, 1.0) - np.mean(elu.grad(z) ** 2)) < 1e-2


@pytest.mark.parametrize("q", [1e-6, 0.5, 1.0, 100.0])
def test_relu_half_slope_and_variance(q):
    relu = get("relu")
    assert gauss_expect(lambda z: relu.grad(z) ** 2, q) == pytest.approx(0.5, abs=1e-12)
    assert variance_map("relu", q, 2.0) == pytest.approx(q, rel=1e-12)
    assert variance_map("relu", q, 1.0, 0.1) == pytest.approx(q / 2 + 0.1, rel=1e-12)


def test_he_initialisation_is_critical_for_relu():
    assert gradient_gain("relu", 2.0) == pytest.approx(1.0, abs=1e-12)
    assert fixed_point("relu", 2.0, q0=3.0) == 3.0             # every variance is kept
    assert gradient_gain("relu", 1.0) == pytest.approx(0.5, abs=1e-12)
    assert fixed_point("relu", 1.0) == 0.0
    assert fixed_point("relu", 4.0) == math.inf
    assert gradient_gain("relu", 4.0) == pytest.approx(2.0, abs=1e-12)  # χ does not depend on q


@pytest.mark.parametrize("s2", [0.3, 1.0, 1.5])
def test_tanh_at_small_variance_has_gain_sigma_w2(s2):
    assert gradient_gain("tanh", s2, q=1e-8) == pytest.approx(s2, rel=1e-6)
    assert gradient_gain("tanh", s2, q=0.0) == pytest.approx(s2, rel=1e-12)
    assert gradient_gain("tanh", s2, q=1.0) < s2                      # saturation lowers it


@pytest.mark.parametrize(("name", "s2", "b2"), [
    ("tanh", 2.0, 0.0), ("tanh", 1.5, 0.05), ("tanh", 0.8, 0.1),
    ("sigmoid", 1.0, 0.0), ("sigmoid", 4.0, 0.0), ("elu", 1.0, 0.1),
])
def test_fixed_point_is_a_fixed_point_and_the_limit_of_the_map(name, s2, b2):
    q_star = fixed_point(name, s2, b2)
    assert 0 < q_star < math.inf
    assert variance_map(name, q_star, s2, b2) == pytest.approx(q_star, rel=1e-9)
    traj = variance_trajectory(name, 3.0, 400, s2, b2)
    assert traj[-1] == pytest.approx(q_star, rel=1e-6)
    assert fixed_point(name, s2, b2, q0=0.01) == pytest.approx(q_star, rel=1e-9)


def test_variance_dies_out_for_tanh_below_one():
    assert fixed_point("tanh", 0.9) == 0.0
    assert fixed_point("tanh", 1.0) == 0.0
    # from below too: the grid then reaches q ~ 1e-18, where V(q) − q
    # (≈ −2q²) is far below rounding (it once returned ~6e-17 here)
    assert fixed_point("tanh", 1.0, q0=0.01) == 0.0
    traj = variance_trajectory("tanh", 1.0, 50, 1.0)
    assert np.all(np.diff(traj) < 0) and traj[-1] < 0.02


def _wobbly_map(q_root):
    """A V with V(q) − q = (q_root − q)/2 (or −q² with no root) plus a
    rounding-level wobble of ±30ε·q whose sign changes between grid points
    (Pyodide's NumPy was seen to add up to 9ε·q to tanh's V(q))."""
    eps = np.finfo(np.float64).eps

    def vmap(act, q, sigma_w2, sigma_b2=0.0, n=None):
        true = q - q * q if q_root is None else q + (q_root - q) / 2
        return true + 30 * eps * q * math.sin(1000 * math.log(q))
    return vmap


def test_fixed_point_skips_rounding_noise(monkeypatch):
    from vglib import theory
    vmap = _wobbly_map(None)  # V(q) < q for 0 < q < 1: q* = 0
    grid = np.logspace(0, -16, 200)
    g = np.array([vmap("tanh", q, 1.0) - q for q in grid])
    assert (g > 0).any(), "the wobble must flip the sign on the grid"
    monkeypatch.setattr(theory, "variance_map", vmap)
    assert fixed_point("tanh", 1.0) == 0.0
    # a true root is still found, however small, from above and below
    for q_root in (0.3, 3.0, 1e-10, 1e-14):
        monkeypatch.setattr(theory, "variance_map", _wobbly_map(q_root))
        assert fixed_point("tanh", 1.0) == pytest.approx(q_root, rel=1e-12)


def test_identity_map_and_trajectory_shape():
    traj = variance_trajectory("identity", 1.0, 5, 2.0, 1.0)
    np.testing.assert_allclose(traj, [1, 3, 7, 15, 31], rtol=1e-12)
    assert variance_trajectory("relu", 1.0, 3, 1e200)[-1] == math.inf


def test_gradient_gain_takes_a_trajectory():
    q = variance_trajectory("tanh", 1.0, 10, 1.0)
    chi = gradient_gain("tanh", 1.0, q=q)
    assert chi.shape == (10,) and np.all(np.diff(chi) > 0) and np.all(chi < 1)


@pytest.mark.parametrize("dist", ["normal", "uniform"])
def test_fan_in_init_variance_and_bound(dist):
    init = fan_in_init(2.0, dist)
    W = init(400, 300, np.random.default_rng(0))
    assert W.shape == (400, 300)
    assert W.var() == pytest.approx(2.0 / 400, rel=0.02)
    W = fan_in_init(1 / 3, "uniform")(100, 50, np.random.default_rng(1))
    assert np.abs(W).max() <= 0.1 and np.abs(W).max() > 0.099        # U(−1/√n, 1/√n)


def test_bad_arguments():
    with pytest.raises(ValueError, match="sigma_w2"):
        fan_in_init(-1.0)
    with pytest.raises(ValueError, match="dist"):
        fan_in_init(1.0, "cauchy")
    with pytest.raises(ValueError, match="variance q"):
        gauss_expect(np.square, -1.0)
    with pytest.raises(ValueError, match="n_layers"):
        variance_trajectory("tanh", 1.0, 0, 1.0)
    with pytest.raises(ValueError, match="unknown activation"):
        variance_map("tanhh", 1.0, 1.0)


@pytest.mark.parametrize(("name", "s2"), [("tanh", 1.5), ("relu", 2.0), ("sigmoid", 4.0)])
def test_theory_matches_a_wide_random_network(name, s2):
    width, depth = 300, 8
    net = MLP([width] * (depth + 1) + [10], activation=name, init=fan_in_init(s2), seed=0)
    X = np.random.default_rng(1).normal(size=(200, width))
    _, _ = net.loss_and_grads(X, np.arange(200) % 10, keep=True)
    measured_q = np.array([np.mean(z**2) for z in net.trace.z[:-1]])
    predicted_q = variance_trajectory(name, s2 * np.mean(X**2), depth, s2)
    np.testing.assert_allclose(measured_q, predicted_q, rtol=0.15)
    # ‖δ_l‖² / ‖δ_{l+1}‖² ≈ σ_w² E[f'(z_l)²] for the hidden layers below the top one
    d2 = np.array([np.sum(d**2) for d in net.trace.delta[:-1]])
    chi = gradient_gain(name, s2, q=predicted_q)
    np.testing.assert_allclose(d2[:-1] / d2[1:], chi[:-1], rtol=0.25)
    profile = delta_profile(name, s2 * np.mean(X**2), depth, s2)
    np.testing.assert_allclose(np.sqrt(d2 / d2[-1]), profile, rtol=0.3)


def test_delta_profile_is_a_product_of_gains():
    p = delta_profile("relu", 1.0, 6, 1.0)
    np.testing.assert_allclose(p, 0.5 ** (np.arange(5, -1, -1) / 2), rtol=1e-12)
    assert delta_profile("relu", 1.0, 4, 2.0) == pytest.approx(np.ones(4), rel=1e-12)


@pytest.mark.parametrize("q", [10.0, 30.0, 100.0, 1e4, 1e8])
def test_wide_gaussians_resolve_the_peak_of_a_slope(q):
    """E[tanh'(z)²] and E[σ'(z)²] for z ~ N(0, q): checked against adaptive quadrature.

    For large q the slope is a narrow peak on a wide Gaussian; a single
    Gauss-Hermite rule (the old method) was 20% wrong at q = 30. For q → ∞ the
    expectation tends to φ(0)/√q · ∫ f'² dz (4/3 for tanh, 1/6 for sigmoid).
    """
    from scipy import integrate

    for name, area in (("tanh", 4 / 3), ("sigmoid", 1 / 6)):
        d = get(name).grad

        def integrand(z):
            return float(d(np.array(z))) ** 2 * np.exp(-z * z / (2 * q)) / np.sqrt(2 * np.pi * q)

        got = gauss_expect(lambda z: d(z) ** 2, q)
        if q <= 1e4:  # beyond, adaptive quadrature itself struggles with the span
            s = np.sqrt(q)
            cuts = [-12 * s - 40, -40, -5, 0, 5, 40, 12 * s + 40]
            ref = sum(integrate.quad(integrand, lo, hi, limit=400, epsrel=1e-12, epsabs=0)[0]
                      for lo, hi in zip(cuts, cuts[1:]))
            assert got == pytest.approx(ref, rel=1e-7), name
        if q >= 1e4:
            assert got == pytest.approx(area / np.sqrt(2 * np.pi * q), rel=1e-3), name
