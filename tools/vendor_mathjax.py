"""Fetch MathJax from the npm registry so the website typesets maths offline.

    python tools/vendor_mathjax.py [DEST]     # default DEST: _build/vendor/static

The pinned ``mathjax`` package is fetched with ``npm pack`` (or, without npm,
straight from the registry's tarball URL), its sha512 checked against the pin
below, and the parts a page needs are unpacked into ``DEST/mathjax/``:
MathJax as separate components, without its right-click menu (426 kB, with
the speech rule engine it loads on demand): the loader ``startup.js``, and
the components that ``_config.yml`` (``mathjax3_config: loader: load:``)
names: ``input/tex`` (TeX with ams, newcommand, require, autoload, ...),
``output/chtml`` with its TeX font data and web fonts, and
``a11y/assistive-mml`` (the hidden MathML that screen readers read).
``core.js`` and ``output/chtml/fonts/tex.js`` are loaded by those. The TeX
extensions that ``autoload`` fetches when a page uses one of their macros
(``\\boldsymbol``, ``\\cancel``, ``\\color``, ...) are all kept.

``_config.yml`` lists ``DEST`` in ``html_static_path`` and points
``mathjax_path`` at ``mathjax/startup.js``, so Sphinx copies it into
``_build/html/_static/mathjax/`` and every page loads it by a relative path
(the loader finds the other components next to itself). Nothing is
committed: ``make book`` runs this when the copy is missing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

VERSION = "3.2.2"
# The registry's "integrity" field for mathjax@3.2.2 (npm view mathjax@3.2.2 dist.integrity).
INTEGRITY = "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
TARBALL_URL = f"https://registry.npmjs.org/mathjax/-/mathjax-{VERSION}.tgz"

# Paths inside the package's es5/ folder that the site serves.
KEEP = (
    "startup.js",
    "core.js",
    "input/tex.js",
    "input/tex/extensions/",
    "output/chtml.js",
    "output/chtml/fonts/tex.js",
    "output/chtml/fonts/woff-v2/",
    "a11y/assistive-mml.js",
)
# What must be there, or the copy is refused (startup.js loads the rest).
REQUIRED = tuple(k for k in KEEP if k.endswith(".js"))


def fetch(workdir: Path) -> Path:
    """Download the tarball into workdir: npm pack first, the plain registry URL as fallback."""
    npm = shutil.which("npm")
    if npm:
        out = subprocess.run(
            [npm, "pack", f"mathjax@{VERSION}", "--json", "--silent", "--pack-destination", str(workdir)],
            check=True, capture_output=True, text=True,
        )
        return workdir / json.loads(out.stdout)[0]["filename"]
    print(f"npm not found: fetching {TARBALL_URL}", file=sys.stderr)
    target = workdir / f"mathjax-{VERSION}.tgz"
    with urllib.request.urlopen(TARBALL_URL, timeout=120) as response, open(target, "wb") as f:
        shutil.copyfileobj(response, f)
    return target


def check_integrity(tarball: Path) -> None:
    algorithm, expected = INTEGRITY.split("-", 1)
    digest = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
    if digest != expected:
        raise SystemExit(f"{tarball.name}: {algorithm} is {digest}, expected {expected}; refusing to use it")


def unpack(tarball: Path, dest: Path) -> None:
    prefix = "package/es5/"
    staging = dest.with_name(dest.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(tarball) as tar:
        members = []
        for m in tar.getmembers():
            if m.isfile() and m.name == "package/LICENSE":
                m.name = "LICENSE"
                members.append(m)
            elif m.isfile() and m.name.startswith(prefix) and m.name[len(prefix):].startswith(KEEP):
                m.name = m.name[len(prefix):]
                members.append(m)
        try:
            tar.extractall(staging, members=members, filter="data")
        except TypeError:  # Python before 3.11.4 has no extraction filters
            tar.extractall(staging, members=members)
    missing = [k for k in REQUIRED if not (staging / k).is_file()]
    if missing:
        raise SystemExit(f"{tarball.name} has no es5/{', es5/'.join(missing)}")
    # The package's files carry npm's fixed 1985 timestamp: dated now, so
    # that make sees the copy as newer than this script.
    for path in staging.rglob("*"):
        os.utime(path)
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)


def main(argv: list[str]) -> None:
    root = Path(argv[1] if len(argv) > 1 else "_build/vendor/static")
    dest = root / "mathjax"
    with tempfile.TemporaryDirectory() as tmp:
        tarball = fetch(Path(tmp))
        check_integrity(tarball)
        root.mkdir(parents=True, exist_ok=True)
        unpack(tarball, dest)
    size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
    print(f"MathJax {VERSION} (sha512 checked) in {dest} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main(sys.argv)
