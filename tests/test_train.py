"""Training: a digits run reaches a stated accuracy, determinism, divergence reports."""

import numpy as np
import pytest

from vglib import MLP
from vglib.data import load_digits, xor
from vglib.train import NORM_KEYS, DivergenceError, evaluate, fit, make_step
from vglib import optim

DIGITS = load_digits()
EVAL = (DIGITS.X_test, DIGITS.y_test)


def test_digits_reaches_stated_test_accuracy():
    net = MLP([64, 32, 10], activation="relu", init="he_normal", seed=0, dtype=np.float32)
    hist = fit(net, DIGITS.X_train, DIGITS.y_train, eval_set=EVAL, epochs=10, batch_size=32,
                 optimizer="adam", lr=3e-3, seed=0, record_every=100)
    assert hist.test_acc[-1] >= 0.95, hist.test_acc
    assert hist.loss[-1] < hist.loss[0]
    assert hist.step[0] == 0 and hist.step[-1] == 450
    assert evaluate(net, *EVAL)[1] == hist.test_acc[-1]


def test_history_layout():
    net = MLP([64, 10, 10, 10], activation="sigmoid", seed=0)
    hist = fit(net, DIGITS.X_train, DIGITS.y_train, steps=25, batch_size=30, seed=0,
                 record_every=10, histograms=True, optimizer="momentum", lr=0.1)
    assert hist.step == [0, 10, 20, 25]
    assert len(hist.batch_loss) == 25 and np.all(np.isnan(hist.test_acc))
    assert hist.layer("grad_mean_abs").shape == (4, 3)
    assert hist.layer("dead_fraction").shape == (4, 2)
    ratio = hist.layer("update_ratio")
    assert np.all(np.isnan(ratio[0])) and np.all(ratio[1:] > 0)
    assert len(hist.hist) == 4 and len(hist.hist[0]["gradients"]) == 3


@pytest.mark.parametrize("act", ["relu", "rrelu", "prelu"])
def test_same_seed_same_history(act):
    def run():
        net = MLP([64, 16, 16, 10], activation=act, seed=3)
        return fit(net, DIGITS.X_train, DIGITS.y_train, eval_set=EVAL, steps=30, batch_size=16,
                     seed=5, record_every=10)
    a, b = run(), run()
    assert a.batch_loss == b.batch_loss and a.test_acc == b.test_acc
    for key in a.layers:
        np.testing.assert_array_equal(a.layer(key), b.layer(key))


def test_divergence_raises_with_step_and_layer():
    net = MLP([64, 16, 10], activation="relu", seed=0)
    with pytest.raises(DivergenceError, match=r"non-finite \w+ at step \d+: first in layer \d \(") as info:
        fit(net, DIGITS.X_train * 1e30, DIGITS.y_train, steps=50, optimizer="sgd", lr=1e10, seed=0)
    assert info.value.step >= 1 and info.value.layer is not None


def test_divergence_can_stop_and_return_the_history():
    net = MLP([64, 16, 10], activation="relu", seed=0)
    hist = fit(net, DIGITS.X_train * 1e30, DIGITS.y_train, steps=50, optimizer="sgd", lr=1e10,
                 seed=0, on_nonfinite="stop")
    assert hist.stopped and "non-finite" in hist.stopped and len(hist.batch_loss) < 50
    assert all(np.isfinite(hist.batch_loss))


def test_bad_arguments():
    net = MLP([64, 10], seed=0)
    with pytest.raises(ValueError, match="exactly one of steps= and epochs="):
        fit(net, DIGITS.X_train, DIGITS.y_train)
    with pytest.raises(ValueError, match=r"X has shape \(1438, 63\)"):
        fit(net, DIGITS.X_train[:, :63], DIGITS.y_train, steps=1)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 10\)"):
        fit(net, DIGITS.X_train, DIGITS.y_train + 1, steps=1)


def test_verbose_prints_to_stdout_but_not_in_ci(capsys, monkeypatch):
    d = xor(n=80)
    monkeypatch.delenv("CI", raising=False)
    fit(MLP([2, 8, 2], seed=0), d.X_train, d.y_train, steps=4, record_every=2, verbose=True)
    out = capsys.readouterr()
    assert out.out.count("step") == 3 and out.err == ""
    monkeypatch.setenv("CI", "true")
    fit(MLP([2, 8, 2], seed=0), d.X_train, d.y_train, steps=4, record_every=2, verbose=True)
    assert capsys.readouterr().out == ""


def test_make_step_is_one_adam_update():
    net = MLP([64, 10, 10], seed=0)
    twin = net.copy()
    X, y = DIGITS.X_train[:30], DIGITS.y_train[:30]
    step = make_step(net, optim.Adam(lr=1e-2))
    loss = step(X, y)
    ref_loss, grads = twin.loss_and_grads(X, y)
    optim.Adam(lr=1e-2).step(twin, grads)
    assert loss == ref_loss
    np.testing.assert_allclose(net.flat, twin.flat, rtol=1e-12)


@pytest.mark.parametrize("norm", ["batch", "layer"])
def test_records_gamma_beta_and_their_gradients(norm):
    X, y = DIGITS.X_train[:32], DIGITS.y_train[:32]
    net = MLP([64, 12, 12, 10], activation="tanh", seed=0, norm=norm,
              residual=True)
    twin = net.copy()
    hist = fit(net, X, y, steps=6, batch_size=32, seed=0, record_every=3,
               optimizer="sgd", lr=0.5)
    for key in NORM_KEYS:
        assert hist.layer(key).shape == (3, 2), key
    assert np.all(hist.layer("gamma_mean")[0] == 1.0)
    assert np.all(hist.layer("beta_mean")[0] == 0.0)
    # step 0 holds the first batch's gradients: here the whole data set, in
    # another order (batch statistics and sums do not depend on the order)
    _, grads = twin.loss_and_grads(X, y)
    want = [[np.linalg.norm(g) for g in pair] for pair in grads.norm]
    got = np.stack([hist.layer("gamma_grad_norm")[0],
                    hist.layer("beta_grad_norm")[0]], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-9)
    assert np.all(got > 0)
    # the last record is taken after the last update: today's γ and β
    gammas = [g.mean() for g, _ in net.norm_params]
    betas = [b.mean() for _, b in net.norm_params]
    np.testing.assert_allclose(hist.layer("gamma_mean")[-1], gammas)
    np.testing.assert_allclose(hist.layer("beta_mean")[-1], betas)
    assert not np.allclose(gammas, 1.0), "the optimiser left gamma alone"


def test_no_gamma_beta_records_without_normalisation():
    net = MLP([64, 12, 12, 10], seed=0, residual=True)
    hist = fit(net, DIGITS.X_train, DIGITS.y_train, steps=4, seed=0,
               record_every=2)
    assert not set(NORM_KEYS) & set(hist.layers)
    assert hist.layer("grad_norm").shape == (3, 3)
