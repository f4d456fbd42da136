r"""Datasets for the course: offline digits, MNIST (optional, downloaded once), 2-D toys.

Every loader returns a :class:`Dataset`, a named tuple that unpacks as
``X_train, y_train, X_test, y_test``:

* features ``X``: float64 (or the ``dtype`` asked for), shape ``(N, n_features)``;
* labels ``y``: int64, shape ``(N,)``, values ``0 … n_classes − 1``.

``load_digits()`` is the default of the book: it is bundled with scikit-learn,
so it works offline, and it is small enough to train on in seconds. No page
of the book depends on the network; ``load_mnist()`` is for readers who want
the real thing.
"""

from __future__ import annotations

import os
from typing import NamedTuple

import numpy as np

from .init import as_generator

__all__ = ["Dataset", "load_digits", "load_mnist", "spirals", "circles", "xor", "MNISTUnavailableError"]


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
    rng = as_generator(seed)
    test = np.zeros(len(y), bool)
    for c in np.unique(y):  # stratified: the same share of every class in the test set
        idx = np.flatnonzero(y == c)
        test[rng.choice(idx, size=int(round(test_fraction * idx.size)), replace=False)] = True
    return X[~test], y[~test], X[test], y[test]


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

    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction!r}")
    d = _load()
    X, y = d.data.astype(np.float64), d.target.astype(np.int64)
    X_tr, y_tr, X_te, y_te = _split(X, y, test_fraction, seed)
    X_tr, X_te = _standardise(X_tr, X_te, dtype)
    return Dataset(X_tr, y_tr, X_te, y_te)


def load_mnist(data_home=None, n_train=60000, n_test=10000, dtype=np.float64) -> Dataset:
    """MNIST (70 000 28×28 digits) from OpenML, downloaded once and cached on disk.

    Uses ``sklearn.datasets.fetch_openml("mnist_784")``. The standard split
    is kept: the first 60 000 images train, the last 10 000 test (``n_train``
    and ``n_test`` take the first ones of each). Pixels are scaled to [0, 1].

    Parameters
    ----------
    data_home : str, optional
        Cache folder (default: ``$VGLIB_DATA`` or scikit-learn's ``~/scikit_learn_data``).

    Raises
    ------
    MNISTUnavailableError
        When it is not cached and cannot be downloaded; use :func:`load_digits` offline.
    """
    from sklearn.datasets import fetch_openml

    data_home = data_home or os.environ.get("VGLIB_DATA")
    try:
        X, y = fetch_openml("mnist_784", version=1, data_home=data_home, as_frame=False,
                            return_X_y=True, parser="liac-arff")
    except (OSError, ValueError) as err:  # URLError, HTTPError, timeouts are OSErrors
        raise MNISTUnavailableError(
            f"could not load MNIST from OpenML (offline, and no copy cached in "
            f"{data_home or 'the scikit-learn data folder'}): {err}. "
            "Use vglib.data.load_digits() instead: it is bundled with scikit-learn and needs no network."
        ) from err
    if len(X) != 70000:
        raise ValueError(f"expected 70000 MNIST images from OpenML, got {len(X)}")

    def part(rows):
        return (np.asarray(X[rows], dtype=np.float64) / 255.0).astype(dtype), np.asarray(y[rows]).astype(np.int64)

    return Dataset(*part(slice(0, min(n_train, 60000))), *part(slice(60000, 60000 + min(n_test, 10000))))


def _finish(X, y, test_fraction, seed, dtype):
    X_tr, y_tr, X_te, y_te = _split(X, y.astype(np.int64), test_fraction, seed)
    return Dataset(X_tr.astype(dtype), y_tr, X_te.astype(dtype), y_te)


def spirals(n=600, classes=3, noise=0.2, turns=1.0, seed=0, test_fraction=0.25, dtype=np.float64) -> Dataset:
    """Interleaved 2-D spirals, one arm per class (``n`` points in all, 2 features)."""
    rng = as_generator(seed)
    per = n // classes
    r = np.tile(np.linspace(0.05, 1.0, per), classes)
    k = np.repeat(np.arange(classes), per)
    angle = 2 * np.pi * (turns * r + k / classes) + noise * rng.normal(size=r.size)
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    return _finish(X, k, test_fraction, seed, dtype)


def circles(n=600, noise=0.1, factor=0.5, seed=0, test_fraction=0.25, dtype=np.float64) -> Dataset:
    """Two concentric circles (radius 1 and ``factor``) with Gaussian noise; 2 classes."""
    rng = as_generator(seed)
    y = np.arange(n) % 2
    angle = rng.uniform(0, 2 * np.pi, size=n)
    radius = np.where(y == 0, 1.0, factor)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]) + noise * rng.normal(size=(n, 2))
    return _finish(X, y, test_fraction, seed, dtype)


def xor(n=600, noise=0.1, seed=0, test_fraction=0.25, dtype=np.float64) -> Dataset:
    """Four Gaussian blobs at (±1, ±1); the class is 1 when the signs differ (XOR); 2 classes."""
    rng = as_generator(seed)
    signs = rng.choice([-1.0, 1.0], size=(n, 2))
    y = (signs[:, 0] != signs[:, 1]).astype(np.int64)
    X = signs + noise * rng.normal(size=(n, 2))
    return _finish(X, y, test_fraction, seed, dtype)
