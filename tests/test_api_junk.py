"""Every public callable of gdcode, fed junk: it copes, or refuses clearly.

The walk starts from ``gdcode.__all__`` and the ``__all__`` of every public submodule
(found with :mod:`pkgutil`, so a new module is walked too), and adds the public methods
of the public classes. For each parameter of each callable, hypothesis draws junk
(strings, ``None``, ragged lists, empty arrays, NaN and infinity, huge and negative
numbers, complex numbers, wrong containers, ...) while the other arguments keep the
valid values of :data:`VALID`. Every call must

* return, or raise ``ValueError``/``TypeError`` (or a documented domain error:
  :class:`~gdcode.training.DivergenceWarning`, :class:`~gdcode.datasets.MNISTUnavailableError`);
* if it raises, name the parameter in the message (or echo the string given), and echo
  a junk number or ``None`` it was given (not some other value, such as a wrapped-around int);
* leak no warning (``filterwarnings = error`` in ``pyproject.toml`` turns one into a failure);
* leave its arguments as they were (all of them when it raises; when it succeeds, all
  but the ones it writes to by design: ``ax``, ``fig``, ``out``, ``rng``, an optimizer's
  ``params`` and ``self`` for the methods that update it).

A new public callable needs an entry in :data:`VALID`, or
``test_every_public_callable_is_walked`` fails: that is how it gets held to the standard.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import inspect
import json
import math
import os
import pkgutil
import re
import signal
import types
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

import gdcode  # noqa: E402
from gdcode.datasets import MNISTUnavailableError  # noqa: E402
from gdcode.training import DivergenceWarning  # noqa: E402

#: Errors a function may raise for bad input: the clear ones, and documented domain errors.
ALLOWED_ERRORS = (ValueError, TypeError, DivergenceWarning, MNISTUnavailableError)
#: Seconds one call may take (a hang on junk is a failure, not a slow test).
TIME_LIMIT = 20
#: Junk examples per parameter.
EXAMPLES = 8

SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the repository
    derandomize=True,  # the same examples on every run: a failure is reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Junk every parameter always gets, on top of hypothesis's draws: one of each kind.
ALWAYS = (
    None,
    "",
    "abc",
    True,
    -1,
    0.5,
    math.nan,
    1e300,
    [[1.0], [1.0, 2.0]],
    np.empty(0),
)

#: Defects the junk test finds in modules owned by another branch (issue 11, part 1),
#: reported there; each case must fail until fixed (strict), then its entry goes.
ELSEWHERE: dict[str, str] = {}


# ----------------------------------------------------------------------------- the walk


def public_modules() -> dict[str, types.ModuleType]:
    modules = {"gdcode": gdcode}
    for info in pkgutil.iter_modules(gdcode.__path__):
        if not info.name.startswith("_"):
            modules[f"gdcode.{info.name}"] = importlib.import_module(f"gdcode.{info.name}")
    return modules


def _is_record(cls: type) -> bool:
    """A result record (dataclass or NamedTuple): gdcode returns these, nobody feeds them."""
    return dataclasses.is_dataclass(cls) or (issubclass(cls, tuple) and hasattr(cls, "_fields"))


def public_callables() -> dict[str, Callable]:
    """``"module.QualName"`` -> callable, for every public function, class and method."""
    found: dict[str, Callable] = {}
    for module in public_modules().values():
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not callable(obj) or (inspect.isclass(obj) and issubclass(obj, BaseException)):
                continue  # constants, warnings and errors
            key = f"{obj.__module__}.{obj.__qualname__}"
            if inspect.isclass(obj):
                if _is_record(obj) or _abstract(obj):
                    continue  # records are returned, not fed; a base class's methods are
                    # walked on its subclasses
                found[key] = obj
                for method_name, method in inspect.getmembers(obj, inspect.isfunction):
                    public = not method_name.startswith("_") or method_name == "__call__"
                    if public and method.__module__.startswith("gdcode") and _has_inputs(method):
                        found[f"{key}.{method_name}"] = method
            else:
                found[key] = obj
    return found


def _abstract(cls: type) -> bool:
    """A base class whose subclasses do the work (``Surface``, ``Optimizer``): not called."""
    return cls.__name__ in {"Surface", "Optimizer"} and cls.__module__ in {
        "gdcode.surfaces",
        "gdcode.optimizers",
    }


def _has_inputs(function: Callable) -> bool:
    return any(name != "self" for name in inspect.signature(function).parameters)


def parameters(function: Callable) -> list[str]:
    """The parameters junk can be fed to (``self``, ``*args`` and ``**kwargs`` are not)."""
    return [
        name
        for name, p in inspect.signature(function).parameters.items()
        if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


# ----------------------------------------------------------------------------- valid calls

X2 = np.array([[0.5, -1.0], [1.0, 0.2], [-0.3, 0.8]])
Y2 = np.array([0, 1, 1])


def _model():
    return gdcode.MLP((2, 3, 2), activation="tanh", rng=0)


def _history():
    return gdcode.fit(_model(), X2, Y2, learning_rate=0.1, epochs=2, progress=False)


def _trajectory():
    return gdcode.gradient_descent([1.0, 2.0], [2.0, 4.0], w0=0.0, learning_rate=0.1, n_steps=3)


_PLAYGROUND_JSON: list[str] = []


def _playground_data() -> dict:
    if not _PLAYGROUND_JSON:
        _PLAYGROUND_JSON.append(json.dumps(gdcode.playground.make_playground_data(n_samples=8)))
    return json.loads(_PLAYGROUND_JSON[0])


def _playground_file() -> str:
    path = "valid-playground.json"  # in the test's temporary working folder
    if not os.path.exists(path):
        with open(path, "w", encoding="utf-8") as file:
            file.write(json.dumps(_playground_data()))
    return path


def _one_param_loss(w):
    return gdcode.one_param.loss(w, [1.0, 2.0], [2.0, 4.0])


def _Z():
    return np.array([[0.5, -1.0, 2.0], [0.0, 3.0, -0.5]])


_ACTIVATION = {"Z": _Z}
_METHOD = "self"  # key of the factory for the instance a method is called on

#: A valid call of every public callable: parameter -> factory of a fresh valid value.
#: For a method, ``"self"`` makes the instance. Parameters left out keep their defaults.
VALID: dict[str, dict[str, Callable[[], object]]] = {
    **{
        f"gdcode.activations.{name}": _ACTIVATION
        for name in (
            "identity", "identity_grad", "relu", "relu_grad", "sigmoid", "sigmoid_grad",
            "softmax", "tanh", "tanh_grad",
        )
    },
    "gdcode.losses.binary_cross_entropy": {"P": lambda: [0.2, 0.9], "y": lambda: [0, 1]},
    "gdcode.losses.identity_mse": {"Z": lambda: [[1.0], [2.0]], "Y": lambda: [1.0, 4.0]},
    "gdcode.losses.mse": {"P": lambda: [1.0, 2.0], "Y": lambda: [1.0, 4.0]},
    "gdcode.losses.mse_grad": {"P": lambda: [1.0, 2.0], "Y": lambda: [1.0, 4.0]},
    "gdcode.losses.sigmoid_binary_cross_entropy": {
        "Z": lambda: [[0.0], [1.0]], "y": lambda: [0, 1]
    },
    "gdcode.losses.softmax_cross_entropy": {"Z": _Z, "y": lambda: [0, 2]},
    "gdcode.one_param.loss": {"w": lambda: 0.5, "x": lambda: [1.0, 2.0], "y": lambda: [2.0, 4.0]},
    "gdcode.one_param.gradient": {
        "w": lambda: 0.5, "x": lambda: [1.0, 2.0], "y": lambda: [2.0, 4.0]
    },
    "gdcode.one_param.numerical_gradient": {"f": lambda: lambda w: w**2, "w": lambda: 0.5},
    "gdcode.one_param.gradient_descent": {
        "x": lambda: [1.0, 2.0], "y": lambda: [2.0, 4.0], "w0": lambda: 0.0,
        "learning_rate": lambda: 0.1, "n_steps": lambda: 3,
    },
    "gdcode.network.MLP": {"layer_sizes": lambda: (2, 3, 2), "rng": lambda: 0},
    **{
        f"gdcode.network.MLP.{name}": {_METHOD: _model, "X": lambda: X2.copy(), "y": lambda: Y2}
        for name in ("accuracy", "loss", "loss_and_gradients")
    },
    **{
        f"gdcode.network.MLP.{name}": {_METHOD: _model, "X": lambda: X2.copy()}
        for name in ("forward", "logits", "predict")
    },
    "gdcode.network.MLP.copy": {_METHOD: _model},
    "gdcode.network.MLP.set_flat": {_METHOD: _model, "values": lambda: np.zeros(17)},
    "gdcode.gradcheck.gradient_check": {"model": _model, "X": lambda: X2, "y": lambda: Y2},
    "gdcode.gradcheck.numerical_gradients": {"model": _model, "X": lambda: X2, "y": lambda: Y2},
    **{
        f"gdcode.optimizers.{name}": {}
        for name in ("Adam", "GradientDescent", "Momentum", "RMSProp")
    },
    **{
        f"gdcode.optimizers.{cls}.step": {
            _METHOD: getattr(gdcode.optimizers, cls),
            "params": lambda: [np.zeros(3)],
            "grads": lambda: [np.ones(3)],
        }
        for cls in ("Adam", "GradientDescent", "Momentum", "RMSProp")
    },
    "gdcode.optimizers.get_optimizer": {"optimizer": lambda: "sgd"},
    "gdcode.schedules.Schedule": {
        "rule": lambda: lambda step: 0.1 + 0.0 * np.asarray(step), "description": lambda: "c"
    },
    "gdcode.schedules.Schedule.__call__": {
        _METHOD: lambda: gdcode.constant(0.1), "step": lambda: 3
    },
    "gdcode.schedules.constant": {"learning_rate": lambda: 0.1},
    "gdcode.schedules.cosine_decay": {"learning_rate": lambda: 0.1, "total_steps": lambda: 10},
    "gdcode.schedules.exponential_decay": {"learning_rate": lambda: 0.1},
    "gdcode.schedules.step_decay": {"learning_rate": lambda: 0.1},
    "gdcode.schedules.warmup_cosine": {
        "learning_rate": lambda: 0.1, "warmup_steps": lambda: 2, "total_steps": lambda: 10
    },
    "gdcode.surfaces.Quadratic": {},
    "gdcode.surfaces.Rosenbrock": {},
    **{
        f"gdcode.surfaces.{cls}.{method}": {
            _METHOD: getattr(gdcode.surfaces, cls), "P": lambda: [1.0, 2.0], "p": lambda: [1.0, 2.0]
        }
        for cls in ("Quadratic", "Rosenbrock")
        for method in ("value", "gradient", "__call__")
    },
    "gdcode.surfaces.optimize_2d": {
        "surface": gdcode.Quadratic, "start": lambda: [1.0, 1.0], "optimizer": lambda: "sgd",
        "n_steps": lambda: 3,
    },
    "gdcode.training.fit": {
        "model": _model, "X": lambda: X2, "y": lambda: Y2, "epochs": lambda: 1,
        "progress": lambda: False,
    },
    "gdcode.training.History.final": {_METHOD: _history, "metric": lambda: "epoch_loss"},
    "gdcode.datasets.load_mnist": {"source": lambda: "subset"},
    "gdcode.datasets.make_blobs": {"n_samples": lambda: 30},
    "gdcode.datasets.make_xor": {},
    "gdcode.datasets.make_line": {"n_samples": lambda: 20},
    "gdcode.datasets.make_moons": {"n_samples": lambda: 20},
    "gdcode.plotting.plot_comparison": {"values": lambda: {"sgd": 0.5, "adam": 0.7}},
    "gdcode.plotting.plot_descent_1d": {
        "trajectory": _trajectory, "loss_fn": lambda: _one_param_loss
    },
    "gdcode.plotting.plot_descent_2d": {
        "surface": gdcode.Quadratic,
        "paths": lambda: {"gd": np.array([[1.0, 1.0], [0.9, 0.0], [0.81, 0.0]])},
    },
    "gdcode.plotting.plot_digits": {
        "X": lambda: np.linspace(0.0, 1.0, 4 * 16).reshape(4, 16), "n": lambda: 4,
    },
    "gdcode.plotting.plot_loss_curves": {"histories": _history},
    "gdcode.plotting.plot_weight_images": {
        "W": lambda: np.linspace(-1.0, 1.0, 16 * 3).reshape(16, 3), "n": lambda: 2,
    },
    "gdcode.playground.load_playground_data": {"path": _playground_file},
    "gdcode.playground.make_playground_data": {"n_samples": lambda: 8},
    "gdcode.playground.network_from_data": {"data": _playground_data},
    "gdcode.playground.train_playground": {
        "data": _playground_data, "learning_rate": lambda: 0.15, "n_steps": lambda: 3,
    },
    "gdcode.playground.write_playground_data": {"path": lambda: "written/playground.json"},
    # Public functions on branches not merged yet when this was written (an entry for a
    # callable that does not exist is simply unused).
    "gdcode.playground.playground_schedule": {
        "schedule": lambda: "step", "learning_rate": lambda: 0.15, "n_steps": lambda: 30
    },
    "gdcode.playground.run_length": {
        "n_steps": lambda: 30, "batch_size": lambda: 4, "n_samples": lambda: 60
    },
    **{
        f"gdcode.explorables.{name}": {}
        for name in ("one_weight_data", "surface_race_data", "backprop_steps_data",
                     "reference_runs")
    },
    "gdcode.explorables.write_explorables_data": {"directory": lambda: "explorables"},
    "gdcode.curvature.hessian_vector_product": {
        "model": _model, "X": lambda: X2, "y": lambda: Y2, "v": lambda: np.ones(17)
    },
    "gdcode.curvature.hessian_max_eigenvalue": {
        "model": _model, "X": lambda: X2, "y": lambda: Y2, "iterations": lambda: 5
    },
}

#: Parameters any call may write to by design (when it succeeds): figures, ``out`` arrays,
#: random generators (drawing advances them).
OUTPUTS = {"ax", "fig", "out", "rng"}
#: What else a call changes by design (when it succeeds): fit trains the model it is given,
#: an optimizer's step updates the parameters and itself, set_flat sets the weights.
WRITES = {"fit": {"model"}, "step": {"params", "self"}, "set_flat": {"self"}}


# ----------------------------------------------------------------------------- junk

_SAFE_TEXT = st.text(  # no path separators, "~" or "." : a junk path stays in the test's folder
    alphabet=st.characters(blacklist_characters="/\\~.:", blacklist_categories=("Cs", "Cc")),
    max_size=5,
)
_FLOATS = st.floats(allow_nan=True, allow_infinity=True)
_ARRAYS = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32, np.int64, np.bool_, np.uint8]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3),
    elements=None,
)
_FLOAT_ARRAYS = hnp.arrays(
    dtype=np.float64,
    shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3),
    elements=st.floats(allow_nan=True, allow_infinity=True),
)

JUNK = st.one_of(
    st.none(),
    _SAFE_TEXT,
    st.binary(max_size=3),
    st.booleans(),
    st.sampled_from([0, -1, -7, -(2**63), -(2**70)]),
    _FLOATS,
    st.sampled_from([1e300, -1e300, 1e39, 5e-324, math.nan, math.inf, -math.inf]),
    st.complex_numbers(allow_nan=False, max_magnitude=10).filter(lambda z: z.imag != 0),
    st.sampled_from(
        [
            [[1.0], [1.0, 2.0]],  # ragged
            [],
            [[]],
            (),
            {},
            {"a": 1},
            ["a", "b"],
            [None, 1.0],
            [1.0, "x"],
            {1, 2},
            np.empty(0),
            np.empty((0, 2)),
            np.empty((2, 0)),
            np.array(["a", "b"]),
            np.array([1, None], dtype=object),
            np.array([1 + 2j]),
            np.float32(3e38),
            np.int64(-5),
            np.bool_(True),
            np.array(1e300),
            np.full((2, 2), 1e300),
            np.full((3, 2), np.nan),
            object(),
            math,  # a module
            print,  # a builtin function
        ]
    ),
    st.just(lambda *args, **kwargs: "junk"),  # a function returning junk
    st.lists(_FLOATS, max_size=4),
    st.lists(st.integers(-3, 3), max_size=4),
    _ARRAYS,
    _FLOAT_ARRAYS,
)


# ----------------------------------------------------------------------------- checking


def _freeze(value, seen=None):
    """A comparable picture of a value, deep, for the mutation check."""
    seen = set() if seen is None else seen
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            return ("object-array", value.shape, [_freeze(v, seen) for v in value.ravel()])
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, np.generic):
        return ("numpy", type(value).__name__, np.asarray(value).tobytes())
    if isinstance(value, float):
        return ("float", value.hex())
    if value is None or isinstance(value, bool | int | str | bytes | complex):
        return value
    if isinstance(value, np.random.Generator) or callable(value) and not hasattr(value, "__dict__"):
        return ("id", id(value))
    if id(value) in seen:
        return ("seen", id(value))
    seen.add(id(value))
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_freeze(v, seen) for v in value])
    if isinstance(value, dict):
        return ("dict", [(_freeze(k, seen), _freeze(v, seen)) for k, v in value.items()])
    if isinstance(value, set | frozenset):
        return ("set", sorted(repr(v) for v in value))
    if isinstance(value, types.ModuleType | types.FunctionType | type):
        return ("id", id(value))
    if type(value).__module__.startswith("matplotlib"):
        return ("id", id(value))
    if hasattr(value, "__dict__"):
        return (type(value).__name__, _freeze(vars(value), seen))
    if hasattr(type(value), "__slots__"):
        slots = type(value).__slots__
        return (type(value).__name__, [_freeze(getattr(value, s, None), seen) for s in slots])
    return ("id", id(value))


def _names(message: str, name: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message) is not None


def _echoes(message: str, value) -> bool:
    """Does the message show the value given (for numbers and None)?"""
    candidates = {repr(value), str(value)}
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        candidates.add(str(int(value)))
    if isinstance(value, int) and not isinstance(value, bool):
        candidates.add(f"{value:,}")
    return any(c[:30] in message for c in candidates)


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: int):
    def stop(signum, frame):
        raise _Timeout(f"no answer after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def call_with_junk(key: str, function: Callable, parameter: str, junk) -> None:
    factories = VALID[key]
    instance = factories[_METHOD]() if _METHOD in factories else None
    arguments = {
        name: make()
        for name, make in factories.items()
        if name != _METHOD and name in inspect.signature(function).parameters
    }
    arguments[parameter] = junk
    watched = {name: value for name, value in arguments.items()}
    if instance is not None:
        watched["self"] = instance
    before = {name: _freeze(value) for name, value in watched.items()}

    error = None
    try:
        with _time_limit(TIME_LIMIT):
            if instance is not None:
                function(instance, **arguments)
            else:
                function(**arguments)
    except ALLOWED_ERRORS as caught:
        error = caught
    finally:
        plt.close("all")

    # a DivergenceWarning ends a run that did its work: the run's changes are by design
    succeeded = error is None or isinstance(error, DivergenceWarning)
    changeable = OUTPUTS | WRITES.get(function.__name__, set()) if succeeded else set()
    for name, value in watched.items():
        if name not in changeable:
            assert _freeze(value) == before[name], f"{key} changed its argument {name}"

    if error is None or isinstance(error, DivergenceWarning | MNISTUnavailableError):
        return
    message = str(error)
    if isinstance(junk, str) and junk.strip():
        named = _names(message, parameter) or repr(junk) in message or junk in message
    else:
        named = _names(message, parameter)
    assert named, f"{key}({parameter}={junk!r:.60}) raised {error!r}: {parameter} is not named"
    number = isinstance(junk, float | int) and not isinstance(junk, bool)
    if (number or junk is None) and "shape" not in message:
        assert _echoes(message, junk), (
            f"{key}({parameter}={junk!r}) raised {error!r}, which does not echo the value given"
        )


# ----------------------------------------------------------------------------- tests

CALLABLES = public_callables()
def _case(key: str, parameter: str):
    name = f"{key.removeprefix('gdcode.')}({parameter})"
    marks = [pytest.mark.xfail(strict=True, reason=ELSEWHERE[name])] if name in ELSEWHERE else []
    return pytest.param(key, parameter, id=name, marks=marks)


CASES = [
    _case(key, parameter)
    for key, function in sorted(CALLABLES.items())
    if key in VALID
    for parameter in parameters(function)
]


@pytest.fixture(scope="module", autouse=True)
def isolated(tmp_path_factory):
    """Run in an empty folder, offline: junk paths land here and nothing is downloaded."""
    folder = tmp_path_factory.mktemp("junk")
    old_folder, old_offline = os.getcwd(), os.environ.get("GDCODE_OFFLINE")
    os.chdir(folder)
    os.environ["GDCODE_OFFLINE"] = "1"
    yield folder
    os.chdir(old_folder)
    if old_offline is None:
        del os.environ["GDCODE_OFFLINE"]
    else:
        os.environ["GDCODE_OFFLINE"] = old_offline


def test_every_public_callable_is_walked():
    missing = sorted(set(CALLABLES) - set(VALID))
    assert not missing, (
        "add a valid example call to VALID in tests/test_api_junk.py for: " + ", ".join(missing)
    )
    assert len(CASES) > 100  # the walk found the API (a broken walk must not pass quietly)


def _always(test):
    for value in reversed(ALWAYS):
        test = example(junk=value)(test)
    return test


@pytest.mark.parametrize(("key", "parameter"), CASES)
@SETTINGS
@_always
@given(junk=JUNK)
def test_junk_is_refused_clearly_or_handled(key, parameter, junk):
    call_with_junk(key, CALLABLES[key], parameter, junk)


@pytest.mark.parametrize(
    "key", sorted(k for k in VALID if k in CALLABLES and parameters(CALLABLES[k]))
)
def test_the_valid_calls_are_valid(key):
    """The baseline must work, or every junk case would pass for the wrong reason."""
    function = CALLABLES[key]
    factories = VALID[key]
    arguments = {n: make() for n, make in factories.items() if n != _METHOD}
    arguments = {n: v for n, v in arguments.items() if n in inspect.signature(function).parameters}
    try:
        if _METHOD in factories:
            function(factories[_METHOD](), **arguments)
        else:
            function(**arguments)
    finally:
        plt.close("all")


def test_a_float32_network_names_inputs_too_large_for_float32():
    model = gdcode.MLP((2, 2), dtype=np.float32, rng=0)
    with pytest.raises(ValueError, match=r"X has values too large for float32"):
        model.predict(np.array([[1e300, 1.0]]))
