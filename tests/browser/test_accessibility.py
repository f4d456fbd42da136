"""Every page of the table of contents passes an axe-core audit.

axe-core (the pinned npm package that ``tools/vendor_axe.py`` fetches into
``_build/vendor/axe-core``; ``make site-test`` does it) is injected into each
built page, opened offline in headless Chromium at a laptop's and a phone's
width once the maths is typeset, and run with its default rules (WCAG 2.x A
and AA and best practices). No violation of impact "serious" or "critical" is
allowed; "moderate" and "minor" ones are listed in the report. Each page's
full result goes to ``test-artifacts/accessibility/<width>/<page>.json`` and a
summary of every rule that fired to ``.../summary.json``. The phone's menu
drawer is audited open, too.

A displayed equation that scrolls sideways (on a phone) is focusable, so
that the arrow keys scroll it (``tools/static/vg-reading.js``; axe's rule
scrollable-region-focusable), and one that fits is not.

Explorer sliders (``vglib/book/explorer.py``) are named by the label they
show, and say the value they show (``aria-valuetext``), not a step index:
checked before and after a key press moves each one.

The fixes are in ``tools/vg_site.py`` (markup of the themes and extensions,
rewritten after the build) and ``tools/static/vg-a11y.css``. What remains
(minor): axe reads no text in a table header that holds only maths (MathJax
draws it with CSS; screen readers read its hidden MathML), so such headers
are reported as empty.

Settings: ``VG_AXE`` is the path of ``axe.min.js`` (default
``_build/vendor/axe-core/axe.min.js``).
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections import Counter
from pathlib import Path

import pytest

from .conftest import (ARTIFACTS, MATHS_READY_JS, ROOT, SITE, built_pages,
                       toc_pages)

AXE = Path(os.environ.get(
    "VG_AXE", ROOT / "_build" / "vendor" / "axe-core" / "axe.min.js"))
_spec = importlib.util.spec_from_file_location(
    "vendor_axe", ROOT / "tools" / "vendor_axe.py")
vendor_axe = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(vendor_axe)
BLOCKING = ("serious", "critical")
WIDTHS = {"laptop": {"width": 1366, "height": 900},
          "phone": {"width": 390, "height": 844}}
OUT = ARTIFACTS / "accessibility"


PAGES = built_pages()

RUN_JS = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return {version: axe.version, violations: r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({impact: n.impact, target: n.target,
                              html: n.html.slice(0, 300),
                              summary: n.failureSummary}))}))};
}"""

# Each explorer slider: its name, the label shown, the value it says
# (aria-valuetext) and the value shown, before and after one key press.
SLIDERS_JS = """() => Array.from(
    document.querySelectorAll('.vg-explorer input.vgx-control')).map(i => {
  const row = i.closest('label');
  return {name: i.getAttribute('aria-label'),
          label: row.querySelector('span').textContent,
          valuetext: i.getAttribute('aria-valuetext'),
          shown: row.querySelector('output').textContent,
          value: i.value, max: i.max};
})"""

# Each displayed equation: does it scroll sideways, can the keyboard reach
# it (tools/static/vg-reading.js)?
EQUATIONS_JS = """() => Array.from(
    document.querySelectorAll('mjx-container[display="true"]')).map(b => ({
  scrolls: b.scrollWidth > b.clientWidth + 1,
  tabindex: b.getAttribute('tabindex'),
  tex: (b.closest('.math') || b).textContent.slice(0, 60)}))"""

_summary: dict[str, dict] = {}
_visits: dict[tuple[str, str], dict] = {}


def _open(browser, url: str, viewport: dict):
    context = browser.new_context(viewport=viewport, service_workers="block")
    context.route("**/*", lambda r: r.continue_()
                  if r.request.url.startswith(("file:", "data:", "blob:"))
                  else r.abort("internetdisconnected"))
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("load")
    page.evaluate(MATHS_READY_JS)
    return context, page


def _sliders(page) -> list[dict]:
    """Every explorer slider, before and after a key press that moves it."""
    found = []
    before = page.evaluate(SLIDERS_JS)
    inputs = page.locator(".vg-explorer input.vgx-control")
    for k, b in enumerate(before):
        if b["max"] == "0":  # a control with one value does not move
            found.append({"before": b, "after": b, "key": None})
            continue
        key = "ArrowLeft" if b["value"] == b["max"] else "ArrowRight"
        inputs.nth(k).focus()
        page.keyboard.press(key)
        found.append({"before": b, "after": page.evaluate(SLIDERS_JS)[k],
                      "key": key})
    return found


def visit(browser, site: Path, page_name: str, width: str) -> dict:
    """axe-core's violations on one page (offline, maths typeset); at the
    laptop width also what each explorer slider says."""
    if (page_name, width) in _visits:
        return _visits[page_name, width]
    html = site / f"{page_name}.html"
    if not html.is_file():
        pytest.fail(f"{page_name}.html is not in {site}", pytrace=False)
    context, page = _open(browser, html.as_uri(), WIDTHS[width])
    try:
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(RUN_JS)
        result["equations"] = page.evaluate(EQUATIONS_JS)
        if width == "laptop":
            result["sliders"] = _sliders(page)
    finally:
        context.close()
    _visits[page_name, width] = result
    return result


def _blocking(result: dict, where: str, out: Path) -> str:
    bad = [v for v in result["violations"] if v["impact"] in BLOCKING]
    lines = [f"{v['impact']} {v['id']} ({len(v['nodes'])}): {v['help']}\n"
             + "\n".join(f"    {n['target']}: {n['html'][:160]}"
                         for n in v["nodes"][:5]) for v in bad]
    return (f"{where}: " + "\n".join(lines) + f"\n(full result: {out})"
            if bad else "")


@pytest.fixture(scope="session")
def axe_js() -> Path:
    if not AXE.is_file():
        pytest.fail(f"no axe-core at {AXE}: run `python tools/vendor_axe.py` "
                    "(`make site-test` does it)", pytrace=False)
    return AXE


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("page_name", PAGES)
def test_no_serious_or_critical_violations(browser, site, axe_js,
                                           page_name, width):
    result = visit(browser, site, page_name, width)
    assert result["version"] == vendor_axe.VERSION, result["version"]
    out = OUT / width / f"{page_name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False),
                   encoding="utf-8")
    counts = Counter()
    for v in result["violations"]:
        counts[f"{v['impact']} {v['id']}"] += len(v["nodes"])
    _summary.setdefault(width, {})[page_name] = dict(counts)
    (OUT / "summary.json").write_text(json.dumps(_summary, indent=1),
                                      encoding="utf-8")
    problem = _blocking(result, f"{page_name} at {width} width", out)
    assert not problem, problem


def test_equations_that_scroll_take_the_keyboard(browser, site, axe_js):
    """A displayed equation wider than a phone's column scrolls sideways;
    each such one is focusable (tabindex 0), so that arrow keys scroll it,
    and no equation that fits is (MathJax's menu, which made every one
    focusable, is not loaded). At least one page has one at the phone's
    width, or the check would be empty."""
    seen, bad = 0, []
    for page_name in PAGES:
        for e in visit(browser, site, page_name, "phone")["equations"]:
            seen += e["scrolls"]
            if e["scrolls"] != (e["tabindex"] == "0"):
                bad.append(f"{page_name}: {e}")
    if not seen and len(PAGES) < len(toc_pages()):
        pytest.skip("no equation scrolls at 390 px in this partial build")
    assert seen, "no displayed equation scrolls at 390 px on any page"
    assert not bad, "\n".join(bad[:10])


EXPLORER_PAGES = [p for p in PAGES if (SITE / f"{p}.html").is_file()
                  and "vg-explorer" in (SITE / f"{p}.html").read_text(
                      encoding="utf-8")]


@pytest.mark.parametrize("page_name", EXPLORER_PAGES)
def test_explorer_sliders_say_their_label_and_the_value_shown(
        browser, site, axe_js, page_name):
    sliders = visit(browser, site, page_name, "laptop")["sliders"]
    assert sliders, f"{page_name}: no explorer slider found"
    for s in sliders:
        b, a = s["before"], s["after"]
        where = f"{page_name}, slider {b['label']!r}"
        assert b["name"] and b["name"] == b["label"], \
            f"{where}: named {b['name']!r}, not by its visible label"
        for state in (b, a):
            assert state["valuetext"] == state["shown"], \
                (f"{where} at step {state['value']}: says "
                 f"{state['valuetext']!r}, shows {state['shown']!r}")
        if s["key"]:
            assert a["value"] != b["value"], \
                f"{where}: {s['key']} did not move it"
            assert a["shown"] != b["shown"], \
                f"{where}: the value shown is stuck"


def test_phone_menu_drawer(browser, site, axe_js):
    """The site navigation opened as a drawer on a phone passes too."""
    context, page = _open(browser, (site / f"{PAGES[0]}.html").as_uri(),
                          WIDTHS["phone"])
    try:
        page.locator("button.primary-toggle:visible").first.click()
        drawer = page.locator("dialog#pst-primary-sidebar-modal")
        drawer.wait_for(state="visible", timeout=5_000)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(RUN_JS)
    finally:
        context.close()
    out = OUT / "phone-drawer.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False),
                   encoding="utf-8")
    problem = _blocking(result, f"{PAGES[0]}, menu drawer open", out)
    assert not problem, problem


# -- the rewrites themselves (tools/vg_site.py), on the themes' markup --------

_site_spec = importlib.util.spec_from_file_location(
    "vg_site", ROOT / "tools" / "vg_site.py")
vg_site = importlib.util.module_from_spec(_site_spec)
_site_spec.loader.exec_module(vg_site)

GENERATED = {
    '<summary aria-label="Toggle hidden content">\n<p class="collapsed">':
        '<summary>\n<p class="collapsed">',
    '<button class="btn search-button-field search-button__button '
    'pst-js-only" title="Search" aria-label="Search" data-bs-placement='
    '"bottom">':
        '<button class="btn search-button-field search-button__button '
        'pst-js-only" title="Search" data-bs-placement="bottom">',
    '<i class="theme-switch fa-solid fa-moon               fa-lg" '
    'data-mode="dark"  title="Dark"></i>':
        '<i aria-hidden="true" class="theme-switch fa-solid fa-moon'
        '               fa-lg" data-mode="dark"></i>',
    '<div class="citation" id="id8" role="doc-biblioentry">':
        '<div class="citation" id="id8" role="listitem">',
    '<tr class="row-odd"><th class="head"><p></p></th>\n'
    '<th class="head"><p>He</p></th>':
        '<tr class="row-odd"><td class="head"></td>\n'
        '<th class="head"><p>He</p></th>',
    '<th class="head"></th>': '<td class="head"></td>',
    '<div id="pst-primary-sidebar" class="bd-sidebar-primary bd-sidebar">':
        '<div id="pst-primary-sidebar" class="bd-sidebar-primary '
        'bd-sidebar" role="navigation" aria-label="Site navigation">',
}


@pytest.mark.parametrize("before", list(GENERATED))
def test_each_rewrite_applies_once(before):
    after = vg_site.accessible_html(before)
    assert after == GENERATED[before]
    assert vg_site.accessible_html(after) == after


def test_code_shown_on_a_page_is_not_rewritten():
    import html

    shown = html.escape("".join(GENERATED))  # e.g. HTML in a code cell
    assert vg_site.accessible_html(shown) == shown
    # other search buttons (icon only) keep their name
    icon = ('<button class="btn btn-sm pst-navbar-icon search-button '
            'search-button__button pst-js-only" title="Search" '
            'aria-label="Search">')
    assert vg_site.accessible_html(icon) == icon
