"""2-D test surfaces and optimizer paths on them."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gdcode import Adam, DivergenceWarning, GradientDescent, Quadratic, Rosenbrock, optimize_2d

EPS = 1e-6


def finite_difference_gradient(surface, p):
    p = np.asarray(p, dtype=float)
    steps = np.eye(2) * EPS
    return np.array([(surface.value(p + e) - surface.value(p - e)) / (2 * EPS) for e in steps])


def test_quadratic_by_hand():
    bowl = Quadratic(a=1.0, b=10.0)
    # f(2, 1) = (1*4 + 10*1) / 2 = 7;  gradient (a x, b y) = (2, 10)
    assert bowl.value([2.0, 1.0]) == 7.0
    np.testing.assert_array_equal(bowl.gradient([2.0, 1.0]), [2.0, 10.0])
    assert bowl.value(bowl.minimum) == 0.0


def test_rosenbrock_by_hand():
    valley = Rosenbrock(a=1.0, b=100.0)
    # f(0, 1) = (1 - 0)^2 + 100 (1 - 0)^2 = 101; gradient (-2 - 0, 200 * 1) = (-2, 200)
    assert valley.value([0.0, 1.0]) == 101.0
    np.testing.assert_array_equal(valley.gradient([0.0, 1.0]), [-2.0, 200.0])
    np.testing.assert_array_equal(valley.minimum, [1.0, 1.0])
    assert valley.value(valley.minimum) == 0.0
    np.testing.assert_array_equal(valley.gradient(valley.minimum), [0.0, 0.0])


@pytest.mark.parametrize("surface", [Quadratic(), Quadratic(a=3.0, b=0.5), Rosenbrock(),
                                     Rosenbrock(a=-0.5, b=10.0)])
def test_gradients_match_finite_differences(surface, rng):
    for p in rng.uniform(-2, 2, size=(5, 2)):
        np.testing.assert_allclose(surface.gradient(p), finite_difference_gradient(surface, p),
                                   rtol=1e-6, atol=1e-6)


def test_value_and_gradient_on_a_grid():
    xs, ys = np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-2, 2, 3))
    grid = np.stack([xs, ys], axis=-1)  # (3, 4, 2)
    bowl = Quadratic(a=2.0, b=4.0)
    np.testing.assert_allclose(bowl.value(grid), xs**2 + 2 * ys**2)
    assert bowl.gradient(grid).shape == (3, 4, 2)
    assert bowl(grid).shape == (3, 4)


def test_sgd_path_by_hand():
    path = optimize_2d(Quadratic(a=1.0, b=10.0), [1.0, 1.0], "sgd", 2, learning_rate=0.1)
    # x: 1 -> 1 - 0.1*1 = 0.9 -> 0.9 - 0.09 = 0.81;  y: 1 -> 1 - 0.1*10 = 0 -> 0
    np.testing.assert_allclose(path, [[1.0, 1.0], [0.9, 0.0], [0.81, 0.0]])


def test_momentum_beats_plain_descent_on_the_narrow_bowl():
    bowl = Quadratic(a=1.0, b=50.0)
    start = [-4.0, 1.0]
    plain = optimize_2d(bowl, start, "sgd", 60, learning_rate=0.035)
    heavy = optimize_2d(bowl, start, "momentum", 60, learning_rate=0.035, momentum=0.7)
    assert bowl.value(heavy[-1]) < 0.01 * bowl.value(plain[-1])


def test_adam_gets_into_the_rosenbrock_valley():
    valley = Rosenbrock()
    path = optimize_2d(valley, valley.default_start, Adam(learning_rate=0.05), 2000)
    assert path.shape == (2001, 2)
    assert valley.value(path[-1]) < 1e-2 * valley.value(path[0])


def test_an_optimizer_instance_is_copied_not_changed():
    opt = GradientDescent(0.1)
    first = optimize_2d(Quadratic(), [1.0, 1.0], opt, 5)
    second = optimize_2d(Quadratic(), [1.0, 1.0], opt, 5)
    assert opt.t == 0
    np.testing.assert_array_equal(first, second)


def test_divergence_leaves_nan_and_warns_once():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = optimize_2d(Rosenbrock(), [-1.5, 2.0], "sgd", 100, learning_rate=0.1)
    assert [w.category for w in caught] == [DivergenceWarning]
    message = str(caught[0].message)
    assert "diverged on Rosenbrock(a=1.0, b=100.0) at step" in message
    assert "learning_rate=0.1" in message
    finite = np.all(np.isfinite(path), axis=1)
    k = int(np.argmin(finite))  # first non-finite row
    assert 0 < k and finite[:k].all() and not finite[k:].any()


def test_reprs():
    assert repr(Quadratic(a=1.0, b=10.0)) == "Quadratic(a=1.0, b=10.0)"
    assert repr(Rosenbrock()) == "Rosenbrock(a=1.0, b=100.0)"


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: Quadratic(a=0), ValueError, r"a must be > 0, got 0"),
        (lambda: Quadratic(b=-1.0), ValueError, r"b must be > 0, got -1\.0"),
        (lambda: Rosenbrock(b="x"), TypeError, r"b must be a real number, got 'x'"),
        (lambda: Quadratic().value([1.0, 2.0, 3.0]), ValueError,
         r"P must have shape \(\.\.\., 2\) \(x, y pairs\), got shape \(3,\)"),
        (lambda: Quadratic().gradient(1.0), ValueError, r"p must have shape \(\.\.\., 2\)"),
        (lambda: optimize_2d(Quadratic(), [1.0], "sgd", 3), ValueError,
         r"start must have shape \(2,\), got shape \(1,\)"),
        (lambda: optimize_2d(Quadratic(), [1.0, np.nan], "sgd", 3), ValueError,
         r"start contains NaN"),
        (lambda: optimize_2d(Quadratic(), [1.0, 1.0], "sgd", -1), ValueError,
         r"n_steps must be >= 0, got -1"),
        (lambda: optimize_2d(Quadratic(), [1.0, 1.0], "sgd", 2**70), ValueError,
         r"n_steps must be <= 10,000,000, got 1180591620717411303424"),
        (lambda: Quadratic().value("1, 2"), TypeError, r"P must be a numeric array, got '1, 2'"),
        (lambda: Quadratic().gradient([[1.0, 2.0], [3.0]]), ValueError,
         r"p must be a rectangular array"),
        (lambda: optimize_2d("bowl", [1.0, 1.0], "sgd", 3), TypeError,
         r"surface must be a gdcode Surface, got 'bowl' \(str\)"),
        (lambda: optimize_2d(Quadratic(), [1.0, 1.0], "newton", 3), ValueError,
         r"unknown optimizer 'newton'"),
        (lambda: optimize_2d(Quadratic(), [1.0, 1.0], Adam(), 3, learning_rate=0.1), TypeError,
         r"already an instance .*pass learning_rate to its constructor"),
    ],
)
def test_arguments_are_checked(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_far_from_the_minimum_values_overflow_to_inf_quietly():
    # pytest turns RuntimeWarnings into errors: the overflow must be silent, the answer inf
    assert Quadratic().value([1e300, 1e300]) == np.inf
    assert np.all(np.isinf(Rosenbrock().gradient([1e300, 1e300])))
