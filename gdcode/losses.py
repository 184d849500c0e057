"""Loss functions and their gradients.

Every loss here is an *average over the batch*, never a sum, so that a learning
rate means the same thing whatever the batch size (the book compares batch
sizes 8, 128 and 60000, so this matters).

Two kinds of function live here:

* plain losses of predictions ``P`` and targets (:func:`mse`, with its
  gradient :math:`\\partial L / \\partial P` :func:`mse_grad`, and
  :func:`binary_cross_entropy`);
* *fused* losses that take the last layer's pre-activations ``Z`` (logits),
  apply the output activation themselves and return ``(loss, dZ)``. Fusing is
  both faster and numerically safer, and the gradient becomes beautifully simple:

  ========================================  ===================  ==========================
  function                                  output activation    :math:`dZ`
  ========================================  ===================  ==========================
  :func:`softmax_cross_entropy`             softmax              :math:`(P - Y) / n`
  :func:`sigmoid_binary_cross_entropy`      sigmoid              :math:`(\\sigma(Z) - y) / n`
  :func:`identity_mse`                      identity             :math:`2 (Z - Y) / Z.size`
  ========================================  ===================  ==========================

The public functions check their inputs; the network calls the unchecked
versions (same names with a leading underscore) once its inputs have been
checked, so nothing is validated twice inside the training loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._validation import check_array, check_labels
from .activations import identity, sigmoid, softmax

__all__ = [
    "LOSSES",
    "Loss",
    "binary_cross_entropy",
    "identity_mse",
    "mse",
    "mse_grad",
    "sigmoid_binary_cross_entropy",
    "softmax_cross_entropy",
]

#: Probabilities are clipped to [EPS, 1 - EPS] before taking logarithms.
EPS = 1e-12


# ---------------------------------------------------------------------------
# input checks for the public functions
# ---------------------------------------------------------------------------


def _check_predictions(name: str, P) -> np.ndarray:
    P = check_array(name, P)
    if not np.issubdtype(P.dtype, np.floating):
        P = P.astype(np.float64)
    return P


def _check_probabilities(name: str, P) -> np.ndarray:
    P = _check_predictions(name, P)
    outside = (P < 0) | (P > 1)
    if outside.any():
        raise ValueError(f"{name} must hold probabilities in [0, 1], got {P[outside][0]}")
    return P


def _check_targets(name: str, Y, P: np.ndarray, pred_name: str) -> np.ndarray:
    """Targets of the same size as ``P``, reshaped to ``P.shape`` (so y (n,) fits P (n, 1))."""
    Y = check_array(name, Y, dtype=P.dtype)
    same_rows = Y.ndim == 0 or P.ndim == 0 or Y.shape[0] == P.shape[0]
    if Y.size != P.size or not same_rows:
        raise ValueError(
            f"{name} has shape {Y.shape}; it must match {pred_name} with shape {P.shape}"
        )
    return Y.reshape(P.shape)


def _check_binary(name: str, y, P: np.ndarray, pred_name: str) -> np.ndarray:
    y = _check_targets(name, y, P, pred_name)
    if np.any((y != 0) & (y != 1)):
        bad = y[(y != 0) & (y != 1)][0]
        raise ValueError(f"{name} must hold binary labels 0 or 1, got {bad}")
    return y


def _check_logits_and_labels(Z, y) -> tuple[np.ndarray, np.ndarray]:
    """Logits (n, k) and either integer labels (n,) or one-hot / probabilities (n, k)."""
    Z = _check_predictions("Z", Z)
    if Z.ndim != 2:
        raise ValueError(f"Z must be a 2-D array (n_samples, n_classes), got shape {Z.shape}")
    y_array = check_array("y", y)
    if y_array.ndim == 2 and y_array.shape[1] > 1:
        if y_array.shape != Z.shape:
            raise ValueError(
                f"y has shape {y_array.shape}; one-hot targets must match Z {Z.shape}"
            )
        return Z, check_array("y", y_array, dtype=Z.dtype)
    labels = check_labels("y", y_array, n_classes=Z.shape[1])
    if labels.shape[0] != Z.shape[0]:
        raise ValueError(f"y has {labels.shape[0]} labels; Z has {Z.shape[0]} rows")
    return Z, labels


# ---------------------------------------------------------------------------
# mean squared error
# ---------------------------------------------------------------------------


def mse(P: np.ndarray, Y: np.ndarray) -> float:
    """Mean squared error, averaged over every entry.

    .. math:: L = \\frac{1}{N} \\sum_{i} (P_i - Y_i)^2, \\qquad N = \\text{P.size}

    With one output per sample, :math:`N = n` and this is the average over the
    batch.

    Parameters
    ----------
    P : ndarray, shape (n_samples,) or (n_samples, n_outputs)
        Predictions.
    Y : ndarray, same size as ``P``
        Targets.

    Returns
    -------
    float

    Examples
    --------
    >>> mse(np.array([1.0, 2.0]), np.array([1.0, 4.0]))
    2.0
    """
    P = _check_predictions("P", P)
    Y = _check_targets("Y", Y, P, "P")
    with np.errstate(over="ignore"):  # (1e200 - -1e200)**2 is inf, and so is the loss
        return float(np.mean((P - Y) ** 2))


def mse_grad(P: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Gradient of :func:`mse` with respect to the predictions.

    .. math:: \\frac{\\partial L}{\\partial P} = \\frac{2 (P - Y)}{N}

    Returns
    -------
    dP : ndarray, same shape as ``P``

    Examples
    --------
    >>> mse_grad(np.array([1.0, 2.0]), np.array([1.0, 4.0]))
    array([ 0., -2.])
    """
    P = _check_predictions("P", P)
    Y = _check_targets("Y", Y, P, "P")
    with np.errstate(over="ignore"):
        return 2.0 * (P - Y) / P.size


def _identity_mse(Z: np.ndarray, Y: np.ndarray, out: np.ndarray | None = None):
    """Unchecked :func:`identity_mse`; ``Y`` already has the shape and dtype of ``Z``."""
    if out is None:
        out = np.empty_like(Z)
    dZ = np.subtract(Z, Y, out=out)  # residuals P - Y (P = Z for the identity output)
    loss = float(np.vdot(dZ, dZ)) / Z.size  # mean of the squared residuals
    dZ *= 2.0 / Z.size
    return loss, dZ


def identity_mse(Z: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error of an identity output layer: ``(loss, dZ)``.

    The regression network's last layer has no activation, so ``P = Z`` and

    .. math:: L = \\frac{1}{N}\\sum (Z - Y)^2, \\qquad dZ = \\frac{2 (Z - Y)}{N}.

    Parameters
    ----------
    Z : ndarray, shape (n_samples, n_outputs)
        Outputs of the last layer.
    Y : ndarray, same size as ``Z``
        Targets.

    Returns
    -------
    loss : float
    dZ : ndarray, same shape as ``Z``

    Examples
    --------
    >>> identity_mse(np.array([[1.0], [2.0]]), np.array([1.0, 4.0]))
    (2.0, array([[ 0.],
           [-2.]]))
    """
    Z = _check_predictions("Z", Z)
    Y = _check_targets("Y", Y, Z, "Z")
    with np.errstate(over="ignore"):
        return _identity_mse(Z, Y)


# ---------------------------------------------------------------------------
# binary cross-entropy
# ---------------------------------------------------------------------------


def binary_cross_entropy(P: np.ndarray, y: np.ndarray) -> float:
    """Binary cross-entropy of probabilities, averaged over the batch.

    .. math:: L = -\\frac{1}{n} \\sum_i \\big[y_i \\log p_i + (1 - y_i) \\log(1 - p_i)\\big]

    ``P`` is clipped to ``[1e-12, 1 - 1e-12]`` so that a confident wrong answer
    costs a large but finite amount. A network should use
    :func:`sigmoid_binary_cross_entropy` on the logits instead.

    Parameters
    ----------
    P : ndarray, shape (n_samples,) or (n_samples, 1)
        Predicted probabilities of class 1.
    y : ndarray, same size as ``P``
        Labels, 0 or 1.

    Returns
    -------
    float

    Examples
    --------
    >>> round(binary_cross_entropy(np.array([0.5, 0.5]), np.array([0, 1])), 6)
    0.693147
    """
    P = _check_probabilities("P", P)
    y = _check_binary("y", y, P, "P")
    P = np.clip(P, EPS, 1.0 - EPS)
    return float(-np.mean(y * np.log(P) + (1.0 - y) * np.log1p(-P)))


def _sigmoid_binary_cross_entropy(Z: np.ndarray, y: np.ndarray, out: np.ndarray | None = None):
    """Unchecked :func:`sigmoid_binary_cross_entropy`; ``y`` has the shape and dtype of ``Z``."""
    N = Z.size
    # log(1 + e^{-|z|}) never overflows; max(z, 0) - z*y + that term equals
    # -[y log(sigmoid(z)) + (1 - y) log(1 - sigmoid(z))] for every z.
    losses = np.maximum(Z, 0) - Z * y + np.log1p(np.exp(-np.abs(Z)))
    loss = float(losses.sum()) / N
    dZ = sigmoid(Z, out=out)  # dZ = (sigmoid(Z) - y) / N
    dZ -= y
    dZ /= N
    return loss, dZ


def sigmoid_binary_cross_entropy(Z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Sigmoid output and binary cross-entropy, fused: ``(loss, dZ)``.

    With :math:`p = \\sigma(z)`,

    .. math:: L = -\\frac{1}{n}\\sum_i \\big[y_i \\log p_i + (1 - y_i)\\log(1 - p_i)\\big],
              \\qquad dZ = \\frac{\\sigma(Z) - y}{n}.

    The loss is computed from the logits as
    :math:`\\max(z, 0) - z y + \\log(1 + e^{-|z|})`, which is exact and stable.

    Parameters
    ----------
    Z : ndarray, shape (n_samples, 1) or (n_samples,)
        Logits of class 1.
    y : ndarray, same size as ``Z``
        Labels, 0 or 1.

    Returns
    -------
    loss : float
    dZ : ndarray, same shape as ``Z``

    Examples
    --------
    >>> loss, dZ = sigmoid_binary_cross_entropy(np.array([[0.0], [0.0]]), np.array([0, 1]))
    >>> round(loss, 6), dZ.ravel()
    (0.693147, array([ 0.25, -0.25]))
    """
    Z = _check_predictions("Z", Z)
    y = _check_binary("y", y, Z, "Z")
    with np.errstate(over="ignore"):  # a loss beyond 1.8e308 is reported as inf
        return _sigmoid_binary_cross_entropy(Z, y)


# ---------------------------------------------------------------------------
# softmax cross-entropy
# ---------------------------------------------------------------------------


def _softmax_cross_entropy(Z: np.ndarray, y: np.ndarray, out: np.ndarray | None = None):
    """Unchecked :func:`softmax_cross_entropy`.

    ``y`` holds integer labels (n,) or one-hot rows (n, k) of ``Z``'s dtype.
    ``out`` (shape of ``Z``) receives ``dZ``; ``Z`` itself is not modified.
    """
    n = Z.shape[0]
    # S = Z - max_j Z_ij: the same softmax, but exp(S) <= 1 cannot overflow
    S = np.subtract(Z, Z.max(axis=1, keepdims=True), out=out)
    if y.ndim == 1:
        rows = np.arange(n)
        S_true = S[rows, y]  # S_{i, y_i}: shifted logit of the right class
    else:
        S_true = np.einsum("ij,ij->i", S, y)  # sum_j Y_ij S_ij
    E = np.exp(S, out=S)  # E = exp(S); S is no longer needed
    row_sums = E.sum(axis=1, keepdims=True)  # shape (n, 1)
    # -log P_{i,y_i} = log(sum_j exp(S_ij)) - S_{i,y_i}   (log-sum-exp)
    loss = float(np.log(row_sums).sum() - S_true.sum()) / n
    # dZ = (P - Y) / n  with  P = E / row_sums
    row_sums *= n
    dZ = np.divide(E, row_sums, out=E)
    if y.ndim == 1:
        dZ[rows, y] -= 1.0 / n
    else:
        dZ -= y / n
    return loss, dZ


def softmax_cross_entropy(Z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax output and cross-entropy, fused: ``(loss, dZ)``.

    With :math:`P = \\text{softmax}(Z)` and one-hot targets :math:`Y`,

    .. math:: L = -\\frac{1}{n}\\sum_i \\log P_{i, y_i},
              \\qquad dZ = \\frac{P - Y}{n}.

    The loss is computed with the log-sum-exp trick,
    :math:`-\\log P_{i,y_i} = \\log\\sum_j e^{Z_{ij} - m_i} - (Z_{i,y_i} - m_i)` with
    :math:`m_i = \\max_j Z_{ij}`, so huge logits give a large finite loss
    instead of ``nan``.

    Parameters
    ----------
    Z : ndarray, shape (n_samples, n_classes)
        Logits.
    y : ndarray, shape (n_samples,) of int, or (n_samples, n_classes)
        Class labels, or one-hot (or probability) rows.

    Returns
    -------
    loss : float
    dZ : ndarray, shape (n_samples, n_classes)

    Examples
    --------
    >>> loss, dZ = softmax_cross_entropy(np.zeros((2, 2)), np.array([0, 1]))
    >>> round(loss, 6), dZ
    (0.693147, array([[-0.25,  0.25],
           [ 0.25, -0.25]]))
    """
    Z, y = _check_logits_and_labels(Z, y)
    with np.errstate(over="ignore"):  # 1e308 - (-1e308) is -inf after the shift: exp gives 0
        return _softmax_cross_entropy(Z, y)


LossFn = Callable[..., tuple[float, np.ndarray]]


class Loss(NamedTuple):
    """A loss as a network uses it: its output activation and the fused loss.

    Attributes
    ----------
    output : callable
        The output activation :math:`g`, so that :math:`P = g(Z_D)`
        (:func:`~gdcode.activations.softmax`, :func:`~gdcode.activations.sigmoid`
        or :func:`~gdcode.activations.identity`).
    loss : callable
        The fused loss ``(Z, y) -> (loss, dZ)``, with input checks.
    unchecked : callable
        The same computation without the checks, for inputs already checked
        (the network's inner loop).
    """

    output: Callable[..., np.ndarray]
    loss: LossFn
    unchecked: LossFn


#: The losses a network can be trained on, by name.
LOSSES: dict[str, Loss] = {
    "cross_entropy": Loss(softmax, softmax_cross_entropy, _softmax_cross_entropy),
    "binary_cross_entropy": Loss(
        sigmoid, sigmoid_binary_cross_entropy, _sigmoid_binary_cross_entropy
    ),
    "mse": Loss(identity, identity_mse, _identity_mse),
}
