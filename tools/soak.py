"""Soak test: every notebook three times in a row, on a busy machine, as other machines would run it.

    python tools/soak.py            (or: make soak)

What it does, in this order, while one CPU-bound process per core keeps the
machine busy (started here, and stopped here whatever happens):

1. the unit tests, ``pytest tests -n 2`` (warnings are errors, as in ``make unit``);
2. every notebook under nbmake, three runs:

   * run 1: as ``make notebooks`` runs them (one BLAS thread);
   * run 2: ``OPENBLAS_NUM_THREADS=2``: BLAS splits its sums between two
     threads, so they are added in another order;
   * run 3: as on an older processor: OpenBLAS's kernels for an older core
     (``OPENBLAS_CORETYPE``) and NumPy's ufunc loops without the newest SIMD
     instructions (``NPY_DISABLE_CPU_FEATURES``), so sums, exponentials and
     matrix products round differently, as they would on another CPU. Where
     this machine offers nothing newer than the baseline, run 3 repeats run 1.

A check that passes all three only by luck of rounding or of timing shows up
here. It exits non-zero if any run fails, and prints the time of each run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

# Newest x86 features first: disabling these makes NumPy fall back to AVX2 loops.
AVX512 = ["AVX512F", "AVX512CD", "AVX512_KNL", "AVX512_KNM", "AVX512_SKX", "AVX512_CLX",
          "AVX512_CNL", "AVX512_ICL", "AVX512_SPR"]


def _cpu_flags():
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def older_cpu_env():
    """Environment that makes OpenBLAS and NumPy compute as an older x86 core would (or {})."""
    import numpy as np  # noqa: F401  (only to read which features this NumPy found)
    from numpy._core._multiarray_umath import __cpu_features__ as found

    flags = _cpu_flags()
    if "avx512f" in flags:
        disable = [f for f in AVX512 if found.get(f)]
        return {"OPENBLAS_CORETYPE": "Haswell", "NPY_DISABLE_CPU_FEATURES": " ".join(disable)}
    if "avx2" in flags:
        disable = [f for f in ("AVX2", "FMA3", "AVX512F") if found.get(f)]
        return {"OPENBLAS_CORETYPE": "Sandybridge", "NPY_DISABLE_CPU_FEATURES": " ".join(disable)}
    return {}


def busy(n):
    """Start ``n`` CPU-bound processes (one per core)."""
    return [subprocess.Popen([PY, "-c", "while True: pass"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL) for _ in range(n)]


def run(label, cmd, extra_env):
    env = dict(os.environ, **extra_env)
    shown = " ".join(f"{k}={v!r}" for k, v in extra_env.items())
    print(f"\n=== {label}: {shown} {' '.join(cmd[2:])}", flush=True)
    t0 = time.monotonic()
    rc = subprocess.call(cmd, cwd=ROOT, env=env)
    dt = time.monotonic() - t0
    print(f"=== {label}: {'passed' if rc == 0 else f'FAILED (exit {rc})'} in {dt:.0f} s", flush=True)
    return rc, dt


def main():
    base = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    notebook_env = dict(base, PYTHONWARNINGS="error::RuntimeWarning")
    nb = [PY, "-m", "pytest", "--nbmake", "chapters", "-n", "2", "-p", "no:cacheprovider", "-q"]
    older = older_cpu_env()
    plan = [
        ("unit tests", [PY, "-m", "pytest", "tests", "-n", "2", "--ignore=tests/browser",
                        "-p", "no:cacheprovider", "-q"], base),
        ("notebooks, run 1 of 3", nb, notebook_env),
        ("notebooks, run 2 of 3", nb, dict(notebook_env, OPENBLAS_NUM_THREADS="2")),
        ("notebooks, run 3 of 3", nb, dict(notebook_env, **older)),
    ]
    cores = os.cpu_count() or 2
    print(f"soak: {cores} busy process(es), one per core; run 3 as an older CPU: {older or 'not available here'}")
    hogs = busy(cores)
    results = []
    try:
        for label, cmd, env in plan:
            results.append((label, *run(label, cmd, env)))
    finally:
        for p in hogs:
            p.kill()
        for p in hogs:
            p.wait()
    print("\nsoak summary (machine kept busy throughout):")
    for label, rc, dt in results:
        print(f"  {label:<24s} {'passed' if rc == 0 else 'FAILED'}  {dt:6.0f} s")
    return 0 if all(rc == 0 for _, rc, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
