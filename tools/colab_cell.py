"""Give every chapter notebook a first cell that installs vglib on Colab.

    python tools/colab_cell.py            # insert or update the cell in chapters/*.ipynb
    python tools/colab_cell.py --check    # exit 1 if a notebook lacks it or has a stale one
    python tools/colab_cell.py chapters/05_relu.ipynb ...

Binder installs ``requirements.txt`` (and with it vglib); Colab does not, so
each chapter opens with::

    try:
        import vglib
    except ImportError:
        %pip install --quiet "vglib @ git+<repository url>@<branch>"

The URL comes from ``repository`` in ``_config.yml``. Where vglib is
installed (Binder, a local checkout, the book build, nbmake) the cell does
nothing. It is tagged ``remove-cell``, which myst-nb honours: the website
does not show it. Running the script again changes nothing unless the cell
is missing, moved or out of date; notebooks keep no outputs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
CELL_ID = "colab-install"
TAGS = ["remove-cell"]


def cell_source(config_path: Path = ROOT / "_config.yml") -> str:
    repo = yaml.safe_load(config_path.read_text(encoding="utf-8"))["repository"]
    url = repo["url"].rstrip("/")
    branch = repo.get("branch", "main")
    return (
        "# On Colab (which does not read requirements.txt), install the course's library.\n"
        "# Elsewhere vglib is already installed and this does nothing. Hidden on the website.\n"
        "try:\n"
        "    import vglib\n"
        "except ImportError:\n"
        f'    %pip install --quiet "vglib @ git+{url}.git@{branch}"'
    )


def _is_ours(cell) -> bool:
    return cell.get("id") == CELL_ID or (
        cell.cell_type == "code" and "import vglib\nexcept ImportError:" in cell.source and "%pip install" in cell.source
    )


def apply(nb, source: str) -> bool:
    """Make the first cell the install cell; return True if the notebook changed."""
    ours = [i for i, c in enumerate(nb.cells) if _is_ours(c)]
    if ours == [0]:
        cell = nb.cells[0]
        if (cell.source == source and cell.get("id") == CELL_ID and cell.metadata.get("tags") == TAGS
                and not cell.get("outputs") and cell.get("execution_count") is None):
            return False
    for i in reversed(ours):
        del nb.cells[i]
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(TAGS)})
    cell["id"] = CELL_ID
    nb.cells.insert(0, cell)
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--check", action="store_true", help="report, change nothing; exit 1 if any notebook needs the cell")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "chapters").glob("*.ipynb"))
    source = cell_source()
    stale = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if apply(nb, source):
            stale.append(path)
            if not args.check:
                nbformat.validate(nb)
                nbformat.write(nb, path)
    verb = "need" if args.check else "updated"
    print(f"{len(stale)} of {len(paths)} notebooks {verb} the Colab install cell" + "".join(f"\n  {p}" for p in stale))
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
