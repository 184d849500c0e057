"""What the plotting functions draw (lines, markers, labels), checked on the Agg backend.

The inputs are real results of gdcode's own training code, including a run that
diverges, so the tests also pin down how plotting reads History and Trajectory.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

from gdcode import one_param, plotting  # noqa: E402
from gdcode.datasets import make_line, make_moons  # noqa: E402
from gdcode.network import MLP  # noqa: E402
from gdcode.training import DivergenceWarning, fit  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def moons():
    return make_moons(120, noise=0.1, rng=0)


@pytest.fixture(scope="module")
def good_history(moons):
    X, y = moons
    model = MLP((2, 8, 2), activation="tanh", rng=1)
    return fit(model, X, y, learning_rate=0.5, batch_size=30, epochs=6, rng=2, progress=False)


@pytest.fixture(scope="module")
def diverged_history(moons):
    X, y = moons
    model = MLP((2, 8, 1), activation="relu", loss="mse", rng=1)
    with pytest.warns(DivergenceWarning):
        history = fit(
            model,
            X * 50,
            y * 50.0,
            learning_rate=100,
            batch_size=30,
            epochs=6,
            rng=2,
            progress=False,
        )
    assert history.diverged
    return history


def data_lines(ax):
    """Lines that show data (not the divergence markers)."""
    return [line for line in ax.get_lines() if line.get_marker() != "x"]


def x_markers(ax):
    return [line for line in ax.get_lines() if line.get_marker() == "x"]


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


# ----------------------------------------------------------------- loss curves


def test_one_history_per_epoch(good_history):
    ax = plotting.plot_loss_curves(good_history, title="moons")
    (line,) = data_lines(ax)
    np.testing.assert_array_equal(line.get_xdata(), good_history.epoch)
    np.testing.assert_allclose(line.get_ydata(), good_history.epoch_loss)
    assert x_markers(ax) == []
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "training loss"
    assert ax.get_title() == "moons"
    assert ax.get_yscale() == "linear"


def test_divergence_is_marked_with_an_x_at_the_step(good_history, diverged_history):
    runs = {"learning rate 0.5": good_history, "learning rate 100": diverged_history}
    ax = plotting.plot_loss_curves(runs, per="step")
    lines = data_lines(ax)
    assert [line.get_label() for line in lines] == list(runs)
    np.testing.assert_allclose(lines[0].get_ydata(), good_history.step_loss)
    assert len(lines[1].get_xdata()) == len(diverged_history.step_loss)
    (marker,) = x_markers(ax)
    step = diverged_history.diverged_step
    assert list(marker.get_xdata()) == [step]
    assert marker.get_color() == lines[1].get_color()
    label = f"learning rate 100: diverged at step {step}"
    assert marker.get_label() == label and label in legend_texts(ax)
    assert ax.get_yscale() == "log"  # a diverged loss needs a log axis
    assert ax.get_xlabel().startswith("step")


def test_divergence_is_marked_at_the_epoch(diverged_history):
    ax = plotting.plot_loss_curves(diverged_history, log=False)
    (marker,) = x_markers(ax)
    assert list(marker.get_xdata()) == [diverged_history.diverged_epoch]
    assert np.isfinite(marker.get_ydata()).all()
    assert f"diverged at epoch {diverged_history.diverged_epoch}" in legend_texts(ax)
    assert ax.get_yscale() == "linear"


def test_validation_metrics_and_given_axes(moons):
    X, y = moons
    model = MLP((2, 8, 2), activation="tanh", rng=3)
    history = fit(
        model,
        X[:90],
        y[:90],
        learning_rate=0.5,
        batch_size=30,
        epochs=4,
        rng=4,
        validation_data=(X[90:], y[90:]),
        progress=False,
    )
    fig, ax = plt.subplots()
    n_figures = len(plt.get_fignums())
    returned = plotting.plot_loss_curves({"tanh": history}, ax=ax, metric="val_accuracy")
    assert returned is ax and len(plt.get_fignums()) == n_figures
    (line,) = data_lines(ax)
    np.testing.assert_allclose(line.get_ydata(), history.val_accuracy)
    assert ax.get_ylabel() == "validation accuracy" and ax.get_yscale() == "linear"


def test_loss_curve_errors(good_history):
    with pytest.raises(ValueError, match="has no val_loss values .trained without validation"):
        plotting.plot_loss_curves({"run": good_history}, metric="val_loss")
    with pytest.raises(ValueError, match="per='step' is only available for metric='loss'"):
        plotting.plot_loss_curves(good_history, per="step", metric="train_accuracy")
    with pytest.raises(ValueError, match="unknown per 'batch'"):
        plotting.plot_loss_curves(good_history, per="batch")
    with pytest.raises(TypeError, match=r"histories must be a History .*, got \[1\.0, 0\.5\]"):
        plotting.plot_loss_curves([1.0, 0.5])
    with pytest.raises(TypeError, match=r"histories\['a'\] must be a History .*, got 3 \(int\)"):
        plotting.plot_loss_curves({"a": 3})
    with pytest.raises(ValueError, match="empty dict"):
        plotting.plot_loss_curves({})
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plotting.plot_loss_curves(good_history, ax="left")


# ----------------------------------------------------------------- descent in 1-D


@pytest.fixture(scope="module")
def line_data():
    return make_line(40, slope=2.0, noise=0.3, rng=5)


def test_descent_1d_draws_the_curve_and_numbered_steps(line_data):
    x, y = line_data
    curvature = 2 * np.mean(x * x)  # L''(w); steps bounce across the minimum above 1/L''
    trajectory = one_param.gradient_descent(x, y, 0.0, 1.6 / curvature, n_steps=5)
    ax = plotting.plot_descent_1d(trajectory, lambda w: one_param.loss(w, x, y))
    curve, steps = ax.get_lines()
    np.testing.assert_allclose(steps.get_xdata(), trajectory.w)
    np.testing.assert_allclose(steps.get_ydata(), trajectory.loss)
    np.testing.assert_allclose(curve.get_ydata(), one_param.loss(curve.get_xdata(), x, y))
    assert (
        curve.get_xdata().min() < trajectory.w.min() < trajectory.w.max() < curve.get_xdata().max()
    )
    numbers = {t.get_text(): t.xy for t in ax.texts}
    assert sorted(numbers, key=int) == ["0", "1", "2", "3", "4", "5"]
    for k, (w, L) in numbers.items():
        assert (w, L) == (trajectory.w[int(k)], trajectory.loss[int(k)])
    assert "learning rate" in steps.get_label()
    assert ax.get_xlabel() == "w" and ax.get_ylabel() == "L(w)"


def test_descent_1d_numbers_only_the_first_steps_and_skips_bunched_ones(line_data):
    x, y = line_data
    trajectory = one_param.gradient_descent(x, y, 0.0, 0.05, n_steps=60)
    ax = plotting.plot_descent_1d(trajectory, lambda w: one_param.loss(w, x, y), max_labels=20)
    numbers = sorted(int(t.get_text()) for t in ax.texts)
    assert numbers[:2] == [0, 1] and max(numbers) < 20
    assert len(numbers) < 20  # late steps sit on top of each other near the minimum


def test_descent_1d_leaves_out_a_diverged_tail_and_accepts_scalar_loss(line_data):
    x, y = line_data
    with pytest.warns(DivergenceWarning):
        trajectory = one_param.gradient_descent(x, y, 0.0, 1e3, n_steps=400)
    finite = np.isfinite(trajectory.w)
    assert not finite.all()
    # the steps drawn: finite, and small enough for an axis (|w|, |L| <= 1e300)
    drawn = (np.abs(trajectory.w) <= 1e300) & (np.abs(trajectory.loss) <= 1e300)
    assert drawn.sum() < finite.sum()  # this run reaches 1e300 before it overflows
    ax = plotting.plot_descent_1d(
        trajectory,
        lambda w: float(one_param.loss(float(w), x, y)),
        w_range=(-5, 5),
        max_labels=0,
    )
    curve, steps = ax.get_lines()
    assert len(steps.get_xdata()) == drawn.sum()
    assert curve.get_xdata()[0] == -5 and curve.get_xdata()[-1] == 5
    assert len(ax.texts) == 0


def test_descent_1d_errors(line_data):
    x, y = line_data
    trajectory = one_param.gradient_descent(x, y, 0.0, 0.1, n_steps=3)
    with pytest.raises(TypeError, match="loss_fn must be a function"):
        plotting.plot_descent_1d(trajectory, 3.0)
    with pytest.raises(ValueError, match=r"w_range must be finite with low < high, got \(2, 1\)"):
        plotting.plot_descent_1d(trajectory, lambda w: w, w_range=(2, 1))


# ----------------------------------------------------------------- descent in 2-D


def test_descent_2d_contours_paths_and_minimum():
    from gdcode.surfaces import Rosenbrock, optimize_2d

    surface = Rosenbrock()
    start = np.array([-1.5, 2.0])
    paths = {
        "momentum": optimize_2d(surface, start, "momentum", 60, learning_rate=1e-3),
        "adam": optimize_2d(surface, start, "adam", 60, learning_rate=0.05),
    }
    ax = plotting.plot_descent_2d(surface, paths)
    assert len(ax.collections) == 1  # the contour set
    assert legend_texts(ax) == ["momentum", "adam", "start", "minimum"]
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["adam"].get_xydata(), paths["adam"])
    np.testing.assert_allclose(lines["minimum"].get_xydata(), [surface.minimum])
    np.testing.assert_allclose(lines["start"].get_xydata(), [[-1.5, 2.0]])
    x0, x1 = ax.get_xlim()
    every = np.vstack(list(paths.values()))
    assert x0 < every[:, 0].min() and every[:, 0].max() < x1


def test_descent_2d_given_limits_levels_and_errors():
    from gdcode.surfaces import Quadratic

    surface = Quadratic()
    path = np.array([[2.0, 1.0], [1.0, -0.5], [np.nan, np.nan]])
    ax = plotting.plot_descent_2d(surface, {"gd": path}, xlim=(-3, 3), ylim=(-2, 2), levels=5)
    assert ax.get_xlim() == (-3, 3) and ax.get_ylim() == (-2, 2)
    gd = next(line for line in ax.get_lines() if line.get_label() == "gd (diverged)")
    assert len(gd.get_xdata()) == 2  # the non-finite point is left out
    with pytest.raises(ValueError, match=r"paths\['gd'\] must have shape \(k, 2\), got \(3, 3\)"):
        plotting.plot_descent_2d(surface, {"gd": np.zeros((3, 3))})
    with pytest.raises(TypeError, match="surface must have a value"):
        plotting.plot_descent_2d(lambda p: p, {"gd": path})


# ----------------------------------------------------------------- comparison bars


def test_comparison_bars_labels_and_values():
    values = {"sgd": 0.91, "momentum": 0.95, "learning rate 100": float("nan")}
    ax = plotting.plot_comparison(values, ylabel="test accuracy", title="optimisers")
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == [0.91, 0.95, 0.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(values)
    assert [t.get_text() for t in ax.texts] == ["0.91", "0.95", "nan"]
    assert ax.get_ylabel() == "test accuracy" and ax.get_title() == "optimisers"


def test_comparison_errors():
    with pytest.raises(TypeError, match="values must be a non-empty dict"):
        plotting.plot_comparison([1, 2])
    with pytest.raises(TypeError, match=r"values\['adam'\] must be a number, got 'fast'"):
        plotting.plot_comparison({"adam": "fast"})


# ----------------------------------------------------------------- digits


def test_digits_grid_with_labels_and_predictions():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(20, 784))
    y = np.arange(20) % 10
    predictions = y.copy()
    predictions[[2, 5]] = 7
    fig = plotting.plot_digits(X, y, n=10, predictions=predictions, ncols=4)
    assert len(fig.axes) == 10
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "0" and titles[2] == "7 (true 2)" and titles[5] == "7 (true 5)"
    assert fig.axes[2].title.get_color() == "red" and fig.axes[0].title.get_color() == "black"
    (image,) = fig.axes[3].get_images()
    np.testing.assert_array_equal(image.get_array(), X[3].reshape(28, 28))


def test_digits_title_variants_and_existing_figure():
    X = np.zeros((3, 28, 28))
    assert [a.get_title() for a in plotting.plot_digits(X).axes] == ["", "", ""]
    assert [a.get_title() for a in plotting.plot_digits(X, y=[1, 2, 3]).axes] == ["1", "2", "3"]
    fig = plt.figure()
    returned = plotting.plot_digits(X, predictions=[4, 5, 6], fig=fig)
    assert returned is fig
    assert [a.get_title() for a in fig.axes] == ["pred 4", "pred 5", "pred 6"]


def test_digits_errors():
    with pytest.raises(ValueError, match="X has 783 features per row, which is not a square"):
        plotting.plot_digits(np.zeros((2, 783)))
    with pytest.raises(ValueError, match="y has 3 entries; X has 2 images"):
        plotting.plot_digits(np.zeros((2, 784)), y=[1, 2, 3])
    with pytest.raises(ValueError, match="n must be >= 1, got 0"):
        plotting.plot_digits(np.zeros((2, 784)), n=0)


def test_only_the_plotting_module_imports_matplotlib():
    from pathlib import Path

    package = Path(plotting.__file__).parent
    importing = sorted(
        path.name
        for path in package.glob("*.py")
        if "import matplotlib" in path.read_text("utf-8")
        or "from matplotlib" in path.read_text("utf-8")
    )
    assert importing == ["plotting.py"]


# ----------------------------------------------------------------- diverged runs, bad arguments


def test_a_diverged_2d_path_plots_quietly():
    from gdcode.surfaces import Quadratic, optimize_2d

    surface = Quadratic(a=1.0, b=10.0)
    with pytest.warns(DivergenceWarning):
        path = optimize_2d(surface, [1.0, 1.0], "sgd", 400, learning_rate=1.0)
    assert np.isnan(path[-1]).all() and np.nanmax(np.abs(path)) > 1e300
    # pytest turns any RuntimeWarning into an error: the overflow must stay inside
    huge = np.array([[1.0, 1.0], [-3.0, 1e100], [1e200, -1e200], [np.inf, np.inf]])
    ax = plotting.plot_descent_2d(surface, {"gd": path, "by hand": huge})
    assert legend_texts(ax)[:2] == ["gd (diverged)", "by hand (diverged)"]
    by_hand = next(line for line in ax.get_lines() if line.get_label() == "by hand (diverged)")
    assert len(by_hand.get_xdata()) == 3  # inf is left out; 1e200 is drawn
    ax.figure.canvas.draw()


def test_a_diverged_1d_run_plots_without_w_range(line_data):
    x, y = line_data
    with pytest.warns(DivergenceWarning):
        trajectory = one_param.gradient_descent(x, y, 0.0, 1e3, n_steps=400)
    ax = plotting.plot_descent_1d(trajectory, lambda w: one_param.loss(w, x, y))
    ax.figure.canvas.draw()
    low, high = ax.get_xlim()
    assert high - low > 1e100  # the window follows the run out to where it was drawn


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"levels": "many"}, TypeError, r"levels must be a number of levels or a list"),
        ({"levels": 0}, ValueError, r"levels must be >= 1, got 0"),
        ({"levels": [3.0, 1.0]}, ValueError, r"levels must be increasing, got \[3\.0, 1\.0\]"),
        ({"levels": [1.0, np.nan]}, ValueError, r"levels contains NaN"),
        ({"xlim": (0, 1e308)}, ValueError, r"xlim must lie within \+-1e\+300"),
        ({"ylim": "ab"}, TypeError, r"ylim must be a pair of numbers"),
        ({"paths": {"gd": [[1.0, 2.0], [3.0]]}}, ValueError,
         r"paths\['gd'\] must be a rectangular array"),
    ],
)
def test_descent_2d_argument_errors(kwargs, error, match):
    from gdcode.surfaces import Quadratic

    arguments = {"surface": Quadratic(), "paths": {"gd": np.zeros((2, 2))}, **kwargs}
    with pytest.raises(error, match=match):
        plotting.plot_descent_2d(**arguments)


@pytest.mark.parametrize(
    ("fmt", "error", "match"),
    [
        ("{:d}", ValueError, r"fmt must format one number.*'\{:d\}' gives ValueError"),
        ("{0} {1}", ValueError, r"fmt must format one number.*gives IndexError"),
        ("{name}", ValueError, r"fmt must format one number.*gives KeyError"),
        (3, TypeError, r"fmt must be a format string such as '\{:.3g\}', got 3"),
    ],
)
def test_comparison_bad_fmt(fmt, error, match):
    with pytest.raises(error, match=match):
        plotting.plot_comparison({"a": 1.0}, fmt=fmt)


def test_comparison_of_huge_values_labels_them_without_a_bar():
    ax = plotting.plot_comparison({"ok": 0.5, "diverged": 1e305, "int": 10**400})
    assert [bar.get_height() for bar in ax.patches] == [0.5, 0.0, 0.0]
    assert [t.get_text() for t in ax.texts] == ["0.5", "1e+305", "inf"]
    with pytest.raises(TypeError, match=r"title must be a string or None, got 3"):
        plotting.plot_comparison({"a": 1.0}, title=3)


def test_plot_weight_images_one_symmetric_scale_per_figure():


    W = np.zeros((784, 5))
    W[0, 0], W[1, 3] = 2.0, -0.5
    fig = plotting.plot_weight_images(W, n=4, ncols=2)
    images = [ax.images[0] for ax in fig.axes]
    assert len(images) == 4
    assert all(im.get_clim() == (-2.0, 2.0) for im in images)
    assert images[0].get_array()[0, 0] == 2.0 and images[3].get_array()[0, 1] == -0.5
    plt.close(fig)


@pytest.mark.parametrize(
    ("W", "kwargs", "message"),
    [
        (np.zeros((783, 3)), {}, "W has 783 rows"),
        (np.zeros(784), {}, "W"),
        (np.full((784, 2), np.inf), {}, "W"),
        (np.zeros((784, 2)), {"n": 0}, "n must be"),
    ],
)
def test_plot_weight_images_rejects_bad_input(W, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plotting.plot_weight_images(W, **kwargs)
