"""The student edition (tools/student.py): solutions out, stubs checked, a zip.

Fast: notebooks are read and written, never run. One test per form in which
the chapters write a solution, the failures the tool must report, the stub
checks, and the real chapters of ``_toc.yml`` read back (no line of a
solution left, valid nbformat, every stub still there).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import math
import re
import sys
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("student", ROOT / "tools" / "student.py")
student = importlib.util.module_from_spec(_spec)
sys.modules["student"] = student  # dataclasses look their module up there
_spec.loader.exec_module(student)

START = "```{solution-start} ex-%s\n:class: dropdown\n```"
END = "```{solution-end}\n```"


def exercise(n, text="Compute the thing."):
    return f":::{{exercise}} Exercise {n}\n:label: ex-{n}\n\n{text}\n:::"


def notebook(*cells, outputs=False):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for kind, text in cells:
        cell = (nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell)(text)
        if outputs and kind == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="SECRET OUTPUT 42\n")]
            cell.execution_count = 3
        nb.cells.append(cell)
    return nb


def text_of(nb):
    return "\n".join(c.source for c in nb.cells)


def strip(nb):
    out, report = student.strip_solutions(nb, "test.ipynb")
    nbformat.validate(out)
    return out, report


STUB = 'def f(x):\n    return None  # your code here\n\n\nprint("not yet" if f(2) is None else f(2))'


# --- every form of solution that the chapters use --------------------------

def test_start_alone_code_then_text_with_end():
    # chapter 1: start alone, a code cell, then prose ending in solution-end
    nb = notebook(("md", exercise(1)), ("code", STUB), ("md", START % 1),
                  ("code", "def f(x):\n    return 2 * x  # the reference answer"),
                  ("md", "The answer doubles its input, as the reasoning shows.\n" + END),
                  ("md", "## Summary\n\nAll done."))
    out, report = strip(nb)
    assert [c.cell_type for c in out.cells] == ["markdown", "code", "markdown"]
    assert "the reference answer" not in text_of(out)
    assert "doubles its input" not in text_of(out)
    assert "## Summary" in out.cells[-1].source
    assert report.solutions == ["ex-1"] and report.exercises == ["ex-1"]
    assert report.removed_cells == 3


def test_start_with_text_in_the_same_cell_and_end_alone():
    # chapters 3, 5-8, 10, 11: the start fence and the solution's first words share a cell
    nb = notebook(("md", exercise(1)), ("md", (START % 1) + "\nA uniform weight has variance a squared over three."),
                  ("code", "x = 1  # solution code"), ("md", END))
    out, report = strip(nb)
    assert len(out.cells) == 1 and out.cells[0].source == exercise(1)
    assert "uniform weight" not in text_of(out)


def test_end_then_summary_in_one_cell():
    # chapter 2: a cell opens with solution-end and goes on with the summary
    nb = notebook(("md", exercise(3)), ("md", (START % 3) + "\nSymmetry follows from the definition."),
                  ("code", "assert True  # hidden check"), ("md", END + "\n\n## Summary\n\n- point one"))
    out, _ = strip(nb)
    assert out.cells[-1].source == "## Summary\n\n- point one"
    assert "Symmetry follows" not in text_of(out)


def test_end_exercise_and_start_in_one_cell():
    # chapter 4: solution-end, the next exercise, and the next solution's start and text
    nb = notebook(
        ("md", exercise(1)), ("code", STUB), ("md", (START % 1) + "\nFirst solution prose here."),
        ("code", "first_secret = 1"),
        ("md", END + "\n\n" + exercise(2, "How wide is wide?") + "\n\n" + (START % 2)
         + "\nThe theory predicts a mean square only."),
        ("code", "second_secret = 2"),
        ("md", END + "\n\n## Summary\n\n- widths"))
    out, report = strip(nb)
    text = text_of(out)
    assert "How wide is wide?" in text and "## Summary" in text
    for gone in ("First solution prose", "first_secret", "mean square only", "second_secret", "solution-"):
        assert gone not in text
    assert report.solutions == ["ex-1", "ex-2"] and report.exercises == ["ex-1", "ex-2"]
    assert report.trimmed_cells == 2


def test_whole_solution_inside_one_cell_between_exercises():
    # chapter 9: end, exercise 3, its whole solution, exercise 4, its whole solution, summary
    cell = "\n\n".join([END, exercise(3, "Why does clipping not help?"),
                        (START % 3) + "\nClipping only ever shrinks vectors.\n" + END,
                        exercise(4, "The GRU's step Jacobian?"),
                        (START % 4) + "\nWith u = 1 the Jacobian is the identity.\n" + END,
                        "## Summary\n\n- recurrent"])
    nb = notebook(("md", exercise(2)), ("md", (START % 2) + "\nCompute all four blocks."), ("md", cell))
    out, report = strip(nb)
    text = text_of(out)
    assert "Why does clipping not help?" in text and "The GRU's step Jacobian?" in text
    assert "shrinks vectors" not in text and "identity" not in text and "four blocks" not in text
    assert text.count("## Summary") == 1
    assert report.solutions == ["ex-2", "ex-3", "ex-4"]


def test_exercise_after_other_prose_in_one_cell():
    # chapter 4b: a check paragraph, then "## Exercises" and the exercise
    nb = notebook(("md", "**Check: saturation stays.** Some prose.\n\n## Exercises\n\n" + exercise(1)),
                  ("code", STUB), ("md", (START % 1) + "\nAn SGD step is proportional to the gradient."),
                  ("md", END))
    out, report = strip(nb)
    assert out.cells[0].source.startswith("**Check: saturation stays.**")
    assert report.exercises == ["ex-1"]
    assert "proportional" not in text_of(out)


def test_plain_solution_directive_and_colon_fences():
    # not used by the chapters today, but sphinx-exercise's other forms
    nb = notebook(("md", exercise(1) + "\n\n::::{solution} ex-1\n:class: dropdown\n\nPlain solution text.\n"
                   "```python\nx = 1\n```\n::::\n\nAfter it."),
                  ("md", exercise(2)), ("md", ":::{solution-start} ex-2\n:::\nColon-fenced solution."),
                  ("code", "y = 2"), ("md", ":::{solution-end}\n:::\nKept after the end."))
    out, report = strip(nb)
    text = text_of(out)
    assert "Plain solution text" not in text and "x = 1" not in text and "Colon-fenced" not in text
    assert "After it." in text and "Kept after the end." in text
    assert report.solutions == ["ex-1", "ex-2"]


# --- what must fail loudly ----------------------------------------------------

@pytest.mark.parametrize("cells, message", [
    ([("md", exercise(1)), ("md", START % 1), ("code", "x = 1")], "ex-1 (cell 1) has no matching solution-end"),
    ([("md", exercise(1)), ("md", END)], "solution-end without a solution-start"),
    ([("md", START % 1), ("md", START % 2), ("md", END)], "solution-start ex-2 inside the solution ex-1"),
    ([("md", "```{solution-start} ex-1\n:class: dropdown\nno closing fence")], "is never closed"),
])
def test_unmatched_directives_stop_the_tool(cells, message):
    with pytest.raises(student.SolutionError, match=re.escape(message)):
        student.strip_solutions(notebook(*cells), "bad.ipynb")


def test_build_writes_nothing_when_a_chapter_is_broken(tmp_path):
    (tmp_path / "chapters").mkdir()
    nbformat.write(notebook(("md", exercise(1)), ("md", START % 1)), tmp_path / "chapters" / "a.ipynb")
    (tmp_path / "toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: chapters/a\n")
    with pytest.raises(student.SolutionError, match="a.ipynb: solution-start ex-1"):
        student.build(tmp_path / "out", tmp_path / "toc.yml", root=tmp_path)
    assert not (tmp_path / "out").exists()
    assert student.main(["--toc", str(tmp_path / "toc.yml"), "--out", str(tmp_path / "out")]) == 1


def test_outputs_and_widget_state_are_cleared():
    nb = notebook(("code", "print(42)"), ("md", exercise(1)), ("md", START % 1), ("code", "print('s')"),
                  ("md", END), outputs=True)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"SECRET": 1}}}
    nb.cells[0].metadata["execution"] = {"iopub.status.busy": "2024"}
    out, _ = strip(nb)
    dumped = json.dumps(out)
    assert "SECRET" not in dumped and "execution" not in out.cells[0].metadata
    assert all(c.outputs == [] and c.execution_count is None for c in out.cells if c.cell_type == "code")


# --- what the tool reads back ------------------------------------------------

def test_problems_names_and_numbers_only_a_solution_makes():
    nb = notebook(("md", exercise(1)), ("code", STUB), ("md", START % 1),
                  ("code", "table = [1, 2]\nglue('ch99_n', 3)"), ("md", END),
                  ("md", "The solution used {eval}`glued(\"ch99_n\")` seeds."),
                  ("code", "print(len(table))"),
                  ("md", "```{solution-start} ex-9\n```\nno exercise\n" + END))
    stud, report = student.strip_solutions(nb, "t.ipynb")
    errors, warnings = student.problems(nb, stud, report)
    assert any("uses 'table'" in e for e in errors), errors
    assert any("'ch99_n'" in w for w in warnings), warnings
    assert any("'ex-9' has no exercise" in w for w in warnings), warnings


def test_problems_accept_a_name_the_kept_code_defines_again():
    nb = notebook(("md", exercise(1)), ("md", START % 1), ("code", "table = [1]\nglue(f'ch99_{1}', 1)"),
                  ("md", END), ("code", "table = [2]\nglue('ch99_1', 2)\nprint(table)"),
                  ("md", "{eval}`glued(\"ch99_1\")`"))
    stud, report = student.strip_solutions(nb, "t.ipynb")
    assert student.problems(nb, stud, report) == ([], [])


# --- the stubs' checks ---------------------------------------------------------

@pytest.mark.parametrize("source, expected, checked", [
    (STUB, 'def f(x):\n    return None  # your code here\n\n\ncheck_answer(\'f(2)\')', ["f(2)"]),
    ('x = None  # your code here\nprint(x if x is not None else "not yet")',
     "x = None  # your code here\ncheck_answer('x')", ["x"]),
    ('print("not yet" if g(np.ones((2, 2)),\n                 3) is None else "done")',
     "check_answer('g(np.ones((2, 2)), 3)')", ["g(np.ones((2, 2)), 3)"]),
    ('def d(h):\n    return None\n\n\nif d(0.5) is None:\n    print("not yet: fill in d")\n'
     'else:\n    out = train(delta=d)\n    print(out)',
     "def d(h):\n    return None\n\n\nif check_answer('d(0.5)'):\n    out = train(delta=d)\n    print(out)",
     ["d(0.5)"]),
    ('if d(0.5) is None:\n    print("Not yet")', "check_answer('d(0.5)')", ["d(0.5)"]),
    # not a stub's line: unchanged
    ('print(x if x is not None else "missing")', 'print(x if x is not None else "missing")', []),
    ('print(check_step(lstm_step))', 'print(check_step(lstm_step))', []),
    ('%pip install thing\nprint("not yet" if v is None else v)', "%pip install thing\ncheck_answer('v')", ["v"]),
])
def test_improve_stub(source, expected, checked):
    new, found = student.improve_stub(source)
    assert (new, found) == (expected, checked)


def _helper_namespace():
    ns = {}
    exec(compile(student.HELPER_SOURCE, "<helper>", "exec"), ns)
    return ns


def _said(ns, expression):
    """Call check_answer as a notebook cell does (it reads its caller's names)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(f"_result = check_answer({expression!r})", ns)
    return ns["_result"], out.getvalue()


@pytest.mark.parametrize("definition, expression, ok, says", [
    ("def f(x):\n    return None", "f(2)", False, "✗ not yet: f(2) is None"),
    ("def f(x):\n    return 1 / (x - 2)", "f(2)", False, "✗ f(2) raised ZeroDivisionError: division by zero"),
    ("def f(x):\n    return np.array([1.0, np.nan, np.inf])", "f(2)", False, "has 2 NaN or infinite value(s)"),
    ("def f(x):\n    return (np.zeros(2), [float('nan')])", "f(2)", False, "has 1 NaN or infinite"),
    ("def f(x):\n    return 2.5 * x", "f(2)", True, "✓ f(2) runs: 5.0"),
    ("def f(x):\n    return np.ones((3, 4))", "f(2)", True, "array of shape (3, 4)"),
    ("def f(x):\n    return 'done'", "f(2)", True, "runs: 'done'"),
])
def test_check_answer_says_what_is_wrong(definition, expression, ok, says):
    ns = _helper_namespace()
    ns["np"] = np
    exec(definition, ns)
    result, text = _said(ns, expression)
    assert bool(result) is ok and says in text, text


def test_check_answer_shows_the_line_that_failed():
    ns = _helper_namespace()
    exec(compile("def f(x):\n    y = x + 1\n    return y['a']\n", "<cell-7>", "exec"), ns)
    _, text = _said(ns, "f(1)")
    assert "TypeError" in text and "in line 3" in text


def test_helper_cell_is_added_once_before_the_first_checked_stub():
    nb = notebook(("md", "# Title"), ("code", "import numpy as np"), ("md", exercise(1)), ("code", STUB),
                  ("md", exercise(2)), ("code", 'y = None  # your code here\nprint(y if y is not None else "not yet")'))
    report = student.Report("t")
    student.improve_stubs(nb, report)
    helpers = [i for i, c in enumerate(nb.cells) if "def check_answer" in c.source]
    assert helpers == [3] and nb.cells[3].metadata["jupyter"]["source_hidden"] is True
    assert report.checked == ["f(2)", "y"]
    assert len({c.id for c in nb.cells}) == len(nb.cells)
    nbformat.validate(nb)
    # the stubs run with the helper: None says "not yet" and nothing raises
    ns = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for c in nb.cells:
            if c.cell_type == "code":
                exec(c.source, ns)
    assert out.getvalue().count("✗ not yet") == 2


def test_helper_cell_lines_fit_in_79_characters():
    assert max(len(line) for line in student.HELPER_SOURCE.splitlines()) <= 79


# --- the real chapters -----------------------------------------------------------

CHAPTERS = student.toc_notebooks()


def _solution_parts(path):
    """Solution text, found independently of the tool: the raw cells between
    a line with {solution-start} and the next line with {solution-end}."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    inside, parts, outside = False, [], []
    for cell in raw["cells"]:
        source = "".join(cell["source"])
        for line in source.split("\n"):
            if "{solution-start}" in line:
                inside = True
            elif "{solution-end}" in line:
                inside = False
            elif inside and not line.lstrip().startswith(("```", ":class:")):
                parts.append(line.strip())
            else:
                outside.append(line.strip())
    return parts, set(outside)


def test_the_toc_lists_the_chapter_notebooks():
    names = [p.name for p in CHAPTERS]
    assert names and names[0].startswith("01_") and all(p.suffix == ".ipynb" for p in CHAPTERS)
    assert len(names) == len(set(names))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_student_edition(path):
    original = nbformat.read(path, as_version=4)
    stud, report, (errors, _warnings) = student.student_notebook(path)
    assert not errors, errors
    nbformat.validate(stud)
    nbformat.validate(nbformat.reads(nbformat.writes(stud), as_version=4))
    text = text_of(stud)
    assert "solution-start" not in text and "solution-end" not in text
    parts, outside = _solution_parts(path)
    lines = {line.strip() for line in text.split("\n")}
    survived = [line for line in parts if len(line) >= 12 and line not in outside and line in lines]
    assert not survived, f"solution lines left in the student edition: {survived[:3]}"
    # each exercise is still there, and so is each stub
    for label in report.exercises:
        assert f":label: {label}" in text
    stubs = [c.source for c in original.cells if c.cell_type == "code" and "your code" in c.source]
    for s in stubs:
        assert s.split("\n")[0] in text
    assert len(report.checked) + len(report.own_checks) >= min(1, len(stubs))
    assert all(not c.get("outputs") for c in stud.cells if c.cell_type == "code")


def test_build_the_edition_and_its_zip(tmp_path):
    reports, _ = student.build(tmp_path, ROOT / "_toc.yml")
    folder = tmp_path / student.NAME
    assert sorted(p.name for p in (folder / "chapters").iterdir()) == sorted(p.name for p in CHAPTERS)
    assert sum(len(r.solutions) for r in reports) > 0
    target = tmp_path / f"{student.NAME}.zip"
    with zipfile.ZipFile(target) as z:
        names = z.namelist()
        assert z.testzip() is None
        for needed in ("README.md", "pyproject.toml", "requirements.txt", "vglib/__init__.py",
                       "vglib/book/__init__.py", f"chapters/{CHAPTERS[0].name}"):
            assert f"{student.NAME}/{needed}" in names, needed
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
        nb = nbformat.reads(z.read(f"{student.NAME}/chapters/{CHAPTERS[0].name}").decode(), as_version=4)
        nbformat.validate(nb)
    # the same input gives the same zip, byte for byte
    first = target.read_bytes()
    student.build(tmp_path, ROOT / "_toc.yml")
    assert target.read_bytes() == first
    assert math.isclose(len(first), target.stat().st_size)


# --- the printable PDF (tools/pdf.py) ----------------------------------------------
# Its pure parts, and one print of a tiny two-page site in Chromium (skipped
# where there is no Chromium). The book's own PDF: `make pdf` after `make book`.

_pdf_spec = importlib.util.spec_from_file_location("vg_pdf", ROOT / "tools" / "pdf.py")
pdf = importlib.util.module_from_spec(_pdf_spec)
sys.modules["vg_pdf"] = pdf
_pdf_spec.loader.exec_module(pdf)

PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")


def _site(tmp_path, broken_image=False):
    site = tmp_path / "site"
    (site / "chapters").mkdir(parents=True)
    (site / "index.html").write_text('<meta http-equiv="refresh" content="0; url=intro.html">')
    img = "missing.png" if broken_image else f"data:image/png;base64,{PNG}"

    def page(title, body, next_href=None):
        nxt = f'<a class="right-next" href="{next_href}">next</a>' if next_href else ""
        return (f'<html data-theme="light"><head><title>{title}</title></head><body>'
                f'<article class="bd-article"><h1>{title}</h1>{body}</article>{nxt}</body></html>')

    (site / "intro.html").write_text(page("The course", "<p>Welcome.</p>", "chapters/a.html"))
    (site / "chapters" / "a.html").write_text(page(
        "1. First", f'<p>See <a href="b.html#deep">the second</a>.</p><img src="{img}">'
        '<div class="cell tag_hide-input"><details class="hide above-input"><summary>Show</summary>'
        '<pre>PLUMBING</pre></details></div>'
        '<div class="solution dropdown admonition"><p>SOLUTION TEXT</p></div>', "b.html"))
    (site / "chapters" / "b.html").write_text(page("2. Second", '<h2 id="deep">Deep</h2><p>The end.</p>'))
    return site


def test_pdf_pages_follow_the_next_links(tmp_path):
    site = _site(tmp_path)
    assert [p.relative_to(site).as_posix() for p in pdf.book_pages(site)] == [
        "intro.html", "chapters/a.html", "chapters/b.html"]
    (site / "chapters" / "b.html").write_text('<a class="right-next" href="a.html">loop</a>')
    assert len(pdf.book_pages(site)) == 3  # a loop ends the walk
    with pytest.raises(pdf.PrintError, match="make book"):
        pdf.book_pages(tmp_path / "nothing")


def test_pdf_style_urls_become_absolute():
    css = "@font-face { src: url('fonts/a.woff') } .x { background: url(data:image/png;base64,AA) }"
    fixed = pdf._absolute_urls(css, "file:///site/chapters/a.html")
    assert "url('file:///site/chapters/fonts/a.woff')" in fixed and "url(data:image/png;base64,AA)" in fixed


def test_pdf_counts_sheets():
    assert pdf.count_sheets(b"<</Type /Pages\n/Count 12\n/Kids [1 0 R]>>") == 12
    assert pdf.count_sheets(b"nothing") == 0


@pytest.mark.skipif(not Path(pdf.CHROMIUM).is_file(), reason="no Chromium at /usr/bin/chromium")
@pytest.mark.parametrize("solutions", [True, False])
def test_pdf_of_a_small_site(tmp_path, solutions):
    site = _site(tmp_path)
    out = tmp_path / "out" / "book.pdf"
    info = pdf.print_site(site, out, solutions=solutions, keep_html=True, log=lambda *a: None)
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and info["sheets"] >= 4  # cover + three pages
    assert b"/Outlines" in data and b"/Dest /p2-deep" in data  # bookmarks; a link inside the PDF
    combined = out.with_suffix(".print.html").read_text()
    assert "PLUMBING" not in combined  # hidden code is left out
    assert ("SOLUTION TEXT" in combined) is solutions
    assert 'id="p2-deep"' in combined and 'href="#p2-deep"' in combined


@pytest.mark.skipif(not Path(pdf.CHROMIUM).is_file(), reason="no Chromium at /usr/bin/chromium")
def test_pdf_stops_on_an_image_that_does_not_load(tmp_path):
    with pytest.raises(pdf.PrintError, match="chapters/a.html: 1 images did not load"):
        pdf.print_site(_site(tmp_path, broken_image=True), tmp_path / "b.pdf", log=lambda *a: None)
    assert not (tmp_path / "b.pdf").exists() and not (tmp_path / "b.print.html").exists()
