"""Page weight: what a reader's browser downloads to open each page.

The built site is served by ``python -m http.server`` on 127.0.0.1 (as a
web host would serve it, uncompressed) and each page of the table of
contents that the site holds is opened once, with an empty cache, in
headless Chromium at a laptop's size, not scrolled (the first view).
Everything the page requests, before and after its load event, is counted
(the sum of the response bodies) once it is quiet: the maths typeset and no
request for half a second. Figures further down the page are lazy
(``loading="lazy"``): the browser fetches them as the reader scrolls
towards them, so they are not part of the first view.

What is checked (sizes, never times; see CONTRIBUTING.md):

* every page weighs at most ``LIMIT`` bytes (2 MB), at first view and
  once a reader has scrolled to its end (every lazy figure fetched);
* explorer frames are image files, not base64 inside the HTML: a page loads
  the shown frame of each explorer, and a frame the controls select only
  when they select it (``vglib/book/explorer.py``, ``tools/vg_site.py``);
* MathJax is loaded by the pages that have maths, and only by them, as
  components without its menu (``_config.yml``, ``tools/vendor_mathjax.py``);
* the theme's 1.5 MB Font Awesome script is not loaded; its icons are drawn
  from the theme's web fonts (the same icons, as CSS glyphs), cut to the
  icons the site shows;
* the figures of a page but its first are lazy.

The last tests check the rewrites of ``tools/vg_site.py`` on their own.

DOMContentLoaded and load times are printed after the run (a "website"
section of pytest's summary) and written with the sizes to
``test-artifacts/weight/summary.json``; they depend on the machine and its
load, so nothing asserts on them.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from .conftest import ARTIFACTS, MATHS_READY_JS, REPORT, SITE, built_pages

LIMIT = 2_000_000  # bytes per page, everything included
VIEWPORT = {"width": 1366, "height": 900}
OUT = ARTIFACTS / "weight"
PAGES = built_pages()
_results: dict[str, dict] = {}


@pytest.fixture(scope="module")
def server(site):
    """``python -m http.server`` on a free port of 127.0.0.1, for the site."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind",
         "127.0.0.1", "--directory", str(site)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("python -m http.server did not start")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(10)
        _write_summary()


TIMING_JS = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd};
}"""

# Every Font Awesome icon shown: its glyph (CSS ::before) and its font.
ICONS_JS = """async () => {
  await document.fonts.ready;
  const icons = Array.from(document.querySelectorAll(
    'i[class*="fa-"], span[class*="fa-"]')).filter(
    e => e.getClientRects().length > 0);
  return {
    svg: document.querySelectorAll('svg.svg-inline--fa').length,
    icons: icons.map(e => {
      const s = getComputedStyle(e, '::before');
      return {cls: e.className, content: s.content, font: s.fontFamily,
              weight: s.fontWeight, width: e.getBoundingClientRect().width};
    }),
    loaded: Array.from(document.fonts).filter(
      f => f.family.includes('Font Awesome') && f.status === 'loaded')
      .map(f => f.family + ' ' + f.weight),
  };
}"""


# Scroll down a screen at a time to the end, as a reader reading the page,
# and wait for the images that scrolled near the screen.
SCROLL_TO_END_JS = """async () => {
  const pause = ms => new Promise(r => setTimeout(r, ms));
  for (let y = 0; y < document.body.scrollHeight; y += innerHeight / 2) {
    window.scrollTo(0, y);
    await pause(30);
  }
  window.scrollTo(0, document.body.scrollHeight);
  await pause(100);
  // Images not rendered (a closed menu's logos, a collapsed cell's output)
  // are never fetched while lazy; wait for the others, 10 s at most.
  const shown = Array.from(document.images).filter(
    i => !i.complete && i.getClientRects().length > 0);
  await Promise.race([pause(10000), Promise.all(shown.map(
    i => new Promise(r => { i.onload = i.onerror = r; })))]);
  return shown.filter(i => !i.complete).length;
}"""


def _frames(html: str) -> list[list[str]]:
    """Each explorer's frame URLs, as written in its script."""
    return [json.loads(m) for m in re.findall(
        r'<div id="vgx-[^"]*" class="vg-explorer".*?var frames = (\[.*?\]);',
        html, flags=re.S)]


def measure(browser, server, page_name: str) -> dict:
    if page_name in _results:
        return _results[page_name]
    url = urljoin(server, f"{page_name}.html")
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    outside = []

    def route(r):
        if r.request.url.startswith((server, "data:", "blob:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    requests = []
    page.on("requestfinished", lambda r: requests.append(r))
    try:
        page.goto(url, wait_until="load", timeout=60_000)
        page.evaluate(MATHS_READY_JS)
        page.wait_for_load_state("networkidle")
        timing = page.evaluate(TIMING_JS)
        icons = page.evaluate(ICONS_JS)
        loaded = []
        for r in requests:
            if r.url.startswith("data:"):
                continue
            response = r.response()
            size = len(response.body()) if response else 0
            loaded.append((urlsplit(r.url).path, size))
        # A reader who scrolls to the end: every lazy figure is fetched.
        page.evaluate(SCROLL_TO_END_JS)
        page.wait_for_load_state("networkidle")
        read = 0
        for r in requests:
            if not r.url.startswith("data:"):
                response = r.response()
                read += len(response.body()) if response else 0
        # Move the first control of each explorer one step: the frame it
        # selects is fetched then (unless the page has it already).
        moved = []
        roots = page.locator(".vg-explorer")
        for e in range(roots.count()):
            control = roots.nth(e).locator("input.vgx-control").first
            control.scroll_into_view_if_needed()
            before = len(requests)
            had = {urlsplit(r.url).path for r in requests}
            value = int(control.input_value())
            top = int(control.get_attribute("max"))
            control.focus()
            control.press("ArrowRight" if value < top else "ArrowLeft")
            img = roots.nth(e).locator("img.vgx-frame")
            shown = img.evaluate(
                "i => i.decode().then(() => i.naturalWidth > 0, () => false)"
                ".then(ok => [ok, i.currentSrc])")
            page.wait_for_load_state("networkidle")
            moved.append({
                "loaded": shown[0], "src": urlsplit(shown[1]).path,
                "new": urlsplit(shown[1]).path not in had,
                "requests": [urlsplit(r.url).path
                             for r in requests[before:]]})
    finally:
        context.close()
    html = (SITE / f"{page_name}.html").read_text(encoding="utf-8")
    result = {
        "page": page_name,
        "bytes": sum(s for _, s in loaded),
        "bytes_read_to_end": read,
        "html_bytes": len(html.encode()),
        "requests": len(loaded),
        "dcl_ms": round(timing["dcl"]),
        "load_ms": round(timing["load"]),
        "loaded": sorted(loaded, key=lambda x: -x[1]),
        "outside": outside,
        "icons": icons,
        "frames": _frames(html),
        "moved": moved,
        "has_maths": 'class="math' in html,
        "inline_png": html.count("data:image/png;base64,"),
    }
    _results[page_name] = result
    return result


def _write_summary():
    if not _results:
        return
    OUT.mkdir(parents=True, exist_ok=True)
    rows = [{k: v for k, v in r.items() if k not in ("icons", "frames")}
            for r in _results.values()]
    (OUT / "summary.json").write_text(json.dumps(rows, indent=1))
    # Shown after the run (conftest.py): times are printed, never asserted.
    REPORT.append(f"page weight over http://127.0.0.1 ({SITE}), first view "
                  f"at {VIEWPORT['width']}x{VIEWPORT['height']}, no cache:")
    REPORT.append(f"{'page':44} {'bytes':>10} {'read all':>10} "
                  f"{'html':>9} {'req':>4} {'DCL ms':>7} {'load ms':>8}")
    for r in rows:
        REPORT.append(
            f"{r['page']:44} {r['bytes']:>10,} "
            f"{r['bytes_read_to_end']:>10,} {r['html_bytes']:>9,} "
            f"{r['requests']:>4} {r['dcl_ms']:>7} {r['load_ms']:>8}")


@pytest.mark.parametrize("page_name", PAGES)
def test_page_weighs_at_most_2_mb(browser, server, page_name):
    r = measure(browser, server, page_name)
    assert not r["outside"], f"requests that left the site: {r['outside']}"
    top = ", ".join(f"{p} {s:,}" for p, s in r["loaded"][:6])
    assert r["bytes"] <= LIMIT, (
        f"{page_name}: {r['bytes']:,} bytes in {r['requests']} requests "
        f"(more than {LIMIT:,}); the largest: {top}")


@pytest.mark.parametrize("page_name", PAGES)
def test_page_read_to_the_end_weighs_at_most_2_mb(browser, server,
                                                  page_name):
    """The lazy figures too: everything a reader who scrolls through the
    whole page downloads (before touching an explorer)."""
    r = measure(browser, server, page_name)
    assert r["bytes_read_to_end"] >= r["bytes"]
    assert r["bytes_read_to_end"] <= LIMIT, (
        f"{page_name}: {r['bytes_read_to_end']:,} bytes once read to the "
        f"end (more than {LIMIT:,})")


@pytest.mark.parametrize("page_name", PAGES)
def test_explorer_frames_are_files_loaded_when_selected(browser, server,
                                                        page_name):
    r = measure(browser, server, page_name)
    assert r["inline_png"] == 0, (
        f"{page_name}: {r['inline_png']} PNG data URIs in the HTML "
        "(explorer frames should be files in _images/)")
    if not r["frames"]:
        pytest.skip("no explorer on this page")
    page_dir = (SITE / page_name).parent
    wanted = set()
    for frames in r["frames"]:
        assert frames and all(isinstance(f, str) for f in frames)
        for f in frames:
            assert not f.startswith("data:"), f"{page_name}: frame {f[:40]}"
            assert (page_dir / f).resolve().is_file(), (
                f"{page_name}: frame {f} is not in the site")
            wanted.add(urlsplit(urljoin(
                f"/{page_name}.html", f)).path)
    loaded = {p for p, _ in r["loaded"]} & wanted
    assert len(loaded) <= len(r["frames"]), (
        f"{page_name}: {len(loaded)} explorer frames loaded with the page "
        f"for {len(r['frames'])} explorers (only the shown one each)")
    assert loaded, f"{page_name}: no explorer frame loaded"
    for e, m in enumerate(r["moved"]):
        assert m["loaded"] and m["src"] in wanted, (
            f"{page_name}: explorer {e}: after a slider moved, the image "
            f"shows {m['src']} (loaded: {m['loaded']})")
        frames = [p for p in m["requests"] if p in wanted]
        expected = [m["src"]] if m["new"] else []
        assert frames == expected, (
            f"{page_name}: explorer {e}: moving a slider one step fetched "
            f"{frames}; expected only the frame it selects, {expected}")


@pytest.mark.parametrize("page_name", PAGES)
def test_mathjax_only_where_there_is_maths(browser, server, page_name):
    r = measure(browser, server, page_name)
    mathjax = [p for p, _ in r["loaded"] if "/mathjax/" in p]
    if r["has_maths"]:
        assert mathjax, f"{page_name} has maths but loaded no MathJax"
    else:
        assert not mathjax, (
            f"{page_name} has no maths but loaded {len(mathjax)} MathJax "
            f"files ({sum(s for p, s in r['loaded'] if p in mathjax):,} "
            "bytes)")


# The combined file (menu included) and the menu's parts: never loaded.
MATHJAX_UNUSED = ("tex-mml-chtml.js", "/ui/menu.js", "/a11y/sre.js",
                  "/a11y/explorer.js", "/sre/")


@pytest.mark.parametrize("page_name", PAGES)
def test_mathjax_without_its_menu(browser, server, page_name):
    r = measure(browser, server, page_name)
    mathjax = [p for p, _ in r["loaded"] if "/mathjax/" in p]
    if not mathjax:
        pytest.skip("no MathJax on this page")
    unused = [p for p in mathjax if any(u in p for u in MATHJAX_UNUSED)]
    assert not unused, f"{page_name} loads {unused}"
    for component in ("startup.js", "input/tex.js", "output/chtml.js",
                      "a11y/assistive-mml.js"):
        assert any(p.endswith("/mathjax/" + component) for p in mathjax), (
            f"{page_name}: MathJax's {component} not loaded ({mathjax})")


@pytest.mark.parametrize("page_name", PAGES)
def test_figures_after_the_first_are_lazy(page_name):
    """In the built HTML: the article's images but the first, and but the
    explorers' frames, carry loading="lazy"."""
    from bs4 import BeautifulSoup

    html = SITE / f"{page_name}.html"
    if not html.is_file():
        pytest.skip(f"{page_name} is not in this build")
    article = BeautifulSoup(html.read_text(encoding="utf-8"),
                            "html.parser").find("article")
    images = [i for i in article.find_all("img")
              if "vgx-frame" not in (i.get("class") or [])]
    if len(images) < 2:
        pytest.skip("fewer than two figures")
    assert images[0].get("loading") is None, f"{page_name}: first figure"
    eager = [i.get("src") for i in images[1:] if i.get("loading") != "lazy"]
    assert not eager, f"{page_name}: figures that are not lazy: {eager}"


@pytest.mark.parametrize("page_name", PAGES)
def test_icons_drawn_without_the_icon_script(browser, server, page_name):
    r = measure(browser, server, page_name)
    scripts = [p for p, _ in r["loaded"] if p.endswith("fontawesome.js")]
    assert not scripts, f"{page_name} loads {scripts} (1.5 MB)"
    icons = r["icons"]["icons"]
    assert icons, f"{page_name}: no icon shown (the theme's buttons?)"
    bad = [i for i in icons
           if i["content"] in ("none", "normal", "")
           or "Font Awesome" not in i["font"] or i["width"] <= 0]
    assert not bad, f"{page_name}: icons without a glyph: {bad[:5]}"
    assert r["icons"]["loaded"], f"{page_name}: no icon font loaded"


# -- the rewrites themselves (tools/vg_site.py) ------------------------------

def _vg_site():
    import importlib.util

    from .conftest import ROOT

    spec = importlib.util.spec_from_file_location(
        "vg_site", ROOT / "tools" / "vg_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_explorer_frames_become_files_and_only_theirs():
    import base64
    import hashlib

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vglib.book.explorer import explorer

    def plot(depth):
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.plot([0, depth])
        return fig

    e = explorer(plot, depth=[1, 2, 3])
    other = '<img src="data:image/png;base64,iVBORw0KGgo=">'  # not an explorer
    page = other + e.to_html()
    saved = {}
    out = _vg_site().explorer_frames_as_files(
        page, "../_images/", lambda n, b: saved.setdefault(n, b))
    assert out.startswith(other), "only explorers' frames are moved"
    assert out.count("data:image/png") == 1
    names = [hashlib.sha256(base64.b64decode(f)).hexdigest() + ".png"
             for f in e.frames]
    assert sorted(saved) == sorted(set(names))
    assert _frames(out) == [["../_images/" + n for n in names]]
    assert f'src="../_images/{names[0]}"' in out  # the frame shown first
    assert _vg_site().explorer_frames_as_files(out, "../_images/",
                                               saved.setdefault) == out


THEME_HEAD = (
    '  <!-- So that users can add custom icons -->\n  <script defer src="'
    '../_static/scripts/fontawesome.js?digest=55c26ed414f5f8a31ebb"></script>'
    '\n    <script src="../_static/searchtools.js"></script>\n'
    '    <script src="../_static/language_data.js"></script>\n'
    '    <script src="../searchindex.js"></script>\n'
    "<script>DOCUMENTATION_OPTIONS.search_as_you_type = false;</script>\n"
    '<i class="fas fa-download"></i><span class="fa-solid fa-bars"></span>'
    '<i aria-hidden="true" class="theme-switch fa-solid fa-sun fa-lg"></i>')


def test_theme_assets_the_site_does_not_use_are_left_out():
    vg_site = _vg_site()
    out = vg_site.lighter_html(THEME_HEAD)
    assert "fontawesome.js" not in out and "searchindex" not in out
    assert out.count('aria-hidden="true"') == 3
    assert vg_site.lighter_html(out) == out
    # the search page keeps its index; code shown on a page is not touched
    assert "searchindex.js" in vg_site.lighter_html(THEME_HEAD, True)
    import html

    shown = html.escape(THEME_HEAD)
    assert vg_site.lighter_html(shown) == shown


def test_icon_fonts_cut_to_the_icons_shown(tmp_path):
    import shutil

    import pydata_sphinx_theme
    from fontTools.ttLib import TTFont

    theme = (Path(pydata_sphinx_theme.__file__).parent / "theme"
             / "pydata_sphinx_theme" / "static")
    static = tmp_path / "_static"
    shutil.copytree(theme / "styles", static / "styles")
    shutil.copytree(theme / "vendor", static / "vendor")
    theme_css = static / "styles" / "pydata-sphinx-theme.css"
    full = theme_css.read_text(encoding="utf-8")
    pages = ['<i class="fa-solid fa-rocket"></i>',
             '<i class="fab fa-github"></i>']
    kept = _vg_site().icon_subset(static, pages)
    assert theme_css.read_text(encoding="utf-8") == full  # left as it was
    assert kept["css"].startswith("styles/vg-pydata-sphinx-theme.css?")
    css = (static / kept["css"].split("?")[0]).read_text(encoding="utf-8")
    assert ".fa-rocket:before" in css and ".fa-github:before" in css
    assert ".fa-bars:before" not in css and len(css) < len(full) - 50_000
    solid = TTFont(str(static / "vg-icons" / "fa-solid-900.woff"))
    brands = TTFont(str(static / "vg-icons" / "fa-brands-400.woff"))
    assert 0xF135 in solid.getBestCmap()  # rocket
    assert 0xF09B in brands.getBestCmap()  # github
    assert 0xF071 in solid.getBestCmap()  # warning admonitions (CSS)
    assert 0xF0C9 not in solid.getBestCmap()  # bars: not shown
    for font in ("fa-solid-900", "fa-brands-400"):
        assert (static / "vg-icons" / f"{font}.woff").stat().st_size < 20_000
        assert f"url(../vg-icons/{font}.woff?v=" in css
    assert "unicode-range:" in css and kept["fonts"]["fa-solid-900"] > 10
    time.sleep(1.1)  # a font's timestamp would change the bytes
    assert _vg_site().icon_subset(static, pages) == kept  # repeatable
    # pages load it instead of the theme's own
    link = ('<link href="../_static/styles/pydata-sphinx-theme.css?digest='
            '55c26ed414f5f8a31ebb" rel="stylesheet" />')
    out = _vg_site().lighter_html(link, theme_css=kept["css"])
    assert out == f'<link href="../_static/{kept["css"]}" rel="stylesheet" />'


def test_lazy_images_rewrite():
    vg_site = _vg_site()
    page = ('<a><img alt="Binder logo" src="b.svg"></a>'
            '<article class="bd-article"><p>&lt;img src="x.png"&gt;</p>'
            '<img alt="first" src="1.png" /><img alt="second" src="2.png" />'
            '<div class="vg-explorer"><img class="vgx-frame" alt="f" '
            'src="f.png"></div><img loading="eager" alt="kept" src="3.png">'
            '</article>')
    out = vg_site.lazy_images(page)
    assert out.count('loading="lazy"') == 2
    assert '<img loading="lazy" alt="Binder logo"' in out  # launch menu
    assert '<img alt="first" src="1.png" />' in out  # the first figure
    assert '<img loading="lazy" alt="second" src="2.png" />' in out
    assert '<img class="vgx-frame"' in out  # explorers' frames as they were
    assert '&lt;img src="x.png"&gt;' in out  # code shown on a page
    assert vg_site.lazy_images(out) == out
    assert vg_site.lighter_html(page) == out


def _png(fig) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=200)
    return buf.getvalue()


def test_figures_become_palette_pngs_within_a_level_on_average():
    import io

    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    vg = _vg_site()
    fig, ax = plt.subplots(figsize=(4, 3))
    z = np.linspace(-4, 4, 200)
    for k in range(1, 6):
        ax.plot(z, np.tanh(k * z / 3), label=f"k = {k}")
    ax.fill_between(z, -0.5, 0.5, alpha=0.2)
    ax.legend()
    png = _png(fig)
    plt.close(fig)
    small = vg.compact_png(png)
    assert len(small) < 0.6 * len(png), (len(small), len(png))
    a = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    b = np.asarray(Image.open(io.BytesIO(small)).convert("RGB"), dtype=int)
    err = np.abs(a - b).max(axis=2)
    assert a.shape == b.shape
    assert err.mean() <= vg.PNG_MEAN_ERROR
    assert np.percentile(err, 99.9) <= vg.PNG_P999_ERROR
    assert Image.open(io.BytesIO(small)).mode == "P"
    assert vg.compact_png(small) is small, "a palette image is left alone"


def test_images_that_would_lose_detail_or_transparency_stay_as_they_are():
    import io

    import numpy as np
    from PIL import Image

    vg = _vg_site()
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noise).save(buf, "PNG")
    png = buf.getvalue()
    assert vg.compact_png(png) is png, "noise: too far from any 256 colours"
    rgba = np.dstack([noise // 4 * 4, np.full((64, 64), 128, np.uint8)])
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, "PNG")
    png = buf.getvalue()
    assert vg.compact_png(png) is png, "transparency is kept"


def test_compact_images_rewrites_a_folder(tmp_path):
    import io

    import numpy as np
    from PIL import Image

    vg = _vg_site()
    img = np.zeros((40, 300, 3), np.uint8) + 255
    img[:, ::7] = (0, 114, 178)
    for i in range(3):
        buf = io.BytesIO()
        Image.fromarray(np.roll(img, i, axis=1)).save(buf, "PNG")
        (tmp_path / f"{i}.png").write_bytes(buf.getvalue())
    before, after = vg.compact_images(tmp_path)
    assert after < before
    assert sum(p.stat().st_size for p in tmp_path.glob("*.png")) == after
    assert vg.compact_images(tmp_path) == (after, after), "idempotent"


def test_code_keeps_its_text_without_plain_token_spans():
    vg = _vg_site()
    block = ('<div class="highlight"><pre><span></span><span class="n">x</span>'
             '<span class="w"> </span><span class="o">=</span><span class="w">'
             ' </span><span class="n">np</span><span class="o">.</span>'
             '<span class="n">exp</span><span class="p">(</span>'
             '<span class="mf">1.5</span><span class="p">)</span>\n</pre></div>')
    prose = '<p><span class="n">kept</span></p>'
    out = vg.plain_code_tokens(prose + block)
    assert out.startswith(prose), "only highlighted code blocks change"
    assert 'class="n"' not in out[len(prose):]
    assert 'class="p"' not in out and 'class="w"' not in out
    assert '<span class="o">=</span>' in out, "coloured tokens keep spans"
    assert '<span class="mf">1.5</span>' in out
    assert re.sub("<[^>]+>", "", out) == re.sub("<[^>]+>", "", prose + block)


def test_name_punctuation_and_whitespace_have_the_code_block_colour():
    """The spans plain_code_tokens drops were drawn in the highlighting
    style's base colour, the colour vg-reading.css gives the block."""
    from .conftest import ROOT

    css = (SITE / "_static" / "pygments.css")
    if not css.is_file():
        pytest.skip("no built site")
    text = css.read_text()
    for theme in ("light", "dark"):
        base = re.search(rf'html\[data-theme="{theme}"\] \.highlight '
                         r'\{[^}]*color: (#[0-9A-Fa-f]+)', text)
        assert base, f"{theme}: no base colour in pygments.css"
        for token in "npw":
            m = re.search(rf'html\[data-theme="{theme}"\] \.highlight '
                          rf'\.{token} \{{ color: (#[0-9A-Fa-f]+)', text)
            assert m is None or m.group(1).lower() == base.group(1).lower(), \
                (theme, token, m.group(1), base.group(1))
    assert "div.highlight pre {\n  color: inherit;" in (
        ROOT / "tools/static/vg-reading.css").read_text()
