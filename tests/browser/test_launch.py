"""Launch buttons and the Colab install cell on every notebook page of the table of contents."""

from __future__ import annotations

import sys

import nbformat
import pytest

from .conftest import ROOT, source_of, toc_pages
from .test_links import _links

NOTEBOOKS = [p for p in toc_pages() if (s := source_of(p)) is not None and s.suffix == ".ipynb"]


@pytest.mark.parametrize("button", ["binder", "colab"])
def test_notebook_pages_have_launch_buttons(site, button):
    assert NOTEBOOKS, "no notebook in the table of contents"
    host = {"binder": "mybinder.org/v2/gh/", "colab": "colab.research.google.com/github/"}[button]
    missing = []
    for name in NOTEBOOKS:
        page = site / f"{name}.html"
        assert page.is_file(), f"{name} is in the table of contents but {page} was not built: run `make book`"
        hrefs = [url for tag, url in _links(page) if tag == "a"]
        if not any(host in h and h.endswith(f"{name}.ipynb") for h in hrefs):
            missing.append(name)
    assert not missing, f"no {button} launch button on: {missing}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_starts_with_colab_install_cell(name):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import colab_cell
    finally:
        sys.path.pop(0)
    nb = nbformat.read(source_of(name), as_version=4)
    changed = colab_cell.apply(nb, colab_cell.cell_source())
    assert not changed, (
        f"{name}.ipynb does not open with the current Colab install cell: run `python tools/colab_cell.py`")


def test_install_cell_is_hidden_on_the_site(site):
    pages = {n: site / f"{n}.html" for n in NOTEBOOKS if (site / f"{n}.html").is_file()}
    leaked = [n for n, page in pages.items()
              if "except ImportError:" in (text := page.read_text(encoding="utf-8")) and "%pip install" in text]
    assert not leaked, f"the Colab install cell shows on: {leaked}"
