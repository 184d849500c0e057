"""Activation functions and their derivatives.

A layer computes ``Z = A_prev @ W + b`` and then ``A = f(Z)``. Backpropagation
needs :math:`f'(Z)`, which the ``*_grad`` functions return element by element,
so a layer's backward step is ``dZ = dA * f_grad(Z)``.

All functions work on arrays of any shape, keep the input's dtype and accept an
optional ``out`` array to write into (the training loop reuses its buffers this
way instead of allocating new arrays at every step).

=============  ==========================================  ==============================
name           :math:`f(z)`                                :math:`f'(z)`
=============  ==========================================  ==============================
``sigmoid``    :math:`\\sigma(z) = 1 / (1 + e^{-z})`         :math:`\\sigma(z)(1 - \\sigma(z))`
``tanh``       :math:`\\tanh z`                              :math:`1 - \\tanh^2 z`
``relu``       :math:`\\max(z, 0)`                           :math:`1` if :math:`z > 0` else 0
``identity``   :math:`z`                                    :math:`1`
=============  ==========================================  ==============================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._validation import check_array

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "identity",
    "identity_grad",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "tanh",
    "tanh_grad",
]


def _float_array(Z, out=None, out_kinds: str = "f") -> np.ndarray:
    """``Z`` as a floating-point array (integers become float64), and ``out`` checked.

    Floating-point arrays pass straight through (the network calls these
    functions at every step); anything else is checked: a number or a
    rectangular (nested) list of numbers is fine, a string, ``None`` or a
    ragged list is not. Infinity and NaN are allowed and give what the
    formula gives in the limit (or NaN).
    """
    if not (isinstance(Z, np.ndarray) and Z.dtype.kind == "f"):
        Z = check_array("Z", Z, finite=False, allow_empty=True)
        if Z.dtype.kind != "f":
            Z = Z.astype(np.float64)
    if out is not None and not (
        isinstance(out, np.ndarray) and out.shape == Z.shape and out.dtype.kind in out_kinds
    ):
        what = f"{type(out).__name__}" + (
            f" of shape {out.shape} and dtype {out.dtype}" if isinstance(out, np.ndarray) else ""
        )
        raise TypeError(
            f"out must be a floating-point array of shape {Z.shape} like Z, got {what}"
        )
    return Z


def sigmoid(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Logistic sigmoid, :math:`\\sigma(z) = 1 / (1 + e^{-z})`, element-wise.

    Computed as :math:`\\tfrac12 (1 + \\tanh(z/2))`, which is the same function
    but never overflows, even for :math:`z = -1000`.

    Parameters
    ----------
    Z : ndarray, any shape
        Pre-activations.
    out : ndarray, optional
        Array of the same shape to write the result into.

    Returns
    -------
    ndarray, same shape as ``Z``
        Values in :math:`(0, 1)`.

    Examples
    --------
    >>> sigmoid(np.array([0.0, -1000.0, 1000.0]))
    array([0.5, 0. , 1. ])
    """
    Z = _float_array(Z, out)
    if out is None:
        out = np.empty_like(Z)
    np.multiply(Z, 0.5, out=out)  # sigma(z) = (1 + tanh(z / 2)) / 2, in place
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def sigmoid_grad(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of the sigmoid, :math:`\\sigma'(z) = \\sigma(z)(1 - \\sigma(z))`.

    Parameters
    ----------
    Z : ndarray, any shape
        Pre-activations (not the sigmoid outputs).
    out : ndarray, optional
        Array to write the result into.

    Returns
    -------
    ndarray, same shape as ``Z``

    Examples
    --------
    >>> sigmoid_grad(np.array([0.0]))
    array([0.25])
    """
    S = sigmoid(Z, out=out)
    # sigma * (1 - sigma) == sigma - sigma**2, done in place
    return np.subtract(S, S * S, out=S)


def tanh(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Hyperbolic tangent, element-wise, values in :math:`(-1, 1)`.

    Examples
    --------
    >>> tanh(np.array([0.0]))
    array([0.])
    """
    Z = _float_array(Z, out)
    if out is None:
        out = np.empty_like(Z)
    return np.tanh(Z, out=out)


def tanh_grad(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of tanh, :math:`1 - \\tanh^2 z`, element-wise.

    Examples
    --------
    >>> tanh_grad(np.array([0.0]))
    array([1.])
    """
    T = tanh(Z, out=out)
    np.multiply(T, T, out=T)
    return np.subtract(1.0, T, out=T)


def relu(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Rectified linear unit, :math:`\\max(z, 0)`, element-wise.

    Examples
    --------
    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    Z = _float_array(Z, out)
    if out is None:
        out = np.empty_like(Z)
    return np.maximum(Z, 0, out=out)


def relu_grad(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of ReLU: 1 where :math:`z > 0`, else 0.

    At exactly :math:`z = 0` the derivative does not exist; like most libraries
    we use 0 there. ``out`` may be a boolean array (the network uses one: it is
    smaller and multiplies faster).

    Examples
    --------
    >>> relu_grad(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 1.])
    """
    Z = _float_array(Z, out, out_kinds="fb")
    if out is None:
        out = np.empty_like(Z)
    return np.greater(Z, 0, out=out)  # True/False are stored as 1.0/0.0


def identity(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Identity, :math:`f(z) = z` (the output of a regression network).

    Examples
    --------
    >>> identity(np.array([1.5]))
    array([1.5])
    """
    Z = _float_array(Z, out)
    if out is None:
        return Z.copy()
    np.copyto(out, Z)
    return out


def identity_grad(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of the identity: an array of ones shaped like ``Z``.

    Examples
    --------
    >>> identity_grad(np.array([1.5, -2.0]))
    array([1., 1.])
    """
    Z = _float_array(Z, out)
    if out is None:
        return np.ones_like(Z)
    out.fill(1)
    return out


def softmax(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Softmax over the last axis (row-wise for a batch), numerically stable.

    .. math:: P_{ij} = \\frac{e^{Z_{ij}}}{\\sum_k e^{Z_{ik}}}

    Subtracting the row maximum first changes nothing mathematically but keeps
    :math:`e^{Z}` from overflowing. A row holding NaN or :math:`+\\infty` gives
    NaN; an entry :math:`-\\infty` gets probability 0.

    Parameters
    ----------
    Z : ndarray, shape (n_samples, n_classes) or (n_classes,)
        Logits.
    out : ndarray, optional
        Array to write the probabilities into.

    Returns
    -------
    P : ndarray, same shape as ``Z``
        Each row is non-negative and sums to 1.

    Examples
    --------
    >>> softmax(np.array([[0.0, 0.0], [1000.0, 0.0]]))
    array([[0.5, 0.5],
           [1. , 0. ]])
    """
    Z = _float_array(Z, out)
    if Z.ndim == 0 or Z.size == 0:
        raise ValueError(
            f"Z must hold at least one class along its last axis, got shape {Z.shape}"
        )
    if out is None:
        out = np.empty_like(Z)
    # -1e308 - 1e308 overflows to -inf, whose exp is the right answer, 0
    with np.errstate(over="ignore", invalid="ignore"):
        np.subtract(Z, Z.max(axis=-1, keepdims=True), out=out)
        np.exp(out, out=out)
        out /= out.sum(axis=-1, keepdims=True)
    return out


class Activation(NamedTuple):
    """An activation function :math:`f` and its derivative :math:`f'`."""

    f: Callable[..., np.ndarray]
    grad: Callable[..., np.ndarray]


#: The element-wise activations a network can use, by name.
ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(sigmoid, sigmoid_grad),
    "tanh": Activation(tanh, tanh_grad),
    "relu": Activation(relu, relu_grad),
    "identity": Activation(identity, identity_grad),
}
