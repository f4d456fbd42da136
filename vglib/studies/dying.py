r"""Dead ReLU units: which units are dead, whether they come back, and networks born dead.

A hidden unit ``j`` of layer ``l`` is *inactive on a set of inputs* ``X`` when
its pre-activation is never positive there:

.. math:: z_{l,j}(x) \le 0 \quad \text{for every } x \in X .

For ReLU this is the same as being *dead* on ``X`` (``h_{l,j} = 0`` for every
row, as in :func:`vglib.diagnostics.dead_fraction`): ``f'(z) = 0`` there, so no
example of ``X`` sends any gradient to the unit's incoming weights and bias.
For leaky ReLU the unit is on its negative side everywhere but still gets the
slope ``α``.

A network is *born dead at an input* ``x`` when, at initialisation, some
hidden layer outputs all zeros for ``x``: everything above that layer sees the
same input whatever ``x`` was, so the output is a constant near ``x``.

References
----------
Lu, Shin, Su & Karniadakis (2020), Dying ReLU and initialization: theory and
numerical examples. Communications in Computational Physics 28(5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _checks
from . import optim as _optim
from .init import as_generator
from .train import make_step, minibatches

__all__ = ["inactive_units", "first_zero_layer", "born_dead_probability",
           "UnitTrack", "track_units", "revived"]


def _forward_eval(net, X):
    """Forward pass in evaluation mode, kept in ``net.trace``; the mode is restored."""
    _checks.network("net", net)
    was_training = net.training
    net.eval()
    try:
        net.forward(X, keep=True)
    finally:
        if was_training:
            net.train()
    return net.trace


def inactive_units(net, X):
    r"""Per hidden layer, a boolean array ``(n_l,)``: True where ``z_{l,j} ≤ 0`` for every row of ``X``.

    For a ReLU layer, True means the unit is dead on ``X``. Runs in
    evaluation mode (the network's mode is restored).
    """
    return [np.all(z <= 0, axis=0) for z in _forward_eval(net, X).z[:-1]]


def first_zero_layer(net, X):
    """Index (from 0) of the first hidden layer whose output ``h_l`` is zero for every row of ``X``; None if none.

    With one row ``x``, a result that is not None means the network is born
    dead at ``x``.
    """
    for l, h in enumerate(_forward_eval(net, X).h):
        if not np.any(h):
            return l
    return None


def born_dead_probability(widths):
    r"""Probability that a ReLU network is born dead at one fixed input ``x ≠ 0``.

    Assumes zero biases and weights drawn independently from a symmetric
    distribution with no atom at 0 (normal or uniform, any scale). Given
    a previous layer with some nonzero output, each ``z_{l,j}`` is a
    symmetric random variable, positive with probability 1/2, independently
    across the ``n_l`` units (they use different columns of ``W_l``). So a layer is
    all zero with probability ``2^{−n_l}``, and once one is, every later layer is too:

    .. math:: P(\text{born dead at } x) = 1 - \prod_{l} \bigl(1 - 2^{-n_l}\bigr).

    Parameters
    ----------
    widths : sequence of int
        The hidden widths ``n_1, …, n_{L−1}`` (not the input or output width).

    Examples
    --------
    >>> born_dead_probability([2])
    0.25
    >>> round(born_dead_probability([3] * 10), 4)
    0.7369
    """
    widths = _checks.integers("widths", widths, low=1)
    alive = math.prod(1.0 - 0.5**n for n in widths)
    if alive < 0.99:
        return 1.0 - alive  # loses at most two digits to cancellation
    return -math.expm1(sum(math.log1p(-(0.5**n)) for n in widths))  # accurate when tiny


@dataclass
class UnitTrack:
    """Per-unit inactive status recorded during a run of :func:`track_units`.

    Attributes
    ----------
    step : ndarray (n_records,)
        Number of updates done at each record (0: before training).
    inactive : list of ndarray
        One boolean array ``(n_records, n_l)`` per hidden layer (see :func:`inactive_units`).
    loss : ndarray (n_records,)
        Loss on the whole training set ``X`` at each record (evaluation mode).
    stopped : int or None
        The step at which the loss, a gradient or a parameter became
        non-finite (the run stopped there, before recording it), else None.
    """

    step: np.ndarray
    inactive: list
    loss: np.ndarray
    stopped: int | None = None

    def fraction(self):
        """Fraction of inactive units per record and hidden layer, shape ``(n_records, L − 1)``."""
        return np.stack([s.mean(axis=1) for s in self.inactive], axis=1)


def track_units(net, X, y, *, steps, record_every=10, optimizer="sgd", lr=None, batch_size=32,
                seed=0, probe=None):
    """Train ``net`` in place; every ``record_every`` steps record which hidden units are inactive on ``probe``.

    The same minibatches as :func:`vglib.train.train`
    (:func:`vglib.train.minibatches`, drawn from ``seed``), but it keeps the per-unit status that
    ``train``'s ``dead_fraction`` averages away. ``probe`` defaults to all of
    ``X``: "inactive" then means inactive on the whole training set, and a
    ReLU unit in that state gets no gradient on its own weights and bias
    from any minibatch. The run stops (``stopped``) at the first non-finite
    loss, gradient or parameter.

    Parameters
    ----------
    net : MLP
    X, y : arrays
        Training inputs and targets.
    steps, record_every, batch_size : int
    optimizer : str or Optimizer
        A name for :func:`vglib.optim.get` (with ``lr``) or an optimiser object.
    seed : int or numpy.random.Generator
        Order of the minibatches.
    probe : array, optional
        Inputs on which the status is measured (default ``X``).
    """
    X = _checks.network("net", net)._input(X)
    probe = X if probe is None else net._input(probe, "probe")
    if X.shape[0] == 0 or probe.shape[0] == 0:
        raise ValueError(f"X and probe need at least one row, got {X.shape[0]} and {probe.shape[0]}")
    t_all = net.loss.targets(y, (X.shape[0], net.sizes[-1]), net.dtype)
    steps = _checks.integer("steps", steps, low=1)
    record_every = _checks.integer("record_every", record_every, low=1)
    step = make_step(net, _optim.get(optimizer, lr=lr))
    records, statuses, losses = [], [], []
    stopped = None
    batches = minibatches(X.shape[0], batch_size, as_generator(seed))

    same = probe is X

    def record(s):
        records.append(s)
        trace = _forward_eval(net, probe)
        statuses.append([np.all(z <= 0, axis=0) for z in trace.z[:-1]])
        logits = trace.z[-1] if same else _forward_eval(net, X).z[-1]
        losses.append(float(net.loss(logits, t_all)))

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        record(0)
        for s in range(1, steps + 1):
            idx = next(batches)
            loss = step(X[idx], t_all[idx])
            if not (math.isfinite(loss) and np.isfinite(step.grads).all() and np.isfinite(net.flat).all()):
                stopped = s
                break
            if s % record_every == 0 or s == steps:
                record(s)
    inactive = [np.array([st[l] for st in statuses]) for l in range(net.n_layers - 1)]
    return UnitTrack(np.array(records), inactive, np.array(losses), stopped)


def revived(status):
    """Which units were inactive at some record and active at a later one.

    Parameters
    ----------
    status : ndarray (n_records, n_units) of bool
        One layer of :attr:`UnitTrack.inactive`.

    Returns
    -------
    ndarray (n_units,) of bool
    """
    s = _checks.array("status", status, kinds="b")
    if s.ndim != 2:
        raise ValueError(f"status must have shape (n_records, n_units), got {s.shape}")
    seen_dead = np.logical_or.accumulate(s, axis=0)
    return np.any(seen_dead[:-1] & ~s[1:], axis=0)
