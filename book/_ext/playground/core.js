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

  // The slider's range, the defaults, the schedules and batch sizes offered and
  // the divergence factor are not written here: gdcode defines them once
  // (gdcode.playground.CONTROLS, gdcode.training.DIVERGENCE_FACTOR) and writes
  // them into the data file, and parseData reads them from there.

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
    const factor = json.divergence_factor;
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
      controls: parseControls(json.controls),
    };
  }

  /**
   * The controls' defaults and ranges, as gdcode.playground.CONTROLS writes them:
   * {learningRate, log10Min, log10Max, sliderStep, stepsPerFrame, maxSteps,
   *  schedule, schedules, stepDecayDrop, stepDecayStages, batchSize, batchSizes,
   *  seed, maxSeed}. batchSize null means the full batch.
   */
  function parseControls(c) {
    if (c === null || typeof c !== "object") {
      throw new TypeError("controls must be the object gdcode.playground writes, got " + JSON.stringify(c));
    }
    function positiveInteger(name) {
      const v = c[name];
      if (!Number.isInteger(v) || v < 1) {
        throw new Error("controls." + name + " must be an integer >= 1, got " + JSON.stringify(v));
      }
      return v;
    }
    function batch(name, v) {
      if (v !== null && !(Number.isInteger(v) && v >= 1)) {
        throw new Error(name + " must be null (full batch) or an integer >= 1, got " + JSON.stringify(v));
      }
      return v;
    }
    const range = c.log10_learning_rate_range;
    if (!Array.isArray(range) || range.length !== 2 || !(range[0] < range[1])) {
      throw new Error("controls.log10_learning_rate_range must be [low, high], got " + JSON.stringify(range));
    }
    const schedules = c.schedules;
    if (!Array.isArray(schedules) || schedules.some(function (name) { return !(name in SCHEDULE_RULES); })) {
      throw new Error("controls.schedules must name schedules among " +
        Object.keys(SCHEDULE_RULES).join(", ") + ", got " + JSON.stringify(schedules));
    }
    if (schedules.indexOf(c.schedule) < 0) {
      throw new Error("controls.schedule must be one of controls.schedules, got " + JSON.stringify(c.schedule));
    }
    if (!Array.isArray(c.batch_sizes) || c.batch_sizes.length === 0) {
      throw new Error("controls.batch_sizes must be a list, got " + JSON.stringify(c.batch_sizes));
    }
    const batchSizes = c.batch_sizes.map(function (v, i) { return batch("controls.batch_sizes[" + i + "]", v); });
    if (batchSizes.indexOf(batch("controls.batch_size", c.batch_size)) < 0) {
      throw new Error("controls.batch_size must be one of controls.batch_sizes, got " + JSON.stringify(c.batch_size));
    }
    const drop = checkNumber("controls.step_decay_drop", c.step_decay_drop);
    if (!(drop > 0 && drop <= 1)) throw new Error("controls.step_decay_drop must be in (0, 1], got " + drop);
    const maxSeed = positiveInteger("max_seed");
    if (!Number.isInteger(c.seed) || c.seed < 0 || c.seed > maxSeed) {
      throw new Error("controls.seed must be an integer in [0, max_seed], got " + JSON.stringify(c.seed));
    }
    return {
      learningRate: checkLearningRate(c.learning_rate),
      log10Min: checkNumber("controls.log10_learning_rate_range[0]", range[0]),
      log10Max: checkNumber("controls.log10_learning_rate_range[1]", range[1]),
      sliderStep: checkNumber("controls.slider_step", c.slider_step),
      stepsPerFrame: positiveInteger("steps_per_frame"),
      maxSteps: positiveInteger("max_steps"),
      schedule: c.schedule,
      schedules: schedules.slice(),
      stepDecayDrop: drop,
      stepDecayStages: positiveInteger("step_decay_stages"),
      batchSize: c.batch_size,
      batchSizes: batchSizes,
      seed: c.seed,
      maxSeed: maxSeed,
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
  // Learning-rate schedules: the formulas of gdcode.schedules, with the
  // parameters gdcode.playground.playground_schedule picks. t counts the
  // updates already made, from 0, as gdcode's optimizers count them.

  const SCHEDULE_RULES = {
    // eta_t = eta
    constant: function (eta) {
      return function () {
        return eta;
      };
    },
    // step_decay(eta, drop, every): eta_t = eta * drop^floor(t / every),
    // every = max(1, floor(nSteps / stages))
    step: function (eta, nSteps, controls) {
      const every = Math.max(1, Math.floor(nSteps / controls.stepDecayStages));
      const drop = controls.stepDecayDrop;
      return function (t) {
        return eta * Math.pow(drop, Math.floor(t / every));
      };
    },
    // cosine_decay(eta, total_steps=nSteps): eta_t = 0 + 0.5 (eta - 0) (1 + cos(pi min(t, T) / T))
    cosine: function (eta, nSteps) {
      const final = 0;
      return function (t) {
        const progress = Math.min(t, nSteps) / nSteps;
        return final + 0.5 * (eta - final) * (1 + Math.cos(Math.PI * progress));
      };
    },
  };

  /** The schedule t -> eta_t called `name`, starting at learningRate, for a run of nSteps. */
  function scheduleFunction(name, learningRate, nSteps, controls) {
    const rule = SCHEDULE_RULES[name];
    if (!rule) {
      throw new Error("schedule must be one of " + Object.keys(SCHEDULE_RULES).join(", ") +
        ", got " + JSON.stringify(name));
    }
    return rule(checkLearningRate(learningRate), nSteps, controls);
  }

  /** Steps in an epoch of n samples in batches of batchSize (null: the full batch). */
  function stepsPerEpoch(batchSize, n) {
    return Math.ceil(n / Math.min(batchSize === null ? n : batchSize, n));
  }

  /** nSteps rounded up to whole epochs, as gdcode.playground.run_length. */
  function runLength(nSteps, batchSize, n) {
    const perEpoch = stepsPerEpoch(batchSize, n);
    return perEpoch * Math.ceil(nSteps / perEpoch);
  }

  // ---------------------------------------------------------------------
  // NumPy's random numbers: default_rng(seed).permutation(n), bit for bit.
  //
  // gdcode.training.fit shuffles the samples every epoch with
  // rng.permutation(n), rng = numpy.random.default_rng(seed): a PCG64
  // generator (128-bit state, XSL-RR output) seeded through NumPy's
  // SeedSequence. The same three pieces follow, so a seed means the same
  // mini-batches here as in Python. (BigInt for the 128-bit arithmetic;
  // a permutation of 60 samples takes about 30 draws.)

  const MASK64 = (1n << 64n) - 1n;
  const MASK128 = (1n << 128n) - 1n;
  const PCG_MULTIPLIER = (0x2360ed051fc65da4n << 64n) | 0x4385df649fccf645n;

  function mul32(a, b) {
    return Math.imul(a, b) >>> 0;
  }

  /** SeedSequence(seed).generate_state(nWords, uint64), as BigInts. */
  function seedSequenceState(seed, nWords) {
    const INIT_A = 0x43b0d7e5;
    const MULT_A = 0x931e8875;
    const INIT_B = 0x8b51f9dd;
    const MULT_B = 0x58f38ded;
    const MIX_MULT_L = 0xca01f9dd;
    const MIX_MULT_R = 0x4973f715;
    const XSHIFT = 16;
    const POOL_SIZE = 4;
    const entropy = []; // the seed as 32-bit words, least significant first
    let rest = BigInt(seed);
    if (rest === 0n) entropy.push(0);
    while (rest > 0n) {
      entropy.push(Number(rest & 0xffffffffn));
      rest >>= 32n;
    }
    let hashConst = INIT_A;
    function hashmix(value) {
      value = (value ^ hashConst) >>> 0;
      hashConst = mul32(hashConst, MULT_A);
      value = mul32(value, hashConst);
      return (value ^ (value >>> XSHIFT)) >>> 0;
    }
    function mix(x, y) {
      const result = (mul32(MIX_MULT_L, x) - mul32(MIX_MULT_R, y)) >>> 0;
      return (result ^ (result >>> XSHIFT)) >>> 0;
    }
    const pool = [];
    for (let i = 0; i < POOL_SIZE; i++) pool.push(hashmix(i < entropy.length ? entropy[i] : 0));
    for (let src = 0; src < POOL_SIZE; src++) {
      for (let dst = 0; dst < POOL_SIZE; dst++) {
        if (src !== dst) pool[dst] = mix(pool[dst], hashmix(pool[src]));
      }
    }
    for (let src = POOL_SIZE; src < entropy.length; src++) {
      for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst], hashmix(entropy[src]));
    }
    let hash = INIT_B;
    const words = [];
    for (let i = 0; i < 2 * nWords; i++) {
      let value = (pool[i % POOL_SIZE] ^ hash) >>> 0;
      hash = mul32(hash, MULT_B);
      value = mul32(value, hash);
      words.push((value ^ (value >>> XSHIFT)) >>> 0);
    }
    const out = [];
    for (let k = 0; k < nWords; k++) out.push(BigInt(words[2 * k]) | (BigInt(words[2 * k + 1]) << 32n));
    return out;
  }

  /** numpy.random.default_rng(seed), for what fit uses of it: permutation(n). */
  class NumpyRandom {
    constructor(seed) {
      if (!Number.isSafeInteger(seed) || seed < 0) {
        throw new RangeError("seed must be an integer >= 0, got " + String(seed));
      }
      const s = seedSequenceState(seed, 4);
      const initState = (s[0] << 64n) | s[1];
      const initSeq = (s[2] << 64n) | s[3];
      this.increment = ((initSeq << 1n) | 1n) & MASK128;
      this.state = 0n;
      this.advance();
      this.state = (this.state + initState) & MASK128;
      this.advance();
      this.spare = null; // the upper half of a 64-bit draw, kept for the next 32-bit one
    }

    advance() {
      this.state = (this.state * PCG_MULTIPLIER + this.increment) & MASK128;
    }

    /** The next 64-bit output (as a BigInt): XSL-RR of the advanced state. */
    next64() {
      this.advance();
      const xored = ((this.state >> 64n) ^ this.state) & MASK64;
      const rotation = this.state >> 122n;
      return ((xored >> rotation) | (xored << ((64n - rotation) & 63n))) & MASK64;
    }

    /** The next 32-bit output: the low half of a 64-bit draw, then its high half. */
    next32() {
      if (this.spare !== null) {
        const value = this.spare;
        this.spare = null;
        return value;
      }
      const draw = this.next64();
      this.spare = Number(draw >> 32n);
      return Number(draw & 0xffffffffn);
    }

    /** A uniform integer in [0, max] by masked rejection (NumPy's random_interval). */
    interval(max) {
      if (max === 0) return 0;
      let mask = max;
      mask |= mask >>> 1;
      mask |= mask >>> 2;
      mask |= mask >>> 4;
      mask |= mask >>> 8;
      mask |= mask >>> 16;
      let value;
      do {
        value = (this.next32() & mask) >>> 0;
      } while (value > max);
      return value;
    }

    /** permutation(n): a Fisher-Yates shuffle of 0..n-1, from the end. */
    permutation(n) {
      const order = new Int32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      for (let i = n - 1; i >= 1; i--) {
        const j = this.interval(i);
        const saved = order[j];
        order[j] = order[i];
        order[i] = saved;
      }
      return order;
    }
  }

  /** The rows of (X, y) listed in `rows`, in that order (X[rows], y[rows] in NumPy). */
  function takeRows(X, y, rows) {
    const k = X.cols;
    const Xb = new Float64Array(rows.length * k);
    const yb = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      for (let c = 0; c < k; c++) Xb[i * k + c] = X.data[rows[i] * k + c];
      yb[i] = y[rows[i]];
    }
    return { X: { rows: rows.length, cols: k, data: Xb }, y: yb };
  }

  // ---------------------------------------------------------------------
  // A training run that can be stepped, paused and reset

  /**
   * Gradient descent on the playground network, counted the way
   * gdcode.training.fit counts. Step k (from 1):
   *   1. at the start of an epoch of mini-batches, a new order of the samples
   *      (rng.permutation(n)); the step's batch is the next slice of it (the
   *      whole data set, in order, for the full batch);
   *   2. eta = schedule(k - 1); loss and gradients on the batch; losses[k - 1] = that loss;
   *   3. stop if the loss diverged (divergedStep = k, no update);
   *   4. W -= eta * dW, b -= eta * db.
   * So with the full batch losses[0] is the loss of the starting weights,
   * and the step at which a run diverges is the same number gdcode's warning names.
   *
   * options: learningRate, schedule (a name), batchSize (null: full batch),
   * seed, maxSteps (the run is maxSteps rounded up to whole epochs), divergenceFactor.
   */
  class Trainer {
    constructor(data, options) {
      options = options || {};
      const controls = data.controls;
      this.data = data;
      this.n = data.X.rows;
      this.divergenceFactor =
        options.divergenceFactor === undefined ? data.divergenceFactor : options.divergenceFactor;
      this.maxSteps = options.maxSteps === undefined ? controls.maxSteps : options.maxSteps;
      this.configure({
        learningRate: options.learningRate === undefined ? controls.learningRate : options.learningRate,
        schedule: options.schedule === undefined ? controls.schedule : options.schedule,
        batchSize: options.batchSize === undefined ? controls.batchSize : options.batchSize,
        seed: options.seed === undefined ? controls.seed : options.seed,
      });
    }

    /** New settings ({learningRate, schedule, batchSize, seed}); the run starts again. */
    configure(settings) {
      const batchSize = settings.batchSize;
      if (batchSize !== null && !(Number.isInteger(batchSize) && batchSize >= 1)) {
        throw new RangeError("batchSize must be null (full batch) or an integer >= 1, got " + String(batchSize));
      }
      if (!Number.isSafeInteger(settings.seed) || settings.seed < 0) {
        throw new RangeError("seed must be an integer >= 0, got " + String(settings.seed));
      }
      this.batchSize = batchSize;
      this.fullBatch = batchSize === null || batchSize >= this.n;
      this.seed = settings.seed;
      this.scheduleName = settings.schedule;
      this.runSteps = runLength(this.maxSteps, batchSize, this.n);
      this.setLearningRate(settings.learningRate);
      this.reset();
    }

    /** Back to the starting weights from the data file, no steps taken. */
    reset() {
      this.layers = copyLayers(this.data.layers);
      this.rng = new NumpyRandom(this.seed);
      this.order = null; // this epoch's order of the samples (mini-batches only)
      this.t = 0; // steps taken
      this.losses = []; // losses[k - 1]: loss measured at step k
      this.learningRates = []; // learningRates[k - 1]: rate in force at step k
      this.diverged = false;
      this.divergedStep = null;
      this.divergedLearningRate = null;
      this.lastUpdate = null; // {step, w, grad, eta, newW} for one weight, W1[0][0]
      // The loss of the starting weights on all the data (what the widget shows before step 1).
      this.startLoss = lossAndGradients(this.layers, this.data.X, this.data.y).loss;
      // Set from the first step's loss, as fit does; until then, from the full-data loss.
      this.threshold = divergenceThreshold(this.startLoss, this.divergenceFactor);
    }

    /**
     * The learning rate at step 0 of the schedule. Takes effect from the
     * next step, without a reset (the slider can move during a run).
     */
    setLearningRate(learningRate) {
      this.learningRate = checkLearningRate(learningRate);
      this.schedule = scheduleFunction(this.scheduleName, learningRate, this.runSteps, this.data.controls);
    }

    /** The rate the next step will use. */
    get currentLearningRate() {
      return this.schedule(this.t);
    }

    /** The latest loss: the one measured at step t (before any step, that of the starting weights). */
    get loss() {
      return this.t > 0 ? this.losses[this.t - 1] : this.startLoss;
    }

    get finished() {
      return this.diverged || this.t >= this.runSteps;
    }

    /** The samples of the next step's batch. */
    nextBatch() {
      if (this.fullBatch) return { X: this.data.X, y: this.data.y };
      const perEpoch = stepsPerEpoch(this.batchSize, this.n);
      const k = this.t % perEpoch; // batch number within the epoch
      if (k === 0) this.order = this.rng.permutation(this.n);
      const start = k * this.batchSize;
      return takeRows(this.data.X, this.data.y, this.order.subarray(start, Math.min(start + this.batchSize, this.n)));
    }

    /** One step. Returns false (and does nothing) once the run has diverged. */
    step() {
      if (this.diverged) return false;
      const batch = this.nextBatch();
      const eta = this.schedule(this.t);
      const result = lossAndGradients(this.layers, batch.X, batch.y);
      const loss = result.loss;
      this.t += 1;
      this.losses.push(loss);
      this.learningRates.push(eta);
      if (this.t === 1) this.threshold = divergenceThreshold(loss, this.divergenceFactor);
      const w = this.layers[0].W.data[0];
      const grad = result.grads[0].dW[0];
      if (!(loss <= this.threshold)) {
        this.diverged = true;
        this.divergedStep = this.t;
        this.divergedLearningRate = eta;
        this.lastUpdate = { step: this.t, w: w, grad: grad, eta: eta, newW: null };
        return true;
      }
      gradientDescentStep(this.layers, result.grads, eta);
      this.lastUpdate = { step: this.t, w: w, grad: grad, eta: eta, newW: this.layers[0].W.data[0] };
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
   * A whole run from the starting weights, like gdcode.playground.train_playground:
   * nSteps rounded up to whole epochs. options: schedule, batchSize, seed, divergenceFactor.
   * Returns {losses, learningRates, divergedStep}: one loss per step taken (the
   * last one broke the rule when the run diverged; divergedStep is null otherwise).
   */
  function train(data, learningRate, nSteps, options) {
    const trainer = new Trainer(data, Object.assign({}, options, { learningRate: learningRate, maxSteps: nSteps }));
    trainer.run(trainer.runSteps);
    return {
      losses: trainer.losses.slice(),
      learningRates: trainer.learningRates.slice(),
      divergedStep: trainer.divergedStep,
    };
  }

  // ---------------------------------------------------------------------
  // Small pure helpers for the widget (kept here so Node can test them)

  /** A number with 2 significant digits, without trailing zeros: 0.3, 0.0012, 3300. */
  function formatNumber(x) {
    return formatDigits(x, 2);
  }

  /** A number with `digits` significant digits, without trailing zeros; words for NaN and infinity. */
  function formatDigits(x, digits) {
    if (Number.isNaN(x)) return "not a number";
    if (!Number.isFinite(x)) return x > 0 ? "infinity" : "minus infinity";
    return String(Number(x.toPrecision(digits)));
  }

  /** Slider position (log10 units) to the learning rate it stands for, rounded to 2 digits. */
  function learningRateFromSlider(position, controls) {
    const p = Math.min(controls.log10Max, Math.max(controls.log10Min, Number(position)));
    return Number(Math.pow(10, p).toPrecision(2));
  }

  /** Learning rate to the nearest slider position. */
  function sliderFromLearningRate(learningRate, controls) {
    const p = Math.log10(checkLearningRate(learningRate));
    const step = controls.sliderStep;
    const snapped = Math.round(p / step) * step;
    return Math.min(controls.log10Max, Math.max(controls.log10Min, Number(snapped.toFixed(2))));
  }

  /** Words for a schedule, e.g. "step decay, halved every 500 steps". */
  function describeSchedule(name, nSteps, controls) {
    if (name === "step") {
      const every = Math.max(1, Math.floor(nSteps / controls.stepDecayStages));
      const drop = controls.stepDecayDrop;
      return "step decay, " + (drop === 0.5 ? "halved" : "times " + formatDigits(drop, 3)) +
        " every " + every + " steps";
    }
    if (name === "cosine") return "cosine decay to 0 at step " + nSteps;
    return "constant";
  }

  /** Words for a batch size: "full batch (60)" or "mini-batches of 16". */
  function describeBatch(batchSize, n) {
    if (batchSize === null || batchSize >= n) return "full batch (" + n + ")";
    return batchSize === 1 ? "one sample per step (stochastic)" : "mini-batches of " + batchSize;
  }

  /**
   * The sentence for the status line (the chart's text alternative).
   * state: {t, loss, learningRate, diverged, divergedStep, divergedLearningRate,
   *         running, maxSteps, schedule (optional name), baseLearningRate (optional)}
   */
  function describeState(state) {
    if (state.diverged) {
      return (
        "Diverged at step " + state.divergedStep + " \u2014 learning rate " +
        formatNumber(state.divergedLearningRate) + " is too large. " +
        "Press Reset, or pick a smaller rate and press Train."
      );
    }
    let rate = "learning rate " + formatNumber(state.learningRate);
    if (state.schedule && state.schedule !== "constant") {
      rate += " (" + state.schedule + " schedule from " + formatNumber(state.baseLearningRate) + ")";
    }
    const where = "step " + state.t + " of " + state.maxSteps + ", loss " + formatNumber(state.loss) +
      ", " + rate + ".";
    if (state.t >= state.maxSteps) return "Finished: " + where;
    if (state.running) return "Training: " + where;
    if (state.t === 0) {
      return "Ready: loss " + formatNumber(state.loss) + " at the starting weights, " + rate +
        ". Press Train to start.";
    }
    return "Paused: " + where;
  }

  /**
   * The update rule with the numbers of the last step, for one weight w
   * (W1[0][0]: from input 1 to hidden unit 1). update: Trainer.lastUpdate.
   */
  function describeUpdate(update) {
    if (update === null) {
      return "Each step: w \u2190 w \u2212 \u03b7 \u00d7 \u2202L/\u2202w. Press Train or Step to see the numbers.";
    }
    const f = function (x) {
      return formatDigits(x, 6);
    };
    const grad = update.grad < 0 ? "(" + f(update.grad) + ")" : f(update.grad);
    const head = "Step " + update.step + ": w \u2190 w \u2212 \u03b7 \u00d7 \u2202L/\u2202w = " +
      f(update.w) + " \u2212 " + f(update.eta) + " \u00d7 " + grad;
    if (update.newW === null) return head + ": not applied, the loss diverged at this step.";
    return head + " = " + f(update.newW);
  }

  // ---------------------------------------------------------------------
  // The settings in the page address (?lr=0.15&schedule=cosine&batch=16&seed=3)

  const URL_KEYS = { learningRate: "lr", schedule: "schedule", batchSize: "batch", seed: "seed" };

  /**
   * Settings {learningRate, schedule, batchSize, seed} from a query string;
   * a missing or invalid value keeps the one in `fallback`.
   */
  function stateFromQuery(query, controls, fallback) {
    const params = new URLSearchParams(query);
    const state = Object.assign({}, fallback);
    const lr = params.get(URL_KEYS.learningRate);
    if (lr !== null && lr.trim() !== "") {
      const value = Number(lr);
      if (Number.isFinite(value) && value >= Math.pow(10, controls.log10Min) &&
          value <= Math.pow(10, controls.log10Max)) {
        state.learningRate = value;
      }
    }
    const schedule = params.get(URL_KEYS.schedule);
    if (schedule !== null && controls.schedules.indexOf(schedule) >= 0) state.schedule = schedule;
    const batch = params.get(URL_KEYS.batchSize);
    if (batch !== null) {
      const value = batch === "full" ? null : (/^[0-9]+$/.test(batch) ? Number(batch) : NaN);
      if (controls.batchSizes.indexOf(value) >= 0) state.batchSize = value;
    }
    const seed = params.get(URL_KEYS.seed);
    if (seed !== null && /^[0-9]+$/.test(seed) && Number(seed) <= controls.maxSeed) {
      state.seed = Number(seed);
    }
    return state;
  }

  /** The query string holding `state`, keeping the other parameters of `query`. */
  function queryFromState(state, query) {
    const params = new URLSearchParams(query || "");
    params.set(URL_KEYS.learningRate, String(state.learningRate));
    params.set(URL_KEYS.schedule, state.schedule);
    params.set(URL_KEYS.batchSize, state.batchSize === null ? "full" : String(state.batchSize));
    params.set(URL_KEYS.seed, String(state.seed));
    return "?" + params.toString();
  }

  // ---------------------------------------------------------------------
  // "Copy as Python": the gdcode code that reproduces a run exactly

  function pythonNumber(x) {
    const text = String(x);
    return /^-?[0-9]+$/.test(text) ? text + ".0" : text;
  }

  /**
   * Python source that runs, with gdcode, the run these settings give in the
   * widget: the same data, starting weights, schedule, batches and steps.
   * state: {learningRate, schedule, batchSize, seed}; data: from parseData.
   */
  function pythonCode(state, data, maxSteps) {
    const controls = data.controls;
    const n = data.X.rows;
    const steps = runLength(maxSteps, state.batchSize, n);
    const perEpoch = stepsPerEpoch(state.batchSize, n);
    const eta = pythonNumber(state.learningRate);
    const lines = [
      "# The learning-rate playground's run: " +
        (state.schedule === "constant" ? "learning rate " + String(state.learningRate) :
          describeSchedule(state.schedule, steps, controls) + " from " + String(state.learningRate)) +
        ", " + describeBatch(state.batchSize, n) + ", seed " + state.seed + ".",
      "import numpy as np",
      "",
      "from gdcode.optimizers import GradientDescent",
      "from gdcode.playground import make_playground_data, network_from_data",
    ];
    let rate = eta;
    if (state.schedule === "step") {
      const every = Math.max(1, Math.floor(steps / controls.stepDecayStages));
      lines.push("from gdcode.schedules import step_decay");
      rate = "step_decay(" + eta + ", drop=" + pythonNumber(controls.stepDecayDrop) + ", every=" + every + ")";
    } else if (state.schedule === "cosine") {
      lines.push("from gdcode.schedules import cosine_decay");
      rate = "cosine_decay(" + eta + ", total_steps=" + steps + ")";
    }
    lines.push(
      "from gdcode.training import fit",
      "",
      "data = make_playground_data()    # the playground's " + n + " points and starting weights",
      "model = network_from_data(data)  # MLP((" + data.layerSizes.join(", ") +
        "), activation=\"tanh\", loss=\"mse\")",
      "X, y = np.array(data[\"X\"]), np.array(data[\"y\"])",
      "learning_rate = " + rate,
      "# " + steps + " steps: " + steps / perEpoch + " epochs of " + perEpoch +
        (perEpoch === 1 ? " step" : " steps") + (state.batchSize === null ? " (batch_size=None: the full batch)" : ""),
      "history = fit(model, X, y, optimizer=GradientDescent(learning_rate),",
      "              batch_size=" + (state.batchSize === null ? "None" : String(state.batchSize)) +
        ", epochs=" + steps / perEpoch + ", rng=" + state.seed + ", progress=False)",
      "print(f\"{len(history.step_loss)} steps, last loss {history.step_loss[-1]:.6g}, \"",
      "      f\"diverged at step {history.diverged_step}\")",
      ""
    );
    return lines.join("\n");
  }

  return {
    parseData: parseData,
    matrixFromRows: matrixFromRows,
    copyLayers: copyLayers,
    forward: forward,
    predict: predict,
    lossAndGradients: lossAndGradients,
    gradientDescentStep: gradientDescentStep,
    hasDiverged: hasDiverged,
    divergenceThreshold: divergenceThreshold,
    scheduleFunction: scheduleFunction,
    stepsPerEpoch: stepsPerEpoch,
    runLength: runLength,
    seedSequenceState: seedSequenceState,
    NumpyRandom: NumpyRandom,
    Trainer: Trainer,
    train: train,
    formatNumber: formatNumber,
    formatDigits: formatDigits,
    learningRateFromSlider: learningRateFromSlider,
    sliderFromLearningRate: sliderFromLearningRate,
    describeSchedule: describeSchedule,
    describeBatch: describeBatch,
    describeState: describeState,
    describeUpdate: describeUpdate,
    stateFromQuery: stateFromQuery,
    queryFromState: queryFromState,
    pythonCode: pythonCode,
  };
});
