"""Sphinx extension with the website fixes the course needs (``_config.yml``:
``sphinx.local_extensions``). Each one is found by ``tests/browser``.

* **MathJax is served by the site.** The build fails, with the command to run,
  when the copy that ``tools/vendor_mathjax.py`` fetches is missing, instead
  of silently producing pages whose maths never renders offline.
* **No script twice.** Sphinx 7.4 adds a body-only script registered after
  the builder started (sphinx-thebe's ``const THEBE_JS_URL = ...``,
  sphinx-togglebutton's selector) a second time when it prepares writing
  (``None`` and ``''`` file names compare unequal). The second ``const``
  declaration is an uncaught SyntaxError on every page; this drops repeats.
* **No widget state nobody reads.** nbclient saves the explorers' live
  widgets in the executed notebook's metadata and myst-nb copies that state
  into each page (tens of kB). The site ships no widget manager (explorers
  show their HTML form), so the state is dropped.
* **Glued numbers written as ``{eval}`glued("key", "spec")```.** Chapters
  state their numbers in a form that JupyterLab (jupyterlab-myst evaluates
  ``{eval}`` in the kernel, see ``vglib/book/__init__.py``) and the book both read. In
  the book the ``eval`` role looks the key up in the notebook's glue data, as
  ``{glue:text}`key:spec``` does, instead of myst-nb's own ``eval`` role
  (which needs ``nb_execution_mode: inline`` and evaluates a markdown cell
  before the code cells below it have run). Any other expression is an error.
* **A valid colour mode.** pydata-sphinx-theme 0.17 under sphinx-book-theme
  1.3 starts every page with an empty ``default_mode`` (``html_context``) and logs
  "Got invalid theme mode" as a console error; ``auto`` follows the reader's
  system setting, which is what the theme falls back to anyway.
* **Accessible pages** (axe-core, ``tests/browser/test_accessibility.py``).
  After the build, :func:`accessible_html` rewrites a few exact pieces of
  the themes' and extensions' markup in every page (see ``_A11Y`` for what
  and why): names of buttons that match their visible text, hidden
  decorative icons, list items in the bibliography, no empty table header
  cells, the primary sidebar as a navigation landmark. ``static/vg-a11y.css``
  gives links in exercise boxes enough contrast. Explorer sliders get their
  labels and ``aria-valuetext`` in ``vglib/book/explorer.py``.
* **Light pages** (``tests/browser/test_weight.py``: at most 2 MB per page).
  Explorer frames are image files, ``_images/<sha256>.png``, instead of
  base64 in the HTML (:func:`explorer_frames_as_files`, after the build):
  the browser caches them and fetches a frame when the controls select it.
  A page without maths does not load MathJax; a page with maths requests it
  once the page is parsed. No page loads what the site does not use
  (:func:`_page_assets`, :func:`lighter_html`): the theme's 1.5 MB Font
  Awesome script (its icons are drawn from the web fonts that the theme's
  stylesheet already declares, cut to the icons shown by
  :func:`icon_subset`), the search index on pages other than the search
  page (search as you type is off), sphinx-thebe (thebe is off) and
  sphinx-design (no page uses it). MathJax comes as components without its
  menu (``_config.yml``, ``tools/vendor_mathjax.py``). Figures load when
  the reader scrolls near them (:func:`lazy_images`), and every figure is
  an 8-bit palette PNG, a third of the size (:func:`compact_png`).
* **Run in the browser.** Every notebook page's launch menu (Binder,
  Colab) also offers the page's notebook in the site's JupyterLite edition
  (``make lite``, ``lite/`` of the site; :func:`_jupyterlite_launch`).
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import re
from pathlib import Path
from urllib.parse import quote

from sphinx.errors import ConfigError


def _check_mathjax(app, config):
    path = config.mathjax_path
    if not path or "://" in path or path.startswith("/"):
        return
    confdir = Path(app.confdir)
    loader = ((config.mathjax3_config or {}).get("loader") or {})
    for static in config.html_static_path:
        if (confdir / static / path).is_file():
            # the components that startup.js loads from its own folder
            root = (confdir / static / path).parent
            missing = [c for c in loader.get("load", [])
                       if not (root / f"{c}.js").is_file()]
            if missing:
                raise ConfigError(
                    f"MathJax components {missing} (mathjax3_config: loader:"
                    f" load:) are not in {root}: an older copy? Fetch it "
                    "again with `python tools/vendor_mathjax.py`")
            return
    raise ConfigError(
        f"mathjax_path {path!r} is not in any html_static_path folder {config.html_static_path}: "
        "fetch MathJax first with `make vendor` (or `python tools/vendor_mathjax.py`); `make book` does it for you"
    )


def _repository_url(app, config):
    """``{{ repository_url }}`` in the pages: the one URL set in _config.yml (``repository: url:``)."""
    url = (config.html_theme_options or {}).get("repository_url", "")
    if not url:
        raise ValueError("_config.yml has no repository url (repository: url:); the intro and the "
                         "Colab install cells need it (see README, 'Publishing the course')")
    subs = dict(getattr(config, "myst_substitutions", {}) or {})
    subs.setdefault("repository_url", url)
    config.myst_substitutions = subs


def _theme_mode(app, config):
    # pydata-sphinx-theme reads default_mode from html_context, not theme options.
    context = dict(config.html_context or {})
    if not context.get("default_mode"):
        context["default_mode"] = "auto"
        config.html_context = context


def glued_args(expression: str) -> tuple[str, str]:
    """``'glued("ch06_x", ".2f")'`` -> ``("ch06_x", ".2f")``; ValueError for any other expression."""
    try:
        call = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError:
        call = None
    ok = (
        isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "glued"
        and not call.keywords and 1 <= len(call.args) <= 2
        and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args)
    )
    if not ok:
        raise ValueError(f'{{eval}}`{expression}`: this book reads only {{eval}}`glued("key")` or '
                         f'{{eval}}`glued("key", "format spec")` (see vglib/book/__init__.py)')
    key = call.args[0].value
    spec = call.args[1].value if len(call.args) == 2 else ""
    return key, spec


def _glued_role():
    from myst_nb.ext.glue.roles import PasteTextRole
    from myst_nb.ext.glue.utils import glue_warning

    class GluedRole(PasteTextRole):
        """``{eval}`glued("key", "spec")``` pasted as ``{glue:text}`key:spec```."""

        def run(self):
            try:
                key, spec = glued_args(self.text)
            except ValueError as exc:
                return [], [glue_warning(str(exc), self.document, self.line)]
            self.text = f"{key}:{spec}" if spec else key
            result, messages = super().run()
            if spec[-1:] in ("e", "E"):  # 8e-09 -> 8 × 10⁻⁹, as vglib.book.glued shows it in JupyterLab
                from docutils import nodes
                from vglib.book import readable

                for node in result:
                    for text in list(node.findall(nodes.Text)):
                        text.parent.replace(text, nodes.Text(readable(str(text))))
            return result, messages

    return GluedRole()


def _register_glued_role(app):
    # After every extension's setup(), so that it replaces myst-nb's eval role.
    app.add_role("eval", _glued_role(), override=True)


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _drop_repeated_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        attributes = getattr(js, "attributes", {})
        if attributes.get("type") == WIDGET_STATE:
            continue  # no widget manager reads it (see _config.yml)
        key = (str(getattr(js, "filename", js) or ""), repr(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    scripts[:] = unique


STATIC = Path(__file__).resolve().parent / "static"


def _add_static(app, config):
    """Serve tools/static (the site's own scripts) and load vg-nav.js on every page."""
    config.html_static_path.append(str(STATIC))


# What the audit found, and the exact markup that is rewritten (Sphinx 7.4,
# docutils 0.21, pydata-sphinx-theme 0.17, sphinx-book-theme 1.3, myst-nb
# 1.4). Each pattern matches the generated tag only (code shown on a page is
# escaped, so never matches), and no replacement matches its own pattern:
# rewriting a page twice changes nothing.
_A11Y = (
    # label-content-name-mismatch: myst-nb's "Show code cell source" toggle
    # is named "Toggle hidden content". Without the aria-label, its name is
    # the visible text ("Show ..." / "Hide ...", whichever is displayed).
    (re.compile(r'<summary aria-label="Toggle hidden content">'),
     "<summary>"),
    # label-content-name-mismatch: the search field shows "Search Ctrl+K"
    # but is named "Search"; a reader who says what they see ("click Search
    # Ctrl K") misses it. Without the aria-label, the name is the text shown.
    (re.compile(r'(<button class="btn search-button-field [^"]*" '
                r'title="Search") aria-label="Search"'),
     r"\1"),
    # label-content-name-mismatch: the colour-mode button ("Color mode")
    # shows one of three icons whose titles (Light, Dark, System Settings)
    # count as its visible text. The icons are decoration (no title,
    # aria-hidden); the button's tooltip and name stay "Color mode".
    (re.compile(r'<i class="theme-switch ([^"]*)" data-mode="([a-z]+)"\s+'
                r'title="[^"]*"></i>'),
     r'<i aria-hidden="true" class="theme-switch \1" data-mode="\2"></i>'),
    # aria-required-children (critical), aria-allowed-role and
    # aria-deprecated-role: docutils marks each bibliography entry
    # role="doc-biblioentry" (deprecated in DPUB-ARIA 1.1, and not a list
    # item) inside role="list".
    (re.compile(r'(<div class="citation"[^>]*) role="doc-biblioentry"'),
     r'\1 role="listitem"'),
    # empty-table-header: a table's empty top-left cell is no header.
    (re.compile(r'<th class="head">(?:<p></p>)?</th>'),
     '<td class="head"></td>'),
    # region: the primary sidebar (book title, search, table of contents)
    # is in no landmark; it is the site navigation that the phone's menu
    # button ("Site navigation") opens.
    (re.compile(r'<div id="pst-primary-sidebar" class="([^"]*)">'),
     r'<div id="pst-primary-sidebar" class="\1" role="navigation" '
     r'aria-label="Site navigation">'),
    # duplicate-id: sphinx-exercise gives every exercise and solution body
    # the same id ("exercise-content", "solution-content"); nothing links to
    # it, so it becomes a class.
    (re.compile(r'<section id="(exercise|solution)-content">'),
     r'<section class="\1-content">'),
)


def accessible_html(page: str) -> str:
    """One built page with the ``_A11Y`` rewrites applied."""
    for pattern, replacement in _A11Y:
        page = pattern.sub(replacement, page)
    return page


def _accessible_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for path in outdir.rglob("*.html"):
        if path.relative_to(outdir).parts[0] in ("_static", "_sources"):
            continue
        text = path.read_text(encoding="utf-8")
        fixed = accessible_html(text)
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")


# -- page weight -------------------------------------------------------------

def _page_assets(app, pagename, templatename, context, doctree):
    """Per page, leave out the scripts and stylesheets it does not use.

    MathJax when the page has no maths (Sphinx loads it on the root page
    too, whose table of contents lists pages with maths). sphinx-thebe's
    when thebe is off (``launch_buttons: thebe: false``). sphinx-design's
    when the page has none of its ``sd-`` markup.

    On a page with maths, MathJax (1.2 MB) is requested once the page is
    parsed (:func:`_mathjax_after_parsing`), not as a deferred script that
    the browser runs before DOMContentLoaded and before the theme's own
    deferred scripts (the menu buttons). MathJax typesets after
    DOMContentLoaded either way.
    """
    scripts, sheets = context.get("script_files"), context.get("css_files")
    if scripts is None or sheets is None:
        return
    body = context.get("body") or ""

    def name(asset):
        return str(getattr(asset, "filename", asset) or "")

    def inline(asset):
        return str(getattr(asset, "attributes", {}).get("body", ""))

    drop_js, drop_css = [], []
    path = app.config.mathjax_path or "//"
    mathjax = (path, "_static/" + path)  # as the builder stores it
    # Sphinx's maths and myst-nb's outputs are what MathJax typesets
    # (mathjax3_config: processHtmlClass "math" and "output_area").
    if 'class="math' not in body and "output_area" not in body:
        drop_js.append(lambda js: name(js) in mathjax
                       or inline(js).startswith("window.MathJax ="))
    else:
        for i, js in enumerate(scripts):
            if name(js) in mathjax and "pathto" in context:
                url = context["pathto"](name(js), 1)
                try:  # the ?v= that Sphinx adds, for browsers' caches
                    from sphinx.builders.html._assets import _file_checksum

                    checksum = _file_checksum(app.outdir, name(js))
                except (ImportError, OSError):
                    checksum = ""
                url += f"?v={checksum}" if checksum else ""
                scripts[i] = type(js)("", priority=js.priority,
                                      body=_mathjax_after_parsing(url))
    options = app.config.html_theme_options or {}
    if not (options.get("launch_buttons") or {}).get("thebe"):
        drop_js.append(lambda js: name(js).endswith("sphinx-thebe.js")
                       or "THEBE_JS_URL" in inline(js))
        drop_css.append(lambda css: name(css).endswith("sphinx-thebe.css"))
    if not re.search(r'class="(?:[^"]*\s)?sd-', body):
        drop_js.append(lambda js: name(js).endswith("design-tabs.js"))
        drop_css.append(
            lambda css: name(css).endswith("sphinx-design.min.css"))
    scripts[:] = [js for js in scripts if not any(d(js) for d in drop_js)]
    sheets[:] = [c for c in sheets if not any(d(c) for d in drop_css)]


def _mathjax_after_parsing(url: str) -> str:
    """An inline script that adds MathJax's script once the page is parsed."""
    return (
        "(function () { function load() { var s = "
        "document.createElement('script'); s.async = true; "
        f"s.src = {json.dumps(url)}; document.head.appendChild(s); }} "
        "if (document.readyState === 'loading') "
        "document.addEventListener('DOMContentLoaded', load); "
        "else load(); })();")


# An explorer's HTML form (vglib/book/explorer.py), and a frame in it.
_EXPLORER = re.compile(
    r'<div id="vgx-[^"]+" class="vg-explorer".*?</script></div>', re.S)
_PNG_URI = re.compile(r"data:image/png;base64,([A-Za-z0-9+/]+={0,2})")


def explorer_frames_as_files(page: str, images: str, save) -> str:
    """Each explorer frame of a built page as an image file.

    Every ``data:image/png;base64,...`` inside an explorer's HTML form
    becomes ``images + "<sha256>.png"`` (``images`` is the page's relative
    address of ``_images/``), and ``save(name, png_bytes)`` writes the
    file. The explorer's script sets the image's ``src`` only when the
    controls select another frame, so the page loads the frame it shows
    first and no other until then. Identical frames share a file.
    """
    def frame(m):
        png = base64.b64decode(m.group(1))
        name = hashlib.sha256(png).hexdigest() + ".png"
        save(name, png)
        return images + name

    return _EXPLORER.sub(lambda e: _PNG_URI.sub(frame, e.group(0)), page)


# What every page loads and the site does not use (pydata-sphinx-theme 0.17,
# Sphinx 7.4). The templates write these tags; nothing in the theme's
# options leaves them out.
_UNUSED = (
    # Font Awesome's 1.5 MB script replaces each icon (<i class="fa-...">)
    # by an SVG. The theme's stylesheet already draws the same icons from
    # Font Awesome's web fonts (as it draws the icons of admonition titles
    # and breadcrumbs), so the icons stay without it; icon_subset cuts the
    # fonts to the icons shown.
    re.compile(r'\s*<!-- So that users can add custom icons -->\s*'
               r'<script defer src="[^"]*_static/scripts/fontawesome\.js'
               r'(?:\?[^"]*)?"></script>'),
)
# The script hid each icon from screen readers (aria-hidden on its SVG);
# the icon elements themselves are now hidden: they are decoration next
# to the button's name or text.
_ICON = re.compile(r'<(i|span) class="((?:[^"]*\s)?(?:fa-solid|fa-regular|'
                   r'fa-brands|fas|far|fab)\s[^"]*)"(?![^>]*aria-hidden)')
# pydata-sphinx-theme loads Sphinx's search (the index of every page) on
# every page for search as you type, which is off: then only the search
# page uses it. Left on other pages, it also stops sphinx_highlight.js from
# marking the searched words on the page a search result opens.
_SEARCH_OFF = "DOCUMENTATION_OPTIONS.search_as_you_type = false;"
_SEARCH = re.compile(
    r'\s*<script src="[^"]*_static/searchtools\.js"></script>'
    r'\s*<script src="[^"]*_static/language_data\.js"></script>'
    r'\s*<script src="[^"]*searchindex\.js"></script>')


# Every image tag the builder wrote (code shown on a page is escaped) that
# says nothing about loading yet, and the article that holds the page's text.
_IMG = re.compile(r"<img\b(?![^>]*\bloading=)([^>]*)>")
_ARTICLE = re.compile(r'<article class="bd-article"')


def lazy_images(page: str) -> str:
    """``loading="lazy"`` on a page's images: the browser fetches a figure
    when the reader scrolls near it (Chromium: within about a screen or two),
    not all of them with the page. Two stay as they were: the article's
    first image (the figure a reader may see first) and explorers' frames
    (``img.vgx-frame``: one per explorer, the frame its controls show
    first, fetched with the page as ``tests/browser/test_weight.py``
    expects). The launch menu's logos are lazy too: the browser fetches
    them when the menu opens."""
    article = _ARTICLE.search(page)
    start = article.end() if article else len(page)
    first = next((m.start() for m in _IMG.finditer(page, start)
                  if 'class="vgx-frame"' not in m.group(1)), -1)

    def lazy(m):
        if m.start() == first or 'class="vgx-frame"' in m.group(1):
            return m.group(0)
        return f'<img loading="lazy"{m.group(1)}>'

    return _IMG.sub(lazy, page)


_THEME_CSS = re.compile(r'(<link href="[^"]*_static/)styles/'
                        r'pydata-sphinx-theme\.css(?:\?[^"]*)?"')


# Highlighted code: Pygments wraps every token in a <span>; names,
# punctuation and whitespace (classes n, p, w) are half of them, and their
# colour in both of the site's highlighting styles is the style's base
# colour, which vg-reading.css gives the whole block. Without their spans a
# chapter's HTML is 80-115 kB lighter and looks the same.
_HIGHLIGHT = re.compile(r'(<div class="highlight"><pre>)(.*?)(</pre>)', re.S)
_PLAIN_TOKEN = re.compile(r'<span class="[npw]">([^<]*)</span>')


def plain_code_tokens(page: str) -> str:
    """Highlighted code blocks without the spans of name, punctuation and
    whitespace tokens (their text stays, in the block's own colour)."""
    return _HIGHLIGHT.sub(
        lambda m: m.group(1) + _PLAIN_TOKEN.sub(r"\1", m.group(2))
        + m.group(3), page)


def lighter_html(page: str, search_page: bool = False,
                 theme_css: str | None = None) -> str:
    """One built page without the theme's assets that the site does not use.

    ``theme_css``: the theme's stylesheet to load instead of its own (an
    address in ``_static``, from :func:`icon_subset`).
    """
    for pattern in _UNUSED:
        page = pattern.sub("", page)
    if theme_css:
        page = _THEME_CSS.sub(lambda m: f'{m.group(1)}{theme_css}"', page)
    page = _ICON.sub(r'<\1 aria-hidden="true" class="\2"', page)
    if not search_page and _SEARCH_OFF in page:
        page = _SEARCH.sub("", page)
    return lazy_images(plain_code_tokens(page))


# Font Awesome in the theme's stylesheet: one rule per icon (1,881 of them,
# 86 kB) that gives the icon's glyph, and the three web fonts (275 kB).
_FA_CSS = Path("styles") / "pydata-sphinx-theme.css"
_FA_OUT = Path("styles") / "vg-pydata-sphinx-theme.css"  # what pages load
_FA_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+:(?:before|after),?)+)'
                      r'\{content:"([^"]*)"\}')
_FA_FACE = re.compile(r'@font-face\{([^{}]*?)src:url\(([^)]*/webfonts/)'
                      r'(fa-[a-z]+-[0-9]+)\.woff2\)[^{}]*\}')
_FA_CLASS = re.compile(r"\bfa-[a-z0-9-]+")
_FA_SUBSET = "vg-icons"  # folder of _static with the subsets
# Private-use characters (where icon fonts put their glyphs) in CSS: a
# literal character or an escape such as \f107.
_PUA = re.compile(r"[\ue000-\uf8ff]|\\([0-9a-fA-F]{4,6})\s?")


def _css_codepoint(value: str) -> int | None:
    r"""``"\f0c9"`` (as CSS writes it) -> 0xF0C9; None unless one character."""
    text = re.sub(r"\\([0-9a-fA-F]{1,6})\s?",
                  lambda m: chr(int(m.group(1), 16)), value)
    return ord(text) if len(text) == 1 else None


def icon_subset(static: Path, pages: list[str]) -> dict:
    """The theme's stylesheet with only the Font Awesome icons the site shows.

    The icons used are the ``fa-*`` classes in the built ``pages`` and in the
    site's scripts (but Font Awesome's), and the icon characters that any
    stylesheet puts in ``content`` (admonition titles, breadcrumbs, ...).
    ``static/styles/vg-pydata-sphinx-theme.css`` is the theme's stylesheet
    with the rules of those icons only, and ``@font-face`` rules, last, for
    subsets of its three fonts that hold those characters (WOFF files in
    ``static/vg-icons/``, with their ``unicode-range``): browsers take a
    character from the last matching face, and fetch the full font only for
    a character outside the subset. The theme's own files stay as they are.
    Returns the new stylesheet's address in ``_static`` (``css``, with a
    digest of its content) and what was kept; ``{}`` without the theme.
    """
    css_path, out_path = static / _FA_CSS, static / _FA_OUT
    if not css_path.is_file():
        return {}
    css = css_path.read_text(encoding="utf-8")
    used = set()
    for text in pages:
        used.update(_FA_CLASS.findall(text))
    for js in static.rglob("*.js"):
        if js.name != "fontawesome.js" and "mathjax" not in js.parts:
            used.update(_FA_CLASS.findall(js.read_text(errors="replace")))
    codepoints = set()

    def keep(m):
        names = re.findall(r"\.(fa-[a-z0-9-]+):", m.group(1))
        if not used.intersection(names):
            return ""
        cp = _css_codepoint(m.group(2))
        if cp is not None:
            codepoints.add(cp)
        return m.group(0)

    css = _FA_RULE.sub(keep, css)
    # the source map is the theme's, for the stylesheet as it was
    css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
    others = [c.read_text(encoding="utf-8", errors="replace")
              for c in static.rglob("*.css") if c not in (css_path, out_path)]
    for sheet in [css] + others:
        for m in _PUA.finditer(sheet):
            cp = ord(m.group(0)) if m.group(1) is None else int(m.group(1), 16)
            if 0xE000 <= cp <= 0xF8FF:
                codepoints.add(cp)
    faces, kept = [], {}
    for m in _FA_FACE.finditer(css):
        descriptors, folder, font = m.groups()
        source = css_path.parent / folder / (font + ".ttf")
        if not source.is_file():
            continue
        subset = _subset_font(source, codepoints)
        if subset is None:
            continue
        data, present = subset
        target = static / _FA_SUBSET / (font + ".woff")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()[:12]
        ranges = ",".join(f"U+{cp:X}" for cp in sorted(present))
        faces.append(f"@font-face{{{descriptors}src:url(../{_FA_SUBSET}/"
                     f'{font}.woff?v={digest}) format("woff");'
                     f"unicode-range:{ranges}}}")
        kept[font] = len(present)
    css += ("\n/* vg_site: Font Awesome subsets (tools/vg_site.py, "
            "icon_subset) */\n" + "\n".join(faces) + "\n")
    out_path.write_text(css, encoding="utf-8")
    digest = hashlib.sha256(css.encode()).hexdigest()[:12]
    return {"css": f"{_FA_OUT.as_posix()}?digest={digest}",
            "classes": sorted(used), "fonts": kept}


def _subset_font(source: Path, codepoints: set[int]):
    """(WOFF bytes, the characters it has) of ``source`` cut to
    ``codepoints``; None when it has none of them."""
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(source), recalcTimestamp=False)  # the same bytes
    present = set(font.getBestCmap()) & codepoints
    if not present:
        return None
    options = subset.Options()
    options.flavor = "woff"
    options.name_IDs = ["*"]  # keep the licence and names
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(present))
    subsetter.subset(font)
    buf = io.BytesIO()
    font.flavor = "woff"
    font.save(buf)
    return buf.getvalue(), present


# Figures are 2x-resolution PNGs with Matplotlib's anti-aliasing: tens of
# thousands of colours, 1.5 to 3 bytes a pixel. As 8-bit palette images
# (median cut, no dithering) they are about a third of the size, and no
# reader can tell: over the 342 images of the book the mean error is at
# most 0.22 of 255 levels per pixel and 99.9% of pixels are within 25
# levels (the rest are anti-aliased edge pixels).
PNG_MEAN_ERROR = 1.0     # of 255 levels, averaged over the pixels
PNG_P999_ERROR = 40      # of 255 levels, the 99.9th percentile


def compact_png(png: bytes) -> bytes:
    """``png`` as an 8-bit palette PNG when that is smaller and within
    :data:`PNG_MEAN_ERROR` / :data:`PNG_P999_ERROR` of it; otherwise
    ``png`` unchanged. Images with transparency, and images that are
    already palette or grey images, are returned as they are."""
    import io

    import numpy as np
    from PIL import Image

    im = Image.open(io.BytesIO(png))
    if im.mode not in ("RGB", "RGBA"):
        return png
    if im.mode == "RGBA" and im.getchannel("A").getextrema() != (255, 255):
        return png
    rgb = im.convert("RGB")
    pal = rgb.quantize(256, method=Image.Quantize.MEDIANCUT,
                       dither=Image.Dither.NONE)
    err = np.abs(np.asarray(pal.convert("RGB"), dtype=np.int16)
                 - np.asarray(rgb, dtype=np.int16)).max(axis=2)
    if err.mean() > PNG_MEAN_ERROR or \
            np.percentile(err, 99.9) > PNG_P999_ERROR:
        return png
    out = io.BytesIO()
    pal.save(out, "PNG", optimize=True)
    return out.getvalue() if out.tell() < len(png) else png


def compact_images(imagedir: Path) -> tuple[int, int]:
    """Every PNG in ``imagedir`` through :func:`compact_png`, in place.
    Returns (bytes before, bytes after)."""
    before = after = 0
    for path in sorted(imagedir.glob("*.png")):
        png = path.read_bytes()
        small = compact_png(png)
        if small is not png:
            path.write_bytes(small)
        before, after = before + len(png), after + len(small)
    return before, after


def _lighter_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    imagedir = outdir / app.builder.imagedir
    written = set()

    def save(name, png):
        if name not in written:
            imagedir.mkdir(parents=True, exist_ok=True)
            target = imagedir / name
            if not target.is_file() or target.read_bytes() != png:
                target.write_bytes(png)
            written.add(name)

    pages = {}
    for path in outdir.rglob("*.html"):
        rel = path.relative_to(outdir)
        if rel.parts[0] not in ("_static", "_sources", app.builder.imagedir):
            pages[path] = path.read_text(encoding="utf-8")
    icons = icon_subset(outdir / "_static", list(pages.values()))
    for path, text in pages.items():
        rel = path.relative_to(outdir)
        images = "../" * (len(rel.parts) - 1) + app.builder.imagedir + "/"
        fixed = explorer_frames_as_files(text, images, save)
        search = rel.as_posix() == "search.html"
        fixed = lighter_html(fixed, search_page=search,
                             theme_css=icons.get("css"))
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")
    if imagedir.is_dir():
        compact_images(imagedir)


# -- JupyterLite launch link -------------------------------------------------

LITE_TEXT = "Run in the browser (JupyterLite)"
LITE_TOOLTIP = (
    "Opens this chapter in the site's JupyterLite edition: Python runs in "
    "your browser, no server or account needed. It works when the website "
    "is served over HTTP (a web host, or python -m http.server), not when "
    "the pages are opened as files (file://).")


def _jupyterlite_launch(app, pagename, templatename, context, doctree):
    """A launch option, next to Binder and Colab, that opens the page's
    notebook in the JupyterLite edition (``make lite``, in ``lite/`` of the
    site): ``<vg_jupyterlite>?path=<notebook>.ipynb``, relative to the page,
    so that it works under any prefix. Notebook pages only: the theme adds
    the launch dropdown to those alone (``add_launch_buttons``)."""
    target = app.config.vg_jupyterlite
    groups = [b for b in context.get("header_buttons") or []
              if isinstance(b, dict) and b.get("label") == "launch-buttons"]
    if not target or not groups or "pathto" not in context:
        return
    source = Path(app.env.doc2path(pagename))
    if source.suffix != ".ipynb":
        return
    url = f"{context['pathto'](target, 1)}?path={quote(source.name)}"
    buttons = groups[0].setdefault("buttons", [])
    if any(b.get("label") == "launch-jupyterlite" for b in buttons):
        return
    buttons.append({
        "type": "link",
        "text": LITE_TEXT,
        "tooltip": LITE_TOOLTIP,
        "icon": "_static/images/logo_jupyterlite.svg",
        "url": url,
        "label": "launch-jupyterlite",
    })


def setup(app):
    app.connect("config-inited", _add_static)
    app.add_js_file("vg-nav.js", loading_method="defer")
    app.add_css_file("vg-a11y.css")
    # glued numbers in plain weight, wide equations that scroll with a cue,
    # solution titles that open their solution (see the files' comments)
    app.add_css_file("vg-reading.css")
    app.add_js_file("vg-reading.js", loading_method="defer")
    app.connect("build-finished", _accessible_pages)
    app.connect("config-inited", _check_mathjax)
    app.connect("config-inited", _theme_mode)
    app.connect("config-inited", _repository_url)
    app.connect("builder-inited", _register_glued_role)
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)
    app.connect("html-page-context", _page_assets, priority=900)
    # after sphinx-book-theme's add_launch_buttons (priority 501)
    app.add_config_value("vg_jupyterlite", "lite/notebooks/index.html",
                         "html")
    app.connect("html-page-context", _jupyterlite_launch, priority=600)
    # after _accessible_pages (priority 500), whose patterns read the
    # icons' markup before lighter_html hides them
    app.connect("build-finished", _lighter_pages, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
