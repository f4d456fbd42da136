"""Every page of the table of contents, opened from the built files with no network.

Each page is loaded once in headless Chromium with every request that leaves
``file://`` aborted and recorded; the tests below then check what was seen:
no console errors and no failed or external requests, maths typeset by the
site's own MathJax, every image loaded (lazy ones made eager first; at
least one figure on a notebook page), and each explorer's figure changing
when a slider moves.
A full-page screenshot of each page goes to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .conftest import ARTIFACTS, source_of, toc_pages

PAGES = toc_pages()
# Pages the theme adds that a reader reaches from every page.
EXTRA = ["search"]


@dataclass
class Visit:
    url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    maths: dict = field(default_factory=dict)
    fonts: list = field(default_factory=list)
    images: list = field(default_factory=list)
    explorers: list = field(default_factory=list)
    screenshot: Path | None = None


_visits: dict[str, Visit] = {}


def _offline_context(browser, visit: Visit):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")

    def route(r):
        url = r.request.url
        if url.startswith(("file:", "data:", "blob:")):
            r.continue_()
        else:
            visit.blocked.append(f"{r.request.resource_type} {url}")
            r.abort("internetdisconnected")

    context.route("**/*", route)

    def websocket(ws):
        visit.blocked.append(f"websocket {ws.url}")
        ws.close()

    context.route_web_socket("**/*", websocket)
    return context


def _listen(page, visit: Visit):
    page.on("console", lambda m: visit.console_errors.append(f"{m.text} ({m.location.get('url', '')})")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.page_errors.append(str(e)))

    def failed(request):
        url = request.url
        if any(url in b for b in visit.blocked):
            return  # already recorded as blocked
        visit.failed.append(f"{request.resource_type} {url}: {request.failure}")

    page.on("requestfailed", failed)


MATHS_JS = """async () => {
  const nodes = Array.from(document.querySelectorAll('.math'));
  if (!nodes.length) return {count: 0};
  const scripts = Array.from(document.scripts).map(s => s.src).filter(s => s.includes('mathjax'));
  const deadline = Date.now() + 20000;
  while (!(window.MathJax && MathJax.startup && MathJax.startup.promise) && Date.now() < deadline)
    await new Promise(r => setTimeout(r, 50));
  if (!(window.MathJax && MathJax.startup && MathJax.startup.promise))
    return {count: nodes.length, loaded: false, scripts};
  await MathJax.startup.promise;
  await document.fonts.ready;
  return {
    count: nodes.length, loaded: true, scripts,
    untypeset: nodes.filter(n => !n.querySelector('mjx-container')).map(n => n.textContent.slice(0, 80)),
    errors: Array.from(document.querySelectorAll('mjx-merror')).map(n => n.getAttribute('data-mjx-error') || n.textContent),
  };
}"""

FONTS_JS = """() => Array.from(document.fonts).map(f => ({family: f.family, status: f.status}))"""

# Figures below the first view are lazy (tools/vg_site.py): made eager
# first, so that every image is fetched and checked.
IMAGES_JS = """async () => {
  const imgs = Array.from(document.images);
  for (const i of imgs) i.loading = 'eager';
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  return imgs.map(i => ({
    src: i.currentSrc.startsWith('data:') ? i.currentSrc.slice(0, 40) + '...' : i.currentSrc,
    ok: i.complete && i.naturalWidth > 0,
    output: !!i.closest('.cell_output, .output'),
    explorer: !!i.closest('.vg-explorer'),
  }));
}"""


def _move_sliders(page) -> list[dict]:
    """Move every slider of every explorer one step; record what the figure did."""
    results = []
    roots = page.locator(".vg-explorer")
    for e in range(roots.count()):
        root = roots.nth(e)
        root.scroll_into_view_if_needed()
        img = root.locator("img.vgx-frame")
        controls = root.locator("input.vgx-control")
        if controls.count() == 0:
            results.append({"explorer": e, "control": None, "problem": "no input.vgx-control"})
        for k in range(controls.count()):
            control = controls.nth(k)
            value, top = int(control.input_value()), int(control.get_attribute("max"))
            before = (img.get_attribute("src"), root.get_attribute("data-frame"))
            control.focus()
            key = "ArrowRight" if value < top else "ArrowLeft"
            control.press(key)
            after = (img.get_attribute("src"), root.get_attribute("data-frame"))
            loaded = img.evaluate("i => i.decode().then(() => i.naturalWidth > 0, () => false)")
            results.append({
                "explorer": e, "control": control.get_attribute("aria-label") or k,
                "value": (value, int(control.input_value())), "frame": (before[1], after[1]),
                "src_changed": before[0] != after[0], "loaded": loaded,
            })
            control.press("ArrowLeft" if key == "ArrowRight" else "ArrowRight")  # put it back
    return results


def visit(browser, site, page_name: str) -> Visit:
    if page_name in _visits:
        return _visits[page_name]
    html = site / f"{page_name}.html"
    assert html.is_file(), f"{page_name} is in _toc.yml but {html} was not built"
    v = Visit(url=html.as_uri())
    context = _offline_context(browser, v)
    page = context.new_page()
    _listen(page, v)
    try:
        page.goto(v.url, wait_until="load", timeout=60_000)
        v.maths = page.evaluate(MATHS_JS)
        v.images = page.evaluate(IMAGES_JS)
        page.wait_for_load_state("networkidle")
        v.fonts = page.evaluate(FONTS_JS)
        shots = ARTIFACTS / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        v.screenshot = shots / (page_name.replace("/", "__") + ".png")
        page.screenshot(path=str(v.screenshot), full_page=True)
        v.explorers = _move_sliders(page)
        page.wait_for_timeout(200)  # let late console errors arrive
    finally:
        context.close()
    _visits[page_name] = v
    return v


@pytest.mark.parametrize("page_name", PAGES + EXTRA)
def test_loads_offline_without_errors(browser, site, page_name):
    v = visit(browser, site, page_name)
    problems = (
        [f"request left the site (blocked): {b}" for b in v.blocked]
        + [f"failed request: {f}" for f in v.failed]
        + [f"console error: {c}" for c in v.console_errors]
        + [f"uncaught exception: {p}" for p in v.page_errors]
        + [f"font failed to load: {f['family']}" for f in v.fonts if f["status"] == "error"]
    )
    assert not problems, f"{page_name}.html, opened offline:\n  " + "\n  ".join(problems)
    assert v.screenshot and v.screenshot.stat().st_size > 0


def _prose(page_name: str) -> str:
    """The page's markdown without code (fenced blocks, inline code) or escaped dollars."""
    src = source_of(page_name)
    if src is None:
        return ""
    if src.suffix == ".ipynb":
        import nbformat

        text = "\n\n".join(c.source for c in nbformat.read(src, as_version=4).cells if c.cell_type == "markdown")
    else:
        text = src.read_text(encoding="utf-8")
    text = re.sub(r"^(```|~~~).*?^\1", "", text, flags=re.S | re.M)
    text = re.sub(r"`[^`]*`", "", text)
    return text.replace("\\$", "")


@pytest.mark.parametrize("page_name", PAGES)
def test_maths_typeset_by_local_mathjax(browser, site, page_name):
    v = visit(browser, site, page_name)
    m = v.maths
    if m["count"] == 0:
        assert "$" not in _prose(page_name), (
            f"{page_name}: the text has '$' but the page has no .math element (maths not parsed?)")
        pytest.skip("no maths on this page")
    assert m["scripts"] and all(s.startswith("file:") for s in m["scripts"]), f"MathJax not served by the site: {m['scripts']}"
    assert m["loaded"], f"{page_name}: MathJax did not start (scripts: {m['scripts']})"
    assert not m["untypeset"], f"{page_name}: {len(m['untypeset'])} of {m['count']} maths not typeset, e.g. {m['untypeset'][:3]}"
    assert not m["errors"], f"{page_name}: TeX errors: {m['errors'][:5]}"


@pytest.mark.parametrize("page_name", PAGES)
def test_figures_present_and_loaded(browser, site, page_name):
    v = visit(browser, site, page_name)
    broken = [i["src"] for i in v.images if not i["ok"]]
    assert not broken, f"{page_name}: images that did not load: {broken}"
    src = source_of(page_name)
    if src is not None and src.suffix == ".ipynb":
        figures = [i for i in v.images if i["output"] or i["explorer"]]
        assert figures, f"{page_name}: a notebook page with no figure in its outputs"


@pytest.mark.parametrize("page_name", PAGES)
def test_explorers_respond_without_kernel(browser, site, page_name):
    v = visit(browser, site, page_name)
    if not v.explorers:
        pytest.skip("no explorer on this page")
    bad = []
    for r in v.explorers:
        if r["control"] is None:
            bad.append(f"explorer {r['explorer']}: {r['problem']}")
        elif r["frame"][0] == r["frame"][1]:
            bad.append(f"explorer {r['explorer']}, control {r['control']}: data-frame stayed {r['frame'][0]}")
        elif not r["src_changed"]:
            bad.append(f"explorer {r['explorer']}, control {r['control']}: frame {r['frame'][0]} -> {r['frame'][1]} "
                       "but the image is the same (identical frames: the control changes nothing visible)")
        elif not r["loaded"]:
            bad.append(f"explorer {r['explorer']}, control {r['control']}: new frame is not a loadable image")
    assert not bad, f"{page_name}:\n  " + "\n  ".join(bad)


def test_index_redirects_to_root(browser, site):
    context = browser.new_context()
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    page = context.new_page()
    page.goto((site / "index.html").as_uri())
    page.wait_for_url(f"**/{PAGES[0]}.html", timeout=10_000)
    context.close()


def test_search_works_offline(browser, site):
    """The theme's search reads searchindex.js from the site: it must find a word of the root page."""
    context = browser.new_context()
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    page = context.new_page()
    page.goto((site / "search.html").as_uri() + "?q=gradient")
    page.wait_for_selector("#search-results li", timeout=20_000)
    assert page.locator("#search-results li").count() > 0
    context.close()
