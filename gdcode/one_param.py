"""Gradient descent on the smallest model there is: one weight, :math:`\\hat y = w x`.

With a single parameter the whole story fits on one plot: the loss is a
parabola in :math:`w`, the gradient is its slope, and every step of gradient
descent is a point sliding along it.

.. math::

    L(w) = \\frac1n \\sum_{i=1}^n (w x_i - y_i)^2, \\qquad
    \\frac{dL}{dw} = \\frac1n \\sum_{i=1}^n 2 x_i (w x_i - y_i), \\qquad
    w \\leftarrow w - \\eta \\frac{dL}{dw}.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._validation import (
    check_array,
    check_learning_rate,
    check_positive,
    check_positive_int,
    check_real,
    scheduled_learning_rate,
)
from .training import DivergenceWarning

__all__ = ["MAX_STEPS", "Trajectory", "gradient", "gradient_descent", "loss", "numerical_gradient"]


#: Most steps :func:`gradient_descent` records (its arrays hold every step).
MAX_STEPS = 10_000_000


def _check_data(x, y) -> tuple[np.ndarray, np.ndarray]:
    x = check_array("x", x, ndim=1, dtype=np.float64)
    y = check_array("y", y, ndim=1, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    return x, y


def _check_w(w) -> np.ndarray:
    return check_array("w", w, dtype=np.float64)


def _scalar_or_array(values: np.ndarray):
    return float(values) if values.ndim == 0 else values


def loss(w, x, y):
    """Mean squared error of the model :math:`\\hat y = w x`.

    .. math:: L(w) = \\frac1n \\sum_i (w x_i - y_i)^2

    Parameters
    ----------
    w : float or ndarray
        The weight. An array of weights gives the loss at each of them (handy
        for drawing the loss curve).
    x, y : ndarray, shape (n_samples,)
        Inputs and targets.

    Returns
    -------
    float, or ndarray shaped like ``w``

    Examples
    --------
    >>> x, y = np.array([1.0, 2.0]), np.array([2.0, 4.0])
    >>> loss(2.0, x, y), loss(0.0, x, y)
    (0.0, 10.0)
    >>> loss(np.array([0.0, 2.0]), x, y)
    array([10.,  0.])
    """
    x, y = _check_data(x, y)
    w = _check_w(w)
    with np.errstate(over="ignore", invalid="ignore"):  # huge w or x: the loss is inf
        residuals = w[..., None] * x - y  # shape w.shape + (n,)
        return _scalar_or_array(np.mean(residuals**2, axis=-1))


def gradient(w, x, y):
    """Derivative of :func:`loss` with respect to :math:`w`.

    .. math:: \\frac{dL}{dw} = \\frac1n \\sum_i 2 x_i (w x_i - y_i)

    Parameters
    ----------
    w : float or ndarray
    x, y : ndarray, shape (n_samples,)

    Returns
    -------
    float, or ndarray shaped like ``w``

    Examples
    --------
    >>> gradient(0.0, np.array([1.0, 2.0]), np.array([2.0, 4.0]))  # mean(2*x*(0 - y))
    -10.0
    """
    x, y = _check_data(x, y)
    w = _check_w(w)
    with np.errstate(over="ignore", invalid="ignore"):  # huge w or x: the slope is +-inf
        residuals = w[..., None] * x - y
        return _scalar_or_array(np.mean(2 * x * residuals, axis=-1))


def numerical_gradient(f: Callable, w, h: float = 1e-6):
    """Central-difference estimate of the derivative of any function ``f`` at ``w``.

    .. math:: f'(w) \\approx \\frac{f(w + h) - f(w - h)}{2h}

    The error shrinks like :math:`h^2`; much smaller ``h`` loses accuracy again
    to rounding.

    Parameters
    ----------
    f : callable
        A function of one number (or element-wise on an array).
    w : float or ndarray
    h : float > 0

    Returns
    -------
    float, or ndarray shaped like ``w``

    Examples
    --------
    >>> round(numerical_gradient(lambda w: w**3, 2.0), 6)  # exact: 3 * 2**2
    12.0
    """
    if not callable(f):
        raise TypeError(f"f must be a function of w, got {f!r}")
    h = check_positive("h", h)
    w = _check_w(w)
    with np.errstate(over="ignore", invalid="ignore"):  # f may overflow far from 0
        f_plus, f_minus = _value_of(f, w + h, "w + h"), _value_of(f, w - h, "w - h")
        slope = (f_plus - f_minus) / (2 * h)
    return _scalar_or_array(slope)


def _value_of(f: Callable, w: np.ndarray, where: str) -> np.ndarray:
    """``f(w)`` as a float array, or a TypeError that says what ``f`` returned."""
    value = f(w)
    try:
        return check_array("f", value, finite=False, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"f must return numbers; f({where}) returned {value!r:.60}") from error


@dataclass
class Trajectory:
    """Every step of a one-parameter gradient descent run.

    Attributes
    ----------
    w : ndarray, shape (n_steps + 1,)
        :math:`w_0, w_1, \\dots`: the start and the weight after each step.
    loss : ndarray, shape (n_steps + 1,)
        :math:`L(w_k)`.
    grad : ndarray, shape (n_steps + 1,)
        :math:`L'(w_k)`; step :math:`k` moved from ``w[k]`` by ``-eta * grad[k]``.
    learning_rate : float or callable
        What was given.
    diverged_step : int or None
        If the weight overflowed, the first step whose values are not finite
        (the arrays hold NaN from there on); otherwise ``None``.
    """

    w: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    learning_rate: float | Callable
    diverged_step: int | None = None

    @property
    def n_steps(self) -> int:
        """Number of steps taken."""
        return len(self.w) - 1


def gradient_descent(x, y, w0: float, learning_rate, n_steps: int) -> Trajectory:
    """Run gradient descent on the one-weight model and keep every step.

    .. math:: w_{k+1} = w_k - \\eta_k \\, L'(w_k)

    Parameters
    ----------
    x, y : ndarray, shape (n_samples,)
        Data.
    w0 : float
        Starting weight.
    learning_rate : float or callable
        :math:`\\eta > 0`, or a schedule ``step -> eta`` (which must return a
        finite number >= 0 at every step, as for :func:`gdcode.training.fit`).
    n_steps : int, 0 <= n_steps <= 10,000,000

    Returns
    -------
    Trajectory

    Warns
    -----
    DivergenceWarning
        If the weight overflows (a learning rate far too large); the run stops
        there and the rest of the trajectory is NaN.

    Examples
    --------
    >>> x, y = np.array([1.0, 2.0]), np.array([2.0, 4.0])
    >>> path = gradient_descent(x, y, w0=0.0, learning_rate=0.1, n_steps=2)
    >>> path.w  # w1 = 0 - 0.1 * (-10) = 1;  w2 = 1 - 0.1 * (-5) = 1.5
    array([0. , 1. , 1.5])
    """
    x, y = _check_data(x, y)
    w = check_real("w0", w0)
    learning_rate = check_learning_rate(learning_rate)
    n_steps = check_positive_int("n_steps", n_steps, minimum=0, maximum=MAX_STEPS)

    ws = np.full(n_steps + 1, np.nan)
    losses = np.full(n_steps + 1, np.nan)
    grads = np.full(n_steps + 1, np.nan)
    diverged_step = None
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(n_steps + 1):
            residuals = w * x - y
            L, dL = np.mean(residuals**2), np.mean(2 * x * residuals)
            if not (np.isfinite(w) and np.isfinite(L) and np.isfinite(dL)):
                diverged_step = k
                break
            ws[k], losses[k], grads[k] = w, L, dL
            if k < n_steps:
                eta = (
                    scheduled_learning_rate(learning_rate, k)
                    if callable(learning_rate)
                    else learning_rate
                )
                w = w - eta * dL
    if diverged_step is not None:
        warnings.warn(
            f"gradient descent diverged at step {diverged_step}: w overflowed with "
            f"learning_rate={learning_rate!r}",
            DivergenceWarning,
            stacklevel=2,
        )
    return Trajectory(ws, losses, grads, learning_rate, diverged_step)
