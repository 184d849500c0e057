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

import numpy as np

from ._validation import check_choice

__all__ = [
    "ACTIVATIONS",
    "get_activation",
    "identity",
    "identity_grad",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "softmax_backward",
    "tanh",
    "tanh_grad",
]


def _float_array(Z) -> np.ndarray:
    """``Z`` as a floating-point array (integers become float64)."""
    Z = np.asarray(Z)
    return Z if Z.dtype.kind == "f" else Z.astype(np.float64)


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
    Z = _float_array(Z)
    out = np.multiply(Z, 0.5, out=out)
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
    return np.tanh(_float_array(Z), out=out)


def tanh_grad(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Derivative of tanh, :math:`1 - \\tanh^2 z`, element-wise.

    Examples
    --------
    >>> tanh_grad(np.array([0.0]))
    array([1.])
    """
    T = np.tanh(_float_array(Z), out=out)
    np.multiply(T, T, out=T)
    return np.subtract(1.0, T, out=T)


def relu(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Rectified linear unit, :math:`\\max(z, 0)`, element-wise.

    Examples
    --------
    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    Z = _float_array(Z)
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
    Z = _float_array(Z)
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
    Z = _float_array(Z)
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
    Z = _float_array(Z)
    if out is None:
        return np.ones_like(Z)
    out.fill(1)
    return out


def softmax(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Softmax over the last axis (row-wise for a batch), numerically stable.

    .. math:: P_{ij} = \\frac{e^{Z_{ij}}}{\\sum_k e^{Z_{ik}}}

    Subtracting the row maximum first changes nothing mathematically but keeps
    :math:`e^{Z}` from overflowing.

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
    Z = _float_array(Z)
    out = np.subtract(Z, Z.max(axis=-1, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=-1, keepdims=True)
    return out


def softmax_backward(Z: np.ndarray, dP: np.ndarray) -> np.ndarray:
    """Backpropagate through softmax: from :math:`dP` to :math:`dZ`.

    Softmax mixes the entries of a row, so its derivative is a matrix per row
    (the Jacobian :math:`\\partial P_i/\\partial Z_j = P_i(\\delta_{ij} - P_j)`).
    Multiplying by it gives

    .. math:: dZ = P \\odot (dP - \\textstyle\\sum_j dP_j P_j).

    Networks never need this: :func:`gdcode.losses.softmax_cross_entropy` fuses
    softmax with the loss, where everything simplifies to ``(P - Y) / n``.

    Parameters
    ----------
    Z : ndarray, shape (n_samples, n_classes)
        Logits.
    dP : ndarray, shape (n_samples, n_classes)
        Gradient of some loss with respect to the probabilities.

    Returns
    -------
    dZ : ndarray, shape (n_samples, n_classes)
    """
    P = softmax(Z)
    dP = np.asarray(dP, dtype=P.dtype)
    return P * (dP - np.sum(dP * P, axis=-1, keepdims=True))


ActivationFn = Callable[..., np.ndarray]

#: The element-wise activations a network can use, with their derivatives.
ACTIVATIONS: dict[str, tuple[ActivationFn, ActivationFn]] = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "identity": (identity, identity_grad),
}


def get_activation(name: str) -> tuple[ActivationFn, ActivationFn]:
    """Look up an activation and its derivative by name.

    Parameters
    ----------
    name : {"sigmoid", "tanh", "relu", "identity"}

    Returns
    -------
    (f, f_grad) : tuple of callables
        ``f(Z, out=None)`` and ``f_grad(Z, out=None)``.

    Examples
    --------
    >>> f, f_grad = get_activation("relu")
    >>> f(np.array([-1.0, 2.0])), f_grad(np.array([-1.0, 2.0]))
    (array([0., 2.]), array([0., 1.]))
    """
    return ACTIVATIONS[check_choice("activation", name, ACTIVATIONS)]
