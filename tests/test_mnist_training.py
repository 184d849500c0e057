"""The book's MNIST experiments, on the bundled subset of real digits.

The 784-128-64-10 network must learn in a few epochs, learning rate 100 must come back
as a diverged (and plottable) run, and learning rate 1e-7 must barely move.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import gdcode as gd
from gdcode.plotting import plot_loss_curves

LAYERS = (784, 128, 64, 10)
STATED_ACCURACY = 0.85  # what the test promises after 3 epochs of mini-batch SGD


@pytest.fixture(scope="module")
def mnist():
    data = gd.load_mnist(source="subset")
    assert data.source == "subset"
    return data


def test_network_reaches_the_stated_accuracy_in_three_epochs(mnist):
    model = gd.MLP(LAYERS, activation="relu", rng=0)
    untrained = model.accuracy(mnist.X_test, mnist.y_test)
    history = gd.fit(
        model, mnist.X_train, mnist.y_train, optimizer="sgd", learning_rate=0.1,
        batch_size=32, epochs=3, validation_data=(mnist.X_test, mnist.y_test), rng=0,
    )
    assert not history.diverged
    assert untrained < 0.3  # it starts out guessing
    assert history.val_accuracy[-1] >= STATED_ACCURACY, history.val_accuracy
    assert history.epoch_loss[-1] < history.epoch_loss[0]


def test_learning_rate_100_is_reported_as_diverged_and_still_plots(mnist):
    model = gd.MLP(LAYERS, activation="relu", rng=0)
    with pytest.warns(gd.DivergenceWarning, match=r"diverged at step \d+ .*learning_rate=100"):
        history = gd.fit(
            model, mnist.X_train, mnist.y_train, learning_rate=100, batch_size=128,
            epochs=20, rng=0,
        )
    assert history.diverged
    assert history.diverged_epoch == 1 and 1 <= history.diverged_step <= 10
    assert len(history.step_loss) == history.diverged_step  # stopped there
    ax = plot_loss_curves({"lr=100": history}, per="step")
    assert ax.get_lines(), "the diverged run must still draw a curve"


def test_learning_rate_1e_7_barely_moves(mnist):
    model = gd.MLP(LAYERS, activation="relu", rng=0)
    before = model.loss(mnist.X_train, mnist.y_train)
    weights = model.get_flat().copy()
    history = gd.fit(
        model, mnist.X_train, mnist.y_train, learning_rate=1e-7, batch_size=128,
        epochs=2, rng=0,
    )
    after = model.loss(mnist.X_train, mnist.y_train)
    assert not history.diverged
    assert abs(after - before) / before < 1e-3
    moved = np.max(np.abs(model.get_flat() - weights))
    assert 0 < moved < 1e-5  # it did step, just by almost nothing
