/*
 * The optimizer race's core (Variants chapter): no DOM, no drawing.
 *
 * Four optimizers -- gradient descent, momentum, RMSProp, Adam -- run on one of
 * the chapter's surfaces (gdcode.surfaces.Quadratic, the stretched bowl, or
 * gdcode.surfaces.Rosenbrock) from the same start. Each update is the one of
 * gdcode.optimizers, written with the same operations in the same order, and
 * the run follows gdcode.surfaces.optimize_2d: at step k (from 1) take the
 * gradient at p, update p, and stop with divergedStep = k if p is no longer
 * finite. tests/js/explorables.test.js checks whole paths against gdcode's.
 *
 *   gradient descent  p <- p - eta g
 *   momentum          z <- mu z + g;                p <- p - eta z
 *   RMSProp           v <- rho v + (1 - rho) g^2;   p <- p - eta g / (sqrt(v) + eps)
 *   Adam              m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;
 *                     p <- p - eta m_hat / (sqrt(v_hat) + eps),
 *                     m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t)
 *
 * Loaded as a classic <script> it sets window.GDExplorables.surfaceRace.
 */
(function (root, factory) {
  "use strict";
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./shared_core.js"));
  } else {
    root.GDExplorables.surfaceRace = factory(root.GDExplorables.shared);
  }
})(typeof self !== "undefined" ? self : this, function (shared) {
  "use strict";

  const RACERS = ["gd", "momentum", "rmsprop", "adam"];
  const DECAYS = { momentum: ["momentum"], rmsprop: ["rho"], adam: ["beta1", "beta2"], gd: [] };

  // ---------------------------------------------------------------- surfaces

  /** {value(x, y), gradient(x, y) -> [dx, dy], minimum} for a surface's parameters. */
  function makeFunction(spec) {
    const a = shared.checkNumber("a", spec.a);
    const b = shared.checkNumber("b", spec.b);
    if (spec.kind === "quadratic") {
      return {
        value: function (x, y) {
          return 0.5 * (a * (x * x) + b * (y * y));
        },
        gradient: function (x, y) {
          return [a * x, b * y];
        },
      };
    }
    if (spec.kind === "rosenbrock") {
      return {
        value: function (x, y) {
          const u = a - x;
          const v = y - x * x;
          return u * u + b * (v * v);
        },
        gradient: function (x, y) {
          const v = y - x * x;
          return [-2 * (a - x) - 4 * b * x * v, 2 * b * v];
        },
      };
    }
    throw new TypeError('function.kind must be "quadratic" or "rosenbrock", got ' + JSON.stringify(spec.kind));
  }

  /** The data file (surface-race.json), checked. */
  function parseData(json) {
    shared.checkFormat(json, "surface-race data");
    const racers = {};
    json.racers.forEach(function (r) {
      racers[r.key] = { key: r.key, label: String(r.label), settings: r.settings.slice(), fixed: r.fixed };
    });
    const surfaces = json.surfaces.map(function (s) {
      const pair = function (name) {
        return Array.from(shared.checkNumbers(s.name + "." + name, s[name], 2));
      };
      const optimizers = {};
      RACERS.forEach(function (key) {
        // gdcode's values of what the reader cannot change (eps), then the surface's settings
        optimizers[key] = checkSettings(key, Object.assign({}, racers[key].fixed, s.optimizers[key]));
      });
      return {
        name: String(s.name),
        label: String(s.label),
        spec: s.function,
        f: makeFunction(s.function),
        minimum: pair("minimum"),
        start: pair("start"),
        xlim: pair("xlim"),
        ylim: pair("ylim"),
        nSteps: s.n_steps,
        optimizers: optimizers,
      };
    });
    return {
      surfaces: surfaces,
      racers: racers,
      arrivalDistance: shared.checkNumber("arrival_distance", json.arrival_distance),
      ranges: {
        learningRate: shared.checkNumbers("ranges.learning_rate", json.ranges.learning_rate, 2),
        decay: shared.checkNumbers("ranges.decay", json.ranges.decay, 2),
      },
    };
  }

  function surfaceByName(data, name) {
    const found = data.surfaces.find(function (s) {
      return s.name === name;
    });
    if (!found) throw new RangeError("no surface named " + JSON.stringify(name));
    return found;
  }

  // -------------------------------------------------------------- optimizers

  /** Settings with gdcode's defaults filled in; rejects what gdcode rejects. */
  function checkSettings(key, settings) {
    if (RACERS.indexOf(key) < 0) throw new RangeError("no optimizer " + JSON.stringify(key));
    // gdcode's default eps for the two optimizers that have one
    const s = Object.assign(key === "rmsprop" || key === "adam" ? { eps: 1e-8 } : {}, settings || {});
    if (!(Number.isFinite(s.learning_rate) && s.learning_rate > 0)) {
      throw new RangeError("learning_rate must be a finite number > 0, got " + String(s.learning_rate));
    }
    DECAYS[key].forEach(function (name) {
      if (!(Number.isFinite(s[name]) && s[name] >= 0 && s[name] < 1)) {
        throw new RangeError(name + " must be in [0, 1), got " + String(s[name]));
      }
    });
    return s;
  }

  /**
   * One optimizer's state and its update, in place on p (a Float64Array(2)).
   * Each line is one NumPy operation of gdcode.optimizers, in the same order.
   */
  function makeOptimizer(key, settings) {
    const s = checkSettings(key, settings);
    const eta = s.learning_rate;
    const z = new Float64Array(2); // momentum's velocity
    const m = new Float64Array(2); // Adam's first moment
    const v = new Float64Array(2); // RMSProp's and Adam's second moment
    let t = 0;
    const updates = {
      gd: function (p, g, i) {
        p[i] = p[i] - g * eta;
      },
      momentum: function (p, g, i) {
        z[i] = z[i] * s.momentum;
        z[i] = z[i] + g;
        p[i] = p[i] - z[i] * eta;
      },
      rmsprop: function (p, g, i) {
        let tmp = g * g;
        tmp = tmp * (1 - s.rho);
        v[i] = v[i] * s.rho;
        v[i] = v[i] + tmp;
        tmp = Math.sqrt(v[i]);
        tmp = tmp + s.eps;
        tmp = g / tmp;
        tmp = tmp * eta;
        p[i] = p[i] - tmp;
      },
      adam: function (p, g, i, mCorrection, vCorrection) {
        m[i] = m[i] * s.beta1;
        let tmp = g * (1 - s.beta1);
        m[i] = m[i] + tmp;
        v[i] = v[i] * s.beta2;
        tmp = g * g;
        tmp = tmp * (1 - s.beta2);
        v[i] = v[i] + tmp;
        tmp = Math.sqrt(v[i]);
        tmp = tmp * (1 / Math.sqrt(vCorrection));
        tmp = tmp + s.eps;
        tmp = m[i] / tmp;
        tmp = tmp * (eta / mCorrection);
        p[i] = p[i] - tmp;
      },
    };
    const update = updates[key];
    return {
      key: key,
      settings: s,
      step: function (p, gradient) {
        const step = t + 1; // Adam's t = 1, 2, ...
        const mCorrection = 1 - Math.pow(s.beta1, step);
        const vCorrection = 1 - Math.pow(s.beta2, step);
        update(p, gradient[0], 0, mCorrection, vCorrection);
        update(p, gradient[1], 1, mCorrection, vCorrection);
        t = step;
      },
    };
  }

  // -------------------------------------------------------------------- runs

  /**
   * One racer: an optimizer running from `start` on `surface`, for at most
   * `nSteps` steps. path holds x, y of every point reached (path[2k], path[2k+1]
   * after k steps), as gdcode.surfaces.optimize_2d returns it.
   */
  class Runner {
    constructor(surface, key, settings, start, nSteps, arrivalDistance) {
      this.surface = surface;
      this.key = key;
      this.optimizer = makeOptimizer(key, settings);
      this.settings = this.optimizer.settings;
      this.nSteps = nSteps;
      this.arrivalDistance = arrivalDistance;
      this.p = Float64Array.from(start);
      this.path = new Float64Array(2 * (nSteps + 1)).fill(NaN);
      this.path[0] = this.p[0];
      this.path[1] = this.p[1];
      this.t = 0;
      this.divergedStep = null;
      this.arrivedStep = this.distance() < arrivalDistance ? 0 : null;
    }

    get done() {
      return this.divergedStep !== null || this.t >= this.nSteps;
    }

    /** Where the runner is now (after divergence: the last finite point). */
    point() {
      const k = this.divergedStep === null ? this.t : this.divergedStep - 1;
      return [this.path[2 * k], this.path[2 * k + 1]];
    }

    distance() {
      const q = this.point();
      return Math.hypot(q[0] - this.surface.minimum[0], q[1] - this.surface.minimum[1]);
    }

    value() {
      const q = this.point();
      return this.surface.f.value(q[0], q[1]);
    }

    /** One step; false (nothing done) once finished. */
    step() {
      if (this.done) return false;
      const k = this.t + 1;
      const gradient = this.surface.f.gradient(this.p[0], this.p[1]);
      this.optimizer.step(this.p, gradient);
      if (!(Number.isFinite(this.p[0]) && Number.isFinite(this.p[1]))) {
        this.divergedStep = k;
        return true;
      }
      this.t = k;
      this.path[2 * k] = this.p[0];
      this.path[2 * k + 1] = this.p[1];
      if (this.arrivedStep === null && this.distance() < this.arrivalDistance) this.arrivedStep = k;
      return true;
    }

    /** The runner's state: "ready", "running", "arrived", "finished" or "diverged". */
    state() {
      if (this.divergedStep !== null) return "diverged";
      if (this.arrivedStep !== null) return "arrived";
      if (this.t === 0) return "ready";
      return this.t >= this.nSteps ? "finished" : "running";
    }
  }

  /** Run one optimizer for nSteps steps: {path: [[x, y], ...], divergedStep}. */
  function run(surface, key, settings, start, nSteps) {
    const runner = new Runner(surface, key, settings, start, nSteps, 0);
    while (runner.step());
    const path = [];
    for (let k = 0; k <= nSteps; k++) path.push([runner.path[2 * k], runner.path[2 * k + 1]]);
    return { path: path, divergedStep: runner.divergedStep };
  }

  /** All four racers on one surface from one start; settings[key] per racer. */
  class Race {
    constructor(data, surfaceName, start, settings) {
      this.data = data;
      this.surface = surfaceByName(data, surfaceName);
      this.start = Array.from(shared.checkNumbers("start", start, 2));
      this.runners = RACERS.map(function (key) {
        return new Runner(this.surface, key, settings[key], this.start, this.surface.nSteps,
          data.arrivalDistance);
      }, this);
    }

    get t() {
      return Math.max.apply(null, this.runners.map(function (r) {
        return r.t;
      }));
    }

    get done() {
      return this.runners.every(function (r) {
        return r.done;
      });
    }

    /** Every racer still going takes `n` steps; returns the number of steps taken in all. */
    run(n) {
      let taken = 0;
      this.runners.forEach(function (r) {
        for (let i = 0; i < n && r.step(); i++) taken += 1;
      });
      return taken;
    }
  }

  /** One racer in words, for the status line and the table. */
  function describeRunner(runner, label) {
    const fmt = shared.formatNumber;
    const name = label || runner.key;
    switch (runner.state()) {
      case "diverged":
        return name + ": diverged at step " + runner.divergedStep + " (the point overflowed)";
      case "arrived":
        return name + ": reached the minimum (within " + fmt(runner.arrivalDistance) + ") at step " +
          runner.arrivedStep + "; after " + runner.t + " steps distance " + fmt(runner.distance(), 3);
      default:
        return name + ": " + runner.t + " steps, distance " + fmt(runner.distance(), 3) + " from the minimum";
    }
  }

  function describeRace(race) {
    const status = race.done ? "Finished" : race.t === 0 ? "Ready" : "Racing";
    return status + " on the " + race.surface.label + " from (" + shared.formatNumber(race.start[0], 3) +
      ", " + shared.formatNumber(race.start[1], 3) + "). " +
      race.runners.map(function (r) {
        return describeRunner(r, race.data.racers[r.key].label);
      }).join(". ") + ".";
  }

  return {
    RACERS: RACERS,
    DECAYS: DECAYS,
    makeFunction: makeFunction,
    parseData: parseData,
    surfaceByName: surfaceByName,
    checkSettings: checkSettings,
    makeOptimizer: makeOptimizer,
    Runner: Runner,
    Race: Race,
    run: run,
    describeRunner: describeRunner,
    describeRace: describeRace,
  };
});
