"""The training loop: epochs of shuffled mini-batches, with a history of every step.

One *step* computes the loss and gradients on a mini-batch and lets the
optimizer update the parameters; one *epoch* is enough steps to see every
training sample once. ``batch_size=None`` uses the whole training set at every
step (full-batch gradient descent: one step per epoch).

Divergence is a result, not a crash. If the loss becomes NaN or infinite, or
explodes past ``divergence_factor`` (default :data:`DIVERGENCE_FACTOR`) times its
starting value, training stops,
the returned :class:`History` records where, and one :class:`DivergenceWarning`
names the step and the learning rate.
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from ._validation import as_rng, check_bool, check_positive_int, check_real, describe
from .network import MLP
from .optimizers import Optimizer, get_optimizer

__all__ = ["DIVERGENCE_FACTOR", "DivergenceWarning", "History", "fit"]


class DivergenceWarning(RuntimeWarning):
    """Training stopped because the loss became non-finite or exploded."""


def _empty() -> np.ndarray:
    return np.empty(0)


@dataclass
class History:
    """Everything :func:`fit` measured, per step and per epoch.

    Steps are numbered from 1: ``step_loss[k - 1]`` is the loss of the
    mini-batch at step ``k``, measured *before* that step's update.

    Attributes
    ----------
    step_loss : ndarray, shape (n_steps,)
        Mini-batch loss at every step (empty with ``record_steps=False``). If
        training diverged, the last entry is the loss that stopped it (it may
        be ``inf`` or ``nan``).
    step_learning_rate : ndarray, shape (n_steps,)
        Learning rate used at every step (constant unless a schedule was given).
    epoch : ndarray of int, shape (n_epochs,)
        1, 2, ... The last epoch is partial if training diverged.
    epoch_loss : ndarray, shape (n_epochs,)
        Mean of the epoch's finite mini-batch losses (NaN if it has none).
    train_accuracy : ndarray, shape (n_epochs,)
        Accuracy on the whole training set at the end of each epoch (NaN for ``"mse"``).
    val_loss, val_accuracy : ndarray, shape (n_epochs,)
        The same on ``validation_data``; empty arrays without validation data.
    diverged : bool
    diverged_step, diverged_epoch : int or None
        Where training stopped, if it diverged.
    learning_rate : str
        The learning rate that was given, e.g. ``"0.01"`` or a schedule's repr.
    batch_size : int
        Samples per step (the training-set size for full batch).
    optimizer : str
        ``repr`` of the optimizer.
    steps_per_epoch : int
    seconds : float
        Wall-clock training time (varies from run to run; do not print it in the book).
    """

    step_loss: np.ndarray = field(default_factory=_empty)
    step_learning_rate: np.ndarray = field(default_factory=_empty)
    epoch: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))
    epoch_loss: np.ndarray = field(default_factory=_empty)
    train_accuracy: np.ndarray = field(default_factory=_empty)
    val_loss: np.ndarray = field(default_factory=_empty)
    val_accuracy: np.ndarray = field(default_factory=_empty)
    diverged: bool = False
    diverged_step: int | None = None
    diverged_epoch: int | None = None
    learning_rate: str = ""
    batch_size: int = 0
    optimizer: str = ""
    steps_per_epoch: int = 0
    seconds: float = 0.0

    @property
    def n_steps(self) -> int:
        """Number of steps whose loss was computed (including a diverged one)."""
        return len(self.step_loss)

    def final(self, metric: str = "epoch_loss") -> float:
        """Last value of a per-epoch or per-step metric (NaN if there is none).

        Parameters
        ----------
        metric : str
            ``"epoch_loss"``, ``"train_accuracy"``, ``"val_loss"``,
            ``"val_accuracy"``, ``"step_loss"`` or ``"step_learning_rate"``.

        Examples
        --------
        >>> History(epoch_loss=np.array([2.0, 1.5])).final("epoch_loss")
        1.5
        """
        arrays = {
            name: getattr(self, name)
            for name in ("epoch_loss", "train_accuracy", "val_loss", "val_accuracy",
                         "step_loss", "step_learning_rate")
        }
        if metric not in arrays:
            options = ", ".join(repr(name) for name in arrays)
            raise ValueError(f"unknown metric {metric!r}; choose one of {options}")
        values = arrays[metric]
        return float(values[-1]) if len(values) else math.nan

    def to_dict(self) -> dict:
        """Plain Python lists and numbers (JSON-friendly; NaN stays ``float('nan')``)."""
        return {
            key: value.tolist() if isinstance(value, np.ndarray) else value
            for key, value in asdict(self).items()
        }


# ---------------------------------------------------------------------------
# progress bar
# ---------------------------------------------------------------------------


def _in_ipython_kernel() -> bool:
    """True inside a Jupyter/IPython kernel (a notebook), False in a terminal or script."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def progress_enabled(progress: bool | None = None) -> bool:
    """Decide whether :func:`fit` shows a progress bar.

    ``True``/``False`` decide directly. With ``None`` (the default): the
    environment variable ``GDCODE_PROGRESS`` (``"0"`` or ``"1"``) wins; otherwise
    there is no bar when ``CI`` is set; otherwise there is a bar in a terminal
    or a notebook. Book builds set ``GDCODE_PROGRESS=0`` so no bar lands in a page.
    """
    if progress is not None:
        if not isinstance(progress, bool | np.bool_):
            raise TypeError(f"progress must be True, False or None, got {progress!r}")
        return bool(progress)
    setting = os.environ.get("GDCODE_PROGRESS", "").strip()
    if setting in ("0", "1"):
        return setting == "1"
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false"):
        return False
    try:
        interactive = sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):
        interactive = False
    return interactive or _in_ipython_kernel()


# ---------------------------------------------------------------------------
# fit
# ---------------------------------------------------------------------------

#: :func:`fit` stops when a mini-batch loss exceeds ``DIVERGENCE_FACTOR`` times
#: the first loss (or 1, if that is larger), or is NaN or infinite.
DIVERGENCE_FACTOR = 1e3


def fit(
    model: MLP,
    X,
    y,
    optimizer: str | Optimizer = "sgd",
    learning_rate: float | Callable[[int], float] | None = None,
    batch_size: int | None = 32,
    epochs: int = 20,
    validation_data: tuple | None = None,
    rng: np.random.Generator | int | None = None,
    progress: bool | None = None,
    shuffle: bool = True,
    divergence_factor: float = DIVERGENCE_FACTOR,
    record_steps: bool = True,
    **optimizer_kwargs,
) -> History:
    """Train ``model`` on ``(X, y)`` with mini-batch gradient descent (or a variant).

    Each epoch shuffles the samples with ``rng`` and walks through them in
    mini-batches of ``batch_size`` (the last batch keeps the leftover samples).
    Every step:

    1. forward and backward pass on the batch: loss :math:`L_B` and gradients
       :math:`\\nabla L_B` (an *average* over the batch);
    2. stop if the loss diverged;
    3. ``optimizer.step(params, grads)``, e.g. :math:`w \\leftarrow w - \\eta \\nabla L_B`.

    After each epoch the loss and accuracy on the whole training set (and on
    ``validation_data``) are recorded.

    Parameters
    ----------
    model : MLP
        Trained in place.
    X : array_like, shape (n_samples, n_features)
        Cast once to the model's dtype.
    y : array_like
        Integer labels (n_samples,), or targets for ``loss="mse"``.
    optimizer : {"sgd", "gd", "momentum", "rmsprop", "adam"} or Optimizer
        A name, or an optimizer instance (used as is, with its own learning
        rate and state).
    learning_rate : float or callable, optional
        :math:`\\eta`, or a schedule from :mod:`gdcode.schedules`. Default: the
        named optimizer's own default,
        :data:`~gdcode.optimizers.DEFAULT_LEARNING_RATE` (0.01) for
        ``"sgd"``/``"gd"``/``"momentum"``, 0.001 for ``"rmsprop"``/``"adam"``;
        not allowed together with an optimizer instance.
    batch_size : int or None, default 32
        Samples per step; ``None`` (or any value >= n_samples) means full batch.
    epochs : int, default 20
    validation_data : (X_val, y_val), optional
    rng : numpy.random.Generator, int or None
        Seeds the shuffling.
    progress : bool or None
        Show a tqdm progress bar; ``None`` decides automatically (see
        ``progress_enabled``).
    shuffle : bool, default True
        Reshuffle every epoch; ``False`` takes the batches in order.
    divergence_factor : float > 1, default :data:`DIVERGENCE_FACTOR` (1000)
        Stop when the batch loss exceeds ``divergence_factor * max(first loss, 1)``
        (or is NaN/inf).
    record_steps : bool, default True
        Keep the per-step loss and learning rate.
    **optimizer_kwargs
        Extra hyperparameters for a named optimizer, e.g. ``momentum=0.9``.

    Returns
    -------
    History

    Warns
    -----
    DivergenceWarning
        Once, if training diverged, naming the step and the learning rate.

    Examples
    --------
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    >>> y = np.array([0, 1, 1, 0])
    >>> model = MLP((2, 8, 2), activation="tanh", rng=0)
    >>> history = fit(model, X, y, learning_rate=0.5, batch_size=None, epochs=500,
    ...               rng=0, progress=False)
    >>> history.final("train_accuracy")
    1.0
    """
    X, y, opt, batch_size, epochs, validation, rng, show_progress = _check_fit_arguments(
        model, X, y, optimizer, learning_rate, batch_size, epochs, validation_data, rng,
        progress, optimizer_kwargs)
    shuffle = _check_flag("shuffle", shuffle)
    record_steps = _check_flag("record_steps", record_steps)
    divergence_factor = _check_divergence_factor(divergence_factor)

    history = _new_history(opt, len(X), batch_size, epochs, record_steps, validation)
    params = model.params  # the live arrays the optimizer updates
    bar = _make_progress_bar(epochs * history.steps_per_epoch) if show_progress else None
    start_time = time.perf_counter()
    step, threshold = 0, math.inf  # threshold: set from the first loss

    # Overflow in a diverging run is expected and reported by DivergenceWarning,
    # so NumPy's own overflow warnings are silenced for the whole loop.
    with np.errstate(all="ignore"):
        for epoch in range(1, epochs + 1):
            loss_sum, loss_count = 0.0, 0  # for the epoch's mean step loss
            for X_batch, y_batch in _batches(X, y, batch_size, shuffle, rng):
                step += 1
                eta = opt.current_learning_rate()
                loss, grads = model._batch_loss_and_gradients(X_batch, y_batch)
                if record_steps:
                    history.step_loss[step - 1] = loss
                    history.step_learning_rate[step - 1] = eta
                if step == 1:
                    threshold = divergence_factor * max(loss, 1.0)
                if not loss <= threshold:  # also true for NaN
                    history.diverged, history.diverged_step = True, step
                    break
                opt.step(params, grads)  # e.g. w <- w - eta * dL/dw
                del grads  # free now, so the next step's gradients can reuse the memory
                loss_sum, loss_count = loss_sum + loss, loss_count + 1
                if bar is not None:
                    bar.update()
            mean_loss = loss_sum / loss_count if loss_count else math.nan
            _end_of_epoch(history, epoch, mean_loss, model, X, y, validation, bar)
            if history.diverged:
                break

    if bar is not None:
        bar.close()
    history.seconds = time.perf_counter() - start_time
    _trim(history, step if record_steps else 0, epoch)
    if history.diverged:
        _warn_divergence(history, loss, eta, opt)
    return history


def _check_fit_arguments(model, X, y, optimizer, learning_rate, batch_size, epochs,
                         validation_data, rng, progress, optimizer_kwargs):
    """Validate fit's arguments once (the training loop trusts them) and convert them.

    ``X`` and ``y`` are checked and cast to the model's dtype here, once.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be a gdcode MLP, got {describe(model)}")
    X = model._check_X(X)
    y = model._check_y(y, X.shape[0])
    opt = get_optimizer(optimizer, learning_rate, **optimizer_kwargs)
    n = X.shape[0]
    batch_size = n if batch_size is None else check_positive_int("batch_size", batch_size)
    epochs = check_positive_int("epochs", epochs)
    validation = None
    if validation_data is not None:
        validation = _check_validation_data(model, validation_data)
    return X, y, opt, min(batch_size, n), epochs, validation, as_rng(rng), progress_enabled(
        progress)


def _check_flag(name: str, value) -> bool:
    return check_bool(name, value)


def _check_divergence_factor(divergence_factor) -> float:
    divergence_factor = check_real("divergence_factor", divergence_factor)
    if divergence_factor <= 1:
        raise ValueError(f"divergence_factor must be > 1, got {divergence_factor}")
    return divergence_factor


def _check_validation_data(model: MLP, validation_data) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(validation_data, tuple | list) or len(validation_data) != 2:
        raise TypeError(
            "validation_data must be a pair (X_val, y_val), got "
            f"{describe(validation_data)}"
            + (f" of length {len(validation_data)}" if hasattr(validation_data, "__len__") else "")
        )
    X_val = model._check_X(validation_data[0], name="validation_data[0]")
    y_val = model._check_y(validation_data[1], X_val.shape[0], name="validation_data[1]")
    return X_val, y_val


def _new_history(opt: Optimizer, n: int, batch_size: int, epochs: int,
                 record_steps: bool, validation) -> History:
    """A History with room for every step and epoch (cut to size by :func:`_trim`)."""
    steps_per_epoch = math.ceil(n / batch_size)
    max_steps = epochs * steps_per_epoch if record_steps else 0
    val_epochs = epochs if validation is not None else 0
    return History(
        step_loss=np.full(max_steps, np.nan),
        step_learning_rate=np.full(max_steps, np.nan),
        epoch=np.arange(1, epochs + 1),
        epoch_loss=np.full(epochs, np.nan),
        train_accuracy=np.full(epochs, np.nan),
        val_loss=np.full(val_epochs, np.nan),
        val_accuracy=np.full(val_epochs, np.nan),
        learning_rate=_describe_learning_rate(opt.learning_rate),
        batch_size=batch_size,
        optimizer=repr(opt),
        steps_per_epoch=steps_per_epoch,
    )


def _describe_learning_rate(learning_rate: float | Callable) -> str:
    return f"{learning_rate:g}" if isinstance(learning_rate, float) else repr(learning_rate)


def _batches(X: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool,
             rng: np.random.Generator):
    """One epoch of mini-batches ``(X_batch, y_batch)``, the last one possibly smaller.

    Without shuffling (or for a full batch) the batches are slices of ``X`` and
    ``y``, views that copy nothing. With shuffling, a new permutation of the
    rows is drawn from ``rng`` and each batch is gathered into the same two
    arrays, which the next batch overwrites: use a batch before asking for
    the next one.
    """
    n = X.shape[0]
    if not shuffle or batch_size == n:
        for start in range(0, n, batch_size):
            yield X[start : start + batch_size], y[start : start + batch_size]
        return
    order = rng.permutation(n)
    X_batch = np.empty((batch_size, *X.shape[1:]), dtype=X.dtype)
    y_batch = np.empty((batch_size, *y.shape[1:]), dtype=y.dtype)
    for start in range(0, n, batch_size):
        rows = order[start : start + batch_size]
        m = len(rows)
        # X_batch = X[rows], written into the array reused at every step
        yield X.take(rows, axis=0, out=X_batch[:m]), y.take(rows, axis=0, out=y_batch[:m])


def _end_of_epoch(history: History, epoch: int, mean_loss: float, model: MLP,
                  X: np.ndarray, y: np.ndarray, validation, bar) -> None:
    """Record the epoch: mean step loss, accuracy on the whole training set, validation."""
    i = epoch - 1
    history.epoch_loss[i] = mean_loss
    if model.loss_name != "mse":  # accuracy means nothing for regression
        history.train_accuracy[i] = model._evaluate(X, y, with_loss=False)[1]
    if validation is not None:
        history.val_loss[i], history.val_accuracy[i] = model._evaluate(*validation)
    if history.diverged:
        history.diverged_epoch = epoch
    if bar is not None:
        bar.set_postfix(epoch=epoch, loss=f"{history.epoch_loss[i]:.4g}")


def _trim(history: History, n_steps: int, n_epochs: int) -> None:
    """Cut the arrays :func:`_new_history` made to the steps and epochs actually run."""
    history.step_loss = history.step_loss[:n_steps]
    history.step_learning_rate = history.step_learning_rate[:n_steps]
    history.epoch = history.epoch[:n_epochs]
    history.epoch_loss = history.epoch_loss[:n_epochs]
    history.train_accuracy = history.train_accuracy[:n_epochs]
    history.val_loss = history.val_loss[:n_epochs]  # empty without validation data
    history.val_accuracy = history.val_accuracy[:n_epochs]


def _warn_divergence(history: History, loss: float, eta: float, opt: Optimizer) -> None:
    """The one DivergenceWarning of a diverged run: where, which loss, which learning rate."""
    rate = f"{eta:g}"
    if callable(opt.learning_rate):
        rate += f" (from {opt.learning_rate!r})"
    warnings.warn(
        f"training diverged at step {history.diverged_step} (epoch {history.diverged_epoch}): "
        f"loss {loss:.3g} with learning_rate={rate}; training stopped there "
        "(see history.diverged_step)",
        DivergenceWarning,
        stacklevel=3,
    )


def _make_progress_bar(total: int):
    from tqdm import tqdm  # plain text bar: works in terminals and notebooks alike

    return tqdm(total=total, desc="training", unit="step", leave=False, file=sys.stderr)
