"""Figures for the book: loss curves, descent paths, comparisons and digits.

This is the only gdcode module that imports matplotlib. Every function takes
*finished* results (a :class:`~gdcode.training.History`, a
:class:`~gdcode.one_param.Trajectory`, arrays) and draws them; nothing here
trains or computes gradients. Each function draws into the ``ax`` (or ``fig``)
it is given, or creates a new figure with ``matplotlib.pyplot.subplots``
when none is given (so notebooks display it), and returns what it drew into.
``plt.show()`` is never called.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from gdcode.plotting import plot_comparison
>>> ax = plot_comparison({"sgd": 0.31, "adam": 0.12}, ylabel="final loss")
>>> [t.get_text() for t in ax.get_xticklabels()]
['sgd', 'adam']
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.axes
import matplotlib.figure
import matplotlib.ticker
import numpy as np

from gdcode._validation import (
    _as_float,
    check_array,
    check_bool,
    check_choice,
    check_interval,
    check_positive_int,
    describe,
)

__all__ = [
    "MAX_COORDINATE",
    "plot_comparison",
    "plot_descent_1d",
    "plot_descent_2d",
    "plot_digits",
    "plot_loss_curves",
    "plot_weight_images",
]

_METRIC_LABELS = {
    "loss": "training loss",
    "val_loss": "validation loss",
    "train_accuracy": "training accuracy",
    "val_accuracy": "validation accuracy",
}
# which History attribute holds each metric, per epoch and per step
_EPOCH_FIELDS = {
    "loss": "epoch_loss",
    "val_loss": "val_loss",
    "train_accuracy": "train_accuracy",
    "val_accuracy": "val_accuracy",
}


def _new_axes(figsize: tuple[float, float] = (6.0, 4.0)) -> matplotlib.axes.Axes:
    from matplotlib import pyplot as plt  # pyplot only to create figures notebooks display

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _check_ax(ax: Any) -> matplotlib.axes.Axes | None:
    if ax is not None and not isinstance(ax, matplotlib.axes.Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {describe(ax)}")
    return ax


def _check_text(name: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a string or None, got {value!r:.60}")
    return value


#: Largest coordinate an axis can show (matplotlib's tick arithmetic overflows near 1.8e308).
MAX_COORDINATE = 1e300


def _check_limits(name: str, value: Any) -> tuple[float, float]:
    low, high = check_interval(name, value)
    if max(abs(low), abs(high)) > MAX_COORDINATE:
        raise ValueError(f"{name} must lie within +-{MAX_COORDINATE:g}, got {value!r:.60}")
    return low, high


# --------------------------------------------------------------------------- loss curves


def plot_loss_curves(
    histories: Any,
    ax: matplotlib.axes.Axes | None = None,
    per: str = "epoch",
    metric: str = "loss",
    log: bool | None = None,
    title: str | None = None,
) -> matplotlib.axes.Axes:
    """Plot a metric of one or several training runs against epochs or steps.

    A run that diverged is drawn up to where it stopped, with an "x" at the
    step (or epoch) where it diverged and a legend entry saying so.

    Parameters
    ----------
    histories : History or dict of str to History
        Results of :func:`gdcode.training.fit`; the dict keys become the legend labels
        (e.g. ``{"learning rate 0.1": h1, "learning rate 1": h2}``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure is created if omitted.
    per : {"epoch", "step"}, default "epoch"
        x axis: epochs 1..E (``History.epoch``), or optimisation steps
        1..T (``History.step_loss``, only for ``metric="loss"``).
    metric : {"loss", "val_loss", "train_accuracy", "val_accuracy"}, default "loss"
        What to plot. ``"loss"`` per epoch is ``History.epoch_loss``, the mean
        training loss over the epoch's batches.
    log : bool, optional
        Logarithmic y axis. Default: on for losses that span more than two
        orders of magnitude or that diverged, off for accuracies.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from gdcode.datasets import make_moons
    >>> from gdcode.network import MLP
    >>> from gdcode.training import fit
    >>> X, y = make_moons(rng=0)
    >>> history = fit(MLP((2, 8, 2), rng=0), X, y, learning_rate=0.1, epochs=5, progress=False)
    >>> ax = plot_loss_curves({"learning rate 0.1": history}, per="step")
    >>> ax.get_xlabel()
    'step (one mini-batch update)'
    """
    per = check_choice("per", per, ("epoch", "step"))
    metric = check_choice("metric", metric, tuple(_METRIC_LABELS))
    if per == "step" and metric != "loss":
        raise ValueError(f"per='step' is only available for metric='loss', got metric={metric!r}")
    log = check_bool("log", log, allow_none=True)
    title = _check_text("title", title)
    runs = _as_history_dict(histories)
    ax = _check_ax(ax) or _new_axes()

    all_values = []
    diverged_any = False
    for i, (name, history) in enumerate(runs.items()):
        color = f"C{i % 10}"
        x, values = _curve(history, name, per, metric)
        all_values.append(values)
        ax.plot(x, values, color=color, label=name, marker="o" if x.size < 30 else None, ms=3)
        if getattr(history, "diverged", False):
            diverged_any = True
            where = _divergence_x(history, per, x)
            y = _value_near(x, values, where)
            what = "step" if per == "step" else "epoch"
            label = f"diverged at {what} {where}"
            if len(runs) > 1:
                label = f"{name}: {label}"
            ax.plot(
                [where],
                [y],
                linestyle="none",
                marker="x",
                markersize=11,
                markeredgewidth=2.5,
                color=color,
                label=label,
            )

    if log is None:
        log = metric.endswith("loss") and (diverged_any or _spans_decades(all_values))
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch" if per == "epoch" else "step (one mini-batch update)")
    if per == "epoch":  # epochs are whole numbers: no ticks at 2.5, 7.5, ...
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_ylabel(_METRIC_LABELS[metric])
    if title is not None:
        ax.set_title(title)
    ax.legend()
    return ax


def _as_history_dict(histories: Any) -> dict[str, Any]:
    if isinstance(histories, Mapping):
        if not histories:
            raise ValueError("histories must contain at least one History, got an empty dict")
        runs = {str(k): v for k, v in histories.items()}
    else:
        runs = {"training run": histories}
    for name, history in runs.items():
        if not hasattr(history, "step_loss") or not hasattr(history, "epoch_loss"):
            where = "" if name == "training run" and histories is history else f"[{name!r}]"
            raise TypeError(
                f"histories{where} must be a History (or histories a dict of them), "
                f"got {describe(history)}"
            )
    return runs


def _curve(history: Any, name: str, per: str, metric: str) -> tuple[np.ndarray, np.ndarray]:
    if per == "step":
        values = np.asarray(history.step_loss, dtype=float)
        if values.size == 0:
            raise ValueError(
                f"history {name!r} has no step losses (trained with record_steps=False)"
            )
        return np.arange(1, values.size + 1), values
    values = np.asarray(getattr(history, _EPOCH_FIELDS[metric]), dtype=float)
    if values.size == 0:
        hint = " (trained without validation_data)" if metric.startswith("val") else ""
        raise ValueError(f"history {name!r} has no {metric} values{hint}")
    epochs = np.asarray(history.epoch)
    x = epochs if epochs.size == values.size else np.arange(1, values.size + 1)
    return x, values


def _divergence_x(history: Any, per: str, x: np.ndarray) -> int:
    where = history.diverged_step if per == "step" else history.diverged_epoch
    return int(where) if where is not None else int(x[-1])


def _value_near(x: np.ndarray, values: np.ndarray, where: int) -> float:
    """The curve's value at ``where`` if finite, else the last finite value before it."""
    finite = np.isfinite(values) & (x <= where)
    if not finite.any():
        finite = np.isfinite(values)
    if not finite.any():
        return 1.0
    return float(values[np.flatnonzero(finite)[-1]])


def _spans_decades(curves: Sequence[np.ndarray], decades: float = 2.0) -> bool:
    values = np.concatenate([c[np.isfinite(c) & (c > 0)] for c in curves])
    return values.size > 1 and values.max() / values.min() > 10**decades


# --------------------------------------------------------------------------- descent


def plot_descent_1d(
    trajectory: Any,
    loss_fn: Callable[[np.ndarray], np.ndarray],
    ax: matplotlib.axes.Axes | None = None,
    w_range: tuple[float, float] | None = None,
    max_labels: int = 10,
) -> matplotlib.axes.Axes:
    """Draw the loss curve L(w) of a one-parameter model and the steps taken on it.

    The steps are the points ``(w_k, L(w_k))`` of ``trajectory``, joined in
    order and numbered 0, 1, 2, ..., where
    ``w_{k+1} = w_k - learning_rate * L'(w_k)``. Only the first ``max_labels``
    steps get a number, and a step that lies on top of an earlier numbered one
    (as they bunch up near the minimum) gets none. Steps that are not finite,
    or beyond :data:`MAX_COORDINATE` (``1e300``), as at the end of a run that
    diverged, are left out.

    Parameters
    ----------
    trajectory : Trajectory
        From :func:`gdcode.one_param.gradient_descent`; uses ``w`` and ``loss``
        (both shape (n_steps + 1,)) and ``learning_rate``.
    loss_fn : callable
        ``loss_fn(w) -> L(w)``; called with an array of shape (400,) (or, if it
        only takes scalars, one value at a time).
    ax : matplotlib Axes, optional
        Where to draw; a new figure is created if omitted.
    w_range : (float, float), optional
        Interval of ``w`` for the curve; default: the visited ``w`` plus a margin.
    max_labels : int, default 10
        Number only among the first ``max_labels`` steps (0 for no numbers).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from gdcode import one_param
    >>> from gdcode.datasets import make_line
    >>> x, y = make_line(rng=0)
    >>> traj = one_param.gradient_descent(x, y, w0=0.0, learning_rate=0.1, n_steps=8)
    >>> ax = plot_descent_1d(traj, lambda w: one_param.loss(w, x, y))
    >>> len(ax.get_lines())  # the curve and the steps
    2
    """
    if not (hasattr(trajectory, "w") and hasattr(trajectory, "loss")):
        raise TypeError(
            "trajectory must be a Trajectory from gdcode.one_param.gradient_descent, "
            f"got {describe(trajectory)}"
        )
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be a function w -> loss, got {describe(loss_fn)}")
    max_labels = check_positive_int("max_labels", max_labels, minimum=0)
    w = check_array("trajectory.w", trajectory.w, ndim=1, finite=False, dtype=np.float64)
    L = check_array("trajectory.loss", trajectory.loss, finite=False, dtype=np.float64)
    if L.shape != w.shape:
        raise ValueError(f"trajectory.loss has shape {L.shape}; trajectory.w has {w.shape}")
    # a diverged run ends in huge or non-finite values: draw the steps before that
    keep = (np.abs(w) <= MAX_COORDINATE) & (np.abs(L) <= MAX_COORDINATE)
    if not keep.any():
        raise ValueError("trajectory has no finite steps to draw")
    steps = np.flatnonzero(keep)
    if w_range is None:
        w_range = _padded(w[keep], fraction=0.15)
    low, high = _check_limits("w_range", w_range)
    ax = _check_ax(ax) or _new_axes()

    grid = np.linspace(low, high, 400)
    curve = _evaluate(loss_fn, grid).copy()
    curve[~(np.abs(curve) <= MAX_COORDINATE)] = np.nan  # overflowed: not drawn
    ax.plot(grid, curve, color="0.35", linewidth=1.5, label="loss L(w)")
    lr = getattr(trajectory, "learning_rate", None)
    if isinstance(lr, (int, float)) and not isinstance(lr, bool):
        label = f"steps with learning rate {lr:g}"
    else:
        label = "gradient descent steps"
    ax.plot(w[keep], L[keep], color="C1", marker="o", ms=5, linewidth=1, label=label)
    for k in _spread_out(w, L, steps[:max_labels], (low, high), curve):
        ax.annotate(
            str(k),
            (w[k], L[k]),
            textcoords="offset points",
            xytext=(5, 6),
            fontsize=9,
            color="C1",
        )
    ax.set_xlabel("w")
    ax.set_ylabel("L(w)")
    ax.legend()
    return ax


def _spread_out(
    w: np.ndarray, L: np.ndarray, steps: np.ndarray, w_range: tuple[float, float], curve: np.ndarray
) -> list[int]:
    """The steps whose number can be written without covering an earlier number.

    Near the minimum the steps bunch up; a step is skipped when it lies within
    3% of the plot's width and height of a step that already has a number.
    """
    finite_curve = curve[np.isfinite(curve)]
    heights = np.concatenate([finite_curve, L[steps]])
    width = (w_range[1] - w_range[0]) or 1.0
    height = (heights.max() - heights.min()) or 1.0
    chosen: list[int] = []
    for k in steps:
        if all(abs(w[k] - w[j]) / width > 0.03 or abs(L[k] - L[j]) / height > 0.03 for j in chosen):
            chosen.append(int(k))
    return chosen


def _evaluate(loss_fn: Callable, grid: np.ndarray) -> np.ndarray:
    """``loss_fn`` on the grid (whole, or point by point), as floats; overflow gives inf."""
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            values = np.asarray(loss_fn(grid), dtype=float)
        except (TypeError, ValueError):
            values = None
        if values is None or values.shape != grid.shape:
            try:
                values = np.array([float(loss_fn(float(g))) for g in grid])
            except (TypeError, ValueError) as error:
                raise TypeError(
                    f"loss_fn must return a number for each w, got an error: {error}"
                ) from error
    return values


def plot_descent_2d(
    surface: Any,
    paths: Mapping[str, Any],
    ax: matplotlib.axes.Axes | None = None,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    levels: int | Sequence[float] | None = None,
) -> matplotlib.axes.Axes:
    """Contour lines of a 2-D loss surface with the paths several optimisers took.

    Parameters
    ----------
    surface : Quadratic, Rosenbrock or similar
        Needs ``value(P)`` for points ``P`` of shape (..., 2) and, if it has
        one, ``minimum`` (shape (2,)), which is marked with a star.
    paths : dict of str to array of shape (k, 2)
        One path per optimiser, e.g. from :func:`gdcode.surfaces.optimize_2d`;
        the keys become the legend labels. Points that are not finite or beyond
        :data:`MAX_COORDINATE` (a run that diverged) are left out, and that
        path's label gets " (diverged)".
    ax : matplotlib Axes, optional
        Where to draw; a new figure is created if omitted.
    xlim, ylim : (float, float), optional
        Plotted region; default: all paths and the minimum, plus a margin.
    levels : int or sequence of float, optional
        Number of contour levels (1 to 1000), or the increasing values to draw
        them at; default: 15 levels at evenly spaced quantiles of the
        surface's values in the region, which suits both gentle bowls and
        steep valleys.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from gdcode.optimizers import Momentum
    >>> from gdcode.surfaces import Rosenbrock, optimize_2d
    >>> path = optimize_2d(Rosenbrock(), [-1.5, 2.0], Momentum(learning_rate=1e-3), 200)
    >>> ax = plot_descent_2d(Rosenbrock(), {"momentum": path})
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['momentum', 'start', 'minimum']
    """
    if not callable(getattr(surface, "value", None)):
        raise TypeError(f"surface must have a value(P) method, got {describe(surface)}")
    if not isinstance(paths, Mapping) or not paths:
        raise TypeError(
            f"paths must be a non-empty dict of name -> (k, 2) array, got {paths!r:.60}"
        )
    checked = {}
    for name, path in paths.items():
        P = check_array(f"paths[{name!r}]", path, ndim=2, finite=False, dtype=np.float64)
        if P.shape[1] != 2:
            raise ValueError(f"paths[{name!r}] must have shape (k, 2), got {P.shape}")
        # a diverged run ends in huge or non-finite points: draw the points before that
        drawable = np.all(np.abs(P) <= MAX_COORDINATE, axis=1)
        label = str(name) if drawable.all() else f"{name} (diverged)"
        checked[label] = P[drawable]
    levels = _check_levels(levels)
    minimum = getattr(surface, "minimum", None)
    if minimum is not None:
        minimum = check_array("surface.minimum", minimum, dtype=np.float64)
        if minimum.shape != (2,):
            raise ValueError(f"surface.minimum must have shape (2,), got {minimum.shape}")

    points = [P for P in checked.values() if P.size]
    if minimum is not None:
        points.append(minimum[None, :])
    if not points:
        raise ValueError("paths have no finite points to draw")
    cloud = np.vstack(points)
    xlim = _check_limits("xlim", xlim) if xlim is not None else _padded(cloud[:, 0])
    ylim = _check_limits("ylim", ylim) if ylim is not None else _padded(cloud[:, 1])
    ax = _check_ax(ax) or _new_axes()

    xs = np.linspace(*xlim, 200)
    ys = np.linspace(*ylim, 200)
    XX, YY = np.meshgrid(xs, ys)
    with np.errstate(over="ignore", invalid="ignore"):  # far from the minimum: inf, not drawn
        Z = np.asarray(surface.value(np.stack([XX, YY], axis=-1)), dtype=float)
    Z = np.ma.masked_invalid(Z)
    if levels is None and Z.count() > 0:
        levels = np.unique(np.quantile(Z.compressed(), np.linspace(0.02, 0.98, 15)))
        if levels.size < 2:  # a flat region has no contour lines
            levels = None
    if levels is not None and Z.count() > 0:
        with warnings.catch_warnings():  # levels the region does not reach draw nothing
            warnings.filterwarnings("ignore", "No contour levels were found")
            ax.contour(XX, YY, Z, levels=levels, cmap="viridis", linewidths=0.8)

    for i, (name, P) in enumerate(checked.items()):
        ax.plot(P[:, 0], P[:, 1], color=f"C{i % 10}", marker="o", ms=2.5, lw=1.2, label=name)
    starts = np.array([P[0] for P in checked.values() if P.size])
    if starts.size:
        # one black square per distinct starting point, one legend entry
        unique_starts = np.unique(starts, axis=0)
        ax.plot(*unique_starts.T, linestyle="none", marker="s", color="k", ms=6, label="start")
    if minimum is not None:
        ax.plot(*minimum, linestyle="none", marker="*", color="k", ms=13, label="minimum")
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.legend()
    return ax


def _check_levels(levels: Any) -> int | np.ndarray | None:
    """Contour levels: None, a number of levels >= 1, or increasing finite values."""
    if levels is None:
        return None
    if isinstance(levels, numbers.Integral) and not isinstance(levels, bool | np.bool_):
        return check_positive_int("levels", levels, maximum=1000)
    if isinstance(levels, str) or not isinstance(levels, Sequence | np.ndarray):
        raise TypeError(
            f"levels must be a number of levels or a list of values, got {levels!r:.60}"
        )
    values = check_array("levels", levels, ndim=1, dtype=np.float64)
    if np.any(np.diff(values) <= 0):
        raise ValueError(f"levels must be increasing, got {levels!r:.60}")
    return values


def _padded(values: np.ndarray, fraction: float = 0.1) -> tuple[float, float]:
    """``(min, max)`` of the values widened by ``fraction`` of their range on each side.

    The margin is computed as ``fraction * high - fraction * low`` so that a range
    up to ``MAX_COORDINATE`` cannot overflow.
    """
    low, high = float(values.min()), float(values.max())
    margin = fraction * high - fraction * low if high > low else max(1.0, fraction * abs(high))
    return low - margin, high + margin


# --------------------------------------------------------------------------- comparisons


def plot_comparison(
    values: Mapping[str, float],
    ax: matplotlib.axes.Axes | None = None,
    ylabel: str | None = None,
    fmt: str = "{:.3g}",
    title: str | None = None,
) -> matplotlib.axes.Axes:
    """Bar chart of one number per setting, each bar labelled with its value.

    Parameters
    ----------
    values : dict of str to float
        E.g. final test accuracy per optimiser; the keys label the bars, in
        order. A non-finite value (a run that diverged) gets no bar, only its
        label (``"inf"`` or ``"nan"``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure is created if omitted.
    ylabel : str, optional
        Label of the y axis.
    fmt : str, default "{:.3g}"
        Format of the number written above each bar: a ``str.format``
        string with one field, such as ``"{:.1%}"``.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> ax = plot_comparison({"batch 1": 0.91, "batch 32": 0.95}, ylabel="accuracy")
    >>> len(ax.patches)
    2
    """
    if not isinstance(values, Mapping) or not values:
        raise TypeError(f"values must be a non-empty dict of name -> number, got {values!r:.60}")
    names = [str(k) for k in values]
    given = []
    for name, v in values.items():
        if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real):
            raise TypeError(f"values[{name!r}] must be a number, got {v!r:.60}")
        given.append(_as_float(v))
    labels = _format_all(fmt, given)
    ylabel = _check_text("ylabel", ylabel)
    title = _check_text("title", title)
    heights = np.array(given)
    drawable = np.abs(heights) <= MAX_COORDINATE  # NaN, inf (and 1e305) get no bar
    ax = _check_ax(ax) or _new_axes()

    positions = np.arange(len(names))
    bars = ax.bar(positions, np.where(drawable, heights, 0.0), color="C0")
    ax.bar_label(bars, labels=labels, padding=2)
    ax.set_xticks(positions, names)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    ax.margins(y=0.12)
    return ax


def _format_all(fmt: Any, values: list[float]) -> list[str]:
    """``fmt.format(v)`` for each value, or an error that names ``fmt``."""
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a format string such as '{{:.3g}}', got {fmt!r:.60}")
    try:
        return [fmt.format(v) for v in values]
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        raise ValueError(
            f"fmt must format one number, like '{{:.3g}}' or '{{:.1%}}'; {fmt!r:.60} "
            f"gives {type(error).__name__}: {error}"
        ) from error


# --------------------------------------------------------------------------- digits


def plot_digits(
    X: Any,
    y: Any = None,
    n: int = 16,
    predictions: Any = None,
    ncols: int = 8,
    fig: matplotlib.figure.Figure | None = None,
) -> matplotlib.figure.Figure:
    """Show the first ``n`` images in a grid, titled with labels and/or predictions.

    Titles: the label (``"7"``) when only ``y`` is given, ``"pred 7"`` when only
    ``predictions`` are given; with both, the prediction, followed by
    ``"(true 3)"`` in red when it is wrong.

    Parameters
    ----------
    X : array_like, shape (m, 784) or (m, 28, 28)
        Images; rows of a square number of pixels are reshaped (784 -> 28×28).
    y : array_like of int, shape (m,), optional
        True labels.
    n : int, default 16
        Number of images to show (at most ``m``).
    predictions : array_like of int, shape (m,), optional
        Predicted labels.
    ncols : int, default 8
        Images per row.
    fig : matplotlib Figure, optional
        Figure to draw into (it should be empty); a new one is created if omitted.

    Returns
    -------
    matplotlib Figure

    Examples
    --------
    >>> from gdcode.datasets import load_mnist
    >>> data = load_mnist(source="subset")
    >>> fig = plot_digits(data.X_test, data.y_test, n=8, ncols=4)
    >>> len(fig.axes)
    8
    """
    images = check_array("X", X, finite=True)
    if images.ndim == 2:
        side = math.isqrt(images.shape[1])
        if side * side != images.shape[1]:
            raise ValueError(
                f"X has {images.shape[1]} features per row, which is not a square image"
            )
        images = images.reshape(-1, side, side)
    elif images.ndim != 3:
        raise ValueError(f"X must have shape (m, 784) or (m, 28, 28), got {images.shape}")
    n = min(check_positive_int("n", n), images.shape[0])
    ncols = min(check_positive_int("ncols", ncols), n)
    labels = _check_digit_labels("y", y, images.shape[0])
    preds = _check_digit_labels("predictions", predictions, images.shape[0])
    fig, axes = _image_grid(fig, n, ncols, row_height=1.3)
    for i, ax in enumerate(axes):
        ax.imshow(images[i], cmap="gray_r", interpolation="nearest")
        title, color = _digit_title(labels, preds, i)
        if title:
            ax.set_title(title, fontsize=9, color=color)
    return fig


def _check_digit_labels(name: str, labels: Any, m: int) -> np.ndarray | None:
    if labels is None:
        return None
    array = check_array(name, labels, ndim=1)
    if array.shape[0] != m:
        raise ValueError(f"{name} has {array.shape[0]} entries; X has {m} images")
    return array


def _digit_title(labels: np.ndarray | None, preds: np.ndarray | None, i: int) -> tuple[str, str]:
    if preds is None:
        return ("" if labels is None else f"{labels[i]}"), "black"
    if labels is None:
        return f"pred {preds[i]}", "black"
    if preds[i] == labels[i]:
        return f"{preds[i]}", "black"
    return f"{preds[i]} (true {labels[i]})", "red"


def plot_weight_images(
    W: Any,
    n: int = 16,
    ncols: int = 8,
    fig: matplotlib.figure.Figure | None = None,
) -> matplotlib.figure.Figure:
    """Show the incoming weights of the first ``n`` units of a layer as images.

    Column ``j`` of a first-layer weight matrix holds one weight per pixel: what unit
    ``j`` adds up. Drawn as an image, red pixels push the unit's input :math:`Z` up,
    blue pixels push it down, white pixels are ignored. All images share one symmetric
    colour scale, so they can be compared.

    Parameters
    ----------
    W : array_like, shape (n_pixels, n_units)
        Weights of a layer whose inputs are square images (784 = 28 × 28 for MNIST),
        e.g. ``model.weights[0]``.
    n : int, default 16
        Number of units to show (at most ``n_units``).
    ncols : int, default 8
        Images per row.
    fig : matplotlib Figure, optional
        Figure to draw into (it should be empty); a new one is created if omitted.

    Returns
    -------
    matplotlib Figure

    Examples
    --------
    >>> import numpy as np
    >>> fig = plot_weight_images(np.random.default_rng(0).normal(size=(784, 32)), n=4)
    >>> len(fig.axes)
    4
    """
    weights = check_array("W", W, ndim=2, finite=True)
    side = math.isqrt(weights.shape[0])
    if side * side != weights.shape[0]:
        raise ValueError(
            f"W has {weights.shape[0]} rows (inputs), which is not a square image"
        )
    n = min(check_positive_int("n", n), weights.shape[1])
    ncols = min(check_positive_int("ncols", ncols), n)
    fig, axes = _image_grid(fig, n, ncols, row_height=1.15)
    limit = float(np.max(np.abs(weights[:, :n]))) or 1.0
    for j, ax in enumerate(axes):
        image = weights[:, j].reshape(side, side)
        ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_title(f"unit {j + 1}", fontsize=9)
    return fig


def _image_grid(fig, n: int, ncols: int, row_height: float):
    """``n`` axes without frames in rows of ``ncols``, in ``fig`` (checked) or a new figure."""
    if fig is not None and not isinstance(fig, matplotlib.figure.Figure):
        raise TypeError(f"fig must be a matplotlib Figure or None, got {describe(fig)}")
    nrows = math.ceil(n / ncols)
    if fig is None:
        from matplotlib import pyplot as plt

        fig = plt.figure(figsize=(1.1 * ncols, row_height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[n:]:
        fig.delaxes(ax)
    for ax in axes[:n]:
        ax.set_axis_off()
    return fig, axes[:n]
