"""The fused in-place kernels of the network agree with each activation's plain value and derivative."""

import numpy as np
import pytest

from vglib.activations import Activation, available, get
from vglib.network import _kernels

FUSED = [n for n in available() if "forward_into" in type(get(n)).__dict__]


def test_the_fast_five_have_kernels():
    assert sorted(FUSED) == ["identity", "leaky_relu", "relu", "sigmoid", "tanh"]


@pytest.mark.parametrize("name", FUSED)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernel_matches_plain_form(name, dtype):
    act = get(name)
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(0, 3, 500), [0.0, -0.0, 40.0, -40.0, 700.0, -700.0]]).astype(dtype)
    z = z.reshape(-1, 2)
    upstream = rng.normal(size=z.shape).astype(dtype)
    h, g = np.empty_like(z), upstream.copy()
    tmp, mask = np.empty_like(z), np.empty(z.shape, bool)
    with np.errstate(over="ignore"):  # exp(-|z|)**2 underflows to 0 in float32, as intended
        fwd, bwd = _kernels(act)
        fwd(z, h, mask)
        bwd(z, h, g, tmp, mask)
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(h, act(z), rtol=4 * eps, atol=np.finfo(dtype).tiny)
    np.testing.assert_allclose(g, upstream * act.grad(z), rtol=8 * eps, atol=np.finfo(dtype).tiny)


def test_a_subclass_without_its_own_kernel_gets_the_generic_pair():
    relu = get("relu")

    class Doubled(type(relu)):
        def _f(self, z):
            return 2 * np.maximum(z, 0)

        def _df(self, z):
            return 2.0 * (z > 0)

    act = Doubled()
    z = np.array([[-1.0, 2.0]])
    h, g = np.empty_like(z), np.ones_like(z)
    fwd, bwd = _kernels(act)
    fwd(z, h, np.empty(z.shape, bool))
    bwd(z, h, g, np.empty_like(z), np.empty(z.shape, bool))
    assert h.tolist() == [[0.0, 4.0]] and g.tolist() == [[0.0, 2.0]]
    assert isinstance(act, Activation)


@pytest.mark.parametrize("name, alpha", [("elu", 1.0), ("elu", 0.3), ("elu", 0.0), ("selu", None)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exponential_units_backward_from_the_output(name, alpha, dtype):
    """ELU and SELU pass back f' = f + α (λα for SELU) for z ≤ 0, from the stored output: no exponential.

    The form loses only an absolute rounding of α: compared with the
    exponential form with an absolute tolerance of a few ulps of α, and
    exactly 1 (λ) for z > 0.
    """
    act = get(name) if alpha is None else get(name, alpha=alpha)
    assert "backward_into" in type(act).__dict__
    rng = np.random.default_rng(1)
    z = np.concatenate([rng.normal(0, 3, 500), [0.0, -0.0, 1e-8, -1e-8, 40.0, -40.0, -700.0]]).astype(dtype)
    z = z.reshape(-1, 1)
    upstream = rng.normal(size=z.shape).astype(dtype)
    h, g = act(z), upstream.copy()
    _, bwd = _kernels(act)
    bwd(z, h, g, np.empty_like(z), np.empty(z.shape, bool))
    scale = getattr(act, "scale", 1.0)
    unit = scale * (alpha if alpha is not None else act.alpha)
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(g, upstream * act.grad(z), rtol=8 * eps, atol=4 * eps * max(unit, scale))
    np.testing.assert_allclose(act.grad_from_output(h), act.grad(z), rtol=8 * eps, atol=4 * eps * max(unit, scale))
    assert np.all(g[z > 0] == upstream[z > 0] * dtype(scale))
