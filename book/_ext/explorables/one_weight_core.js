/*
 * The one-weight explorable's core (W3D4): no DOM, no drawing.
 *
 * The model y = w x on the chapter's data, with the loss
 *     L(w) = mean((w x_i - y_i)^2),   L'(w) = mean(2 x_i (w x_i - y_i)),
 * and gradient descent w_{k+1} = w_k - eta L'(w_k), step by step as
 * gdcode.one_param.gradient_descent runs it: the same arithmetic in the same
 * order (the means are summed the way NumPy sums them), the same divergence
 * rule (a step whose w, L or L' is not finite ends the run). tests/js/
 * explorables.test.js checks every w, L and L' against gdcode's to 1e-9.
 *
 * The loss is a parabola with curvature L'' = 2 mean(x^2), so one step
 * multiplies the distance to the minimum w* by 1 - eta L'':
 *   0 < 1 - eta L'' < 1    creeps in from one side,
 *   -1 < 1 - eta L'' < 0   zig-zags in (overshoots, by less each time),
 *   1 - eta L'' < -1       zig-zags out (overshoots by more: diverges).
 *
 * Loaded as a classic <script> it sets window.GDExplorables.oneWeight.
 */
(function (root, factory) {
  "use strict";
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./shared_core.js"));
  } else {
    root.GDExplorables.oneWeight = factory(root.GDExplorables.shared);
  }
})(typeof self !== "undefined" ? self : this, function (shared) {
  "use strict";

  /**
   * Sum of a list the way NumPy's add.reduce sums float64 (pairwise: eight
   * running sums per block of up to 128 values), so that means agree to the bit.
   */
  function pairwiseSum(a, start, n) {
    if (n < 8) {
      let s = 0;
      for (let i = 0; i < n; i++) s += a[start + i];
      return s;
    }
    if (n <= 128) {
      const r = new Float64Array(8);
      for (let j = 0; j < 8; j++) r[j] = a[start + j];
      let i = 8;
      for (; i < n - (n % 8); i += 8) {
        for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
      }
      let s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
      for (; i < n; i++) s += a[start + i];
      return s;
    }
    let half = Math.floor(n / 2);
    half -= half % 8;
    return pairwiseSum(a, start, half) + pairwiseSum(a, start + half, n - half);
  }

  function mean(a) {
    return pairwiseSum(a, 0, a.length) / a.length;
  }

  /** The data file (one-weight.json) as typed arrays, with L'' and w* computed here. */
  function parseData(json) {
    shared.checkFormat(json, "one-weight data");
    const x = shared.checkNumbers("x", json.x);
    const y = shared.checkNumbers("y", json.y, x.length);
    if (x.length === 0) throw new RangeError("x must hold at least one point, got none");
    const squares = x.map(function (v) {
      return v * v;
    });
    const products = x.map(function (v, i) {
      return v * y[i];
    });
    const meanSquare = mean(squares);
    const data = {
      x: x,
      y: y,
      curvature: 2 * meanSquare, // L'' = 2 mean(x^2), the same at every w
      wBest: mean(products) / meanSquare, // where L' = 0
      defaults: {
        w0: shared.checkNumber("defaults.w0", json.defaults.w0),
        learningRate: shared.checkNumber("defaults.learning_rate", json.defaults.learning_rate),
        nSteps: shared.checkNumber("defaults.n_steps", json.defaults.n_steps),
      },
      ranges: {
        w0: shared.checkNumbers("ranges.w0", json.ranges.w0, 2),
        learningRate: shared.checkNumbers("ranges.learning_rate", json.ranges.learning_rate, 2),
        nSteps: shared.checkNumbers("ranges.n_steps", json.ranges.n_steps, 2),
      },
    };
    data.lossBest = loss(data, data.wBest);
    return data;
  }

  /** L(w) and L'(w), computed as gdcode computes them. */
  function lossAndGradient(data, w) {
    const n = data.x.length;
    const squared = new Float64Array(n);
    const slope = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const residual = w * data.x[i] - data.y[i];
      squared[i] = residual * residual;
      slope[i] = 2 * data.x[i] * residual;
    }
    return { loss: mean(squared), gradient: mean(slope) };
  }

  function loss(data, w) {
    return lossAndGradient(data, w).loss;
  }

  function checkRun(w0, learningRate, nSteps) {
    shared.checkNumber("w0", w0);
    if (!(typeof learningRate === "number" && Number.isFinite(learningRate) && learningRate > 0)) {
      throw new RangeError("learningRate must be a finite number > 0, got " + String(learningRate));
    }
    if (!(Number.isInteger(nSteps) && nSteps >= 0)) {
      throw new RangeError("nSteps must be an integer >= 0, got " + String(nSteps));
    }
  }

  /**
   * Gradient descent from w0: {w, loss, grad, divergedStep, nSteps}, as
   * gdcode.one_param.gradient_descent returns it. w[k], loss[k], grad[k] are
   * the weight after k steps, its loss and its slope; if the run overflows,
   * divergedStep is the first k whose values are not finite and the arrays
   * hold NaN from there on.
   */
  function descend(data, w0, learningRate, nSteps) {
    checkRun(w0, learningRate, nSteps);
    const ws = new Float64Array(nSteps + 1).fill(NaN);
    const losses = new Float64Array(nSteps + 1).fill(NaN);
    const grads = new Float64Array(nSteps + 1).fill(NaN);
    let divergedStep = null;
    let w = w0;
    for (let k = 0; k <= nSteps; k++) {
      const here = lossAndGradient(data, w);
      if (!(Number.isFinite(w) && Number.isFinite(here.loss) && Number.isFinite(here.gradient))) {
        divergedStep = k;
        break;
      }
      ws[k] = w;
      losses[k] = here.loss;
      grads[k] = here.gradient;
      if (k < nSteps) w = w - learningRate * here.gradient;
    }
    return { w: ws, loss: losses, grad: grads, divergedStep: divergedStep, nSteps: nSteps };
  }

  /** 1 - eta L'': the factor one step multiplies the distance to w* by. */
  function stepFactor(data, learningRate) {
    return 1 - learningRate * data.curvature;
  }

  /**
   * What a factor does, by name: "creeps" (0 < f < 1), "one step" (f = 0,
   * lands on w* at once), "zig-zags in" (-1 < f < 0), "bounces" (f = -1,
   * back and forth for ever), "zig-zags out" (f < -1).
   */
  function regime(factor) {
    if (factor > 0) return "creeps";
    if (factor === 0) return "one step";
    if (factor > -1) return "zig-zags in";
    if (factor === -1) return "bounces";
    return "zig-zags out";
  }

  const MEANING = {
    "creeps": "creeps towards w* from one side",
    "one step": "lands on w* in one step",
    "zig-zags in": "zig-zags in (overshoots w*, by less each time)",
    "bounces": "bounces between two points for ever",
    "zig-zags out": "zig-zags out (overshoots w* by more each time: diverges)",
  };

  /** The learning rates where the regime changes: 1/L'' (overshoot starts) and 2/L''. */
  function thresholds(data) {
    return { overshoot: 1 / data.curvature, diverge: 2 / data.curvature };
  }

  /** The sentence the widget's live region reads out for a run. */
  function describe(data, run, learningRate) {
    const f = stepFactor(data, learningRate);
    const name = regime(f);
    const fmt = shared.formatNumber;
    const head =
      "Learning rate " + fmt(learningRate) + ", start w0 = " + fmt(run.w[0]) +
      ": 1 - eta L'' = " + fmt(f) + ", so w " + MEANING[name] + ". ";
    if (run.divergedStep !== null) {
      return head + "Diverged at step " + run.divergedStep + ": w overflowed after w = " +
        fmt(run.w[run.divergedStep - 1]) + " (step " + (run.divergedStep - 1) + ").";
    }
    const last = run.nSteps;
    return head + "After " + last + " step" + (last === 1 ? "" : "s") + ": w = " + fmt(run.w[last]) +
      ", loss " + fmt(run.loss[last]) + " (best: w* = " + fmt(data.wBest) +
      ", loss " + fmt(data.lossBest) + ").";
  }

  return {
    pairwiseSum: pairwiseSum,
    mean: mean,
    parseData: parseData,
    lossAndGradient: lossAndGradient,
    loss: loss,
    descend: descend,
    stepFactor: stepFactor,
    regime: regime,
    thresholds: thresholds,
    describe: describe,
  };
});
