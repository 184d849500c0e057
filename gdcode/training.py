"""The training loop: epochs of shuffled mini-batches, with a history of every step.

One *step* computes the loss and gradients on a mini-batch and lets the
optimizer update the parameters; one *epoch* is enough steps to see every
training sample once. ``batch_size=None`` uses the whole training set at every
step (full-batch gradient descent: one step per epoch).

Divergence is a result, not a crash. If the loss becomes NaN or infinite, or
explodes past ``divergence_factor`` times its starting value, training stops,
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

from ._validation import as_rng, check_positive_int, check_real
from .network import CHUNK_ROWS, MLP, _Workspace
from .optimizers import Optimizer, get_optimizer

__all__ = ["DivergenceWarning", "History", "fit"]


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


def _check_flag(name: str, value) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _describe_learning_rate(learning_rate: float | Callable) -> str:
    return f"{learning_rate:g}" if isinstance(learning_rate, float) else repr(learning_rate)


def _check_validation_data(model: MLP, validation_data) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(validation_data, tuple | list) or len(validation_data) != 2:
        raise TypeError(
            "validation_data must be a pair (X_val, y_val), got "
            f"{type(validation_data).__name__}"
            + (f" of length {len(validation_data)}" if hasattr(validation_data, "__len__") else "")
        )
    X_val = model._check_X(validation_data[0], name="validation_data[0]")
    y_val = model._check_y(validation_data[1], X_val.shape[0], name="validation_data[1]")
    return X_val, y_val


DIVERGENCE_FACTOR = 1000.0


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
    divergence_factor: float = 1e3,
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
        :math:`\\eta`, or a schedule from :mod:`gdcode.schedules`. Default
        0.01 for ``"sgd"``/``"momentum"``, 0.001 for ``"rmsprop"``/``"adam"``;
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
    divergence_factor : float > 1, default 1000
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
    # ---- validate everything once; the loop below trusts its inputs ----
    if not isinstance(model, MLP):
        raise TypeError(f"model must be a gdcode MLP, got {type(model).__name__}")
    X = model._check_X(X)  # cast to the model's dtype here, once
    y = model._check_y(y, X.shape[0])
    n = X.shape[0]
    if isinstance(optimizer, str) and optimizer.lower() in ("sgd", "gd") and learning_rate is None:
        learning_rate = 0.01  # fit's default for plain gradient descent
    opt = get_optimizer(optimizer, learning_rate, **optimizer_kwargs)
    if batch_size is None:
        batch_size = n
    batch_size = min(check_positive_int("batch_size", batch_size), n)
    epochs = check_positive_int("epochs", epochs)
    validation = None
    if validation_data is not None:
        validation = _check_validation_data(model, validation_data)
    rng = as_rng(rng)
    show_progress = progress_enabled(progress)
    shuffle = _check_flag("shuffle", shuffle)
    record_steps = _check_flag("record_steps", record_steps)
    divergence_factor = check_real("divergence_factor", divergence_factor)
    if divergence_factor <= 1:
        raise ValueError(f"divergence_factor must be > 1, got {divergence_factor}")

    full_batch = batch_size == n
    steps_per_epoch = math.ceil(n / batch_size)
    history = History(
        learning_rate=_describe_learning_rate(opt.learning_rate),
        batch_size=batch_size,
        optimizer=repr(opt),
        steps_per_epoch=steps_per_epoch,
    )

    # ---- buffers reused by every step ----
    params = model.params
    grads = model._new_grads()
    workspace = _Workspace(model, min(batch_size, CHUNK_ROWS))
    # evaluation goes through the data in big chunks: reuse the training arrays if
    # they are big enough, else make a second workspace for it
    eval_rows = min(max(n, len(validation[0]) if validation else 0), CHUNK_ROWS)
    eval_workspace = (workspace if workspace.capacity >= eval_rows
                      else _Workspace(model, eval_rows))
    copy_batches = shuffle and not full_batch  # else batches are slices of X, not copies
    if copy_batches:  # X[batch] and y[batch] are copied into these at every step
        X_batch = np.empty((batch_size, X.shape[1]), dtype=X.dtype)
        y_batch = np.empty((batch_size, *y.shape[1:]), dtype=y.dtype)

    step_losses: list[float] = []
    step_rates: list[float] = []
    epoch_losses, train_accuracies, val_losses, val_accuracies = [], [], [], []
    threshold = math.inf  # set from the first loss
    step = 0
    bar = _make_progress_bar(epochs * steps_per_epoch) if show_progress else None
    start_time = time.perf_counter()

    # Overflow in a diverging run is expected and reported by DivergenceWarning,
    # so NumPy's own overflow warnings are silenced for the whole loop.
    with np.errstate(all="ignore"):
        for epoch in range(1, epochs + 1):
            order = rng.permutation(n) if copy_batches else None
            loss_sum, loss_count = 0.0, 0
            for start in range(0, n, batch_size):
                stop = min(start + batch_size, n)
                if order is None:
                    Xb, yb = X[start:stop], y[start:stop]  # views, no copy
                else:
                    batch = order[start:stop]  # this batch's sample indices
                    Xb, yb = X_batch[: stop - start], y_batch[: stop - start]
                    X.take(batch, axis=0, out=Xb)  # Xb = X[batch], into a reused array
                    y.take(batch, axis=0, out=yb)

                eta = opt.current_learning_rate()
                loss = model._batch_loss_and_gradients(Xb, yb, workspace, grads)
                step += 1
                if record_steps:
                    step_losses.append(loss)
                    step_rates.append(eta)
                if step == 1:
                    threshold = divergence_factor * max(loss, 1.0)
                if not loss <= threshold:  # also true for NaN
                    history.diverged = True
                    history.diverged_step, history.diverged_epoch = step, epoch
                    break
                opt.step(params, grads)
                loss_sum += loss
                loss_count += 1
                if bar is not None:
                    bar.update()

            # ---- end of epoch: evaluate on the whole training (and validation) set ----
            epoch_losses.append(loss_sum / loss_count if loss_count else math.nan)
            if model.loss_name == "mse":  # accuracy means nothing for regression
                train_accuracies.append(math.nan)
            else:
                train_accuracies.append(
                    model._evaluate(X, y, with_loss=False, ws=eval_workspace)[1]
                )
            if validation is not None:
                val_loss, val_accuracy = model._evaluate(*validation, ws=eval_workspace)
                val_losses.append(val_loss)
                val_accuracies.append(val_accuracy)
            if bar is not None:
                bar.set_postfix(epoch=epoch, loss=f"{epoch_losses[-1]:.4g}")
            if history.diverged:
                break

    if bar is not None:
        bar.close()
    history.seconds = time.perf_counter() - start_time
    history.step_loss = np.array(step_losses, dtype=np.float64)
    history.step_learning_rate = np.array(step_rates, dtype=np.float64)
    history.epoch = np.arange(1, len(epoch_losses) + 1)
    history.epoch_loss = np.array(epoch_losses, dtype=np.float64)
    history.train_accuracy = np.array(train_accuracies, dtype=np.float64)
    history.val_loss = np.array(val_losses, dtype=np.float64)
    history.val_accuracy = np.array(val_accuracies, dtype=np.float64)

    if history.diverged:
        rate = f"{eta:g}"
        if callable(opt.learning_rate):
            rate += f" (from {opt.learning_rate!r})"
        warnings.warn(
            f"training diverged at step {history.diverged_step} (epoch {history.diverged_epoch}): "
            f"loss {loss:.3g} with learning_rate={rate}; training stopped there "
            "(see history.diverged_step)",
            DivergenceWarning,
            stacklevel=2,
        )
    return history


def _make_progress_bar(total: int):
    from tqdm import tqdm  # plain text bar: works in terminals and notebooks alike

    return tqdm(total=total, desc="training", unit="step", leave=False, file=sys.stderr)
