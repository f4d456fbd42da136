"""A real JupyterLab, from the venv, on a temporary copy of some chapters (``make lab-test``).

The server listens on 127.0.0.1 only, with a random token, and its
configuration, settings, workspaces and runtime files live in a temporary
folder, so neither the reader's Jupyter setup nor the repository is touched:
outputs are written into the copy. Debian's Chromium, driven by Playwright,
is the reader. Skipped by a plain ``pytest tests`` unless ``VG_LAB_TESTS=1``.

Settings (environment variables):

``VG_LAB_CHAPTERS``  notebooks to open, comma-separated names without ``.ipynb``,
                     or ``all`` (default: the three in ``test_jupyterlab.CHAPTERS``)
``VG_CHROMIUM``      the browser (default ``/usr/bin/chromium``)
``VG_ARTIFACTS``     where screenshots and measurements go (default ``test-artifacts``)
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("VG_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("VG_ARTIFACTS", ROOT / "test-artifacts")).resolve() / "jupyterlab"
ENABLED = os.environ.get("VG_LAB_TESTS") == "1"

# JupyterLab settings for the test (the reader's own are not read): every cell
# rendered (no windowing: the checks read every markdown cell), no news or
# update check (no request leaves the machine, no pop-up over the page).
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


def pytest_collection_modifyitems(config, items):
    if ENABLED:
        return
    skip = pytest.mark.skip(reason="JupyterLab checks: run `make lab-test` (or set VG_LAB_TESTS=1)")
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(skip)


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    log: Path

    def notebook_url(self, name: str) -> str:
        # A workspace of its own, reset: only this notebook open, nothing restored from an earlier page.
        return f"{self.url}/lab/workspaces/{name}/tree/{name}.ipynb?reset&token={self.token}"

    def sessions(self) -> list[dict]:
        return self._api("GET", "/api/sessions")

    def shut_down_kernels(self):
        """End every kernel the server runs (a chapter's, once its checks are done)."""
        for kernel in self._api("GET", "/api/kernels"):
            self._api("DELETE", f"/api/kernels/{kernel['id']}")

    def _api(self, method, path):
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    home = tmp_path_factory.mktemp("lab")
    root = home / "chapters"
    shutil.copytree(ROOT / "chapters", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for name, values in SETTINGS.items():
        path = home / "settings" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "server.log"
    port, token = _free_port(), secrets.token_hex(24)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               IPYTHONDIR=str(home / "ipython"))
    command = [
        str(Path(sys.executable).parent / "jupyter-lab"), "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--ServerApp.terminals_enabled=False", "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.extension_manager=readonly",
    ] + (["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])
    with open(log, "w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=home)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start; its log is {log}:\n{log.read_text()[-3000:]}", pytrace=False)
                time.sleep(0.5)
        yield Lab(url=url, token=token, root=root, log=log)
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM} (`sudo apt-get install -y chromium`, or set VG_CHROMIUM)",
                    pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # The project's flags (tests/browser); Playwright starts it with an empty profile.
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        yield b
        b.close()
