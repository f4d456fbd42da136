r"""The cost of activations and of training steps, measured fairly.

Timings on a shared machine are noisy: another process can steal the CPU for
a few milliseconds at any moment, and such noise only ever makes a run
*slower*. So every function here

* warms each candidate up once (first-call allocations, thread pools);
* runs the candidates in interleaved rounds (round 1: A, B, C; round 2: A,
  B, C; …), so that a slow moment of the machine hits all of them alike;
* reports, per candidate, the **minimum** over the rounds of the mean time of
  one call: the run least disturbed by everything else.

Ratios between candidates measured in one call are much steadier than the
absolute times. BLAS runs on one thread by default (``threads=1``), so that a
matrix product does not compete with itself on a small machine.

>>> from vglib.studies.timing import activation_times
>>> t = activation_times(["relu", "elu"], n=10_000, repeat=3)
>>> sorted(t)
[('elu', 'grad'), ('elu', 'value'), ('relu', 'grad'), ('relu', 'value')]

This module measures; it does not judge. A benchmark to read is a script or
a notebook that prints these figures, never a test that asserts on them.
"""

from __future__ import annotations

import contextlib
import math
import time

import numpy as np

from .. import activations as _acts
from ..init import as_generator

__all__ = ["best_times", "activation_times", "step_times", "default_timer"]


def _limit_threads(threads):
    if threads is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    return threadpool_limits(int(threads))


_PROCESS_TIME_ADVANCES = None


def _process_time_advances(probe=0.05):
    """Whether ``time.process_time`` moves while this process computes.

    Under Pyodide (the course's JupyterLite edition, in a browser) it never
    does, so timing with it would see every call take no time. Checked once
    per process: a busy loop of at most ``probe`` wall-clock seconds.
    """
    global _PROCESS_TIME_ADVANCES
    if _PROCESS_TIME_ADVANCES is None:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        advances = False
        while time.perf_counter() - wall0 < probe:
            if time.process_time() != cpu0:
                advances = True
                break
        _PROCESS_TIME_ADVANCES = advances
    return _PROCESS_TIME_ADVANCES


def default_timer():
    """The clock :func:`best_times` uses when given none.

    ``time.process_time`` (CPU time of this process) where it advances;
    ``time.perf_counter`` (wall-clock) where it does not, as under Pyodide.
    """
    return time.process_time if _process_time_advances() else time.perf_counter


def _calibrate(fn, target, timer=None):
    """Number of calls of ``fn`` that take about ``target`` seconds (at least 1)."""
    if timer is None:
        timer = default_timer()
    n = 1
    while True:
        t0 = timer()
        for _ in range(n):
            fn()
        t = timer() - t0
        if t >= target / 4 or n >= 1 << 20:
            return max(1, int(round(n * target / max(t, 1e-9))))
        n *= 4


def best_times(fns, *, repeat=7, number=None, target=0.02, threads=1,
               timer=None):
    """Seconds per call of each function: the minimum over interleaved rounds.

    Parameters
    ----------
    fns : dict of key to callable
        The candidates, each called with no arguments.
    repeat : int
        Number of rounds (each candidate is timed once per round).
    number : int, optional
        Calls per timing. Default: calibrated per candidate so that one timing
        takes about ``target`` seconds.
    target : float
        Seconds per timing when ``number`` is calibrated.
    threads : int or None
        BLAS/OpenMP threads while timing (None: leave them as they are).
    timer : callable, optional
        The clock. The default, the CPU time of this process, does not count
        time the process spent waiting for a core that another process held,
        so it stays steady on a busy machine; with one BLAS thread it equals
        wall-clock time on a quiet one. ``time.perf_counter`` gives wall-clock,
        and is the default where the CPU time does not advance (Pyodide, in
        a browser): see :func:`default_timer`.

    Returns
    -------
    dict of key to float
        The smallest mean time of one call seen in any round, in seconds.
    """
    if not fns:
        raise ValueError("best_times needs at least one function to time")
    for key, fn in fns.items():
        if not callable(fn):
            raise ValueError(f"the candidate {key!r} is not callable")
    repeat = int(repeat)
    if repeat < 1:
        raise ValueError(f"repeat must be >= 1, got {repeat}")
    if number is not None and int(number) < 1:
        raise ValueError(f"number must be >= 1, got {number}")
    if timer is None:
        timer = default_timer()
    with _limit_threads(threads):
        for fn in fns.values():  # warm up
            fn()
        calls = {k: int(number) if number is not None else _calibrate(fn, target, timer) for k, fn in fns.items()}
        best = {k: math.inf for k in fns}
        for _ in range(repeat):
            for k, fn in fns.items():
                n = calls[k]
                t0 = timer()
                for _ in range(n):
                    fn()
                best[k] = min(best[k], (timer() - t0) / n)
    return best


def activation_times(names, *, n=1_000_000, dtype=np.float32, seed=0, parts=("value", "grad"),
                     repeat=7, number=None, target=0.02, threads=1):
    r"""Seconds to compute each activation's value ``f(z)`` and derivative ``f'(z)`` on ``n`` numbers.

    ``z`` is drawn once from :math:`\mathcal N(0, 1)` (half of it negative, so
    both branches of a piecewise activation are exercised) in ``dtype``, and
    every candidate gets the same array. The calls are ``act(z)`` and
    ``act.grad(z)``: NumPy expressions that allocate their result, as in a
    straightforward implementation.

    Parameters
    ----------
    names : sequence of str or Activation
        Activations (see :func:`vglib.activations.available`).
    n : int
        Number of elements of ``z``.
    dtype : numpy float dtype
    seed : int or numpy.random.Generator
    parts : sequence of {"value", "grad"}
    repeat, number, target, threads
        As in :func:`best_times`.

    Returns
    -------
    dict of (name, part) to float
        Seconds per call.
    """
    parts = tuple(parts)
    bad = sorted(set(parts) - {"value", "grad"})
    if bad or not parts:
        raise ValueError(f"parts must be taken from ('value', 'grad'), got {parts}")
    n = int(n)
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    z = as_generator(seed).standard_normal(n).astype(dtype)
    fns = {}
    for name in names:
        act = _acts.get(name)
        for part in parts:
            fns[(act.name, part)] = (lambda a=act: a(z)) if part == "value" else (lambda a=act: a.grad(z))
    return best_times(fns, repeat=repeat, number=number, target=target, threads=threads)


def step_times(activations, sizes, *, batch_size=128, dtype=np.float32, seed=0, optimizer="adam",
               repeat=7, number=None, target=0.05, threads=1):
    """Seconds per training step (forward, backward, optimiser update) of an MLP, per activation.

    Every network has the same ``sizes``, initial weights (same ``seed``),
    batch of standard-normal inputs and random labels; only the hidden
    activation differs. The step is :func:`vglib.train.make_step`, the hot
    loop of :func:`vglib.train.fit`.

    Returns
    -------
    dict of str to float
        Seconds per step, keyed by activation name.
    """
    from ..network import MLP
    from ..optim import get as get_optimizer
    from ..train import make_step

    sizes = [int(s) for s in sizes]
    rng = as_generator(seed)
    X = rng.standard_normal((int(batch_size), sizes[0])).astype(dtype)
    y = rng.integers(0, sizes[-1], size=int(batch_size))
    fns = {}
    for a in activations:
        net = MLP(sizes, activation=a, init="he_uniform", seed=seed, dtype=dtype)
        t = net.loss.targets(y, (X.shape[0], sizes[-1]), net.dtype)
        step = make_step(net, get_optimizer(optimizer))
        fns[net.activations[0].name] = lambda s=step, t=t: s(X, t)
    return best_times(fns, repeat=repeat, number=number, target=target, threads=threads)
