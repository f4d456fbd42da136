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

from .. import _checks
from .. import optim as _optim
from ..init import as_generator
from .. import diagnostics as _diag
from ..train import batches_of, run_steps

__all__ = ["born_dead_probability", "UnitTrack", "UnitRecorder", "track_units", "revived"]


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
        One boolean array ``(n_records, n_l)`` per hidden layer (see
        :func:`vglib.diagnostics.inactive_units`).
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


class UnitRecorder:
    """Records which hidden units are inactive on ``probe`` (and the loss on ``X``) when called.

    A recorder for the training loop: ``UnitRecorder(net, X, y)(step, net)``
    appends one record. :func:`track_units` calls it every ``record_every``
    steps; ``vglib.train.fit(..., on_record=recorder)`` calls it at
    ``fit``'s own records. :meth:`result` returns the :class:`UnitTrack`.
    """

    def __init__(self, net, X, y, probe=None):
        X = _checks.network("net", net).check_input(X)
        probe = X if probe is None else net.check_input(probe, "probe")
        if X.shape[0] == 0 or probe.shape[0] == 0:
            raise ValueError(f"X and probe need at least one row, got {X.shape[0]} and {probe.shape[0]}")
        self.X, self.probe, self.same = X, probe, probe is X
        self.t = net.loss.targets(y, (X.shape[0], net.sizes[-1]), net.dtype)
        self.steps, self.statuses, self.losses = [], [], []
        self.stopped = None

    def __call__(self, step, net):
        self.steps.append(step)
        self.statuses.append(_diag.inactive_units(net, self.probe))
        logits = net.trace.z[-1]
        if not self.same:
            with net.evaluating():
                logits = net.forward(self.X)
        self.losses.append(float(net.loss(logits, self.t)))

    def result(self):
        n_hidden = len(self.statuses[0]) if self.statuses else 0
        inactive = [np.array([st[l] for st in self.statuses]) for l in range(n_hidden)]
        return UnitTrack(np.array(self.steps), inactive, np.array(self.losses), self.stopped)


def track_units(net, X, y, *, steps, record_every=10, optimizer="sgd", lr=None, batch_size=32,
                seed=0, probe=None):
    """Train ``net`` in place; every ``record_every`` steps record which hidden units are inactive on ``probe``.

    The same minibatches as :func:`vglib.train.fit`
    (:func:`vglib.train.minibatches`, drawn from ``seed``) and the same loop
    (:func:`vglib.train.run_steps`), but it keeps the per-unit status that
    ``fit``'s ``dead_fraction`` averages away. ``probe`` defaults to all of
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
    rec = UnitRecorder(net, X, y, probe)
    steps = _checks.integer("steps", steps, low=1)
    record_every = _checks.integer("record_every", record_every, low=1)
    opt = _optim.get(optimizer, lr=lr)
    batches = batches_of(rec.X, rec.t, batch_size, as_generator(seed))

    def after_update(s, loss, grads_flat):
        if not np.isfinite(net.flat).all():
            rec.stopped = s
            return True
        if s % record_every == 0 or s == steps:
            rec(s, net)
        return False

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        rec(0, net)
        _, bad = run_steps(net, batches, steps=steps, optimizer=opt, after_update=after_update)
    if bad is not None:
        rec.stopped = bad[0]
    return rec.result()


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
