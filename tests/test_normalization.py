import numpy as np
import pytest

from vglib.gradcheck import numerical_gradient, relative_error
from vglib.normalization import BatchNorm, LayerNorm, make


def _setup(seed=0, n=6, w=5):
    rng = np.random.default_rng(seed)
    z = rng.normal(0.5, 2.0, size=(n, w))
    gamma, beta = rng.normal(1, 0.3, w), rng.normal(0, 0.3, w)
    upstream = rng.normal(size=(n, w))  # L = sum(upstream * u)
    return z, gamma, beta, upstream


@pytest.mark.parametrize("kind, training", [("batch", True), ("batch", False), ("layer", True),
                                            ("layer", False)])
def test_backward_matches_finite_differences(kind, training):
    z, gamma, beta, up = _setup()
    layer = make(kind, z.shape[1])
    if kind == "batch" and not training:  # non-trivial running statistics
        layer.running_mean[:] = [0.1, -0.2, 0.3, 0.0, 1.0]
        layer.running_var[:] = [0.5, 2.0, 1.0, 3.0, 0.7]

    def forward(zz, gg, bb, keep):
        """The layer's output; the running statistics are left as they were."""
        saved = [getattr(layer, k).copy() for k in ("running_mean", "running_var") if hasattr(layer, k)]
        out = layer.forward(zz, gg, bb, training=training, keep=keep)
        for k, v in zip(("running_mean", "running_var"), saved):
            getattr(layer, k)[:] = v
        return out

    def loss(zz, gg, bb):
        return float(np.sum(up * forward(zz, gg, bb, keep=False)))

    forward(z, gamma, beta, keep=True)
    dz, dgamma, dbeta = layer.backward(up, gamma)
    assert relative_error(dz, numerical_gradient(lambda a: loss(a, gamma, beta), z.copy())) < 1e-7
    assert relative_error(dgamma, numerical_gradient(lambda g: loss(z, g, beta), gamma.copy())) < 1e-7
    assert relative_error(dbeta, numerical_gradient(lambda b: loss(z, gamma, b), beta.copy())) < 1e-7


def test_batch_norm_output_is_standardised_per_unit():
    z, *_ = _setup(n=50)
    u = BatchNorm(5).forward(z, np.ones(5), np.zeros(5))
    assert np.allclose(u.mean(axis=0), 0, atol=1e-12)
    assert np.allclose(u.var(axis=0), 1, atol=1e-3)  # eps keeps it a hair below 1


def test_layer_norm_output_is_standardised_per_example():
    z, *_ = _setup(n=4, w=40)
    u = LayerNorm(40).forward(z, np.ones(40), np.zeros(40))
    assert np.allclose(u.mean(axis=1), 0, atol=1e-12)
    assert np.allclose(u.var(axis=1), 1, atol=1e-3)


def test_running_statistics_use_momentum_and_unbiased_variance():
    z, *_ = _setup(n=8)
    bn = BatchNorm(5, momentum=0.1)
    bn.forward(z, np.ones(5), np.zeros(5))
    assert np.allclose(bn.running_mean, 0.1 * z.mean(axis=0))
    assert np.allclose(bn.running_var, 0.9 + 0.1 * z.var(axis=0, ddof=1))


def test_eval_mode_does_not_depend_on_the_batch():
    z, g, b, _ = _setup(n=8)
    bn = BatchNorm(5)
    bn.forward(z, g, b)
    whole = bn.forward(z, g, b, training=False)
    one = bn.forward(z[:1], g, b, training=False)
    assert np.allclose(whole[:1], one)
    assert not np.allclose(bn.forward(z, g, b)[:1], bn.forward(z[:2], g, b)[:1])


def test_errors_are_named():
    with pytest.raises(ValueError, match="at least 2 examples"):
        BatchNorm(3).forward(np.ones((1, 3)), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"shape \(batch, 3\)"):
        LayerNorm(3).forward(np.ones((2, 4)), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match="norm must be None, 'batch' or 'layer'"):
        make("group", 3)
    with pytest.raises(ValueError, match="momentum"):
        BatchNorm(3, momentum=0)
    with pytest.raises(RuntimeError, match="before backward"):
        LayerNorm(3).backward(np.ones((2, 3)), np.ones(3))


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    z, g, b, up = _setup(n=7)
    for mine, theirs in ((BatchNorm(5), torch.nn.BatchNorm1d(5, dtype=torch.float64)),
                         (LayerNorm(5), torch.nn.LayerNorm(5, dtype=torch.float64))):
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(g))
            theirs.bias.copy_(torch.tensor(b))
        zt = torch.tensor(z, requires_grad=True)
        ut = theirs(zt)
        (ut * torch.tensor(up)).sum().backward()
        u = mine.forward(z, g, b)
        dz, dg, db = mine.backward(up, g)
        assert np.allclose(u, ut.detach().numpy(), atol=1e-12)
        assert np.allclose(dz, zt.grad.numpy(), atol=1e-12)
        assert np.allclose(dg, theirs.weight.grad.numpy(), atol=1e-12)
        assert np.allclose(db, theirs.bias.grad.numpy(), atol=1e-12)
        if isinstance(mine, BatchNorm):
            assert np.allclose(mine.running_mean, theirs.running_mean.numpy())
            assert np.allclose(mine.running_var, theirs.running_var.numpy())
            theirs.eval()
            assert np.allclose(mine.forward(z, g, b, training=False), theirs(torch.tensor(z)).detach().numpy())
