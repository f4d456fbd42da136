"""MLP: shapes, errors, and the backward pass against centred finite differences."""

import copy

import numpy as np
import pytest

from vglib import activations as acts
from vglib.gradcheck import numerical_gradient, relative_error
from vglib.network import MLP, _kernels

SIZES = [5, 4, 3, 3]
TOL = 1e-5


def data(n=6, n_in=5, k=3, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n_in)), rng.integers(0, k, size=n)


def fd_errors(net, X, y):
    """Largest relative error of every parameter's analytic gradient vs centred differences."""
    loss, grads = net.loss_and_grads(X, y)
    errs = {}
    for l, (W, b) in enumerate(zip(net.weights, net.biases)):
        for name, p, g in (("W", W, grads[l][0]), ("b", b, grads[l][1])):
            num = numerical_gradient(lambda _: net.loss_and_grads(X, y)[0], p)
            errs[f"{name}{l}"] = relative_error(g, num, floor=1e-7)
    for l, a in enumerate(net.alphas):
        if a is not None:
            num = numerical_gradient(lambda _: net.loss_and_grads(X, y)[0], a)
            errs[f"alpha{l}"] = relative_error(grads.alphas[l], num, floor=1e-7)
    return errs


GRADIENT_ACTS = [n for n in acts.available() if not getattr(acts.get(n), "surrogate", False)]


@pytest.mark.parametrize("name", GRADIENT_ACTS)
def test_backward_matches_finite_differences(name):
    net = MLP(SIZES, activation=name, init="he_normal", seed=3, bias=0.1).eval()
    X, y = data()
    errs = fd_errors(net, X, y)
    assert max(errs.values()) < TOL, errs


def test_prelu_per_unit_and_mixed_activations():
    net = MLP([5, 4, 4, 3], activation=["prelu", acts.PReLU(alpha=np.array([0.1, 0.2, 0.3, 0.4]))],
              seed=0, bias=-0.2)
    assert net.alphas[0].shape == (1,) and net.alphas[1].shape == (4,)
    X, y = data(n=8)
    errs = fd_errors(net, X, y)
    assert max(errs.values()) < TOL, errs
    net2 = MLP([5, 4, 3], activation="prelu", prelu_slopes="per_unit", seed=0)
    assert net2.alphas[0].shape == (4,) and np.all(net2.alphas[0] == 0.25)


@pytest.mark.parametrize("loss", ["cross_entropy", "mse", "bce_with_logits"])
def test_every_loss_backward_matches_finite_differences(loss):
    net = MLP(SIZES, activation="tanh", seed=0, loss=loss)
    X, y = data()
    errs = fd_errors(net, X, y)
    assert max(errs.values()) < TOL, errs


@pytest.mark.parametrize("name", ["identity", "sigmoid", "tanh", "relu", "leaky_relu"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_kernels_equal_activation_objects(name, dtype):
    act = acts.get(name)
    fwd, bwd = _kernels(act)
    z = np.array([[-1e30, -500.0, -30.0, -1.0, 0.0], [1e-8, 0.5, 20.0, 90.0, 1e30]], dtype=dtype)
    h, g, tmp, mask = np.empty_like(z), np.ones_like(z), np.empty_like(z), np.empty(z.shape, bool)
    fwd(z, h, mask)
    bwd(z, h, g, tmp, mask)
    assert h.dtype == g.dtype == dtype
    np.testing.assert_allclose(h, act(z), rtol=1e-6)
    np.testing.assert_allclose(g, act.grad(z), rtol=1e-5, atol=np.finfo(dtype).tiny)  # subnormals may flush


def test_shapes_dtypes_and_api():
    net = MLP([64, 10, 10, 10, 10, 10, 10], activation="sigmoid", init="xavier_uniform", seed=0)
    assert [W.shape for W in net.weights] == [(64, 10)] + [(10, 10)] * 5
    assert [b.shape for b in net.biases] == [(10,)] * 6
    X = np.random.default_rng(0).normal(size=(7, 64))
    y = np.arange(7) % 10
    assert net.forward(X).shape == (7, 10)
    loss, grads = net.loss_and_grads(X, y)
    assert isinstance(loss, float) and len(grads) == 6
    for (dW, db), W, b in zip(grads, net.weights, net.biases):
        assert dW.shape == W.shape and db.shape == b.shape


@pytest.mark.parametrize("act", ["relu", "prelu", "rrelu", "gelu"])
def test_float32_end_to_end(act):
    net = MLP([6, 5, 4], activation=act, seed=0, dtype=np.float32)
    X, y = data(n=9, n_in=6, k=4)
    loss, grads = net.loss_and_grads(X, y, keep=True)
    arrays = [*net.weights, *net.biases, *[a for p in grads for a in p], net.forward(X),
              *net.trace.z, *net.trace.h, *net.trace.delta]
    assert {a.dtype for a in arrays} == {np.dtype(np.float32)}
    net64 = MLP([6, 5, 4], activation=act, seed=0).eval()
    net.eval()
    np.testing.assert_allclose(net.forward(X), net64.forward(X), rtol=1e-4, atol=1e-5)


def test_backward_never_changes_parameters_and_grads_are_fresh():
    net = MLP(SIZES, activation="prelu", seed=0)
    X, y = data()
    before = net.flat.copy()
    _, g1 = net.loss_and_grads(X, y)
    g1_copy = g1.flat.copy()
    net.loss_and_grads(X * 2, y)
    assert np.array_equal(net.flat, before)
    assert np.array_equal(g1.flat, g1_copy)


def test_trace_and_explicit_backward_agree_with_loss_and_grads():
    net = MLP(SIZES, activation="tanh", seed=0)
    X, y = data()
    loss, grads = net.loss_and_grads(X, y, keep=True)
    deltas = [d.copy() for d in net.trace.delta]
    o = net.forward(X, keep=True)
    _, dout = net.loss.value_and_grad(o, y)
    grads2 = net.backward(dout)
    np.testing.assert_allclose(grads2.flat, grads.flat, rtol=1e-12)
    tr = net.trace
    assert [z.shape for z in tr.z] == [(6, 4), (6, 3), (6, 3)]
    assert [h.shape for h in tr.h] == [(6, 4), (6, 3)]
    for d1, d2 in zip(deltas, tr.delta):
        np.testing.assert_allclose(d1, d2, rtol=1e-12)
    # δ_{l−1} = f'(z_{l−1}) ⊙ (δ_l W_l^T): the chain rule, written out
    act = net.activations[0]
    np.testing.assert_allclose(tr.delta[0], act.grad(tr.z[0]) * (tr.delta[1] @ net.weights[1].T), rtol=1e-12)
    np.testing.assert_allclose(tr.h[0], act(tr.z[0]))


def test_rrelu_per_layer_objects_and_modes():
    net = MLP([5, 4, 4, 3], activation="rrelu", seed=0, bias=-1.0)
    a0, a1 = net.activations
    assert a0 is not a1 and a0.rng is not a1.rng
    X, y = data(n=8)
    assert net.training and a0.training
    out1, out2 = net.forward(X), net.forward(X)
    assert not np.array_equal(out1, out2)          # random slopes in training mode
    _, grads = net.loss_and_grads(X, y, keep=True)
    tr = net.trace                                 # backward used the slopes of this very pass
    np.testing.assert_allclose(tr.delta[0], a0.grad(tr.z[0]) * (tr.delta[1] @ net.weights[1].T))
    net.eval()
    assert not a0.training
    np.testing.assert_array_equal(net.forward(X), net.forward(X))
    assert net.train() is net and a1.training


def test_necro_relu_uses_its_surrogate_gradient():
    net = MLP([5, 4, 3], activation="necro_relu", seed=0, bias=-5.0)   # every unit below zero
    X, y = data()
    _, grads = net.loss_and_grads(X, y, keep=True)
    assert np.all(net.trace.h[0] == 0)
    assert np.abs(grads[0][0]).sum() > 0   # a plain ReLU would give exactly zero here


def test_same_seed_same_network_and_generator_seed():
    a, b = MLP(SIZES, seed=7), MLP(SIZES, seed=7)
    assert np.array_equal(a.flat, b.flat)
    assert not np.array_equal(a.flat, MLP(SIZES, seed=8).flat)
    c = MLP(SIZES, seed=np.random.default_rng(7))
    assert np.array_equal(a.flat, c.flat)


def test_copy_keeps_views_independent():
    net = MLP(SIZES, activation="prelu", seed=0)
    twin = copy.deepcopy(net)
    twin.weights[0][...] = 0
    twin.alphas[0][...] = 0.5
    assert np.all(twin.flat[: 5 * 4] == 0) and not np.all(net.weights[0] == 0)
    assert twin.activations[0].alpha is twin.alphas[0]
    assert net.alphas[0][0] == 0.25


def test_weights_setter_checks_shapes():
    net = MLP(SIZES, seed=0)
    net.weights = [np.ones(W.shape) for W in net.weights]
    assert np.all(net.flat[:20] == 1)
    with pytest.raises(ValueError, match=r"weights\[1\] must have shape \(4, 3\)"):
        net.weights = [np.ones((5, 4)), np.ones((3, 3)), np.ones((3, 3))]


def test_zeros_init_keeps_units_symmetric():
    net = MLP([5, 4, 3], activation="tanh", init="zeros", seed=0, bias=0.1)
    X, y = data()
    _, grads = net.loss_and_grads(X, y)
    dW0 = grads[0][0]
    assert np.allclose(dW0, dW0[:, :1])  # every hidden unit gets the same gradient


def test_errors_name_the_shapes():
    net = MLP(SIZES, seed=0)
    X, y = data()
    with pytest.raises(ValueError, match=r"X has shape \(6, 4\).*5 features"):
        net.forward(X[:, :4])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        net.loss_and_grads(X, y + 3)
    with pytest.raises(ValueError, match=r"labels y of shape \(5,\)"):
        net.loss_and_grads(X, y[:5])
    with pytest.raises(ValueError, match="got 1 activations for 2 hidden layers"):
        MLP(SIZES, activation=["relu"])
    with pytest.raises(ValueError, match="unknown activation"):
        MLP(SIZES, activation="relu6x")
    with pytest.raises(ValueError, match="dtype"):
        MLP(SIZES, dtype=np.float16)
    with pytest.raises(ValueError, match="forward"):
        MLP(SIZES).backward(np.zeros((6, 3)))
