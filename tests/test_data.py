"""Datasets: shapes, dtypes, determinism; MNIST's offline error (never downloads)."""

from urllib.error import URLError

import numpy as np
import pytest

from vglib import data


def test_digits_shapes_dtypes_and_standardisation():
    d = data.load_digits()
    X_tr, y_tr, X_te, y_te = d
    assert X_tr.shape == (1438, 64) and X_te.shape == (359, 64)
    assert X_tr.dtype == np.float64 and y_tr.dtype == np.int64
    assert d.n_classes == 10 and d.n_features == 64
    assert np.allclose(X_tr.mean(0), 0, atol=1e-12)
    assert set(np.unique(y_te)) == set(range(10))
    d2 = data.load_digits()
    assert np.array_equal(d.X_test, d2.X_test)
    assert data.load_digits(dtype=np.float32).X_train.dtype == np.float32


@pytest.mark.parametrize("loader", [data.spirals, data.circles, data.xor])
def test_synthetic_sets(loader):
    d = loader(n=200, seed=1)
    assert d.X_train.shape[1] == 2 and d.X_train.dtype == np.float64 and d.y_train.dtype == np.int64
    assert len(d.X_train) + len(d.X_test) == 200  # spirals: arms of 67, 67 and 66 points
    assert np.array_equal(d.X_train, loader(n=200, seed=1).X_train)


def test_mnist_offline_error_names_load_digits(monkeypatch, tmp_path):
    import sklearn.datasets

    def offline(*args, **kwargs):
        raise URLError("no network")

    monkeypatch.setattr(sklearn.datasets, "fetch_openml", offline)
    with pytest.raises(data.MNISTUnavailableError, match=r"load_digits\(\)"):
        data.load_mnist(data_home=str(tmp_path))


def test_mnist_split_and_scaling(monkeypatch):
    import sklearn.datasets

    def fake(*args, **kwargs):
        X = np.broadcast_to(np.arange(784.0) % 256, (70000, 784))  # no memory
        return X, (np.arange(70000) % 10).astype(str)

    monkeypatch.setattr(sklearn.datasets, "fetch_openml", fake)
    d = data.load_mnist(n_train=100, n_test=50, dtype=np.float32)
    assert d.X_train.shape == (100, 784) and d.X_test.shape == (50, 784)
    assert d.X_train.dtype == np.float32 and d.y_train.dtype == np.int64
    assert d.X_train.max() == 1.0 and d.y_test[0] == 0
