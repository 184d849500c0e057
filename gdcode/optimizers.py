"""Optimizers: the rules that turn gradients into parameter updates.

Every optimizer is a small object with a learning rate :math:`\\eta` (a number,
or a schedule ``step -> float`` from :mod:`gdcode.schedules`), a step counter
``t`` and whatever state its rule needs (``velocity``, ``m``, ``v``). Calling
``step(params, grads)`` updates the parameter arrays *in place*.

================  ==========================================================
optimizer         update for one parameter :math:`w` with gradient :math:`g`
================  ==========================================================
GradientDescent   :math:`w \\leftarrow w - \\eta g`
Momentum          :math:`z \\leftarrow \\mu z + g,\\; w \\leftarrow w - \\eta z`
RMSProp           :math:`v \\leftarrow \\rho v + (1-\\rho) g^2,\\;
                  w \\leftarrow w - \\eta\\, g / (\\sqrt{v} + \\epsilon)`
Adam              :math:`m \\leftarrow \\beta_1 m + (1-\\beta_1) g,\\;
                  v \\leftarrow \\beta_2 v + (1-\\beta_2) g^2,\\;
                  w \\leftarrow w - \\eta\\, \\hat m / (\\sqrt{\\hat v} + \\epsilon)`
================  ==========================================================

Whether gradient descent is "full-batch", "mini-batch" or "stochastic" is not
the optimizer's business: it only sees a gradient. The training loop decides
how many samples that gradient averages over (``batch_size`` in
:func:`gdcode.training.fit`).

Implementation note: updates are written with NumPy's ``out=`` arguments into
one scratch array per parameter, e.g. ``np.multiply(g, eta, out=tmp)`` then
``np.subtract(w, tmp, out=w)``. This computes exactly ``w -= eta * g`` but
without allocating a new array at every step, which matters for small batches.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from ._validation import (
    check_choice,
    check_in_range,
    check_learning_rate,
    check_positive,
    describe,
)

__all__ = [
    "DEFAULT_LEARNING_RATE",
    "OPTIMIZERS",
    "Adam",
    "GradientDescent",
    "Momentum",
    "Optimizer",
    "RMSProp",
    "get_optimizer",
]

LearningRate = float | Callable[[int], float]

#: The default learning rate :math:`\eta` of gradient descent and momentum,
#: whether built directly (``GradientDescent()``) or by name
#: (``fit(..., optimizer="sgd")``). Keras' ``SGD`` uses the same default.
DEFAULT_LEARNING_RATE = 0.01


class Optimizer:
    """Base class: learning rate, step counter and the bookkeeping of ``step``.

    Subclasses implement ``_update(params, grads, eta)`` for one step and list
    their state arrays in ``_state_names``.

    Parameters
    ----------
    learning_rate : float or callable
        :math:`\\eta > 0`, or a schedule mapping the step number ``t``
        (0, 1, 2, ...) to :math:`\\eta_t`.

    Attributes
    ----------
    t : int
        Number of steps taken so far.
    """

    _state_names: tuple[str, ...] = ()

    def __init__(self, learning_rate: LearningRate = DEFAULT_LEARNING_RATE):
        self.learning_rate = check_learning_rate(learning_rate)
        self.t = 0
        self._scratch: list[np.ndarray] = []
        self._reset_state()

    # -- hyperparameters shown by repr (subclasses add theirs) --
    def _hyperparameters(self) -> dict[str, object]:
        return {"learning_rate": self.learning_rate}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._hyperparameters().items())
        return f"{type(self).__name__}({args})"

    def current_learning_rate(self) -> float:
        """The learning rate :math:`\\eta_t` of the step about to be taken (step ``t``).

        Examples
        --------
        >>> from gdcode.schedules import step_decay
        >>> opt = GradientDescent(step_decay(1.0, drop=0.5, every=2))
        >>> opt.current_learning_rate()
        1.0
        >>> opt.t = 2
        >>> opt.current_learning_rate()
        0.5
        """
        eta = self.learning_rate
        if callable(eta):
            value = eta(self.t)
            try:
                eta = float(value)
            except (TypeError, ValueError) as error:
                raise TypeError(
                    f"the learning_rate schedule returned {value!r} at step {self.t}; "
                    "it must return a number"
                ) from error
            if not (math.isfinite(eta) and eta >= 0):
                raise ValueError(
                    f"the learning_rate schedule returned {eta} at step {self.t}; "
                    "it must be a finite number >= 0"
                )
        return eta

    def reset(self) -> None:
        """Forget all state (step counter, velocities, moment estimates)."""
        self.t = 0
        self._scratch = []
        self._reset_state()

    def _reset_state(self) -> None:
        for name in self._state_names:
            setattr(self, name, [])

    def _start(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """Check ``params``/``grads`` once and allocate the state arrays (first step)."""
        for name, value in (("params", params), ("grads", grads)):
            if not isinstance(value, list | tuple):
                raise TypeError(f"{name} must be a list of arrays, got {describe(value)}")
        if len(params) != len(grads):
            raise ValueError(f"got {len(params)} params but {len(grads)} grads")
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
                raise TypeError(
                    f"params[{i}] must be a floating-point numpy array (updated in place), "
                    f"got {type(p).__name__}"
                    + (f" of dtype {p.dtype}" if isinstance(p, np.ndarray) else "")
                )
            if np.shape(g) != p.shape:
                raise ValueError(f"grads[{i}] has shape {np.shape(g)}; params[{i}] has {p.shape}")
        self._scratch = [np.zeros_like(p) for p in params]
        for name in self._state_names:
            setattr(self, name, [np.zeros_like(p) for p in params])

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """Update every array in ``params`` in place, using ``grads``, then ``t += 1``.

        Parameters
        ----------
        params : list of ndarray
            The parameters, e.g. ``model.params``. They are modified in place.
        grads : list of ndarray
            Gradients, shaped like ``params``. They are not modified.

        Examples
        --------
        >>> w = np.array([1.0, 2.0])
        >>> GradientDescent(learning_rate=0.1).step([w], [np.array([1.0, -1.0])])
        >>> w  # [1 - 0.1*1, 2 - 0.1*(-1)]
        array([0.9, 2.1])
        """
        if (
            not isinstance(params, list | tuple)
            or len(self._scratch) != len(params)
            or not self._scratch
        ):
            self._start(params, grads)
        self._update(params, grads, self.current_learning_rate())
        self.t += 1

    def _update(self, params, grads, eta: float) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class GradientDescent(Optimizer):
    """Plain gradient descent, :math:`w \\leftarrow w - \\eta\\, g`.

    Full-batch, mini-batch or stochastic gradient descent are all this same
    rule; they differ only in how many samples the gradient averages over.

    Parameters
    ----------
    learning_rate : float or callable, default :data:`DEFAULT_LEARNING_RATE` (0.01)

    Examples
    --------
    >>> GradientDescent(learning_rate=0.01)
    GradientDescent(learning_rate=0.01)
    """

    def _update(self, params, grads, eta):
        for w, g, tmp in zip(params, grads, self._scratch, strict=True):
            np.multiply(g, eta, out=tmp)  # tmp = eta * g
            np.subtract(w, tmp, out=w)  # w = w - eta * g


class Momentum(Optimizer):
    """Gradient descent with momentum (heavy ball), optionally Nesterov's variant.

    .. math::

        z \\leftarrow \\mu z + g, \\qquad w \\leftarrow w - \\eta z

    The velocity :math:`z` is a running sum of past gradients that decays by
    :math:`\\mu` each step; with a constant gradient it grows to
    :math:`g / (1 - \\mu)`, i.e. momentum 0.9 takes steps up to ten times larger
    along directions where the gradient keeps its sign. With ``nesterov=True``
    the step looks ahead: :math:`w \\leftarrow w - \\eta (g + \\mu z)`.

    Parameters
    ----------
    learning_rate : float or callable, default :data:`DEFAULT_LEARNING_RATE` (0.01)
    momentum : float in [0, 1), default 0.9
        :math:`\\mu`; 0 gives plain gradient descent.
    nesterov : bool, default False

    Attributes
    ----------
    velocity : list of ndarray
        :math:`z`, one array per parameter (empty before the first step).

    Examples
    --------
    >>> Momentum(learning_rate=0.01, momentum=0.9)
    Momentum(learning_rate=0.01, momentum=0.9, nesterov=False)
    """

    _state_names = ("velocity",)

    def __init__(self, learning_rate: LearningRate = DEFAULT_LEARNING_RATE, momentum: float = 0.9,
                 nesterov: bool = False):
        self.momentum = check_in_range("momentum", momentum, 0.0, 1.0)
        if not isinstance(nesterov, bool | np.bool_):
            raise TypeError(f"nesterov must be True or False, got {nesterov!r}")
        self.nesterov = bool(nesterov)
        super().__init__(learning_rate)

    def _hyperparameters(self):
        return {**super()._hyperparameters(), "momentum": self.momentum,
                "nesterov": self.nesterov}

    def _update(self, params, grads, eta):
        mu = self.momentum
        for w, g, z, tmp in zip(params, grads, self.velocity, self._scratch, strict=True):
            z *= mu
            z += g  # z = mu * z + g
            if self.nesterov:
                np.multiply(z, mu, out=tmp)
                tmp += g  # look-ahead direction g + mu * z
                tmp *= eta
            else:
                np.multiply(z, eta, out=tmp)  # tmp = eta * z
            np.subtract(w, tmp, out=w)


class RMSProp(Optimizer):
    """RMSProp: divide each step by a running root-mean-square of the gradient.

    .. math::

        v \\leftarrow \\rho v + (1 - \\rho) g^2, \\qquad
        w \\leftarrow w - \\eta \\frac{g}{\\sqrt{v} + \\epsilon}

    Every parameter gets its own effective step size :math:`\\eta / (\\sqrt{v} + \\epsilon)`:
    small where its gradients have been large, large where they have been small.

    Parameters
    ----------
    learning_rate : float or callable, default 0.001
    rho : float in [0, 1), default 0.9
        Decay of the running average of :math:`g^2`.
    eps : float > 0, default 1e-8
        Keeps the division finite.

    Attributes
    ----------
    v : list of ndarray
        Running average of the squared gradients.

    Examples
    --------
    >>> RMSProp()
    RMSProp(learning_rate=0.001, rho=0.9, eps=1e-08)
    """

    _state_names = ("v",)

    def __init__(self, learning_rate: LearningRate = 0.001, rho: float = 0.9, eps: float = 1e-8):
        self.rho = check_in_range("rho", rho, 0.0, 1.0)
        self.eps = _check_eps(eps)
        super().__init__(learning_rate)

    def _hyperparameters(self):
        return {**super()._hyperparameters(), "rho": self.rho, "eps": self.eps}

    def _update(self, params, grads, eta):
        rho = self.rho
        for w, g, v, tmp in zip(params, grads, self.v, self._scratch, strict=True):
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - rho
            v *= rho
            v += tmp  # v = rho * v + (1 - rho) * g^2
            np.sqrt(v, out=tmp)
            tmp += self.eps
            np.divide(g, tmp, out=tmp)  # g / (sqrt(v) + eps)
            tmp *= eta
            np.subtract(w, tmp, out=w)


class Adam(Optimizer):
    """Adam: momentum on the gradient plus RMSProp's per-parameter scaling.

    .. math::

        m \\leftarrow \\beta_1 m + (1 - \\beta_1) g, \\qquad
        v \\leftarrow \\beta_2 v + (1 - \\beta_2) g^2,

        \\hat m = \\frac{m}{1 - \\beta_1^t}, \\qquad \\hat v = \\frac{v}{1 - \\beta_2^t}, \\qquad
        w \\leftarrow w - \\eta \\frac{\\hat m}{\\sqrt{\\hat v} + \\epsilon}

    where :math:`t = 1, 2, \\dots` counts the steps (the hats undo the bias
    of starting :math:`m` and :math:`v` at zero).

    Parameters
    ----------
    learning_rate : float or callable, default 0.001
    beta1 : float in [0, 1), default 0.9
    beta2 : float in [0, 1), default 0.999
    eps : float > 0, default 1e-8

    Attributes
    ----------
    m, v : list of ndarray
        First and second moment estimates.
    t : int
        Steps taken.

    Examples
    --------
    >>> Adam(learning_rate=0.01)
    Adam(learning_rate=0.01, beta1=0.9, beta2=0.999, eps=1e-08)
    """

    _state_names = ("m", "v")

    def __init__(self, learning_rate: LearningRate = 0.001, beta1: float = 0.9,
                 beta2: float = 0.999, eps: float = 1e-8):
        self.beta1 = check_in_range("beta1", beta1, 0.0, 1.0)
        self.beta2 = check_in_range("beta2", beta2, 0.0, 1.0)
        self.eps = _check_eps(eps)
        super().__init__(learning_rate)

    def _hyperparameters(self):
        return {**super()._hyperparameters(), "beta1": self.beta1, "beta2": self.beta2,
                "eps": self.eps}

    def _update(self, params, grads, eta):
        b1, b2 = self.beta1, self.beta2
        t = self.t + 1  # this is step number t = 1, 2, ...
        m_correction = 1.0 - b1**t  # m_hat = m / m_correction
        v_correction = 1.0 - b2**t  # v_hat = v / v_correction
        for w, g, m, v, tmp in zip(params, grads, self.m, self.v, self._scratch, strict=True):
            m *= b1
            np.multiply(g, 1.0 - b1, out=tmp)
            m += tmp  # m = b1 * m + (1 - b1) * g
            v *= b2
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - b2
            v += tmp  # v = b2 * v + (1 - b2) * g^2
            np.sqrt(v, out=tmp)
            tmp *= 1.0 / math.sqrt(v_correction)
            tmp += self.eps  # sqrt(v_hat) + eps
            np.divide(m, tmp, out=tmp)
            tmp *= eta / m_correction  # eta * m_hat / (sqrt(v_hat) + eps)
            np.subtract(w, tmp, out=w)


def _check_eps(eps) -> float:
    return check_positive("eps", eps)


#: optimizer names accepted by :func:`get_optimizer` and :func:`gdcode.training.fit`
OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": GradientDescent,
    "gd": GradientDescent,
    "momentum": Momentum,
    "rmsprop": RMSProp,
    "adam": Adam,
}


def get_optimizer(
    optimizer: str | Optimizer,
    learning_rate: LearningRate | None = None,
    **kwargs,
) -> Optimizer:
    """Build an optimizer from its name, or pass an existing one through.

    Parameters
    ----------
    optimizer : {"sgd", "gd", "momentum", "rmsprop", "adam"} or Optimizer
        A name, or an optimizer instance (returned unchanged).
    learning_rate : float or callable, optional
        For a name: the learning rate (``None`` uses the optimizer's default).
        Not allowed with an instance, which already has one.
    **kwargs
        Other hyperparameters for a name, e.g. ``momentum=0.9``.

    Returns
    -------
    Optimizer

    Examples
    --------
    >>> get_optimizer("momentum", learning_rate=0.05, momentum=0.5)
    Momentum(learning_rate=0.05, momentum=0.5, nesterov=False)
    """
    if isinstance(optimizer, Optimizer):
        if learning_rate is not None or kwargs:
            given = ["learning_rate"] * (learning_rate is not None) + sorted(kwargs)
            raise TypeError(
                f"optimizer is already an instance ({optimizer!r}); pass "
                f"{', '.join(given)} to its constructor instead"
            )
        return optimizer
    name = check_choice("optimizer", optimizer, OPTIMIZERS)
    if learning_rate is not None:
        kwargs["learning_rate"] = learning_rate
    return OPTIMIZERS[name](**kwargs)
