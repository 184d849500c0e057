"""Property-based tests: any bad input gives a clear error naming the parameter and value."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdcode import MLP, GradientDescent, Momentum, fit
from gdcode._validation import check_in_range, check_labels, check_positive_int

SETTINGS = settings(max_examples=40, deadline=None, database=None)  # no .hypothesis/ files

# A tiny problem: the checks run before any training, so each example is cheap.
MODEL = MLP((5, 3), rng=0)
X = np.random.default_rng(0).normal(size=(6, 5))
Y = np.array([0, 1, 2, 0, 1, 2])

# (None is not here: fit(learning_rate=None) means "the optimizer's default")
not_a_number = st.one_of(
    st.text(max_size=5), st.booleans(), st.lists(st.integers(), max_size=2),
    st.complex_numbers(allow_nan=False, allow_infinity=False).filter(lambda z: z.imag != 0),
)
bad_learning_rates = st.one_of(
    st.floats(max_value=0.0, allow_nan=False),  # zero, negative, -inf
    st.sampled_from([math.nan, math.inf, -math.inf]),
    st.integers(max_value=0),
)


def _fit(**kwargs):
    arguments = {"model": MODEL.copy(), "X": X, "y": Y, "epochs": 1, "progress": False, **kwargs}
    return fit(**arguments)


@SETTINGS
@given(bad_learning_rates)
def test_bad_learning_rate_values(learning_rate):
    for make in (lambda: _fit(learning_rate=learning_rate),
                 lambda: GradientDescent(learning_rate=learning_rate)):
        with pytest.raises(ValueError, match="learning_rate") as error:
            make()
        assert repr(learning_rate) in str(error.value) or str(float(learning_rate)) in str(
            error.value)


@SETTINGS
@given(not_a_number)
def test_learning_rate_of_the_wrong_type(learning_rate):
    with pytest.raises(TypeError, match="learning_rate"):
        _fit(learning_rate=learning_rate)


@SETTINGS
@given(st.integers(max_value=0))
def test_batch_size_below_one(batch_size):
    with pytest.raises(ValueError, match=f"batch_size must be >= 1, got {batch_size}$"):
        _fit(batch_size=batch_size)


@SETTINGS
@given(st.one_of(st.floats(allow_nan=False), st.booleans(), st.text(max_size=3),
                 st.just(np.float64(8.0)), st.just(np.bool_(True))))
def test_batch_size_that_is_not_an_integer(batch_size):
    with pytest.raises(TypeError, match="batch_size must be an integer, got") as error:
        _fit(batch_size=batch_size)
    assert repr(batch_size)[:20] in str(error.value)


@SETTINGS
@given(st.integers(min_value=1, max_value=10**6))
def test_any_positive_batch_size_is_accepted(batch_size):
    history = _fit(batch_size=batch_size)
    assert history.batch_size == min(batch_size, len(X))


@SETTINGS
@given(st.one_of(st.floats(min_value=1.0), st.floats(max_value=-1e-12),
                 st.sampled_from([1, 2, -1, math.inf, -math.inf])))
def test_momentum_outside_zero_one(momentum):
    with pytest.raises(ValueError, match=r"^momentum must be .*, got") as error:
        Momentum(momentum=momentum)
    assert str(error.value).endswith(f"got {momentum!r}") or str(error.value).endswith(
        f"got {float(momentum)!r}")
    with pytest.raises(ValueError, match="momentum"):
        _fit(optimizer="momentum", momentum=momentum)


@SETTINGS
@given(st.floats(min_value=0.0, max_value=1.0, exclude_max=True))
def test_momentum_inside_zero_one_is_accepted(momentum):
    assert Momentum(momentum=momentum).momentum == momentum


@SETTINGS
@given(st.integers(min_value=1, max_value=40).filter(lambda k: k != 5),
       st.integers(min_value=1, max_value=8))
def test_wrong_number_of_features(n_features, n_samples):
    with pytest.raises(ValueError,
                       match=f"^X has {n_features} features; the network expects 5$"):
        MODEL.loss_and_gradients(np.zeros((n_samples, n_features)), np.zeros(n_samples, int))


@SETTINGS
@given(st.lists(st.integers(min_value=1, max_value=4), min_size=0, max_size=4)
       .filter(lambda shape: len(shape) != 2))
def test_wrong_number_of_dimensions(shape):
    with pytest.raises(ValueError, match=r"X must be a 2-D array \(n_samples, n_features\), "
                                         rf"got shape \({', '.join(map(str, shape))},?\)"):
        _fit(X=np.zeros(shape))


@SETTINGS
@given(st.integers(min_value=0, max_value=5), st.integers(min_value=0, max_value=4),
       st.sampled_from([np.nan, np.inf, -np.inf]))
def test_non_finite_data(row, column, value):
    bad = X.copy()
    bad[row, column] = value
    with pytest.raises(ValueError, match=rf"X contains NaN or infinity \(1 entries, first at "
                                         rf"index \({row}, {column}\): {value}\)"):
        _fit(X=bad)


@SETTINGS
@given(st.lists(st.integers(min_value=-50, max_value=50), min_size=1, max_size=10)
       .filter(lambda labels: min(labels) < 0 or max(labels) > 2))
def test_labels_out_of_range(labels):
    with pytest.raises(ValueError, match=r"y has labels outside 0\.\.2: found -?\d+") as error:
        check_labels("y", labels, n_classes=3)
    bad = next(v for v in labels if v < 0 or v > 2)
    assert f"found {bad} " in str(error.value)


@SETTINGS
@given(st.text(min_size=1, max_size=8).filter(
    lambda s: s.lower() not in {"sgd", "gd", "momentum", "rmsprop", "adam"}))
def test_unknown_optimizer_names(name):
    with pytest.raises(ValueError, match="unknown optimizer") as error:
        _fit(optimizer=name)
    assert repr(name) in str(error.value)


@SETTINGS
@given(st.text(min_size=1, max_size=8).filter(
    lambda s: s.lower() not in {"cross_entropy", "binary_cross_entropy", "mse"}))
def test_unknown_loss_names(name):
    with pytest.raises(ValueError, match="unknown loss") as error:
        MLP((3, 2), loss=name)
    assert repr(name) in str(error.value)


@SETTINGS
@given(st.one_of(st.integers(max_value=0), st.floats(), st.booleans()),
       st.sampled_from(["epochs", "every", "n_steps"]))
def test_positive_int_helper(value, name):
    error = ValueError if isinstance(value, int) and not isinstance(value, bool) else TypeError
    with pytest.raises(error, match=f"^{name} must be"):
        check_positive_int(name, value)


@SETTINGS
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_in_range_helper_agrees_with_the_interval(value):
    inside = 0.0 <= value < 1.0
    if inside:
        assert check_in_range("rho", value, 0.0, 1.0) == value
    else:
        with pytest.raises(ValueError, match=r"rho must be in \[0\.0, 1\.0\), got "
                                             + re.escape(repr(value))):
            check_in_range("rho", value, 0.0, 1.0)


# --------------------------------------------------------------------------- the helpers


def test_check_array_conversions_and_messages():
    from gdcode._validation import check_array

    with pytest.raises(ValueError, match=r"X must be a rectangular array; its rows have "
                                         r"different lengths: \[\[1, 2\], \[3\]\]"):
        check_array("X", [[1, 2], [3]])  # ragged
    with pytest.raises(TypeError, match=r"X must be real, got dtype complex128"):
        check_array("X", np.ones(2) * 1j)
    with pytest.raises(ValueError, match=r"X must be a rectangular .*: \[\[1, 1, 1, .*\.\.\.$"):
        check_array("X", [[1] * 40, [2]])  # a long value is shortened
    with pytest.raises(TypeError, match=r"X must be a numeric array, got \['a', 'b'\] \(dtype <U"):
        check_array("X", ["a", "b"])
    with pytest.raises(TypeError, match=r"X must be a numeric array, got None \(NoneType\)"):
        check_array("X", None)
    assert check_array("X", [1, 2], dtype=np.float32).dtype == np.float32
    # a value float32 cannot hold is named, not turned into inf with a RuntimeWarning
    with pytest.raises(ValueError, match=r"X has values too large for float32 \(largest "
                                         r"3\.403e\+38\): 1 entries, first at index 1: 1e\+300"):
        check_array("X", [1.0, 1e300], dtype=np.float32)
    with pytest.raises(ValueError, match=r"X must not be empty, got shape \(2, 0\)"):
        check_array("X", np.zeros((2, 0)))


def test_labels_too_large_for_int64_are_echoed_as_given():
    # 1e19 does not fit an int64: casting first would report -9223372036854775808
    with pytest.raises(ValueError, match=r"y has labels outside 0\.\.2: found 1e\+19 "):
        check_labels("y", [0.0, 1e19], n_classes=3)


def test_new_helpers_name_the_parameter_and_the_value():
    from gdcode._validation import (
        check_bool,
        check_dtype,
        check_path,
        check_positive,
        scheduled_learning_rate,
    )

    with pytest.raises(ValueError, match=r"^h must be > 0, got -1$"):
        check_positive("h", -1)
    with pytest.raises(ValueError, match=r"^h must be a finite number, got 10000000000"):
        check_positive("h", 10**400)  # beyond float: not a finite number
    with pytest.raises(TypeError, match=r"^shuffle must be True or False, got 1$"):
        check_bool("shuffle", 1)
    assert check_bool("log", None, allow_none=True) is None
    with pytest.raises(TypeError, match=r"^dtype must be a numeric NumPy dtype .*, got None$"):
        check_dtype("dtype", None)
    with pytest.raises(ValueError, match=r"^dtype must be numpy.float32 or numpy.float64, got"):
        check_dtype("dtype", "int8", allowed=(np.float32, np.float64))
    with pytest.raises(TypeError, match=r"^cache_dir must be a file path .*, got 3$"):
        check_path("cache_dir", 3)
    assert scheduled_learning_rate(lambda t: 0.0, 9) == 0.0  # cosine decay ends at 0
    for bad, error in ((float("nan"), ValueError), (-1.0, ValueError), ("0.1", TypeError),
                       (None, TypeError), (np.array([0.1, 0.2]), TypeError)):
        with pytest.raises(error, match=r"the learning_rate schedule returned .* at step 4"):
            scheduled_learning_rate(lambda t, bad=bad: bad, 4)


def test_check_labels_accepts_whole_floats_bools_and_columns():
    np.testing.assert_array_equal(check_labels("y", np.array([0.0, 2.0]), 3), [0, 2])
    assert check_labels("y", np.array([0.0, 2.0]), 3).dtype == np.int64
    np.testing.assert_array_equal(check_labels("y", np.array([True, False]), 2), [1, 0])
    np.testing.assert_array_equal(check_labels("y", np.array([[1], [0]]), 2), [1, 0])
    with pytest.raises(ValueError, match=r"y must be a 1-D array of integer class labels "
                                         r"\(n_samples,\), got shape \(2, 3\)"):
        check_labels("y", np.zeros((2, 3)), 3)


def test_as_rng_and_check_choice():
    from gdcode._validation import as_rng, check_choice

    generator = np.random.default_rng(3)
    assert as_rng(generator) is generator
    assert isinstance(as_rng(None), np.random.Generator)
    assert as_rng(np.int64(4)).integers(100) == np.random.default_rng(4).integers(100)
    with pytest.raises(TypeError, match=r"rng must be .*got True \(bool\)"):
        as_rng(True)
    with pytest.raises(TypeError, match=r"loss must be one of 'mse', got None"):
        check_choice("loss", None, ["mse"])


def test_copy_rejects_other_dtypes():
    with pytest.raises(ValueError, match=r"dtype must be numpy.float32 or numpy.float64, got "):
        MODEL.copy(dtype=np.int32)


def test_quick_finite_check_is_exact():
    from gdcode._validation import check_array

    # huge but finite values overflow the quick row-sum test; the exact check accepts them
    assert check_array("X", np.full((3, 4), 3e38, dtype=np.float32)).shape == (3, 4)
    # +inf and -inf in one row sum to NaN; both are found and counted
    with pytest.raises(ValueError, match=r"X contains NaN or infinity \(2 entries, first at "
                                         r"index \(1, 0\): inf\)"):
        check_array("X", np.array([[1.0, 2.0], [np.inf, -np.inf]]))
