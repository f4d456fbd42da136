#!/usr/bin/env node
// vglib's unit tests under Pyodide, in Node, offline: the runtime and the
// package files of the JupyterLite edition (`make lite`), so that a change
// that breaks the browser edition is caught without a browser.
//
//   node tests/pyodide/run_tests.js [--edition DIR] [--wheel] [PYTEST ARGS]
//
// --edition  the edition's Pyodide folder (default
//            $VG_LITE/static/pyodide, with VG_LITE the edition as for
//            tests/browser/test_lite.py, else _build/html/lite): pyodide.js,
//            the lock, and the package files whose sha256 `make lite`
//            checked.
// --wheel    test the vglib wheel the edition serves (default: the vglib/
//            of this working tree, mounted read-only).
// PYTEST ARGS default to every tests/test_*.py that runs in a browser's
// Python (tests/pyodide/select_tests.py says which are left out, and why).
//
// pytest itself (and pluggy, iniconfig) is copied from the virtual
// environment's site-packages, the pinned version of requirements.txt: it
// is pure Python. NumPy, SciPy, Matplotlib, scikit-learn, ipywidgets come
// from the edition's lock, as in the browser. Exit code: pytest's.
"use strict";

const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");

const ROOT = path.resolve(__dirname, "..", "..");
const argv = process.argv.slice(2);
let edition = path.join(
  process.env.VG_LITE ? path.resolve(process.env.VG_LITE)
    : path.join(ROOT, "_build", "html", "lite"), "static", "pyodide");
let useWheel = false;
const pytestArgs = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--edition") edition = path.resolve(argv[++i]);
  else if (argv[i] === "--wheel") useWheel = true;
  else pytestArgs.push(argv[i]);
}
if (!fs.existsSync(path.join(edition, "pyodide-lock.json"))) {
  console.error(`no Pyodide runtime in ${edition}: run \`make lite\` first`);
  process.exit(2);
}

function hostSitePackages() {
  const py = process.env.VG_PYTHON ||
    path.join(ROOT, ".venv", "bin", "python");
  const code = "import os, pytest; " +
    "print(os.path.dirname(os.path.dirname(pytest.__file__)))";
  return execFileSync(py, ["-c", code], { encoding: "utf8" }).trim();
}

async function main() {
  const { loadPyodide } = require(path.join(edition, "pyodide.js"));
  const t0 = Date.now();
  const quiet = () => {};
  const py = await loadPyodide({ indexURL: edition + path.sep });
  // Raw writes: pytest's progress dots stay on one line.
  const raw = (stream) => ({
    write: (buf) => { stream.write(buf); return buf.length; },
  });
  py.setStdout(raw(process.stdout));
  py.setStderr(raw(process.stderr));
  const packages = ["numpy", "scipy", "matplotlib", "scikit-learn",
                    "threadpoolctl", "ipywidgets", "pygments", "packaging"];
  if (useWheel) packages.push("vglib");
  await py.loadPackage(packages, { messageCallback: quiet });
  const site = hostSitePackages();
  for (const [dir, mount] of [[ROOT, "/repo"], [site, "/hostsite"]]) {
    py.FS.mkdirTree(mount);
    py.FS.mount(py.FS.filesystems.NODEFS, { root: dir }, mount);
  }
  const from = useWheel ? "the edition's wheel" : "this working tree";
  console.log(`Pyodide ${py.version} ready in ${(Date.now() - t0) / 1000}` +
              ` s (vglib from ${from})`);
  py.globals.set("PYTEST_ARGS", py.toPy(pytestArgs));
  py.globals.set("USE_WHEEL", useWheel);
  const code = await py.runPythonAsync(`
import os, shutil, sys
sys.dont_write_bytecode = True          # nothing written into the repository
os.environ["MPLBACKEND"] = "agg"
import glob
names = ["pytest", "_pytest", "pluggy", "iniconfig", "py.py"]
names += [os.path.basename(d) for n in ("pytest", "pluggy", "iniconfig")
          for d in glob.glob(f"/hostsite/{n}-*.dist-info")]
for name in names:
    src = os.path.join("/hostsite", name)
    dst = os.path.join("/tmp/vg-site", name)
    if os.path.isdir(src):
        shutil.copytree(src, dst, dirs_exist_ok=True)
    else:
        os.makedirs("/tmp/vg-site", exist_ok=True)
        shutil.copy(src, dst)
sys.path.insert(0, "/tmp/vg-site")
if USE_WHEEL:
    import vglib  # the wheel's, before /repo can come first on sys.path
else:
    sys.path.insert(0, "/repo")
os.chdir("/repo")
sys.path.insert(0, "/repo/tests/pyodide")
import select_tests
args = list(PYTEST_ARGS) or select_tests.default_args()
import pytest, vglib
print("vglib from", os.path.dirname(vglib.__file__), flush=True)
int(pytest.main(["-p", "no:cacheprovider", *args]))
`);
  process.exitCode = code;
}

main().catch((e) => { console.error(e); process.exit(3); });
