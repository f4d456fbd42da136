"""vglib.recurrent: BPTT against finite differences and PyTorch, Jacobians through time, errors."""

import numpy as np
import pytest

from vglib.gradcheck import numerical_gradient
from vglib.recurrent import GATES, LSTM, RNN
from vglib.studies.adding import adding_problem, train_adding

I, H, T, B = 3, 4, 6, 2


def make(cls, seed=0, **kw):
    """A small model with non-zero biases, so that no gradient term is trivially 0."""
    model = cls(I, H, seed=seed, **kw)
    model.b += np.random.default_rng(seed + 100).normal(0.0, 0.5, size=model.b.shape)
    return model


def sequence(seed=0, t=T):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(t, B, I)), rng.normal(size=(t, B, H))


# --- backpropagation through time against centred finite differences (float64) ---


@pytest.mark.parametrize("cls, kw", [(RNN, {}), (RNN, {"scale": 1.5}), (LSTM, {}), (LSTM, {"forget_bias": 1.0})])
def test_bptt_matches_finite_differences(cls, kw):
    model = make(cls, **kw)
    X, R = sequence()  # loss L = sum_t <R_t, h_t>, so dL/dh_t = R_t
    model.forward(X)
    grads = model.backward(R)

    def loss(_):
        return float(np.sum(model.forward(X)[0] * R))

    for name in ("W_ih", "W_hh", "b"):
        num = numerical_gradient(loss, getattr(model, name))
        np.testing.assert_allclose(grads[name], num, rtol=1e-6, atol=1e-8, err_msg=name)
    num_X = numerical_gradient(lambda x: float(np.sum(model.forward(x)[0] * R)), X.copy())
    np.testing.assert_allclose(grads["X"], num_X, rtol=1e-6, atol=1e-8, err_msg="X")


@pytest.mark.parametrize("cls", [RNN, LSTM])
def test_gradient_shapes_and_weights_untouched(cls):
    model = make(cls)
    before = {k: v.copy() for k, v in model.parameters()}
    X, R = sequence()
    hs, _ = model.forward(X)
    grads = model.backward(R)
    assert hs.shape == (T, B, H)
    assert set(grads) == {"W_ih", "W_hh", "b", "X"}
    for name, value in before.items():
        assert grads[name].shape == value.shape
        np.testing.assert_array_equal(dict(model.parameters())[name], value)
    assert grads["X"].shape == X.shape
    assert model.grad_h.shape == (T, B, H)


def test_lstm_layout_and_final_state():
    model = LSTM(I, H, seed=0, forget_bias=2.0)
    assert model.W_ih.shape == (4 * H, I) and model.W_hh.shape == (4 * H, H) and model.b.shape == (4 * H,)
    np.testing.assert_array_equal(model.b[H : 2 * H], 2.0)  # the forget block, second of i, f, g, o
    assert np.count_nonzero(model.b) == H
    X, _ = sequence()
    hs, (h, c) = model.forward(X)
    np.testing.assert_array_equal(h, hs[-1])
    np.testing.assert_array_equal(c, model.cs[-1])
    gates = model.gates
    assert tuple(gates) == GATES
    np.testing.assert_allclose(h, gates["o"][-1] * np.tanh(c), rtol=1e-14)


def test_rnn_scale_sets_every_singular_value():
    model = RNN(I, 8, seed=0, scale=0.7)
    np.testing.assert_allclose(np.linalg.svd(model.W_hh, compute_uv=False), 0.7, rtol=1e-12)


# --- gradient flow through time ------------------------------------------------------


def test_rnn_jacobians_are_the_product_of_step_jacobians():
    model = make(RNN, scale=1.2)
    X, _ = sequence()
    J = model.jacobians(X)
    hs, _ = model.forward(X)
    expected = np.broadcast_to(np.eye(H), (B, H, H))
    for t in reversed(range(T)):
        np.testing.assert_allclose(J[t], expected, rtol=1e-12, atol=1e-14)
        step = (1 - hs[t] ** 2)[:, :, None] * model.W_hh  # dh_t/dh_{t-1} = diag(1 - h_t^2) W_hh
        expected = expected @ step
    norms = model.jacobian_norms(X)
    assert norms.shape == (T, B)
    np.testing.assert_allclose(norms[-1], 1.0)
    np.testing.assert_allclose(norms, np.linalg.norm(J, ord=2, axis=(-2, -1)))
    # each step back multiplies the spectral norm by at most ||W_hh||_2 = 1.2
    lag = np.arange(T)[::-1]
    assert np.all(norms <= 1.2 ** lag[:, None] * (1 + 1e-12))


def _lstm_step(model, x, h, c):
    """One LSTM step written out independently of vglib, for finite differences."""
    a = model.W_ih @ x + model.W_hh @ h + model.b
    i, f, g, o = np.split(a, 4)
    s = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    c = s(f) * c + s(i) * np.tanh(g)
    return s(o) * np.tanh(c), c


@pytest.mark.parametrize("of", ["h", "c"])
@pytest.mark.parametrize("wrt", ["h", "c"])
def test_lstm_jacobians_match_finite_difference_step_jacobians(of, wrt):
    model = make(LSTM, forget_bias=0.5)
    X, _ = sequence(t=5)
    J = model.jacobians(X, of=of, wrt=wrt)
    hs, _ = model.forward(X)
    cs = model.cs
    n = 1  # check the second sequence of the batch
    # step Jacobians of the state s_t = (h_t, c_t) as a function of s_{t-1}, by finite differences
    states = [np.zeros(2 * H)] + [np.concatenate([hs[t, n], cs[t, n]]) for t in range(5)]
    for t in range(5):  # the independent step reproduces the model's forward pass
        np.testing.assert_allclose(np.concatenate(_lstm_step(model, X[t, n], *np.split(states[t], 2))), states[t + 1], rtol=1e-12)
    steps = []
    for t in range(1, 5):
        s = states[t].copy()
        steps.append(numerical_gradient_jacobian(lambda v: np.concatenate(_lstm_step(model, X[t, n], *np.split(v, 2))), s))
    rows = slice(0, H) if of == "h" else slice(H, 2 * H)
    o = model.gates["o"][:, n]
    P = np.eye(2 * H)  # d s_4 / d s_t, with h_t and c_t moved independently
    for t in reversed(range(5)):
        if wrt == "h":
            expected = P[rows, :H]
        else:  # a change of c_t also moves h_t = o_t tanh(c_t): chain through it
            expected = P[rows, :H] * (o[t] * (1 - np.tanh(cs[t, n]) ** 2)) + P[rows, H:]
        np.testing.assert_allclose(J[t, n], expected, rtol=1e-6, atol=1e-9, err_msg=f"t={t}")
        if t > 0:
            P = P @ steps[t - 1]


def numerical_gradient_jacobian(f, x, eps=1e-6):
    """Jacobian of a vector function by centred differences, one column at a time."""
    cols = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = eps
        cols.append((f(x + e) - f(x - e)) / (2 * eps))
    return np.stack(cols, axis=1)


def test_jacobian_rows_are_what_backward_reports_as_grad_h():
    model = make(LSTM)
    X, _ = sequence()
    J = model.jacobians(X)
    model.forward(X)
    dhs = np.zeros((T, B, H))
    dhs[-1, :, 2] = 1.0  # L = sum over the batch of h_{T-1, 2}
    model.backward(dhs)
    np.testing.assert_allclose(model.grad_h, J[:, :, 2, :], rtol=1e-12, atol=1e-15)


def test_constant_error_carousel_with_the_forget_gate_held_at_one():
    """Forget gate at 1 and no recurrent path back into the gates (the 1997 truncation):
    the error on the cell passes back unchanged over any lag."""
    model = LSTM(I, H, seed=0, forget_bias=40.0)
    model.W_hh[:] = 0.0
    X, _ = sequence(t=50)
    J = model.jacobians(X, of="c", wrt="c")
    np.testing.assert_array_equal(model.gates["f"], 1.0)
    np.testing.assert_allclose(J, np.broadcast_to(np.eye(H), J.shape), rtol=0, atol=1e-12)
    # with forget bias 0 the same path is the product of the forget gates: it decays
    model = LSTM(I, H, seed=0, forget_bias=0.0)
    model.W_hh[:] = 0.0
    J = model.jacobians(X, of="c", wrt="c")
    f = model.gates["f"]
    for t in (0, 25, 48):
        prod = np.prod(f[t + 1 :], axis=0)  # (B, H)
        np.testing.assert_allclose(J[t], prod[:, :, None] * np.eye(H), rtol=1e-10, atol=1e-300)
    assert np.all(np.diagonal(J[0], axis1=-2, axis2=-1) < 1e-5)


# --- errors that speak to a learner ------------------------------------------------


@pytest.mark.parametrize("cls", [RNN, LSTM])
def test_bad_shapes_raise_value_errors_naming_them(cls):
    model = cls(I, H)
    with pytest.raises(ValueError, match=r"X must have shape \(T, batch, input_size\).*got \(6, 3\).*X\[:, None, :\]"):
        model.forward(np.zeros((6, 3)))
    with pytest.raises(ValueError, match=r"input_size\) = \(T, batch, 3\).*got \(6, 2, 5\)"):
        model.forward(np.zeros((6, 2, 5)))
    with pytest.raises(RuntimeError, match="forward"):
        model.backward(np.zeros((6, 2, H)))
    model.forward(np.zeros((6, 2, I)))
    with pytest.raises(ValueError, match=r"dhs must have the shape of hs.*\(6, 2, 4\).*got \(6, 2, 3\)"):
        model.backward(np.zeros((6, 2, 3)))
    with pytest.raises(ValueError, match=r"W_hh must have shape \((4)?H, H\)"):
        model.W_hh = np.zeros((H, H + 1))
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        cls(I, 0)
    with pytest.raises(ValueError, match="input_size must be a positive integer"):
        cls(2.5, H)


def test_lstm_jacobian_arguments_are_checked():
    with pytest.raises(ValueError, match="of must be one of 'h', 'c'"):
        LSTM(I, H).jacobians(np.zeros((3, 1, I)), of="x")
    with pytest.raises(ValueError, match="ord must be 2"):
        RNN(I, H).jacobian_norms(np.zeros((3, 1, I)), ord=1)


# --- the adding problem -----------------------------------------------------------------


def test_adding_problem_batches():
    X, y = adding_problem(200, 10, np.random.default_rng(0))
    assert X.shape == (10, 200, 2) and y.shape == (200,)
    marks = X[:, :, 1]
    assert np.all(marks.sum(axis=0) == 2)
    assert np.all(marks[:5].sum(axis=0) == 1) and np.all(marks[5:].sum(axis=0) == 1)
    np.testing.assert_allclose(y, (X[:, :, 0] * marks).sum(axis=0))
    with pytest.raises(ValueError, match="length >= 2"):
        adding_problem(3, 1, np.random.default_rng(0))


def test_lstm_learns_a_short_adding_problem_and_training_is_reproducible():
    runs = [train_adding(LSTM(2, 8, seed=0, forget_bias=1.0), 6, steps=150, seed=0) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].losses, runs[1].losses)
    r = runs[0]
    assert 0.1 < r.baseline_mse < 0.25
    assert r.solved_fraction > 0.8, r
    assert np.all(np.isfinite(r.grad_norms))
    with pytest.raises(ValueError, match="2 inputs"):
        train_adding(RNN(3, 4), 5)


# --- PyTorch cross-check (skips cleanly when torch is not installed) -------------------


@pytest.mark.parametrize("cls", [RNN, LSTM])
def test_forward_and_gradients_match_pytorch(cls):
    torch = pytest.importorskip("torch")
    model = make(cls, forget_bias=1.0) if cls is LSTM else make(cls)
    net = (torch.nn.LSTM if cls is LSTM else torch.nn.RNN)(I, H).double()
    with torch.no_grad():  # PyTorch has two biases: ours in b_ih, zero in b_hh
        net.weight_ih_l0.copy_(torch.from_numpy(model.W_ih))
        net.weight_hh_l0.copy_(torch.from_numpy(model.W_hh))
        net.bias_ih_l0.copy_(torch.from_numpy(model.b))
        net.bias_hh_l0.zero_()
    X, R = sequence()
    Xt = torch.tensor(X, requires_grad=True)
    out, state = net(Xt)
    (out * torch.from_numpy(R)).sum().backward()

    hs, final = model.forward(X)
    grads = model.backward(R)
    np.testing.assert_allclose(hs, out.detach().numpy(), rtol=1e-12, atol=1e-14)
    if cls is LSTM:
        np.testing.assert_allclose(final[0], state[0][0].detach().numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(final[1], state[1][0].detach().numpy(), rtol=1e-12, atol=1e-14)
    else:
        np.testing.assert_allclose(final, state[0].detach().numpy(), rtol=1e-12, atol=1e-14)
    for ours, theirs in [
        (grads["W_ih"], net.weight_ih_l0.grad),
        (grads["W_hh"], net.weight_hh_l0.grad),
        (grads["b"], net.bias_ih_l0.grad),
        (grads["X"], Xt.grad),
    ]:
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10, atol=1e-13)
