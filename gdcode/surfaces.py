"""Two-parameter test functions, for watching optimizers move on a contour plot.

With two parameters :math:`p = (x, y)` a loss surface can be drawn as contours
and an optimizer's path as a line on top. The same optimizer objects that train
networks run here, on a list holding one array of shape ``(2,)``.

* :class:`Quadratic`: an elongated bowl, :math:`\\tfrac12 (a x^2 + b y^2)`.
  Gradient descent zig-zags across the narrow direction; momentum fixes that.
* :class:`Rosenbrock`: a curved, flat-bottomed valley, hard for plain gradient descent.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np

from ._validation import check_array, check_positive, check_positive_int, check_real, describe
from .optimizers import Optimizer, get_optimizer
from .training import DivergenceWarning

__all__ = ["MAX_STEPS", "Quadratic", "Rosenbrock", "Surface", "optimize_2d"]

#: Most steps :func:`optimize_2d` records (the path holds every point).
MAX_STEPS = 10_000_000


class Surface:
    """A function of two parameters with its gradient.

    Subclasses define ``_value(x, y)``, ``_gradient(x, y)``, ``minimum``,
    ``default_start`` and the plotting window ``xlim``/``ylim``.
    """

    minimum: np.ndarray
    default_start: np.ndarray
    xlim: tuple[float, float]
    ylim: tuple[float, float]

    def value(self, P) -> np.ndarray | float:
        """Function value at points ``P``.

        Parameters
        ----------
        P : array_like, shape (..., 2)
            One point ``(x, y)`` or a grid of them (e.g. ``np.stack([X, Y], axis=-1)``).

        Returns
        -------
        float for one point, else ndarray of shape ``P.shape[:-1]``
        """
        P = self._check_points(P)
        with np.errstate(over="ignore", invalid="ignore"):  # far out, the value is inf
            values = self._value(P[..., 0], P[..., 1])
        return float(values) if np.ndim(values) == 0 else values

    __call__ = value

    def gradient(self, p) -> np.ndarray:
        """Gradient :math:`(\\partial f/\\partial x, \\partial f/\\partial y)` at ``p``.

        Parameters
        ----------
        p : array_like, shape (2,) or (..., 2)

        Returns
        -------
        ndarray, same shape as ``p``
        """
        p = self._check_points(p, name="p")
        with np.errstate(over="ignore", invalid="ignore"):  # far out, the slope is +-inf
            return np.stack(self._gradient(p[..., 0], p[..., 1]), axis=-1)

    @staticmethod
    def _check_points(P, name: str = "P") -> np.ndarray:
        P = check_array(name, P, finite=False, dtype=np.float64)
        if P.ndim == 0 or P.shape[-1] != 2:
            raise ValueError(f"{name} must have shape (..., 2) (x, y pairs), got shape {P.shape}")
        return P

    def _value(self, x, y):  # pragma: no cover - abstract
        raise NotImplementedError

    def _gradient(self, x, y):  # pragma: no cover - abstract
        raise NotImplementedError


class Quadratic(Surface):
    """Elongated bowl, :math:`f(x, y) = \\tfrac12 (a x^2 + b y^2)`.

    Gradient :math:`(a x, b y)`; minimum at the origin. The curvatures are
    :math:`a` and :math:`b`: plain gradient descent is stable only for
    :math:`\\eta < 2 / \\max(a, b)` and, at that step size, crawls along the flat
    direction. The ratio :math:`b / a` (the condition number) measures how bad that is.

    Parameters
    ----------
    a, b : float > 0
        Curvature along x and along y.

    Examples
    --------
    >>> bowl = Quadratic(a=1.0, b=10.0)
    >>> bowl.value([1.0, 1.0]), bowl.gradient([1.0, 1.0])
    (5.5, array([ 1., 10.]))
    """

    def __init__(self, a: float = 1.0, b: float = 10.0):
        self.a = check_positive("a", a)
        self.b = check_positive("b", b)
        self.minimum = np.zeros(2)
        self.default_start = np.array([-4.0, 1.5])
        self.xlim, self.ylim = (-5.0, 5.0), (-2.5, 2.5)

    def __repr__(self) -> str:
        return f"Quadratic(a={self.a!r}, b={self.b!r})"

    def _value(self, x, y):
        return 0.5 * (self.a * x**2 + self.b * y**2)

    def _gradient(self, x, y):
        return self.a * x, self.b * y


class Rosenbrock(Surface):
    """Rosenbrock's banana valley, :math:`f(x, y) = (a - x)^2 + b (y - x^2)^2`.

    Gradient :math:`\\big(-2(a - x) - 4 b x (y - x^2),\\; 2 b (y - x^2)\\big)`;
    minimum :math:`(a, a^2)`, where :math:`f = 0`.

    Examples
    --------
    >>> valley = Rosenbrock()
    >>> valley.value(valley.minimum), valley.gradient([0.0, 0.0])
    (0.0, array([-2.,  0.]))
    """

    def __init__(self, a: float = 1.0, b: float = 100.0):
        self.a = check_real("a", a)
        if abs(self.a) > 1e150:  # the minimum (a, a**2) must be a finite point
            raise ValueError(f"a must be within +-1e150 (the minimum is (a, a**2)), got {a!r}")
        self.b = check_positive("b", b)
        self.minimum = np.array([self.a, self.a**2])
        self.default_start = np.array([-1.5, 2.0])
        self.xlim, self.ylim = (-2.0, 2.0), (-1.0, 3.0)

    def __repr__(self) -> str:
        return f"Rosenbrock(a={self.a!r}, b={self.b!r})"

    def _value(self, x, y):
        return (self.a - x) ** 2 + self.b * (y - x**2) ** 2

    def _gradient(self, x, y):
        dx = -2 * (self.a - x) - 4 * self.b * x * (y - x**2)
        dy = 2 * self.b * (y - x**2)
        return dx, dy


def optimize_2d(
    surface: Surface,
    start,
    optimizer: str | Optimizer,
    n_steps: int,
    **optimizer_kwargs,
) -> np.ndarray:
    """Run an optimizer on a 2-D surface and return its path.

    Parameters
    ----------
    surface : Surface
        E.g. ``Quadratic()`` or ``Rosenbrock()``.
    start : array_like, shape (2,)
        Starting point :math:`p_0`.
    optimizer : str or Optimizer
        A name (``"sgd"``, ``"momentum"``, ...) with ``learning_rate`` and
        other settings in ``optimizer_kwargs``, or an optimizer instance. An
        instance is copied and reset, so it is not modified and always starts fresh.
    n_steps : int, 0 <= n_steps <= 10,000,000
    **optimizer_kwargs
        Passed to :func:`gdcode.optimizers.get_optimizer` with a name.

    Returns
    -------
    path : ndarray, shape (n_steps + 1, 2)
        ``path[k]`` is the point after ``k`` steps. If the run diverges the
        remaining rows are NaN.

    Warns
    -----
    DivergenceWarning
        If the point overflows to infinity.

    Examples
    --------
    >>> path = optimize_2d(Quadratic(a=1, b=10), [1.0, 1.0], "sgd", 2, learning_rate=0.1)
    >>> path  # x: 1 -> 1 - 0.1*1 = 0.9 -> 0.81;  y: 1 -> 1 - 0.1*10 = 0 -> 0
    array([[1.  , 1.  ],
           [0.9 , 0.  ],
           [0.81, 0.  ]])
    """
    if not isinstance(surface, Surface):
        raise TypeError(f"surface must be a gdcode Surface, got {describe(surface)}")
    p = check_array("start", start, ndim=1, dtype=np.float64).copy()  # p moves; start stays
    if p.shape != (2,):
        raise ValueError(f"start must have shape (2,), got shape {p.shape}")
    n_steps = check_positive_int("n_steps", n_steps, minimum=0, maximum=MAX_STEPS)
    if isinstance(optimizer, Optimizer):
        if optimizer_kwargs:
            raise TypeError(
                f"optimizer is already an instance ({optimizer!r}); pass "
                f"{', '.join(sorted(optimizer_kwargs))} to its constructor instead"
            )
        opt = copy.deepcopy(optimizer)
        opt.reset()
    else:
        opt = get_optimizer(optimizer, **optimizer_kwargs)

    path = np.full((n_steps + 1, 2), np.nan)
    path[0] = p
    diverged_step = None
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, n_steps + 1):
            gradient = np.array(surface._gradient(p[0], p[1]))  # (df/dx, df/dy) at p
            opt.step([p], [gradient])  # updates p in place
            if not np.all(np.isfinite(p)):
                diverged_step = k
                break
            path[k] = p
    if diverged_step is not None:
        warnings.warn(
            f"{opt!r} diverged on {surface!r} at step {diverged_step} "
            f"(learning_rate={opt.learning_rate!r})",
            DivergenceWarning,
            stacklevel=2,
        )
    return path
