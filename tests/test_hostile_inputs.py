"""vglib under hostile input: no hang, no silent NaN or wrong number, every bad argument named.

Everything here runs with warnings as errors (NumPy's overflow and invalid
value warnings included) and under a deadline, so a hang fails the test
instead of stalling the suite. Nothing here touches the network beyond
127.0.0.1.
"""

import contextlib
import math
import signal
import socket
import threading
import time

import numpy as np
import pytest

from vglib import MLP
from vglib import activations as acts
from vglib import data, diagnostics, gradcheck, init, losses, optim, theory
from vglib.recurrent import LSTM, RNN, ExplodingGradientError
from vglib.studies import dying
from vglib.studies.adding import adding_problem, train_adding
from vglib.train import evaluate, fit, make_step, minibatches

pytestmark = pytest.mark.filterwarnings("error")

DEADLINE = 60.0  # seconds per test; generous for a busy machine, far below "hung"


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch, tmp_path):
    """No test here may reach any host but 127.0.0.1, nor cache anything outside tmp_path."""
    real_getaddrinfo = socket.getaddrinfo

    def guard(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost"):
            raise OSError(f"test guard: no network access to {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guard)
    monkeypatch.setenv("VGLIB_DATA", str(tmp_path))


@pytest.fixture(autouse=True)
def deadline():
    """Fail any test of this module that runs longer than DEADLINE seconds (SIGALRM)."""

    def expired(signum, frame):
        raise TimeoutError(f"the test was still running after {DEADLINE} s: a hang")

    old = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, DEADLINE)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ----------------------------------------------------------------------------
# activations: every activation x dtype x special value

ALL = acts.available()
DTYPES = [np.float16, np.float32, np.float64]
SPECIAL = ["nan", "+inf", "-inf", "+0", "-0", "+tiny", "-tiny", "+subnormal", "-subnormal",
           "+1", "-1", "+max", "-max"]
LAMBDA, ALPHA = acts.SELU.scale, acts.SELU.alpha
INF = math.inf
# f(+inf), f(-inf), f'(+inf), f'(-inf): the limits, for the default hyperparameters
LIMITS = {
    "identity": (INF, -INF, 1, 1), "sigmoid": (1, 0, 0, 0), "tanh": (1, -1, 0, 0),
    "relu": (INF, 0, 1, 0), "leaky_relu": (INF, -INF, 1, 0.01), "prelu": (INF, -INF, 1, 0.25),
    "rrelu": (INF, -INF, 1, 11 / 48), "elu": (INF, -1, 1, 0), "selu": (INF, -LAMBDA * ALPHA, LAMBDA, 0),
    "softplus": (INF, 0, 1, 0), "gelu": (INF, 0, 1, 0), "silu": (INF, 0, 1, 0), "relu6": (6, 0, 0, 0),
    "hard_swish": (INF, 0, 1, 0), "abs": (INF, INF, 1, -1), "necro_relu": (INF, 0, 1, 0.01),
}


def special(dtype, which):
    info = np.finfo(dtype)
    sign = -1 if which[0] == "-" else 1
    magnitude = {"nan": np.nan, "inf": np.inf, "0": 0.0, "tiny": info.tiny, "subnormal": info.smallest_subnormal,
                 "1": 1.0, "max": info.max}[which.lstrip("+-")]
    return np.array([sign * magnitude], dtype=dtype)


def same_number(got, expected, maxulp):
    got = np.asarray(got)
    expected = np.broadcast_to(np.asarray(expected, dtype=got.dtype), got.shape)
    if not np.isfinite(expected).all() or not expected.any():
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_array_max_ulp(got, expected, maxulp=maxulp)


def test_limits_table_covers_every_activation():
    assert sorted(LIMITS) == ALL


@pytest.mark.parametrize("which", SPECIAL)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", ALL)
def test_activation_at_special_values(name, dtype, which):
    act = acts.get(name)
    z = special(dtype, which)
    if name == "selu" and which == "+max":  # λ·max is beyond every dtype: inf, and NumPy says so
        with pytest.warns(RuntimeWarning, match="overflow"):
            assert act(z)[0] == np.inf
        return
    with np.errstate(all="warn", under="ignore"):  # any overflow or invalid operation is an error here
        h, d = act(z), act.grad(z)
    assert h.dtype == dtype and d.dtype == dtype and h.shape == d.shape == (1,)
    if which == "nan":
        assert np.isnan(h[0]) and np.isnan(d[0]), (h, d)
    elif which.endswith("inf"):
        f_pos, f_neg, d_pos, d_neg = LIMITS[name]
        same_number(h, f_pos if which == "+inf" else f_neg, maxulp=2)
        same_number(d, d_pos if which == "+inf" else d_neg, maxulp=2)
    else:
        assert np.isfinite(h[0]) and np.isfinite(d[0]), (h, d)
        if dtype != np.float64:  # the float64 computation, rounded, is the reference
            with np.errstate(over="ignore"):
                ref_h, ref_d = (np.asarray(r).astype(dtype) for r in (act(z.astype(np.float64)),
                                                                     act.grad(z.astype(np.float64))))
            same_number(h, ref_h, maxulp=4)
            same_number(d, ref_d, maxulp=4)


@pytest.mark.parametrize("name", ALL)
def test_float64_special_values_against_multiprecision(name):
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 60
    f, df = _mp_reference(mp)[name]
    for which in SPECIAL[3:]:
        z = special(np.float64, which)
        if name == "selu" and which == "+max":
            continue
        for got, exact in ((acts.get(name)(z)[0], f(mp.mpf(float(z[0])))),
                           (acts.get(name).grad(z)[0], df(mp.mpf(float(z[0]))))):
            same_number(np.float64(got), float(exact), maxulp=2)


def _mp_reference(mp):
    """Each activation and its derivative in multiprecision (default hyperparameters)."""
    sig = lambda z: 1 / (1 + mp.exp(-z))  # noqa: E731
    phi = lambda z: 0 if abs(z) > 60 else mp.exp(-z * z / 2) / mp.sqrt(2 * mp.pi)  # noqa: E731
    cdf = lambda z: (1 if z > 0 else 0) if abs(z) > 60 else mp.erfc(-z / mp.sqrt(2)) / 2  # noqa: E731
    two = lambda z, a, b: a if z > 0 else b  # noqa: E731
    lam, alp = mp.mpf(LAMBDA), mp.mpf(ALPHA)
    return {
        "identity": (lambda z: z, lambda z: 1), "sigmoid": (sig, lambda z: sig(z) * sig(-z)),
        "tanh": (mp.tanh, lambda z: 1 / mp.cosh(z) ** 2),
        "relu": (lambda z: max(z, 0), lambda z: two(z, 1, 0)),
        "leaky_relu": (lambda z: two(z, z, z * mp.mpf("0.01")), lambda z: two(z, 1, mp.mpf("0.01"))),
        "prelu": (lambda z: two(z, z, z / 4), lambda z: two(z, 1, mp.mpf(1) / 4)),
        "rrelu": (lambda z: two(z, z, z * 11 / 48), lambda z: two(z, 1, mp.mpf(11) / 48)),
        "elu": (lambda z: two(z, z, mp.expm1(z)), lambda z: two(z, 1, mp.exp(z))),
        "selu": (lambda z: lam * two(z, z, alp * mp.expm1(z)), lambda z: lam * two(z, 1, alp * mp.exp(z))),
        "softplus": (lambda z: mp.log1p(mp.exp(z)), sig),
        "gelu": (lambda z: z * cdf(z), lambda z: cdf(z) + z * phi(z)),
        "silu": (lambda z: z * sig(z), lambda z: sig(z) * (1 + z * sig(-z))),
        "relu6": (lambda z: min(max(z, 0), 6), lambda z: 1 if 0 < z < 6 else 0),
        "hard_swish": (lambda z: 0 if z <= -3 else (z if z >= 3 else z * (z + 3) / 6),
                       lambda z: 0 if z <= -3 else (1 if z >= 3 else (2 * z + 3) / 6)),
        "abs": (abs, mp.sign), "necro_relu": (lambda z: max(z, 0), lambda z: two(z, 1, mp.mpf("0.01"))),
    }


@pytest.mark.parametrize("name", ALL)
def test_activation_takes_lists_ints_empty_zero_d_and_read_only_arrays(name):
    act = acts.get(name)
    ro = np.linspace(-2, 2, 5, dtype=np.float32)
    ro.setflags(write=False)
    assert act(ro).dtype == np.float32 and act.grad(ro).dtype == np.float32
    assert act([1, -2]).dtype == np.float64 and act.grad(np.array([3], np.int8)).dtype == np.float64
    assert act(np.zeros((0, 4))).shape == (0, 4) and act.grad(np.zeros((2, 0))).shape == (2, 0)
    assert np.ndim(act(np.float32(0.5))) == 0 and np.ndim(act.grad(0.5)) == 0


@pytest.mark.parametrize("bad", [[[1.0, 2.0], [3.0]], "abc", 1 + 2j, np.array([None]), None],
                         ids=["ragged", "str", "complex", "object", "None"])
@pytest.mark.parametrize("part", ["value", "grad"])
def test_activation_refuses_what_is_not_real_numbers_and_names_z(bad, part):
    act = acts.get("gelu")
    with pytest.raises(TypeError, match=r"\bz\b"):
        act(bad) if part == "value" else act.grad(bad)


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_softplus_with_a_beta_beyond_the_dtype_is_right(dtype):
    # β = 1e5 is inf in float16; β = 1e39 is inf in float32
    for beta in (1e5, 1e39 if dtype == np.float32 else 7e4):
        act = acts.get("softplus", beta=beta)
        z = np.array([0.0, 1e-5, -1e-5, 2.0, -2.0], dtype=dtype)
        h, d = act(z), act.grad(z)
        assert h.dtype == d.dtype == dtype
        same_number(h, act(z.astype(np.float64)).astype(dtype), maxulp=4)
        same_number(d, act.grad(z.astype(np.float64)).astype(dtype), maxulp=4)
        assert d[0] == 0.5 and h[0] > 0 and h[3] == dtype(2.0) and d[4] == 0.0
    assert acts.get("softplus", beta=1e5)(np.float32(0.0)) == pytest.approx(math.log(2) / 1e5, rel=1e-6)


@pytest.mark.parametrize("name, params", [("leaky_relu", {"alpha": 0.0}), ("prelu", {"alpha": np.array([0.0, 0.5])}),
                                          ("rrelu", {"lower": 0.0, "upper": 0.0}), ("elu", {"alpha": 0.0})])
def test_a_zero_slope_at_minus_infinity_gives_zero_not_nan(name, params):
    h = acts.get(name, **params)(np.array([[-np.inf, -np.inf]]))
    assert h[0, 0] == 0 and not np.isnan(h).any()


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_selu_overflows_only_where_its_value_is_beyond_the_dtype(dtype):
    info = np.finfo(dtype)
    below = np.array([info.max / np.float64(LAMBDA) * (1 - 4 * info.eps)], dtype=dtype)
    assert np.isfinite(acts.get("selu")(below)).all()  # no warning (warnings are errors here)
    with pytest.warns(RuntimeWarning, match="overflow"):
        assert acts.get("selu")(np.array([info.max], dtype=dtype))[0] == np.inf


def test_softmax_limits_at_infinity_and_nan_propagation():
    np.testing.assert_array_equal(losses.softmax(np.array([[np.inf, 0.0, np.inf]])), [[0.5, 0.0, 0.5]])
    np.testing.assert_array_equal(losses.log_softmax(np.array([[np.inf, 1.0]])), [[0.0, -np.inf]])
    np.testing.assert_array_equal(losses.softmax(np.array([[-np.inf, 0.0]])), [[0.0, 1.0]])
    assert np.isnan(losses.softmax(np.array([[np.nan, 0.0], [1.0, 1.0]]))[0]).all()
    for o in ([[1.0, 1.0]], [[np.inf, 0.0]]):
        assert losses.softmax(np.array(o, dtype=np.float32)).dtype == np.float32
        assert losses.log_softmax(np.array(o, dtype=np.float32)).dtype == np.float32


# ----------------------------------------------------------------------------
# networks: dtypes kept, NaN never silent, inputs never changed

DIGITS = data.load_digits()
X8, Y8 = DIGITS.X_train[:40], DIGITS.y_train[:40]


@pytest.mark.parametrize("cls", [RNN, LSTM])
def test_recurrent_float32_in_float32_out(cls):
    model = cls(3, 4, seed=0)
    X = np.random.default_rng(0).normal(size=(5, 2, 3))
    hs32, _ = model.forward(X.astype(np.float32))
    grads32 = model.backward(np.ones_like(hs32))
    J32 = model.jacobians(X.astype(np.float32))
    hs64, _ = model.forward(X)
    grads64 = model.backward(np.ones_like(hs64))
    assert hs32.dtype == J32.dtype == np.float32 and hs64.dtype == np.float64
    for key in grads32:
        assert grads32[key].dtype == np.float32, key
        np.testing.assert_allclose(grads32[key], grads64[key], rtol=1e-4, atol=1e-5, err_msg=key)
    assert model.W_hh.dtype == np.float64  # the parameters themselves stay float64


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exploding_rnn_raises_naming_the_step(dtype):
    # X = 0 keeps h = 0, so tanh' = 1 and every step back multiplies by W_hh = 5Q: 5^k overflows
    model = RNN(2, 8, seed=0, scale=5.0)
    X = np.zeros((500, 2, 2), dtype)
    hs, _ = model.forward(X)
    name = np.dtype(dtype).name
    with pytest.raises(ExplodingGradientError, match=rf"overflowed {name} at t = \d+ \(time lag \d+") as err:
        model.backward(np.ones_like(hs))
    first = math.log(np.finfo(dtype).max) / math.log(5.0)  # 5^lag passes the largest number here
    assert first - 2 < err.value.lag < first + 2 and err.value.t == 499 - err.value.lag
    assert isinstance(err.value, FloatingPointError)
    with pytest.raises(ExplodingGradientError):
        model.jacobian_norms(X)


def test_exploding_lstm_raises_too():
    model = LSTM(2, 8, seed=0, scale=60.0)
    hs, _ = model.forward(np.zeros((400, 2, 2)))
    with pytest.raises(ExplodingGradientError, match="LSTM"):
        model.backward(np.ones_like(hs))
    with pytest.raises(ExplodingGradientError, match="LSTM"):
        model.jacobians(np.zeros((400, 1, 2)), of="c", wrt="c")


def test_a_stable_rnn_backward_still_runs_without_error():
    model = RNN(2, 8, seed=0, scale=0.9)
    X = np.random.default_rng(0).normal(size=(500, 2, 2))
    hs, _ = model.forward(X)
    assert all(np.isfinite(g).all() for g in model.backward(np.ones_like(hs)).values())


def test_mlp_float32_stays_float32_and_nothing_is_changed_in_place():
    net = MLP([64, 16, 10], activation="leaky_relu", seed=0, dtype=np.float32)
    X, y = X8.copy(), Y8.copy()
    X.setflags(write=False)
    y.setflags(write=False)
    before = net.flat.copy()
    loss, grads = net.loss_and_grads(X, y, keep=True)
    assert grads.flat.dtype == np.float32 and all(d.dtype == np.float32 for d in net.trace.delta)
    np.testing.assert_array_equal(net.flat, before)
    np.testing.assert_array_equal(X, X8)
    assert math.isfinite(loss)


def test_same_seed_gives_bit_identical_runs():
    def run():
        net = MLP([64, 12, 10], activation="rrelu", seed=4, dtype=np.float32)
        return net, fit(net, X8, Y8, steps=6, batch_size=8, seed=2, record_every=3)
    (a, ha), (b, hb) = run(), run()
    assert ha.batch_loss == hb.batch_loss
    np.testing.assert_array_equal(a.flat, b.flat)


def test_accuracy_of_one_logistic_output_is_the_sign_of_the_logit():
    net = MLP([2, 1], activation="relu", loss="bce_with_logits", seed=0)
    net.weights = [np.array([[1.0], [0.0]])]
    X = np.array([[2.0, 0.0], [-2.0, 0.0], [3.0, 1.0], [-1.0, 5.0]])
    assert evaluate(net, X, np.array([1, 0, 1, 1]))[1] == 0.75  # argmax of one column would give 0.0
    two = MLP([2, 2], activation="relu", loss="mse", seed=0)
    two.weights = [np.eye(2)]
    onehot = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    assert evaluate(two, np.array([[2.0, 0.0], [0.0, 2.0], [3.0, 1.0]]), onehot)[1] == pytest.approx(2 / 3)


# ----------------------------------------------------------------------------
# every bad argument of a public function is named

NET = MLP([64, 8, 10], seed=0)
NET_NAN_X = X8.copy()
NET_NAN_X[3, 5] = np.nan
NET_INF_X = X8.copy()
NET_INF_X[0, 0] = np.inf
SEQ = np.zeros((4, 1, 2))


def _grads_with_nan():
    _, g = NET.copy().loss_and_grads(X8, Y8)
    g.flat[0] = np.nan
    return g


def _backward_with(dout):
    net = NET.copy()
    net.forward(X8[:2], keep=True)
    return net.backward(dout)


def _rnn_backward_with(dhs):
    model = RNN(2, 3)
    model.forward(SEQ)
    return model.backward(dhs)


def _set_weights(values):
    NET.copy().weights = values


def _with_nan_parameter(model, name):
    model = model.copy() if hasattr(model, "copy") else model
    getattr(model, name).flat[1] = np.nan
    return model


TYPE, VALUE = "type", "value"
CASES = [
    # vglib.MLP
    ("MLP sizes None", lambda: MLP(None), TYPE, "sizes"),
    ("MLP sizes str", lambda: MLP("42"), TYPE, "sizes"),
    ("MLP sizes 4.7", lambda: MLP([4.7, 3, 2]), VALUE, r"sizes\[0\]"),
    ("MLP sizes None inside", lambda: MLP([4, None]), TYPE, r"sizes\[1\]"),
    ("MLP sizes bool inside", lambda: MLP([4, True, 2]), TYPE, r"sizes\[1\]"),
    ("MLP sizes zero", lambda: MLP([4, 0, 2]), VALUE, r"sizes\[1\]"),
    ("MLP sizes one entry", lambda: MLP([4]), VALUE, "sizes"),
    ("MLP sizes nested", lambda: MLP([[4, 2]]), TYPE, "sizes"),
    ("MLP dtype floaty", lambda: MLP([4, 2], dtype="floaty"), TYPE, "dtype"),
    ("MLP dtype float16", lambda: MLP([4, 2], dtype=np.float16), VALUE, "dtype"),
    ("MLP bias nan", lambda: MLP([4, 2], bias=np.nan), VALUE, "bias"),
    ("MLP bias str", lambda: MLP([4, 2], bias="0.1"), TYPE, "bias"),
    ("MLP bias count", lambda: MLP([4, 3, 2], bias=[0.1]), VALUE, "bias"),
    ("MLP seed str", lambda: MLP([4, 2], seed="x"), TYPE, "seed"),
    ("MLP seed negative", lambda: MLP([4, 2], seed=-1), VALUE, "seed"),
    ("MLP seed bool", lambda: MLP([4, 2], seed=True), TYPE, "seed"),
    ("MLP activation None", lambda: MLP([4, 3, 2], activation=None), TYPE, "activation"),
    ("MLP activation typo", lambda: MLP([4, 3, 2], activation="relu6x"), VALUE, "activation"),
    ("MLP activation count", lambda: MLP([4, 3, 2], activation=["relu", "tanh"]), VALUE, "activations"),
    ("MLP init typo", lambda: MLP([4, 2], init="xavier"), VALUE, "init"),
    ("MLP init int", lambda: MLP([4, 2], init=3), TYPE, "init"),
    ("MLP init_std negative", lambda: MLP([4, 2], init="normal", init_std=-1), VALUE, "init_std"),
    ("MLP init_std str", lambda: MLP([4, 2], init="normal", init_std="big"), TYPE, "init_std"),
    ("MLP init_bound nan", lambda: MLP([4, 2], init="uniform", init_bound=np.nan), VALUE, "init_bound"),
    ("MLP loss typo", lambda: MLP([4, 2], loss="msee"), VALUE, "loss"),
    ("MLP loss int", lambda: MLP([4, 2], loss=1), TYPE, "loss"),
    ("MLP prelu_slopes", lambda: MLP([4, 3, 2], activation="prelu", prelu_slopes="each"), VALUE, "prelu_slopes"),
    ("MLP prelu_slopes array", lambda: MLP([4, 3, 2], prelu_slopes=np.array(["shared"])), TYPE, "prelu_slopes"),
    ("MLP PReLU alpha shape", lambda: MLP([4, 3, 2], activation=acts.PReLU(alpha=np.ones(5))), VALUE, "PReLU slopes"),
    ("forward X None", lambda: NET.forward(None), TYPE, r"\bX\b"),
    ("forward X str", lambda: NET.forward("abc"), TYPE, r"\bX\b"),
    ("forward X ragged", lambda: NET.forward([[1.0, 2.0], [3.0]]), TYPE, r"\bX\b"),
    ("forward X inf", lambda: NET.forward(NET_INF_X), VALUE, r"\bX\b"),
    ("forward X nan", lambda: NET.forward(NET_NAN_X), VALUE, r"\bX\b"),
    ("forward X complex", lambda: NET.forward(X8 + 1j), TYPE, r"\bX\b"),
    ("forward X width", lambda: NET.forward(X8[:, :5]), VALUE, r"\bX\b"),
    ("forward X beyond float32", lambda: MLP([2, 2], dtype=np.float32).forward([[1e39, 0.0]]), VALUE, r"\bX\b"),
    ("forward keep str", lambda: NET.forward(X8, keep="yes"), TYPE, "keep"),
    ("loss_and_grads empty batch", lambda: NET.loss_and_grads(X8[:0], Y8[:0]), VALUE, "empty batch"),
    ("loss_and_grads y float", lambda: NET.loss_and_grads(X8, Y8 + 0.5), VALUE, r"labels y"),
    ("loss_and_grads y range", lambda: NET.loss_and_grads(X8, Y8 + 10), VALUE, "labels"),
    ("loss_and_grads y str", lambda: NET.loss_and_grads(X8, ["a"] * 40), TYPE, r"\by\b"),
    ("loss_and_grads keep int", lambda: NET.loss_and_grads(X8, Y8, keep=1), TYPE, "keep"),
    ("backward dout nan", lambda: _backward_with(np.full((2, 10), np.nan)), VALUE, "dout"),
    ("backward dout str", lambda: _backward_with("x"), TYPE, "dout"),
    ("weights nan", lambda: _set_weights([np.full((64, 8), np.nan), np.zeros((8, 10))]), VALUE, r"weights\[0\]"),
    ("weights str", lambda: _set_weights("W"), TYPE, "weights"),
    ("forward nan parameter", lambda: _with_nan_parameter(NET, "flat").forward(X8), VALUE, "parameter W0"),
    ("loss_and_grads nan parameter", lambda: _with_nan_parameter(NET, "flat").loss_and_grads(X8, Y8), VALUE,
     "parameter W0"),
    # vglib.losses
    ("loss get int", lambda: losses.get(3), TYPE, "loss"),
    ("bce target 7", lambda: MLP([4, 2], loss="bce").loss_and_grads(np.ones((2, 4)), np.full((2, 2), 7.0)),
     VALUE, r"targets y must lie in \[0, 1\]"),
    ("mse target nan", lambda: MLP([4, 2], loss="mse").loss_and_grads(np.ones((2, 4)), np.full((2, 2), np.nan)),
     VALUE, r"\by\b"),
    ("loss of nan output", lambda: losses.CrossEntropy()(np.full((2, 3), np.nan), [0, 1]), VALUE, r"\bo\b"),
    ("loss of empty output", lambda: losses.CrossEntropy()(np.ones((0, 3)), np.zeros(0, int)), VALUE, "empty batch"),
    ("loss of 1-d output", lambda: losses.MSE()(np.ones(3), np.ones(3)), VALUE, r"\bo\b"),
    ("softmax str", lambda: losses.softmax("a"), TYPE, r"\bo\b"),
    ("softmax all -inf", lambda: losses.softmax(np.array([[-np.inf, -np.inf]])), VALUE, "all -inf"),
    ("log_softmax empty row", lambda: losses.log_softmax(np.zeros((2, 0))), VALUE, r"\bo\b"),
    ("loss out shape", lambda: losses.MSE().value_and_grad(np.ones((2, 2)), np.ones((2, 2)), out=np.empty(3)), TYPE,
     r"\bout\b"),
    # vglib.activations
    ("get None", lambda: acts.get(None), TYPE, "activation"),
    ("get unknown hyperparameter", lambda: acts.get("elu", beta=1.0), VALUE, "beta"),
    ("leaky alpha str", lambda: acts.get("leaky_relu", alpha="0.1"), TYPE, "alpha"),
    ("leaky alpha nan", lambda: acts.get("leaky_relu", alpha=np.nan), VALUE, "alpha"),
    ("leaky alpha bool", lambda: acts.get("leaky_relu", alpha=True), TYPE, "alpha"),
    ("elu alpha negative", lambda: acts.get("elu", alpha=-1), VALUE, "alpha"),
    ("softplus beta zero", lambda: acts.get("softplus", beta=0), VALUE, "beta"),
    ("softplus beta inf", lambda: acts.get("softplus", beta=np.inf), VALUE, "beta"),
    ("rrelu training str", lambda: acts.get("rrelu", training="yes"), TYPE, "training"),
    ("rrelu paper int", lambda: acts.get("rrelu", paper=1), TYPE, "paper"),
    ("rrelu seed negative", lambda: acts.get("rrelu", seed=-1), VALUE, "seed"),
    ("rrelu rng int", lambda: acts.get("rrelu", rng=3), TYPE, "rng"),
    ("rrelu lower > upper", lambda: acts.get("rrelu", lower=0.5, upper=0.1), VALUE, "lower"),
    ("prelu alpha ragged", lambda: acts.get("prelu", alpha=[[0.1], [0.2, 0.3]]), TYPE, "alpha"),
    ("prelu alpha empty", lambda: acts.get("prelu", alpha=[]), VALUE, "alpha"),
    ("prelu alpha shape vs z", lambda: acts.get("prelu", alpha=np.ones(3))(np.ones((2, 4))), VALUE, "alpha"),
    ("prelu alpha grows z", lambda: acts.get("prelu", alpha=np.ones(3)).grad(1.0), VALUE, "alpha"),
    ("grad_from_output str", lambda: acts.Sigmoid.grad_from_output("x"), TYPE, r"\bh\b"),
    ("rrelu draw_slopes dtype", lambda: acts.get("rrelu").draw_slopes(3, dtype="floaty"), TYPE, "dtype"),
    ("rrelu draw_slopes shape", lambda: acts.get("rrelu").draw_slopes((2, -1)), VALUE, "shape"),
    # vglib.init
    ("initialize n_in 2.5", lambda: init.initialize("normal", 2.5, 3), VALUE, "n_in"),
    ("initialize n_out str", lambda: init.initialize("normal", 2, "3"), TYPE, "n_out"),
    ("initialize rng str", lambda: init.initialize("normal", 2, 3, rng="x"), TYPE, "rng"),
    ("initialize std nan", lambda: init.initialize("normal", 2, 3, std=np.nan), VALUE, "std"),
    ("initialize dtype", lambda: init.initialize("normal", 2, 3, dtype="floaty"), TYPE, "dtype"),
    ("initialize callable nan", lambda: init.initialize(lambda a, b, r: np.full((a, b), np.nan), 2, 3), VALUE, "init"),
    ("scale bound str", lambda: init.scale("uniform", 2, 3, bound="x"), TYPE, "bound"),
    ("as_generator float", lambda: init.as_generator(1.5), TYPE, "seed"),
    # vglib.optim
    ("SGD lr str", lambda: optim.SGD(lr="fast"), TYPE, r"\blr\b"),
    ("SGD lr negative", lambda: optim.SGD(lr=-1), VALUE, r"\blr\b"),
    ("SGD lr nan", lambda: optim.SGD(lr=np.nan), VALUE, r"\blr\b"),
    ("SGD momentum 1", lambda: optim.SGD(momentum=1.0), VALUE, "momentum"),
    ("Adam beta1 str", lambda: optim.Adam(beta1="x"), TYPE, "beta1"),
    ("Adam eps zero", lambda: optim.Adam(eps=0), VALUE, "eps"),
    ("Adam clip_norm inf", lambda: optim.Adam(clip_norm=np.inf), VALUE, "clip_norm"),
    ("optim get typo", lambda: optim.get("adma"), VALUE, "optimizer"),
    ("optim get int", lambda: optim.get(3), TYPE, "optimizer"),
    ("optim get unknown option", lambda: optim.get("adam", beta=0.9), TYPE, "beta"),
    ("optim get object and lr", lambda: optim.get(optim.Adam(), lr=0.1), VALUE, "lr"),
    ("clip_by_norm max_norm", lambda: optim.clip_by_norm(np.ones(3), 0), VALUE, "max_norm"),
    ("update theta list", lambda: optim.Adam().update([1.0], np.ones(1)), TYPE, "theta"),
    ("step grads nan", lambda: optim.SGD().step(NET.copy(), _grads_with_nan()), VALUE, "grads"),
    ("step grads object", lambda: optim.SGD().step(NET.copy(), "g"), TYPE, "Gradients"),
    # vglib.train
    ("train empty X steps", lambda: fit(NET.copy(), X8[:0], Y8[:0], steps=3), VALUE, r"\bX\b has no rows"),
    ("train empty X epochs", lambda: fit(NET.copy(), X8[:0], Y8[:0], epochs=1), VALUE, r"\bX\b has no rows"),
    ("train steps 1.9", lambda: fit(NET.copy(), X8, Y8, steps=1.9), VALUE, "steps"),
    ("train steps str", lambda: fit(NET.copy(), X8, Y8, steps="ten"), TYPE, "steps"),
    ("train steps 0", lambda: fit(NET.copy(), X8, Y8, steps=0), VALUE, "steps"),
    ("train epochs nan", lambda: fit(NET.copy(), X8, Y8, epochs=np.nan), VALUE, "epochs"),
    ("train lr str", lambda: fit(NET.copy(), X8, Y8, steps=1, lr="fast"), TYPE, r"\blr\b"),
    ("train train_eval_size 0", lambda: fit(NET.copy(), X8, Y8, steps=1, train_eval_size=0), VALUE,
     "train_eval_size"),
    ("train probe_size 0", lambda: fit(NET.copy(), X8, Y8, steps=1, probe_size=0), VALUE, "probe_size"),
    ("train batch_size 0", lambda: fit(NET.copy(), X8, Y8, steps=1, batch_size=0), VALUE, "batch_size"),
    ("train batch_size 2.5", lambda: fit(NET.copy(), X8, Y8, steps=1, batch_size=2.5), VALUE, "batch_size"),
    ("train record_every str", lambda: fit(NET.copy(), X8, Y8, steps=1, record_every="5"), TYPE, "record_every"),
    ("train seed str", lambda: fit(NET.copy(), X8, Y8, steps=1, seed="x"), TYPE, "seed"),
    ("train threshold", lambda: fit(NET.copy(), X8, Y8, steps=1, threshold=-1), VALUE, "threshold"),
    ("train histograms str", lambda: fit(NET.copy(), X8, Y8, steps=1, histograms="yes"), TYPE, "histograms"),
    ("train verbose int", lambda: fit(NET.copy(), X8, Y8, steps=1, verbose=1), TYPE, "verbose"),
    ("train on_nonfinite", lambda: fit(NET.copy(), X8, Y8, steps=1, on_nonfinite="ignore"), VALUE, "on_nonfinite"),
    ("train optimizer typo", lambda: fit(NET.copy(), X8, Y8, steps=1, optimizer="adma"), VALUE, "optimizer"),
    ("train optimizer and lr", lambda: fit(NET.copy(), X8, Y8, steps=1, optimizer=optim.Adam(), lr=0.1), VALUE,
     r"\blr\b"),
    ("train eval_set nan", lambda: fit(NET.copy(), X8, Y8, steps=1, eval_set=(NET_NAN_X, Y8)), VALUE,
     r"eval_set\[0\]"),
    ("train eval_set array", lambda: fit(NET.copy(), X8, Y8, steps=1, eval_set=X8), TYPE, "eval_set"),
    ("train eval_set empty", lambda: fit(NET.copy(), X8, Y8, steps=1, eval_set=(X8[:0], Y8[:0])), VALUE,
     "eval_set"),
    ("train X inf", lambda: fit(NET.copy(), NET_INF_X, Y8, steps=1), VALUE, r"\bX\b"),
    ("train net str", lambda: fit("net", X8, Y8, steps=1), TYPE, r"\bnet\b"),
    ("evaluate batch 0", lambda: evaluate(NET, X8, Y8, batch=0), VALUE, "batch"),
    ("evaluate empty", lambda: evaluate(NET, X8[:0], Y8[:0]), VALUE, "empty batch"),
    ("evaluate X nan", lambda: evaluate(NET, NET_NAN_X, Y8), VALUE, r"\bX\b"),
    ("make_step optimizer", lambda: make_step(NET.copy(), "adma"), VALUE, "optimizer"),
    ("minibatches n 0", lambda: next(minibatches(0, 4, 0)), VALUE, r"\bn\b"),
    ("minibatches batch_size", lambda: minibatches(5, 0, 0), VALUE, "batch_size"),
    ("minibatches rng", lambda: minibatches(5, 2, "x"), TYPE, "rng"),
    # vglib.diagnostics
    ("saturated_fraction empty", lambda: diagnostics.saturated_fraction("relu", []), VALUE, r"\bz\b"),
    ("saturated_fraction nan", lambda: diagnostics.saturated_fraction("relu", [np.nan]), VALUE, r"\bz\b"),
    ("saturated_fraction threshold", lambda: diagnostics.saturated_fraction("relu", [1.0], "x"), TYPE, "threshold"),
    ("dead_fraction empty", lambda: diagnostics.dead_fraction(np.zeros((0, 3))), VALUE, r"\bh\b"),
    ("dead_fraction 1-d", lambda: diagnostics.dead_fraction([1.0, 2.0]), VALUE, r"\bh\b"),
    ("dead_fraction nan", lambda: diagnostics.dead_fraction([[np.nan]]), VALUE, r"\bh\b"),
    ("gradient_stats None", lambda: diagnostics.gradient_stats(None), TYPE, "grads"),
    ("gradient_stats nan", lambda: diagnostics.gradient_stats([(np.array([[np.nan]]), None)]), VALUE, "grads"),
    ("weight_stats str", lambda: diagnostics.weight_stats("net"), TYPE, r"\bnet\b"),
    ("update_ratio shape", lambda: diagnostics.update_ratio(NET, np.ones(3)), VALUE, "flat_before"),
    ("activation_stats empty", lambda: diagnostics.activation_stats(NET, X8[:0]), VALUE, r"\bX\b"),
    ("layer_stats threshold", lambda: diagnostics.layer_stats(NET, X8, Y8, threshold=0), VALUE, "threshold"),
    ("histograms bins", lambda: diagnostics.histograms(NET, X8, Y8, bins=0), VALUE, "bins"),
    # vglib.studies.dying
    ("track_units empty X", lambda: dying.track_units(NET.copy(), X8[:0], Y8[:0], steps=3), VALUE, r"\bX\b"),
    ("track_units steps 0", lambda: dying.track_units(NET.copy(), X8, Y8, steps=0), VALUE, "steps"),
    ("track_units optimizer and lr", lambda: dying.track_units(NET.copy(), X8, Y8, steps=2, optimizer=optim.SGD(),
                                                                 lr=0.1), VALUE, r"\blr\b"),
    ("track_units batch_size str", lambda: dying.track_units(NET.copy(), X8, Y8, steps=2, batch_size="8"), TYPE,
     "batch_size"),
    ("track_units probe nan", lambda: dying.track_units(NET.copy(), X8, Y8, steps=2, probe=NET_NAN_X), VALUE,
     "probe"),
    ("born_dead widths 2.5", lambda: dying.born_dead_probability([2.5]), VALUE, r"widths\[0\]"),
    ("born_dead widths str", lambda: dying.born_dead_probability("3"), TYPE, "widths"),
    ("revived floats", lambda: dying.revived([[0.5, 1.0]]), TYPE, "status"),
    ("inactive_units net", lambda: diagnostics.inactive_units("net", X8), TYPE, r"\bnet\b"),
    ("first_zero_layer X", lambda: diagnostics.first_zero_layer(NET, "X"), TYPE, r"\bX\b"),
    # vglib.data
    ("digits test_fraction 1.5", lambda: data.load_digits(test_fraction=1.5), VALUE, "test_fraction"),
    ("digits test_fraction str", lambda: data.load_digits(test_fraction="0.2"), TYPE, "test_fraction"),
    ("digits test_fraction tiny", lambda: data.load_digits(test_fraction=1e-6), VALUE, "test_fraction"),
    ("digits dtype", lambda: data.load_digits(dtype="floaty"), TYPE, "dtype"),
    ("digits seed", lambda: data.load_digits(seed="x"), TYPE, "seed"),
    ("spirals n", lambda: data.spirals(n=2), VALUE, r"\bn\b"),
    ("spirals classes", lambda: data.spirals(classes=1), VALUE, "classes"),
    ("spirals noise", lambda: data.spirals(noise=-1), VALUE, "noise"),
    ("spirals turns", lambda: data.spirals(turns=np.inf), VALUE, "turns"),
    ("circles factor", lambda: data.circles(factor=0), VALUE, "factor"),
    ("xor n 2.5", lambda: data.xor(n=2.5), VALUE, r"\bn\b"),
    ("mnist n_train", lambda: data.load_mnist(n_train=70000), VALUE, "n_train"),
    ("mnist n_test", lambda: data.load_mnist(n_test=0), VALUE, "n_test"),
    ("mnist timeout 0", lambda: data.load_mnist(timeout=0), VALUE, "timeout"),
    ("mnist timeout str", lambda: data.load_mnist(timeout="5"), TYPE, "timeout"),
    ("mnist retries", lambda: data.load_mnist(retries=0), VALUE, "retries"),
    ("mnist data_home", lambda: data.load_mnist(data_home=3), TYPE, "data_home"),
    # vglib.recurrent
    ("RNN input_size 2.5", lambda: RNN(2.5, 3), VALUE, "input_size"),
    ("RNN hidden_size str", lambda: RNN(2, "3"), TYPE, "hidden_size"),
    ("RNN seed str", lambda: RNN(2, 3, seed="x"), TYPE, "seed"),
    ("RNN seed negative", lambda: RNN(2, 3, seed=-1), VALUE, "seed"),
    ("RNN rng int", lambda: RNN(2, 3, rng=1), TYPE, "rng"),
    ("RNN scale str", lambda: RNN(2, 3, scale="big"), TYPE, "scale"),
    ("RNN scale negative", lambda: RNN(2, 3, scale=-1), VALUE, "scale"),
    ("RNN scale nan", lambda: RNN(2, 3, scale=np.nan), VALUE, "scale"),
    ("LSTM forget_bias str", lambda: LSTM(2, 3, forget_bias="1"), TYPE, "forget_bias"),
    ("LSTM forget_bias inf", lambda: LSTM(2, 3, forget_bias=np.inf), VALUE, "forget_bias"),
    ("RNN X str", lambda: RNN(2, 3).forward("abc"), TYPE, r"\bX\b"),
    ("RNN X complex", lambda: RNN(2, 3).forward(SEQ + 1j), TYPE, r"\bX\b"),
    ("LSTM X complex", lambda: LSTM(2, 3).forward(SEQ + 1j), TYPE, r"\bX\b"),
    ("RNN X nan", lambda: RNN(2, 3).forward(SEQ * np.nan), VALUE, r"\bX\b"),
    ("RNN X float16", lambda: RNN(2, 3).forward(SEQ.astype(np.float16)), VALUE, r"\bX\b"),
    ("RNN X 2-d", lambda: RNN(2, 3).forward(np.ones((3, 2))), VALUE, r"\bX\b"),
    ("RNN dhs nan", lambda: _rnn_backward_with(np.full((4, 1, 3), np.nan)), VALUE, "dhs"),
    ("RNN nan weight", lambda: _with_nan_parameter(RNN(2, 3), "W_hh").forward(SEQ), VALUE, r"RNN\.W_hh"),
    ("LSTM nan bias", lambda: _with_nan_parameter(LSTM(2, 3), "b").jacobians(SEQ), VALUE, r"LSTM\.b\b"),
    ("RNN ord 1", lambda: RNN(2, 3).jacobian_norms(SEQ, ord=1), VALUE, r"\bord\b"),
    ("RNN ord array", lambda: RNN(2, 3).jacobian_norms(SEQ, ord=np.array([2])), VALUE, r"\bord\b"),
    ("LSTM of", lambda: LSTM(2, 3).jacobians(SEQ, of="x"), VALUE, r"\bof\b"),
    ("LSTM wrt None", lambda: LSTM(2, 3).jacobians(SEQ, wrt=None), TYPE, r"\bwrt\b"),
    ("adding batch 0", lambda: adding_problem(0, 10, 0), VALUE, "batch"),
    ("adding length 1", lambda: adding_problem(4, 1, 0), VALUE, "length"),
    ("adding rng str", lambda: adding_problem(4, 10, "x"), TYPE, "rng"),
    ("train_adding model", lambda: train_adding("model", 10), TYPE, "model"),
    ("train_adding steps", lambda: train_adding(RNN(2, 4), 10, steps=0), VALUE, "steps"),
    ("train_adding clip", lambda: train_adding(RNN(2, 4), 10, clip=0), VALUE, "clip"),
    ("train_adding seed", lambda: train_adding(RNN(2, 4), 10, seed=np.random.default_rng()), TYPE, "seed"),
    ("train_adding lr", lambda: train_adding(RNN(2, 4), 10, steps=1, lr="x"), TYPE, r"\blr\b"),
    ("train_adding length", lambda: train_adding(RNN(2, 4), 2.5), VALUE, "length"),
    # vglib.diagnostics: signs
    ("sign_agreement batch_size", lambda: diagnostics.sign_agreement(np.ones((4, 2)), np.ones((4, 2)), 1.5), VALUE,
     "batch_size"),
    ("sign_agreement nan", lambda: diagnostics.sign_agreement([[np.nan]], [[1.0]]), VALUE, "h_prev"),
    ("sign_agreement empty", lambda: diagnostics.sign_agreement(np.zeros((0, 2)), np.zeros((0, 2))), VALUE, "h_prev"),
    ("one_signed nan", lambda: diagnostics.one_signed([[np.nan]]), VALUE, r"\bG\b"),
    # vglib.theory
    ("gauss_expect g str", lambda: theory.gauss_expect("sq", 1.0), TYPE, r"\bg\b"),
    ("gauss_expect n 1.5", lambda: theory.gauss_expect(np.square, 1.0, n=1.5), VALUE, r"\bn\b"),
    ("gauss_expect g nan", lambda: theory.gauss_expect(lambda z: z * np.nan, 1.0), VALUE, r"\bg\b returned NaN"),
    ("gauss_expect q str", lambda: theory.gauss_expect(np.square, "1"), TYPE, r"\bq\b"),
    ("variance_map sigma_w2", lambda: theory.variance_map("relu", 1.0, sigma_w2=-1), VALUE, "sigma_w2"),
    ("variance_map sigma_b2 str", lambda: theory.variance_map("relu", 1.0, 2.0, sigma_b2="0"), TYPE, "sigma_b2"),
    ("variance_trajectory n_layers", lambda: theory.variance_trajectory("tanh", 1.0, 2.5, 1.0), VALUE, "n_layers"),
    ("fixed_point q_max", lambda: theory.fixed_point("tanh", 1.0, q_max=0), VALUE, "q_max"),
    ("fixed_point q0 nan", lambda: theory.fixed_point("tanh", 1.0, q0=np.nan), VALUE, "q0"),
    ("gradient_gain q nan", lambda: theory.gradient_gain("relu", 2.0, q=np.nan), VALUE, r"\bq\b"),
    ("delta_profile n_hidden", lambda: theory.delta_profile("tanh", 1.0, 0, 1.0), VALUE, "n_hidden"),
    ("fan_in_init sigma_w2 str", lambda: theory.fan_in_init("2"), TYPE, "sigma_w2"),
    ("fan_in_init dist None", lambda: theory.fan_in_init(2.0, dist=None), TYPE, "dist"),
    # vglib.gradcheck
    ("numerical_derivative eps", lambda: gradcheck.numerical_derivative(np.tanh, [1.0], eps="x"), TYPE, "eps"),
    ("numerical_derivative f", lambda: gradcheck.numerical_derivative("f", [1.0]), TYPE, r"\bf\b"),
    ("numerical_derivative z nan", lambda: gradcheck.numerical_derivative(np.tanh, [np.nan]), VALUE, r"\bz\b"),
    ("numerical_gradient x list", lambda: gradcheck.numerical_gradient(np.sum, [1.0]), TYPE, r"\bx\b"),
    ("numerical_gradient f nan", lambda: gradcheck.numerical_gradient(lambda x: np.nan, np.ones(2)), VALUE,
     r"\bf\b returned nan"),
    ("numerical_derivative f nan", lambda: gradcheck.numerical_derivative(lambda z: z * np.nan, [1.0]), VALUE,
     r"f\(z \+ eps\)"),
    ("relative_error nan", lambda: gradcheck.relative_error([np.nan], [1.0]), VALUE, r"\ba\b"),
    ("relative_error floor", lambda: gradcheck.relative_error([1.0], [1.0], floor=0), VALUE, "floor"),
]


@pytest.mark.parametrize("call, kind, pattern", [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_bad_argument_is_named(call, kind, pattern):
    with pytest.raises((TypeError, ValueError), match=pattern) as err:
        call()
    assert isinstance(err.value, TypeError if kind == TYPE else ValueError), type(err.value)


def test_every_case_has_its_own_name():
    names = [c[0] for c in CASES]
    assert len(names) == len(set(names))


# ----------------------------------------------------------------------------
# network waits: bounded, and offline gives the library's error (loopback only)

OPENML_URLS = ("_SEARCH_NAME", "_DATA_INFO", "_DATA_FEATURES", "_DATA_QUALITIES")


@pytest.fixture
def openml_at(monkeypatch):
    """Point scikit-learn's OpenML addresses at 127.0.0.1:port (other hosts are refused anyway)."""
    import sklearn.datasets._openml as openml

    def point(port):
        for key in OPENML_URLS:
            monkeypatch.setattr(openml, key, getattr(openml, key).replace("https://api.openml.org",
                                                                          f"http://127.0.0.1:{port}"))
    return point


@contextlib.contextmanager
def silent_server():
    """A server on 127.0.0.1 that accepts every connection and never answers."""
    srv = socket.create_server(("127.0.0.1", 0))
    srv.settimeout(0.05)
    held, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield srv.getsockname()[1], held
    finally:
        stop.set()
        thread.join(5)
        srv.close()
        for conn in held:
            conn.close()


def test_load_mnist_gives_up_on_a_server_that_never_answers(openml_at):
    timeout, retries = 0.3, 1
    with silent_server() as (port, held):
        openml_at(port)
        start = time.perf_counter()
        with pytest.raises(data.MNISTUnavailableError, match=r"load_digits\(\)"):
            data.load_mnist(timeout=timeout, retries=retries)
        elapsed = time.perf_counter() - start
    assert held, "the fetch never reached the local server"
    bound = 2 * (retries + 1) * timeout + 2 * retries * 1.0  # the docstring's bound (1 s between retries)
    assert elapsed < bound + 5, elapsed
    assert socket.getdefaulttimeout() is None  # the process-wide default is restored


def test_load_mnist_offline_under_warnings_as_errors_names_load_digits(openml_at):
    with socket.create_server(("127.0.0.1", 0)) as srv:
        port = srv.getsockname()[1]
    openml_at(port)  # nothing listens there now: connection refused, as offline
    with pytest.raises(data.MNISTUnavailableError, match=r"load_digits\(\)"):
        data.load_mnist()  # scikit-learn retries 3 times, warning each time: no warning escapes
