"""MLP gradients and the Adam step cross-checked against PyTorch (skips when torch is absent)."""

import numpy as np
import pytest

from vglib import MLP
from vglib.optim import Adam

torch = pytest.importorskip("torch")
F = torch.nn.functional

ACTS = {
    "identity": lambda t, a: t,
    "sigmoid": lambda t, a: torch.sigmoid(t),
    "tanh": lambda t, a: torch.tanh(t),
    "relu": lambda t, a: F.relu(t),
    "leaky_relu": lambda t, a: F.leaky_relu(t, 0.01),
    "prelu": lambda t, a: F.prelu(t, a),
    "rrelu": lambda t, a: F.rrelu(t, 1 / 8, 1 / 3, training=False),
    "elu": lambda t, a: F.elu(t),
    "selu": lambda t, a: F.selu(t),
    "softplus": lambda t, a: F.softplus(t, beta=1.0, threshold=1e9),
    "gelu": lambda t, a: F.gelu(t, approximate="none"),
    "silu": lambda t, a: F.silu(t),
    "relu6": lambda t, a: F.relu6(t),
    "hard_swish": lambda t, a: F.hardswish(t),
    "abs": lambda t, a: torch.abs(t),
}
LOSSES = {
    "cross_entropy": lambda o, y: F.cross_entropy(o, y),
    "mse": lambda o, y: F.mse_loss(o, F.one_hot(y, o.shape[1]).to(o.dtype)),
    "bce_with_logits": lambda o, y: F.binary_cross_entropy_with_logits(o, F.one_hot(y, o.shape[1]).to(o.dtype)),
}
SIZES = [7, 6, 5, 4]


def torch_loss_and_grads(net, X, y, act_name, loss_name, dtype):
    Ws = [torch.tensor(W, dtype=dtype, requires_grad=True) for W in net.weights]
    bs = [torch.tensor(b, dtype=dtype, requires_grad=True) for b in net.biases]
    alphas = [None if a is None else torch.tensor(a, dtype=dtype, requires_grad=True) for a in net.alphas]
    h = torch.tensor(X, dtype=dtype)
    for l, (W, b) in enumerate(zip(Ws, bs)):
        z = h @ W + b
        h = ACTS[act_name](z, alphas[l]) if l < len(Ws) - 1 else z
    loss = LOSSES[loss_name](h, torch.tensor(y))
    loss.backward()
    return loss.item(), Ws, bs, alphas


def data(n=9, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, SIZES[0])), rng.integers(0, SIZES[-1], size=n)


@pytest.mark.parametrize("act", sorted(ACTS))
def test_gradients_match_pytorch_float64(act):
    net = MLP(SIZES, activation=act, init="he_normal", seed=1, bias=0.05, prelu_slopes="per_unit").eval()
    X, y = data()
    loss, grads = net.loss_and_grads(X, y)
    t_loss, Ws, bs, alphas = torch_loss_and_grads(net, X, y, act, "cross_entropy", torch.float64)
    assert loss == pytest.approx(t_loss, rel=1e-12)
    for l, (dW, db) in enumerate(grads):
        np.testing.assert_allclose(dW, Ws[l].grad.numpy(), rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(db, bs[l].grad.numpy(), rtol=1e-9, atol=1e-14)
    for ga, ta in zip(grads.alphas, alphas):
        if ta is not None:
            np.testing.assert_allclose(ga, ta.grad.numpy(), rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
def test_losses_match_pytorch(loss_name):
    net = MLP(SIZES, activation="tanh", seed=2, loss=loss_name)
    X, y = data(seed=3)
    loss, grads = net.loss_and_grads(X, y)
    t_loss, Ws, bs, _ = torch_loss_and_grads(net, X, y, "tanh", loss_name, torch.float64)
    assert loss == pytest.approx(t_loss, rel=1e-12)
    for l, (dW, db) in enumerate(grads):
        np.testing.assert_allclose(dW, Ws[l].grad.numpy(), rtol=1e-9, atol=1e-14)


def test_float32_gradients_match_pytorch_float32():
    net = MLP([64, 10, 10, 10, 10, 10, 10], activation="sigmoid", seed=0, dtype=np.float32)
    X, y = np.random.default_rng(0).normal(size=(30, 64)).astype(np.float32), np.arange(30) % 10
    loss, grads = net.loss_and_grads(X, y)
    t_loss, Ws, bs, _ = torch_loss_and_grads(net, X, y, "sigmoid", "cross_entropy", torch.float32)
    assert loss == pytest.approx(t_loss, rel=1e-5)
    for l, (dW, db) in enumerate(grads):
        scale = np.abs(Ws[l].grad.numpy()).max()
        np.testing.assert_allclose(dW, Ws[l].grad.numpy(), rtol=1e-3, atol=1e-4 * scale)


def test_adam_matches_torch_optim_adam():
    rng = np.random.default_rng(0)
    theta = rng.normal(size=20)
    p = torch.tensor(theta.copy(), requires_grad=True)
    t_opt = torch.optim.Adam([p], lr=0.01)
    opt = Adam(lr=0.01)
    for _ in range(5):
        g = rng.normal(size=20)
        opt.update(theta, g)
        p.grad = torch.tensor(g)
        t_opt.step()
    np.testing.assert_allclose(theta, p.detach().numpy(), rtol=1e-12)
