"""A printable PDF of the built website, from headless Chromium.

    python tools/pdf.py SITE [--out FILE.pdf] [--no-solutions] [--chromium PATH]
    (or: make pdf, which prints _build/html into _build/pdf/vanishing-gradients.pdf)

SITE is a built Jupyter Book (``_build/html``, or the site of ``make page``).
Its pages are read in the book's order, by following each page's "next" link
from ``index.html``. Each page is opened offline in Chromium (Debian's, driven
by Playwright as in ``tests/browser``), its maths typeset by the site's own
MathJax and its images loaded; then its article is copied, with the
typeset maths, into one document: a cover with the contents, then one
section per page, each starting on a new sheet. That document is printed
with Chromium's PDF printer (A4, page numbers, a bookmark per heading).
Nothing is rebuilt and no notebook runs; no new package is needed.

For paper: the code that the website hides behind "Show code cell source"
is left out (its outputs stay); explorers print the figure they show first;
solutions print open (``--no-solutions`` leaves them out, for a handout);
links between pages become links inside the PDF.

The tool stops with an error if a page has maths that MathJax did not
typeset, an image that does not load, or no article.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import time
from pathlib import Path
from urllib.parse import urldefrag, urljoin

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
DEFAULT_OUT = ROOT / "_build" / "pdf" / "vanishing-gradients.pdf"
# A4 (210 mm) less the side margins of PRINT_CSS (15 + 15 mm), in CSS pixels.
PRINT_WIDTH_PX = round((210 - 30) / 25.4 * 96)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
        "--disable-component-update", "--disable-default-apps", "--disable-sync"]

# In a page, once it has loaded: wait for MathJax and the images, open or
# drop the solutions, drop what only works on screen, make every id unique
# to this page (prefix) and every link absolute or internal to the PDF.
PREPARE_JS = r"""async ({prefix, pages, solutions}) => {
  const article = document.querySelector('article.bd-article') || document.querySelector('main');
  if (!article) return {error: 'no article'};
  const maths = Array.from(article.querySelectorAll('.math'));
  if (maths.length) {
    const deadline = Date.now() + 60000;
    while (!(window.MathJax && MathJax.startup && MathJax.startup.promise) && Date.now() < deadline)
      await new Promise(r => setTimeout(r, 50));
    if (!(window.MathJax && MathJax.startup && MathJax.startup.promise))
      return {error: `MathJax did not start (${maths.length} maths on the page)`};
    await MathJax.startup.promise;
  }
  await document.fonts.ready;
  const untypeset = maths.filter(n => !n.querySelector('mjx-container')).map(n => n.textContent.slice(0, 60));
  if (untypeset.length) return {error: `${untypeset.length} maths not typeset, e.g. ${untypeset[0]}`};

  for (const img of article.querySelectorAll('img')) img.loading = 'eager';
  const imgs = Array.from(article.querySelectorAll('img'));
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.currentSrc.slice(0, 80));
  if (broken.length) return {error: `${broken.length} images did not load, e.g. ${broken[0]}`};

  // Solutions: open them, or leave them out.
  for (const s of article.querySelectorAll('.solution')) {
    if (!solutions) { s.remove(); continue; }
    s.classList.remove('dropdown', 'toggle-hidden');
    s.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
    s.querySelectorAll('details').forEach(d => d.open = true);
  }
  // Screen-only things: hidden code (its outputs stay), buttons, anchors.
  article.querySelectorAll('details.hide').forEach(d => d.remove());
  article.querySelectorAll('a.headerlink, button, .toggle-button, .copybtn').forEach(e => e.remove());
  article.querySelectorAll('details').forEach(d => d.open = true);

  // Absolute addresses; ids unique to this page; links to other pages of the
  // book point into the PDF.
  for (const e of article.querySelectorAll('[src]')) e.setAttribute('src', e.src);
  for (const e of article.querySelectorAll('[id]')) e.id = prefix + e.id;
  for (const a of article.querySelectorAll('a[href]')) {
    const url = new URL(a.href);
    const page = url.origin + url.pathname;
    if (page in pages) {
      const target = pages[page];
      a.setAttribute('href', '#' + (url.hash ? target + decodeURIComponent(url.hash.slice(1)) : target + 'top'));
    } else {
      a.setAttribute('href', a.href);
    }
  }
  const styles = [];
  for (const el of document.querySelectorAll('head style')) {
    try { styles.push(Array.from(el.sheet.cssRules).map(r => r.cssText).join('\n')); }
    catch (err) { styles.push(el.textContent); }
  }
  const h1 = article.querySelector('h1');
  return {
    html: article.innerHTML,
    title: h1 ? h1.textContent.trim() : document.title,
    stylesheets: Array.from(document.querySelectorAll('link[rel="stylesheet"]')).map(l => l.href),
    styles,
    htmlAttrs: Array.from(document.documentElement.attributes).map(a => [a.name, a.value]),
    maths: maths.length,
    images: imgs.length,
  };
}"""

PRINT_CSS = """
@page { size: A4; margin: 16mm 15mm 18mm 15mm; }
html, body { background: white !important; }
body { margin: 0; font-size: 10.5pt; }
.vg-pdf-page { break-before: page; }
.vg-pdf-cover { break-after: page; padding-top: 30mm; }
.vg-pdf-cover h1 { font-size: 28pt; margin-bottom: 4mm; }
.vg-pdf-cover .vg-pdf-date { color: #555; margin-bottom: 14mm; }
.vg-pdf-cover ol { font-size: 12pt; line-height: 1.7; }
article.bd-article { max-width: none; padding: 0; overflow: visible; }
/* code and outputs wrap instead of being cut at the margin */
pre { white-space: pre-wrap !important; overflow-wrap: anywhere; overflow: visible !important;
      max-height: none !important; }
div.highlight, .cell_output, .output { overflow: visible !important; max-height: none !important; }
img { max-width: 100% !important; height: auto; break-inside: avoid; }
figure, .cell_output img, mjx-container[display="true"], table { break-inside: avoid; }
mjx-container[display="true"] { overflow: visible !important; }
h1, h2, h3, h4 { break-after: avoid; }
article h1 { font-size: 22pt; } article h2 { font-size: 16pt; } article h3 { font-size: 13pt; }
/* wide tables and equations are scaled to the page (FIT_JS), not cut off */
.table-wrapper, .pst-scrollable-table-container { overflow: visible !important; }
table { font-size: 9pt; }
table td, table th { padding: 0.2em 0.35em !important; }
a { color: inherit; }
.vg-explorer input, .vg-explorer select { display: none; }
/* long exercises and solutions may break across sheets (the theme keeps
   every admonition on one sheet, leaving half-empty pages); the title icons
   come from an icon font that only the website loads */
div.admonition, .admonition { break-inside: auto !important; }
.admonition-title { break-after: avoid; }
.admonition > .admonition-title::after, div.admonition > .admonition-title::after { display: none !important; }
"""

# In the combined document, laid out at the printed width: scale what is
# still wider than its column (a wide table, a long equation) to fit.
FIT_JS = r"""() => {
  const scaled = [];
  for (const el of document.querySelectorAll('table, mjx-container[display="true"], .vg-explorer')) {
    const room = el.parentElement.clientWidth, need = el.scrollWidth;
    if (room > 0 && need > room + 1) {
      el.style.zoom = (room / need).toFixed(3);
      scaled.push(el.tagName.toLowerCase());
    }
  }
  return scaled;
}"""

FOOTER = ('<div style="font-size:8pt;width:100%;text-align:center;color:#666;">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')


class PrintError(RuntimeError):
    """A page that cannot be printed faithfully."""


def _next_page(html_text: str) -> str | None:
    """The href of the page's "next" link (Sphinx book theme: a.right-next)."""
    m = re.search(r'<a\b[^>]*class="[^"]*\bright-next\b[^"]*"[^>]*>', html_text)
    if not m:
        return None
    href = re.search(r'href="([^"]+)"', m.group(0))
    return html.unescape(href.group(1)) if href else None


def book_pages(site: Path) -> list[Path]:
    """The site's pages in reading order: index.html, then each "next" link."""
    index = site / "index.html"
    if not index.is_file():
        raise PrintError(f"no built site at {site}: run `make book` (or `make page PAGE=...`) first")
    pages, seen, current = [], set(), index.resolve()
    # index.html is often a redirect to the root document
    text = current.read_text(encoding="utf-8")
    refresh = re.search(r'http-equiv="refresh"[^>]*url=([^"\'>]+)', text, re.I)
    if refresh and _next_page(text) is None:
        current = (current.parent / html.unescape(refresh.group(1))).resolve()
    while current and current not in seen:
        if not current.is_file():
            raise PrintError(f"the next link points to {current}, which was not built")
        seen.add(current)
        pages.append(current)
        href = _next_page(current.read_text(encoding="utf-8"))
        current = (current.parent / urldefrag(href)[0]).resolve() if href else None
    return pages


def _absolute_urls(css: str, base: str) -> str:
    """url(...) in a page's style text, resolved against the page's address."""
    def fix(m):
        url = m.group(2)
        if url.startswith(("data:", "file:", "http:", "https:", "#")):
            return m.group(0)
        return f"url({m.group(1)}{urljoin(base, url)}{m.group(1)})"
    return re.sub(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)", fix, css)


def compose(parts: list[dict], title: str, solutions: bool) -> str:
    """One HTML document: the cover with contents, then every page's article."""
    sheets, styles = [], []
    for p in parts:
        for s in p["stylesheets"]:
            if s not in sheets:
                sheets.append(s)
        for s in p["styles"]:
            s = _absolute_urls(s, p["url"])
            if s not in styles:
                styles.append(s)
    attrs = " ".join(f'{k}="{html.escape(v)}"' for k, v in parts[0]["htmlAttrs"]
                     if k in ("lang", "data-theme", "data-mode", "data-content_root"))
    if "data-theme" not in attrs:
        attrs += ' data-theme="light"'
    contents = "\n".join(f'<li><a href="#{p["prefix"]}top">{html.escape(p["title"])}</a></li>'
                         for p in parts[1:])
    head = "\n".join(f'<link rel="stylesheet" href="{html.escape(s)}">' for s in sheets)
    head += "\n" + "\n".join(f"<style>{s}</style>" for s in styles)
    body = [f'<section class="vg-pdf-cover"><h1>{html.escape(title)}</h1>'
            f'<p class="vg-pdf-date">Printed from the website on {time.strftime("%d %B %Y")}'
            f'{"" if solutions else ", without the solutions"}.</p><ol>{contents}</ol></section>']
    for p in parts:
        body.append(f'<section class="vg-pdf-page" id="{p["prefix"]}top">'
                    f'<article class="bd-article" role="main">{p["html"]}</article></section>')
    return (f'<!DOCTYPE html>\n<html {attrs}>\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n{head}\n<style>{PRINT_CSS}</style>\n</head>\n"
            f'<body class="vg-pdf">\n' + "\n".join(body) + "\n</body>\n</html>\n")


def _offline(context):
    def route(r):
        if r.request.url.startswith(("file:", "data:", "blob:")):
            r.continue_()
        else:
            r.abort("internetdisconnected")

    context.route("**/*", route)


def print_site(site: Path, out: Path, chromium: str = CHROMIUM, solutions: bool = True,
               keep_html: bool = False, log=print) -> dict:
    """Print the site into ``out``; returns what was printed (pages, sizes, times)."""
    from playwright.sync_api import sync_playwright

    site, out = site.resolve(), out.resolve()
    pages = book_pages(site)
    if not Path(chromium).is_file():
        raise PrintError(f"Chromium not found at {chromium} (Debian: apt-get install chromium)")
    urls = {p.as_uri(): f"p{i}-" for i, p in enumerate(pages)}
    started = time.perf_counter()
    parts = []
    combined = out.with_suffix(".print.html")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 900}, service_workers="block")
            _offline(context)
            page = context.new_page()
            for path in pages:
                page.goto(path.as_uri(), wait_until="load", timeout=120_000)
                got = page.evaluate(PREPARE_JS, {"prefix": urls[path.as_uri()], "pages": urls,
                                                 "solutions": solutions})
                if "error" in got:
                    raise PrintError(f"{path.relative_to(site)}: {got['error']}")
                got.update(url=path.as_uri(), prefix=urls[path.as_uri()], page=str(path.relative_to(site)))
                parts.append(got)
                log(f"  {got['page']}: {got['maths']} maths, {got['images']} images")
            title = parts[0]["title"] if parts else "Book"
            document = compose(parts, title, solutions)
            out.parent.mkdir(parents=True, exist_ok=True)
            combined.write_text(document, encoding="utf-8")
            page.emulate_media(media="print")
            page.set_viewport_size({"width": PRINT_WIDTH_PX, "height": 1000})
            page.goto(combined.as_uri(), wait_until="load", timeout=300_000)
            ok = page.evaluate("""async () => {
              await document.fonts.ready;
              const imgs = Array.from(document.images);
              await Promise.all(imgs.map(i => i.decode().catch(() => null)));
              return {images: imgs.length, broken: imgs.filter(i => !(i.naturalWidth > 0)).length,
                      maths: document.querySelectorAll('mjx-container').length};
            }""")
            scaled = page.evaluate(FIT_JS)
            if ok["broken"]:
                raise PrintError(f"{ok['broken']} of {ok['images']} images did not load in the combined document")
            page.pdf(path=str(out), format="A4", print_background=True, prefer_css_page_size=True,
                     display_header_footer=True, header_template="<span></span>", footer_template=FOOTER,
                     outline=True, tagged=True)
        finally:
            browser.close()
            if not keep_html:
                combined.unlink(missing_ok=True)
    data = out.read_bytes()
    return {"pages": [p["page"] for p in parts], "maths": ok["maths"], "images": ok["images"],
            "scaled": len(scaled),
            "bytes": len(data), "sheets": count_sheets(data), "seconds": time.perf_counter() - started}


def count_sheets(pdf: bytes) -> int:
    """Pages of a PDF that Chromium wrote (its page tree's /Count)."""
    counts = [int(m) for m in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)]
    counts += [int(m) for m in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)]
    return max(counts, default=0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a built site (its index.html)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--chromium", default=CHROMIUM)
    parser.add_argument("--no-solutions", action="store_true", help="leave the exercises' solutions out")
    parser.add_argument("--keep-html", action="store_true", help="keep the combined HTML next to the PDF")
    args = parser.parse_args(argv)
    try:
        info = print_site(args.site, args.out, args.chromium, solutions=not args.no_solutions,
                          keep_html=args.keep_html)
    except PrintError as err:
        print(f"pdf: {err}", file=sys.stderr)
        return 1
    print(f"{args.out}: {info['sheets']} pages, {info['bytes'] / 1e6:.1f} MB, "
          f"{len(info['pages'])} web pages, {info['maths']} maths, {info['images']} images "
          f"({info['scaled']} wide tables or equations scaled to fit), "
          f"{info['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
