"""Chapters run in the JupyterLite edition, in headless Chromium, offline.

The edition (``make lite``, in ``_build/html/lite``) is served by Python's
``http.server`` on 127.0.0.1 and every request that leaves that server is
aborted and reported. For each chapter: open it in the edition (Pyodide
kernel, in the page), Run All, and fail on any error output, on stderr (but
Matplotlib's one-off "building the font cache"), on a cell left unrun, on an
uncaught page error or on a request that left the machine; then drag the
first slider of the chapter's explorer one step with the mouse and wait for
its figure to show the slider's new frame (Python -> browser -> Python ->
browser through the widget comm).

Not part of a plain ``pytest tests``: runs with ``VG_SITE_TESTS=1
VG_LITE_TESTS=1`` (``make lite-test``). Settings:

``VG_LITE``           the edition (default ``_build/html/lite``)
``VG_LITE_CHAPTERS``  ``all`` (default: every notebook of the table of
                      contents), or names such as ``05_relu,08_elu``
``VG_LITE_FIRST``     chapters (comma-separated) of which only the cells up
                      to the first explorer run, or with ``name:N`` only
                      the first N code cells (no explorer is moved then if
                      none was reached): for CI time on heavy chapters

Times (first load to idle kernel, Run All) and a screenshot per chapter go
to ``test-artifacts/lite/``; nothing about a time is asserted but a hang.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
import time
from pathlib import Path

import pytest

from .conftest import ARTIFACTS, ROOT, source_of, toc_pages

LITE = Path(os.environ.get("VG_LITE", ROOT / "_build/html/lite")).resolve()
OUT = ARTIFACTS / "lite"
ENABLED = os.environ.get("VG_LITE_TESTS") == "1"
pytestmark = pytest.mark.skipif(
    not ENABLED, reason="JupyterLite checks: `make lite-test` (or "
    "VG_LITE_TESTS=1) after `make lite`")

KERNEL_READY_S = 300   # a cold kernel on two busy cores: 45-60 s seen
RUN_TIMEOUT_S = 900    # Run All of one chapter; 70-150 s seen

_toc = [p for p in toc_pages() if (s := source_of(p)) is not None
        and s.suffix == ".ipynb"]
_wanted = os.environ.get("VG_LITE_CHAPTERS", "all").strip()
CHAPTERS = [p.split("/")[-1] for p in _toc] if _wanted in ("", "all") \
    else [c.strip() for c in _wanted.split(",") if c.strip()]
# name -> 0 (up to the first explorer) or N (name:N, the first N code cells,
# for chapters whose first explorer comes after their heavy runs).
FIRST_ONLY = {c.split(":")[0].strip(): int(c.split(":")[1]) if ":" in c
              else 0
              for c in os.environ.get("VG_LITE_FIRST", "").split(",")
              if c.strip()}
STDERR_ALLOWED = ("Matplotlib is building the font cache",)

KERNEL_IDLE = """() => {
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session
    && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle' && !w.content.widgets.some(
    c => c.model.type === 'code' && c.promptNode
      && c.promptNode.textContent.includes('*'));
}"""
KERNEL_STATUS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const s = w.sessionContext.session;
  return s && s.kernel ? s.kernel.status : 'none';
}"""
# Run All; or every cell up to and including the first explorer (n == 0);
# or up to and including the n-th code cell.
RUN = """async ([firstOnly, n]) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  const nb = panel.content;
  if (firstOnly) {
    const code = nb.widgets.map((c, k) => [c, k])
      .filter(([c]) => c.model.type === 'code');
    const hit = n > 0 ? code[Math.min(n, code.length) - 1]
      : code.find(([c]) => /\\bexplorer\\(/.test(
          c.model.sharedModel.getSource()));
    const i = hit ? hit[1] : -1;
    nb.activeCellIndex = i < 0 ? nb.widgets.length - 1 : i;
    await app.commands.execute('notebook:run-all-above');
    await app.commands.execute('notebook:run-cell');
  } else {
    await app.commands.execute('notebook:run-all-cells');
  }
  return nb.activeCellIndex;
}"""
CELLS = """() => window.jupyterapp.shell.currentWidget.content.widgets
  .map((c, i) => ({i, type: c.model.type,
                   count: c.model.type === 'code' ? c.model.executionCount
                                                  : null,
                   outputs: c.model.type === 'code'
                     ? c.model.outputs.toJSON() : []}))
  .filter(c => c.type === 'code')"""
# The frame the sliders point at (Explorer.frame_index's mixed radix).
EXPECTED = (ROOT / "tests/explorer_frame.js").read_text()

# Notebooks render only the cells near the viewport: scroll to the first
# cell whose output is a widget (the explorer), and return its index.
TO_WIDGET = """async () => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const i = nb.widgets.findIndex(c => c.model.type === 'code'
    && c.model.outputs.toJSON().some(o => o.data
      && o.data['application/vnd.jupyter.widget-view+json']));
  if (i >= 0) {
    nb.activeCellIndex = i;
    await nb.scrollToItem(i, 'auto', 0, 'center');
  }
  return i;
}"""
SHOWN = """(root) => Array.from(root.querySelector('img.vgx-live').classList)
  .find(c => c.startsWith('vgx-frame-')) || ''"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".mjs": "text/javascript",
                      ".js": "text/javascript", ".json": "application/json"}

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def lite_url():
    if not (LITE / "index.html").is_file():
        pytest.fail(f"no JupyterLite edition at {LITE}: run `make lite`",
                    pytrace=False)
    handler = functools.partial(_Quiet, directory=str(LITE.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{LITE.name}"
    finally:
        server.shutdown()
        server.server_close()


def _problems_of(cells, first_only: bool) -> list[str]:
    problems = []
    last_run = max((c["i"] for c in cells if c["count"] is not None),
                   default=-1)
    for c in cells:
        for o in c["outputs"]:
            if o.get("output_type") == "error":
                problems.append(f"cell {c['i']}: {o.get('ename')}: "
                                f"{o.get('evalue')}")
            elif o.get("output_type") == "stream" and o.get("name") == \
                    "stderr":
                text = "".join(o.get("text", ""))
                if not text.strip().startswith(STDERR_ALLOWED):
                    problems.append(f"cell {c['i']} stderr: {text[:300]}")
        if c["count"] is None and (not first_only or c["i"] < last_run):
            problems.append(f"cell {c['i']} did not run")
    if not cells or last_run < 0:
        problems.append("no cell ran")
    return problems


def _move_slider(page) -> str:
    """Drag the explorer's first slider one step; '' if the figure followed,
    else what went wrong."""
    index = page.evaluate(TO_WIDGET)
    if index < 0:
        return "no cell shows a widget"
    root = page.locator(".vg-explorer-live").first
    try:
        root.wait_for(state="attached", timeout=30_000)
    except Exception:
        return f"cell {index} shows a widget, but no live explorer"
    root.scroll_into_view_if_needed()
    handle = root.locator(".noUi-handle").first
    if handle.count() == 0:
        return "the live explorer has no slider"
    page.wait_for_function(
        "(root) => !!root.querySelector('img.vgx-live')",
        arg=root.element_handle(), timeout=30_000)
    before = page.evaluate(SHOWN, root.element_handle())
    top = round(float(handle.get_attribute("aria-valuemax")))
    value = round(float(handle.get_attribute("aria-valuenow")))
    track = root.locator(".noUi-target").first.bounding_box()
    step = track["width"] / max(top, 1) * (1 if value < top else -1)
    # The mouse, as a reader would: the notebook takes the keyboard's focus.
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + step, y, steps=5)
    page.mouse.up()
    frame = page.evaluate(EXPECTED, root.element_handle())
    if frame == before:
        return f"the slider did not move (frame {frame})"
    try:
        page.wait_for_function(
            "([root, frame]) => Array.from(root.querySelector("
            "'img.vgx-live').classList).includes(frame)",
            arg=[root.element_handle(), frame], timeout=60_000)
    except Exception:
        shown = page.evaluate(SHOWN, root.element_handle())
        return f"the figure shows {shown}, the slider {frame}"
    return ""


class _Offline:
    """One browser context for the chapters a test process runs, as one
    reader's browser: its HTTP and compiled-WebAssembly caches warm up after
    the first chapter (the first one's kernel time is the cold first load).
    Every request that does not go to the edition's server is aborted and
    kept in ``blocked`` for the chapter that made it."""

    def __init__(self, browser, lite_url):
        self.origin = lite_url.rsplit("/", 1)[0] + "/"
        self.blocked: list[str] = []
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._route)

    def _route(self, r):
        url = r.request.url
        if url.startswith((self.origin, "data:", "blob:")):
            r.continue_()
        else:
            self.blocked.append(f"{r.request.resource_type} {url}")
            r.abort("internetdisconnected")


@pytest.fixture(scope="module")
def offline(browser, lite_url):
    o = _Offline(browser, lite_url)
    yield o
    o.context.close()


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_runs_in_jupyterlite(offline, lite_url, name):
    OUT.mkdir(parents=True, exist_ok=True)
    first_only = name in FIRST_ONLY
    first_cells = FIRST_ONLY.get(name, 0)
    page_errors = []
    offline.blocked.clear()
    blocked = offline.blocked
    page = offline.context.new_page()
    page.on("pageerror", lambda e: page_errors.append(str(e)[:300]))
    record = {"chapter": name, "first_cells_only": first_only,
              "first_code_cells": first_cells or None}
    try:
        t0 = time.monotonic()
        page.goto(f"{lite_url}/notebooks/index.html?path={name}.ipynb")
        page.wait_for_function(KERNEL_IDLE, timeout=KERNEL_READY_S * 1000,
                               polling=500)
        record["kernel_ready_s"] = round(time.monotonic() - t0, 1)
        t1 = time.monotonic()
        page.evaluate(RUN, [first_only, first_cells])
        page.wait_for_function(KERNEL_IDLE, timeout=RUN_TIMEOUT_S * 1000,
                               polling=1000)
        record["run_s"] = round(time.monotonic() - t1, 1)
        status = page.evaluate(KERNEL_STATUS)
        cells = page.evaluate(CELLS)
        problems = _problems_of(cells, first_only)
        if status != "idle":
            problems.append(f"kernel {status}")
        if not problems and first_cells and not page.evaluate(TO_WIDGET) >= 0:
            record["explorer"] = f"not reached in the first {first_cells} cells"
        elif not problems:
            t2 = time.monotonic()
            moved = _move_slider(page)
            record["slider_s"] = round(time.monotonic() - t2, 1)
            if moved:
                problems.append(f"explorer: {moved}")
        problems += [f"page error: {e}" for e in page_errors]
        problems += [f"left the machine: {b}" for b in blocked]
        record["code_cells"] = len(cells)
        record["problems"] = problems
        page.screenshot(path=str(OUT / f"{name}.png"))
    finally:
        (OUT / f"{name}.json").write_text(json.dumps(record, indent=2))
        page.close()
    print(f"{name}: kernel ready {record.get('kernel_ready_s')} s, "
          f"run {record.get('run_s')} s")
    assert not problems, f"{name} in JupyterLite:\n  " + "\n  ".join(problems)
