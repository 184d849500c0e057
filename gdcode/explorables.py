"""Data for the book's three explorables, computed by gdcode at build time.

The book has a figure the reader can move on three of its days. Each one runs
a small JavaScript core in the browser (``book/_ext/explorables/``) that does
the computation of a gdcode function, and the tests check the two against each
other. This module is where both sides get their numbers:

==============================  ==============================================
explorable (chapter)            what gdcode computes here
==============================  ==============================================
one weight (W3D4)               the chapter's line-fit data, its curvature
                                :math:`L''`, and :func:`gdcode.one_param.gradient_descent`
optimizers on a surface         the chapter's bowl and Rosenbrock valley
(Variants)                      (:mod:`gdcode.surfaces`) and
                                :func:`gdcode.surfaces.optimize_2d` with
                                :class:`~gdcode.optimizers.GradientDescent`,
                                :class:`~gdcode.optimizers.Momentum`,
                                :class:`~gdcode.optimizers.RMSProp`,
                                :class:`~gdcode.optimizers.Adam`
backpropagation, step by step   every array of the forward and backward pass of
(W3D5)                          the chapter's tiny network, with the gradients
                                of :meth:`gdcode.network.MLP.loss_and_gradients`
==============================  ==============================================

* :func:`one_weight_data`, :func:`surface_race_data` and
  :func:`backprop_steps_data` return what each widget loads (JSON-ready
  values); :func:`write_explorables_data` writes the three files.
* :func:`reference_runs` runs gdcode on the settings the JavaScript tests
  replay (including runs that diverge), so ``node --test tests/js/`` can check
  the cores against gdcode's own computation.

Run ``python -m gdcode.explorables DIR`` to write the data files into ``DIR``,
and ``python -m gdcode.explorables DIR --reference FILE`` to also write the
reference runs.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import warnings
from pathlib import Path

import numpy as np

from ._files import write_atomically
from .activations import relu, relu_grad
from .datasets import make_line
from .losses import softmax_cross_entropy
from .network import MLP
from .one_param import gradient_descent
from .optimizers import Adam, GradientDescent, Momentum, RMSProp
from .surfaces import Quadratic, Rosenbrock, Surface, optimize_2d
from .training import DivergenceWarning

__all__ = [
    "FORMAT",
    "LINE_DATA",
    "SURFACES",
    "TINY_NETWORK",
    "backprop_steps_data",
    "one_weight_data",
    "reference_runs",
    "surface_race_data",
    "write_explorables_data",
]

#: Written into every file, so a widget can refuse a file it does not understand.
FORMAT = "gdcode-explorables/1"

# ---------------------------------------------------------------------------------------
# W3D4: one weight

#: The arguments of :func:`gdcode.datasets.make_line` in the W3D4 chapter
#: (``tests/test_explorables.py`` checks that the chapter still makes this call).
LINE_DATA = {"n_samples": 50, "slope": 2.0, "noise": 0.5, "rng": 0}

#: Where the widget starts (the chapter's first run) and the range of its controls.
ONE_WEIGHT_DEFAULTS = {"w0": 0.5, "learning_rate": 0.1, "n_steps": 10}
ONE_WEIGHT_RANGES = {"w0": (-4.0, 8.0), "learning_rate": (1e-3, 1e3), "n_steps": (1, 100)}
#: The chapter's four learning rates, as the widget's preset buttons.
ONE_WEIGHT_PRESETS = (("too small", 0.02), ("about right", 0.2), ("too large", 0.6),
                      ("far too large", 0.85))


def _line_data() -> tuple[np.ndarray, np.ndarray]:
    return make_line(**LINE_DATA)


def one_weight_data() -> dict:
    """The W3D4 explorable's data: the chapter's line-fit points and their curvature.

    The loss of the model :math:`\\hat y = w x` is the parabola
    :math:`L(w) = \\overline{(w x - y)^2}` with curvature
    :math:`L'' = 2\\,\\overline{x^2}` and minimum
    :math:`w^\\ast = \\overline{x y} / \\overline{x^2}`. One step multiplies the
    distance to :math:`w^\\ast` by :math:`1 - \\eta L''`.

    Returns
    -------
    dict
        ``x``, ``y`` (50 floats each), ``curvature`` (:math:`L''`), ``w_best``,
        ``loss_best``, ``defaults`` (``w0``, ``learning_rate``, ``n_steps``),
        ``ranges`` (each control's ``[low, high]``), ``presets`` (the chapter's four
        learning rates, ``{"label", "learning_rate"}``), ``format``, ``description``.

    Examples
    --------
    >>> data = one_weight_data()
    >>> len(data["x"]), round(data["curvature"], 3)
    (50, 2.741)
    """
    x, y = _line_data()
    curvature = 2 * np.mean(x**2)
    w_best = np.mean(x * y) / np.mean(x**2)
    return {
        "format": FORMAT,
        "description": (
            "The W3D4 chapter's data, gdcode.datasets.make_line("
            + ", ".join(f"{k}={v!r}" for k, v in LINE_DATA.items())
            + "), and the loss L(w) = mean((w x - y)^2) of the model y = w x."
        ),
        "x": x.tolist(),
        "y": y.tolist(),
        "curvature": float(curvature),
        "w_best": float(w_best),
        "loss_best": float(np.mean((w_best * x - y) ** 2)),
        "defaults": dict(ONE_WEIGHT_DEFAULTS),
        "ranges": {k: list(v) for k, v in ONE_WEIGHT_RANGES.items()},
        "presets": [{"label": label, "learning_rate": lr} for label, lr in ONE_WEIGHT_PRESETS],
    }


# ---------------------------------------------------------------------------------------
# Variants: optimizers on a surface

#: The Variants chapter's two surfaces, each with the gdcode object, where the race
#: starts, the window drawn, how many steps each optimizer takes, and each optimizer's
#: starting settings (the chapter's where it has them).
SURFACES: dict[str, dict] = {
    "bowl": {
        "label": "stretched bowl",
        "surface": Quadratic(a=1.0, b=25.0),
        "start": (-4.0, 1.5),
        "xlim": (-4.5, 1.5),
        "ylim": (-2.0, 2.0),
        "n_steps": 100,
        "optimizers": {
            "gd": {"learning_rate": 0.075},
            "momentum": {"learning_rate": 0.016, "momentum": 0.8},
            "rmsprop": {"learning_rate": 0.1, "rho": 0.9},
            "adam": {"learning_rate": 0.3, "beta1": 0.9, "beta2": 0.999},
        },
    },
    "rosenbrock": {
        "label": "Rosenbrock's valley",
        "surface": Rosenbrock(),
        "start": (-1.5, 2.0),
        "xlim": (-2.0, 2.0),
        "ylim": (-0.5, 3.0),
        "n_steps": 1000,
        "optimizers": {
            "gd": {"learning_rate": 0.001},
            "momentum": {"learning_rate": 0.0005, "momentum": 0.9},
            "rmsprop": {"learning_rate": 0.01, "rho": 0.9},
            "adam": {"learning_rate": 0.05, "beta1": 0.9, "beta2": 0.999},
        },
    },
}

#: The four racers: gdcode class, the name shown, and the settings the widget's
#: sliders change (the rest keep gdcode's defaults, e.g. ``eps``).
RACERS = {
    "gd": (GradientDescent, "gradient descent", ("learning_rate",)),
    "momentum": (Momentum, "momentum", ("learning_rate", "momentum")),
    "rmsprop": (RMSProp, "RMSProp", ("learning_rate", "rho")),
    "adam": (Adam, "Adam", ("learning_rate", "beta1", "beta2")),
}

#: A racer "arrives" when it is this close to the minimum (Euclidean distance).
ARRIVAL_DISTANCE = 1e-2
#: The learning-rate sliders' range, and the range of momentum / rho / beta1 / beta2.
SURFACE_RANGES = {"learning_rate": (1e-5, 10.0), "decay": (0.0, 0.999)}


def _optimizer(name: str, settings: dict):
    cls = RACERS[name][0]
    return cls(**settings)


def _surface_parameters(surface: Surface) -> dict:
    kind = "quadratic" if isinstance(surface, Quadratic) else "rosenbrock"
    return {"kind": kind, "a": surface.a, "b": surface.b}


def surface_race_data() -> dict:
    """The Variants explorable's data: the two surfaces and the racers' settings.

    Returns
    -------
    dict
        ``surfaces``: one entry per surface with ``name``, ``label``,
        ``function`` (``kind`` "quadratic" or "rosenbrock", with gdcode's ``a``
        and ``b``), ``minimum``, ``start``, ``xlim``, ``ylim``, ``n_steps`` and
        ``optimizers`` (each racer's settings); ``racers`` (key, label, the
        settings a reader can change, and gdcode's defaults of the others, e.g.
        ``eps``); ``arrival_distance``; ``ranges``; ``format``.

    Examples
    --------
    >>> data = surface_race_data()
    >>> [s["name"] for s in data["surfaces"]], data["surfaces"][0]["function"]
    (['bowl', 'rosenbrock'], {'kind': 'quadratic', 'a': 1.0, 'b': 25.0})
    """
    surfaces = []
    for name, spec in SURFACES.items():
        surface = spec["surface"]
        surfaces.append({
            "name": name,
            "label": spec["label"],
            "function": _surface_parameters(surface),
            "minimum": surface.minimum.tolist(),
            "start": list(spec["start"]),
            "xlim": list(spec["xlim"]),
            "ylim": list(spec["ylim"]),
            "n_steps": spec["n_steps"],
            "optimizers": {k: dict(v) for k, v in spec["optimizers"].items()},
        })
    racers = []
    for key, (cls, label, settings) in RACERS.items():
        fixed = {k: v for k, v in cls()._hyperparameters().items()
                 if k not in settings and k != "nesterov"}
        racers.append({"key": key, "label": label, "settings": list(settings), "fixed": fixed})
    return {
        "format": FORMAT,
        "description": "The Variants chapter's surfaces (gdcode.surfaces) and four optimizers "
                       "(gdcode.optimizers), run by gdcode.surfaces.optimize_2d.",
        "surfaces": surfaces,
        "racers": racers,
        "arrival_distance": ARRIVAL_DISTANCE,
        "ranges": {k: list(v) for k, v in SURFACE_RANGES.items()},
    }


# ---------------------------------------------------------------------------------------
# W3D5: the tiny network

#: The W3D5 chapter's tiny network (2 inputs, 3 ReLU units, 2 classes) and its batch of
#: two examples (``tests/test_explorables.py`` checks them against the chapter's cell).
TINY_NETWORK = {
    "X": [[1.0, 2.0], [-1.0, 0.5]],
    "y": [0, 1],
    "W1": [[0.5, -0.4, 0.3], [0.2, 0.6, 0.1]],
    "b1": [0.1, 0.0, -0.2],
    "W2": [[0.7, -0.3], [-0.2, 0.8], [0.4, 0.1]],
    "b2": [0.0, 0.1],
}


def backprop_steps_data() -> dict:
    """The W3D5 explorable's data: every array of one forward and backward pass.

    The network is ``MLP((2, 3, 2), activation="relu", loss="cross_entropy")``
    with the chapter's weights (:data:`TINY_NETWORK`). The forward pass is
    :math:`Z_1 = X W_1 + b_1`, :math:`A_1 = \\mathrm{relu}(Z_1)`,
    :math:`Z_2 = A_1 W_2 + b_2`, :math:`P = \\mathrm{softmax}(Z_2)`; the
    backward pass :math:`dZ_2 = (P - Y)/n`, :math:`dW_2 = A_1^\\top dZ_2`,
    :math:`db_2 = \\sum_i dZ_2`, :math:`dA_1 = dZ_2 W_2^\\top`,
    :math:`dZ_1 = dA_1 \\odot \\mathrm{relu}'(Z_1)`, :math:`dW_1 = X^\\top dZ_1`,
    :math:`db_1 = \\sum_i dZ_1`.

    The logits, probabilities, loss and the four gradients are the model's own
    (:meth:`~gdcode.network.MLP.logits`, :meth:`~gdcode.network.MLP.forward`,
    :meth:`~gdcode.network.MLP.loss_and_gradients`); the arrays in between
    (:math:`Z_1`, :math:`A_1`, :math:`dZ_2`, :math:`dA_1`, :math:`dZ_1`) come
    from gdcode's activation and loss functions, and must lead to the model's
    gradients (checked here).

    Returns
    -------
    dict
        The inputs of :data:`TINY_NETWORK`, ``Y`` (one-hot), ``n``, and every
        array named above as nested lists (``loss`` a float), plus ``format``.

    Examples
    --------
    >>> data = backprop_steps_data()
    >>> round(data["loss"], 4), len(data["dW1"]), len(data["dW1"][0])
    (0.4869, 2, 3)
    """
    net = {k: np.array(v, dtype=np.float64) for k, v in TINY_NETWORK.items()}
    X, y = net["X"], net["y"].astype(np.intp)
    model = MLP((2, 3, 2), activation="relu", loss="cross_entropy")
    for param, value in zip(model.params, [net["W1"], net["b1"], net["W2"], net["b2"]],
                            strict=True):
        param[...] = value
    Z2 = model.logits(X)
    P = model.forward(X)
    loss, (dW1, db1, dW2, db2) = model.loss_and_gradients(X, y)

    Z1 = X @ net["W1"] + net["b1"]
    A1 = relu(Z1)
    _, dZ2 = softmax_cross_entropy(Z2, y)  # (P - Y) / n
    dA1 = dZ2 @ net["W2"].T
    dZ1 = dA1 * relu_grad(Z1)
    chain = {"dW2": A1.T @ dZ2, "db2": dZ2.sum(axis=0), "dW1": X.T @ dZ1, "db1": dZ1.sum(axis=0)}
    for name, value in {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}.items():
        if not np.allclose(chain[name], value, rtol=1e-12, atol=1e-15):
            raise RuntimeError(f"the chain of arrays does not give the model's {name}: "
                               f"{chain[name].tolist()} vs {value.tolist()}")
    arrays = {"Z1": Z1, "A1": A1, "Z2": Z2, "P": P, "dZ2": dZ2, "dW2": dW2, "db2": db2,
              "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}
    return {
        "format": FORMAT,
        "description": "The W3D5 chapter's tiny network, MLP((2, 3, 2), activation='relu', "
                       "loss='cross_entropy'), on its batch of two examples.",
        **copy.deepcopy(TINY_NETWORK),
        "Y": np.eye(2)[y].tolist(),
        "n": len(X),
        "loss": float(loss),
        **{k: v.tolist() for k, v in arrays.items()},
    }


# ---------------------------------------------------------------------------------------
# Reference runs for the JavaScript tests


def _finite_or_none(values) -> list:
    return [float(v) if math.isfinite(v) else None for v in np.ravel(values)]


def _one_weight_run(x, y, w0: float, learning_rate: float, n_steps: int) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        path = gradient_descent(x, y, w0=w0, learning_rate=learning_rate, n_steps=n_steps)
    return {
        "w0": w0, "learning_rate": learning_rate, "n_steps": n_steps,
        "w": _finite_or_none(path.w), "loss": _finite_or_none(path.loss),
        "grad": _finite_or_none(path.grad), "diverged_step": path.diverged_step,
    }


def _surface_run(surface_name: str, racer: str, settings: dict, start, n_steps: int) -> dict:
    spec = SURFACES[surface_name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DivergenceWarning)
        path = optimize_2d(spec["surface"], start, _optimizer(racer, settings), n_steps)
    finite = np.all(np.isfinite(path), axis=1)
    diverged_step = None if finite.all() else int(np.argmin(finite))
    if (diverged_step is not None) != any(issubclass(w.category, DivergenceWarning)
                                          for w in caught):
        raise RuntimeError("optimize_2d's warning and its path disagree about divergence")
    return {
        "surface": surface_name, "racer": racer, "settings": dict(settings),
        "start": [float(v) for v in start], "n_steps": n_steps,
        "path": [_finite_or_none(p) for p in path], "diverged_step": diverged_step,
    }


#: Learning rates far too large, for the reference runs. Gradient descent and momentum
#: overflow; RMSProp's and Adam's steps stay about this long, so they wander instead.
#: Such a wandering run is chaotic: a difference in the last bit (NumPy's scalar ``x**2``
#: is not always the correctly rounded ``x * x``) grows until the paths part, after
#: about 600 steps for RMSProp on Rosenbrock; so these runs stop at 300 steps.
HUGE_RATES = {"gd": 1000.0, "momentum": 1000.0, "rmsprop": 10.0, "adam": 10.0}


def reference_runs() -> dict:
    """gdcode's own runs of the settings the JavaScript tests replay.

    One weight: :func:`gdcode.one_param.gradient_descent` from several starts
    with learning rates from "creeps" to "overflows". Surfaces:
    :func:`gdcode.surfaces.optimize_2d` for every racer on both surfaces, with
    the widget's settings, with other settings, from a far start, and with
    learning rates that diverge.

    Returns
    -------
    dict
        ``one_weight``: a list of runs (``w0``, ``learning_rate``, ``n_steps``,
        ``w``, ``loss``, ``grad``, ``diverged_step``; values that overflowed are
        ``None``); ``surfaces``: a list of runs (``surface``, ``racer``,
        ``settings``, ``start``, ``n_steps``, ``path`` as ``[x, y]`` pairs,
        ``diverged_step``).

    Examples
    --------
    >>> runs = reference_runs()
    >>> any(r["diverged_step"] is not None for r in runs["one_weight"])
    True
    """
    x, y = _line_data()
    one_weight = [
        _one_weight_run(x, y, w0, lr, n)
        for w0, lr, n in [
            (0.5, 0.1, 10), (0.5, 0.02, 100), (0.5, 0.2, 10), (0.5, 0.6, 50),
            (0.5, 0.85, 100), (-3.0, 0.378, 20), (7.5, 0.0013, 100), (0.5, 1000.0, 100),
            (-4.0, 250.0, 100), (0.5, 2 / (2 * np.mean(x**2)), 30),
        ]
    ]
    surfaces = []
    for surface_name, spec in SURFACES.items():
        n = spec["n_steps"]
        for racer, settings in spec["optimizers"].items():
            surfaces.append(_surface_run(surface_name, racer, settings, spec["start"], n))
            other = dict(settings, learning_rate=settings["learning_rate"] * 3)
            surfaces.append(_surface_run(surface_name, racer, other, (1.2, -0.7), n))
            far = (spec["xlim"][1] * 40, spec["ylim"][0] * 40)
            surfaces.append(_surface_run(surface_name, racer, settings, far, n))
            surfaces.append(_surface_run(surface_name, racer,
                                         dict(settings, learning_rate=HUGE_RATES[racer]),
                                         spec["start"], min(n, 300)))
        surfaces.append(_surface_run(surface_name, "momentum",
                                     {"learning_rate": 0.002, "momentum": 0.99},
                                     spec["start"], n))
        surfaces.append(_surface_run(surface_name, "adam",
                                     {"learning_rate": 0.01, "beta1": 0.0, "beta2": 0.5},
                                     spec["start"], n))
        surfaces.append(_surface_run(surface_name, "rmsprop",
                                     {"learning_rate": 0.001, "rho": 0.0}, spec["start"], n))
    return {"format": FORMAT, "one_weight": one_weight, "surfaces": surfaces}


# ---------------------------------------------------------------------------------------
# Files

#: File name (without extension) of each explorable's data, and the function that makes it.
DATA_FILES = {
    "one-weight": one_weight_data,
    "surface-race": surface_race_data,
    "backprop-steps": backprop_steps_data,
}


def _write_json(path: Path, value) -> None:
    """Write ``value`` as strict JSON to ``path`` atomically (no half-written file)."""
    write_atomically(path, json.dumps(value, allow_nan=False, separators=(",", ":")) + "\n")


def write_explorables_data(directory: str | os.PathLike) -> dict[str, Path]:
    """Write each explorable's data as ``<name>.json`` into ``directory``.

    Parameters
    ----------
    directory : str or path-like
        An existing folder, or one to create.

    Returns
    -------
    dict
        ``{"one-weight": path, "surface-race": path, "backprop-steps": path}``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     sorted(write_explorables_data(folder))
    ['backprop-steps', 'one-weight', 'surface-race']
    """
    if isinstance(directory, bool) or not isinstance(directory, str | os.PathLike):
        raise TypeError(f"directory must be a path, got {type(directory).__name__}: {directory!r}")
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"directory must be a folder, got {str(folder)!r}, which is a file")
    contents = {name: make() for name, make in DATA_FILES.items()}  # compute before writing
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, value in contents.items():
        paths[name] = folder / f"{name}.json"
        _write_json(paths[name], value)
    return paths


def main(argv: list[str] | None = None) -> None:
    """``python -m gdcode.explorables DIR [--reference FILE]``."""
    parser = argparse.ArgumentParser(prog="python -m gdcode.explorables", description=__doc__
                                     .split("\n\n")[0])
    parser.add_argument("directory", help="folder that receives the three data files")
    parser.add_argument("--reference", metavar="FILE",
                        help="also write gdcode's reference runs (for the JavaScript tests)")
    args = parser.parse_args(argv)
    write_explorables_data(args.directory)
    if args.reference:
        target = Path(args.reference)
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_json(target, reference_runs())


if __name__ == "__main__":
    main()
