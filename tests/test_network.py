"""The MLP: initialisation, forward pass, backpropagation (checked by finite differences)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gdcode import MLP, GradCheckResult, gradient_check, numerical_gradients


def make_batch(rng, n=6, n_in=4, loss="cross_entropy", n_out=3):
    X = rng.normal(size=(n, n_in))
    if loss == "cross_entropy":
        y = rng.integers(0, n_out, size=n)
    elif loss == "binary_cross_entropy":
        y = rng.integers(0, 2, size=n)
    else:
        y = rng.normal(size=(n, n_out))
    return X, y


# --------------------------------------------------------------------------- structure


def test_parameters_have_the_book_shapes():
    model = MLP((784, 128, 64, 10), rng=0)
    assert [p.shape for p in model.params] == [
        (784, 128), (128,), (128, 64), (64,), (64, 10), (10,)
    ]
    assert model.n_params == 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10
    assert model.n_layers == 3
    assert all(np.all(b == 0) for b in model.biases)


def test_params_are_the_live_arrays():
    model = MLP((3, 2), rng=0)
    model.params[0][0, 0] = 42.0
    assert model.weights[0][0, 0] == 42.0


@pytest.mark.parametrize(("activation", "std"), [("relu", np.sqrt(2 / 400)),
                                                 ("tanh", np.sqrt(2 / 600))])
def test_initial_scale_is_he_or_glorot(activation, std):
    model = MLP((400, 200), activation=activation, rng=0)
    # 80000 draws: the sample std is within 1 % of the target
    assert model.weights[0].std() == pytest.approx(std, rel=0.01)


def test_seed_reproduces_and_dtype_only_rounds():
    a, b = MLP((5, 4, 3), rng=7), MLP((5, 4, 3), rng=7)
    c = MLP((5, 4, 3), rng=8)
    d = MLP((5, 4, 3), rng=7, dtype=np.float32)
    np.testing.assert_array_equal(a.get_flat(), b.get_flat())
    assert not np.array_equal(a.get_flat(), c.get_flat())
    assert all(p.dtype == np.float32 for p in d.params)
    np.testing.assert_allclose(d.get_flat(), a.get_flat(), rtol=1e-6)


def test_generator_is_used_not_global_state():
    # the legacy global generator must not move when networks are built
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    MLP((3, 2), rng=np.random.default_rng(1))
    MLP((3, 2), rng=None)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_repr_shows_the_hyperparameters():
    model = MLP((784, 128, 64, 10), activation="relu", dtype=np.float32)
    assert repr(model) == (
        "MLP(layer_sizes=(784, 128, 64, 10), activation='relu', loss='cross_entropy', "
        "dtype=float32)"
    )


def test_copy_is_independent_and_can_change_dtype():
    model = MLP((3, 4, 2), rng=0)
    twin = model.copy()
    twin.weights[0] += 1.0
    assert not np.allclose(twin.weights[0], model.weights[0])
    single = model.copy(dtype=np.float32)
    assert single.dtype == np.float32 and single.weights[0].dtype == np.float32
    assert model.dtype == np.float64


def test_flat_round_trip():
    model = MLP((3, 4, 2), rng=0)
    flat = model.get_flat()
    assert flat.shape == (model.n_params,)
    model.set_flat(np.arange(model.n_params, dtype=float))
    assert model.weights[0][0, 1] == 1.0 and model.biases[-1][-1] == model.n_params - 1
    model.set_flat(flat)
    np.testing.assert_array_equal(model.get_flat(), flat)
    with pytest.raises(ValueError, match=r"values has 3 entries; the network has 26"):
        model.set_flat(np.zeros(3))


# --------------------------------------------------------------------------- forward


def test_forward_gives_probabilities(rng):
    model = MLP((4, 5, 3), rng=0)
    X = rng.normal(size=(7, 4))
    P = model.forward(X)
    assert P.shape == (7, 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.predict(X), model.logits(X).argmax(axis=1))


def test_forward_by_hand():
    model = MLP((2, 2, 1), activation="relu", loss="mse", rng=0)
    model.set_flat(np.array([1.0, -1.0, 2.0, 0.5,   # W1 = [[1, -1], [2, 0.5]]
                             0.0, 1.0,              # b1
                             3.0, -2.0,             # W2 = [[3], [-2]]
                             0.5]))                 # b2
    # x = (1, 1): Z1 = (1 + 2, -1 + 0.5) + (0, 1) = (3, 0.5); A1 = relu = (3, 0.5)
    # Z2 = 3*3 - 2*0.5 + 0.5 = 8.5
    np.testing.assert_allclose(model.forward([[1.0, 1.0]]), [[8.5]])
    np.testing.assert_allclose(model.predict([[1.0, 1.0]]), [8.5])


def test_binary_network_outputs_one_probability(rng):
    model = MLP((3, 4, 1), activation="sigmoid", loss="binary_cross_entropy", rng=0)
    X = rng.normal(size=(5, 3))
    P = model.forward(X)
    assert P.shape == (5, 1) and np.all((P > 0) & (P < 1))
    np.testing.assert_array_equal(model.predict(X), (P[:, 0] > 0.5).astype(int))


def test_dtypes():
    X64 = np.ones((2, 3))
    single = MLP((3, 2), rng=0, dtype=np.float32)
    assert single.forward(X64).dtype == np.float32
    _, grads = single.loss_and_gradients(X64, [0, 1])
    assert all(g.dtype == np.float32 for g in grads)
    double = MLP((3, 2), rng=0)
    assert double.forward(X64.astype(np.float32)).dtype == np.float64


# --------------------------------------------------------------------------- backprop


CONFIGS = [
    ("relu", "cross_entropy", 3),
    ("tanh", "cross_entropy", 3),
    ("sigmoid", "cross_entropy", 3),
    ("tanh", "binary_cross_entropy", 1),
    ("sigmoid", "binary_cross_entropy", 1),
    ("identity", "mse", 2),
    ("tanh", "mse", 2),
    ("relu", "mse", 1),
]


@pytest.mark.parametrize(("activation", "loss", "n_out"), CONFIGS)
def test_backprop_matches_finite_differences(activation, loss, n_out, rng):
    model = MLP((4, 5, 3, n_out), activation=activation, loss=loss, rng=1)
    X, y = make_batch(rng, loss=loss, n_out=n_out)
    loss_value, grads = model.loss_and_gradients(X, y)
    assert loss_value == pytest.approx(model.loss(X, y))
    numeric = numerical_gradients(model, X, y)
    assert [g.shape for g in grads] == [p.shape for p in model.params]
    for analytic, estimate in zip(grads, numeric, strict=True):
        np.testing.assert_allclose(analytic, estimate, rtol=1e-5, atol=1e-8)
    result = gradient_check(model, X, y)
    assert result.passed, str(result)
    assert result.max_relative_error < 1e-7
    assert result.n_checked == model.n_params


# ------------------------------------------------------- the loops the book shows


def test_forward_keeps_every_Z_and_A_of_the_equations(rng):
    model = MLP((4, 5, 3, 2), activation="tanh", rng=1)
    X = rng.normal(size=(6, 4))
    Z, A = model._forward(X)
    assert sorted(Z) == [1, 2, 3] and sorted(A) == [0, 1, 2]  # Z_1..Z_D, A_0..A_{D-1}
    assert A[0] is X
    A_prev = X
    for layer, (W, b) in enumerate(zip(model.weights, model.biases, strict=True), start=1):
        Z_layer = A_prev @ W + b
        np.testing.assert_allclose(Z[layer], Z_layer, rtol=1e-14)
        A_prev = np.tanh(Z_layer)
        if layer < 3:
            np.testing.assert_allclose(A[layer], A_prev, rtol=1e-14)
    np.testing.assert_array_equal(Z[3], model.logits(X))


@pytest.mark.parametrize(("activation", "loss", "n_out"), CONFIGS)
def test_backward_gives_the_finite_difference_gradient(activation, loss, n_out, rng):
    model = MLP((4, 5, 3, n_out), activation=activation, loss=loss, rng=1)
    X, y = make_batch(rng, loss=loss, n_out=n_out)
    Z, A = model._forward(model._check_X(X))
    _, dZ = model._loss_fn(Z[model.n_layers], model._check_y(y, len(X)))
    grads = model._backward(Z, A, dZ)
    for analytic, estimate in zip(grads, numerical_gradients(model, X, y), strict=True):
        np.testing.assert_allclose(analytic, estimate, rtol=1e-5, atol=1e-8)
    # and it is exactly what the public method returns
    for a, b in zip(grads, model.loss_and_gradients(X, y)[1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_relu_derivative_mask_is_relu_grad(rng):
    from gdcode.activations import relu_grad

    model = MLP((4, 5, 3), activation="relu", rng=0, dtype=np.float32)
    Z = rng.normal(size=(50, 5)).astype(np.float32)
    Z[0, :3] = 0.0  # f'(0) = 0, like relu_grad
    dA = rng.normal(size=(50, 5)).astype(np.float32)
    assert model._f_grad(Z).dtype == bool
    np.testing.assert_array_equal(model._f_grad(Z), relu_grad(Z))
    product = dA * model._f_grad(Z)
    assert product.dtype == np.float32
    np.testing.assert_array_equal(product, dA * relu_grad(Z))


def test_the_loops_the_book_includes_read_like_the_equations():
    """The chapter shows these methods; keep them one line per equation, with no buffers."""
    import inspect
    from pathlib import Path

    forward, backward = inspect.getsource(MLP._forward), inspect.getsource(MLP._backward)
    for line in ("Z[l] = A[l - 1] @ W[l] + b[l]", "A[l] = f(Z[l])"):
        assert line in forward
    for line in ("dW[l] = A[l - 1].T @ dZ", "db[l] = dZ.sum(axis=0)", "dA = dZ @ W[l].T",
                 "dZ = dA * f_grad(Z[l - 1])"):
        assert line in backward
    for source in (forward, backward):
        assert "out=" not in source and "errstate" not in source and "CHUNK" not in source
    chapter = Path(__file__).resolve().parents[1] / "book/chapters/w3d5-backpropagation.md"
    for name in ("MLP._loss_and_gradients", "MLP._forward", "MLP._backward"):
        assert f":pyobject: {name}\n" in chapter.read_text(encoding="utf-8")


def test_gradient_check_catches_a_wrong_derivative(rng):
    model = MLP((4, 5, 3), activation="tanh", rng=1)
    X, y = make_batch(rng)
    model._f_grad = lambda Z, out=None: np.ones_like(Z)  # pretend tanh' = 1: wrong
    result = gradient_check(model.copy(), X, y)
    assert not result.passed
    assert result.max_relative_error > 1e-2
    assert "FAILED" in str(result)


def test_gradient_check_on_the_book_network_with_sampled_entries(rng):
    model = MLP((784, 128, 64, 10), rng=0, dtype=np.float32)
    X, y = rng.random((4, 784)), rng.integers(0, 10, size=4)
    result = gradient_check(model, X, y, max_per_param=5, rng=0, tolerance=1e-5)
    assert isinstance(result, GradCheckResult)
    assert result.passed, str(result)
    assert result.n_checked == 5 * 5 + 5  # the last bias has only 10 entries, 5 checked
    assert len(result.per_param) == 6
    assert model.dtype == np.float32  # checked on a float64 copy


def test_loss_and_gradients_leave_the_parameters_alone(rng):
    model = MLP((4, 5, 3), rng=1)
    before = model.get_flat()
    X, y = make_batch(rng)
    model.loss_and_gradients(X, y)
    numerical_gradients(model, X, y)
    np.testing.assert_array_equal(model.get_flat(), before)


def test_accuracy_by_hand():
    model = MLP((2, 2), loss="cross_entropy", activation="identity", rng=0)
    model.set_flat(np.array([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]))  # logits = x
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    assert model.accuracy(X, [0, 1, 1, 1]) == 0.75
    regression = MLP((2, 1), loss="mse", rng=0)
    with pytest.raises(ValueError, match=r"accuracy needs a classification network"):
        regression.accuracy(X, [0, 1, 1, 1])


# --------------------------------------------------------------------------- checks


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"layer_sizes": (784,)}, ValueError, r"layer_sizes needs at least an input and an output"),
        ({"layer_sizes": (784, 0, 10)}, ValueError, r"layer_sizes\[1\] must be >= 1, got 0"),
        ({"layer_sizes": (784, 12.5, 10)}, TypeError, r"layer_sizes\[1\] must be an integer"),
        ({"layer_sizes": (784, True, 10)}, TypeError, r"layer_sizes\[1\] must be an integer"),
        ({"layer_sizes": "784-10"}, TypeError, r"layer_sizes must be a sequence of ints"),
        ({"layer_sizes": 784}, TypeError, r"layer_sizes must be a sequence of ints"),
        ({"activation": "swish"}, ValueError, r"unknown activation 'swish'"),
        ({"loss": "hinge"}, ValueError, r"unknown loss 'hinge'"),
        ({"loss": "binary_cross_entropy"}, ValueError,
         r"loss='binary_cross_entropy' needs 1 output unit; layer_sizes ends with 10"),
        ({"layer_sizes": (3, 1)}, ValueError, r"loss='cross_entropy' needs one output unit"),
        ({"dtype": np.float16}, ValueError, r"dtype must be numpy.float32 or numpy.float64"),
        ({"dtype": "banana"}, TypeError, r"dtype must be numpy.float32 or numpy.float64"),
        ({"rng": "seed"}, TypeError, r"rng must be a numpy.random.Generator, an int seed or None"),
        ({"rng": -1}, ValueError, r"rng seed must be >= 0, got -1"),
    ],
)
def test_constructor_checks(kwargs, error, match):
    arguments = {"layer_sizes": (784, 16, 10), **kwargs}
    with pytest.raises(error, match=match):
        MLP(**arguments)


@pytest.fixture(scope="module")
def book_model():
    return MLP((784, 16, 10), rng=0)


@pytest.mark.parametrize(
    ("X", "y", "error", "match"),
    [
        (np.zeros((5, 783)), np.zeros(5, int), ValueError,
         r"X has 783 features; the network expects 784"),
        (np.zeros(784), np.zeros(1, int), ValueError,
         r"X must be a 2-D array \(n_samples, n_features\), got shape \(784,\)"),
        (np.full((2, 784), np.nan), np.zeros(2, int), ValueError,
         r"X contains NaN or infinity \(1568 entries, first at index \(0, 0\): nan\)"),
        (np.zeros((5, 784)), np.zeros(4, int), ValueError, r"y has 4 samples; X has 5"),
        (np.zeros((2, 784)), np.array([0, 10]), ValueError,
         r"y has labels outside 0\.\.9: found 10"),
        (np.zeros((2, 784)), np.eye(10)[:2], ValueError,
         r"y must hold integer class labels.*one-hot rows\? use y.argmax\(axis=1\)"),
        (np.zeros((2, 784)), np.array(["a", "b"]), TypeError, r"y must be a numeric array"),
    ],
)
def test_data_checks(book_model, X, y, error, match):
    with pytest.raises(error, match=match):
        book_model.loss_and_gradients(X, y)


def test_regression_and_binary_target_checks():
    regression = MLP((3, 2), loss="mse", rng=0)
    with pytest.raises(ValueError, match=r"y has shape \(4,\); the network has 2 output"):
        regression.loss(np.zeros((4, 3)), np.zeros(4))
    binary = MLP((3, 1), loss="binary_cross_entropy", rng=0)
    with pytest.raises(ValueError, match=r"y has labels outside 0\.\.1: found 2"):
        binary.loss(np.zeros((2, 3)), [0, 2])


def test_gradient_check_checks_its_arguments(rng):
    model = MLP((3, 2), rng=0)
    X, y = rng.normal(size=(2, 3)), [0, 1]
    with pytest.raises(ValueError, match=r"eps must be > 0, got 0.0"):
        gradient_check(model, X, y, eps=0.0)
    with pytest.raises(ValueError, match=r"tolerance must be > 0, got -1.0"):
        gradient_check(model, X, y, tolerance=-1.0)
    with pytest.raises(ValueError, match=r"max_per_param must be >= 1, got 0"):
        gradient_check(model, X, y, max_per_param=0)
    with pytest.raises(TypeError, match=r"model must be a gdcode MLP, got \{\} \(dict\)"):
        numerical_gradients({}, X, y)


def test_a_diverged_network_predicts_quietly():
    model = MLP((3, 4, 2), rng=0, dtype=np.float32)
    model.weights[0][...] = 3e38  # as after a run with a huge learning rate
    X = np.ones((2, 3))
    assert np.all(np.isnan(model.forward(X)))  # no overflow warning escapes (they are errors)
    assert model.predict(X).shape == (2,)
    assert np.isnan(model.loss(X, [0, 1]))


@pytest.mark.parametrize(("n", "capacity"), [(10, 3), (12, 4), (7, 7), (5, 8)])
def test_chunked_batches_give_the_same_loss_and_gradients(n, capacity, rng, monkeypatch):
    from gdcode import network

    model = MLP((4, 6, 3), activation="tanh", rng=0)
    X, y = make_batch(rng, n=n)
    loss, whole = model._loss_and_gradients(X, y)  # one forward and backward pass
    monkeypatch.setattr(network, "CHUNK_ROWS", capacity)
    chunks = network._chunks(n)
    assert chunks[0][0] == 0 and chunks[-1][1] == n
    starts, stops = [start for start, _ in chunks], [stop for _, stop in chunks]
    assert stops[:-1] == starts[1:]  # each chunk starts where the last one stopped
    assert max(stop - start for start, stop in chunks) <= capacity
    assert len(chunks) == -(-n // capacity)  # as few chunks as the limit allows
    chunk_loss, chunked = model._batch_loss_and_gradients(X, y)
    assert chunk_loss == pytest.approx(loss, rel=1e-12)
    for a, b in zip(whole, chunked, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-15)


def test_a_big_full_batch_is_chunked_but_exact(rng):
    from gdcode.network import CHUNK_ROWS

    n = CHUNK_ROWS + 808  # two chunks
    X, y = rng.normal(size=(n, 4)), rng.integers(0, 3, size=n)
    model = MLP((4, 5, 3), rng=0)
    loss, grads = model.loss_and_gradients(X, y)
    assert loss == pytest.approx(model.loss(X, y), rel=1e-12)
    # the same gradient from the plain formulas: dZ_L = (P - Y)/n, back through one layer
    W1, b1, W2, b2 = model.params
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0)
    P = model.forward(X)
    dZ2 = (P - np.eye(3)[y]) / n
    dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
    for analytic, plain in zip(grads, [X.T @ dZ1, dZ1.sum(0), A1.T @ dZ2, dZ2.sum(0)],
                               strict=True):
        np.testing.assert_allclose(analytic, plain, rtol=1e-9, atol=1e-14)


# ------------------------------------------------- the chunks of a big batch, on threads


def _blas_threads():
    from threadpoolctl import threadpool_info

    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def _chunks_run_on(monkeypatch, X, y, model):
    """Which threads ran the chunks of one big-batch step."""
    from gdcode import network

    names = []
    forward = MLP._forward

    def spy(self, X_chunk):
        import threading

        names.append(threading.current_thread().name)
        return forward(self, X_chunk)

    monkeypatch.setattr(MLP, "_forward", spy)
    model._batch_loss_and_gradients(X, model._check_y(y, len(X)))
    monkeypatch.setattr(MLP, "_forward", forward)
    assert len(names) == len(network._chunks(len(X)))
    return names


def test_big_batches_share_their_chunks_among_threads_and_give_the_same_numbers(
        rng, monkeypatch):
    from threadpoolctl import threadpool_limits

    from gdcode import network

    n = 3 * network.CHUNK_ROWS + 5
    X, y = rng.normal(size=(n, 6)), rng.integers(0, 3, size=n)
    model = MLP((6, 7, 5, 3), rng=0)
    before = _blas_threads()
    with threadpool_limits(2, user_api="blas"):
        names = _chunks_run_on(monkeypatch, X, y, model)
        assert all(name.startswith("gdcode-chunk") for name in names)
        shared = model.loss_and_gradients(X, y)
        again = model.loss_and_gradients(X, y)
        assert _blas_threads() == [2] * len(before)  # BLAS gets its threads back
    with threadpool_limits(1, user_api="blas"):  # one BLAS thread: nothing to share
        assert set(_chunks_run_on(monkeypatch, X, y, model)) == {"MainThread"}
        alone = model.loss_and_gradients(X, y)
    # the same numbers whichever thread ran a chunk: added up in chunk order
    assert shared[0] == again[0]
    for a, b, c in zip(shared[1], again[1], alone[1], strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-15)
    assert _blas_threads() == before


def test_threads_keep_the_callers_errstate_and_pass_errors_on(rng, monkeypatch):
    from threadpoolctl import threadpool_limits

    from gdcode import network

    n = 2 * network.CHUNK_ROWS + 1
    X, y = rng.normal(size=(n, 3)), rng.integers(0, 2, size=n)
    model = MLP((3, 4, 2), rng=0)
    for W in model.weights:
        W *= 1e200  # a diverged network: overflow in every chunk, on every thread
    with threadpool_limits(2, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not np.isfinite(model.logits(X)).all()  # quietly inf/NaN, no RuntimeWarning
        model.loss(X, y)

        def boom(self, X_chunk):
            raise MemoryError(f"chunk of {len(X_chunk)} rows")

        monkeypatch.setattr(MLP, "_forward", boom)
        with pytest.raises(MemoryError, match="chunk of"):
            model.logits(X)
        monkeypatch.undo()
        assert model.logits(X[:5]).shape == (5, 2)  # the pool still works after an error
        assert model.logits(X).shape == (n, 2)
        assert set(_blas_threads()) == {2}  # and BLAS got its threads back after the error


def _forked_problem():
    from gdcode import network

    rng = np.random.default_rng(1)
    n = 2 * network.CHUNK_ROWS + 3
    return rng.normal(size=(n, 3)), rng.integers(0, 2, size=n)


def _loss_in_child(queue):
    X, y = _forked_problem()
    queue.put(MLP((3, 4, 2), rng=0).loss_and_gradients(X, y)[0])


# Python 3.12+ warns that fork() in a process with threads may deadlock: the test shows
# that gdcode's does not (its thread pool is dropped in the child and made anew).
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_makes_its_own_threads():
    import multiprocessing

    from threadpoolctl import threadpool_limits

    X, y = _forked_problem()
    with threadpool_limits(2, user_api="blas"):
        expected = MLP((3, 4, 2), rng=0).loss_and_gradients(X, y)[0]  # the pool exists now
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        child = context.Process(target=_loss_in_child, args=(queue,))
        child.start()
        try:
            child.join(timeout=60)
            assert child.exitcode == 0  # a pool inherited from the parent would hang it
            assert queue.get(timeout=5) == pytest.approx(expected, rel=1e-12)
        finally:
            child.kill()
