"""gdcode: the NumPy code that the book *Gradient descent, day by day* runs on.

One module per idea:

=====================  ==========================================================
module                 what it holds
=====================  ==========================================================
``one_param``          the one-weight model :math:`\\hat y = w x` and its descent
``activations``        sigmoid, tanh, ReLU, identity, softmax and derivatives
``losses``             MSE, binary and softmax cross-entropy with gradients
``network``            :class:`~gdcode.network.MLP`: forward pass and backpropagation
``gradcheck``          finite-difference checks of backpropagation
``curvature``          the Hessian's largest eigenvalue and the learning-rate limit
``optimizers``         gradient descent, momentum, RMSProp, Adam
``schedules``          learning-rate schedules (pure functions of the step)
``surfaces``           2-D test functions for watching optimizers move
``training``           :func:`~gdcode.training.fit` and its :class:`~gdcode.training.History`
``datasets``           MNIST and small toy data sets
``plotting``           figures from finished results (the only module using matplotlib)
``playground``         data for the book's interactive learning-rate playground
=====================  ==========================================================

``datasets``, ``plotting`` and ``playground`` are imported on first use, so
``import gdcode`` stays light and never imports matplotlib.
"""

from __future__ import annotations

import importlib

from .activations import relu, relu_grad, sigmoid, sigmoid_grad, softmax, tanh, tanh_grad
from .curvature import CurvatureEstimate, hessian_max_eigenvalue, hessian_vector_product
from .gradcheck import GradCheckResult, gradient_check, numerical_gradients
from .losses import binary_cross_entropy, mse, mse_grad, softmax_cross_entropy
from .network import MLP
from .one_param import Trajectory, gradient_descent, numerical_gradient
from .optimizers import Adam, GradientDescent, Momentum, Optimizer, RMSProp
from .schedules import (
    Schedule,
    constant,
    cosine_decay,
    exponential_decay,
    step_decay,
    warmup_cosine,
)
from .surfaces import Quadratic, Rosenbrock, Surface, optimize_2d
from .training import DivergenceWarning, History, fit

__version__ = "0.1.0"

# Names provided by the modules imported lazily (on first attribute access).
_LAZY = {
    "Dataset": "datasets",
    "load_mnist": "datasets",
    "make_xor": "datasets",
    "make_moons": "datasets",
    "make_line": "datasets",
    "make_blobs": "datasets",
    "plot_loss_curves": "plotting",
    "plot_descent_1d": "plotting",
    "plot_descent_2d": "plotting",
    "plot_comparison": "plotting",
    "plot_digits": "plotting",
    "plot_weight_images": "plotting",
}
_LAZY_MODULES = ("datasets", "plotting", "playground")


def __getattr__(name: str):
    """Import ``datasets``, ``plotting`` and ``playground`` only when first used."""
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_LAZY_MODULES))


__all__ = [
    # one_param (the module's functions keep their short names: gdcode.one_param.loss)
    "Trajectory",
    "gradient_descent",
    "numerical_gradient",
    # activations
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "tanh",
    "tanh_grad",
    # losses
    "binary_cross_entropy",
    "mse",
    "mse_grad",
    "softmax_cross_entropy",
    # network and gradient checks
    "MLP",
    "GradCheckResult",
    "gradient_check",
    "numerical_gradients",
    "CurvatureEstimate",
    "hessian_max_eigenvalue",
    "hessian_vector_product",
    # optimizers and schedules
    "Adam",
    "GradientDescent",
    "Momentum",
    "Optimizer",
    "RMSProp",
    "Schedule",
    "constant",
    "cosine_decay",
    "exponential_decay",
    "step_decay",
    "warmup_cosine",
    # surfaces
    "Quadratic",
    "Rosenbrock",
    "Surface",
    "optimize_2d",
    # training
    "DivergenceWarning",
    "History",
    "fit",
    # imported on first use
    *_LAZY,
    "__version__",
]
