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


# Under Pyodide (the JupyterLite edition) time.process_time never advances:
# the default clock must then be wall-clock time, or calibration never ends.

def _stuck_process_time(monkeypatch):
    from vglib.studies import timing

    monkeypatch.setattr(timing, "_PROCESS_TIME_ADVANCES", None)
    monkeypatch.setattr(timing.time, "process_time", lambda: 12.5)
    return timing


def test_default_timer_is_cpu_time_where_it_advances(monkeypatch):
    import sys
    import time

    from vglib.studies import timing

    monkeypatch.setattr(timing, "_PROCESS_TIME_ADVANCES", None)
    if sys.platform == "emscripten":  # Pyodide: the CPU time never moves
        assert timing.default_timer() is time.perf_counter
    else:
        assert timing.default_timer() is time.process_time


def test_default_timer_falls_back_to_perf_counter(monkeypatch):
    import time

    perf_counter = time.perf_counter
    timing = _stuck_process_time(monkeypatch)
    assert timing.default_timer() is perf_counter
    assert timing._PROCESS_TIME_ADVANCES is False  # checked once, then kept


def test_best_times_calibrates_when_process_time_is_stuck(monkeypatch):
    timing = _stuck_process_time(monkeypatch)
    calls = [0]

    def fn():
        calls[0] += 1
        if calls[0] > 200_000:
            raise RuntimeError("calibration does not stop: the clock is stuck")
        sum(range(200))

    t = timing.best_times({"f": fn}, repeat=2, target=0.002, threads=None)
    assert 0 < t["f"] < 0.01
    assert calls[0] < 200_000
