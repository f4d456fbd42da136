"""vglib.studies.timing: structure and bookkeeping only (no assertion on how fast anything is)."""

import numpy as np
import pytest

from vglib.studies.timing import activation_times, best_times, step_times


def test_best_times_calls_every_candidate_and_returns_positive_seconds():
    calls = {"a": 0, "b": 0}

    def make(k):
        def fn():
            calls[k] += 1
        return fn

    t = best_times({"a": make("a"), "b": make("b")}, repeat=3, number=5, threads=None)
    assert set(t) == {"a", "b"}
    assert all(v > 0 and np.isfinite(v) for v in t.values())
    assert calls == {"a": 1 + 3 * 5, "b": 1 + 3 * 5}  # one warm-up call, then repeat × number


def test_best_times_is_the_minimum_over_rounds():
    # A fake clock that only the candidates move: each call takes the next
    # scripted duration. Per round (two calls each) the mean times of one call
    # are f: 5, 1, 3 and g: 2, 6, 4. f's minimum is neither its first, last,
    # largest nor average round, nor a round's total (2); g's differs from f's.
    now = [0.0]
    durations = {"f": iter([9.0] + [4.0, 6.0, 1.0, 1.0, 2.0, 4.0]),  # warm-up, then 3 rounds × 2 calls
                 "g": iter([9.0] + [2.0, 2.0, 5.0, 7.0, 4.0, 4.0])}

    def make(key):
        def fn():
            now[0] += next(durations[key])
        return fn

    t = best_times({"f": make("f"), "g": make("g")}, repeat=3, number=2, threads=None, timer=lambda: now[0])
    assert t == {"f": 1.0, "g": 2.0}
    assert all(next(d, None) is None for d in durations.values())  # every scripted call was made


def test_best_times_calibrates_and_limits_threads():
    t = best_times({"sum": lambda: np.ones(100).sum()}, repeat=2, target=0.001, threads=1)
    assert 0 < t["sum"] < 0.01


@pytest.mark.parametrize("kwargs, match", [
    ({"fns": {}}, "at least one"),
    ({"fns": {"x": 3}}, "not callable"),
    ({"fns": {"x": lambda: None}, "repeat": 0}, "repeat"),
    ({"fns": {"x": lambda: None}, "number": 0}, "number"),
])
def test_best_times_rejects_bad_input(kwargs, match):
    fns = kwargs.pop("fns")
    with pytest.raises(ValueError, match=match):
        best_times(fns, **kwargs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_times_keys(dtype):
    t = activation_times(["relu", "elu", "softplus"], n=1000, dtype=dtype, repeat=2, number=2)
    assert sorted(t) == sorted((n, p) for n in ("relu", "elu", "softplus") for p in ("value", "grad"))
    assert all(v > 0 for v in t.values())


def test_activation_times_errors():
    with pytest.raises(ValueError, match="parts"):
        activation_times(["relu"], n=10, parts=("value", "hessian"))
    with pytest.raises(ValueError, match="n must be"):
        activation_times(["relu"], n=0)
    with pytest.raises(ValueError, match="unknown activation"):
        activation_times(["relux"], n=10)


def test_step_times_keys():
    t = step_times(["relu", "elu"], [8, 16, 3], batch_size=4, repeat=2, number=2)
    assert set(t) == {"relu", "elu"} and all(v > 0 for v in t.values())
