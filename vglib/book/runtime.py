"""What the Python that runs a chapter can measure.

The chapters run natively (CPython with NumPy built for the machine) and in
the book's JupyterLite edition, where Python and NumPy are compiled to
WebAssembly (Pyodide). WebAssembly has no floating-point exception flags:
NumPy there returns the same ``inf`` and ``nan``, but never raises the
``RuntimeWarning`` ("overflow encountered in exp") it raises natively. A
chapter that checks such a warning asks :func:`fp_warnings_available`
first, and where it is ``False`` says that the warning is not measurable
in this runtime instead of failing.
"""

from __future__ import annotations

import functools
import sys
import warnings

import numpy as np

__all__ = ["IN_BROWSER", "fp_warnings_available"]

IN_BROWSER = sys.platform == "emscripten"  # Pyodide: no processes either


@functools.cache
def fp_warnings_available() -> bool:
    """Whether NumPy here warns of a floating-point overflow.

    Probes once (the answer is cached): ``np.exp(1000.0)`` in float64 under
    ``np.errstate(over="warn")``, with the warnings recorded, so that the
    probe neither raises under ``PYTHONWARNINGS=error::RuntimeWarning`` nor
    changes the caller's warning filters or error state. ``True``
    natively; ``False`` under Pyodide (NumPy compiled to WebAssembly).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn"):
            out = np.exp(np.array([1000.0]))
    if not np.isposinf(out[0]):
        raise AssertionError(f"exp(1000) should overflow to inf, got {out}")
    return any(issubclass(w.category, RuntimeWarning)
               and "overflow" in str(w.message) for w in caught)
