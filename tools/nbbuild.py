"""Write a notebook from a plain-text source: a tiny authoring helper.

A source file holds cells separated by lines ``# %% [markdown]`` or ``# %%``
(the "percent" format that Jupytext, VS Code and Spyder understand). In a
markdown cell every line starts with ``# `` (or is ``#`` alone).

    python tools/nbbuild.py chapters/src/01_x.py chapters/01_x.ipynb

The notebook is written without outputs, with the python3 kernelspec.
"""

import sys

import nbformat


def parse(text):
    cells, kind, lines = [], None, []

    def flush():
        if kind is None:
            return
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            body = "\n".join(l[2:] if l.startswith("# ") else l.lstrip("#") for l in body.split("\n"))
            cells.append(nbformat.v4.new_markdown_cell(body))
        elif body.strip():
            cells.append(nbformat.v4.new_code_cell(body))

    for line in text.split("\n"):
        if line.startswith("# %%"):
            flush()
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
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
    nbformat.write(nb, dst)


if __name__ == "__main__":
    main(*sys.argv[1:3])
