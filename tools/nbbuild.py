"""Write a notebook from a plain-text source: a tiny authoring helper.

A source file holds cells separated by lines ``# %% [markdown]`` or ``# %%``
(the "percent" format that Jupytext, VS Code and Spyder understand). In a
markdown cell every line starts with ``# `` (or is ``#`` alone). Tags go in
brackets after ``# %%``: ``# %% [hide-input]`` hides a code cell's source on
the website (several: ``# %% [hide-input, remove-output]``).

    python tools/nbbuild.py chapters/src/01_x.py chapters/01_x.ipynb

The notebook is written without outputs, with the python3 kernelspec, and
with the hidden Colab install cell of ``tools/colab_cell.py`` first.
"""

import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import colab_cell  # noqa: E402  (a sibling script, not a package)


def parse(text):
    cells, kind, lines, tags = [], None, [], []

    def flush():
        if kind is None:
            return
        n_before = len(cells)
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            body = "\n".join(l[2:] if l.startswith("# ") else l.lstrip("#") for l in body.split("\n"))
            cells.append(nbformat.v4.new_markdown_cell(body))
        elif body.strip():
            cells.append(nbformat.v4.new_code_cell(body))
        if tags and len(cells) > n_before:
            cells[-1].metadata["tags"] = list(tags)

    for line in text.split("\n"):
        if line.startswith("# %%"):
            flush()
            inside = line[4:].strip()
            words = [w.strip() for w in inside.strip("[]").split(",") if w.strip()] if inside.startswith("[") else []
            kind = "markdown" if "markdown" in words else "code"
            tags = [w for w in words if w != "markdown"]
            lines = []
        elif kind is not None:
            lines.append(line)
    flush()
    return cells


def main(src, dst):
    nb = nbformat.v4.new_notebook()
    nb.cells = parse(open(src, encoding="utf-8").read())
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i:03d}"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    colab_cell.apply(nb, colab_cell.cell_source())
    nbformat.write(nb, dst)


if __name__ == "__main__":
    main(*sys.argv[1:3])
