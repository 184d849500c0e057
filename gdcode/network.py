"""A fully connected network (multilayer perceptron) with backpropagation.

Notation (the book's symbols; code names are the same where possible):

==============  =====================================  ==========================
book            code                                   shape
==============  =====================================  ==========================
:math:`A_0`     ``X`` (a batch of inputs)              (n, n_0)
:math:`W_l`     ``weights[l - 1]``                     (n_{l-1}, n_l)
:math:`b_l`     ``biases[l - 1]``                      (n_l,)
:math:`Z_l`     ``Z``: :math:`A_{l-1} W_l + b_l`       (n, n_l)
:math:`A_l`     ``A``: :math:`f(Z_l)`                  (n, n_l)
:math:`dX`      ``dX``: :math:`\\partial L/\\partial X`  shaped like ``X``
==============  =====================================  ==========================

Python lists start at 0, so layer :math:`l` of the book is index ``l - 1`` here.

The forward pass keeps what the backward pass needs, the activations
:math:`A_l` and the derivatives :math:`f'(Z_l)`; the backward pass walks the
layers in reverse:

.. math::

    dZ_L = \\partial L / \\partial Z_L \\quad\\text{(from the fused loss, e.g. } (P - Y)/n)

    dW_l = A_{l-1}^\\top dZ_l, \\qquad db_l = \\textstyle\\sum_i (dZ_l)_i,
    \\qquad dA_{l-1} = dZ_l W_l^\\top, \\qquad dZ_{l-1} = dA_{l-1} \\odot f'(Z_{l-1}).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from . import activations as _activations
from . import losses as _losses
from ._validation import as_rng, check_array, check_choice, check_labels, check_positive_int

__all__ = ["MLP"]

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


#: Batches with more rows than this are worked through in chunks (see
#: :meth:`MLP._batch_loss_and_gradients`); evaluation uses the same chunks.
CHUNK_ROWS = 8192


class _Workspace:
    """Arrays that forward + backward passes on up to ``capacity`` samples write into.

    The training loop makes one workspace and reuses it at every step, so a
    step allocates (almost) no new memory. ``rows(m)`` gives the same arrays
    cut to their first ``m`` rows, for a smaller (e.g. the last) batch.
    """

    def __init__(self, model: MLP, capacity: int):
        hidden = model.layer_sizes[1:-1]
        n_out = model.layer_sizes[-1]
        dtype, n = model.dtype, capacity
        # ReLU's derivative is 0 or 1: a boolean array holds it exactly, in a
        # quarter of the memory, and NumPy multiplies by it faster
        grad_dtype = bool if model.activation == "relu" else dtype
        self.capacity = capacity
        self.A = [np.empty((n, m), dtype) for m in hidden]  # Z_l, then A_l = f(Z_l) in place
        self.f_grad = [np.empty((n, m), grad_dtype) for m in hidden]  # f'(Z_l)
        self.Z_out = np.empty((n, n_out), dtype)  # Z_L, the logits
        self.dZ = [np.empty((n, m), dtype) for m in (*hidden, n_out)]  # dA_l, then dZ_l
        self.ones = np.ones(n, dtype)  # for db_l = 1^T dZ_l, the sum over the batch
        self.chunk_grads: list[np.ndarray] | None = None  # for batches above capacity

    def rows(self, m: int) -> _Workspace:
        """The workspace for ``m <= capacity`` samples (views of the first m rows)."""
        if m == self.capacity:
            return self
        view = object.__new__(_Workspace)
        view.capacity = m
        view.A = [a[:m] for a in self.A]
        view.f_grad = [g[:m] for g in self.f_grad]
        view.Z_out = self.Z_out[:m]
        view.dZ = [d[:m] for d in self.dZ]
        view.ones = self.ones[:m]
        view.chunk_grads = None
        return view


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
        try:
            self.dtype = np.dtype(dtype)
        except TypeError as error:
            message = f"dtype must be numpy.float32 or numpy.float64, got {dtype!r}"
            raise TypeError(message) from error
        if self.dtype not in _DTYPES:
            raise ValueError(f"dtype must be numpy.float32 or numpy.float64, got {dtype!r}")
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
            clone.dtype = np.dtype(dtype)
            if clone.dtype not in _DTYPES:
                raise ValueError(f"dtype must be numpy.float32 or numpy.float64, got {dtype!r}")
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
        X = check_array(name, X, ndim=2)
        if X.shape[1] != self.layer_sizes[0]:
            raise ValueError(
                f"{name} has {X.shape[1]} features; the network expects {self.layer_sizes[0]}"
            )
        return X.astype(self.dtype, copy=False)

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
            y_array = np.asarray(y)
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

    # ----------------------------------------------------------------- forward

    def _logits(self, X: np.ndarray) -> np.ndarray:
        """Forward pass without keeping intermediate values (checked ``X``).

        A diverged network (huge or infinite weights) gives inf/NaN outputs
        quietly; :func:`gdcode.fit` reports divergence with one clear warning.
        """
        A = X
        last = self.n_layers - 1
        with np.errstate(over="ignore", invalid="ignore"):
            for layer, (W, b) in enumerate(zip(self.weights, self.biases, strict=True)):
                Z = A @ W
                Z += b
                A = self._f(Z, out=Z) if layer < last else Z
        return A

    def logits(self, X) -> np.ndarray:
        """Pre-activations :math:`Z_L` of the last layer.

        Parameters
        ----------
        X : array_like, shape (n_samples, layer_sizes[0])

        Returns
        -------
        Z : ndarray, shape (n_samples, layer_sizes[-1])
        """
        return self._logits(self._check_X(X))

    def forward(self, X) -> np.ndarray:
        """Network output :math:`A_L = g(Z_L)` for a batch.

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

    # ---------------------------------------------------------------- training

    def _forward(self, X: np.ndarray, ws: _Workspace, for_backward: bool = True) -> np.ndarray:
        """Forward pass into the workspace arrays; returns the logits ``Z_L`` (checked ``X``).

        With ``for_backward`` it also keeps :math:`f'(Z_l)` of every hidden layer.
        """
        W, b = self.weights, self.biases
        L = self.n_layers
        # Z_l = A_{l-1} W_l + b_l and A_l = f(Z_l), starting from A_0 = X;
        # ``i`` is the list index of layer l = i + 1
        A = X
        for i in range(L - 1):
            Z = np.matmul(A, W[i], out=ws.A[i])
            Z += b[i]
            if for_backward:
                self._f_grad(Z, out=ws.f_grad[i])  # f'(Z_l), kept for the backward pass
            A = self._f(Z, out=Z)  # A_l = f(Z_l), overwriting Z_l
        Z = np.matmul(A, W[L - 1], out=ws.Z_out)
        Z += b[L - 1]
        return Z

    def _backward(self, X: np.ndarray, dZ: np.ndarray, ws: _Workspace,
                  grads: list[np.ndarray]) -> None:
        """Backpropagate ``dZ = dL/dZ_L`` through the layers, filling ``grads`` in place.

        Uses the ``A_l`` and ``f'(Z_l)`` that :meth:`_forward` left in ``ws``.
        """
        W = self.weights
        for i in reversed(range(self.n_layers)):  # the forward layers in reverse order
            A_prev = X if i == 0 else ws.A[i - 1]
            np.matmul(A_prev.T, dZ, out=grads[2 * i])  # dW_l = A_{l-1}^T dZ_l
            # db_l = sum over the batch of dZ_l, written as the product 1^T dZ_l,
            # which NumPy hands to its fast matrix library (np.sum(dZ, axis=0) is slower)
            np.matmul(ws.ones, dZ, out=grads[2 * i + 1])
            if i > 0:
                dA = np.matmul(dZ, W[i].T, out=ws.dZ[i - 1])  # dA_{l-1} = dZ_l W_l^T
                dZ = np.multiply(dA, ws.f_grad[i - 1], out=dA)  # dZ_{l-1} = dA_{l-1} * f'(Z_{l-1})

    def _loss_and_gradients(
        self, X: np.ndarray, y: np.ndarray, ws: _Workspace, grads: list[np.ndarray]
    ) -> float:
        """One forward and backward pass on checked inputs; fills ``grads`` in place.

        ``ws`` holds the buffers for ``len(X)`` samples; ``grads`` is a list of
        arrays shaped like :attr:`params`. Returns the loss.
        """
        Z = self._forward(X, ws)
        # output activation and loss, fused: gives dZ_L = dL/dZ_L directly
        loss, dZ = self._loss_fn(Z, y, out=ws.dZ[-1])
        self._backward(X, dZ, ws, grads)
        return loss

    def _batch_loss_and_gradients(
        self, X: np.ndarray, y: np.ndarray, ws: _Workspace, grads: list[np.ndarray]
    ) -> float:
        """:meth:`_loss_and_gradients` for a batch of any size (checked inputs).

        A batch larger than the workspace (e.g. all 60000 MNIST images in
        full-batch gradient descent) is worked through in chunks. This gives
        the same result because the loss is an average: with chunks :math:`c`
        of :math:`n_c` samples,

        .. math:: L = \\frac1n \\sum_i \\ell_i = \\sum_c \\frac{n_c}{n} L_c,
                  \\qquad \\nabla L = \\sum_c \\frac{n_c}{n} \\nabla L_c,

        and it needs a few megabytes of scratch memory instead of a hundred.
        """
        n = X.shape[0]
        if n <= ws.capacity:
            return self._loss_and_gradients(X, y, ws.rows(n), grads)
        if ws.chunk_grads is None:
            ws.chunk_grads = self._new_grads()
        n_chunks = math.ceil(n / ws.capacity)
        size = math.ceil(n / n_chunks)  # equal chunks: 60000 rows -> 8 chunks of 7500
        loss = 0.0
        for start in range(0, n, size):
            stop = min(start + size, n)
            weight = (stop - start) / n  # n_c / n
            chunk_loss = self._loss_and_gradients(
                X[start:stop], y[start:stop], ws.rows(stop - start), ws.chunk_grads
            )
            loss += weight * chunk_loss
            for g, g_chunk in zip(grads, ws.chunk_grads, strict=True):
                g_chunk *= weight
                if start == 0:
                    g[...] = g_chunk
                else:
                    g += g_chunk
        return loss

    def _new_grads(self) -> list[np.ndarray]:
        return [np.empty_like(p) for p in self.params]

    def loss_and_gradients(self, X, y) -> tuple[float, list[np.ndarray]]:
        """Loss on a batch and its gradient with respect to every parameter.

        Forward pass, fused output loss (e.g. :math:`dZ_L = (P - Y)/n`), then
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
        grads = self._new_grads()
        workspace = _Workspace(self, min(len(X), CHUNK_ROWS))
        with np.errstate(over="ignore", invalid="ignore"):
            loss = self._batch_loss_and_gradients(X, y, workspace, grads)
        return loss, grads

    # -------------------------------------------------------------- evaluation

    def _n_correct(self, Z: np.ndarray, y: np.ndarray) -> int:
        """How many rows of logits ``Z`` predict the right class (checked ``y``)."""
        if self.loss_name == "cross_entropy":
            return int(np.count_nonzero(Z.argmax(axis=1) == y))
        # binary: sigmoid(z) > 0.5 exactly when z > 0
        return int(np.count_nonzero((Z[:, 0] > 0) == (y[:, 0] == 1)))

    def _evaluate(self, X: np.ndarray, y: np.ndarray, with_loss: bool = True,
                  ws: _Workspace | None = None):
        """Average loss and accuracy on checked ``(X, y)``, without gradients.

        The rows are processed in chunks of at most :data:`CHUNK_ROWS`, in the
        arrays of ``ws`` (a new workspace if none is given), so evaluating on
        all 60000 MNIST images needs only a few megabytes of scratch memory.
        Accuracy is NaN for ``loss="mse"``; the loss is NaN if not ``with_loss``.
        """
        n = X.shape[0]
        if ws is None:
            ws = _Workspace(self, min(n, CHUNK_ROWS))
        loss_sum, correct = 0.0, 0
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, n, ws.capacity):
                stop = min(start + ws.capacity, n)
                Z = self._forward(X[start:stop], ws.rows(stop - start), for_backward=False)
                if with_loss:
                    loss_sum += self._loss_fn(Z, y[start:stop])[0] * (stop - start)
                if self.loss_name != "mse":
                    correct += self._n_correct(Z, y[start:stop])
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
    if isinstance(layer_sizes, str | bytes) or not isinstance(layer_sizes, Sequence | np.ndarray):
        raise TypeError(
            f"layer_sizes must be a sequence of ints such as (784, 128, 64, 10), "
            f"got {layer_sizes!r}"
        )
    if len(layer_sizes) < 2:
        raise ValueError(
            f"layer_sizes needs at least an input and an output size, got {tuple(layer_sizes)!r}"
        )
    return tuple(check_positive_int(f"layer_sizes[{i}]", n) for i, n in enumerate(layer_sizes))
