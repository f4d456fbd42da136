r"""Minibatch training with a per-layer record of gradient flow: :func:`fit`, and the one loop under it.

``fit(net, X, y, ...)`` trains; ``net.train()`` and ``net.eval()`` only switch the
network's mode (as in PyTorch). :func:`run_steps` is the loop that :func:`fit`,
:func:`vglib.studies.dying.track_units` and :func:`vglib.studies.adding.train_adding` share.

>>> from vglib import MLP
>>> from vglib.data import load_digits
>>> from vglib.train import fit
>>> d = load_digits()
>>> net = MLP([64, 32, 10], activation="relu", seed=0)
>>> hist = fit(net, d.X_train, d.y_train, eval_set=(d.X_test, d.y_test),
...            epochs=5, batch_size=32, seed=0, record_every=50)
>>> hist.test_acc[-1] > 0.9
True

A step is: draw a minibatch, a forward and a backward pass (gradients only),
a check that the loss and every gradient are finite, then one optimiser
update. Every ``record_every`` steps (and at step 0, before any update, and
at the last step) the history records the loss, train and test accuracy, and
the per-layer statistics of :mod:`vglib.diagnostics` (and, with
normalisation layers, their ``γ``, ``β`` and gradients: :data:`NORM_KEYS`).
Same network seed and same ``seed`` here give identical histories.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from dataclasses import dataclass, field

import numpy as np

from . import _checks
from . import diagnostics as _diag
from . import optim as _optim
from .init import as_generator

__all__ = ["fit", "History", "DivergenceError", "evaluate", "accuracy", "make_step", "run_steps",
           "minibatches", "batches_of", "NORM_KEYS"]

#: The keys :func:`fit` adds to ``History.layers`` for a network built with
#: ``norm=``: per hidden layer (``L − 1`` values), the mean of ``γ_l`` and
#: of ``β_l``, and the norms ``‖∂ℓ/∂γ_l‖`` and ``‖∂ℓ/∂β_l‖`` of the
#: minibatch gradient at the record.
NORM_KEYS = ("gamma_mean", "beta_mean", "gamma_grad_norm",
             "beta_grad_norm")


class DivergenceError(FloatingPointError):
    """Training produced a non-finite loss or gradient.

    Attributes: ``step`` (1-based step), ``layer`` (index or None), ``where``
    (what was non-finite) and ``history`` (the records so far).
    """

    def __init__(self, message, step, layer, where, history):
        super().__init__(message)
        self.step, self.layer, self.where, self.history = step, layer, where, history


@dataclass
class History:
    """What :func:`fit` recorded.

    Attributes
    ----------
    step : list of int
        Number of updates done at each record (the first record is 0, the untrained network).
    loss : list of float
        Mean minibatch loss over the steps since the previous record (at step 0: the first batch's loss).
    train_acc, test_acc : list of float
        Accuracy on (a fixed subset of) the training set and on the evaluation set (NaN without one).
    layers : dict of str to list
        Per-layer statistics (see :mod:`vglib.diagnostics`), one entry per record;
        :meth:`layer` turns one into an array of shape ``(n_records, n_layers)``.
        A network with normalisation also gets :data:`NORM_KEYS`
        (``gamma_mean``, ``beta_mean``, ``gamma_grad_norm``,
        ``beta_grad_norm``), one value per hidden layer.
    batch_loss : list of float
        The loss of every step.
    hist : list of dict
        Activation and gradient histograms per record (only with ``histograms=True``).
    stopped : str or None
        Why training stopped early (``on_nonfinite="stop"``), else None.
    seconds : float
        Wall-clock time of the run.
    """

    step: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    test_acc: list = field(default_factory=list)
    layers: dict = field(default_factory=dict)
    batch_loss: list = field(default_factory=list)
    hist: list = field(default_factory=list)
    stopped: str | None = None
    seconds: float = 0.0

    def layer(self, key):
        """``layers[key]`` as an array of shape ``(n_records, n_layers)``."""
        return np.array(self.layers[key])


def _batched_forward(net, X, batch=4096):
    return np.concatenate([net.forward(X[i:i + batch]) for i in range(0, len(X), batch)])


def _hits(o, t):
    """Which rows of the logits ``o`` are classified right, for targets ``t`` of the loss's form.

    Class labels: ``argmax o``; one output (``K = 1``, a logistic unit): the
    sign of ``o`` against targets 0/1; one-hot or soft targets: ``argmax t``.
    """
    if t.ndim == 1:
        return o.argmax(axis=1) == t
    if t.shape[1] == 1:
        return (o[:, 0] > 0) == (t[:, 0] > 0.5)
    return o.argmax(axis=1) == t.argmax(axis=1)


def evaluate(net, X, y, batch=4096):
    """``(loss, accuracy)`` of ``net`` on ``(X, y)`` in evaluation mode (the mode is restored).

    ``X`` needs at least one row. Accuracy is the share of rows classified
    right: ``argmax o`` against class labels, against ``argmax y`` for one-hot
    targets, and ``o > 0`` against targets 0/1 for a single logistic output.
    """
    X = _checks.network("net", net).check_input(X)
    t = net.loss.targets(y, (X.shape[0], net.sizes[-1]), net.dtype)
    batch = _checks.integer("batch", batch, low=1)
    with net.evaluating():
        o = _batched_forward(net, X, batch)
    return net.loss(o, t), float(np.mean(_hits(o, t)))


def accuracy(net, X, y):
    """Fraction of the rows of ``X`` whose predicted class equals ``y`` (evaluation mode)."""
    return evaluate(net, X, y)[1]


def make_step(model, optimizer):
    """A function ``step(X, t) -> loss`` doing one forward, backward and update, with no checks.

    ``model`` is anything with ``flat`` (all parameters in one array) and
    ``step_grads(X, t, grads_flat)`` (an :class:`~vglib.network.MLP`, an
    :class:`~vglib.recurrent.RNN` or :class:`~vglib.recurrent.LSTM`). ``X``
    must already be checked (``model.check_input``) and ``t`` be valid
    targets; the gradients are left in ``step.grads`` (laid out like
    ``model.flat``). For timing a step; :func:`run_steps` is the loop.
    """
    optimizer = _optim.get(optimizer)
    gflat = np.zeros_like(model.flat)
    update, step_grads, flat = optimizer.update, model.step_grads, model.flat

    def step(X, t):
        loss = step_grads(X, t, gflat)
        update(flat, gflat)
        return loss

    step.grads = gflat
    return step


def run_steps(model, batches, *, steps, optimizer, before_update=None, after_update=None):
    r"""The library's one training loop: ``steps`` minibatch steps of ``optimizer`` on ``model``.

    For ``s = 1 … steps``: take the next batch ``(X_b, t_b)`` from the
    iterator ``batches``, compute the loss and the gradients
    (``model.step_grads``), call ``before_update(s, loss, grads_flat, X_b)``,
    update the parameters in place, call ``after_update(s, loss, grads_flat)``.
    Either callback may return True to stop the run after step ``s``. Every
    study that looks inside training (per-layer statistics in :func:`fit`,
    unit tracking in :mod:`vglib.studies.dying`, the adding task of chapter 9)
    records through these callbacks.

    ``model`` is anything with ``flat`` and ``step_grads(X, t, grads_flat)``
    (see :func:`make_step`); the batches must be checked already. Batches of
    a fixed dataset come from :func:`batches_of`; chapter 9's adding task
    draws a fresh batch every step.

    Returns
    -------
    (int, tuple or None)
        The last step run, and ``(s, loss, X_batch, grads_flat)`` if step
        ``s`` gave a non-finite loss or gradient (then no update was made).
    """
    opt = _optim.get(optimizer)
    gflat = np.zeros_like(model.flat)
    step_grads, update, flat = model.step_grads, opt.update, model.flat
    s = 0
    # overflow and NaN are detected here and reported by the caller
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for s in range(1, steps + 1):
            xb, tb = next(batches)
            loss = step_grads(xb, tb, gflat)
            if not (math.isfinite(loss) and np.isfinite(gflat).all()):
                return s, (s, loss, xb, gflat)
            if before_update is not None and before_update(s, loss, gflat, xb):
                return s, None
            update(flat, gflat)
            if after_update is not None and after_update(s, loss, gflat):
                return s, None
    return s, None


def minibatches(n, batch_size, rng):
    """Endless minibatch indices: a fresh shuffle of ``range(n)`` per epoch, cut into batches.

    The last batch of an epoch may be smaller. Every training loop of the
    library draws its batches here, so one seed gives one order everywhere.
    ``n`` must be at least 1 (an empty dataset has no batches to draw);
    ``rng`` is a generator or a seed.
    """
    n = _checks.integer("n", n, low=1)
    batch_size = _checks.integer("batch_size", batch_size, low=1)
    rng = as_generator(rng, "rng")

    def draw():
        while True:
            order = rng.permutation(n)
            for pos in range(0, n, batch_size):
                yield order[pos:pos + batch_size]

    return draw()


def batches_of(X, t, batch_size, rng):
    """Endless minibatches ``(X[idx], t[idx])`` with the indices of :func:`minibatches`."""
    for idx in minibatches(X.shape[0], batch_size, rng):
        yield X[idx], t[idx]


@contextlib.contextmanager
def _running_statistics_kept(net):
    """Restore batch norm's running statistics after a measuring pass (which may run in training mode)."""
    norms = [n for n in getattr(net, "norms", []) if hasattr(n, "running_mean")]
    saved = [(n.running_mean.copy(), n.running_var.copy()) for n in norms]
    try:
        yield
    finally:
        for n, (mean, var) in zip(norms, saved):
            n.running_mean[...] = mean
            n.running_var[...] = var


def _norm_stats(net, grad_views):
    """Per hidden layer: mean ``γ_l`` and ``β_l``, and their gradients' norms.

    An empty dict for a network without normalisation; NaN for a hidden
    layer without one.
    """
    params = getattr(net, "norm_params", None)
    if grad_views is None or params is None:
        return {}
    nan = math.nan
    out = {key: [] for key in NORM_KEYS}
    for gb, dgb in zip(params, grad_views):
        if gb is None or dgb is None:
            for key in NORM_KEYS:
                out[key].append(nan)
            continue
        out["gamma_mean"].append(float(np.mean(gb[0])))
        out["beta_mean"].append(float(np.mean(gb[1])))
        out["gamma_grad_norm"].append(float(np.linalg.norm(dgb[0])))
        out["beta_grad_norm"].append(float(np.linalg.norm(dgb[1])))
    return {key: np.array(v) for key, v in out.items()}


def _quiet():
    return bool(os.environ.get("CI"))


def fit(net, X, y, *, eval_set=None, steps=None, epochs=None, batch_size=32, optimizer="adam",
          lr=None, clip_norm=None, seed=0, record_every=100, probe_size=512, train_eval_size=5000,
          threshold=_diag.SATURATION_THRESHOLD, histograms=False, on_nonfinite="raise", verbose=False,
          on_record=None):
    r"""Train ``net`` in place by minibatch gradient descent; return a :class:`History`.

    Parameters
    ----------
    net : MLP
    X, y : arrays
        Training inputs ``(N, n_0)``, finite, ``N >= 1``, and targets (integer
        labels for cross-entropy).
    eval_set : (X_test, y_test), optional
        Evaluation set for ``test_acc`` (finite, at least one row).
    steps, epochs : int
        Length of the run: give exactly one, a whole number >= 1. An epoch is
        ``ceil(N / batch_size)`` steps over a fresh shuffle (the last batch may
        be smaller).
    batch_size : int
    optimizer : str or Optimizer
        ``"sgd"``, ``"momentum"``, ``"adam"`` (see :mod:`vglib.optim`) or an
        object (None: ``"adam"``).
    lr, clip_norm : float, optional
        Learning rate and gradient clipping for an optimiser given by name.
    seed : int or numpy.random.Generator
        Order of the minibatches and choice of the probe set.
    record_every : int
        Record every this many steps (plus step 0 and the last step).
    probe_size : int
        Number of training examples (a fixed random subset, at least 1; all of
        them when ``N`` is smaller) for the activation statistics; a unit is
        dead when it is zero on all of them.
    train_eval_size : int or None
        Train accuracy is measured on a fixed subset of this size, at least 1
        (None, or a size >= N: all).
    threshold : float
        ``τ > 0`` of the saturated fraction ``|f'(z)| < τ``.
    histograms : bool
        Also record activation and gradient histograms at each record.
    on_nonfinite : {"raise", "stop"}
        On a NaN or infinite loss or gradient: raise :class:`DivergenceError`
        naming the step and the first layer where it appeared, or stop and
        return the history so far with the reason in ``history.stopped``.
    verbose : bool
        Print one line per record to stdout (never when the environment
        variable ``CI`` is set).
    on_record : callable, optional
        ``on_record(step, net)`` after each record (step 0 included), to
        measure anything else at the same moments, e.g. a
        :class:`vglib.studies.dying.UnitRecorder`.

    Every argument is checked before the first step: a wrong type raises a
    ``TypeError``, a wrong value a ``ValueError``, each naming the argument.
    """
    _checks.network("net", net)
    if (steps is None) == (epochs is None):
        raise ValueError("give exactly one of steps= and epochs=")
    _checks.choice("on_nonfinite", on_nonfinite, ("raise", "stop"))
    batch_size = _checks.integer("batch_size", batch_size, low=1)
    record_every = _checks.integer("record_every", record_every, low=1)
    probe_size = _checks.integer("probe_size", probe_size, low=1)
    if train_eval_size is not None:
        train_eval_size = _checks.integer("train_eval_size", train_eval_size, low=1)
    if on_record is not None and not callable(on_record):
        raise _checks.ArgumentTypeError(f"on_record must be callable, got {_checks.show(on_record)}")
    threshold = _checks.real("threshold", threshold, low=0.0, low_open=True)
    histograms = _checks.flag("histograms", histograms)
    verbose = _checks.flag("verbose", verbose) and not _quiet()
    X = net.check_input(X)
    n = X.shape[0]
    if n == 0:
        raise ValueError("X has no rows: there is nothing to train on")
    t_all = net.loss.targets(y, (n, net.sizes[-1]), net.dtype)
    if getattr(net, "norm", None) == "batch" and (batch_size == 1 or n % batch_size == 1):
        raise ValueError(
            f"batch norm needs at least 2 examples in every training batch, but batch_size={batch_size} "
            f"on {n} examples leaves a batch of one at the end of each epoch; choose another batch_size")
    if eval_set is not None:
        if not isinstance(eval_set, (tuple, list)) or len(eval_set) != 2:
            raise _checks.ArgumentTypeError(f"eval_set must be a pair (X_test, y_test), got {_checks.show(eval_set)}")
        X_test = net.check_input(eval_set[0], "eval_set[0]")
        if X_test.shape[0] == 0:
            raise ValueError("eval_set[0] has no rows: there is nothing to evaluate on")
        y_test = net.loss.targets(eval_set[1], (X_test.shape[0], net.sizes[-1]), net.dtype)
    steps_per_epoch = math.ceil(n / batch_size)
    if steps is not None:
        total = _checks.integer("steps", steps, low=1)
    else:
        total = _checks.integer("epochs", epochs, low=1) * steps_per_epoch
    opt = _optim.get("adam" if optimizer is None else optimizer, lr=lr, clip_norm=clip_norm)
    rng = as_generator(seed)
    probe_idx = np.sort(rng.choice(n, size=min(probe_size, n), replace=False))
    probe = X[probe_idx]
    if train_eval_size is not None and train_eval_size < n:
        sub = np.sort(rng.choice(n, size=train_eval_size, replace=False))
        X_tr_eval, y_tr_eval = X[sub], t_all[sub]
    else:
        X_tr_eval, y_tr_eval = X, t_all

    hist = History()
    before = np.empty_like(net.flat)
    start = time.perf_counter()
    window = []

    def record(s, grads_flat, ratio):
        hist.step.append(s)
        hist.loss.append(float(np.mean(window)))
        window.clear()
        hist.train_acc.append(evaluate(net, X_tr_eval, y_tr_eval)[1])
        hist.test_acc.append(evaluate(net, X_test, y_test)[1] if eval_set is not None else math.nan)
        views = net.param_views(grads_flat)
        stats = {**_diag.gradient_stats(views[0]), **_diag.weight_stats(net),
                 "update_ratio": ratio,
                 **_diag.activation_stats(net, probe, threshold),
                 **_norm_stats(net, getattr(views, "norm", None))}
        for key, value in stats.items():
            hist.layers.setdefault(key, []).append(value)
        if histograms:
            with _running_statistics_kept(net):  # a measurement, not a training batch
                hist.hist.append(_diag.histograms(net, probe, t_all[probe_idx], bins=30))
        if verbose:
            print(f"step {s:>6}/{total}  loss {hist.loss[-1]:.4f}  train acc {hist.train_acc[-1]:.3f}  "
                  f"test acc {hist.test_acc[-1]:.3f}  ({time.perf_counter() - start:.1f} s)", flush=True)
        if on_record is not None:
            on_record(s, net)

    def is_record(s):
        return s % record_every == 0 or s == total

    def before_update(s, loss, grads_flat, xb):
        window.append(loss)
        if s == 1:
            record(0, grads_flat, np.full(net.n_layers, np.nan))
            window.append(loss)
        if is_record(s):
            np.copyto(before, net.flat)

    def after_update(s, loss, grads_flat):
        hist.batch_loss.append(loss)
        if is_record(s):
            record(s, grads_flat, _diag.update_ratio(net, before))

    _, bad = run_steps(net, batches_of(X, t_all, batch_size, rng), steps=total, optimizer=opt,
                       before_update=before_update, after_update=after_update)
    hist.seconds = time.perf_counter() - start
    if bad is None:
        return hist
    s, loss, xb, gflat = bad
    layer, where = net.first_nonfinite(xb, gflat)
    what = "loss" if not math.isfinite(loss) else "gradient"
    at = f": first in layer {layer} ({where})" if layer is not None else f" ({where})"
    msg = (f"non-finite {what} at step {s}{at}; try a smaller learning rate, "
           f"gradient clipping (clip_norm=) or another initialisation")
    if on_nonfinite == "stop":
        hist.stopped = msg
        return hist
    raise DivergenceError(msg, s, layer, where, hist)
