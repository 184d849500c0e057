"""Input checks shared by the public entry points of gdcode.

Every public function validates its arguments *once*, on the way in, with the
helpers below. They raise ``TypeError`` for the wrong kind of value and
``ValueError`` for a value of the right kind that is out of range. Every message
names the parameter and echoes the value that was given, for example::

    learning_rate must be > 0, got -0.1

The training loop itself never re-validates, so these checks cost nothing per step.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable

import numpy as np

__all__ = [
    "as_rng",
    "check_array",
    "check_choice",
    "check_in_range",
    "check_labels",
    "check_learning_rate",
    "check_positive_int",
    "check_real",
]


def _describe(value: object) -> str:
    """Short ``repr`` of a value and its type, for error messages."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def as_rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    """Turn ``rng`` into a :class:`numpy.random.Generator`.

    Parameters
    ----------
    rng : numpy.random.Generator, int or None
        A generator is returned unchanged (so draws continue its stream), an
        integer seed gives a fresh reproducible generator, ``None`` gives a
        generator seeded from the operating system.

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> int(as_rng(0).integers(10)) == int(as_rng(0).integers(10))
    True
    """
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, bool) or not isinstance(rng, numbers.Integral):
        raise TypeError(
            "rng must be a numpy.random.Generator, an int seed or None, got " + _describe(rng)
        )
    if rng < 0:
        raise ValueError(f"rng seed must be >= 0, got {rng}")
    return np.random.default_rng(int(rng))


def check_real(name: str, value: object) -> float:
    """Return ``value`` as a finite Python float, or raise.

    ``bool`` is rejected: ``True`` is not a learning rate.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_describe(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return value


def check_learning_rate(
    learning_rate: float | Callable[[int], float], name: str = "learning_rate"
) -> float | Callable[[int], float]:
    """Check a learning rate: a finite number > 0, or a schedule ``step -> float``.

    Parameters
    ----------
    learning_rate : float or callable
        A constant step size :math:`\\eta > 0`, or a schedule such as
        :func:`gdcode.schedules.cosine_decay` (any callable taking the step
        number and returning the step size).
    name : str
        Parameter name used in error messages.

    Returns
    -------
    float or callable
        The learning rate as a Python float, or the schedule unchanged.

    Examples
    --------
    >>> check_learning_rate(0.1)
    0.1
    >>> check_learning_rate(-0.1)
    Traceback (most recent call last):
    ...
    ValueError: learning_rate must be > 0, got -0.1
    """
    if callable(learning_rate) and not isinstance(learning_rate, numbers.Number):
        return learning_rate
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real):
        raise TypeError(
            f"{name} must be a number > 0 or a schedule (a callable step -> float), "
            f"got {_describe(learning_rate)}"
        )
    value = float(learning_rate)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {learning_rate!r}")
    return value


def check_positive_int(name: str, value: object, minimum: int = 1) -> int:
    """Check that ``value`` is an integer ``>= minimum`` and return it as ``int``.

    ``bool``, floats (even ``32.0``) and strings are rejected with ``TypeError``;
    NumPy integers are accepted.

    Examples
    --------
    >>> check_positive_int("batch_size", 32)
    32
    >>> check_positive_int("batch_size", 0)
    Traceback (most recent call last):
    ...
    ValueError: batch_size must be >= 1, got 0
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_describe(value)}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_in_range(
    name: str,
    value: object,
    low: float,
    high: float,
    low_inclusive: bool = True,
    high_inclusive: bool = False,
) -> float:
    """Check that a real number lies in an interval and return it as ``float``.

    The default interval is half open, ``[low, high)``, as for momentum.

    Examples
    --------
    >>> check_in_range("momentum", 0.9, 0.0, 1.0)
    0.9
    >>> check_in_range("momentum", 1.0, 0.0, 1.0)
    Traceback (most recent call last):
    ...
    ValueError: momentum must be in [0.0, 1.0), got 1.0
    """
    number = check_real(name, value)
    above_low = number >= low if low_inclusive else number > low
    below_high = number <= high if high_inclusive else number < high
    if not (above_low and below_high):
        left = "[" if low_inclusive else "("
        right = "]" if high_inclusive else ")"
        raise ValueError(f"{name} must be in {left}{low}, {high}{right}, got {value!r}")
    return number


def check_choice(name: str, value: object, choices: Iterable[str]) -> str:
    """Check that ``value`` is one of the allowed names (case-insensitive).

    Examples
    --------
    >>> check_choice("optimizer", "Adam", ["sgd", "adam"])
    'adam'
    >>> check_choice("optimizer", "adamw", ["sgd", "adam"])
    Traceback (most recent call last):
    ...
    ValueError: unknown optimizer 'adamw'; choose one of 'sgd', 'adam'
    """
    choices = list(choices)
    options = ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {options}, got {_describe(value)}")
    key = value.lower()
    if key not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose one of {options}")
    return key


def _all_finite(array: np.ndarray) -> bool:
    """True if no entry is NaN or infinite (a quick test; False means "look closer").

    For a matrix, the row sums ``array @ ones`` are computed by the fast BLAS
    matrix-vector product; a NaN or infinity in a row makes its sum NaN or
    infinite. (A sum can also overflow without any bad entry, which is why a
    False answer is only a reason to check entry by entry.)
    """
    if array.ndim == 2 and array.size:
        with np.errstate(all="ignore"):  # inf - inf or an overflow must not warn here
            row_sums = array @ np.ones(array.shape[1], array.dtype)
        return bool(np.isfinite(row_sums).all())
    return bool(np.isfinite(array).all())


def check_array(
    name: str,
    X: object,
    ndim: int | None = None,
    finite: bool = True,
    dtype: np.dtype | type | None = None,
) -> np.ndarray:
    """Convert ``X`` to a numeric array and check its shape and values.

    Parameters
    ----------
    name : str
        Parameter name used in messages, e.g. ``"X"``.
    X : array_like
        The data.
    ndim : int, optional
        Required number of dimensions.
    finite : bool
        Reject NaN and infinity.
    dtype : numpy dtype, optional
        Cast to this dtype (a copy is only made when needed).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> check_array("X", [[1.0, 2.0]], ndim=2).shape
    (1, 2)
    """
    try:
        array = np.asarray(X) if dtype is None else np.asarray(X, dtype=dtype)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a numeric array, got {_describe(X)}") from error
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must be a numeric array, got dtype {array.dtype}")
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real, got dtype {array.dtype}")
    if ndim is not None and array.ndim != ndim:
        shape_hint = {1: "(n_samples,)", 2: "(n_samples, n_features)"}.get(ndim, "")
        raise ValueError(
            f"{name} must be a {ndim}-D array {shape_hint}, got shape {array.shape}".replace(
                "  ", " "
            )
        )
    if array.ndim >= 1 and array.shape[0] == 0:
        raise ValueError(f"{name} must contain at least one sample, got shape {array.shape}")
    if finite and np.issubdtype(array.dtype, np.floating) and not _all_finite(array):
        bad = ~np.isfinite(array)
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            where = first[0] if len(first) == 1 else first
            raise ValueError(
                f"{name} contains NaN or infinity ({int(bad.sum())} entries, first at "
                f"index {where}: {array[first]})"
            )
    return array


def check_labels(name: str, y: object, n_classes: int) -> np.ndarray:
    """Check class labels: a 1-D array of integers in ``0 .. n_classes - 1``.

    Float arrays holding whole numbers (``1.0``) and booleans are accepted and
    converted to ``int64``.

    Examples
    --------
    >>> check_labels("y", [0, 2, 1], n_classes=3)
    array([0, 2, 1])
    >>> check_labels("y", [0, 3], n_classes=3)
    Traceback (most recent call last):
    ...
    ValueError: y has labels outside 0..2: found 3 (expected 3 classes)
    """
    labels = check_array(name, y)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array of integer class labels (n_samples,), "
            f"got shape {labels.shape}"
        )
    if np.issubdtype(labels.dtype, np.floating):
        if not np.all(labels == np.round(labels)):
            bad = labels[labels != np.round(labels)][0]
            raise ValueError(f"{name} must hold integer class labels, got {bad}")
    if not np.issubdtype(labels.dtype, np.integer):
        labels = labels.astype(np.int64)
    outside = (labels < 0) | (labels >= n_classes)
    if outside.any():
        bad = labels[outside][0]
        raise ValueError(
            f"{name} has labels outside 0..{n_classes - 1}: found {bad} "
            f"(expected {n_classes} classes)"
        )
    return labels


def check_interval(name: str, value) -> tuple[float, float]:
    """Return ``value`` as a finite pair ``(low, high)`` with ``low < high``.

    Raises ``TypeError`` if it is not a pair of numbers and ``ValueError`` if it is
    not finite or not increasing; both messages name ``name`` and echo the value.
    """
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a pair of numbers (low, high), got {value!r}") from exc
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"{name} must be finite with low < high, got {value!r}")
    return low, high

