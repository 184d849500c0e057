"""Activations and losses: values by hand, and every gradient against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from gdcode import activations as act
from gdcode import losses

EPS = 1e-6


def central_difference(f, Z: np.ndarray) -> np.ndarray:
    """d f(Z) / dZ for a scalar function f, one entry at a time."""
    Z = Z.astype(np.float64).copy()
    grad = np.zeros_like(Z)
    for index in np.ndindex(Z.shape):
        original = Z[index]
        Z[index] = original + EPS
        plus = f(Z)
        Z[index] = original - EPS
        minus = f(Z)
        Z[index] = original
        grad[index] = (plus - minus) / (2 * EPS)
    return grad


# --------------------------------------------------------------------------- activations


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "identity"])
def test_activation_derivative_matches_finite_differences(name, rng):
    f, f_grad = act.ACTIVATIONS[name].f, act.ACTIVATIONS[name].grad
    Z = rng.normal(size=(4, 5))
    Z[np.abs(Z) < 1e-3] = 0.5  # keep away from ReLU's kink
    # f is element-wise, so d sum(f(Z)) / dZ_ij = f'(Z_ij)
    numeric = central_difference(lambda V: f(V).sum(), Z)
    np.testing.assert_allclose(f_grad(Z), numeric, rtol=1e-6, atol=1e-8)


def test_activation_values_by_hand():
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(act.relu(z), [0.0, 0.0, 3.0])
    np.testing.assert_allclose(act.relu_grad(z), [0.0, 0.0, 1.0])
    np.testing.assert_allclose(act.sigmoid(z), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(act.sigmoid_grad(np.array([0.0])), [0.25])
    np.testing.assert_allclose(act.tanh_grad(np.array([0.0])), [1.0])
    np.testing.assert_array_equal(act.identity(z), z)
    np.testing.assert_array_equal(act.identity_grad(z), [1.0, 1.0, 1.0])


def test_sigmoid_is_stable_for_huge_inputs():
    # pytest turns any overflow RuntimeWarning into an error
    np.testing.assert_array_equal(act.sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0])
    np.testing.assert_array_equal(act.sigmoid_grad(np.array([-1000.0, 1000.0])), [0.0, 0.0])


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "identity"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activations_keep_dtype_and_write_into_out(name, dtype):
    f, f_grad = act.ACTIVATIONS[name]
    Z = np.linspace(-2, 2, 6, dtype=dtype).reshape(2, 3)
    out = np.empty_like(Z)
    assert f(Z, out=out) is out and out.dtype == dtype
    np.testing.assert_allclose(out, f(Z))
    assert f_grad(Z, out=out) is out
    np.testing.assert_allclose(out, f_grad(Z))
    assert f(Z).dtype == dtype and f_grad(Z).dtype == dtype


def test_integer_input_becomes_float():
    assert act.relu(np.array([1, -1])).dtype == np.float64


def test_softmax_rows_are_probabilities_and_shift_invariant(rng):
    Z = rng.normal(size=(5, 4))
    P = act.softmax(Z)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert np.all(P > 0)
    np.testing.assert_allclose(act.softmax(Z + 100.0), P)
    np.testing.assert_allclose(P, np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True))


def test_softmax_is_stable_for_huge_logits():
    P = act.softmax(np.array([[1000.0, 0.0, -1000.0], [5.0, 5.0, 5.0]]))
    np.testing.assert_allclose(P, [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]])


def softmax_backward(Z: np.ndarray, dP: np.ndarray) -> np.ndarray:
    """dZ from dP through softmax: P * (dP - sum_j dP_j P_j), row by row (the Jacobian)."""
    P = act.softmax(Z)
    return P * (dP - np.sum(dP * P, axis=-1, keepdims=True))


def test_softmax_jacobian_product_matches_finite_differences(rng):
    Z = rng.normal(size=(3, 4))
    dP = rng.normal(size=(3, 4))  # dL/dP for the loss L = sum(dP * softmax(Z))
    numeric = central_difference(lambda V: np.sum(dP * act.softmax(V)), Z)
    np.testing.assert_allclose(softmax_backward(Z, dP), numeric, rtol=1e-6, atol=1e-9)


def test_activation_table_is_named():
    assert act.ACTIVATIONS["relu"].f is act.relu and act.ACTIVATIONS["relu"].grad is act.relu_grad
    assert set(act.ACTIVATIONS) == {"sigmoid", "tanh", "relu", "identity"}


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "identity"])
def test_activations_take_a_plain_number(name):
    f, f_grad = act.ACTIVATIONS[name]
    z = 0.7
    value, slope = f(z), f_grad(z)
    assert value.shape == () and slope.shape == ()  # "any shape" includes a scalar
    np.testing.assert_allclose(value, f(np.array([z]))[0])
    np.testing.assert_allclose(slope, f_grad(np.array([z]))[0])


def test_softmax_of_a_vector_and_of_extreme_logits():
    np.testing.assert_allclose(act.softmax([1.0, 1.0]), [0.5, 0.5])
    # 1e308 - (-1e308) overflows to inf inside; the answer is still exactly [1, 0]
    np.testing.assert_array_equal(act.softmax(np.array([1e308, -1e308])), [1.0, 0.0])
    # a row with NaN has no softmax: NaN, without a RuntimeWarning (pytest: warnings are errors)
    P = act.softmax(np.array([[np.nan, 0.0], [0.0, 0.0]]))
    assert np.isnan(P[0]).all() and np.allclose(P[1], 0.5)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: act.sigmoid("0.5"), TypeError, r"Z must be a numeric array, got '0\.5'"),
        (lambda: act.relu(None), TypeError, r"Z must be a numeric array, got None"),
        (lambda: act.tanh([[1.0], [1.0, 2.0]]), ValueError,
         r"Z must be a rectangular array; its rows have different lengths"),
        (lambda: act.relu_grad(np.array([1 + 2j])), TypeError, r"Z must be real"),
        (lambda: act.softmax(np.zeros((2, 0))), ValueError,
         r"Z must hold at least one class along its last axis, got shape \(2, 0\)"),
        (lambda: act.softmax(3.0), ValueError, r"Z must hold at least one class.*\(\)"),
        (lambda: act.sigmoid(np.zeros(3), out=np.zeros(2)), TypeError,
         r"out must be a floating-point array of shape \(3,\) like Z, got ndarray of shape"),
        (lambda: act.tanh(np.zeros(3), out=[0.0, 0.0, 0.0]), TypeError,
         r"out must be a floating-point array .* got list"),
    ],
)
def test_activations_check_their_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_empty_input_gives_empty_output():
    assert act.sigmoid(np.empty((0, 3))).shape == (0, 3)
    assert act.relu([]).shape == (0,)


# --------------------------------------------------------------------------- losses


def test_mse_by_hand():
    P, Y = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0], [3.0, 5.0]])
    # squared errors 0, 4, 0, 1 -> mean over the 4 entries = 5/4
    assert losses.mse(P, Y) == pytest.approx(1.25)
    # gradient 2 (P - Y) / 4
    np.testing.assert_allclose(losses.mse_grad(P, Y), [[0.0, 1.0], [0.0, -0.5]])
    assert losses.mse([1, 2], [1, 4]) == 2.0  # integers are fine: (0 + 4) / 2


def test_mse_gradient_matches_finite_differences(rng):
    P, Y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    numeric = central_difference(lambda V: losses.mse(V, Y), P)
    np.testing.assert_allclose(losses.mse_grad(P, Y), numeric, rtol=1e-6, atol=1e-9)


def test_identity_mse_is_mse_with_its_gradient(rng):
    Z, Y = rng.normal(size=(5, 1)), rng.normal(size=5)  # y (n,) fits Z (n, 1)
    loss, dZ = losses.identity_mse(Z, Y)
    assert loss == pytest.approx(losses.mse(Z, Y))
    numeric = central_difference(lambda V: losses.identity_mse(V, Y)[0], Z)
    np.testing.assert_allclose(dZ, numeric, rtol=1e-6, atol=1e-9)


def test_binary_cross_entropy_by_hand():
    P, y = np.array([0.9, 0.2]), np.array([1, 0])
    # -(log 0.9 + log 0.8) / 2
    assert losses.binary_cross_entropy(P, y) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2)


def test_binary_cross_entropy_clips_certain_mistakes():
    loss = losses.binary_cross_entropy(np.array([0.0, 1.0]), np.array([1, 0]))
    assert loss == pytest.approx(-np.log(1e-12), rel=1e-6)


def test_sigmoid_binary_cross_entropy_is_fused_and_stable(rng):
    Z, y = rng.normal(size=(6, 1)), rng.integers(0, 2, size=6)
    loss, dZ = losses.sigmoid_binary_cross_entropy(Z, y)
    assert loss == pytest.approx(losses.binary_cross_entropy(act.sigmoid(Z), y))
    # dZ = (sigmoid(Z) - y) / n, and it is the derivative of the loss
    np.testing.assert_allclose(dZ, (act.sigmoid(Z) - y[:, None]) / 6)
    numeric = central_difference(lambda V: losses.sigmoid_binary_cross_entropy(V, y)[0], Z)
    np.testing.assert_allclose(dZ, numeric, rtol=1e-6, atol=1e-9)
    # a confident mistake costs about |z|, with no overflow
    loss, dZ = losses.sigmoid_binary_cross_entropy(np.array([[1000.0], [-1000.0]]), [0, 1])
    assert loss == pytest.approx(1000.0)
    np.testing.assert_allclose(dZ.ravel(), [0.5, -0.5])


def test_softmax_cross_entropy_by_hand():
    Z = np.array([[0.0, 0.0], [np.log(3.0), 0.0]])
    # P = [[1/2, 1/2], [3/4, 1/4]];  loss = -(log 1/2 + log 3/4) / 2
    loss, dZ = losses.softmax_cross_entropy(Z, np.array([1, 0]))
    assert loss == pytest.approx(-(np.log(0.5) + np.log(0.75)) / 2)
    # dZ = (P - Y) / 2 = [[1/2, -1/2], [-1/4, 1/4]] / 2
    np.testing.assert_allclose(dZ, [[0.25, -0.25], [-0.125, 0.125]])


@pytest.mark.parametrize("one_hot", [False, True])
def test_softmax_cross_entropy_gradient_matches_finite_differences(one_hot, rng):
    Z, labels = rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)
    y = np.eye(4)[labels] if one_hot else labels
    loss, dZ = losses.softmax_cross_entropy(Z, y)
    assert loss == pytest.approx(-np.mean(np.log(act.softmax(Z)[np.arange(5), labels])))
    numeric = central_difference(lambda V: losses.softmax_cross_entropy(V, y)[0], Z)
    np.testing.assert_allclose(dZ, numeric, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(dZ, (act.softmax(Z) - np.eye(4)[labels]) / 5)


def test_fused_gradient_equals_the_chain_rule(rng):
    # unfused: dL/dP = -Y / (n P), then back through softmax
    Z, labels = rng.normal(size=(3, 3)), np.array([0, 2, 1])
    Y = np.eye(3)[labels]
    chain = softmax_backward(Z, -Y / (3 * act.softmax(Z)))
    np.testing.assert_allclose(losses.softmax_cross_entropy(Z, labels)[1], chain, atol=1e-12)


def test_softmax_cross_entropy_is_finite_for_huge_logits():
    loss, dZ = losses.softmax_cross_entropy(np.array([[1e4, 0.0], [0.0, 0.0]]), [1, 0])
    # row 1: -log P = 1e4 exactly (log-sum-exp); row 2: log 2
    assert loss == pytest.approx((1e4 + np.log(2)) / 2)
    assert np.all(np.isfinite(dZ))


def test_float32_in_float32_out():
    Z = np.zeros((2, 3), dtype=np.float32)
    loss, dZ = losses.softmax_cross_entropy(Z, [0, 1])
    assert dZ.dtype == np.float32 and isinstance(loss, float)
    assert losses.sigmoid_binary_cross_entropy(Z[:, :1], [0, 1])[1].dtype == np.float32


@pytest.mark.parametrize("name", ["cross_entropy", "binary_cross_entropy", "mse"])
def test_losses_average_over_the_batch(name, rng):
    fused = losses.LOSSES[name].loss
    width = 1 if name == "binary_cross_entropy" else 3
    Z = rng.normal(size=(4, width))
    if name == "mse":
        y = rng.normal(size=(4, 3))
    else:
        y = rng.integers(0, 2 if width == 1 else 3, size=4)
    loss, dZ = fused(Z, y)
    # the same batch twice: same average loss, and each copy gets half the gradient
    loss2, dZ2 = fused(np.vstack([Z, Z]), np.concatenate([y, y]))
    assert loss2 == pytest.approx(loss)
    np.testing.assert_allclose(dZ2[:4], dZ / 2)


def test_loss_table_is_named():
    ce = losses.LOSSES["cross_entropy"]
    assert (ce.output, ce.loss) == (act.softmax, losses.softmax_cross_entropy)
    bce = losses.LOSSES["binary_cross_entropy"]
    assert (bce.output, bce.loss) == (act.sigmoid, losses.sigmoid_binary_cross_entropy)
    assert losses.LOSSES["mse"].output is act.identity
    assert losses.LOSSES["mse"].loss is losses.identity_mse


@pytest.mark.parametrize("name", ["cross_entropy", "binary_cross_entropy", "mse"])
def test_unchecked_loss_is_the_same_computation(name, rng):
    entry = losses.LOSSES[name]
    width = 1 if name == "binary_cross_entropy" else 3
    Z = rng.normal(size=(5, width))
    if name == "mse":
        y = rng.normal(size=(5, 3))
    elif name == "binary_cross_entropy":
        y = rng.integers(0, 2, size=(5, 1)).astype(float)
    else:
        y = rng.integers(0, 3, size=5)
    loss, dZ = entry.loss(Z, y)
    loss_u, dZ_u = entry.unchecked(Z, y)
    assert loss_u == loss
    np.testing.assert_array_equal(dZ_u, dZ)


def test_losses_take_plain_numbers():
    assert losses.mse(1.0, 3.0) == 4.0
    assert losses.binary_cross_entropy(0.5, 1) == pytest.approx(np.log(2))
    loss, dZ = losses.sigmoid_binary_cross_entropy(0.0, 1)  # a single logit
    assert loss == pytest.approx(np.log(2)) and dZ.shape == () and float(dZ) == -0.5
    loss, dZ = losses.identity_mse(2.0, 1.0)
    assert loss == 1.0 and dZ.shape == () and float(dZ) == 2.0


def test_huge_values_give_inf_not_warnings():
    # pytest turns RuntimeWarnings into errors: these must be quiet and right
    assert losses.mse(np.array([1e200]), np.array([-1e200])) == np.inf
    assert np.isinf(losses.mse_grad(np.array([1e308]), np.array([-1e308]))).all()
    loss, dZ = losses.sigmoid_binary_cross_entropy(np.array([1e308, -1e308]), [0, 1])
    assert loss == np.inf and np.allclose(dZ, [0.5, -0.5])  # each term is 1e308: the sum overflows
    loss, dZ = losses.softmax_cross_entropy(np.array([[1e308, -1e308]]), [1])
    assert loss == np.inf and np.allclose(dZ, [[1.0, -1.0]])


def test_float32_targets_too_large_are_named():
    with pytest.raises(ValueError, match=r"Y has values too large for float32 .*1e\+300"):
        losses.mse(np.zeros(2, np.float32), [0.0, 1e300])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: losses.mse([1.0, 2.0], [1.0]), ValueError, r"Y has shape \(1,\); it must match P"),
        (lambda: losses.mse([1.0, np.nan], [1.0, 2.0]), ValueError, r"P contains NaN"),
        (lambda: losses.binary_cross_entropy([0.5], [2]), ValueError,
         r"y must hold binary labels 0 or 1, got 2"),
        (lambda: losses.binary_cross_entropy([1.5], [1]), ValueError,
         r"P must hold probabilities in \[0, 1\], got 1\.5"),
        (lambda: losses.mse("ab", [1.0]), TypeError, r"P must be a numeric array, got 'ab'"),
        (lambda: losses.mse([], []), ValueError, r"P must contain at least one sample"),
        (lambda: losses.softmax_cross_entropy(np.zeros((2, 2)), [[1], [1, 2]]), ValueError,
         r"y must be a rectangular array"),
        (lambda: losses.identity_mse(np.zeros((2, 1)), None), TypeError,
         r"Y must be a numeric array, got None"),
        (lambda: losses.softmax_cross_entropy(np.zeros((2, 3)), [0, 3]), ValueError,
         r"y has labels outside 0\.\.2: found 3"),
        (lambda: losses.softmax_cross_entropy(np.zeros((2, 3)), [0, -1]), ValueError,
         r"y has labels outside 0\.\.2: found -1"),
        (lambda: losses.softmax_cross_entropy(np.zeros((2, 3)), [0.5, 1]), ValueError,
         r"y must hold integer class labels, got 0\.5"),
        (lambda: losses.softmax_cross_entropy(np.zeros((2, 3)), [0, 1, 2]), ValueError,
         r"y has 3 labels; Z has 2 rows"),
        (lambda: losses.softmax_cross_entropy(np.zeros(3), [0]), ValueError,
         r"Z must be a 2-D array \(n_samples, n_classes\), got shape \(3,\)"),
        (lambda: losses.softmax_cross_entropy(np.zeros((2, 3)), np.eye(2)), ValueError,
         r"y has shape \(2, 2\); one-hot targets must match Z \(2, 3\)"),
    ],
)
def test_losses_check_their_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()
