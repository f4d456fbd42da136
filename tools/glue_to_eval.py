"""Rewrite the chapters' glued numbers from ``{glue:text}`` to ``{eval}`glued(...)```.

JupyterLab (jupyterlab-myst) renders MyST but does not know myst-nb's glue
roles: ``{glue:text}`ch06_x:.2f``` shows as the text ``ch06_x:.2f``. It does
evaluate inline ``{eval}`` expressions in the kernel, and the book reads the
same form from the glue data (``tools/vg_site.py``), so each chapter says

    {eval}`glued("ch06_x", ".2f")`        (was {glue:text}`ch06_x:.2f`)
    {eval}`glued("ch06_n")`               (was {glue:text}`ch06_n`)

and imports ``glued`` with ``glue``: ``from myst_nb import glue`` becomes
``from vglib.book import glue, glued`` (``vglib.book.glue`` still calls
``myst_nb.glue``, so ``errata.md``'s cross-document ``{glue:text}`` keeps
working). Nothing else in a notebook changes: the JSON is written back as
nbformat writes it, and a notebook with nothing to convert is not touched.

    python tools/glue_to_eval.py            # every notebook in chapters/
    python tools/glue_to_eval.py --check    # exit 1 if any still needs it
    python tools/glue_to_eval.py chapters/06_dying_relu.ipynb

Anything the script does not know how to convert (another glue role, a glue
directive, a cross-document key in a chapter, a notebook without the import
line) stops it with the notebook and the text, before anything is written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TEXT_ROLE = re.compile(r"\{glue:text\}`([^`]*)`")
ANY_GLUE = re.compile(r"\{glue(:[a-z]*)?\}`|[`:]{3,}\s*\{glue")
KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
OLD_IMPORT = "from myst_nb import glue"
NEW_IMPORT = "from vglib.book import glue, glued"


class Unconvertible(ValueError):
    pass


def eval_form(text: str) -> str:
    """``ch06_x:.2f`` -> ``{eval}`glued("ch06_x", ".2f")```."""
    key, _, spec = text.partition(":")
    if not KEY.fullmatch(key) or '"' in spec or "\\" in spec:
        raise Unconvertible(f"{{glue:text}}`{text}`: not a plain key[:spec]")
    args = f'"{key}", "{spec}"' if spec else f'"{key}"'
    return f"{{eval}}`glued({args})`"


def _source(cell) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def _set_source(cell, text: str) -> None:
    # nbformat stores a cell's source as a list of lines, each keeping its "\n".
    cell["source"] = text.splitlines(keepends=True) if isinstance(cell["source"], list) else text


def convert(nb: dict, name: str = "notebook") -> int:
    """Convert one notebook (a JSON dict) in place; return how many lines or references changed."""
    changed = 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        new, n = TEXT_ROLE.subn(lambda m: eval_form(m.group(1)), _source(cell))
        rest = ANY_GLUE.search(new)
        if rest:
            line = new[max(0, rest.start() - 40): rest.end() + 40].replace("\n", " ")
            raise Unconvertible(f"{name}: a glue role or directive this script does not convert: ...{line}...")
        if n:
            _set_source(cell, new)
            changed += n
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    old = re.compile(rf"^{re.escape(OLD_IMPORT)}$", re.M)
    imports = [c for c in code if old.search(_source(c))]
    has_new = any(re.search(rf"^{re.escape(NEW_IMPORT)}$", _source(c), re.M) for c in code)
    if changed and not has_new and len(imports) != 1:
        raise Unconvertible(f"{name}: expected one line '{OLD_IMPORT}' to replace, found {len(imports)}")
    for cell in imports:
        _set_source(cell, old.sub(NEW_IMPORT, _source(cell)))
        changed += 1
    return changed


def dumps(nb: dict) -> str:
    """The JSON text nbformat.write produces (indent 1, sorted keys, UTF-8, final newline)."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook needs converting")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "chapters").glob("*.ipynb"))
    results = []
    for path in paths:  # convert everything in memory first: all or nothing
        text = path.read_text(encoding="utf-8")
        nb = json.loads(text)
        if dumps(nb) != text:
            raise SystemExit(f"{path}: not in nbformat's layout (indent 1, sorted keys); "
                             "rewrite it with nbformat first so that this diff shows only the conversion")
        try:
            n = convert(nb, str(path))
        except Unconvertible as exc:
            raise SystemExit(str(exc))
        results.append((path, n, nb))
    todo = [(p, n, nb) for p, n, nb in results if n]
    if not args.check:
        for path, _, nb in todo:
            path.write_text(dumps(nb), encoding="utf-8")
    verb = "need converting" if args.check else "converted"
    print(f"{len(todo)} of {len(paths)} notebooks {verb}"
          + "".join(f"\n  {p} ({n} changes)" for p, n, _ in todo))
    return 1 if (args.check and todo) else 0


if __name__ == "__main__":
    sys.exit(main())
