"""The curvature of a network's loss: the largest eigenvalue of its Hessian.

For a loss that is locally a quadratic bowl, :math:`L(w) \\approx L(w_0) + g^\\top (w - w_0)
+ \\tfrac12 (w - w_0)^\\top H (w - w_0)`, a gradient-descent step multiplies the error along
each eigenvector of the Hessian :math:`H` by :math:`1 - \\eta \\lambda`. The step shrinks the
error in *every* direction only if :math:`|1 - \\eta\\lambda| < 1` for every eigenvalue, that is

.. math::

    \\eta < \\frac{2}{\\lambda_{\\max}} ,

the many-weight version of the one-weight limit :math:`2 / L''`. This module estimates
:math:`\\lambda_{\\max}` without ever forming :math:`H` (a 109,386-parameter network would
need a 109,386 × 109,386 matrix): *power iteration* only needs products :math:`Hv`, and
:func:`hessian_vector_product` computes each one exactly for about the cost of two
gradients.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._validation import as_rng, check_in_range, check_positive_int, describe
from .activations import ACTIVATIONS
from .network import MLP

__all__ = ["CurvatureEstimate", "hessian_vector_product", "hessian_max_eigenvalue"]


@dataclass(frozen=True)
class CurvatureEstimate:
    """Result of :func:`hessian_max_eigenvalue`.

    Attributes
    ----------
    lambda_max : float
        The largest eigenvalue of the Hessian of the loss at the current weights.
    learning_rate_limit : float
        :math:`2 / \\lambda_{\\max}`: plain gradient descent on this loss, from these
        weights, overshoots along the steepest direction for any larger learning rate
        (``inf`` if :math:`\\lambda_{\\max} \\le 0`, where no direction curves upwards).
    iterations : int
        Power-iteration steps used; each costs two gradient evaluations.
    converged : bool
        Whether two successive estimates agreed to within ``tol`` (relative).
    """

    lambda_max: float
    learning_rate_limit: float
    iterations: int
    converged: bool


def _second_derivative(name: str, Z: np.ndarray, A: np.ndarray) -> np.ndarray | None:
    """f''(Z) of a hidden activation (``A = f(Z)``); None where it is zero (ReLU, identity)."""
    if name == "tanh":
        return -2.0 * A * (1.0 - A * A)
    if name == "sigmoid":
        return A * (1.0 - A) * (1.0 - 2.0 * A)
    return None  # relu and identity are piecewise linear: f'' = 0 (almost everywhere)


def _targets(model: MLP, y, Z: np.ndarray) -> np.ndarray:
    """The targets as an array shaped like the logits (one-hot rows for class labels)."""
    y = np.asarray(y)
    if model.loss_name == "cross_entropy" and y.ndim == 1:
        Y = np.zeros_like(Z)
        Y[np.arange(len(y)), y.astype(np.intp)] = 1.0
        return Y
    return y.astype(np.float64).reshape(Z.shape)


def _hvp(model: MLP, X: np.ndarray, y, V: list[np.ndarray]) -> list[np.ndarray]:
    """Exact Hessian-vector product by Pearlmutter's R-operator (float64).

    ``R{q}`` is the derivative of a quantity ``q`` of the forward and backward passes
    along the direction ``V = [V_W1, v_b1, ...]``: ``d/dt q(w + t V)`` at ``t = 0``.
    Applying the product rule to every equation of backpropagation gives ``R{dW_l}``,
    the product of the Hessian with ``V``.
    """
    f, f_grad = ACTIVATIONS[model.activation]
    Ws = [W.astype(np.float64) for W in model.weights]
    bs = [b.astype(np.float64) for b in model.biases]
    VW, Vb = V[0::2], V[1::2]
    D = len(Ws)
    # forward pass and its R-derivative: Z_l = A_{l-1} W_l + b_l,  A_l = f(Z_l)
    A, RA = X, np.zeros_like(X)
    As, RAs, Zs, RZs = [], [], [], []
    for k in range(D):
        As.append(A)
        RAs.append(RA)
        Z = A @ Ws[k] + bs[k]
        RZ = RA @ Ws[k] + A @ VW[k] + Vb[k]
        Zs.append(Z)
        RZs.append(RZ)
        if k < D - 1:
            A = f(Z)
            RA = f_grad(Z) * RZ
    # output layer: the fused loss gives dZ_D; its R-derivative follows from P = out(Z_D)
    Z, RZ = Zs[-1], RZs[-1]
    Y = _targets(model, y, Z)
    if model.loss_name == "cross_entropy":
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        P = E / E.sum(axis=1, keepdims=True)
        scale = 1.0 / Z.shape[0]
        RP = P * (RZ - np.sum(P * RZ, axis=1, keepdims=True))  # softmax's Jacobian times RZ
    elif model.loss_name == "binary_cross_entropy":
        P = 0.5 * (1.0 + np.tanh(0.5 * Z))
        scale = 1.0 / Z.size
        RP = P * (1.0 - P) * RZ
    else:  # mse with an identity output: dZ = 2 (Z - Y) / size
        P = Z
        scale = 2.0 / Z.size
        RP = RZ
    dZ, RdZ = (P - Y) * scale, RP * scale
    # backward pass and its R-derivative, layer D down to 1
    out: list[np.ndarray] = [None] * (2 * D)  # type: ignore[list-item]
    for k in reversed(range(D)):
        out[2 * k] = RAs[k].T @ dZ + As[k].T @ RdZ  # R{dW_l} = R{A}^T dZ + A^T R{dZ}
        out[2 * k + 1] = RdZ.sum(axis=0)  # R{db_l}
        if k > 0:
            dA = dZ @ Ws[k].T
            RdA = RdZ @ Ws[k].T + dZ @ VW[k].T
            Zp = Zs[k - 1]
            f2 = _second_derivative(model.activation, Zp, As[k])
            RdZ = RdA * f_grad(Zp)
            if f2 is not None:
                RdZ = RdZ + dA * f2 * RZs[k - 1]
            dZ = dA * f_grad(Zp)
    return out


def _split(model: MLP, v: np.ndarray) -> list[np.ndarray]:
    parts, start = [], 0
    for p in model.params:
        parts.append(v[start : start + p.size].reshape(p.shape))
        start += p.size
    return parts


def _prepare(model: MLP, X, y) -> np.ndarray:
    if not isinstance(model, MLP):
        raise TypeError(f"model must be a gdcode MLP, got {describe(model)}")
    model.loss(X, y)  # validates X and y, with the model's own messages
    with np.errstate(over="ignore"):
        X = np.asarray(X, dtype=np.float64)
    if not np.all(np.isfinite(X)):
        raise ValueError("X is too large for float64 arithmetic")
    return X


def hessian_vector_product(model: MLP, X, y, v) -> np.ndarray:
    """The Hessian of the average loss on ``(X, y)`` times a vector, exactly.

    Computed by Pearlmutter's R-operator: the product rule applied to every line of the
    forward and backward passes, at the cost of about two gradient evaluations and without
    forming the Hessian. (A finite difference of two gradients would be simpler, but
    ReLU's derivative jumps from 0 to 1: a difference taken across such a kink measures
    the jump, not the curvature.) Arithmetic is float64; ``model`` is not changed.

    Parameters
    ----------
    model : MLP
    X, y : array_like
        The batch whose average loss is differentiated twice (as for ``model.loss``).
    v : array_like, shape (model.n_params,)
        Direction, in the order of ``model.get_flat()``.

    Returns
    -------
    ndarray, shape (model.n_params,)
        :math:`Hv`, in the same order.

    Examples
    --------
    A linear model with the mean squared error has the Hessian
    :math:`\\tfrac{2}{n} [X\\ 1]^\\top [X\\ 1]`:

    >>> model = MLP((2, 1), activation="identity", loss="mse", rng=0)
    >>> X = np.array([[1.0, 0.0], [0.0, 2.0]]); y = np.array([0.0, 0.0])
    >>> hessian_vector_product(model, X, y, [1.0, 0.0, 0.0])
    array([1., 0., 1.])
    """
    X = _prepare(model, X, y)
    v = _check_direction(v, model.n_params)
    return np.concatenate([h.ravel() for h in _hvp(model, X, y, _split(model, v))])


def _check_direction(v, n_params: int) -> np.ndarray:
    try:
        v = np.array(v, dtype=np.float64)
    except (ValueError, TypeError, OverflowError):
        raise TypeError(f"v must be an array of {n_params} numbers, got {v!r:.60}") from None
    if v.shape != (n_params,):
        raise ValueError(f"v must have shape ({n_params},), got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError("v must contain only finite numbers")
    return v


def _power_iteration(
    matvec: Callable[[np.ndarray], np.ndarray],
    v: np.ndarray,
    iterations: int,
    tol: float,
) -> tuple[float, np.ndarray, int, bool]:
    """Dominant (largest in absolute value) eigenvalue of a symmetric operator.

    Returns the Rayleigh quotient, its vector, the iterations used and whether it converged.
    """
    v = v / np.linalg.norm(v)
    estimate = math.nan
    for k in range(1, iterations + 1):
        Hv = matvec(v)
        new = float(v @ Hv)  # Rayleigh quotient v^T H v, with |v| = 1
        size = float(np.linalg.norm(Hv))
        if size == 0.0:  # v lies in the null space: every eigenvalue seen is 0
            return 0.0, v, k, True
        v = Hv / size
        if abs(new - estimate) <= tol * abs(new):
            return new, v, k, True
        estimate = new
    return estimate, v, iterations, False


def hessian_max_eigenvalue(
    model: MLP,
    X,
    y,
    *,
    iterations: int = 100,
    tol: float = 1e-4,
    rng: np.random.Generator | int | None = None,
) -> CurvatureEstimate:
    """Largest eigenvalue of the Hessian of the average loss on ``(X, y)``, by power iteration.

    Power iteration repeats :math:`v \\leftarrow Hv / \\lVert Hv \\rVert`; the Rayleigh
    quotient :math:`v^\\top H v` then tends to the eigenvalue of largest *absolute* value.
    Away from a minimum the Hessian can have negative eigenvalues (directions that curve
    down); if the dominant one is negative, :math:`\\mu < 0`, a second power iteration on
    :math:`H - \\mu I`, whose eigenvalues are all :math:`\\ge 0`, finds
    :math:`\\lambda_{\\max} - \\mu` and so :math:`\\lambda_{\\max}`.

    Parameters
    ----------
    model : MLP
        The network, at the weights where the curvature is wanted (not changed).
    X, y : array_like
        The data whose average loss is meant (a few thousand examples are plenty).
    iterations : int, default 100
        At most this many power-iteration steps (per pass).
    tol : float in (0, 1), default 1e-4
        Stop when two successive estimates agree to this relative tolerance.
    rng : numpy.random.Generator, int or None
        Draws the random starting vector.

    Returns
    -------
    CurvatureEstimate

    Notes
    -----
    Each step costs one Hessian-vector product, that is two gradient evaluations
    (forward + backward passes) on ``X``. The estimate is of the curvature at the
    current weights; it changes as the network trains.

    Examples
    --------
    A linear model with the mean squared error has the constant Hessian
    :math:`\\tfrac{2}{n} [X\\ 1]^\\top [X\\ 1]`:

    >>> model = MLP((2, 1), activation="identity", loss="mse", rng=0)
    >>> X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]); y = np.zeros(3)
    >>> est = hessian_max_eigenvalue(model, X, y, rng=0, tol=1e-10)
    >>> Xb = np.hstack([X, np.ones((3, 1))])
    >>> bool(np.isclose(est.lambda_max, np.linalg.eigvalsh(2 / 3 * Xb.T @ Xb).max()))
    True
    """
    X = _prepare(model, X, y)
    iterations = check_positive_int("iterations", iterations)
    tol = check_in_range("tol", tol, 0.0, 1.0, low_inclusive=False)
    rng = as_rng(rng)

    def H(v: np.ndarray) -> np.ndarray:
        return np.concatenate([h.ravel() for h in _hvp(model, X, y, _split(model, v))])

    start = rng.standard_normal(model.n_params)
    mu, _, used, converged = _power_iteration(H, start, iterations, tol)
    if mu < 0:  # the dominant eigenvalue curves downwards: shift it to find the top one

        def shifted(v: np.ndarray) -> np.ndarray:
            return H(v) - mu * v

        top, _, used2, converged = _power_iteration(shifted, start, iterations, tol)
        lam, used = top + mu, used + used2
    else:
        lam = mu
    limit = 2.0 / lam if lam > 0 else math.inf
    return CurvatureEstimate(float(lam), float(limit), used, converged)
