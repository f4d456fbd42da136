"""Fetch axe-core from the npm registry for the website's accessibility test.

    python tools/vendor_axe.py [--force] [DEST]   # DEST: _build/vendor

The pinned ``axe-core`` package is fetched with ``npm pack`` (or, without
npm, straight from the registry's tarball URL), its sha512 checked against
the pin below, and ``axe.min.js`` with the package's licence is unpacked
into ``DEST/axe-core/``. ``tests/browser/test_accessibility.py`` injects it
into every page of the table of contents and runs it there. It is a test
tool, not part of the site: DEST is outside ``_build/vendor/static`` (which
Sphinx copies into the site), and nothing is committed. ``make site-test``
runs this first: it does nothing when DEST already holds the pinned version
(``--force`` fetches it again).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

NAME = "axe-core"
VERSION = "4.14.1"
# The registry's "integrity" field for the pinned version
# (npm view axe-core@4.14.1 dist.integrity).
INTEGRITY = (
    "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASy"
    "FNNtuFooJpZe37OgudVGtQ=="
)
TARBALL_URL = f"https://registry.npmjs.org/{NAME}/-/{NAME}-{VERSION}.tgz"
# Files of the package that the test needs, and where they go in DEST/axe-core.
KEEP = {"package/axe.min.js": "axe.min.js",
        "package/LICENSE": "LICENSE",
        "package/package.json": "package.json"}


def fetch(workdir: Path) -> Path:
    """Download the tarball into workdir: npm pack, or the registry URL."""
    npm = shutil.which("npm")
    if npm:
        out = subprocess.run(
            [npm, "pack", f"{NAME}@{VERSION}", "--json", "--silent",
             "--pack-destination", str(workdir)],
            check=True, capture_output=True, text=True,
        )
        return workdir / json.loads(out.stdout)[0]["filename"]
    print(f"npm not found: fetching {TARBALL_URL}", file=sys.stderr)
    target = workdir / f"{NAME}-{VERSION}.tgz"
    with urllib.request.urlopen(TARBALL_URL, timeout=120) as response, \
            open(target, "wb") as f:
        shutil.copyfileobj(response, f)
    return target


def check_integrity(tarball: Path) -> None:
    algorithm, expected = INTEGRITY.split("-", 1)
    digest = hashlib.new(algorithm, tarball.read_bytes()).digest()
    got = base64.b64encode(digest).decode()
    if got != expected:
        raise SystemExit(f"{tarball.name}: {algorithm} is {got}, expected "
                         f"{expected}; refusing to use it")


def unpack(tarball: Path, dest: Path) -> None:
    staging = dest.with_name(dest.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(tarball) as tar:
        members = []
        for m in tar.getmembers():
            if m.isfile() and m.name in KEEP:
                m.name = KEEP[m.name]
                members.append(m)
        try:
            tar.extractall(staging, members=members, filter="data")
        except TypeError:  # Python before 3.11.4 has no extraction filters
            tar.extractall(staging, members=members)
    meta = json.loads((staging / "package.json").read_text(encoding="utf-8"))
    if (meta.get("version") != VERSION
            or not (staging / "axe.min.js").is_file()):
        raise SystemExit(f"{tarball.name} is not {NAME} {VERSION} with "
                         "axe.min.js")
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)


def present(dest: Path) -> bool:
    """True when dest holds axe.min.js of the pinned version."""
    try:
        meta = json.loads((dest / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return meta.get("version") == VERSION and (dest / "axe.min.js").is_file()


def main(argv: list[str]) -> None:
    force = "--force" in argv
    args = [a for a in argv[1:] if a != "--force"]
    root = Path(args[0] if args else "_build/vendor")
    dest = root / NAME
    if not force and present(dest):
        print(f"{NAME} {VERSION} is in {dest}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        tarball = fetch(Path(tmp))
        check_integrity(tarball)
        root.mkdir(parents=True, exist_ok=True)
        unpack(tarball, dest)
    size = (dest / "axe.min.js").stat().st_size
    print(f"{NAME} {VERSION} (sha512 checked) in {dest} "
          f"(axe.min.js, {size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main(sys.argv)
