"""vglib.book.runtime: what the runtime of a chapter can measure."""

import sys
import warnings

import numpy as np
import pytest

from vglib.book import runtime
from vglib.book.runtime import IN_BROWSER, fp_warnings_available


@pytest.fixture
def fresh_probe():
    fp_warnings_available.cache_clear()
    yield
    fp_warnings_available.cache_clear()


def test_native_numpy_warns_and_webassembly_does_not(fresh_probe):
    # Pyodide's NumPy (WebAssembly: no floating-point exception flags)
    # gives inf without a warning; every native build warns.
    assert IN_BROWSER == (sys.platform == "emscripten")
    assert fp_warnings_available() is (not IN_BROWSER)


def test_probe_leaves_filters_and_error_state_alone(fresh_probe):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # as `make notebooks`
        with np.errstate(over="ignore"):
            fp_warnings_available()
            assert np.geterr()["over"] == "ignore"
        with pytest.raises(RuntimeWarning, match="overflow"):
            if not fp_warnings_available():
                pytest.skip("this runtime raises no floating-point warnings")
            with np.errstate(over="warn"):
                np.exp(np.array([1000.0]))


def test_probe_says_false_when_overflow_is_silent(fresh_probe, monkeypatch):
    exp = np.exp

    def silent_exp(x):
        with np.errstate(over="ignore"):
            return exp(x)
    monkeypatch.setattr(runtime.np, "exp", silent_exp)
    assert fp_warnings_available() is False
