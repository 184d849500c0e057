"""Learning-rate schedules: pure functions from the step number to a learning rate.

Each function below returns a *schedule*, a callable ``schedule(step) -> float``
that you can pass anywhere a learning rate is accepted::

    fit(model, X, y, learning_rate=cosine_decay(0.1, total_steps=1000))

A schedule has no memory: ``schedule(10)`` is the same number however often,
and in whatever order, you ask for it. The optimizer counts the steps (its
``t``) and asks the schedule for :math:`\\eta_t`. Steps are counted from 0.

A schedule also accepts an array of steps, which is handy for plotting it::

    steps = np.arange(1000)
    plt.plot(steps, cosine_decay(0.1, 1000)(steps))
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np

from ._validation import check_in_range, check_positive, check_positive_int, check_real

__all__ = [
    "Schedule",
    "constant",
    "cosine_decay",
    "exponential_decay",
    "step_decay",
    "warmup_cosine",
]

#: The largest step number (NumPy's int64 holds the steps).
MAX_STEP = int(np.iinfo(np.int64).max)


class Schedule:
    """A learning-rate schedule: a pure function of the step, with a readable ``repr``.

    You rarely build one directly; the functions of this module do.

    Parameters
    ----------
    rule : callable
        ``rule(step)`` for a non-negative integer step or an integer array of
        steps, written with NumPy operations.
    description : str
        What ``repr`` shows, e.g. ``"step_decay(learning_rate=0.1, drop=0.5, every=10)"``.
    """

    __slots__ = ("_description", "_rule")

    def __init__(self, rule: Callable, description: str):
        if not callable(rule):
            raise TypeError(f"rule must be a function step -> learning rate, got {rule!r:.60}")
        if not isinstance(description, str):
            raise TypeError(f"description must be a string, got {description!r:.60}")
        self._rule = rule
        self._description = description

    def __call__(self, step):
        """Learning rate at ``step`` (an int >= 0, or an array of them)."""
        if isinstance(step, numbers.Integral) and not isinstance(step, bool | np.bool_):
            check_positive_int("step", step, minimum=0, maximum=MAX_STEP)
            return float(self._rule(int(step)))
        message = f"step must be an integer or an integer array, got {step!r:.60}"
        try:
            steps = np.asarray(step)
        except ValueError as error:  # a ragged list
            raise TypeError(message) from error
        if steps.dtype.kind not in "iu":
            raise TypeError(message)
        for bad, rule in ((steps < 0, ">= 0"), (steps > MAX_STEP, f"<= {MAX_STEP:,}")):
            if np.any(bad):
                raise ValueError(f"step must be {rule}, got {steps[bad].ravel()[0]}")
        steps = steps.astype(np.int64)
        return np.broadcast_to(np.asarray(self._rule(steps), dtype=np.float64), steps.shape)

    def __repr__(self) -> str:
        return self._description


def _check_factor(name: str, value) -> float:
    return check_in_range(name, value, 0, 1, low_inclusive=False, high_inclusive=True)


def _check_final(final_learning_rate, eta: float) -> float:
    final = check_real("final_learning_rate", final_learning_rate)
    if not 0 <= final <= eta:
        raise ValueError(
            f"final_learning_rate must be in [0, learning_rate={eta!r}], "
            f"got {final_learning_rate!r}"
        )
    return final


def constant(learning_rate: float) -> Schedule:
    """The same learning rate at every step, :math:`\\eta_t = \\eta`.

    Examples
    --------
    >>> constant(0.1)(0), constant(0.1)(1000)
    (0.1, 0.1)
    """
    eta = check_positive("learning_rate", learning_rate)

    def rule(step):
        return eta + 0.0 * np.asarray(step)

    return Schedule(rule, f"constant(learning_rate={eta!r})")


def step_decay(learning_rate: float, drop: float = 0.5, every: int = 10) -> Schedule:
    """Multiply the learning rate by ``drop`` every ``every`` steps.

    .. math:: \\eta_t = \\eta \\cdot \\text{drop}^{\\lfloor t / \\text{every} \\rfloor}

    Examples
    --------
    >>> s = step_decay(0.1, drop=0.5, every=10)
    >>> s(9), s(10), s(25)
    (0.1, 0.05, 0.025)
    """
    eta = check_positive("learning_rate", learning_rate)
    drop = _check_factor("drop", drop)
    every = check_positive_int("every", every, maximum=MAX_STEP)

    def rule(step):
        return eta * drop ** (np.asarray(step) // every)

    return Schedule(rule, f"step_decay(learning_rate={eta!r}, drop={drop!r}, every={every})")


def exponential_decay(
    learning_rate: float, decay_rate: float = 0.96, decay_steps: int = 100
) -> Schedule:
    """Smooth exponential decay: multiplied by ``decay_rate`` every ``decay_steps`` steps.

    .. math:: \\eta_t = \\eta \\cdot \\text{decay\\_rate}^{\\,t / \\text{decay\\_steps}}

    Examples
    --------
    >>> s = exponential_decay(1.0, decay_rate=0.5, decay_steps=10)
    >>> s(0), s(10), s(5) == 2 ** -0.5
    (1.0, 0.5, True)
    """
    eta = check_positive("learning_rate", learning_rate)
    decay_rate = _check_factor("decay_rate", decay_rate)
    decay_steps = check_positive_int("decay_steps", decay_steps, maximum=MAX_STEP)

    def rule(step):
        return eta * decay_rate ** (np.asarray(step) / decay_steps)

    return Schedule(
        rule,
        f"exponential_decay(learning_rate={eta!r}, decay_rate={decay_rate!r}, "
        f"decay_steps={decay_steps})",
    )


def cosine_decay(
    learning_rate: float, total_steps: int, final_learning_rate: float = 0.0
) -> Schedule:
    """Half a cosine wave from ``learning_rate`` down to ``final_learning_rate``.

    .. math:: \\eta_t = \\eta_{\\text{final}} + \\tfrac12 (\\eta - \\eta_{\\text{final}})
              \\big(1 + \\cos(\\pi t / T)\\big) \\quad (t < T), \\qquad
              \\eta_t = \\eta_{\\text{final}} \\quad (t \\ge T)

    Examples
    --------
    >>> s = cosine_decay(1.0, total_steps=100)
    >>> s(0), s(50), s(100), s(500)
    (1.0, 0.5, 0.0, 0.0)
    """
    eta = check_positive("learning_rate", learning_rate)
    total_steps = check_positive_int("total_steps", total_steps, maximum=MAX_STEP)
    final = _check_final(final_learning_rate, eta)

    def rule(step):
        progress = np.minimum(np.asarray(step), total_steps) / total_steps  # 0 -> 1
        return final + 0.5 * (eta - final) * (1.0 + np.cos(math.pi * progress))

    return Schedule(
        rule,
        f"cosine_decay(learning_rate={eta!r}, total_steps={total_steps}, "
        f"final_learning_rate={final!r})",
    )


def warmup_cosine(
    learning_rate: float,
    warmup_steps: int,
    total_steps: int,
    final_learning_rate: float = 0.0,
) -> Schedule:
    """Linear warm-up for ``warmup_steps`` steps, then :func:`cosine_decay`.

    The shape of the learning rate used to train most large models: rising from
    near zero, while the first steps are unreliable, then decaying.

    .. math:: \\eta_t = \\eta \\, \\frac{t + 1}{W} \\quad (t < W), \\qquad
              \\eta_t = \\text{cosine\\_decay}(\\eta, T - W)(t - W) \\quad (t \\ge W)

    Examples
    --------
    >>> s = warmup_cosine(1.0, warmup_steps=4, total_steps=104)
    >>> s(0), s(3), s(54), s(104)
    (0.25, 1.0, 0.5, 0.0)
    """
    eta = check_positive("learning_rate", learning_rate)
    warmup_steps = check_positive_int("warmup_steps", warmup_steps, maximum=MAX_STEP)
    total_steps = check_positive_int("total_steps", total_steps, maximum=MAX_STEP)
    if total_steps <= warmup_steps:
        raise ValueError(
            f"total_steps must be > warmup_steps={warmup_steps}, got {total_steps}"
        )
    final = _check_final(final_learning_rate, eta)
    decay = cosine_decay(eta, total_steps - warmup_steps, final)

    def rule(step):
        step = np.asarray(step)
        warm = eta * (step + 1) / warmup_steps
        after = decay(np.maximum(step - warmup_steps, 0))
        return np.where(step < warmup_steps, warm, after)

    return Schedule(
        rule,
        f"warmup_cosine(learning_rate={eta!r}, warmup_steps={warmup_steps}, "
        f"total_steps={total_steps}, final_learning_rate={final!r})",
    )
