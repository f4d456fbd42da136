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
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sphinx.errors import ConfigError


def _check_mathjax(app, config):
    path = config.mathjax_path
    if not path or "://" in path or path.startswith("/"):
        return
    confdir = Path(app.confdir)
    for static in config.html_static_path:
        if (confdir / static / path).is_file():
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
    return {"parallel_read_safe": True, "parallel_write_safe": True}
