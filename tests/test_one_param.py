"""The one-parameter model y = w x: loss, derivative, numerical derivative, descent."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gdcode import DivergenceWarning, one_param
from gdcode.schedules import step_decay

X = np.array([1.0, 2.0, 3.0])
Y = np.array([2.0, 4.5, 5.5])


def test_loss_by_hand():
    # w = 2: residuals 2*x - y = (0, -0.5, 0.5); mean of squares = (0 + 0.25 + 0.25) / 3
    assert one_param.loss(2.0, X, Y) == pytest.approx(0.5 / 3)
    # w = 0: mean(y^2) = (4 + 20.25 + 30.25) / 3
    assert one_param.loss(0.0, X, Y) == pytest.approx(54.5 / 3)


def test_loss_is_vectorised_over_w():
    ws = np.array([[0.0, 2.0], [1.0, 3.0]])
    values = one_param.loss(ws, X, Y)
    assert values.shape == (2, 2)
    expected = [[one_param.loss(w, X, Y) for w in row] for row in ws]
    np.testing.assert_allclose(values, expected)


def test_gradient_by_hand():
    # w = 2: mean(2 * x * residual) = 2 * (1*0 + 2*(-0.5) + 3*0.5) / 3 = 2 * 0.5 / 3
    assert one_param.gradient(2.0, X, Y) == pytest.approx(1.0 / 3)
    assert isinstance(one_param.gradient(2.0, X, Y), float)


@pytest.mark.parametrize("w", [-3.0, 0.0, 0.7, 2.0, 10.0])
def test_gradient_matches_finite_differences(w):
    numeric = one_param.numerical_gradient(lambda v: one_param.loss(v, X, Y), w)
    assert one_param.gradient(w, X, Y) == pytest.approx(numeric, rel=1e-7, abs=1e-7)


def test_gradient_is_vectorised_over_w():
    ws = np.linspace(-1, 3, 5)
    np.testing.assert_allclose(
        one_param.gradient(ws, X, Y), [one_param.gradient(w, X, Y) for w in ws]
    )


def test_numerical_gradient_of_a_cubic():
    # d/dw w^3 = 3 w^2 = 12 at w = 2
    assert one_param.numerical_gradient(lambda w: w**3, 2.0) == pytest.approx(12.0, abs=1e-6)


def test_numerical_gradient_error_shrinks_like_h_squared():
    # central difference error for w^3 is exactly h^2 (f''' = 6, error = f''' h^2 / 6)
    errors = [abs(one_param.numerical_gradient(lambda w: w**3, 2.0, h=h) - 12.0)
              for h in (1e-1, 1e-2)]
    assert errors[0] == pytest.approx(1e-2, rel=1e-6)
    assert errors[1] == pytest.approx(1e-4, rel=1e-4)


def test_numerical_gradient_on_an_array_of_points():
    w = np.array([0.0, 1.0, 2.0])
    np.testing.assert_allclose(one_param.numerical_gradient(np.sin, w), np.cos(w), atol=1e-9)


def test_gradient_descent_by_hand():
    x, y = np.array([1.0, 2.0]), np.array([2.0, 4.0])
    path = one_param.gradient_descent(x, y, w0=0.0, learning_rate=0.1, n_steps=2)
    # L'(0) = mean(2 x (0 - y)) = mean(-4, -16) = -10  -> w1 = 0 + 0.1 * 10 = 1
    # L'(1) = mean(2 x (x - y)) = mean(-2, -8) = -5     -> w2 = 1 + 0.1 * 5 = 1.5
    # L'(1.5) = mean(2 x (1.5x - y)) = mean(-1, -4) = -2.5
    np.testing.assert_allclose(path.w, [0.0, 1.0, 1.5])
    np.testing.assert_allclose(path.grad, [-10.0, -5.0, -2.5])
    # L(0) = mean(4, 16) = 10;  L(1) = mean(1, 4) = 2.5;  L(1.5) = mean(0.25, 1) = 0.625
    np.testing.assert_allclose(path.loss, [10.0, 2.5, 0.625])
    assert path.learning_rate == 0.1
    assert path.n_steps == 2
    assert path.diverged_step is None


def test_gradient_descent_converges_to_least_squares():
    path = one_param.gradient_descent(X, Y, w0=-5.0, learning_rate=0.05, n_steps=200)
    w_star = np.sum(X * Y) / np.sum(X * X)  # closed form of the least-squares slope
    assert path.w[-1] == pytest.approx(w_star, rel=1e-8)
    assert np.all(np.diff(path.loss) <= 1e-15)  # small steps: the loss never goes up


def test_too_large_learning_rate_oscillates_and_grows():
    # L''(w) = 2 mean(x^2) = 28/3; steps above 2 / L'' = 3/14 = 0.214 overshoot more and more
    path = one_param.gradient_descent(X, Y, w0=0.0, learning_rate=0.25, n_steps=10)
    distance = np.abs(path.w - np.sum(X * Y) / np.sum(X * X))
    assert np.all(np.diff(distance) > 0)
    assert np.all(np.sign(path.grad[1:]) != np.sign(path.grad[:-1]))  # zig-zag


def test_schedule_as_learning_rate():
    schedule = step_decay(0.1, drop=0.5, every=1)
    x, y = np.array([1.0, 2.0]), np.array([2.0, 4.0])
    path = one_param.gradient_descent(x, y, w0=0.0, learning_rate=schedule, n_steps=2)
    # step 0 uses 0.1: w1 = 1 (as above); step 1 uses 0.05: w2 = 1 + 0.05 * 5 = 1.25
    np.testing.assert_allclose(path.w, [0.0, 1.0, 1.25])


def test_overflow_is_reported_once_and_leaves_nan():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = one_param.gradient_descent(X, Y, w0=1.0, learning_rate=1e6, n_steps=200)
    assert [w.category for w in caught] == [DivergenceWarning]
    assert "learning_rate=1000000.0" in str(caught[0].message)
    k = path.diverged_step
    assert k is not None and 0 < k <= 200
    assert np.all(np.isfinite(path.w[:k])) and np.all(np.isnan(path.w[k:]))


def test_zero_steps_is_just_the_start():
    path = one_param.gradient_descent(X, Y, w0=1.0, learning_rate=0.1, n_steps=0)
    assert path.w.shape == (1,) and path.w[0] == 1.0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"learning_rate": -0.1}, ValueError, r"learning_rate must be > 0, got -0\.1"),
        ({"learning_rate": 0}, ValueError, r"learning_rate must be > 0, got 0"),
        ({"learning_rate": float("nan")}, ValueError, r"learning_rate must be a finite .*nan"),
        ({"learning_rate": "big"}, TypeError, r"learning_rate must be a number.*'big'"),
        ({"n_steps": -1}, ValueError, r"n_steps must be >= 0, got -1"),
        ({"n_steps": 2.5}, TypeError, r"n_steps must be an integer, got 2\.5"),
        ({"n_steps": True}, TypeError, r"n_steps must be an integer, got True"),
        ({"w0": float("inf")}, ValueError, r"w0 must be a finite number, got inf"),
        ({"w0": "one"}, TypeError, r"w0 must be a real number, got 'one'"),
    ],
)
def test_gradient_descent_rejects_bad_arguments(kwargs, error, match):
    arguments = {"w0": 0.0, "learning_rate": 0.1, "n_steps": 3, **kwargs}
    with pytest.raises(error, match=match):
        one_param.gradient_descent(X, Y, **arguments)


@pytest.mark.parametrize(
    ("x", "y", "error", "match"),
    [
        ([1.0, 2.0], [1.0], ValueError, r"x and y must have the same length, got 2 and 1"),
        ([1.0, np.nan], [1.0, 2.0], ValueError, r"x contains NaN or infinity"),
        ([1.0, 2.0], [1.0, np.inf], ValueError, r"y contains NaN or infinity .*index 1: inf"),
        ([[1.0, 2.0]], [1.0, 2.0], ValueError, r"x must be a 1-D array .*got shape \(1, 2\)"),
        ([], [], ValueError, r"x must contain at least one sample"),
        (["a", "b"], [1.0, 2.0], TypeError, r"x must be a numeric array"),
    ],
)
def test_data_is_checked(x, y, error, match):
    with pytest.raises(error, match=match):
        one_param.loss(1.0, x, y)


def test_numerical_gradient_checks_its_arguments():
    with pytest.raises(ValueError, match=r"h must be > 0, got -0\.001"):
        one_param.numerical_gradient(np.sin, 1.0, h=-1e-3)
    with pytest.raises(TypeError, match=r"f must be a function of w, got 3"):
        one_param.numerical_gradient(3, 1.0)
    with pytest.raises(ValueError, match=r"w contains NaN"):
        one_param.loss(np.nan, X, Y)


@pytest.mark.parametrize(
    ("schedule", "error", "match"),
    [
        (lambda k: 0.1 - 0.1 * k, ValueError,
         r"the learning_rate schedule returned -0\.1 at step 2; it must be a finite number >= 0"),
        (lambda k: float("nan"), ValueError, r"schedule returned nan at step 0"),
        (lambda k: "fast", TypeError, r"schedule returned 'fast' \(str\) at step 0"),
        (lambda k: None, TypeError, r"schedule returned None \(NoneType\) at step 0"),
    ],
)
def test_gradient_descent_checks_every_scheduled_rate_like_fit(schedule, error, match):
    with pytest.raises(error, match=match):
        one_param.gradient_descent([1.0, 2.0], [2.0, 4.0], 0.0, schedule, n_steps=5)


def test_a_schedule_may_end_at_zero():
    path = one_param.gradient_descent([1.0], [2.0], 0.0, lambda k: 0.0 if k else 0.1, n_steps=3)
    assert path.w[1] == path.w[2] == path.w[3]  # eta = 0: the weight stays put


def test_huge_values_give_inf_quietly():
    # pytest turns RuntimeWarnings into errors: the overflow must be quiet, the answer inf
    assert one_param.loss(1e200, [1e200], [1.0]) == np.inf
    assert one_param.gradient(1e200, [1e200], [1.0]) == np.inf
    slope = one_param.numerical_gradient(lambda w: w**2, 1e200)
    assert not np.isfinite(slope) or slope == 0.0  # far beyond what differences can resolve


def test_numerical_gradient_names_a_function_returning_junk():
    with pytest.raises(TypeError, match=r"f must return numbers; f\(w \+ h\) returned 'a'"):
        one_param.numerical_gradient(lambda w: "a", 1.0)
    with pytest.raises(ValueError, match=r"n_steps must be <= 10,000,000, got 11805916207"):
        one_param.gradient_descent([1.0], [2.0], 0.0, 0.1, n_steps=2**70)
