r"""Compare activations on one task: the same network trained with each, over several seeds.

>>> from vglib.data import load_digits
>>> from vglib.studies.compare import compare, natural_init, steps_to_target
>>> d = load_digits()
>>> runs = compare(["relu", "tanh"], d, hidden=[32, 32], seeds=[0], steps=200, record_every=50)
>>> sorted(runs)
[('relu', 0), ('tanh', 0)]
>>> natural_init("selu")
'lecun_normal'

Every run of :func:`compare` uses one seed for everything random in it (the
initial weights, RReLU's slopes, the order of the minibatches), so a run is
reproducible and two activations with the same seed see the same batches.
Each activation gets its *natural* initialisation unless one is forced:

* sigmoid and tanh: Xavier/Glorot uniform (Glorot & Bengio 2010), derived for
  activations with slope about 1 at 0 and symmetric around it;
* SELU: LeCun normal, the initialisation its self-normalising property
  assumes (Klambauer et al. 2017);
* every other activation (the ReLU family and its smooth relatives): He
  uniform (He et al. 2015), derived for ReLU's halving of the variance.
"""

from __future__ import annotations

import math

import numpy as np

from .. import activations as _acts
from ..network import MLP
from ..train import fit

__all__ = ["NATURAL_INIT", "natural_init", "steps_to_target", "final", "compare"]

NATURAL_INIT = {
    "identity": "xavier_uniform",
    "sigmoid": "xavier_uniform",
    "tanh": "xavier_uniform",
    "selu": "lecun_normal",
}
_DEFAULT_INIT = "he_uniform"


def natural_init(name) -> str:
    """The initialisation an activation is usually paired with (see the module docstring)."""
    key = _acts.get(name).name  # validates the name and normalises spelling
    return NATURAL_INIT.get(key, _DEFAULT_INIT)


def steps_to_target(history, target, key="test_acc") -> float:
    """First recorded step at which ``history.<key>`` reaches ``target``; ``math.inf`` if never.

    The answer is only as fine as the recording: a run recorded every 50 steps
    that reaches the target at step 130 reports 150.
    """
    values = np.asarray(getattr(history, key), dtype=float)
    hit = np.flatnonzero(values >= target)
    return float(history.step[hit[0]]) if hit.size else math.inf


def final(history, key):
    """The last record of a per-layer statistic, averaged over layers (e.g. ``"dead_fraction"``)."""
    return float(np.mean(history.layer(key)[-1]))


def compare(activations, data, *, hidden, seeds, steps, init="natural", batch_size=32,
            optimizer="adam", lr=None, record_every=50, dtype=np.float64):
    """Train one MLP per (activation, seed) on ``data``; return ``{(name, seed): History}``.

    Parameters
    ----------
    activations : sequence of str
        Registered activation names.
    data : vglib.data.Dataset
        Training and test sets (``X_train``, ``y_train``, ``X_test``, ``y_test``).
    hidden : sequence of int
        Widths of the hidden layers; the input and output widths come from ``data``.
    seeds : sequence of int
        One run per seed: network seed and minibatch seed.
    steps : int
        Optimiser steps per run.
    init : str
        ``"natural"`` (see :func:`natural_init`) or an initialisation name
        used for every activation.
    batch_size, optimizer, lr, record_every
        Passed to :func:`vglib.train.fit`.
    dtype : numpy float dtype
    """
    sizes = [data.n_features, *[int(h) for h in hidden], data.n_classes]
    out = {}
    for name in activations:
        name = _acts.get(name).name
        scheme = natural_init(name) if init == "natural" else init
        for seed in seeds:
            net = MLP(sizes, activation=name, init=scheme, seed=seed, dtype=dtype)
            out[(name, seed)] = fit(net, data.X_train, data.y_train,
                                      eval_set=(data.X_test, data.y_test), steps=steps,
                                      batch_size=batch_size, optimizer=optimizer, lr=lr,
                                      seed=seed, record_every=record_every)
    return out
