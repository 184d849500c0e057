"""Data for the book's learning-rate playground, and the same run in gdcode.

The playground (``book/_ext/playground/``) trains a small network in the
reader's browser while they move a learning-rate slider. Its JavaScript core
does exactly what gdcode does, so this module

* writes the file the playground loads: the data set and the starting
  weights of a seeded :class:`~gdcode.network.MLP`
  (:func:`write_playground_data`), and
* trains the same network from the same weights with
  :class:`~gdcode.network.MLP` and :class:`~gdcode.optimizers.GradientDescent`
  (:func:`train_playground`), so a chapter can plot the curve the reader
  just saw, and the tests can check that the browser and gdcode agree.

The network is ``MLP((2, 4, 1), activation="tanh", loss="mse")``: four tanh
units and a linear output trained on the mean squared error against 0/1
targets. A linear output is chosen over sigmoid + cross-entropy because its
residuals are unbounded: past a critical learning rate each step overshoots
more than the last and the loss grows geometrically, a divergence that shows
up within a few steps. A sigmoid output keeps the gradient bounded: on this
data, sigmoid + cross-entropy does not trip the divergence rule even at a
learning rate of 1000; the loss only wanders.

The presets (:data:`PRESETS`) are chosen on the default data: 0.0003 still
lowers the loss but slowly, 0.15 trains smoothly (larger rates, about 0.2
to 0.7, train too but with spikes in the loss), and 1 diverges within a few
steps.

A run *diverges* by gdcode's rule, the one :func:`gdcode.training.fit` uses:
the loss is not finite, or it exceeds ``divergence_factor * max(first loss, 1)``.
Steps are numbered as ``fit`` numbers them: step ``k`` measures the loss of
the current weights, stops there if it diverged, and otherwise updates.
"""

from __future__ import annotations

import argparse
import json
import math
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._files import write_atomically
from ._validation import (
    as_rng,
    check_array,
    check_in_range,
    check_learning_rate,
    check_path,
    check_positive_int,
    describe,
)
from .datasets import make_moons
from .network import MLP
from .optimizers import GradientDescent
from .training import DivergenceWarning, History, fit

__all__ = [
    "DIVERGENCE_FACTOR",
    "FORMAT",
    "PRESETS",
    "load_playground_data",
    "make_playground_data",
    "network_from_data",
    "train_playground",
    "write_playground_data",
]

#: Name written into every data file, checked when one is read back.
FORMAT = "gdcode-playground/1"

#: Written into the data file for the browser; the default of
#: ``gdcode.training.fit(..., divergence_factor=1e3)``.
DIVERGENCE_FACTOR = 1e3

#: The playground's preset buttons, as (label, learning rate) pairs. The tests check
#: that each does what its label says on the default data.
PRESETS: tuple[tuple[str, float], ...] = (
    ("too small", 0.0003),
    ("about right", 0.15),
    ("break it", 1.0),
)

ACTIVATION = "tanh"
LOSS = "mse"


def make_playground_data(
    n_samples: int = 60,
    noise: float = 0.15,
    hidden_units: int = 4,
    rng: np.random.Generator | int | None = 0,
) -> dict:
    """The playground's data set and starting weights, as JSON-ready Python values.

    Two moons (:func:`gdcode.datasets.make_moons`), standardised so each
    feature has mean 0 and standard deviation 1, then the weights of a fresh
    ``MLP((2, hidden_units, 1), activation="tanh", loss="mse")`` drawn from the
    same generator.

    Parameters
    ----------
    n_samples : int, default 60
        Number of points, 4 to 10,000 (the browser trains on all of them).
    noise : float, default 0.15
        Standard deviation of the noise added to the moons, in [0, 10] (the
        moons have radius 1; beyond that it is all noise).
    hidden_units : int, default 4
        Width of the tanh layer, 1 to 100.
    rng : numpy.random.Generator, int or None, default 0
        Source of the data and the weights; the default seed makes the file
        the same on every build.

    Returns
    -------
    dict
        ``X`` (n_samples lists of 2 floats), ``y`` (n_samples floats, 0 or 1),
        ``layers`` (one ``{"W": n_in lists of n_out floats, "b": n_out floats}``
        per layer, so ``W`` has shape ``(n_in, n_out)``), ``layer_sizes``,
        ``activation``, ``loss``, ``divergence_factor``, ``presets`` (a list of
        ``{"label", "learning_rate"}``), ``format``, ``description``.

    Examples
    --------
    >>> data = make_playground_data(rng=0)
    >>> data["layer_sizes"], len(data["X"]), len(data["layers"][0]["W"])
    ([2, 4, 1], 60, 2)
    """
    n_samples = check_positive_int("n_samples", n_samples, minimum=4, maximum=10_000)
    noise = check_in_range("noise", noise, 0.0, 10.0, high_inclusive=True)
    hidden_units = check_positive_int("hidden_units", hidden_units, maximum=100)
    rng = as_rng(rng)

    X, labels = make_moons(n_samples, noise=noise, rng=rng)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    layer_sizes = (2, hidden_units, 1)
    model = MLP(layer_sizes, activation=ACTIVATION, loss=LOSS, rng=rng)

    return {
        "format": FORMAT,
        "description": (
            f"{n_samples} points of two interleaved half-moons (noise {noise:g}), "
            f"standardised; targets 0 and 1. Starting weights of "
            f"MLP({layer_sizes}, activation='tanh', loss='mse')."
        ),
        "layer_sizes": list(layer_sizes),
        "activation": ACTIVATION,
        "loss": LOSS,
        "divergence_factor": DIVERGENCE_FACTOR,
        "X": X.tolist(),
        "y": labels.astype(np.float64).tolist(),
        "layers": [
            {"W": W.tolist(), "b": b.tolist()}
            for W, b in zip(model.weights, model.biases, strict=True)
        ],
        "presets": [{"label": label, "learning_rate": lr} for label, lr in PRESETS],
    }


def write_playground_data(path: str | Path, **kwargs) -> Path:
    """Write :func:`make_playground_data` to a JSON file and return its path.

    Parameters
    ----------
    path : str or pathlib.Path
        Where to write; missing parent folders are created. The file is
        written whole or not at all (via a temporary file renamed into place),
        and a write that fails removes the folders it created.
    **kwargs
        Passed to :func:`make_playground_data` (``n_samples``, ``noise``,
        ``hidden_units``, ``rng``).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_playground_data(Path(folder) / "playground-data.json")
    ...     load_playground_data(path)["layer_sizes"]
    [2, 4, 1]
    """
    path = check_path("path", path)
    text = _to_json(make_playground_data(**kwargs)) + "\n"  # bad kwargs fail before any write
    write_atomically(path, text)
    return path


def load_playground_data(path: str | Path) -> dict:
    """Read a file written by :func:`write_playground_data` (checked).

    Raises
    ------
    ValueError
        If the file cannot be read, is not JSON, is not a playground data
        file or its arrays have the wrong shapes; the message names the file.
    """
    path = check_path("path", path)
    name = f"the playground data file {str(path)!r}"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise ValueError(f"{name} cannot be read: {reason}") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{name} is not JSON: {error}") from error
    _check_data(data, name=name)
    return data


def network_from_data(data: dict) -> MLP:
    """The gdcode network holding the starting weights in ``data``.

    Parameters
    ----------
    data : dict
        As returned by :func:`make_playground_data` or :func:`load_playground_data`.

    Returns
    -------
    MLP
        ``MLP(data["layer_sizes"], activation="tanh", loss="mse")`` whose
        weights and biases are copies of ``data["layers"]``.
    """
    _check_data(data)
    model = MLP(tuple(data["layer_sizes"]), activation=ACTIVATION, loss=LOSS, rng=0)
    for W, b, layer in zip(model.weights, model.biases, data["layers"], strict=True):
        W[...] = np.asarray(layer["W"], dtype=np.float64)
        b[...] = np.asarray(layer["b"], dtype=np.float64)
    return model


def train_playground(
    data: dict,
    learning_rate: float,
    n_steps: int,
    divergence_factor: float | None = None,
) -> History:
    """Train the playground network with gdcode, as the browser does.

    Full-batch gradient descent from the starting weights in ``data``, run by
    :func:`gdcode.training.fit` (``batch_size=None``, so one step per epoch):

    .. math:: \\theta_{k+1} = \\theta_k - \\eta \\, \\nabla L(\\theta_k),
        \\qquad L(\\theta) = \\frac1n \\sum_i (f_\\theta(x_i) - y_i)^2

    It stops early, with a :class:`~gdcode.training.DivergenceWarning`, when
    the loss diverges. The browser counts steps the same way, so the step
    at which it says a run diverged is ``history.diverged_step``.

    Parameters
    ----------
    data : dict
        As returned by :func:`make_playground_data` or :func:`load_playground_data`.
    learning_rate : float
        Step size :math:`\\eta > 0` (a number; the playground has no schedules).
    n_steps : int
        Number of steps, at least 1.
    divergence_factor : float, optional
        Defaults to ``data["divergence_factor"]``.

    Returns
    -------
    History
        ``history.step_loss[k - 1]`` is the loss at step ``k``, measured before
        that step's update (so ``step_loss[0]`` is the loss of the starting
        weights); ``history.diverged_step`` says where a diverging run stopped.

    Examples
    --------
    >>> data = make_playground_data(rng=0)
    >>> history = train_playground(data, learning_rate=0.15, n_steps=200)
    >>> len(history.step_loss), history.diverged
    (200, False)
    """
    if callable(learning_rate):
        raise TypeError(
            "learning_rate must be a number (the playground has no schedules), "
            f"got {learning_rate!r}"
        )
    learning_rate = check_learning_rate(learning_rate)
    n_steps = check_positive_int("n_steps", n_steps)
    _check_data(data)
    if divergence_factor is None:
        divergence_factor = data["divergence_factor"]
    model = network_from_data(data)
    return fit(
        model,
        np.asarray(data["X"], dtype=np.float64),
        np.asarray(data["y"], dtype=np.float64),
        optimizer=GradientDescent(learning_rate=learning_rate),
        batch_size=None,
        epochs=n_steps,
        shuffle=False,
        progress=False,
        divergence_factor=divergence_factor,
    )


# ----------------------------------------------------------------------------- helpers


def _to_json(value) -> str:
    # allow_nan=False: JSON has no inf/nan, and a browser's JSON.parse rejects them
    return json.dumps(value, allow_nan=False, separators=(",", ":"))


def _check_data(data, name: str = "data") -> None:
    """Raise ValueError/TypeError unless ``data`` looks like a playground data file."""
    if not isinstance(data, dict):
        raise TypeError(
            f"{name} must be a dict from make_playground_data, got {describe(data)}"
        )
    if data.get("format") != FORMAT:
        raise ValueError(f"{name} has format {data.get('format')!r}; expected {FORMAT!r}")
    required = ("layer_sizes", "X", "y", "layers", "divergence_factor")
    missing = [key for key in required if key not in data]
    if missing:
        raise ValueError(f"{name} lacks the key(s) {', '.join(missing)}")
    sizes = data["layer_sizes"]
    if (
        not isinstance(sizes, list | tuple)
        or len(sizes) < 2
        or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in sizes)
    ):
        raise ValueError(f"{name}: layer_sizes must be a list of >= 2 integers >= 1, got {sizes!r}")
    X = check_array(f"{name}: X", data["X"], dtype=np.float64)
    y = check_array(f"{name}: y", data["y"], dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != sizes[0]:
        raise ValueError(f"{name}: X has shape {X.shape}; expected (n_samples, {sizes[0]})")
    if y.shape != (X.shape[0],):
        raise ValueError(f"{name}: y has shape {y.shape}; expected ({X.shape[0]},)")
    if not isinstance(data["layers"], list | tuple) or not all(
        isinstance(layer, dict) and "W" in layer and "b" in layer for layer in data["layers"]
    ):
        raise ValueError(f"{name}: layers must be a list of {{'W': ..., 'b': ...}} dicts")
    if len(data["layers"]) != len(sizes) - 1:
        raise ValueError(
            f"{name} has {len(data['layers'])} layers; layer_sizes {sizes} needs {len(sizes) - 1}"
        )
    for k, layer in enumerate(data["layers"]):
        n_in, n_out = sizes[k], sizes[k + 1]
        W_shape = check_array(f"{name}: layer {k} W", layer["W"], dtype=np.float64).shape
        b_shape = check_array(f"{name}: layer {k} b", layer["b"], dtype=np.float64).shape
        if W_shape != (n_in, n_out) or b_shape != (n_out,):
            raise ValueError(
                f"{name}: layer {k} has W {W_shape} and b {b_shape}; "
                f"expected W ({n_in}, {n_out}) and b ({n_out},)"
            )


def _reference(data: dict, learning_rates: Sequence[float], n_steps: int) -> dict:
    """gdcode's runs at several rates, JSON-ready (the JavaScript tests compare with them).

    Non-finite losses become ``None``: JSON has no inf or nan.
    """
    runs = []
    for learning_rate in learning_rates:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)  # diverging is the point here
            history = train_playground(data, learning_rate, n_steps)
        runs.append(
            {
                "learning_rate": learning_rate,
                "diverged_step": history.diverged_step,
                "loss": [v if math.isfinite(v) else None for v in history.step_loss.tolist()],
            }
        )
    return {"n_steps": n_steps, "runs": runs}


#: Rates the JavaScript tests compare at: tiny, the presets, and far too large.
REFERENCE_LEARNING_RATES = (1e-4, *(lr for _, lr in PRESETS), 0.8, 100.0)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m gdcode.playground OUT.json [--reference N]``.

    Writes the playground data file; with ``--reference N`` the file also gets
    a ``"reference"`` entry: gdcode's loss curves for ``N`` steps at
    :data:`REFERENCE_LEARNING_RATES` (the JavaScript tests compare against it).
    """
    parser = argparse.ArgumentParser(prog="python -m gdcode.playground", description=main.__doc__)
    parser.add_argument("out", type=Path, help="JSON file to write")
    parser.add_argument(
        "--reference", type=int, metavar="N", help="add gdcode's loss curves for N steps"
    )
    args = parser.parse_args(argv)
    data = make_playground_data()
    if args.reference is not None:
        data["reference"] = _reference(data, REFERENCE_LEARNING_RATES, args.reference)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(_to_json(data) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
