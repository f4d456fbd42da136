"""Launch buttons and the Colab install cell on every notebook page of the
table of contents.

Each notebook page's launch menu (the rocket) offers Binder, Colab and "Run
in the browser (JupyterLite)": the page's notebook in the site's own
JupyterLite edition (``make lite``, in ``lite/`` of the site; added by
``tools/vg_site.py``). Its link is relative to the page, so the site works
under any prefix; when the site holds the edition, the link's target and
the notebook are in it. The menu opened at a phone's and a laptop's width
shows the three options inside the window and passes axe-core.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import nbformat
import pytest

from .conftest import ARTIFACTS, MATHS_READY_JS, ROOT, source_of, toc_pages
from .test_links import _links, _soup

NOTEBOOKS = [p for p in toc_pages() if (s := source_of(p)) is not None and s.suffix == ".ipynb"]
LITE_PAGE = "lite/notebooks/index.html"  # _config.yml: vg_jupyterlite


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


def _lite_links(page: Path) -> list:
    return [a for a in _soup(page).find_all("a", href=True)
            if LITE_PAGE in a["href"]]


def test_notebook_pages_offer_jupyterlite(site):
    """Every chapter page: one JupyterLite link, relative, to its notebook."""
    lite = site / "lite"
    edition = (lite / "jupyter-lite.json").is_file()
    problems, checked = [], 0
    for name in NOTEBOOKS:
        page = site / f"{name}.html"
        if not page.is_file():
            continue  # a one-page build; test_notebook_pages_have_... says
        checked += 1
        links = _lite_links(page)
        if len(links) != 1:
            problems.append(f"{name}: {len(links)} JupyterLite links")
            continue
        a = links[0]
        parts = urlsplit(a["href"])
        notebook = Path(name).name + ".ipynb"
        target = (page.parent / unquote(parts.path)).resolve()
        if parts.scheme or parts.netloc or parts.path.startswith("/"):
            problems.append(f"{name}: not relative: {a['href']}")
        elif target != (site / LITE_PAGE).resolve():
            problems.append(f"{name}: {a['href']} is not {LITE_PAGE}")
        if parse_qs(parts.query).get("path") != [notebook]:
            problems.append(f"{name}: {a['href']} does not open {notebook}")
        text = " ".join(a.get_text().split())
        if text != "Run in the browser (JupyterLite)":
            problems.append(f"{name}: the link reads {text!r}")
        title = a.get("title", "")
        if "HTTP" not in title or "file://" not in title:
            problems.append(f"{name}: its title does not say it needs the "
                            f"site served over HTTP: {title!r}")
        if not a.find_parent("div", class_="dropdown-launch-buttons"):
            problems.append(f"{name}: not in the launch menu")
        if lite.is_dir():
            if not target.is_file():
                problems.append(f"{name}: {target} is missing")
            if edition and not (lite / "files" / notebook).is_file():
                problems.append(f"{name}: lite/files/{notebook} is missing")
    if not checked:
        pytest.skip("no notebook page in this build")
    assert not problems, "\n".join(problems)


def test_other_pages_offer_no_jupyterlite(site):
    others = [p for p in toc_pages() if p not in NOTEBOOKS
              and (site / f"{p}.html").is_file()]
    assert others, "no page but notebooks in this build (the root is one)"
    offered = [p for p in others if _lite_links(site / f"{p}.html")]
    assert not offered, f"a JupyterLite link on pages without one: {offered}"


WIDTHS = {"phone": {"width": 390, "height": 844},
          "laptop": {"width": 1366, "height": 900}}
MENU_JS = """() => Array.from(document.querySelectorAll(
    '.dropdown-launch-buttons .dropdown-menu a')).map(a => {
  const r = a.getBoundingClientRect();
  return {text: a.textContent.trim(), href: a.getAttribute('href'),
          left: r.left, right: r.right, top: r.top, bottom: r.bottom,
          visible: r.width > 0 && r.height > 0};
})"""


@pytest.mark.parametrize("width", list(WIDTHS))
def test_launch_menu_opens_with_jupyterlite(browser, site, width):
    """The rocket opens the menu; its three options show inside the window,
    and the page with the menu open passes axe (serious and critical)."""
    from .test_accessibility import AXE, RUN_JS, _blocking

    built = [n for n in NOTEBOOKS if (site / f"{n}.html").is_file()]
    if not built:
        pytest.skip("no notebook page in this build")
    if not AXE.is_file():
        pytest.fail(f"no axe-core at {AXE}: run `python tools/vendor_axe.py`",
                    pytrace=False)
    viewport = WIDTHS[width]
    context = browser.new_context(viewport=viewport, service_workers="block")
    context.route("**/*", lambda r: r.continue_()
                  if r.request.url.startswith(("file:", "data:"))
                  else r.abort())
    page = context.new_page()
    try:
        page.goto((site / f"{built[0]}.html").as_uri())
        page.wait_for_load_state("load")
        page.evaluate(MATHS_READY_JS)
        page.locator(".dropdown-launch-buttons button.dropdown-toggle"
                     ":visible").first.click()
        lite = page.locator(f'.dropdown-launch-buttons a[href*="{LITE_PAGE}"]')
        lite.wait_for(state="visible", timeout=5_000)
        items = page.evaluate(MENU_JS)
        out = ARTIFACTS / "launch"
        out.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out / f"menu-{width}.png"))
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(RUN_JS)
    finally:
        context.close()
    assert [i["text"] for i in items] == [
        "Binder", "Colab", "Run in the browser (JupyterLite)"], items
    outside = [i for i in items if not i["visible"] or i["left"] < 0
               or i["right"] > viewport["width"]]
    assert not outside, f"{width}: options outside the window: {outside}"
    problem = _blocking(result, f"{built[0]}, launch menu open at {width}",
                        out / f"menu-{width}.png")
    assert not problem, problem
