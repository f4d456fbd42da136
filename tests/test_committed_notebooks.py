"""The notebooks as committed: no outputs, and numbers in the form both readers understand.

Outputs are stripped on commit by the nbstripout git filter (``make hooks``,
see CONTRIBUTING.md); this test is the check that does not depend on a
contributor's git configuration.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
# What running a notebook in Jupyter adds, and nbstripout removes.
RUN_METADATA = ("user_expressions", "execution", "ExecuteTime", "scrolled", "collapsed")


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 12


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = _load(path)
    problems = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            if cell.get("outputs"):
                problems.append(f"cell {i}: {len(cell['outputs'])} outputs")
            if cell.get("execution_count") is not None:
                problems.append(f"cell {i}: execution_count {cell['execution_count']}")
        found = [k for k in RUN_METADATA if k in cell.get("metadata", {})]
        if found:
            problems.append(f"cell {i}: run metadata {found}")
    if "widgets" in nb.get("metadata", {}):
        problems.append("notebook metadata: saved widget state")
    assert not problems, (f"{path.name} was committed with outputs (run `make hooks` once, then "
                          f"`git add` strips them; or `.venv/bin/nbstripout --keep-id {path}`):\n  "
                          + "\n  ".join(problems))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_numbers_are_glued_in_the_eval_form(path):
    # JupyterLab shows {glue:text}`key` as raw text; {eval}`glued("key", "spec")` reads in both.
    nb = _load(path)
    markdown = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    raw = re.findall(r"\{glue[^}]*\}`[^`]*`", markdown)
    assert not raw, f"{path.name}: write {{eval}}`glued(\"key\", \"spec\")` (tools/glue_to_eval.py converts): {raw[:3]}"
    if "{eval}`glued(" in markdown:
        assert re.search(r"^from vglib\.book import glue, glued$", code, re.M), (
            f"{path.name}: uses {{eval}}`glued(...)` but does not import it: from vglib.book import glue, glued")
