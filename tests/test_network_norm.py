"""MLP with batch/layer normalisation and residual connections: gradients, modes, PyTorch, training.

The plain path (no norm, no skip) must compute exactly what it computed
before these options existed: it is compared bit for bit with ``network.py``
of the commit they were added to (skipped where git history is absent).
"""

import importlib.util
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vglib import MLP
from vglib.data import load_digits
from vglib.diagnostics import activation_stats, inactive_units
from vglib.gradcheck import numerical_gradient
from vglib.optim import SGD
from vglib.train import evaluate, fit

SIZES = [5, 4, 4, 4, 3]  # hidden layers 1 and 2 can have a skip, layer 0 (5 → 4) cannot
NORMS = [None, "batch", "layer"]
BASE_COMMIT = "213780c"  # main before norm= and residual= existed
ROOT = Path(__file__).resolve().parent.parent


def data(n=7, n_in=5, k=3, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n_in)), rng.integers(0, k, size=n)


def make_net(norm, residual, act="tanh", seed=0, sizes=SIZES, **kw):
    """A network whose γ and β are moved away from (1, 0), so that their gradients are tested in general."""
    net = MLP(sizes, activation=act, init="he_normal", seed=seed, bias=0.1, norm=norm, residual=residual, **kw)
    rng = np.random.default_rng(seed + 100)
    for gb in net.norm_params:
        if gb is not None:
            gb[0][...] = rng.normal(1.0, 0.3, gb[0].shape)
            gb[1][...] = rng.normal(0.0, 0.3, gb[1].shape)
    return net


def fd_errors(net, X, y):
    """Per parameter, ``max |analytic − numerical| / max(max |numerical|, 1e−3)`` (centred differences, float64).

    The floor is for the biases under batch norm, whose gradient is exactly 0
    (the batch mean cancels them) while the differences give rounding noise
    of about 1e−10 (tested apart below).
    """
    _, grads = net.loss_and_grads(X, y)
    num = numerical_gradient(lambda _: net.loss_and_grads(X, y)[0], net.flat)
    num_views = net.param_views(num)
    pairs = [(f"W{l}", grads[l][0], num_views.pairs[l][0]) for l in range(net.n_layers)]
    pairs += [(f"b{l}", grads[l][1], num_views.pairs[l][1]) for l in range(net.n_layers)]
    for l, a in enumerate(grads.alphas):
        if a is not None:
            pairs.append((f"alpha{l}", a, num_views.alphas[l]))
    for l, gb in enumerate(grads.norm or []):
        pairs += [(f"gamma{l}", gb[0], num_views.norm[l][0]), (f"beta{l}", gb[1], num_views.norm[l][1])]
    return {name: float(np.max(np.abs(g - n)) / max(np.max(np.abs(n)), 1e-3)) for name, g, n in pairs}


# -- gradients ------------------------------------------------------------------


@pytest.mark.parametrize("act", ["tanh", "relu", "prelu"])
@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("norm", NORMS)
def test_backward_matches_finite_differences(norm, residual, act):
    net = make_net(norm, residual, act)
    X, y = data()
    errs = fd_errors(net, X, y)
    assert max(errs.values()) < 1e-6, errs
    names = set(errs)
    assert {"gamma0", "beta2"} <= names if norm else not any(n.startswith("gamma") for n in names)


def test_backward_in_eval_mode_matches_finite_differences():
    net = make_net("batch", True)
    X, y = data(n=12)
    net.forward(X)  # non-trivial running statistics
    net.eval()
    errs = fd_errors(net, X, y)
    assert max(errs.values()) < 1e-6, errs


def test_batch_norm_cancels_the_bias_before_it():
    """Batch norm subtracts the batch mean, so ``b_l`` of a normalised layer gets no gradient in training."""
    net = make_net("batch", False)
    X, y = data()
    _, grads = net.loss_and_grads(X, y)
    for l in range(net.n_layers - 1):
        assert np.max(np.abs(grads[l][1])) < 1e-12
    assert np.max(np.abs(grads[-1][1])) > 1e-3


def test_forward_backward_equals_loss_and_grads_and_trace():
    net = make_net("layer", True, "relu")
    X, y = data()
    loss, grads = net.loss_and_grads(X, y, keep=True)
    tr = net.trace
    assert len(tr.z) == 4 and len(tr.u) == len(tr.h) == 3 and len(tr.delta) == 4
    assert all(not np.array_equal(z, u) for z, u in zip(tr.z, tr.u))  # u = Norm(z)
    assert np.array_equal(tr.h[1], np.maximum(tr.u[1], 0) + tr.h[0])  # a skip
    assert np.array_equal(tr.h[0], np.maximum(tr.u[0], 0))            # 5 → 4: no skip
    o = net.forward(X, keep=True)
    dout = net.loss.value_and_grad(o, y)[1]
    g2 = net.backward(dout)
    np.testing.assert_array_equal(g2.flat, grads.flat)
    for d1, d2 in zip(tr.delta, net.trace.delta):
        np.testing.assert_array_equal(d1, d2)


def test_skip_adds_the_upstream_gradient():
    """With ``f = identity`` and no norm, ``∂ℓ/∂h_{l−1} = δ_l W_l^T + ∂ℓ/∂h_l`` can be read off δ."""
    net = make_net(None, True, "identity")
    X, y = data()
    net.loss_and_grads(X, y, keep=True)
    d, W = net.trace.delta, net.weights
    dh2 = d[3] @ W[3].T                 # layer 2 output: no skip above it (the output layer)
    dh1 = d[2] @ W[2].T + dh2           # δ_2 = dh2 (identity), and layer 2's skip
    np.testing.assert_allclose(d[2], dh2, rtol=1e-13)
    np.testing.assert_allclose(d[1], dh1, rtol=1e-13)


# -- layout, modes, errors ------------------------------------------------------


def test_gamma_and_beta_live_in_the_flat_array():
    net = MLP([5, 4, 4, 3], activation="prelu", seed=0, norm="layer")
    names = [n for n, _ in net.parameters()]
    assert names[-6:] == ["alpha0", "alpha1", "gamma0", "beta0", "gamma1", "beta1"]
    assert all(np.all(g == 1) and np.all(b == 0) for g, b in net.norm_params)
    net.norm_params[0][0][...] = 2.0
    assert np.count_nonzero(net.flat == 2.0) >= 4
    X, y = data()
    _, grads = net.loss_and_grads(X, y)
    assert [g.shape for g, _ in grads.norm] == [(4,), (4,)]
    views = net.param_views(grads.flat)
    pairs, alphas = views                         # unpacks as before
    assert np.array_equal(views.norm[1][1], grads.norm[1][1]) and len(pairs) == 3 and len(alphas) == 2
    before = net.norm_params[1][1].copy()
    SGD(lr=0.5).step(net, grads)                  # the optimiser updates γ and β like W and b
    np.testing.assert_allclose(net.norm_params[1][1], before - 0.5 * grads.norm[1][1])
    plain = MLP([5, 4, 3], seed=0)
    assert plain.loss_and_grads(X, y)[1].norm is None and plain.param_views(plain.flat).norm is None
    assert plain.norm_params == [None] and plain.skips == [False]


def test_skips_only_where_widths_match():
    assert MLP([5, 4, 4, 3, 3], residual=True).skips == [False, True, False]
    assert MLP([4, 4, 4, 3], residual=True).skips == [False, True]  # layer 0 takes X: never a skip


def test_train_and_eval_modes_of_batch_norm():
    net = make_net("batch", True)
    bn = net.norms[0]
    X, y = data(n=20)
    z0 = X @ net.weights[0] + net.biases[0]
    net.forward(X)
    np.testing.assert_allclose(bn.running_mean, 0.1 * z0.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * z0.var(axis=0, ddof=1), rtol=1e-12)
    # training: an example's output depends on the rest of the batch
    assert not np.allclose(net.forward(X)[:3], net.forward(X[:3]))
    with net.evaluating():
        saved = bn.running_mean.copy()
        whole, part = net.forward(X), net.forward(X[:3])
        np.testing.assert_allclose(whole[:3], part, rtol=1e-12)
        one = net.forward(X[:1])                                 # a batch of one is fine in eval mode
        assert np.array_equal(bn.running_mean, saved)            # eval does not update the statistics
    np.testing.assert_allclose(one, whole[:1], rtol=1e-12)
    with pytest.raises(ValueError, match="at least 2 examples"):
        net.forward(X[:1])
    with pytest.raises(ValueError, match="at least 2 examples"):
        net.loss_and_grads(X[:1], y[:1])


def test_errors_are_named():
    with pytest.raises(ValueError, match=r"norm must be one of None, 'batch', 'layer'; got 'group'"):
        MLP([4, 3, 2], norm="group")
    with pytest.raises(TypeError, match="residual must be True or False"):
        MLP([4, 3, 3, 2], residual=1)
    with pytest.raises(ValueError, match=r"layer 1 \(5 → 3\), layer 2 \(3 → 4\) cannot have a skip"):
        MLP([4, 5, 3, 4, 2], residual=True)
    with pytest.raises(ValueError, match="one hidden layer, the first, which takes X"):
        MLP([4, 4, 2], residual=True)
    with pytest.raises(ValueError, match="has no hidden layer"):
        MLP([4, 2], residual=True)
    X, y = data(n=9)
    with pytest.raises(ValueError, match="batch_size=4 on 9 examples leaves a batch of one"):
        fit(MLP([5, 4, 3], norm="batch"), X, y, steps=2, batch_size=4)
    net = MLP([5, 4, 3], norm="batch")
    assert net.first_nonfinite(X, np.zeros_like(net.flat)) == (None, "the loss only")


def test_copy_and_pickle_keep_running_statistics():
    net = make_net("batch", True)
    X, y = data()
    net.forward(X)
    for twin in (net.copy(), pickle.loads(pickle.dumps(net))):
        assert np.array_equal(twin.norms[0].running_var, net.norms[0].running_var)
        assert twin.norms[0] is not net.norms[0]
        with twin.evaluating(), net.evaluating():
            np.testing.assert_array_equal(twin.forward(X), net.forward(X))
        twin.norm_params[0][0][...] = 3.0
        assert np.all(net.norm_params[0][0] != 3.0)
        np.testing.assert_array_equal(twin.loss_and_grads(X, y)[1].norm[2][0],
                                      twin.copy().loss_and_grads(X, y)[1].norm[2][0])


def test_diagnostics_read_the_activation_inputs():
    net = make_net("batch", False, "relu")
    X, _ = data(n=30)
    net.eval()
    stats = activation_stats(net, X)
    u = net.trace.u
    np.testing.assert_allclose(stats["saturated_fraction"], [np.mean(v <= 0) for v in u])
    assert [a.tolist() for a in inactive_units(net, X)] == [np.all(v <= 0, axis=0).tolist() for v in u]
    plain = MLP([5, 4, 3], activation="relu", seed=0)
    plain.forward(X, keep=True)
    assert all(u is z for u, z in zip(plain.trace.u, plain.trace.z))


def test_float32_end_to_end():
    net = make_net("batch", True, dtype=np.float32)
    X, y = data()
    _, grads = net.loss_and_grads(X, y, keep=True)
    arrays = [grads.flat, *net.trace.z, *net.trace.u, *net.trace.h, *net.trace.delta,
              net.norms[0].running_var, net.forward(X)]
    assert {a.dtype for a in arrays} == {np.dtype(np.float32)}


# -- training -----------------------------------------------------------------


def test_fit_with_batch_norm_and_skips_on_digits():
    d = load_digits()
    net = MLP([64, 32, 32, 32, 10], activation="tanh", init="xavier_uniform", seed=0, norm="batch",
              residual=True)
    hist = fit(net, d.X_train, d.y_train, eval_set=(d.X_test, d.y_test), epochs=5, batch_size=32,
               lr=3e-3, seed=0, record_every=50)
    assert hist.test_acc[-1] >= 0.93, hist.test_acc
    assert hist.layer("grad_norm").shape[1] == 4 and hist.layer("saturated_fraction").shape[1] == 3
    assert net.training and np.all(net.norms[0].running_var != 1)
    assert evaluate(net, d.X_test, d.y_test)[1] == hist.test_acc[-1]


def test_histograms_in_fit_do_not_move_the_running_statistics():
    d = load_digits()
    runs = []
    for histograms in (False, True):
        net = MLP([64, 16, 16, 10], activation="relu", seed=0, norm="batch", residual=True)
        fit(net, d.X_train[:300], d.y_train[:300], steps=12, batch_size=25, seed=0, record_every=5,
            histograms=histograms)
        runs.append(net)
    assert np.array_equal(runs[0].flat, runs[1].flat)
    assert np.array_equal(runs[0].norms[1].running_var, runs[1].norms[1].running_var)


# -- PyTorch ------------------------------------------------------------------


def torch_net(net, act):
    """The same network in PyTorch: Linear (+ BatchNorm1d / LayerNorm) + activation (+ skip), weights copied."""
    torch = pytest.importorskip("torch")
    nn = torch.nn
    acts = {"tanh": nn.Tanh, "relu": nn.ReLU, "gelu": nn.GELU}

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            L = net.n_layers
            self.linear = nn.ModuleList(nn.Linear(*W.shape, dtype=torch.float64) for W in net.weights)
            norm = {"batch": nn.BatchNorm1d, "layer": nn.LayerNorm}.get(net.norm)
            self.norm = nn.ModuleList(norm(net.sizes[l + 1], dtype=torch.float64) if norm else nn.Identity()
                                      for l in range(L - 1))
            self.act = acts[act]()
            with torch.no_grad():
                for lin, W, b in zip(self.linear, net.weights, net.biases):
                    lin.weight.copy_(torch.tensor(W.T))
                    lin.bias.copy_(torch.tensor(b))
                for mod, gb in zip(self.norm, net.norm_params):
                    if gb is not None:
                        mod.weight.copy_(torch.tensor(gb[0]))
                        mod.bias.copy_(torch.tensor(gb[1]))

        def forward(self, x):
            for l, (lin, norm) in enumerate(zip(self.linear[:-1], self.norm)):
                a = self.act(norm(lin(x)))
                x = a + x if net.skips[l] else a
            return self.linear[-1](x)

    return Net()


@pytest.mark.parametrize("act", ["tanh", "relu"])
@pytest.mark.parametrize("norm, residual", [("batch", False), ("batch", True), ("layer", False),
                                            ("layer", True), (None, True)])
def test_against_pytorch_float64(norm, residual, act):
    torch = pytest.importorskip("torch")
    net = make_net(norm, residual, act, sizes=[6, 5, 5, 5, 4])
    X, y = data(n=11, n_in=6, k=4, seed=2)
    tnet = torch_net(net, act).train()
    out = tnet(torch.tensor(X))
    t_loss = torch.nn.functional.cross_entropy(out, torch.tensor(y))
    t_loss.backward()
    loss, grads = net.loss_and_grads(X, y)
    assert abs(loss - t_loss.item()) < 1e-12
    for l, lin in enumerate(tnet.linear):
        np.testing.assert_allclose(grads[l][0], lin.weight.grad.numpy().T, rtol=0, atol=1e-10)
        np.testing.assert_allclose(grads[l][1], lin.bias.grad.numpy(), rtol=0, atol=1e-10)
    for l, mod in enumerate(tnet.norm if norm else []):
        np.testing.assert_allclose(grads.norm[l][0], mod.weight.grad.numpy(), rtol=0, atol=1e-10)
        np.testing.assert_allclose(grads.norm[l][1], mod.bias.grad.numpy(), rtol=0, atol=1e-10)
        if norm == "batch":  # one training forward each
            np.testing.assert_allclose(net.norms[l].running_mean, mod.running_mean.numpy(), rtol=0, atol=1e-12)
            np.testing.assert_allclose(net.norms[l].running_var, mod.running_var.numpy(), rtol=0, atol=1e-12)
    tnet.eval()
    with net.evaluating(), torch.no_grad():
        np.testing.assert_allclose(net.forward(X), tnet(torch.tensor(X)).numpy(), rtol=0, atol=1e-10)


# -- the plain path is unchanged ------------------------------------------------


@pytest.fixture(scope="module")
def base_network():
    """``vglib/network.py`` of the commit before norm= and residual=, imported as ``vglib._base_network``."""
    try:
        source = subprocess.run(["git", "-C", str(ROOT), "show", f"{BASE_COMMIT}:vglib/network.py"],
                                capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip(f"git history with commit {BASE_COMMIT} is not available")
    path = ROOT / "vglib" / "network.py"  # spec location only: relative imports resolve in vglib
    spec = importlib.util.spec_from_loader("vglib._base_network", loader=None, origin=str(path))
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "vglib"
    sys.modules[spec.name] = module
    try:
        exec(compile(source, f"{BASE_COMMIT}:vglib/network.py", "exec"), module.__dict__)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


@pytest.mark.parametrize("act, dtype", [("relu", np.float64), ("tanh", np.float64), ("sigmoid", np.float64),
                                        ("prelu", np.float64), ("gelu", np.float64), ("elu", np.float32),
                                        ("leaky_relu", np.float32)])
def test_plain_path_is_bit_identical_to_before(base_network, act, dtype):
    kw = dict(activation=act, init="he_normal", seed=4, bias=0.05, dtype=dtype)
    sizes = [8, 16, 16, 12, 5]
    new, old = MLP(sizes, **kw), base_network.MLP(sizes, **kw)
    assert new.flat.tobytes() == old.flat.tobytes()
    rng = np.random.default_rng(7)
    X, y = rng.normal(size=(33, 8)), rng.integers(0, 5, size=33)
    assert new.forward(X).tobytes() == old.forward(X).tobytes()
    (l1, g1), (l2, g2) = new.loss_and_grads(X, y, keep=True), old.loss_and_grads(X, y, keep=True)
    assert l1 == l2 and g1.flat.tobytes() == g2.flat.tobytes()
    for a, b in zip(new.trace.delta + new.trace.z + new.trace.h, old.trace.delta + old.trace.z + old.trace.h):
        assert a.tobytes() == b.tobytes()
    Xc, t = new.check_input(X), new.loss.targets(y, (33, 5), new.dtype)
    f1, f2 = np.zeros_like(new.flat), np.zeros_like(old.flat)
    assert new.step_grads(Xc, t, f1) == old.step_grads(Xc, t, f2) and f1.tobytes() == f2.tobytes()
