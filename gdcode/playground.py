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
    check_choice,
    check_in_range,
    check_learning_rate,
    check_path,
    check_positive_int,
    describe,
)
from .datasets import make_moons
from .network import MLP
from .optimizers import GradientDescent
from .schedules import Schedule, cosine_decay, step_decay
from .training import DIVERGENCE_FACTOR, DivergenceWarning, History, fit

__all__ = [
    "BATCH_SIZES",
    "CONTROLS",
    "DIVERGENCE_FACTOR",
    "FORMAT",
    "PRESETS",
    "SCHEDULES",
    "load_playground_data",
    "make_playground_data",
    "network_from_data",
    "playground_schedule",
    "run_length",
    "train_playground",
    "write_playground_data",
]

#: Name written into every data file, checked when one is read back.
FORMAT = "gdcode-playground/1"

# DIVERGENCE_FACTOR (imported above) is gdcode.training's, the default of
# ``fit(..., divergence_factor=...)``; it is written into the data file for the browser.

#: The playground's preset buttons, as (label, learning rate) pairs. The tests check
#: that each does what its label says on the default data.
PRESETS: tuple[tuple[str, float], ...] = (
    ("too small", 0.0003),
    ("about right", 0.15),
    ("break it", 1.0),
)

ACTIVATION = "tanh"
LOSS = "mse"

#: The learning-rate schedules the playground offers, by name (see :func:`playground_schedule`).
SCHEDULES = ("constant", "step", "cosine")

#: The mini-batch sizes the playground offers; ``None`` is the full batch.
BATCH_SIZES = (None, 32, 16, 4, 1)

#: The playground's controls and their defaults, defined here once. They are written
#: into the data file (``"controls"``), where the ``{playground}`` directive and
#: ``widget.js`` read them; the directive checks its options against them.
CONTROLS = {
    "learning_rate": 0.15,  # the slider's starting position
    "log10_learning_rate_range": (-4.0, 2.0),  # the slider runs from 1e-4 to 100 ...
    "slider_step": 0.05,  # ... in log10 steps: one arrow-key press multiplies by 1.12
    "steps_per_frame": 8,  # training steps per animation frame
    "max_steps": 1500,  # length of a run (rounded up to whole epochs, see run_length)
    "schedule": "constant",
    "schedules": SCHEDULES,
    "step_decay_drop": 0.5,  # "step": multiply by 0.5 ...
    "step_decay_stages": 3,  # ... so the run has 3 stages (every = n_steps // 3)
    "batch_size": None,
    "batch_sizes": BATCH_SIZES,
    "seed": 0,  # seeds the mini-batch shuffling (fit's rng)
    "max_seed": 2**32 - 1,
}


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
        ``{"label", "learning_rate"}``), ``controls`` (:data:`CONTROLS`),
        ``format``, ``description``.

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
        "controls": {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in CONTROLS.items()
        },
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
    if path.is_dir():
        raise ValueError(f"path must name a file, got the folder {str(path)!r}")
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


def playground_schedule(schedule: str, learning_rate: float, n_steps: int) -> float | Schedule:
    """The learning rate of a playground run: a number, or a :mod:`gdcode.schedules` schedule.

    Parameters
    ----------
    schedule : {"constant", "step", "cosine"}
        ``"constant"``: :math:`\\eta_t = \\eta` (returned as the number itself);
        ``"step"``: :func:`~gdcode.schedules.step_decay` halving the rate every
        ``n_steps // 3`` steps, so a run has three stages;
        ``"cosine"``: :func:`~gdcode.schedules.cosine_decay` from :math:`\\eta`
        down to 0 over ``n_steps`` steps.
    learning_rate : float
        :math:`\\eta > 0`, the rate at step 0.
    n_steps : int
        Length of the run (see :func:`run_length`).

    Returns
    -------
    float or Schedule

    Examples
    --------
    >>> playground_schedule("step", 0.15, n_steps=1500)
    step_decay(learning_rate=0.15, drop=0.5, every=500)
    """
    schedule = check_choice("schedule", schedule, SCHEDULES)
    learning_rate = check_learning_rate(learning_rate)
    n_steps = check_positive_int("n_steps", n_steps)
    if schedule == "step":
        every = max(1, n_steps // CONTROLS["step_decay_stages"])
        return step_decay(learning_rate, drop=CONTROLS["step_decay_drop"], every=every)
    if schedule == "cosine":
        return cosine_decay(learning_rate, total_steps=n_steps)
    return learning_rate


def run_length(n_steps: int, batch_size: int | None, n_samples: int) -> int:
    """Steps in a playground run: ``n_steps`` rounded up to whole epochs.

    An epoch of :func:`gdcode.training.fit` takes ``ceil(n_samples / batch_size)``
    steps (the last batch keeps the leftover samples), and ``fit`` runs whole
    epochs, so a run of at least ``n_steps`` steps is this many steps long.

    Examples
    --------
    >>> run_length(1500, None, 60), run_length(1500, 16, 60), run_length(1500, 8, 60)
    (1500, 1500, 1504)
    """
    n_steps = check_positive_int("n_steps", n_steps)
    n_samples = check_positive_int("n_samples", n_samples)
    batch_size = n_samples if batch_size is None else check_positive_int("batch_size", batch_size)
    steps_per_epoch = math.ceil(n_samples / min(batch_size, n_samples))
    return steps_per_epoch * math.ceil(n_steps / steps_per_epoch)


def train_playground(
    data: dict,
    learning_rate: float,
    n_steps: int,
    divergence_factor: float | None = None,
    *,
    schedule: str = CONTROLS["schedule"],
    batch_size: int | None = CONTROLS["batch_size"],
    seed: int = CONTROLS["seed"],
) -> History:
    """Train the playground network with gdcode, as the browser does.

    Gradient descent from the starting weights in ``data``, run by
    :func:`gdcode.training.fit`. With the defaults it is full-batch gradient
    descent at a constant rate, one step per epoch:

    .. math:: \\theta_{k+1} = \\theta_k - \\eta_k \\, \\nabla L_B(\\theta_k),
        \\qquad L_B(\\theta) = \\frac1{|B|} \\sum_{i \\in B} (f_\\theta(x_i) - y_i)^2

    where the batch :math:`B` is the whole data set, or (``batch_size``) the next
    slice of the samples in an order ``fit`` shuffles every epoch with ``rng=seed``,
    and :math:`\\eta_k` comes from ``schedule`` (:func:`playground_schedule`).

    It stops early, with a :class:`~gdcode.training.DivergenceWarning`, when
    the loss diverges. The browser counts steps the same way, so the step
    at which it says a run diverged is ``history.diverged_step``.

    Parameters
    ----------
    data : dict
        As returned by :func:`make_playground_data` or :func:`load_playground_data`.
    learning_rate : float
        Step size :math:`\\eta > 0` at step 0 (a number; pick a schedule by name).
    n_steps : int
        Number of steps, at least 1; rounded up to whole epochs (:func:`run_length`).
    divergence_factor : float, optional
        Defaults to ``data["divergence_factor"]``.
    schedule : {"constant", "step", "cosine"}, default "constant"
    batch_size : int or None, default None
        Samples per step; ``None`` is the full batch.
    seed : int, default 0
        Seeds the shuffling of the mini-batches (``fit(..., rng=seed)``).

    Returns
    -------
    History
        ``history.step_loss[k - 1]`` is the loss at step ``k``, measured on that
        step's batch before its update (so with the full batch ``step_loss[0]``
        is the loss of the starting weights); ``history.diverged_step`` says
        where a diverging run stopped.

    Examples
    --------
    >>> data = make_playground_data(rng=0)
    >>> history = train_playground(data, learning_rate=0.15, n_steps=200)
    >>> len(history.step_loss), history.diverged
    (200, False)
    >>> history = train_playground(data, 0.15, 200, schedule="cosine", batch_size=16, seed=3)
    >>> len(history.step_loss), history.steps_per_epoch
    (200, 4)
    """
    if callable(learning_rate):
        raise TypeError(
            "learning_rate must be a number (choose the schedule by name, "
            f"schedule='step' or 'cosine'), got {learning_rate!r}"
        )
    learning_rate = check_learning_rate(learning_rate)
    n_steps = check_positive_int("n_steps", n_steps)
    _check_data(data)
    if batch_size is not None:
        batch_size = check_positive_int("batch_size", batch_size)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an int >= 0, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {seed!r}")
    if divergence_factor is None:
        divergence_factor = data["divergence_factor"]
    n_samples = len(data["X"])
    steps = run_length(n_steps, batch_size, n_samples)
    steps_per_epoch = math.ceil(n_samples / min(batch_size or n_samples, n_samples))
    model = network_from_data(data)
    return fit(
        model,
        np.asarray(data["X"], dtype=np.float64),
        np.asarray(data["y"], dtype=np.float64),
        optimizer=GradientDescent(
            learning_rate=playground_schedule(schedule, learning_rate, steps)
        ),
        batch_size=batch_size,
        epochs=steps // steps_per_epoch,
        rng=int(seed),
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


def _reference(data: dict, runs: Sequence[dict], n_steps: int) -> dict:
    """gdcode's runs for several settings, JSON-ready (the JavaScript tests compare with them).

    Each run in ``runs`` is a dict of :func:`train_playground`'s keyword arguments
    (``learning_rate``, ``schedule``, ``batch_size``, ``seed``). Non-finite losses
    become ``None``: JSON has no inf or nan.
    """
    out = []
    for settings in runs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)  # diverging is the point here
            history = train_playground(data, n_steps=n_steps, **settings)
        out.append(
            {
                **settings,
                "diverged_step": history.diverged_step,
                "loss": [v if math.isfinite(v) else None for v in history.step_loss.tolist()],
                "learning_rates": history.step_learning_rate.tolist(),
            }
        )
    # fit's shuffling: numpy.random.default_rng(seed).permutation(n), epoch after epoch
    permutations = []
    for seed in (0, 7, 2**32 - 1, 2**40 + 3):
        rng = as_rng(seed)
        permutations.append(
            {"seed": seed, "orders": [rng.permutation(len(data["X"])).tolist() for _ in range(3)]}
        )
    return {"n_steps": n_steps, "runs": out, "permutations": permutations}


#: Rates the JavaScript tests compare at (constant rate, full batch): tiny, the
#: presets, and far too large.
REFERENCE_LEARNING_RATES = (1e-4, *(lr for _, lr in PRESETS), 0.8, 100.0)

#: Every run the JavaScript tests compare: the rates above, then each schedule with
#: each batch size at a good, a large and a far too large rate, and two more seeds.
#: (Not 0.6 with the full batch: there the loss spikes again and again, a chaotic
#: regime that amplifies the last-bit differences between NumPy's and JavaScript's
#: order of summation; the two curves agree to 1e-9 for about 420 steps, then part.)
REFERENCE_RUNS = (
    *({"learning_rate": lr} for lr in REFERENCE_LEARNING_RATES),
    *(
        {"learning_rate": lr, "schedule": schedule, "batch_size": batch_size, "seed": 0}
        for schedule in SCHEDULES
        for batch_size in BATCH_SIZES
        for lr in (0.15, 0.6, 1.0, 100.0)
        if not (lr == 0.6 and batch_size is None)
    ),
    {"learning_rate": 0.15, "schedule": "constant", "batch_size": 4, "seed": 7},
    {"learning_rate": 0.5, "schedule": "cosine", "batch_size": 16, "seed": 2**32 - 1},
)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m gdcode.playground OUT.json [--reference N]``.

    Writes the playground data file; with ``--reference N`` the file also gets
    a ``"reference"`` entry: gdcode's loss curves for ``N`` steps with the
    settings of :data:`REFERENCE_RUNS` (the JavaScript tests compare against it).
    """
    parser = argparse.ArgumentParser(prog="python -m gdcode.playground", description=main.__doc__)
    parser.add_argument("out", type=Path, help="JSON file to write")
    parser.add_argument(
        "--reference", type=int, metavar="N", help="add gdcode's loss curves for N steps"
    )
    args = parser.parse_args(argv)
    data = make_playground_data()
    if args.reference is not None:
        data["reference"] = _reference(data, REFERENCE_RUNS, args.reference)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(_to_json(data) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
