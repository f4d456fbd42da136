"""Links inside the built website: every local target exists, and nothing loads from outside.

No browser needed: every HTML page under ``_build/html`` is parsed, each
local ``href``/``src`` is resolved against the page, and the file (and, for
``#fragment`` links into HTML, the element with that id) must exist.
Sphinx's ``-n`` already checks cross-references in the sources; this checks
what the theme, the notebooks' outputs and raw HTML produce as well.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

# Attributes that name a URL, per tag; only these are checked.
URL_ATTRS = {"a": ["href"], "link": ["href"], "script": ["src"], "img": ["src"],
             "source": ["src"], "iframe": ["src"], "video": ["src", "poster"], "audio": ["src"]}
# What a page may load (not merely link to) from outside the site: nothing.
LOADING = {"link", "script", "img", "source", "iframe", "video", "audio"}
SKIP_DIRS = {"_static", "_sources", "_images", "jupyter_execute"}


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if not SKIP_DIRS & set(p.relative_to(site).parts))


@lru_cache(maxsize=None)
def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@lru_cache(maxsize=None)
def _ids(path: Path) -> frozenset[str]:
    soup = _soup(path)
    return frozenset([t["id"] for t in soup.find_all(id=True)] + [t["name"] for t in soup.find_all("a", attrs={"name": True})])


def _links(page: Path):
    for tag in _soup(page).find_all(list(URL_ATTRS)):
        if tag.name == "link" and not {"stylesheet", "icon", "preload", "prev", "next", "index", "search"} & set(tag.get("rel", [])):
            continue
        for attr in URL_ATTRS[tag.name]:
            if tag.get(attr):
                yield tag.name, tag[attr]


def test_every_local_link_and_anchor_resolves(site):
    pages = _pages(site)
    assert pages, f"no HTML pages in {site}"
    broken, checked = [], 0
    for page in pages:
        for tag, url in _links(page):
            checked += 1
            parts = urlsplit(url)
            if parts.scheme or parts.netloc:  # http(s), mailto, data, javascript: not files of the site
                continue
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            where = f"{page.relative_to(site)}: <{tag}> {url}"
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                # The JupyterLite edition (`make lite`) is built apart from
                # the book; test_launch.py checks its links when it is here.
                if not (site / "lite").exists() and (site / "lite") in target.parents:
                    continue
                broken.append(f"{where} -> missing file")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in _ids(target):
                broken.append(f"{where} -> no id {parts.fragment!r} in {target.relative_to(site) if site in target.parents else target}")
    assert checked > 10 * len(pages), f"only {checked} links found in {len(pages)} pages: is the parser broken?"
    assert not broken, f"{len(broken)} broken links:\n  " + "\n  ".join(broken[:50])


def test_no_page_loads_anything_from_outside_the_site(site):
    external = []
    for page in _pages(site):
        for tag, url in _links(page):
            parts = urlsplit(url)
            if tag in LOADING and (parts.scheme in ("http", "https") or parts.netloc):
                external.append(f"{page.relative_to(site)}: <{tag}> {url}")
    assert not external, "pages load resources from the network:\n  " + "\n  ".join(sorted(set(external))[:50])


def test_no_output_needs_a_kernel_or_a_widget_manager(site):
    """Explorers show their HTML form; no page holds widget data that only a widget manager could draw.

    ``_config.yml`` drops the widget MIME types for the html builder and loads
    no widget JavaScript; if a notebook output ever carries widget data the
    page would show nothing for it, so fail here instead. An explorer shown
    by its text repr (``<explorer '...': n frames>``) means its HTML form was
    not chosen.
    """
    problems = []
    for page in _pages(site):
        text = page.read_text(encoding="utf-8")
        for marker, why in (("application/vnd.jupyter.widget", "widget data"),
                            ("&lt;explorer ", "an explorer shown as text, not its HTML form")):
            if marker in text:
                problems.append(f"{page.relative_to(site)}: {why}")
    assert not problems, "\n  ".join(["outputs the static site cannot show:"] + problems)


def test_stylesheets_fetch_nothing_from_outside(site):
    """Fonts and images named in the site's CSS (theme, MathJax, extensions) come from the site too."""
    import re

    pattern = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*(https?:)?//""", re.I)
    external = [str(css.relative_to(site)) for css in (site / "_static").rglob("*.css")
                if pattern.search(css.read_text(encoding="utf-8", errors="replace"))]
    assert not external, f"stylesheets that load from the network: {external}"


def test_no_static_folder_at_book_root():
    """Jupyter Book 1 loads every script in a root-level _static/ on every page; the site's
    own assets go through html_static_path (_build/vendor/static) instead."""
    from .conftest import ROOT

    assert not (ROOT / "_static").exists(), (
        "a _static/ folder at the book root: Jupyter Book 1 would add each .js/.css in it to every page")
