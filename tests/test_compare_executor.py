"""compare(executor=...): parallel runs give the serial results."""

import multiprocessing
import pickle
from concurrent.futures import (Future, ProcessPoolExecutor,
                                ThreadPoolExecutor)

import numpy as np
import pytest

from vglib.data import xor
from vglib.optim import Adam
from vglib.studies.compare import compare

ACTS = ["relu", "rrelu", "tanh"]          # rrelu: random slopes, seeded
SEEDS = [0, 3]
KW = {"hidden": [6, 6], "seeds": SEEDS, "steps": 12, "record_every": 4}


@pytest.fixture(scope="module")
def data():
    return xor(n=120, seed=0)


@pytest.fixture(scope="module")
def serial(data):
    return compare(ACTS, data, **KW)


def assert_same_history(a, b):
    """Equal records (all but the wall-clock time), to rounding."""
    assert a.step == b.step and a.stopped == b.stopped
    for key in ("loss", "train_acc", "test_acc", "batch_loss"):
        np.testing.assert_allclose(getattr(a, key), getattr(b, key),
                                   rtol=1e-12, atol=0, err_msg=key)
    assert sorted(a.layers) == sorted(b.layers)
    for key in a.layers:
        np.testing.assert_allclose(a.layer(key), b.layer(key), rtol=1e-12,
                                   atol=0, equal_nan=True, err_msg=key)


def assert_same_runs(runs, reference):
    assert list(runs) == list(reference)       # same keys, same order
    for key in reference:
        assert_same_history(runs[key], reference[key])


def test_serial_runs_differ_between_seeds(serial):
    """The comparison below could fail: seeds do change the runs."""
    assert list(serial) == [(a, s) for a in ACTS for s in SEEDS]
    assert serial[("rrelu", 0)].batch_loss != serial[("rrelu", 3)].batch_loss


def test_thread_pool_gives_the_serial_results(data, serial):
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = compare(ACTS, data, executor=pool, **KW)
    assert_same_runs(runs, serial)


def test_process_pool_gives_the_serial_results(data, serial):
    # spawn: the workers import vglib afresh, as on macOS and Windows
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        runs = compare(ACTS, data, executor=pool, **KW)
    assert_same_runs(runs, serial)


def test_a_history_survives_pickling(serial):
    h = serial[("tanh", 0)]
    assert_same_history(pickle.loads(pickle.dumps(h)), h)


def test_an_optimiser_object_is_fresh_for_every_run(data, serial):
    """Runs do not share an optimiser's state, serially or in processes."""
    used = Adam(lr=1e-3)
    used.update(np.zeros(3), np.ones(3))          # state from elsewhere
    here = compare(ACTS, data, optimizer=used, **KW)
    assert_same_runs(here, serial)
    assert used.t == 1                            # the caller's copy untouched
    with ProcessPoolExecutor(max_workers=2) as pool:
        there = compare(ACTS, data, optimizer=used, executor=pool, **KW)
    assert_same_runs(there, serial)


class NoFuture:
    """An executor whose submit runs nothing and returns no future."""

    def submit(self, fn, *args):
        return None


class Recording:
    """An executor that runs at once and records what it was given."""

    def __init__(self):
        self.calls = 0

    def submit(self, fn, *args):
        self.calls += 1
        f = Future()
        f.set_result(fn(*args))
        return f


@pytest.mark.parametrize("bad, match", [
    (object(), "executor must be a concurrent.futures.Executor"),
    ("processes", "submit"),
    (ThreadPoolExecutor, "not the class"),
    (NoFuture(), "must return a future"),
])
def test_a_bad_executor_is_named(data, bad, match):
    with pytest.raises(TypeError, match=match):
        compare(["relu"], data, executor=bad, **KW)


def test_any_object_with_submit_works(data, serial):
    ex = Recording()
    runs = compare(ACTS, data, executor=ex, **KW)
    assert ex.calls == len(ACTS) * len(SEEDS)
    assert_same_runs(runs, serial)


@pytest.mark.parametrize("use_pool", [False, True])
def test_a_failed_run_names_its_activation_and_seed(data, use_pool):
    kw = dict(KW, optimizer="adamx")            # fails inside fit
    with pytest.raises(ValueError, match="adamx") as info:
        if use_pool:
            with ThreadPoolExecutor(max_workers=2) as pool:
                compare(["tanh"], data, executor=pool, **kw)
        else:
            compare(["tanh"], data, **kw)
    assert "in compare's run of 'tanh' with seed 0" in info.value.__notes__


def test_a_divergence_comes_back_from_a_worker_process(data):
    """DivergenceError does not pickle; it must not break the pool."""
    kw = dict(KW, optimizer="sgd", lr=1e100)
    with pytest.raises(FloatingPointError, match="non-finite loss"):
        compare(["relu"], data, **kw)                 # serial: the error
    with ProcessPoolExecutor(max_workers=2) as pool:
        with pytest.raises(RuntimeError, match="DivergenceError") as info:
            compare(["relu"], data, executor=pool, **kw)
        assert "in compare's run of 'relu' with seed 0" in info.value.__notes__
        again = compare(["relu"], data, executor=pool, **KW)  # pool still up
    assert list(again) == [("relu", s) for s in SEEDS]
