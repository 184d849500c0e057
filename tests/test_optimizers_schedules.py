"""Optimizer updates and schedule values, checked against arithmetic done by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdcode import (
    Adam,
    GradientDescent,
    Momentum,
    RMSProp,
    constant,
    cosine_decay,
    exponential_decay,
    step_decay,
    warmup_cosine,
)
from gdcode.optimizers import get_optimizer


def run(optimizer, w0, gradients):
    """Apply the optimizer to one parameter array with the given gradients; return w after each."""
    w = np.array(w0, dtype=float)
    path = []
    for g in gradients:
        optimizer.step([w], [np.array(g, dtype=float)])
        path.append(w.copy())
    return np.array(path)


# --------------------------------------------------------------------------- updates


def test_gradient_descent_by_hand():
    path = run(GradientDescent(learning_rate=0.1), [1.0, 2.0], [[0.5, -1.0], [1.0, 1.0]])
    # step 1: [1 - 0.1*0.5, 2 - 0.1*(-1)] = [0.95, 2.1]
    # step 2: [0.95 - 0.1*1, 2.1 - 0.1*1] = [0.85, 2.0]
    np.testing.assert_allclose(path, [[0.95, 2.1], [0.85, 2.0]])


def test_momentum_by_hand():
    opt = Momentum(learning_rate=0.1, momentum=0.9)
    path = run(opt, [1.0], [[1.0]] * 3)
    # z1 = 1            w1 = 1 - 0.1*1 = 0.9
    # z2 = 0.9*1 + 1 = 1.9      w2 = 0.9 - 0.19 = 0.71
    # z3 = 0.9*1.9 + 1 = 2.71   w3 = 0.71 - 0.271 = 0.439
    np.testing.assert_allclose(path.ravel(), [0.9, 0.71, 0.439])
    np.testing.assert_allclose(opt.velocity[0], [2.71])


def test_nesterov_momentum_by_hand():
    path = run(Momentum(learning_rate=0.1, momentum=0.9, nesterov=True), [1.0], [[1.0]] * 2)
    # z1 = 1,   step g + mu*z1 = 1 + 0.9 = 1.9     -> w1 = 1 - 0.19 = 0.81
    # z2 = 1.9, step g + mu*z2 = 1 + 1.71 = 2.71   -> w2 = 0.81 - 0.271 = 0.539
    np.testing.assert_allclose(path.ravel(), [0.81, 0.539])


def test_zero_momentum_is_gradient_descent(rng):
    grads = rng.normal(size=(5, 3))
    np.testing.assert_allclose(
        run(Momentum(0.1, momentum=0.0), np.zeros(3), grads),
        run(GradientDescent(0.1), np.zeros(3), grads),
    )


def test_rmsprop_by_hand():
    path = run(RMSProp(learning_rate=0.01, rho=0.9, eps=1e-8), [0.0], [[2.0], [2.0]])
    # v1 = 0.9*0 + 0.1*4 = 0.4;     step 0.01 * 2 / (sqrt(0.4) + 1e-8)
    #                                     = 0.02 / 0.6324555420 = 0.0316227761
    # v2 = 0.9*0.4 + 0.1*4 = 0.76;  step 0.02 / (sqrt(0.76) + 1e-8)
    #                                     = 0.02 / 0.8717797988 = 0.0229415731
    np.testing.assert_allclose(path.ravel(), [-0.0316227761, -0.0316227761 - 0.0229415731],
                               rtol=1e-9)


def test_adam_by_hand():
    opt = Adam(learning_rate=0.1, beta1=0.9, beta2=0.999, eps=1e-8)
    path = run(opt, [1.0], [[3.0], [1.0]])
    # t=1: m = 0.1*3 = 0.3, v = 0.001*9 = 0.009; m_hat = 0.3/0.1 = 3, v_hat = 0.009/0.001 = 9
    #      w = 1 - 0.1 * 3 / (3 + 1e-8) = 0.9000000003333
    # t=2: m = 0.9*0.3 + 0.1*1 = 0.37, v = 0.999*0.009 + 0.001*1 = 0.009991
    #      m_hat = 0.37/0.19 = 1.947368421, v_hat = 0.009991/0.001999 = 4.997998999
    #      w = 0.9000000003 - 0.1 * 1.947368421 / 2.235620495 = 0.8128936057
    np.testing.assert_allclose(path.ravel(), [0.9000000003333, 0.8128936057], rtol=1e-10)
    assert opt.t == 2
    np.testing.assert_allclose(opt.m[0], [0.37])
    np.testing.assert_allclose(opt.v[0], [0.009991])


@pytest.mark.parametrize("make", [lambda: GradientDescent(0.1), lambda: Momentum(0.1),
                                  lambda: RMSProp(0.1), lambda: Adam(0.1)])
def test_updates_are_in_place_and_keep_dtype(make):
    opt = make()
    w = np.ones((2, 3), dtype=np.float32)
    g = np.full((2, 3), 0.5, dtype=np.float32)
    g_before = g.copy()
    same = w
    opt.step([w], [g])
    assert w is same and w.dtype == np.float32
    assert np.all(w < 1.0)
    np.testing.assert_array_equal(g, g_before)  # gradients are not modified
    assert opt.t == 1


def test_reset_forgets_state():
    opt = Momentum(0.1, momentum=0.9)
    first = run(opt, [1.0], [[1.0]] * 2)
    opt.reset()
    assert opt.t == 0 and opt.velocity == []
    np.testing.assert_allclose(run(opt, [1.0], [[1.0]] * 2), first)


def test_schedule_is_queried_at_each_step():
    opt = GradientDescent(step_decay(1.0, drop=0.5, every=1))
    rates = []
    for _ in range(3):
        rates.append(opt.current_learning_rate())
        opt.step([np.zeros(1)], [np.ones(1)])
    assert rates == [1.0, 0.5, 0.25]
    # w = 0 - 1 - 0.5 - 0.25
    np.testing.assert_allclose(run(GradientDescent(step_decay(1.0, 0.5, 1)), [0.0], [[1.0]] * 3)
                               .ravel(), [-1.0, -1.5, -1.75])


def test_reprs():
    assert repr(GradientDescent(0.01)) == "GradientDescent(learning_rate=0.01)"
    assert repr(Momentum(0.05, momentum=0.5, nesterov=True)) == (
        "Momentum(learning_rate=0.05, momentum=0.5, nesterov=True)"
    )
    assert repr(RMSProp()) == "RMSProp(learning_rate=0.001, rho=0.9, eps=1e-08)"
    assert repr(Adam(cosine_decay(0.1, 100))) == (
        "Adam(learning_rate=cosine_decay(learning_rate=0.1, total_steps=100, "
        "final_learning_rate=0.0), beta1=0.9, beta2=0.999, eps=1e-08)"
    )


def test_get_optimizer():
    assert isinstance(get_optimizer("sgd"), GradientDescent)
    assert isinstance(get_optimizer("GD", learning_rate=0.5), GradientDescent)
    opt = get_optimizer("momentum", learning_rate=0.02, momentum=0.8)
    assert (opt.learning_rate, opt.momentum) == (0.02, 0.8)
    assert isinstance(get_optimizer("rmsprop"), RMSProp)
    assert get_optimizer("adam").learning_rate == 0.001
    adam = Adam()
    assert get_optimizer(adam) is adam
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamw'; choose one of 'sgd'"):
        get_optimizer("adamw")
    with pytest.raises(TypeError, match=r"already an instance .*pass learning_rate to its"):
        get_optimizer(adam, learning_rate=0.1)
    with pytest.raises(TypeError, match=r"optimizer must be one of .*got 3"):
        get_optimizer(3)


def test_one_default_learning_rate_for_gradient_descent():
    from gdcode.optimizers import DEFAULT_LEARNING_RATE

    # built directly or by name (as fit does), plain and momentum: the same default
    defaults = {GradientDescent().learning_rate, Momentum().learning_rate,
                get_optimizer("sgd").learning_rate, get_optimizer("gd").learning_rate,
                get_optimizer("momentum").learning_rate}
    assert defaults == {DEFAULT_LEARNING_RATE}
    # and it is what the first step uses
    w = np.array([1.0])
    GradientDescent().step([w], [np.array([2.0])])
    assert w[0] == 1.0 - DEFAULT_LEARNING_RATE * 2.0


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: GradientDescent(-0.1), ValueError, r"learning_rate must be > 0, got -0\.1"),
        (lambda: GradientDescent(0), ValueError, r"learning_rate must be > 0, got 0"),
        (lambda: GradientDescent(math.inf), ValueError, r"learning_rate must be a finite.*inf"),
        (lambda: GradientDescent(True), TypeError, r"learning_rate must be a number .*True"),
        (lambda: GradientDescent("0.1"), TypeError, r"learning_rate must be a number .*'0\.1'"),
        (lambda: Momentum(momentum=1.0), ValueError,
         r"momentum must be in \[0\.0, 1\.0\), got 1\.0"),
        (lambda: Momentum(momentum=-0.1), ValueError, r"momentum must be in .*got -0\.1"),
        (lambda: Momentum(momentum=math.nan), ValueError, r"momentum must be a finite number"),
        (lambda: Momentum(momentum="high"), TypeError, r"momentum must be a real number"),
        (lambda: Momentum(nesterov="yes"), TypeError, r"nesterov must be True or False"),
        (lambda: RMSProp(rho=1.5), ValueError, r"rho must be in \[0\.0, 1\.0\), got 1\.5"),
        (lambda: RMSProp(eps=0), ValueError, r"eps must be > 0, got 0"),
        (lambda: Adam(beta1=1), ValueError, r"beta1 must be in \[0\.0, 1\.0\), got 1"),
        (lambda: Adam(beta2=-0.5), ValueError, r"beta2 must be in .*got -0\.5"),
        (lambda: Momentum(0.1, beta1=0.9), TypeError, r"unexpected keyword argument 'beta1'"),
    ],
)
def test_hyperparameters_are_checked(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_step_checks_params_and_grads():
    opt = GradientDescent(0.1)
    with pytest.raises(ValueError, match=r"grads\[0\] has shape \(2,\); params\[0\] has \(3,\)"):
        opt.step([np.zeros(3)], [np.zeros(2)])
    with pytest.raises(ValueError, match=r"got 2 params but 1 grads"):
        opt.step([np.zeros(3), np.zeros(1)], [np.zeros(3)])
    with pytest.raises(TypeError, match=r"params\[0\] must be a floating-point numpy array"):
        opt.step([np.zeros(3, dtype=int)], [np.zeros(3)])
    with pytest.raises(TypeError, match=r"params must be a list of arrays, got .*\(ndarray\)"):
        opt.step(np.zeros(3), [np.zeros(3)])


def test_bad_schedule_output_is_reported_with_the_step():
    opt = GradientDescent(lambda step: 0.1 - 0.06 * step)  # 0.1, 0.04, then negative
    opt.step([np.zeros(1)], [np.ones(1)])
    opt.step([np.zeros(1)], [np.ones(1)])
    with pytest.raises(ValueError, match=r"schedule returned -0\.0\d+ at step 2"):
        opt.step([np.zeros(1)], [np.ones(1)])
    with pytest.raises(TypeError, match=r"schedule returned 'fast' at step 0"):
        GradientDescent(lambda step: "fast").step([np.zeros(1)], [np.ones(1)])


# --------------------------------------------------------------------------- schedules


def test_constant():
    assert constant(0.1)(0) == 0.1 and constant(0.1)(10**6) == 0.1
    np.testing.assert_array_equal(constant(0.1)(np.arange(3)), [0.1, 0.1, 0.1])


def test_step_decay_by_hand():
    s = step_decay(0.1, drop=0.5, every=10)
    # 0.1 * 0.5 ** floor(t / 10)
    assert [s(t) for t in (0, 9, 10, 19, 20, 35)] == pytest.approx(
        [0.1, 0.1, 0.05, 0.05, 0.025, 0.0125])


def test_exponential_decay_by_hand():
    s = exponential_decay(1.0, decay_rate=0.5, decay_steps=10)
    # 0.5 ** (t / 10): t = 10 -> 0.5, t = 20 -> 0.25, t = 5 -> 1/sqrt(2)
    assert [s(0), s(10), s(20)] == pytest.approx([1.0, 0.5, 0.25])
    assert s(5) == pytest.approx(1 / math.sqrt(2))


def test_cosine_decay_by_hand():
    s = cosine_decay(1.0, total_steps=100, final_learning_rate=0.1)
    # 0.1 + 0.45 (1 + cos(pi t / 100)): t=0 -> 1, t=50 -> 0.55, t=100 -> 0.1, later stays 0.1
    assert [s(0), s(50), s(100), s(1000)] == pytest.approx([1.0, 0.55, 0.1, 0.1])
    # t = 25: 0.1 + 0.45 (1 + cos(pi/4)) = 0.1 + 0.45 * 1.70710678 = 0.868198052
    assert s(25) == pytest.approx(0.868198052)
    values = s(np.arange(101))
    assert values.shape == (101,) and np.all(np.diff(values) <= 0)


def test_warmup_cosine_by_hand():
    s = warmup_cosine(1.0, warmup_steps=4, total_steps=104)
    # warm-up (t + 1) / 4: 0.25, 0.5, 0.75, 1; then a cosine over 100 steps
    assert [s(t) for t in range(5)] == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0])
    assert s(54) == pytest.approx(0.5) and s(104) == pytest.approx(0.0)
    assert "warmup_cosine(learning_rate=1.0, warmup_steps=4" in repr(s)


def test_schedules_are_pure():
    s = exponential_decay(0.3, 0.9, 7)
    forward = [s(t) for t in range(20)]
    backward = [s(t) for t in reversed(range(20))][::-1]
    assert forward == backward
    np.testing.assert_allclose(s(np.arange(20)), forward)
    assert repr(s) == "exponential_decay(learning_rate=0.3, decay_rate=0.9, decay_steps=7)"


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: constant(0), ValueError, r"learning_rate must be > 0, got 0"),
        (lambda: step_decay(0.1, drop=0), ValueError, r"drop must be in \(0, 1\], got 0"),
        (lambda: step_decay(0.1, drop=1.5), ValueError, r"drop must be in \(0, 1\], got 1\.5"),
        (lambda: step_decay(0.1, every=0), ValueError, r"every must be >= 1, got 0"),
        (lambda: step_decay(0.1, every=2.0), TypeError, r"every must be an integer, got 2\.0"),
        (lambda: exponential_decay(0.1, decay_rate=2), ValueError, r"decay_rate must be in"),
        (lambda: exponential_decay(-1.0), ValueError, r"learning_rate must be > 0, got -1\.0"),
        (lambda: cosine_decay(0.1, total_steps=0), ValueError, r"total_steps must be >= 1"),
        (lambda: cosine_decay(0.1, 10, final_learning_rate=0.2), ValueError,
         r"final_learning_rate must be in \[0, learning_rate=0\.1\], got 0\.2"),
        (lambda: warmup_cosine(0.1, 10, 10), ValueError,
         r"total_steps must be > warmup_steps=10, got 10"),
        (lambda: cosine_decay(0.1, total_steps=2**70), ValueError,
         r"total_steps must be <= 9,223,372,036,854,775,807, got 1180591620717411303424"),
        (lambda: constant("0.1"), TypeError, r"learning_rate must be a real number, got '0\.1'"),
        (lambda: constant(0.1)(-1), ValueError, r"step must be >= 0, got -1"),
        (lambda: constant(0.1)(1.5), TypeError, r"step must be an integer"),
        (lambda: constant(0.1)(np.array([1, -2])), ValueError, r"step must be >= 0, got -2"),
        (lambda: constant(0.1)(2**64), ValueError, r"step must be <= .*, got 18446744073709551616"),
        (lambda: constant(0.1)(np.array([2**64 - 1], dtype=np.uint64)), ValueError,
         r"step must be <= .*, got 18446744073709551615"),
        (lambda: constant(0.1)([[1], [1, 2]]), TypeError, r"step must be an integer"),
        (lambda: constant(0.1)(np.True_), TypeError, r"step must be an integer"),
    ],
)
def test_schedule_arguments_are_checked(make, error, match):
    with pytest.raises(error, match=match):
        make()
