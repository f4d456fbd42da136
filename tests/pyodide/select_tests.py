"""Which unit tests run under Pyodide (tests/pyodide/run_tests.js).

Every ``tests/test_*.py`` runs but these, which test what a browser's
Python does not have (processes, signals, sockets, the book's tools) or
need packages the JupyterLite edition does not carry.
"""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

LEFT_OUT = {
    "test_architecture.py": "reads the repository's sources, not vglib's "
                            "behaviour",
    "test_book.py": "needs myst-nb (the book's toolchain)",
    "test_committed_notebooks.py": "reads notebooks, not vglib",
    "test_compare_executor.py": "process pools: no processes in a browser",
    "test_hostile_inputs.py": "signals, sockets and threads",
    "test_lite_build.py": "the build of the edition itself (host side)",
    "test_network_norm.py": "starts a Python subprocess",
    "test_site_numbers.py": "a Sphinx extension of the website",
    "test_student.py": "needs nbformat (the student edition's tool)",
    "test_torch_crosscheck.py": "needs PyTorch",
    "test_activations_torch.py": "needs PyTorch",
}


def default_args() -> list[str]:
    files = sorted(p for p in TESTS.glob("test_*.py")
                   if p.name not in LEFT_OUT)
    return ["-q", *(str(p.relative_to(TESTS.parent)) for p in files)]
