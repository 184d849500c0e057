"""gdcode.curvature: exact Hessian-vector products and the largest Hessian eigenvalue."""

import numpy as np
import pytest

import gdcode as gd
from gdcode import curvature


def _problem(activation, loss, sizes, seed=0):
    rng = np.random.default_rng(seed)
    model = gd.MLP(sizes, activation=activation, loss=loss, rng=seed + 1)
    X = rng.standard_normal((7, sizes[0]))
    if loss == "cross_entropy":
        y = rng.integers(0, sizes[-1], 7)
    elif loss == "binary_cross_entropy":
        y = rng.integers(0, 2, 7)
    else:
        y = rng.standard_normal((7, sizes[-1]))
    return model, X, y


def _flat_grad(model, X, y, w):
    twin = model.copy()
    twin.set_flat(w)
    return np.concatenate([g.ravel() for g in twin.loss_and_gradients(X, y)[1]])


CASES = [
    ("tanh", "cross_entropy", (3, 4, 3)),
    ("sigmoid", "binary_cross_entropy", (3, 5, 1)),
    ("tanh", "mse", (2, 3, 2)),
    ("relu", "cross_entropy", (3, 4, 4, 3)),
    ("identity", "mse", (4, 2)),
]


@pytest.mark.parametrize(("activation", "loss", "sizes"), CASES)
def test_hvp_matches_a_central_difference_of_gradients(activation, loss, sizes):
    model, X, y = _problem(activation, loss, sizes)
    v = np.random.default_rng(5).standard_normal(model.n_params)
    w0, eps = model.get_flat(), 1e-5
    fd = (_flat_grad(model, X, y, w0 + eps * v) - _flat_grad(model, X, y, w0 - eps * v)) / (2 * eps)
    hv = curvature.hessian_vector_product(model, X, y, v)
    assert np.max(np.abs(hv - fd)) <= 1e-7 * np.max(np.abs(fd))


def _dense_hessian(model, X, y, eps=1e-5):
    w0, n = model.get_flat(), model.n_params
    H = np.empty((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = eps
        H[:, j] = (_flat_grad(model, X, y, w0 + e) - _flat_grad(model, X, y, w0 - e)) / (2 * eps)
    return (H + H.T) / 2


@pytest.mark.parametrize(("activation", "loss", "sizes"), CASES[:3])
def test_largest_eigenvalue_matches_the_dense_hessian(activation, loss, sizes):
    model, X, y = _problem(activation, loss, sizes)
    expected = np.linalg.eigvalsh(_dense_hessian(model, X, y)).max()
    est = curvature.hessian_max_eigenvalue(model, X, y, rng=0, tol=1e-9, iterations=5000)
    assert est.converged
    assert est.lambda_max == pytest.approx(expected, rel=1e-5)
    assert est.learning_rate_limit == pytest.approx(2 / expected, rel=1e-5)


def test_a_dominant_negative_eigenvalue_is_shifted_away(monkeypatch):
    """Power iteration alone would return -5 (largest in size); the top eigenvalue is 3."""
    Q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))
    H = Q @ np.diag([-5.0, 3.0, 1.0]) @ Q.T
    model = gd.MLP((1, 1), activation="identity", loss="mse", rng=0)  # 2 params: unused
    monkeypatch.setattr(model.__class__, "n_params", property(lambda self: 3))
    monkeypatch.setattr(curvature, "_split", lambda model, v: [v])
    monkeypatch.setattr(curvature, "_hvp", lambda model, X, y, V: [H @ V[0]])
    est = curvature.hessian_max_eigenvalue(model, [[1.0]], [0.0], rng=0, tol=1e-12,
                                           iterations=2000)
    assert est.lambda_max == pytest.approx(3.0, rel=1e-6)
    assert est.converged


def test_mnist_sized_network_is_not_changed_and_float32_is_accepted():
    model, X, y = _problem("relu", "cross_entropy", (6, 5, 3))
    model32 = model.copy(dtype=np.float32)
    before = [p.copy() for p in model32.params]
    est = curvature.hessian_max_eigenvalue(model32, X.astype(np.float32), y, rng=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model32.params, strict=True))
    est64 = curvature.hessian_max_eigenvalue(model, X, y, rng=0)
    assert est.lambda_max == pytest.approx(est64.lambda_max, rel=1e-3)


def test_gradient_descent_beyond_the_limit_diverges_on_a_quadratic():
    """On a linear least-squares model the limit 2/lambda_max is exact: just below it
    full-batch descent converges, just above it the loss grows."""
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((40, 3)), rng.standard_normal(40)
    model = gd.MLP((3, 1), activation="identity", loss="mse", rng=0)
    limit = curvature.hessian_max_eigenvalue(model, X, y, rng=0, tol=1e-12,
                                             iterations=5000).learning_rate_limit
    below = gd.fit(model.copy(), X, y, learning_rate=0.95 * limit, batch_size=None,
                   epochs=300, rng=0, progress=False)
    assert not below.diverged
    assert below.epoch_loss[-1] < below.epoch_loss[0]
    with pytest.warns(gd.DivergenceWarning):
        above = gd.fit(model.copy(), X, y, learning_rate=1.05 * limit, batch_size=None,
                       epochs=300, rng=0, progress=False)
    assert above.diverged


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"model": "net"}, TypeError, "model must be a gdcode MLP, got 'net' \\(str\\)"),
        ({"iterations": 0}, ValueError, "iterations"),
        ({"tol": 2.0}, ValueError, r"tol must be in \(0.0, 1.0\), got 2.0"),
        ({"rng": "x"}, TypeError, "rng"),
        ({"X": [[1.0, 2.0]]}, ValueError, "X"),
    ],
)
def test_bad_input_is_named(kwargs, error, message):
    model, X, y = _problem("tanh", "mse", (2, 3, 2))
    args = {"model": model, "X": X, "y": y} | kwargs
    with pytest.raises(error, match=message):
        curvature.hessian_max_eigenvalue(args.pop("model"), args.pop("X"), args.pop("y"),
                                         **args)


def test_hvp_rejects_a_wrong_direction():
    model, X, y = _problem("tanh", "mse", (2, 3, 2))
    with pytest.raises(ValueError, match=r"v must have shape \(17,\), got \(3,\)"):
        curvature.hessian_vector_product(model, X, y, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="finite"):
        curvature.hessian_vector_product(model, X, y, np.full(17, np.nan))
    with pytest.raises(TypeError, match="v must be an array of 17 numbers"):
        curvature.hessian_vector_product(model, X, y, ["a"] * 17)
