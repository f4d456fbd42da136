"""Shared fixtures for the checks of the built website (``make site-test``).

These tests read ``_build/html`` (built by ``make book``) and open its pages in
Debian's headless Chromium through Playwright. They are not unit tests: a
plain ``pytest tests`` skips them unless ``VG_SITE_TESTS=1`` is set, which
``make site-test`` does.

Settings (environment variables):

``VG_SITE``      the built site (default ``_build/html``)
``VG_CHROMIUM``  the browser (default ``/usr/bin/chromium``)
``VG_ARTIFACTS`` where screenshots go (default ``test-artifacts``)
``VG_TOC``       the table of contents whose pages are checked (default ``_toc.yml``)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("VG_SITE", ROOT / "_build" / "html")).resolve()
CHROMIUM = os.environ.get("VG_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("VG_ARTIFACTS", ROOT / "test-artifacts")).resolve()

TOC = Path(os.environ.get("VG_TOC", ROOT / "_toc.yml")).resolve()
ENABLED = os.environ.get("VG_SITE_TESTS") == "1"


def pytest_collection_modifyitems(config, items):
    if ENABLED:
        return
    skip = pytest.mark.skip(reason="website checks: run `make site-test` (or set VG_SITE_TESTS=1) after `make book`")
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(skip)


def toc_pages(toc_path: Path = TOC) -> list[str]:
    """Every document the table of contents lists, root first, in reading order."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                pages.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk({k: v for k, v in toc.items() if k != "root"})
    # Strip extensions the toc may carry (file: chapters/x.ipynb).
    return [p.rsplit(".", 1)[0] if p.endswith((".md", ".ipynb")) else p for p in pages]


def built_pages() -> list[str]:
    """The toc's pages that the site holds (a one-page build, ``make page``,
    holds only a few); every page of the toc when it holds none of them, so
    that a missing site fails in the ``site`` fixture with its message."""
    pages = toc_pages()
    return [p for p in pages if (SITE / f"{p}.html").is_file()] or pages


# Evaluated in a page (Playwright): resolves once MathJax, if the page has
# maths, has typeset it (the site requests MathJax after DOMContentLoaded,
# so it may not be there yet) and the fonts are in.
MATHS_READY_JS = """async () => {
  if (document.querySelector('.math')) {
    const deadline = Date.now() + 20000;
    while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)
           && Date.now() < deadline)
      await new Promise(r => setTimeout(r, 50));
    if (window.MathJax && MathJax.startup && MathJax.startup.promise)
      await MathJax.startup.promise;
  }
  await document.fonts.ready;
}"""

# Lines that tests want shown after the run (pytest hides what passing
# tests print): the page weights and times of test_weight.py.
REPORT: list[str] = []


def pytest_terminal_summary(terminalreporter):
    if REPORT:
        terminalreporter.section("website")
        for line in REPORT:
            terminalreporter.write_line(line)


def source_of(page: str) -> Path | None:
    for ext in (".ipynb", ".md"):
        if (ROOT / (page + ext)).is_file():
            return ROOT / (page + ext)
    return None


@pytest.fixture(scope="session")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site at {SITE}: run `make book` first", pytrace=False)
    return SITE


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. Install Debian's package "
            "(`sudo apt-get install -y chromium`; `make site-test` does this when run as root), "
            "or point VG_CHROMIUM at a Chromium binary.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                  "--disable-component-update", "--disable-default-apps", "--disable-sync"],
        )
        yield b
        b.close()
