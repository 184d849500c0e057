"""A fully connected network (multilayer perceptron) with backpropagation.

Notation (the book's symbols; the network has :math:`D` layers, :math:`l = 1, \\dots, D`):

=============  ======================================  ==================
book           code                                    shape
=============  ======================================  ==================
:math:`A_0`    ``X`` (a batch of inputs, one per row)  (n, n_0)
:math:`W_l`    ``weights[l - 1]``, ``W[l]``            (n_{l-1}, n_l)
:math:`b_l`    ``biases[l - 1]``, ``b[l]``             (n_l,)
:math:`Z_l`    ``Z[l] = A[l - 1] @ W[l] + b[l]``       (n, n_l)
:math:`A_l`    ``A[l] = f(Z[l])``                      (n, n_l)
:math:`dZ_l`   ``dZ``, in the loop at layer ``l``      (n, n_l)
=============  ======================================  ==================

Python lists start at 0, so layer :math:`l` of the book is ``weights[l - 1]``;
the loops ``MLP._forward`` and ``MLP._backward`` instead use dicts
keyed by the book's layer numbers, so that they read like the equations. The
forward pass keeps every :math:`Z_l` and :math:`A_l`; the loss of the output
layer is fused with its activation (softmax, sigmoid or identity) and gives
:math:`dZ_D` directly (e.g. :math:`(P - Y)/n`); the backward pass walks the
layers in reverse:

.. math::

    dW_l = A_{l-1}^\\top dZ_l, \\qquad db_l = \\textstyle\\sum_i (dZ_l)_{i,:},
    \\qquad dA_{l-1} = dZ_l W_l^\\top, \\qquad dZ_{l-1} = dA_{l-1} \\odot f'(Z_{l-1}).
"""

from __future__ import annotations

import contextvars
import math
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np
from threadpoolctl import ThreadpoolController

from . import activations as _activations
from . import losses as _losses
from ._validation import (
    as_rng,
    check_array,
    check_choice,
    check_dtype,
    check_labels,
    check_positive_int,
)

__all__ = ["MLP"]

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


#: Batches with more rows than this are worked through in chunks of at most
#: this many rows (see :meth:`MLP._batch_loss_and_gradients`); evaluation uses
#: the same chunks. The loops of one chunk then need a few megabytes, not hundreds,
#: and the chunks can be shared among the processor's cores (:func:`_map_chunks`).
CHUNK_ROWS = 2048


def _chunks(n: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of equal chunks of at most :data:`CHUNK_ROWS` rows covering ``range(n)``.

    >>> _chunks(5000)  # CHUNK_ROWS = 2048: three chunks of about 1667 rows
    [(0, 1667), (1667, 3334), (3334, 5000)]
    """
    size = math.ceil(n / math.ceil(n / CHUNK_ROWS)) if n else 1
    return [(start, min(start + size, n)) for start in range(0, n, size)]


# --------------------------------------------------- several cores, one chunk each
# NumPy hands a matrix product to its BLAS library, which splits it among the
# cores; everything else (ReLU, masks, sums, the softmax) runs on one core. On
# a big batch those element-wise steps are a third of the time. So the chunks
# of a big batch are shared among threads instead, each running the plain loops
# with a one-thread BLAS: NumPy releases the interpreter lock inside its
# operations, so all cores work on every step. The results come back in chunk
# order and are added up in that order, so they do not depend on the timing.

_lock = threading.Lock()
# One big batch at a time shares the cores: BLAS's thread count is one setting for the
# whole process, so two overlapping limits could restore it in the wrong order.
_sharing = threading.Lock()
_blas: ThreadpoolController | None = None
_executor: ThreadPoolExecutor | None = None
_executor_threads = 0


def _forget_threads() -> None:
    """Drop the thread pool: a child process made by ``fork`` has none of its threads."""
    global _executor, _executor_threads, _lock, _sharing
    _executor, _executor_threads = None, 0
    _lock, _sharing = threading.Lock(), threading.Lock()


os.register_at_fork(after_in_child=_forget_threads)


def _threads_for(n_chunks: int) -> tuple[ThreadpoolController, ThreadPoolExecutor | None]:
    """The BLAS libraries NumPy uses, and a pool of as many threads as BLAS has (or None).

    Both are made once: threadpoolctl scans the process's libraries, and
    starting threads takes longer than a small chunk. None when BLAS runs on
    one thread (or there is one chunk): then there is nothing to share.
    """
    global _blas, _executor, _executor_threads
    with _lock:
        if _blas is None:
            _blas = ThreadpoolController().select(user_api="blas")
        threads = max((lib.num_threads for lib in _blas.lib_controllers), default=1)
        if min(threads, n_chunks) <= 1:
            return _blas, None
        if _executor is None or _executor_threads != threads:
            if _executor is not None:
                _executor.shutdown(wait=False)
            _executor = ThreadPoolExecutor(threads, thread_name_prefix="gdcode-chunk")
            _executor_threads = threads
        return _blas, _executor


def _map_chunks(fn: Callable[[int, int], object], n: int) -> list:
    """``[fn(start, stop) for start, stop in _chunks(n)]``, the chunks shared among threads.

    As many threads as BLAS has (NumPy's default: one per core), BLAS limited
    to one thread meanwhile; with a one-thread BLAS, or one chunk, it is the
    plain list comprehension. Each call runs in a copy of the caller's context,
    so ``np.errstate`` set by the caller holds in the threads too.
    """
    chunks = _chunks(n)
    blas, executor = _threads_for(len(chunks))
    if executor is None:
        return [fn(start, stop) for start, stop in chunks]
    context = contextvars.copy_context()

    def run(chunk: tuple[int, int]):
        return context.copy().run(fn, *chunk)

    with _sharing, blas.limit(limits=1):
        futures = [executor.submit(run, chunk) for chunk in chunks]
        try:
            return [future.result() for future in futures]
        finally:
            for future in futures:  # after an error (or Ctrl-C): no chunk left running
                future.cancel()
            wait(futures)


def _relu_grad_as_mask(Z: np.ndarray) -> np.ndarray:
    """ReLU's derivative (1 where z > 0, else 0) as a boolean array.

    ``dA * mask`` gives exactly ``dA * relu_grad(Z)``; the boolean array is a
    quarter (float32) or an eighth (float64) of the memory, which makes the
    backward pass faster on big batches.
    """
    return Z > 0


class MLP:
    """Multilayer perceptron: fully connected layers, trained by backpropagation.

    Parameters
    ----------
    layer_sizes : sequence of int
        Units per layer, input first and output last, e.g. ``(784, 128, 64, 10)``.
    activation : {"relu", "tanh", "sigmoid", "identity"}
        Activation :math:`f` of the hidden layers.
    loss : {"cross_entropy", "binary_cross_entropy", "mse"}
        Training loss. It fixes the output layer: softmax for
        ``"cross_entropy"`` (one unit per class), sigmoid for
        ``"binary_cross_entropy"`` (one unit), identity for ``"mse"``.
    rng : numpy.random.Generator, int or None
        Source of the random initial weights.
    dtype : numpy.float64 or numpy.float32
        Dtype of the parameters; inputs are cast to it. float64 is the default
        (gradient checks need it), float32 is about twice as fast.

    Attributes
    ----------
    weights : list of ndarray
        :math:`W_l` of shape ``(n_in, n_out)``. He initialisation
        (:math:`\\mathcal N(0, 2/n_{in})`) for ReLU, Glorot
        (:math:`\\mathcal N(0, 2/(n_{in} + n_{out}))`) otherwise.
    biases : list of ndarray
        :math:`b_l` of shape ``(n_out,)``, initialised to 0.
    params : list of ndarray
        ``[W1, b1, W2, b2, ...]``: the live arrays, which optimizers update in place.

    Examples
    --------
    >>> model = MLP((2, 8, 1), activation="tanh", loss="binary_cross_entropy", rng=0)
    >>> model
    MLP(layer_sizes=(2, 8, 1), activation='tanh', loss='binary_cross_entropy', dtype=float64)
    >>> model.n_params
    33
    >>> loss, grads = model.loss_and_gradients([[0.0, 1.0]], [1])
    >>> [g.shape for g in grads] == [p.shape for p in model.params]
    True
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str = "relu",
        loss: str = "cross_entropy",
        rng: np.random.Generator | int | None = None,
        dtype: type | np.dtype = np.float64,
    ):
        self.layer_sizes = _check_layer_sizes(layer_sizes)
        self.activation = check_choice("activation", activation, _activations.ACTIVATIONS)
        self.loss_name = check_choice("loss", loss, _losses.LOSSES)
        self.dtype = check_dtype("dtype", dtype, allowed=_DTYPES)
        n_out = self.layer_sizes[-1]
        if self.loss_name == "binary_cross_entropy" and n_out != 1:
            raise ValueError(
                f"loss='binary_cross_entropy' needs 1 output unit; layer_sizes ends with {n_out}"
            )
        if self.loss_name == "cross_entropy" and n_out < 2:
            raise ValueError(
                f"loss='cross_entropy' needs one output unit per class (at least 2); "
                f"layer_sizes ends with {n_out}"
            )

        # f and f' of the hidden layers; the fused loss of the output layer
        self._f, self._f_grad = _activations.ACTIVATIONS[self.activation]
        if self.activation == "relu":
            self._f_grad = _relu_grad_as_mask  # the same numbers, in a quarter of the memory
        loss = _losses.LOSSES[self.loss_name]
        self._output_fn, self._loss_fn = loss.output, loss.unchecked

        rng = as_rng(rng)
        self.weights: list[np.ndarray] = []
        self.biases: list[np.ndarray] = []
        for n_in, n_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True):
            if self.activation == "relu":
                std = math.sqrt(2.0 / n_in)  # He et al. (2015)
            else:
                std = math.sqrt(2.0 / (n_in + n_out))  # Glorot and Bengio (2010)
            # draw in float64 so a seed gives the same network in either dtype
            W = rng.standard_normal((n_in, n_out)) * std
            self.weights.append(W.astype(self.dtype))
            self.biases.append(np.zeros(n_out, dtype=self.dtype))

    # ------------------------------------------------------------------ basics

    @property
    def params(self) -> list[np.ndarray]:
        """``[W1, b1, W2, b2, ...]``, the live parameter arrays (not copies)."""
        return [p for W, b in zip(self.weights, self.biases, strict=True) for p in (W, b)]

    @property
    def n_params(self) -> int:
        """Total number of trainable numbers, :math:`\\sum_l (n_{l-1} + 1)\\, n_l`."""
        return sum(p.size for p in self.params)

    @property
    def n_layers(self) -> int:
        """Number of weight layers (``len(layer_sizes) - 1``)."""
        return len(self.weights)

    def __repr__(self) -> str:
        return (
            f"MLP(layer_sizes={self.layer_sizes}, activation={self.activation!r}, "
            f"loss={self.loss_name!r}, dtype={self.dtype.name})"
        )

    def copy(self, dtype: type | np.dtype | None = None) -> MLP:
        """An independent copy (new arrays), optionally converted to another dtype.

        Examples
        --------
        >>> model = MLP((3, 2), rng=0)
        >>> twin = model.copy()
        >>> twin.weights[0] is model.weights[0], np.array_equal(twin.weights[0], model.weights[0])
        (False, True)
        """
        clone = object.__new__(MLP)
        clone.__dict__.update(self.__dict__)
        if dtype is not None:
            clone.dtype = check_dtype("dtype", dtype, allowed=_DTYPES)
        clone.weights = [W.astype(clone.dtype, copy=True) for W in self.weights]
        clone.biases = [b.astype(clone.dtype, copy=True) for b in self.biases]
        return clone

    def get_flat(self) -> np.ndarray:
        """All parameters in one 1-D array, in the order of :attr:`params`.

        Returns
        -------
        ndarray, shape (n_params,)
        """
        return np.concatenate([p.ravel() for p in self.params])

    def set_flat(self, values: np.ndarray) -> None:
        """Overwrite all parameters (in place) from a 1-D array of length :attr:`n_params`."""
        values = check_array("values", values, ndim=1)
        if values.size != self.n_params:
            raise ValueError(f"values has {values.size} entries; the network has {self.n_params}")
        start = 0
        for p in self.params:
            p[...] = values[start : start + p.size].reshape(p.shape)
            start += p.size

    # ------------------------------------------------------------ input checks

    def _check_X(self, X, name: str = "X") -> np.ndarray:
        """``X`` as a 2-D finite array of this network's dtype and input width."""
        X = check_array(name, X, ndim=2, dtype=self.dtype)
        if X.shape[1] != self.layer_sizes[0]:
            raise ValueError(
                f"{name} has {X.shape[1]} features; the network expects {self.layer_sizes[0]}"
            )
        return X

    def _check_y(self, y, n_samples: int, name: str = "y") -> np.ndarray:
        """Targets in the form the output layer needs.

        cross_entropy: int labels (n,); binary_cross_entropy: 0/1 floats (n, 1);
        mse: floats (n, n_outputs).
        """
        n_out = self.layer_sizes[-1]
        if self.loss_name == "mse":
            Y = check_array(name, y)
            if Y.ndim == 1 and n_out == 1:
                Y = Y[:, None]
            if Y.ndim != 2 or Y.shape[1] != n_out:
                raise ValueError(
                    f"{name} has shape {Y.shape}; the network has {n_out} output(s), "
                    f"so {name} must have shape (n_samples, {n_out})"
                    + (" or (n_samples,)" if n_out == 1 else "")
                )
            out = Y.astype(self.dtype, copy=False)
        else:
            y_array = check_array(name, y)
            if y_array.ndim == 2 and y_array.shape[1] > 1:
                raise ValueError(
                    f"{name} must hold integer class labels, shape (n_samples,); got shape "
                    f"{y_array.shape} (one-hot rows? use {name}.argmax(axis=1))"
                )
            n_classes = 2 if self.loss_name == "binary_cross_entropy" else n_out
            labels = check_labels(name, y_array, n_classes=n_classes)
            if self.loss_name == "binary_cross_entropy":
                out = labels.astype(self.dtype)[:, None]
            else:
                out = labels.astype(np.intp, copy=False)
        if out.shape[0] != n_samples:
            raise ValueError(f"{name} has {out.shape[0]} samples; X has {n_samples}")
        return out

    # ---------------------------------------------------- the book's equations
    # The two loops below are backpropagation as the book writes it, one line
    # per equation. They take checked arrays; everything else in this class
    # (input checks, chunks of big batches) happens around them.

    def _forward(self, X):
        """Forward pass on a batch X, keeping what the backward pass needs.

        Returns (Z, A), two dicts keyed by the book's layer numbers:
        Z[l] is Z_l for l = 1, ..., D (Z[D] are the logits) and
        A[l] is A_l for l = 0, ..., D - 1 (A[0] is X).
        """
        D, f = self.n_layers, self._f  # f: the activation of the hidden layers
        W = dict(enumerate(self.weights, start=1))  # W[l] is W_l
        b = dict(enumerate(self.biases, start=1))  # b[l] is b_l
        Z, A = {}, {0: X}  # A_0 = X
        for l in range(1, D + 1):
            Z[l] = A[l - 1] @ W[l] + b[l]   # Z_l = A_{l-1} W_l + b_l
            if l < D:
                A[l] = f(Z[l])              # A_l = f(Z_l)
        return Z, A

    def _backward(self, Z, A, dZ):
        """Backward pass from dZ = dZ_D, with the Z and A of the forward pass.

        Returns the gradients [dW_1, db_1, ..., dW_D, db_D].
        """
        D, f_grad = self.n_layers, self._f_grad  # f_grad(Z) is f'(Z)
        W = dict(enumerate(self.weights, start=1))  # W[l] is W_l
        dW, db = {}, {}
        for l in range(D, 0, -1):           # l = D, D - 1, ..., 1
            dW[l] = A[l - 1].T @ dZ         # dW_l = A_{l-1}^T dZ_l
            db[l] = dZ.sum(axis=0)          # db_l = column sums of dZ_l
            if l > 1:
                dA = dZ @ W[l].T            # dA_{l-1} = dZ_l W_l^T
                dZ = dA * f_grad(Z[l - 1])  # dZ_{l-1} = dA_{l-1} * f'(Z_{l-1})
        return [grad for l in range(1, D + 1) for grad in (dW[l], db[l])]

    def _loss_and_gradients(self, X, y):
        """Loss of a batch and its gradients [dW_1, db_1, ..., dW_D, db_D]."""
        Z, A = self._forward(X)
        loss, dZ = self._loss_fn(Z[self.n_layers], y)  # dZ is dZ_D
        return loss, self._backward(Z, A, dZ)

    # ------------------------------------------- around them: batches of any size

    def _batch_loss_and_gradients(self, X: np.ndarray, y: np.ndarray) -> tuple[float, list]:
        """:meth:`_loss_and_gradients` for a batch of any size (checked inputs).

        A batch larger than :data:`CHUNK_ROWS` (e.g. all 60000 MNIST images in
        full-batch gradient descent) is worked through in chunks. This gives
        the same result because the loss is an average: with chunks :math:`c`
        of :math:`n_c` samples,

        .. math:: L = \\frac1n \\sum_i \\ell_i = \\sum_c \\frac{n_c}{n} L_c,
                  \\qquad \\nabla L = \\sum_c \\frac{n_c}{n} \\nabla L_c,

        and the forward and backward passes need a few megabytes of memory
        instead of a hundred. The chunks are shared among the cores
        (:func:`_map_chunks`); their results are added up in chunk order.
        """
        n = X.shape[0]
        if n <= CHUNK_ROWS:
            return self._loss_and_gradients(X, y)
        results = _map_chunks(lambda start, stop: self._loss_and_gradients(X[start:stop],
                                                                          y[start:stop]), n)
        loss, grads = 0.0, None
        for (start, stop), (chunk_loss, chunk_grads) in zip(_chunks(n), results, strict=True):
            weight = (stop - start) / n  # n_c / n
            loss += weight * chunk_loss
            for g in chunk_grads:
                g *= weight
            if grads is None:
                grads = chunk_grads
            else:
                for g, g_chunk in zip(grads, chunk_grads, strict=True):
                    g += g_chunk
        return loss, grads

    def _logits(self, X: np.ndarray) -> np.ndarray:
        """Logits :math:`Z_D` of a checked ``X``, by :meth:`_forward` in chunks.

        A diverged network (huge or infinite weights) gives inf/NaN outputs
        quietly; :func:`gdcode.fit` reports divergence with one clear warning.
        """
        D = self.n_layers
        with np.errstate(over="ignore", invalid="ignore"):
            if X.shape[0] <= CHUNK_ROWS:
                return self._forward(X)[0][D]
            return np.concatenate(
                _map_chunks(lambda start, stop: self._forward(X[start:stop])[0][D], X.shape[0])
            )

    # ------------------------------------------------------------ public passes

    def logits(self, X) -> np.ndarray:
        """Pre-activations :math:`Z_D` of the last layer.

        Parameters
        ----------
        X : array_like, shape (n_samples, layer_sizes[0])

        Returns
        -------
        Z : ndarray, shape (n_samples, layer_sizes[-1])
        """
        return self._logits(self._check_X(X))

    def forward(self, X) -> np.ndarray:
        """Network output :math:`g(Z_D)` for a batch.

        :math:`g` is softmax for cross-entropy (rows are class probabilities),
        sigmoid for binary cross-entropy (probability of class 1), identity for MSE.

        Parameters
        ----------
        X : array_like, shape (n_samples, layer_sizes[0])

        Returns
        -------
        ndarray, shape (n_samples, layer_sizes[-1])

        Examples
        --------
        >>> P = MLP((4, 3, 2), rng=0).forward(np.ones((5, 4)))
        >>> P.shape, np.allclose(P.sum(axis=1), 1)
        ((5, 2), True)
        """
        Z = self.logits(X)
        with np.errstate(invalid="ignore"):  # inf logits of a diverged network give NaN
            return self._output_fn(Z, out=Z)

    def loss_and_gradients(self, X, y) -> tuple[float, list[np.ndarray]]:
        """Loss on a batch and its gradient with respect to every parameter.

        Forward pass, fused output loss (e.g. :math:`dZ_D = (P - Y)/n`), then
        backpropagation (see the module docstring for the equations).

        Parameters
        ----------
        X : array_like, shape (n_samples, layer_sizes[0])
        y : array_like
            Integer labels (n_samples,) for the classification losses, targets
            (n_samples,) or (n_samples, n_outputs) for ``"mse"``.

        Returns
        -------
        loss : float
            Average loss over the batch.
        grads : list of ndarray
            ``[dW1, db1, dW2, db2, ...]``, each shaped exactly like the
            parameter in :attr:`params` at the same position.

        Examples
        --------
        >>> model = MLP((3, 4, 2), rng=0)
        >>> loss, grads = model.loss_and_gradients(np.ones((2, 3)), [0, 1])
        >>> [g.shape for g in grads]
        [(3, 4), (4,), (4, 2), (2,)]
        """
        X = self._check_X(X)
        y = self._check_y(y, X.shape[0])
        with np.errstate(over="ignore", invalid="ignore"):
            return self._batch_loss_and_gradients(X, y)

    # -------------------------------------------------------------- evaluation

    def _n_correct(self, Z: np.ndarray, y: np.ndarray) -> int:
        """How many rows of logits ``Z`` predict the right class (checked ``y``)."""
        if self.loss_name == "cross_entropy":
            return int(np.count_nonzero(Z.argmax(axis=1) == y))
        # binary: sigmoid(z) > 0.5 exactly when z > 0
        return int(np.count_nonzero((Z[:, 0] > 0) == (y[:, 0] == 1)))

    def _evaluate(self, X: np.ndarray, y: np.ndarray, with_loss: bool = True):
        """Average loss and accuracy on checked ``(X, y)``, without gradients.

        The rows are processed in chunks of at most :data:`CHUNK_ROWS`, shared
        among the cores, so evaluating on all 60000 MNIST images needs only a
        few megabytes.
        Accuracy is NaN for ``loss="mse"``; the loss is NaN if not ``with_loss``.
        """
        n = X.shape[0]

        def chunk_loss_and_correct(start: int, stop: int) -> tuple[float, int]:
            Z = self._forward(X[start:stop])[0][self.n_layers]
            loss = self._loss_fn(Z, y[start:stop])[0] * (stop - start) if with_loss else 0.0
            correct = self._n_correct(Z, y[start:stop]) if self.loss_name != "mse" else 0
            return loss, correct

        with np.errstate(over="ignore", invalid="ignore"):
            results = _map_chunks(chunk_loss_and_correct, n)
        loss_sum = sum(loss for loss, _ in results)
        correct = sum(count for _, count in results)
        accuracy = math.nan if self.loss_name == "mse" else correct / n
        return (loss_sum / n if with_loss else math.nan), accuracy

    def loss(self, X, y) -> float:
        """Average loss of the network on ``(X, y)`` (no gradients).

        Examples
        --------
        >>> model = MLP((3, 2), rng=0)
        >>> model.loss(np.zeros((4, 3)), [0, 1, 0, 1])  # zero input: P = (0.5, 0.5)
        0.6931471805599453
        """
        X = self._check_X(X)
        y = self._check_y(y, X.shape[0])
        return self._evaluate(X, y)[0]

    def predict(self, X) -> np.ndarray:
        """Predicted class labels, or predicted values for ``loss="mse"``.

        Returns
        -------
        ndarray
            int labels (n_samples,) for classification (the most probable class,
            or class 1 when :math:`p > 0.5`); values (n_samples,) for a
            one-output regression network, (n_samples, n_outputs) otherwise.
        """
        Z = self.logits(X)
        if self.loss_name == "cross_entropy":
            return Z.argmax(axis=1)
        if self.loss_name == "binary_cross_entropy":
            return (Z[:, 0] > 0).astype(np.int64)  # sigmoid(z) > 0.5  <=>  z > 0
        return Z[:, 0] if Z.shape[1] == 1 else Z

    def accuracy(self, X, y) -> float:
        """Fraction of samples whose predicted class equals ``y``.

        Raises
        ------
        ValueError
            For a regression network (``loss="mse"``), where accuracy is undefined.
        """
        if self.loss_name == "mse":
            raise ValueError("accuracy needs a classification network; this one has loss='mse'")
        X = self._check_X(X)
        y = self._check_y(y, X.shape[0])
        return self._evaluate(X, y)[1]


def _check_layer_sizes(layer_sizes) -> tuple[int, ...]:
    if (
        isinstance(layer_sizes, str | bytes)
        or not isinstance(layer_sizes, Sequence | np.ndarray)
        or (isinstance(layer_sizes, np.ndarray) and layer_sizes.ndim != 1)
    ):
        raise TypeError(
            f"layer_sizes must be a sequence of ints such as (784, 128, 64, 10), "
            f"got {layer_sizes!r}"
        )
    if len(layer_sizes) < 2:
        raise ValueError(
            f"layer_sizes needs at least an input and an output size, got {tuple(layer_sizes)!r}"
        )
    return tuple(check_positive_int(f"layer_sizes[{i}]", n) for i, n in enumerate(layer_sizes))
