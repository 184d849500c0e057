"""Finite-difference gradient checks for a network.

Backpropagation is easy to get subtly wrong, and a wrong gradient often still
trains, just badly. The check is simple: nudge one parameter :math:`\\theta_j`
up and down by :math:`\\varepsilon` and compare the slope of the loss with
what backpropagation says,

.. math:: \\frac{\\partial L}{\\partial \\theta_j} \\approx
          \\frac{L(\\theta + \\varepsilon e_j) - L(\\theta - \\varepsilon e_j)}{2 \\varepsilon}.

The central difference is accurate to :math:`O(\\varepsilon^2)`. Each entry costs
two forward passes, so check small networks (or a sample of the entries of a big one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import as_rng, check_positive, check_positive_int, describe
from .network import MLP

__all__ = ["GradCheckResult", "gradient_check", "numerical_gradients"]


@dataclass
class GradCheckResult:
    """Outcome of :func:`gradient_check`.

    Attributes
    ----------
    max_relative_error : float
        Largest of ``per_param``.
    per_param : list of float
        For each parameter array, :math:`\\lVert g_a - g_n\\rVert / (\\lVert g_a\\rVert +
        \\lVert g_n\\rVert)` between the analytic and numerical gradients (over
        the checked entries).
    passed : bool
        ``max_relative_error < tolerance``.
    tolerance : float
    n_checked : int
        Number of parameter entries compared.
    """

    max_relative_error: float
    per_param: list[float] = field(default_factory=list)
    passed: bool = False
    tolerance: float = 1e-6
    n_checked: int = 0

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return (
            f"gradient check {verdict}: max relative error {self.max_relative_error:.2e} "
            f"(tolerance {self.tolerance:.0e}, {self.n_checked} entries checked)"
        )


def _entries(p: np.ndarray, max_per_param: int | None, rng: np.random.Generator) -> np.ndarray:
    """Flat indices of the entries of ``p`` to check (all, or a random sample)."""
    if max_per_param is None or p.size <= max_per_param:
        return np.arange(p.size)
    return np.sort(rng.choice(p.size, size=max_per_param, replace=False))


def _numerical(model: MLP, X, y, eps: float, chosen: list[np.ndarray]) -> list[np.ndarray]:
    """Central differences of the loss for the chosen flat entries of each parameter."""
    estimates = []
    for p, indices in zip(model.params, chosen, strict=True):
        flat = p.reshape(-1)  # a view: writing to it changes the parameter
        values = np.empty(len(indices))
        for k, j in enumerate(indices):
            original = flat[j]
            flat[j] = original + eps
            loss_plus = model._loss_fn(model._logits(X), y)[0]
            flat[j] = original - eps
            loss_minus = model._loss_fn(model._logits(X), y)[0]
            flat[j] = original
            values[k] = (loss_plus - loss_minus) / (2 * eps)
        estimates.append(values)
    return estimates


def numerical_gradients(model: MLP, X, y, eps: float = 1e-6) -> list[np.ndarray]:
    """Gradient of the loss with respect to every parameter, by central differences.

    The model is evaluated in float64 (a float32 model is copied to float64
    first, since :math:`\\varepsilon = 10^{-6}` is below float32's resolution).
    The model's parameters are left unchanged.

    Parameters
    ----------
    model : MLP
    X : array_like, shape (n_samples, n_features)
    y : array_like
        Labels or targets, as for :meth:`~gdcode.network.MLP.loss_and_gradients`.
    eps : float
        Step :math:`\\varepsilon`.

    Returns
    -------
    list of ndarray
        Shaped like ``model.params``.

    Examples
    --------
    >>> model = MLP((2, 3, 2), activation="tanh", rng=0)
    >>> X, y = np.array([[0.5, -1.0]]), np.array([1])
    >>> numeric = numerical_gradients(model, X, y)
    >>> _, analytic = model.loss_and_gradients(X, y)
    >>> all(np.allclose(a, g, atol=1e-8) for a, g in zip(analytic, numeric))
    True
    """
    model64, X, y, eps = _prepare(model, X, y, eps)
    chosen = [np.arange(p.size) for p in model64.params]
    with np.errstate(over="ignore", invalid="ignore"):  # huge inputs: inf/NaN slopes, quietly
        estimates = _numerical(model64, X, y, eps, chosen)
    return [e.reshape(p.shape) for e, p in zip(estimates, model64.params, strict=True)]


def gradient_check(
    model: MLP,
    X,
    y,
    eps: float = 1e-6,
    tolerance: float = 1e-6,
    max_per_param: int | None = None,
    rng: np.random.Generator | int | None = None,
) -> GradCheckResult:
    """Compare backpropagation with finite differences.

    Parameters
    ----------
    model : MLP
    X, y : array_like
        A small batch (a handful of samples is enough).
    eps : float
        Finite-difference step.
    tolerance : float
        The check passes when every relative error is below it. Correct
        float64 gradients typically give 1e-9 or less.
    max_per_param : int, optional
        Check at most this many randomly chosen entries of each parameter
        (for large networks); ``None`` checks every entry.
    rng : numpy.random.Generator, int or None
        Chooses the sampled entries.

    Returns
    -------
    GradCheckResult

    Examples
    --------
    >>> model = MLP((3, 4, 3), activation="tanh", rng=0)
    >>> result = gradient_check(model, np.ones((2, 3)), [0, 2])
    >>> result.passed
    True
    """
    model64, X, y, eps = _prepare(model, X, y, eps)
    tolerance = check_positive("tolerance", tolerance)
    if max_per_param is not None:
        max_per_param = check_positive_int("max_per_param", max_per_param)
    rng = as_rng(rng)

    with np.errstate(over="ignore", invalid="ignore"):
        _, grads = model64._batch_loss_and_gradients(X, y)
        chosen = [_entries(p, max_per_param, rng) for p in model64.params]
        numeric = _numerical(model64, X, y, eps, chosen)

    per_param = []
    for g, indices, n in zip(grads, chosen, numeric, strict=True):
        a = g.reshape(-1)[indices]
        denominator = np.linalg.norm(a) + np.linalg.norm(n)
        per_param.append(0.0 if denominator == 0 else float(np.linalg.norm(a - n) / denominator))
    worst = max(per_param)
    return GradCheckResult(
        max_relative_error=worst,
        per_param=per_param,
        passed=bool(worst < tolerance),
        tolerance=tolerance,
        n_checked=int(sum(len(i) for i in chosen)),
    )


def _prepare(model, X, y, eps):
    if not isinstance(model, MLP):
        raise TypeError(f"model must be a gdcode MLP, got {describe(model)}")
    eps = check_positive("eps", eps)
    model64 = model.copy(dtype=np.float64)
    X = model64._check_X(X)
    y = model64._check_y(y, X.shape[0])
    return model64, X, y, eps
