r"""Compare activations on one task: the same network trained with each, over several seeds.

>>> from vglib.data import load_digits
>>> from vglib.studies.compare import (compare, natural_init,
...                                   paired_differences, steps_to_target)
>>> d = load_digits()
>>> runs = compare(["relu", "tanh"], d, hidden=[32, 32], seeds=[0], steps=200, record_every=50)
>>> sorted(runs)
[('relu', 0), ('tanh', 0)]
>>> natural_init("selu")
'lecun_normal'
>>> diff = paired_differences([0.95, 0.93, 0.96], [0.90, 0.91, 0.97])
>>> round(diff.mean, 3), diff.n_better, diff.n_worse
(0.02, 2, 1)

Every run of :func:`compare` uses one seed for everything random in it (the
initial weights, RReLU's slopes, the order of the minibatches), so a run is
reproducible and two activations with the same seed see the same batches
(which is what makes :func:`paired_differences` over seeds meaningful).
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
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats as _stats

from .. import _checks
from .. import activations as _acts
from ..network import MLP
from ..train import fit

__all__ = ["NATURAL_INIT", "natural_init", "steps_to_target", "final",
           "compare", "PairedDifference", "paired_differences"]

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


def _compare_run(sizes, name, scheme, seed, data, optimizer, dtype, options,
                 portable=False):
    """One run of :func:`compare` (at module level, so processes can run it).

    An optimiser *object* is copied and reset first: every run starts from
    a fresh state, in a worker process or here. With ``portable``, an
    exception that cannot be pickled (and so cannot come back from a worker
    process) is raised as a ``RuntimeError`` carrying its type and message.
    """
    import copy
    import pickle

    from ..optim import Optimizer

    if isinstance(optimizer, Optimizer):
        optimizer = copy.deepcopy(optimizer)
        optimizer.reset()
    net = MLP(sizes, activation=name, init=scheme, seed=seed, dtype=dtype)
    try:
        return fit(net, data.X_train, data.y_train,
                   eval_set=(data.X_test, data.y_test), optimizer=optimizer,
                   seed=seed, **options)
    except Exception as err:
        if not portable:
            raise
        try:
            pickle.loads(pickle.dumps(err))
        except Exception:
            raise RuntimeError(f"{type(err).__name__}: {err}") from None
        raise


def _name_the_run(err, key):
    """Add which (activation, seed) failed to an exception from a run."""
    err.add_note(f"in compare's run of {key[0]!r} with seed {key[1]!r}")


def compare(activations, data, *, hidden, seeds, steps, init="natural",
            batch_size=32, optimizer="adam", lr=None, record_every=50,
            dtype=np.float64, executor=None):
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
        Passed to :func:`vglib.train.fit`. An :class:`~vglib.optim.Optimizer`
        object is copied and reset for every run, so runs share no state.
    dtype : numpy float dtype
    executor : concurrent.futures.Executor, optional
        Where the runs are done. None (the default): one after another, in
        this process. Otherwise every (activation, seed) run is handed to
        ``executor.submit`` and the results are collected in the same order
        as the serial loop: a ``ThreadPoolExecutor``, a
        ``ProcessPoolExecutor``, Dask's ``Client.get_executor()`` or any
        object whose ``submit(fn, *args)`` returns a future with
        ``result()`` (a wrapper around Ray tasks, say). The caller creates
        and shuts down the executor.

    Returns
    -------
    dict
        ``{(name, seed): History}`` with the registered name of each
        activation, in the order activations × seeds.

    Raises
    ------
    TypeError
        If ``executor`` has no ``submit`` method, or its ``submit`` does not
        return a future (both checked before any run is waited for).

    Notes
    -----
    Each run draws everything random from its own seed, so the executor
    changes where a run is computed, not what it computes: the histories
    equal the serial ones (up to the rounding of the matrix products,
    which can differ between machines or BLAS thread counts, not between
    the processes of one machine). A process pool pickles ``data`` and the
    other arguments once per run, and the worker processes do not inherit
    limits set with ``threadpoolctl`` (start them with
    ``initializer=threadpool_limits, initargs=(1,)`` to keep one BLAS thread
    each). An error in a run is raised here, with a note naming the
    activation and the seed; the runs not yet started are cancelled. With
    an executor, an error that cannot be pickled (a
    :class:`~vglib.train.DivergenceError`, for one) comes back as a
    ``RuntimeError`` that names it, so that it can leave a worker process.

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> from vglib.data import xor
    >>> d = xor(n=100, seed=0)
    >>> with ThreadPoolExecutor(2) as pool:
    ...     runs = compare(["relu", "tanh"], d, hidden=[4], seeds=[0, 1],
    ...                    steps=5, record_every=5, executor=pool)
    >>> list(runs)
    [('relu', 0), ('relu', 1), ('tanh', 0), ('tanh', 1)]
    """
    sizes = [data.n_features, *[int(h) for h in hidden], data.n_classes]
    jobs = {}
    for name in activations:
        name = _acts.get(name).name
        scheme = natural_init(name) if init == "natural" else init
        for seed in seeds:
            jobs[(name, seed)] = scheme
    options = {"steps": steps, "batch_size": batch_size, "lr": lr,
               "record_every": record_every}

    def args(key):
        return (sizes, key[0], jobs[key], key[1], data, optimizer, dtype,
                options, executor is not None)

    out = {}
    if executor is None:
        for key in jobs:
            try:
                out[key] = _compare_run(*args(key))
            except Exception as err:
                _name_the_run(err, key)
                raise
        return out
    submit = getattr(executor, "submit", None)
    if isinstance(executor, type) or not callable(submit):
        raise _checks.ArgumentTypeError(
            "executor must be a concurrent.futures.Executor (an object with "
            "a submit(fn, *args) method returning a future, e.g. "
            "ProcessPoolExecutor(2), not the class), or None to run here; "
            f"got {_checks.show(executor)}")
    futures = {}
    try:
        for key in jobs:
            future = submit(_compare_run, *args(key))
            if not callable(getattr(future, "result", None)):
                raise _checks.ArgumentTypeError(
                    "executor.submit must return a future with a result() "
                    f"method; got {_checks.show(future)}")
            futures[key] = future
        for key, future in futures.items():
            try:
                out[key] = future.result()
            except Exception as err:
                _name_the_run(err, key)
                raise
    except BaseException:
        for future in futures.values():
            if callable(getattr(future, "cancel", None)):
                future.cancel()
        raise
    return out



@dataclass(frozen=True)
class PairedDifference:
    r"""A variant against a baseline, seed by seed.

    Made by :func:`paired_differences`.

    Attributes
    ----------
    differences : ndarray (n,)
        ``d_s = variant_s − baseline_s`` for every seed ``s``.
    mean : float
        :math:`\bar d`, the mean difference.
    se : float
        Its standard error :math:`s_d / \sqrt{n}` (sample standard
        deviation with ``n − 1``); NaN for one seed.
    low, high : float
        The t-based interval
        :math:`\bar d \pm t_{n-1} \, s_d / \sqrt{n}` at ``level`` (NaN
        for one seed).
    level : float
        Its confidence level (0.95 by default).
    n, n_better, n_worse, n_ties : int
        Seeds in all; seeds on which the variant did better, worse, the
        same.
    better : {"higher", "lower"}
        Which direction counts as better (accuracy: higher; steps: lower).
    """

    differences: np.ndarray
    mean: float
    se: float
    low: float
    high: float
    level: float
    n: int
    n_better: int
    n_worse: int
    n_ties: int
    better: str

    def excludes_zero(self) -> bool:
        """True when the interval lies entirely on one side of 0."""
        return bool(self.low > 0 or self.high < 0)


def _paired_values(variant, baseline):
    """Keys and the two value arrays, paired by key or by position."""
    if isinstance(variant, Mapping) != isinstance(baseline, Mapping):
        raise _checks.ArgumentTypeError(
            "variant and baseline must both be mappings {seed: value} or "
            f"both sequences, got {_checks.show(variant)} and "
            f"{_checks.show(baseline)}")
    if isinstance(variant, Mapping):
        if set(variant) != set(baseline):
            only = sorted(set(variant) ^ set(baseline), key=repr)
            raise ValueError("variant and baseline must have the same "
                             f"seeds; not in both: {only}")
        keys = sorted(variant, key=repr)
        variant = [variant[k] for k in keys]
        baseline = [baseline[k] for k in keys]
    else:
        keys = None
    v = _checks.array("variant", variant, kinds="iuf", dtype=np.float64)
    b = _checks.array("baseline", baseline, kinds="iuf", dtype=np.float64)
    if v.ndim != 1 or v.shape != b.shape:
        raise ValueError(
            "variant and baseline must be 1-d and of one length (one value "
            f"per seed), got shapes {v.shape} and {b.shape}")
    return (list(range(v.size)) if keys is None else keys), v, b


def paired_differences(variant, baseline, *, better="higher", level=0.95):
    r"""How a variant differs from a baseline run with the same seeds.

    Two runs with the same seed share the draw of their initial weights and
    their minibatches, so the difference ``d_s = variant_s − baseline_s``
    removes what the seed does to both; the spread of ``d_s`` is what is
    left. This returns the mean difference, its standard error, a t-based
    interval and the number of seeds on which the variant was better.

    Parameters
    ----------
    variant, baseline : sequences of float, or mappings ``{seed: value}``
        One value per seed (final accuracy, steps to a target, …), paired
        by position, or by key for mappings (which need the same keys).
        Every value must be finite: a run that never reached its target
        (:func:`steps_to_target` gives ``inf``) has no difference; cap it
        first, e.g. at the run's length, and say so.
    better : {"higher", "lower"}
        Whether a larger value is better (accuracy) or a smaller one
        (steps).
    level : float in (0, 1)
        Confidence level of the interval.

    Returns
    -------
    PairedDifference

    Notes
    -----
    The interval is
    :math:`\bar d \pm t_{n-1,\,(1+\text{level})/2}\; s_d/\sqrt n`;
    it assumes independent, roughly normal ``d_s``. With three to five
    seeds it is wide (:math:`t_{2,\,0.975} = 4.30`). The count says as
    much: if two variants were equally good (and never tied), one would be
    better on all of three seeds one time in eight by chance alone.

    Examples
    --------
    >>> d = paired_differences({0: 120.0, 1: 90.0}, {0: 150.0, 1: 100.0},
    ...                        better="lower")
    >>> d.mean, d.n_better, round(d.se, 1)
    (-20.0, 2, 10.0)
    """
    better = _checks.choice("better", better, ("higher", "lower"))
    level = _checks.real("level", level, low=0.0, high=1.0, low_open=True,
                         high_open=True)
    keys, v, b = _paired_values(variant, baseline)
    if v.size == 0:
        raise ValueError("no seeds: variant and baseline are empty")
    bad = [k for k, x, y in zip(keys, v, b)
           if not (math.isfinite(x) and math.isfinite(y))]
    if bad:
        raise ValueError(
            f"non-finite values at seed(s) {bad}: a paired difference needs "
            "finite values (cap a run that never reached its target at the "
            "run's length first)")
    d = v - b
    n = d.size
    mean = float(d.mean())
    if n > 1:
        se = float(d.std(ddof=1) / math.sqrt(n))
        half = float(_stats.t.ppf(0.5 + level / 2, n - 1)) * se
        low, high = mean - half, mean + half
    else:
        se = low = high = math.nan
    sign = 1.0 if better == "higher" else -1.0
    return PairedDifference(
        differences=d, mean=mean, se=se, low=low, high=high, level=level,
        n=n, n_better=int(np.sum(sign * d > 0)),
        n_worse=int(np.sum(sign * d < 0)), n_ties=int(np.sum(d == 0)),
        better=better)
