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
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

__all__ = [
    "as_rng",
    "check_array",
    "check_bool",
    "check_choice",
    "check_dtype",
    "check_in_range",
    "check_interval",
    "check_labels",
    "check_learning_rate",
    "check_path",
    "check_positive",
    "check_positive_int",
    "check_real",
    "describe",
    "scheduled_learning_rate",
]


def _short(value: object) -> str:
    """``repr`` of a value, cut to 60 characters, for error messages."""
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    if isinstance(value, np.ndarray):
        text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."


def describe(value: object) -> str:
    """Short ``repr`` of a value and its type, for error messages: ``"'0.1' (str)"``."""
    return f"{_short(value)} ({type(value).__name__})"


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
            "rng must be a numpy.random.Generator, an int seed or None, got " + describe(rng)
        )
    if rng < 0:
        raise ValueError(f"rng seed must be >= 0, got {rng}")
    return np.random.default_rng(int(rng))


def check_real(name: str, value: object) -> float:
    """Return ``value`` as a finite Python float, or raise.

    ``bool`` is rejected: ``True`` is not a learning rate.

    Examples
    --------
    >>> check_real("slope", 2)
    2.0
    >>> check_real("slope", float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: slope must be a finite number, got nan
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {describe(value)}")
    number = _as_float(value)  # an int like 10**400 becomes inf, and is rejected
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {_short(value)}")
    return number


def check_positive(name: str, value: object) -> float:
    """Return ``value`` as a finite float > 0, or raise.

    Examples
    --------
    >>> check_positive("eps", 1e-6)
    1e-06
    >>> check_positive("eps", 0)
    Traceback (most recent call last):
    ...
    ValueError: eps must be > 0, got 0
    """
    number = check_real(name, value)
    if number <= 0:
        raise ValueError(f"{name} must be > 0, got {_short(value)}")
    return number


def check_bool(name: str, value: object, allow_none: bool = False) -> bool | None:
    """Return ``value`` as ``True`` or ``False`` (or ``None`` if allowed), or raise.

    Only real booleans count (``bool`` or ``numpy.bool_``): ``1`` and ``"yes"``
    are rejected, so a misplaced positional argument cannot pass as a flag.

    Examples
    --------
    >>> check_bool("flatten", True)
    True
    >>> check_bool("flatten", "yes")
    Traceback (most recent call last):
    ...
    TypeError: flatten must be True or False, got 'yes'
    """
    if value is None and allow_none:
        return None
    if not isinstance(value, bool | np.bool_):
        allowed = "True, False or None" if allow_none else "True or False"
        raise TypeError(f"{name} must be {allowed}, got {_short(value)}")
    return bool(value)


def check_dtype(
    name: str, dtype: object, allowed: Iterable[type] | None = None, kinds: str = "fiu"
) -> np.dtype:
    """Return ``dtype`` as a :class:`numpy.dtype`, checked.

    Parameters
    ----------
    name : str
        Parameter name used in messages.
    dtype : dtype-like
        For example ``numpy.float32`` or ``"float64"``. ``None`` is rejected
        (NumPy would quietly read it as float64).
    allowed : sequence of dtypes, optional
        The only dtypes accepted, e.g. ``(np.float32, np.float64)``.
    kinds : str
        NumPy kind codes accepted when ``allowed`` is not given: ``"f"``
        floating, ``"i"`` signed and ``"u"`` unsigned integers.

    Examples
    --------
    >>> check_dtype("dtype", "float32")
    dtype('float32')
    >>> check_dtype("dtype", np.float16, allowed=(np.float32, np.float64))
    Traceback (most recent call last):
    ...
    ValueError: dtype must be numpy.float32 or numpy.float64, got <class 'numpy.float16'>
    """
    if allowed is not None:
        allowed = [np.dtype(a) for a in allowed]
        options = " or ".join(f"numpy.{a.name}" for a in allowed)
    else:
        kind = {"f": "floating", "fiu": "numeric", "iu": "integer"}.get(kinds, f"kind {kinds!r}")
        options = f"a {kind} NumPy dtype such as numpy.float32"
    try:
        if dtype is None:
            raise TypeError
        result = np.dtype(dtype)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be {options}, got {_short(dtype)}") from error
    if (allowed is not None and result not in allowed) or (
        allowed is None and result.kind not in kinds
    ):
        raise ValueError(f"{name} must be {options}, got {_short(dtype)}")
    return result


def check_path(name: str, path: object) -> Path:
    """Return ``path`` as a :class:`pathlib.Path`; it must be a ``str`` or path-like.

    Examples
    --------
    >>> check_path("path", "data/playground.json").name
    'playground.json'
    >>> check_path("path", None)
    Traceback (most recent call last):
    ...
    TypeError: path must be a file path (str or pathlib.Path), got None
    """
    if isinstance(path, bytes) or not isinstance(path, str | os.PathLike):
        raise TypeError(f"{name} must be a file path (str or pathlib.Path), got {_short(path)}")
    text = os.fspath(path)
    if not isinstance(text, str) or not text.strip() or "\0" in text:
        raise ValueError(f"{name} must be a non-empty file path, got {_short(path)}")
    return Path(text).expanduser()


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
    if isinstance(learning_rate, bool | np.bool_) or not isinstance(learning_rate, numbers.Real):
        raise TypeError(
            f"{name} must be a number > 0 or a schedule (a callable step -> float), "
            f"got {describe(learning_rate)}"
        )
    value = _as_float(learning_rate)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number > 0, got {_short(learning_rate)}")
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {_short(learning_rate)}")
    return value


def scheduled_learning_rate(schedule: Callable[[int], float], step: int) -> float:
    """Ask a schedule for the learning rate at ``step`` and check the answer.

    A schedule may return 0 (cosine decay ends there) but never a negative,
    infinite or NaN rate, nor something that is not a number.

    Examples
    --------
    >>> scheduled_learning_rate(lambda t: 0.1 / (t + 1), 4)
    0.02
    >>> scheduled_learning_rate(lambda t: -0.1, 3)
    Traceback (most recent call last):
    ...
    ValueError: the learning_rate schedule returned -0.1 at step 3; it must be a finite number >= 0
    """
    value = schedule(step)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"the learning_rate schedule returned {describe(value)} at step {step}; "
            "it must return a number"
        )
    eta = _as_float(value)
    if not (math.isfinite(eta) and eta >= 0):
        raise ValueError(
            f"the learning_rate schedule returned {_short(value)} at step {step}; "
            "it must be a finite number >= 0"
        )
    return eta


def check_positive_int(
    name: str, value: object, minimum: int = 1, maximum: int | None = None
) -> int:
    """Check that ``value`` is an integer ``>= minimum`` (and ``<= maximum``); return an ``int``.

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
        raise TypeError(f"{name} must be an integer, got {describe(value)}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum:,}, got {_short(value)}")
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
        raise ValueError(f"{name} must be in {left}{low}, {high}{right}, got {_short(value)}")
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
        raise TypeError(f"{name} must be one of {options}, got {describe(value)}")
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
    allow_empty: bool = False,
) -> np.ndarray:
    """Convert ``X`` to a numeric array and check its shape and values.

    Parameters
    ----------
    name : str
        Parameter name used in messages, e.g. ``"X"``.
    X : array_like
        The data: a number, a (nested) list of numbers or an array. Strings,
        ``None``, ragged lists and complex numbers are rejected.
    ndim : int, optional
        Required number of dimensions.
    finite : bool
        Reject NaN and infinity.
    dtype : numpy dtype, optional
        Cast to this dtype (a copy is only made when needed). A value too
        large for it (e.g. 1e300 for float32) is an error, not an infinity.
    allow_empty : bool
        Accept an array with no entries (rejected by default).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> check_array("X", [[1.0, 2.0]], ndim=2).shape
    (1, 2)
    >>> check_array("X", [[1], [2, 3]])
    Traceback (most recent call last):
    ...
    ValueError: X must be a rectangular array; its rows have different lengths: [[1], [2, 3]]
    """
    array = _numeric_array(name, X)
    if ndim is not None and array.ndim != ndim:
        shape_hint = {1: " (n_samples,)", 2: " (n_samples, n_features)"}.get(ndim, "")
        raise ValueError(f"{name} must be a {ndim}-D array{shape_hint}, got shape {array.shape}")
    if not allow_empty and array.size == 0:
        if array.ndim >= 1 and array.shape[0] == 0:
            raise ValueError(f"{name} must contain at least one sample, got shape {array.shape}")
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    if finite and array.dtype.kind == "f" and not _all_finite(array):
        bad = ~np.isfinite(array)
        if bad.any():  # (the quick test also fails when a row sum merely overflows)
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            where = first[0] if len(first) == 1 else first
            raise ValueError(
                f"{name} contains NaN or infinity ({int(bad.sum())} entries, first at "
                f"index {where}: {array[first]})"
            )
    if dtype is not None:
        array = _cast(name, array, np.dtype(dtype))
    return array


def _numeric_array(name: str, X: object) -> np.ndarray:
    """``np.asarray(X)`` for real numbers only (bool counts as a number)."""
    if isinstance(X, np.ndarray):
        array = X
    else:
        if X is None or isinstance(X, str | bytes | dict | set):
            raise TypeError(f"{name} must be a numeric array, got {describe(X)}")
        try:
            array = np.asarray(X)
        except ValueError as error:  # NumPy >= 1.24: "inhomogeneous shape"
            raise ValueError(
                f"{name} must be a rectangular array; its rows have different lengths: "
                f"{_short(X)}"
            ) from error
        except (TypeError, OverflowError) as error:
            raise TypeError(f"{name} must be a numeric array, got {describe(X)}") from error
    if array.dtype.kind == "c":
        raise TypeError(f"{name} must be real, got dtype {array.dtype}")
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must be a numeric array, got {_short(X)} (dtype {array.dtype})"
        )
    return array


def _cast(name: str, array: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``array.astype(dtype)``, refusing values the dtype cannot hold."""
    if array.dtype == dtype:
        return array
    if dtype.kind == "f" and array.dtype.kind in "fiu":
        largest = np.finfo(dtype).max
        with np.errstate(over="ignore", invalid="ignore"):
            too_big = np.abs(array) > largest
        if too_big.any():
            first = tuple(int(i) for i in np.argwhere(too_big)[0])
            where = first[0] if len(first) == 1 else first
            raise ValueError(
                f"{name} has values too large for {dtype.name} (largest {largest:.4g}): "
                f"{int(too_big.sum())} entries, first at index {where}: {array[first]}"
            )
    with np.errstate(over="ignore", invalid="ignore"):
        return array.astype(dtype)


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
    if labels.dtype.kind == "f":
        fractional = labels != np.round(labels)
        if fractional.any():
            raise ValueError(f"{name} must hold integer class labels, got {labels[fractional][0]}")
    # range first, cast after: a label like 1e19 must be reported as it was given
    outside = (labels < 0) | (labels >= n_classes)
    if outside.any():
        bad = labels[outside][0]
        raise ValueError(
            f"{name} has labels outside 0..{n_classes - 1}: found {bad} "
            f"(expected {n_classes} classes)"
        )
    if labels.dtype.kind != "i":
        labels = labels.astype(np.int64)
    return labels


def check_interval(name: str, value: object) -> tuple[float, float]:
    """Return ``value`` as a finite pair ``(low, high)`` with ``low < high``.

    Raises ``TypeError`` if it is not a pair of numbers and ``ValueError`` if it is
    not finite or not increasing; both messages name ``name`` and echo the value.

    Examples
    --------
    >>> check_interval("xlim", (-1, 2))
    (-1.0, 2.0)
    >>> check_interval("xlim", (2, 1))
    Traceback (most recent call last):
    ...
    ValueError: xlim must be finite with low < high, got (2, 1)
    """
    one_d = isinstance(value, list | tuple) or (isinstance(value, np.ndarray) and value.ndim == 1)
    pair = list(value) if one_d else None
    if (
        pair is None
        or len(pair) != 2
        or any(isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real) for v in pair)
    ):
        raise TypeError(f"{name} must be a pair of numbers (low, high), got {_short(value)}")
    low, high = (_as_float(v) for v in pair)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"{name} must be finite with low < high, got {_short(value)}")
    return low, high


def _as_float(value: numbers.Real) -> float:
    """``float(value)``, with infinity for an int too large for a float."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf
