/*
 * The learning-rate playground's training core: no DOM, no drawing.
 *
 * A small network -- 2 inputs, one layer of tanh units, 1 linear output --
 * trained on mean squared error by full-batch gradient descent. It is the
 * network gdcode builds with
 *     MLP(layer_sizes, activation="tanh", loss="mse") + GradientDescent(learning_rate)
 * and trains with gdcode.training.fit(..., batch_size=None): the same
 * arithmetic, steps counted the same way, the same divergence rule. Only the
 * order in which NumPy's matrix products add their terms may differ, in the
 * last bits; tests/test_playground.py checks that both give the same loss
 * curve to 1e-9 (relative) from the same starting weights.
 *
 * Why a linear output with MSE, and not sigmoid + cross-entropy? With a
 * linear output the residual P - y is unbounded. Once the learning rate is
 * past 2 / (largest curvature of the loss), every step overshoots by more
 * than the last, the residuals grow geometrically and the loss crosses the
 * divergence threshold within a handful of steps: a real, detectable
 * divergence. A sigmoid output squashes P into (0, 1), which keeps the
 * gradient bounded: on this data set sigmoid + cross-entropy never trips
 * gdcode's divergence rule even at a learning rate of 1000 -- the loss just
 * wanders -- so there would be no "diverged at step N" to show.
 *
 * Notation (as in the book): X is (n, n_in), a layer computes
 * Z = A_prev @ W + b and A = tanh(Z) (the last layer: P = Z), W has shape
 * (n_in, n_out). Matrices are stored row by row in a Float64Array:
 * entry (i, j) of an (r, c) matrix is data[i * c + j].
 *
 * Loaded as a classic <script>, this file adds its functions to
 * window.GDPlayground; from Node, require() returns them.
 */
(function (root, factory) {
  "use strict";
  const api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.GDPlayground = Object.assign(root.GDPlayground || {}, api);
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  // ---------------------------------------------------------------------
  // The learning-rate slider works in log10 units, from 1e-4 to 100.
  const LOG10_LR_MIN = -4;
  const LOG10_LR_MAX = 2;
  const SLIDER_STEP = 0.05; // one arrow-key press multiplies the rate by about 1.12

  // gdcode's default for training.fit(..., divergence_factor=1e3); the data
  // file carries the value gdcode used, which wins.
  const DEFAULT_DIVERGENCE_FACTOR = 1e3;

  // ---------------------------------------------------------------------
  // Reading the data file written by gdcode.playground.write_playground_data

  /** A matrix {rows, cols, data} from nested arrays, checking the shape. */
  function matrixFromRows(name, rows, expectedShape) {
    if (!Array.isArray(rows) || rows.length === 0 || !Array.isArray(rows[0])) {
      throw new TypeError(name + " must be a non-empty list of rows, got " + JSON.stringify(rows));
    }
    const nRows = rows.length;
    const nCols = rows[0].length;
    if (expectedShape && (nRows !== expectedShape[0] || nCols !== expectedShape[1])) {
      throw new Error(
        name + " has shape (" + nRows + ", " + nCols + "); expected (" +
          expectedShape[0] + ", " + expectedShape[1] + ")"
      );
    }
    const data = new Float64Array(nRows * nCols);
    rows.forEach(function (row, i) {
      if (!Array.isArray(row) || row.length !== nCols) {
        throw new Error(name + " row " + i + " has " + (row && row.length) + " entries; expected " + nCols);
      }
      row.forEach(function (value, j) {
        data[i * nCols + j] = checkNumber(name + "[" + i + "][" + j + "]", value);
      });
    });
    return { rows: nRows, cols: nCols, data: data };
  }

  function vectorFromList(name, list, expectedLength) {
    if (!Array.isArray(list) || list.length !== expectedLength) {
      throw new Error(
        name + " must be a list of " + expectedLength + " numbers, got " + JSON.stringify(list)
      );
    }
    return Float64Array.from(list, function (value, i) {
      return checkNumber(name + "[" + i + "]", value);
    });
  }

  function checkNumber(name, value) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new TypeError(name + " must be a finite number, got " + JSON.stringify(value));
    }
    return value;
  }

  /**
   * Turn the parsed JSON of the data file into typed arrays.
   *
   * Returns {X, y, layers, layerSizes, divergenceFactor, presets} where X is
   * an (n, n_in) matrix, y a Float64Array of n targets and layers a list of
   * {W, b} with W an (n_in, n_out) matrix and b a Float64Array(n_out).
   */
  function parseData(json) {
    if (json === null || typeof json !== "object") {
      throw new TypeError("data must be the object in playground-data.json, got " + String(json));
    }
    const sizes = json.layer_sizes;
    if (!Array.isArray(sizes) || sizes.length < 2 || sizes[sizes.length - 1] !== 1) {
      throw new Error("layer_sizes must list at least 2 sizes ending in 1, got " + JSON.stringify(sizes));
    }
    if (json.activation !== "tanh" || json.loss !== "mse") {
      throw new Error(
        "this core trains tanh layers with an MSE loss, got activation=" +
          JSON.stringify(json.activation) + ", loss=" + JSON.stringify(json.loss)
      );
    }
    const X = matrixFromRows("X", json.X);
    if (X.cols !== sizes[0]) {
      throw new Error("X has " + X.cols + " features; the network expects " + sizes[0]);
    }
    const y = vectorFromList("y", json.y, X.rows);
    if (!Array.isArray(json.layers) || json.layers.length !== sizes.length - 1) {
      throw new Error("layers must hold " + (sizes.length - 1) + " layers, got " + JSON.stringify(json.layers));
    }
    const layers = json.layers.map(function (layer, l) {
      const nIn = sizes[l];
      const nOut = sizes[l + 1];
      return {
        W: matrixFromRows("layers[" + l + "].W", layer.W, [nIn, nOut]),
        b: vectorFromList("layers[" + l + "].b", layer.b, nOut),
      };
    });
    const factor = json.divergence_factor === undefined ? DEFAULT_DIVERGENCE_FACTOR : json.divergence_factor;
    if (!(typeof factor === "number" && factor > 1)) {
      throw new Error("divergence_factor must be a number > 1, got " + JSON.stringify(factor));
    }
    return {
      X: X,
      y: y,
      layers: layers,
      layerSizes: sizes.slice(),
      divergenceFactor: factor,
      presets: (json.presets || []).map(function (p) {
        return { label: String(p.label), learningRate: checkLearningRate(p.learning_rate) };
      }),
    };
  }

  function copyLayers(layers) {
    return layers.map(function (layer) {
      return {
        W: { rows: layer.W.rows, cols: layer.W.cols, data: Float64Array.from(layer.W.data) },
        b: Float64Array.from(layer.b),
      };
    });
  }

  // ---------------------------------------------------------------------
  // Forward and backward passes

  /**
   * Z = A @ W + b for an (n, k) matrix A. Each entry is summed over k in
   * increasing order and b is added last, as NumPy does for ``A @ W + b``.
   */
  function affine(A, W, b) {
    const n = A.rows;
    const k = A.cols;
    const m = W.cols;
    const Z = new Float64Array(n * m);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let r = 0; r < k; r++) {
          s += A.data[i * k + r] * W.data[r * m + j];
        }
        Z[i * m + j] = s + b[j];
      }
    }
    return { rows: n, cols: m, data: Z };
  }

  /**
   * Forward pass. Returns the list of activations [A0 = X, A1, ..., P]:
   * hidden layers apply tanh, the last layer is linear (P = Z).
   */
  function forward(layers, X) {
    const activations = [X];
    let A = X;
    layers.forEach(function (layer, l) {
      const Z = affine(A, layer.W, layer.b);
      if (l < layers.length - 1) {
        for (let i = 0; i < Z.data.length; i++) Z.data[i] = Math.tanh(Z.data[i]);
      }
      activations.push(Z);
      A = Z;
    });
    return activations;
  }

  /** Network outputs P (a Float64Array of n values) for the rows of X. */
  function predict(layers, X) {
    const activations = forward(layers, X);
    return activations[activations.length - 1].data;
  }

  /**
   * Mean squared error and its gradients, by backpropagation.
   *
   *   L  = (1/n) sum_i (P_i - y_i)^2
   *   dZ = 2 (P - y) / n                      (last layer, P = Z)
   *   dW = A_prev^T @ dZ,   db = column sums of dZ
   *   dA_prev = dZ @ W^T,   dZ_prev = dA_prev * (1 - A_prev^2)   (tanh' = 1 - tanh^2)
   *
   * Returns {loss, grads} with grads[l] = {dW, db} shaped like layers[l].
   */
  function lossAndGradients(layers, X, y) {
    const activations = forward(layers, X);
    const P = activations[activations.length - 1];
    const n = P.rows; // one output per sample, so the mean is over n entries
    let dZ = new Float64Array(n);
    let sumOfSquares = 0;
    for (let i = 0; i < n; i++) {
      const residual = P.data[i] - y[i];
      sumOfSquares += residual * residual;
      dZ[i] = residual;
    }
    const loss = sumOfSquares / n;
    const scale = 2 / n;
    for (let i = 0; i < n; i++) dZ[i] *= scale;

    const grads = new Array(layers.length);
    for (let l = layers.length - 1; l >= 0; l--) {
      const A = activations[l]; // input of layer l, shape (n, k)
      const W = layers[l].W; // shape (k, m)
      const k = W.rows;
      const m = W.cols;
      const dW = new Float64Array(k * m);
      const db = new Float64Array(m);
      for (let r = 0; r < k; r++) {
        for (let j = 0; j < m; j++) {
          let s = 0;
          for (let i = 0; i < n; i++) s += A.data[i * k + r] * dZ[i * m + j];
          dW[r * m + j] = s;
        }
      }
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += dZ[i * m + j];
        db[j] = s;
      }
      grads[l] = { dW: dW, db: db };
      if (l > 0) {
        // Back through W, then through the tanh of the layer below.
        const dZprev = new Float64Array(n * k);
        for (let i = 0; i < n; i++) {
          for (let r = 0; r < k; r++) {
            let s = 0;
            for (let j = 0; j < m; j++) s += dZ[i * m + j] * W.data[r * m + j];
            const a = A.data[i * k + r];
            dZprev[i * k + r] = s * (1 - a * a);
          }
        }
        dZ = dZprev;
      }
    }
    return { loss: loss, grads: grads };
  }

  /** One gradient-descent update, in place: W -= lr * dW, b -= lr * db. */
  function gradientDescentStep(layers, grads, learningRate) {
    layers.forEach(function (layer, l) {
      const W = layer.W.data;
      const dW = grads[l].dW;
      for (let i = 0; i < W.length; i++) W[i] -= learningRate * dW[i];
      const b = layer.b;
      const db = grads[l].db;
      for (let j = 0; j < b.length; j++) b[j] -= learningRate * db[j];
    });
  }

  /**
   * gdcode's divergence rule (gdcode.training.fit): the loss is NaN or
   * infinite, or it exceeds factor * max(first loss, 1). Written as
   * "not (loss <= threshold)" so that NaN counts as diverged.
   */
  function hasDiverged(loss, firstLoss, factor) {
    return !(loss <= divergenceThreshold(firstLoss, factor));
  }

  /** The loss above which a run counts as diverged (also drawn as a line). */
  function divergenceThreshold(firstLoss, factor) {
    return factor * Math.max(firstLoss, 1);
  }

  function checkLearningRate(learningRate) {
    if (typeof learningRate !== "number" || !Number.isFinite(learningRate) || learningRate <= 0) {
      throw new RangeError("learningRate must be a finite number > 0, got " + String(learningRate));
    }
    return learningRate;
  }

  // ---------------------------------------------------------------------
  // A training run that can be stepped, paused and reset

  /**
   * Full-batch gradient descent on the playground network, counted the way
   * gdcode.training.fit counts. Step k (from 1):
   *   1. loss and gradients at the current weights; losses[k - 1] = that loss;
   *   2. stop if the loss diverged (divergedStep = k, no update);
   *   3. W -= lr * dW, b -= lr * db.
   * So losses[0] is the loss of the starting weights, and the step at which
   * a run diverges is the same number gdcode's warning names.
   */
  class Trainer {
    constructor(data, options) {
      options = options || {};
      this.data = data;
      this.learningRate = checkLearningRate(
        options.learningRate === undefined ? 0.1 : options.learningRate
      );
      this.divergenceFactor =
        options.divergenceFactor === undefined ? data.divergenceFactor : options.divergenceFactor;
      this.reset();
    }

    /** Back to the starting weights from the data file, no steps taken. */
    reset() {
      this.layers = copyLayers(this.data.layers);
      this.t = 0; // steps taken
      this.losses = []; // losses[k - 1]: loss measured at step k
      this.learningRates = []; // learningRates[k - 1]: rate in force at step k
      this.diverged = false;
      this.divergedStep = null;
      this.divergedLearningRate = null;
      // Loss and gradients at the current weights: what the next step measures.
      this._next = lossAndGradients(this.layers, this.data.X, this.data.y);
      this.startLoss = this._next.loss;
      this.threshold = divergenceThreshold(this.startLoss, this.divergenceFactor);
    }

    setLearningRate(learningRate) {
      this.learningRate = checkLearningRate(learningRate);
    }

    /** The latest loss: the one measured at step t (before any step, that of the starting weights). */
    get loss() {
      return this.t > 0 ? this.losses[this.t - 1] : this.startLoss;
    }

    /** One step. Returns false (and does nothing) once the run has diverged. */
    step() {
      if (this.diverged) return false;
      const loss = this._next.loss;
      this.t += 1;
      this.losses.push(loss);
      this.learningRates.push(this.learningRate);
      if (hasDiverged(loss, this.startLoss, this.divergenceFactor)) {
        this.diverged = true;
        this.divergedStep = this.t;
        this.divergedLearningRate = this.learningRate;
        return true;
      }
      gradientDescentStep(this.layers, this._next.grads, this.learningRate);
      this._next = lossAndGradients(this.layers, this.data.X, this.data.y);
      return true;
    }

    /** Up to nSteps steps, fewer if the run diverges. Returns the number taken. */
    run(nSteps) {
      let taken = 0;
      while (taken < nSteps && this.step()) taken += 1;
      return taken;
    }

    /** Outputs of the current network for the rows of an (n, n_in) matrix. */
    predict(X) {
      return predict(this.layers, X);
    }
  }

  /**
   * Train from the starting weights for nSteps steps at a fixed rate, like
   * gdcode.playground.train_playground. Returns {losses, divergedStep}:
   * nSteps losses, or divergedStep of them when the run diverged (the last
   * one is then the loss that broke the rule); divergedStep is null otherwise.
   */
  function train(data, learningRate, nSteps, options) {
    const trainer = new Trainer(data, Object.assign({}, options, { learningRate: learningRate }));
    trainer.run(nSteps);
    return { losses: trainer.losses.slice(), divergedStep: trainer.divergedStep };
  }

  // ---------------------------------------------------------------------
  // Small pure helpers for the widget (kept here so Node can test them)

  /** A number with 2 significant digits, without trailing zeros: 0.3, 0.0012, 3300. */
  function formatNumber(x) {
    if (Number.isNaN(x)) return "not a number";
    if (!Number.isFinite(x)) return x > 0 ? "infinity" : "minus infinity";
    return String(Number(x.toPrecision(2)));
  }

  /** Slider position (log10 units) to the learning rate it stands for, rounded to 2 digits. */
  function learningRateFromSlider(position) {
    const p = Math.min(LOG10_LR_MAX, Math.max(LOG10_LR_MIN, Number(position)));
    return Number(Math.pow(10, p).toPrecision(2));
  }

  /** Learning rate to the nearest slider position. */
  function sliderFromLearningRate(learningRate) {
    const p = Math.log10(checkLearningRate(learningRate));
    const snapped = Math.round(p / SLIDER_STEP) * SLIDER_STEP;
    return Math.min(LOG10_LR_MAX, Math.max(LOG10_LR_MIN, Number(snapped.toFixed(2))));
  }

  /**
   * The sentence for the status line (the chart's text alternative).
   * state: {t, loss, learningRate, diverged, divergedStep, divergedLearningRate,
   *         running, maxSteps}
   */
  function describeState(state) {
    if (state.diverged) {
      return (
        "Diverged at step " + state.divergedStep + " \u2014 learning rate " +
        formatNumber(state.divergedLearningRate) + " is too large. " +
        "Press Reset, or pick a smaller rate and press Train."
      );
    }
    const where = "step " + state.t + " of " + state.maxSteps + ", loss " + formatNumber(state.loss) +
      ", learning rate " + formatNumber(state.learningRate) + ".";
    if (state.t >= state.maxSteps) return "Finished: " + where;
    if (state.running) return "Training: " + where;
    if (state.t === 0) {
      return "Ready: loss " + formatNumber(state.loss) + " at the starting weights, learning rate " +
        formatNumber(state.learningRate) + ". Press Train to start.";
    }
    return "Paused: " + where;
  }

  return {
    LOG10_LR_MIN: LOG10_LR_MIN,
    LOG10_LR_MAX: LOG10_LR_MAX,
    SLIDER_STEP: SLIDER_STEP,
    DEFAULT_DIVERGENCE_FACTOR: DEFAULT_DIVERGENCE_FACTOR,
    parseData: parseData,
    matrixFromRows: matrixFromRows,
    copyLayers: copyLayers,
    forward: forward,
    predict: predict,
    lossAndGradients: lossAndGradients,
    gradientDescentStep: gradientDescentStep,
    hasDiverged: hasDiverged,
    divergenceThreshold: divergenceThreshold,
    Trainer: Trainer,
    train: train,
    formatNumber: formatNumber,
    learningRateFromSlider: learningRateFromSlider,
    sliderFromLearningRate: sliderFromLearningRate,
    describeState: describeState,
  };
});
