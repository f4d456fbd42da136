"""The shape of vglib: private members stay private, and the layers import only downwards.

Layers, from the bottom: the core (activations, init, losses, normalization,
network, optim, diagnostics, train, recurrent, data, theory, gradcheck); then
``vglib.studies`` (chapter studies, which may import anything in the core);
then the book's edge (``vglib.book``, ``style``, ``plotting``, ``explorer``),
which nothing in the core or the studies imports.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "vglib"
FILES = sorted(ROOT.rglob("*.py"))
EDGE = {"book", "style", "plotting", "explorer"}


def _module(path):
    return ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)


def private_accesses(source, filename="<src>"):
    """``(line, text)`` of every ``obj._name`` with ``obj`` not ``self``/``cls``, and every
    ``from public_module import _name``."""
    out = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.endswith("__"):
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            if isinstance(owner, ast.Call) and getattr(owner.func, "id", None) == "super":
                continue
            if isinstance(owner, ast.Name) and owner.id.startswith("_"):
                continue  # a private helper module of the package (``_checks``, ``_base``) used by name
            out.append((node.lineno, ast.unparse(node)))
        if isinstance(node, ast.ImportFrom) and node.module:
            last = node.module.split(".")[-1]
            for alias in node.names:
                if alias.name.startswith("_") and not last.startswith("_"):
                    out.append((node.lineno, f"from {'.' * node.level}{node.module} import {alias.name}"))
    return out


def imports_of(path):
    """Absolute names of the vglib modules that ``path`` imports."""
    mod = _module(path).split(".")
    package = mod if path.name == "__init__.py" else mod[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = base + (node.module.split(".") if node.module else [])
            for alias in node.names:
                names.add(".".join(target + [alias.name]))
                names.add(".".join(target))
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return {n for n in names if n.startswith("vglib")}


def test_the_private_access_check_can_fail():
    assert private_accesses("net._input(X)\nself._w = 1\nsuper()._f()\n_checks.real(1)\n") == [
        (1, "net._input")]
    assert private_accesses("from .recurrent import _Recurrent\nfrom ._base import _out\n") == [
        (1, "from .recurrent import _Recurrent")]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_access_across_modules(path):
    assert private_accesses(path.read_text(), str(path)) == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_layers_import_only_downwards(path):
    mod = _module(path)
    parts = mod.split(".")
    used = imports_of(path)
    in_edge = len(parts) > 1 and parts[1] in EDGE
    if not in_edge:
        edge = sorted(n for n in used if len(n.split(".")) > 1 and n.split(".")[1] in EDGE)
        assert edge == [], f"{mod} imports the book's edge: {edge}"
    if not in_edge and parts[1:2] != ["studies"]:
        studies = sorted(n for n in used if n.startswith("vglib.studies"))
        assert studies == [], f"core module {mod} imports a study: {studies}"
