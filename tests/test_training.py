"""fit(): mini-batches, history, divergence, dtype, progress bar, argument checks."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import gdcode
from gdcode import (
    MLP,
    Adam,
    DivergenceWarning,
    History,
    Momentum,
    cosine_decay,
    fit,
    numerical_gradients,
)
from gdcode.optimizers import DEFAULT_LEARNING_RATE
from gdcode.training import DIVERGENCE_FACTOR, progress_enabled

ROOT = Path(__file__).resolve().parents[1]
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])


def mnist_like(n: int = 600, seed: int = 0, dtype=np.float32):
    """Synthetic MNIST-shaped data: 784 'pixels' in [0, 1], 10 classes, each a noisy template."""
    rng = np.random.default_rng(seed)
    templates = rng.random((10, 784))
    y = rng.integers(0, 10, size=n)
    X = np.clip(0.6 * templates[y] + 0.4 * rng.random((n, 784)), 0.0, 1.0)
    return X.astype(dtype), y


def small_problem(n: int = 40, seed: int = 0):
    """Three Gaussian clusters in 4-D."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    X = rng.normal(size=(n, 4)) * 0.5 + np.eye(3, 4)[y] * 3
    return X, y


# --------------------------------------------------------------------------- learning


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_xor_is_learned_by_a_small_tanh_network(seed):
    model = MLP((2, 8, 1), activation="tanh", loss="binary_cross_entropy", rng=seed)
    history = fit(model, XOR_X, XOR_Y, learning_rate=0.5, batch_size=None, epochs=1500,
                  rng=seed, progress=False)
    assert history.train_accuracy[-1] == 1.0
    assert model.accuracy(XOR_X, XOR_Y) == 1.0
    assert history.epoch_loss[-1] < 0.1 < history.epoch_loss[0]
    np.testing.assert_array_equal(model.predict(XOR_X), XOR_Y)


def test_mini_batch_training_reduces_the_loss():
    X, y = mnist_like(600)
    model = MLP((784, 128, 64, 10), rng=0, dtype=np.float32)
    history = fit(model, X, y, learning_rate=0.03, batch_size=32, epochs=3, rng=0,
                  progress=False)
    assert history.epoch_loss[-1] < 0.5 * history.epoch_loss[0]
    assert history.train_accuracy[-1] > 0.9
    assert not history.diverged and history.diverged_step is None


@pytest.mark.parametrize(("optimizer", "learning_rate"),
                         [("momentum", 0.05), ("rmsprop", 0.01), ("adam", 0.01)])
def test_every_optimizer_trains(optimizer, learning_rate):
    X, y = small_problem()
    model = MLP((4, 8, 3), activation="tanh", rng=0)
    before = model.loss(X, y)
    fit(model, X, y, optimizer=optimizer, learning_rate=learning_rate, batch_size=8,
        epochs=20, rng=0, progress=False)
    assert model.loss(X, y) < 0.1 * before


def test_regression_with_mse():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(64, 1))
    y = 2.0 * X[:, 0] - 1.0
    model = MLP((1, 1), loss="mse", activation="identity", rng=0)
    history = fit(model, X, y, learning_rate=0.1, batch_size=None, epochs=300, progress=False)
    # full-batch gradient descent on a linear model: reaches w = 2, b = -1
    np.testing.assert_allclose([model.weights[0][0, 0], model.biases[0][0]], [2.0, -1.0],
                               atol=1e-3)
    assert np.all(np.isnan(history.train_accuracy))


# --------------------------------------------------------------------------- history


def test_history_records_every_step_and_epoch():
    X, y = small_problem(n=10)
    model = MLP((4, 3), rng=0)
    history = fit(model, X, y, learning_rate=0.1, batch_size=4, epochs=3, rng=0,
                  validation_data=(X[:5], y[:5]), progress=False)
    assert isinstance(history, History)
    assert history.steps_per_epoch == 3  # batches of 4, 4 and the 2 left over
    assert history.n_steps == 9 and history.step_loss.shape == (9,)
    np.testing.assert_array_equal(history.step_learning_rate, np.full(9, 0.1))
    np.testing.assert_array_equal(history.epoch, [1, 2, 3])
    for name in ("epoch_loss", "train_accuracy", "val_loss", "val_accuracy"):
        assert getattr(history, name).shape == (3,)
    # the epoch loss is the mean of that epoch's batch losses
    assert history.epoch_loss[1] == pytest.approx(history.step_loss[3:6].mean())
    assert history.val_loss[-1] == pytest.approx(model.loss(X[:5], y[:5]))
    assert history.val_accuracy[-1] == model.accuracy(X[:5], y[:5])
    assert history.train_accuracy[-1] == model.accuracy(X, y)
    assert history.batch_size == 4 and history.learning_rate == "0.1"
    assert history.optimizer == "GradientDescent(learning_rate=0.1)"
    assert history.seconds > 0
    assert history.final("val_accuracy") == history.val_accuracy[-1]
    assert history.to_dict()["epoch"] == [1, 2, 3]


def test_no_validation_data_gives_empty_arrays():
    X, y = small_problem(n=10)
    history = fit(MLP((4, 3), rng=0), X, y, epochs=2, progress=False)
    assert history.val_loss.size == 0 and history.val_accuracy.size == 0
    assert np.isnan(history.final("val_loss"))
    with pytest.raises(ValueError, match=r"unknown metric 'accuracy'; choose one of"):
        history.final("accuracy")


def test_full_batch_is_one_step_per_epoch():
    X, y = small_problem(n=12)
    history = fit(MLP((4, 3), rng=0), X, y, batch_size=None, epochs=5, progress=False)
    assert history.batch_size == 12 and history.steps_per_epoch == 1 and history.n_steps == 5
    # the full-batch step loss is the loss of the whole training set
    np.testing.assert_allclose(history.step_loss, history.epoch_loss)


def test_batch_size_above_n_means_full_batch():
    X, y = small_problem(n=12)
    a, b = MLP((4, 3), rng=0), MLP((4, 3), rng=0)
    fit(a, X, y, batch_size=None, epochs=3, progress=False)
    history = fit(b, X, y, batch_size=1000, epochs=3, progress=False)
    assert history.batch_size == 12
    np.testing.assert_array_equal(a.get_flat(), b.get_flat())


def test_shuffle_is_seeded():
    X, y = small_problem()
    runs = []
    for seed in (5, 5, 6):
        model = MLP((4, 3), rng=0)
        fit(model, X, y, batch_size=4, epochs=2, rng=seed, progress=False)
        runs.append(model.get_flat())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def test_without_shuffle_the_order_is_fixed():
    X, y = small_problem()
    runs = []
    for seed in (5, 6):
        model = MLP((4, 3), rng=0)
        fit(model, X, y, batch_size=4, epochs=2, rng=seed, shuffle=False, progress=False)
        runs.append(model.get_flat())
    np.testing.assert_array_equal(runs[0], runs[1])
    # the first step used samples 0..3: check it against a manual step
    model, manual = MLP((4, 3), rng=0), MLP((4, 3), rng=0)
    history = fit(model, X, y, batch_size=4, epochs=1, shuffle=False, progress=False)
    loss, grads = manual.loss_and_gradients(X[:4], y[:4])
    assert history.step_loss[0] == pytest.approx(loss)


def test_one_manual_step_equals_fit():
    X, y = small_problem(n=8)
    model, manual = MLP((4, 5, 3), rng=0), MLP((4, 5, 3), rng=0)
    fit(model, X, y, learning_rate=0.3, batch_size=None, epochs=1, progress=False)
    _, grads = manual.loss_and_gradients(X, y)
    for p, g in zip(manual.params, grads, strict=True):
        p -= 0.3 * g
    np.testing.assert_allclose(model.get_flat(), manual.get_flat(), rtol=1e-12)


def test_fit_steps_with_the_gradients_of_the_readable_backward_pass(monkeypatch):
    """Every step of fit is one MLP._forward and one MLP._backward, then w <- w - eta * grad."""
    X, y = small_problem(n=12)
    model = MLP((4, 5, 3), rng=0)
    steps = []  # (params before the step, the gradients backward returned)
    backward = MLP._backward

    def recording_backward(self, Z, A, dZ):
        grads = backward(self, Z, A, dZ)
        steps.append(([p.copy() for p in self.params], [g.copy() for g in grads]))
        return grads

    monkeypatch.setattr(MLP, "_backward", recording_backward)
    fit(model, X, y, learning_rate=0.3, batch_size=4, epochs=2, shuffle=False, progress=False)
    assert len(steps) == 6  # 3 batches per epoch, 2 epochs: one backward pass per step
    ends = [before for before, _ in steps[1:]] + [model.params]
    for k, ((before, grads), after) in enumerate(zip(steps, ends, strict=True)):
        for p0, g, p1 in zip(before, grads, after, strict=True):
            np.testing.assert_allclose(p1, p0 - 0.3 * g, rtol=1e-12, atol=1e-15)
        # the gradient backward gave is the true one: finite differences at the same point
        start = 4 * (k % 3)  # shuffle=False: batch k % 3 is rows start .. start + 3
        probe = MLP((4, 5, 3), rng=0)
        for p, value in zip(probe.params, before, strict=True):
            p[...] = value
        numeric = numerical_gradients(probe, X[start : start + 4], y[start : start + 4])
        for g, estimate in zip(grads, numeric, strict=True):
            np.testing.assert_allclose(g, estimate, rtol=1e-5, atol=1e-8)


def test_fit_chunks_a_big_batch_through_the_same_loops(monkeypatch):
    from gdcode import network

    X, y = small_problem(n=12)
    plain, chunked = MLP((4, 5, 3), rng=0), MLP((4, 5, 3), rng=0)
    fit(plain, X, y, learning_rate=0.3, batch_size=None, epochs=2, progress=False)
    calls = []
    backward = MLP._backward
    monkeypatch.setattr(network, "CHUNK_ROWS", 5)  # 12 rows: chunks of 4
    monkeypatch.setattr(MLP, "_backward",
                        lambda self, Z, A, dZ: calls.append(len(dZ)) or backward(self, Z, A, dZ))
    fit(chunked, X, y, learning_rate=0.3, batch_size=None, epochs=2, progress=False)
    assert calls == [4, 4, 4] * 2
    np.testing.assert_allclose(chunked.get_flat(), plain.get_flat(), rtol=1e-12)


def test_the_learning_rate_default_is_the_optimizers():
    X, y = small_problem(n=12)
    default, explicit = MLP((4, 3), rng=0), MLP((4, 3), rng=0)
    history = fit(default, X, y, batch_size=4, epochs=1, rng=0, progress=False)
    fit(explicit, X, y, learning_rate=DEFAULT_LEARNING_RATE, batch_size=4, epochs=1, rng=0,
        progress=False)
    np.testing.assert_array_equal(default.get_flat(), explicit.get_flat())
    assert history.learning_rate == f"{DEFAULT_LEARNING_RATE:g}"
    assert np.all(history.step_learning_rate == DEFAULT_LEARNING_RATE)


@pytest.mark.parametrize("first_loss", [2.0, 0.5])
def test_divergence_factor_is_one_constant(monkeypatch, first_loss):
    """The default threshold is DIVERGENCE_FACTOR * max(first loss, 1)."""
    import inspect

    assert inspect.signature(fit).parameters["divergence_factor"].default == DIVERGENCE_FACTOR
    threshold = DIVERGENCE_FACTOR * max(first_loss, 1.0)
    losses = iter([first_loss, np.nextafter(threshold, 0), np.nextafter(threshold, np.inf)])
    model = MLP((4, 3), rng=0)
    zero_grads = [np.zeros_like(p) for p in model.params]
    monkeypatch.setattr(model, "_batch_loss_and_gradients", lambda X, y: (next(losses),
                                                                           zero_grads))
    X, y = small_problem(n=12)
    with pytest.warns(DivergenceWarning, match=r"training diverged at step 3 \(epoch 1\)"):
        history = fit(model, X, y, batch_size=4, epochs=5, shuffle=False, progress=False)
    assert history.diverged_step == 3 and history.n_steps == 3  # step 2 was just below


def test_record_steps_false():
    X, y = small_problem(n=10)
    history = fit(MLP((4, 3), rng=0), X, y, batch_size=5, epochs=2, record_steps=False,
                  progress=False)
    assert history.step_loss.size == 0 and history.epoch_loss.size == 2


def test_optimizer_instance_and_kwargs():
    X, y = small_problem(n=12)
    opt = Adam(learning_rate=0.01)
    history = fit(MLP((4, 3), rng=0), X, y, optimizer=opt, batch_size=4, epochs=2,
                  progress=False)
    assert opt.t == 6 and history.optimizer == repr(opt)
    history = fit(MLP((4, 3), rng=0), X, y, optimizer="momentum", momentum=0.5, epochs=1,
                  progress=False)
    assert history.optimizer == "Momentum(learning_rate=0.01, momentum=0.5, nesterov=False)"
    with pytest.raises(TypeError, match=r"already an instance .*pass learning_rate"):
        fit(MLP((4, 3), rng=0), X, y, optimizer=Momentum(), learning_rate=0.1, progress=False)


def test_schedule_learning_rate_is_recorded():
    X, y = small_problem(n=12)
    schedule = cosine_decay(0.5, total_steps=6)
    history = fit(MLP((4, 3), rng=0), X, y, learning_rate=schedule, batch_size=4, epochs=2,
                  progress=False)
    np.testing.assert_allclose(history.step_learning_rate, schedule(np.arange(6)))
    assert history.learning_rate == repr(schedule)


def test_float32_model_stays_float32_and_x_is_cast_once(monkeypatch):
    X, y = mnist_like(100, dtype=np.float64)
    model = MLP((784, 16, 10), rng=0, dtype=np.float32)
    checks, batch_dtypes = [], set()
    original_check, original_step = model._check_X, model._batch_loss_and_gradients

    def counting_check(X, name="X"):
        checks.append(name)
        return original_check(X, name)

    def recording_step(Xb, yb):
        batch_dtypes.add(Xb.dtype)
        return original_step(Xb, yb)

    monkeypatch.setattr(model, "_check_X", counting_check)
    monkeypatch.setattr(model, "_batch_loss_and_gradients", recording_step)
    fit(model, X, y, batch_size=10, epochs=2, validation_data=(X[:20], y[:20]), progress=False)
    assert checks == ["X", "validation_data[0]"]  # once each, not once per step
    assert batch_dtypes == {np.dtype(np.float32)}
    assert all(p.dtype == np.float32 for p in model.params)


# --------------------------------------------------------------------------- divergence


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_size", [8, None])
def test_learning_rate_100_diverges_with_one_warning(dtype, batch_size):
    X, y = mnist_like(400)
    model = MLP((784, 128, 64, 10), rng=0, dtype=dtype)
    with pytest.warns(DivergenceWarning,
                      match=r"training diverged at step \d+ \(epoch \d+\).*learning_rate=100\b"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = fit(model, X, y, learning_rate=100, batch_size=batch_size, epochs=3,
                          rng=0, progress=False)
        assert [w.category for w in caught] == [DivergenceWarning]  # nothing else leaked
        warnings.warn(caught[0].message, stacklevel=1)  # hand it on to pytest.warns
    assert history.diverged
    assert history.diverged_step == history.n_steps > 1
    assert history.diverged_epoch == history.epoch[-1]
    assert f"step {history.diverged_step} " in str(caught[0].message)
    # plottable: the steps before the divergence are ordinary finite numbers
    assert np.all(np.isfinite(history.step_loss[:-1]))
    assert history.step_loss[-1] > 1e3 * history.step_loss[0] or not np.isfinite(
        history.step_loss[-1])
    assert np.isfinite(history.epoch_loss[0])
    assert history.train_accuracy.shape == history.epoch.shape


def test_divergence_message_names_a_schedule():
    X, y = mnist_like(200)
    schedule = cosine_decay(100.0, total_steps=1000)
    with pytest.warns(DivergenceWarning, match=r"learning_rate=\d+\.?\d* \(from cosine_decay"):
        history = fit(MLP((784, 64, 10), rng=0), X, y, learning_rate=schedule, batch_size=20,
                      epochs=1, rng=0, progress=False)
    assert history.diverged


def test_divergence_factor_controls_what_counts_as_exploding():
    X, y = small_problem()
    kwargs = dict(learning_rate=5.0, batch_size=None, epochs=10, progress=False)
    with pytest.warns(DivergenceWarning, match=r"training diverged at step"):
        strict = fit(MLP((4, 8, 3), rng=0), X, y, divergence_factor=1.01, **kwargs)
    assert strict.diverged and strict.diverged_epoch == strict.epoch[-1]


def test_tiny_learning_rate_barely_moves():
    X, y = mnist_like(400)
    model = MLP((784, 128, 64, 10), rng=0)
    before_params, before = model.get_flat(), model.loss(X, y)
    history = fit(model, X, y, learning_rate=1e-7, batch_size=32, epochs=2, rng=0,
                  progress=False)
    after = model.loss(X, y)
    assert abs(after - before) / before < 1e-3
    assert not np.array_equal(model.get_flat(), before_params)  # it did take steps
    assert not history.diverged


# --------------------------------------------------------------------------- progress bar


def test_progress_setting(no_progress_env, monkeypatch):
    assert progress_enabled(True) is True and progress_enabled(False) is False
    no_progress_env.setenv("GDCODE_PROGRESS", "1")
    assert progress_enabled() is True
    no_progress_env.setenv("GDCODE_PROGRESS", "0")
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert progress_enabled() is False  # the variable wins over a terminal
    no_progress_env.delenv("GDCODE_PROGRESS")
    assert progress_enabled() is True  # a terminal
    no_progress_env.setenv("CI", "true")
    assert progress_enabled() is False  # CI logs get no bar
    with pytest.raises(TypeError, match=r"progress must be True, False or None, got 'yes'"):
        progress_enabled("yes")


def test_no_bar_when_output_is_not_a_terminal(no_progress_env, capsys):
    X, y = small_problem(n=10)
    fit(MLP((4, 3), rng=0), X, y, epochs=2)
    assert progress_enabled() is False  # pytest captures stderr: not a terminal
    assert capsys.readouterr().err == ""


def test_progress_bar_is_drawn_when_asked(capsys):
    X, y = small_problem(n=10)
    fit(MLP((4, 3), rng=0), X, y, batch_size=5, epochs=2, progress=True)
    assert "training" in capsys.readouterr().err


class _Terminal:
    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


# --------------------------------------------------------------------------- checks


@pytest.fixture(scope="module")
def data():
    return mnist_like(20)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"X": np.zeros((20, 783))}, ValueError, r"X has 783 features; the network expects 784"),
        ({"y": np.arange(20)}, ValueError, r"y has labels outside 0\.\.9: found 10"),
        ({"y": np.zeros(19, int)}, ValueError, r"y has 19 samples; X has 20"),
        ({"learning_rate": -0.1}, ValueError, r"learning_rate must be > 0, got -0\.1"),
        ({"learning_rate": 0.0}, ValueError, r"learning_rate must be > 0, got 0\.0"),
        ({"learning_rate": float("inf")}, ValueError, r"learning_rate must be a finite .*inf"),
        ({"batch_size": 0}, ValueError, r"batch_size must be >= 1, got 0"),
        ({"batch_size": 32.0}, TypeError, r"batch_size must be an integer, got 32\.0 \(float\)"),
        ({"batch_size": True}, TypeError, r"batch_size must be an integer, got True \(bool\)"),
        ({"epochs": 0}, ValueError, r"epochs must be >= 1, got 0"),
        ({"optimizer": "adamw"}, ValueError, r"unknown optimizer 'adamw'; choose one of"),
        ({"optimizer": "momentum", "momentum": 1.0}, ValueError,
         r"momentum must be in \[0\.0, 1\.0\), got 1\.0"),
        ({"validation_data": (np.zeros((3, 783)), np.zeros(3, int))}, ValueError,
         r"validation_data\[0\] has 783 features; the network expects 784"),
        ({"validation_data": np.zeros((3, 784))}, TypeError,
         r"validation_data must be a pair \(X_val, y_val\), got .*\(ndarray\)"),
        ({"divergence_factor": 1.0}, ValueError, r"divergence_factor must be > 1, got 1\.0"),
        ({"shuffle": "yes"}, TypeError, r"shuffle must be True or False, got 'yes'"),
        ({"rng": 1.5}, TypeError, r"rng must be a numpy.random.Generator, an int seed or None"),
        ({"model": "mlp"}, TypeError, r"model must be a gdcode MLP, got 'mlp' \(str\)"),
    ],
)
def test_fit_checks_its_arguments(data, kwargs, error, match):
    X, y = data
    arguments = {"model": MLP((784, 8, 10), rng=0), "X": X, "y": y, "progress": False,
                 **kwargs}
    with pytest.raises(error, match=match):
        fit(**arguments)


def test_nan_in_the_data_is_named(data):
    X, y = data
    X = X.copy()
    X[3, 7] = np.nan
    with pytest.raises(ValueError, match=r"X contains NaN or infinity \(1 entries, first at "
                                         r"index \(3, 7\): nan\)"):
        fit(MLP((784, 8, 10), rng=0), X, y, progress=False)


# --------------------------------------------------------------------------- package


def test_import_gdcode_does_not_import_matplotlib():
    code = "import sys, gdcode; gdcode.fit; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_public_names_resolve():
    for name in gdcode.__all__:
        if name in ("Dataset", "load_mnist", "make_xor", "make_moons", "make_line",
                    "make_blobs") or name.startswith("plot_"):
            continue  # provided by datasets/plotting, imported on first use
        assert getattr(gdcode, name) is not None, name
    with pytest.raises(AttributeError, match=r"has no attribute 'nonsense'"):
        gdcode.nonsense  # noqa: B018


def test_benchmark_quick_run_prints_its_table():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_training.py"), "--quick"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.strip().startswith("batch size"))
    assert "gdcode samples/s" in header
    rows = lines[lines.index(header) + 1 : lines.index(header) + 4]
    assert [row.split()[0] for row in rows] == ["8", "128", "512"]
    assert "peak NumPy memory" in result.stdout


def test_progress_is_on_in_a_notebook_kernel(no_progress_env, monkeypatch):
    import types

    class ZMQInteractiveShell:  # the class name IPython's notebook kernel uses
        pass

    fake = types.ModuleType("IPython")
    fake.get_ipython = ZMQInteractiveShell
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert progress_enabled() is True
    fake.get_ipython = lambda: None  # plain python with IPython merely imported
    assert progress_enabled() is False
    monkeypatch.setattr(sys, "stderr", None)  # e.g. pythonw: no stderr at all
    assert progress_enabled() is False
    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr(sys, "stderr", closed)  # isatty() raises ValueError
    assert progress_enabled() is False


def test_lazy_modules_and_names():
    assert "plot_loss_curves" in dir(gdcode) and "load_mnist" in dir(gdcode)
    assert gdcode.make_xor is gdcode.datasets.make_xor
    assert gdcode.__getattr__("datasets") is sys.modules["gdcode.datasets"]
