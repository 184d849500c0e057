// Tests of the learning-rate playground's training core (book/_ext/playground/core.js).
//
// Run with `node --test tests/js/`. The data, the starting weights and gdcode's
// reference loss curves come from gdcode itself: either the JSON file named by
// the environment variable GDPLAYGROUND_REFERENCE (tests/test_playground.py
// sets it), or one written here by `python -m gdcode.playground --reference`.
// Without Python and gdcode the tests that need them are skipped, saying why.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const core = require("../../book/_ext/playground/core.js");

const REPO = path.resolve(__dirname, "..", "..");
const REFERENCE_STEPS = 1500; // the widget's default run length
const RELATIVE_TOLERANCE = 1e-9;

function loadReference() {
  if (process.env.GDPLAYGROUND_REFERENCE) {
    return { json: JSON.parse(fs.readFileSync(process.env.GDPLAYGROUND_REFERENCE, "utf8")) };
  }
  const venvPython = path.join(REPO, ".venv", "bin", "python");
  const python = process.env.PYTHON || (fs.existsSync(venvPython) ? venvPython : "python3");
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gdplayground-")), "reference.json");
  const result = spawnSync(
    python, ["-m", "gdcode.playground", out, "--reference", String(REFERENCE_STEPS)],
    { cwd: REPO, encoding: "utf8" }
  );
  if (result.status !== 0) {
    const why = result.error ? result.error.message : result.stderr.trim().split("\n").pop();
    return { skip: "gdcode's reference curves are unavailable (" + python + ": " + why + ")" };
  }
  return { json: JSON.parse(fs.readFileSync(out, "utf8")) };
}

const reference = loadReference();
const needsGdcode = reference.skip ? { skip: reference.skip } : {};
const data = reference.json ? core.parseData(reference.json) : null;

function preset(label) {
  const found = data.presets.find((p) => p.label === label);
  assert.ok(found, "no preset labelled " + label);
  return found.learningRate;
}

test("loss falls at the 'about right' rate, without diverging", needsGdcode, () => {
  const { losses, divergedStep } = core.train(data, preset("about right"), 1000);
  assert.equal(divergedStep, null);
  assert.equal(losses.length, 1000);
  assert.ok(losses[999] < 0.1 * losses[0], `loss went from ${losses[0]} to ${losses[999]}`);
});

test("'too small' learns, but far slower than 'about right'", needsGdcode, () => {
  const slow = core.train(data, preset("too small"), 1000).losses;
  const good = core.train(data, preset("about right"), 1000).losses;
  assert.ok(slow[999] < slow[0], "the small rate should still lower the loss");
  assert.ok(slow[999] > 3 * good[999], `too small ${slow[999]}, about right ${good[999]}`);
});

test("learning rate 100 diverges, and the run says at which step", needsGdcode, () => {
  const trainer = new core.Trainer(data, { learningRate: 100 });
  const taken = trainer.run(500);
  assert.equal(trainer.diverged, true);
  assert.ok(Number.isInteger(trainer.divergedStep) && trainer.divergedStep >= 2);
  assert.equal(taken, trainer.divergedStep, "training stops at the divergence");
  assert.equal(trainer.losses.length, trainer.divergedStep);
  const threshold = core.divergenceThreshold(trainer.losses[0], data.divergenceFactor);
  assert.equal(threshold, trainer.threshold);
  assert.ok(!(trainer.loss <= threshold), "the last loss broke the rule");
  trainer.losses.slice(0, -1).forEach((loss, t) => {
    assert.ok(loss <= threshold, `loss ${loss} at step ${t} already broke the rule`);
  });
  assert.deepEqual(trainer.learningRates, trainer.losses.map(() => 100));
  assert.equal(trainer.step(), false, "a diverged run takes no more steps");
  assert.equal(trainer.t, trainer.divergedStep);
  assert.equal(trainer.divergedLearningRate, 100);
});

test("reset restores the starting weights and the first loss", needsGdcode, () => {
  const trainer = new core.Trainer(data, { learningRate: 100 });
  const before = trainer.layers.map((layer) => [Array.from(layer.W.data), Array.from(layer.b)]);
  const firstLoss = trainer.loss;
  trainer.run(50);
  assert.notDeepEqual(trainer.layers[0].W.data, data.layers[0].W.data);
  trainer.reset();
  const after = trainer.layers.map((layer) => [Array.from(layer.W.data), Array.from(layer.b)]);
  assert.deepEqual(after, before);
  assert.deepEqual(trainer.losses, []);
  assert.equal(trainer.loss, firstLoss);
  assert.equal(trainer.t, 0);
  assert.equal(trainer.diverged, false);
  assert.equal(trainer.divergedStep, null);
  trainer.setLearningRate(0.15);
  trainer.run(3);
  assert.equal(trainer.losses[0], firstLoss, "the first step measures the starting weights again");
  // and training never touched the data's own copy of the weights
  assert.deepEqual(Array.from(data.layers[0].W.data), reference.json.layers[0].W.flat());
});

/** The JavaScript options for a reference run's settings (gdcode's keyword arguments). */
function optionsOf(run) {
  return {
    schedule: run.schedule === undefined ? "constant" : run.schedule,
    batchSize: run.batch_size === undefined ? null : run.batch_size,
    seed: run.seed === undefined ? 0 : run.seed,
  };
}

function relativeError(got, expected) {
  return Math.abs(got - expected) / Math.abs(expected);
}

test("loss curves agree with gdcode's to 1e-9, divergence step included", needsGdcode, () => {
  const runs = reference.json.reference.runs;
  for (const run of runs) {
    const options = optionsOf(run);
    const js = core.train(data, run.learning_rate, reference.json.reference.n_steps, options);
    const where = `learning rate ${run.learning_rate}, ${JSON.stringify(options)}`;
    assert.equal(js.divergedStep, run.diverged_step, where + ": divergence step");
    assert.equal(js.losses.length, run.loss.length, where + ": curve length");
    run.loss.forEach((expected, t) => {
      const got = js.losses[t];
      if (expected === null) {
        assert.ok(!Number.isFinite(got), `${where}, step ${t}: gdcode's loss is not finite, got ${got}`);
        return;
      }
      const error = relativeError(got, expected);
      assert.ok(error <= RELATIVE_TOLERANCE,
        `${where}, step ${t}: ${got} vs gdcode ${expected} (relative error ${error})`);
    });
    run.learning_rates.forEach((expected, t) => {
      const got = js.learningRates[t];
      assert.ok(got === expected || relativeError(got, expected) <= 1e-12,
        `${where}, step ${t}: learning rate ${got} vs gdcode ${expected}`);
    });
  }
});

test("the reference covers every schedule and batch size, diverging and not", needsGdcode, () => {
  const runs = reference.json.reference.runs;
  for (const schedule of data.controls.schedules) {
    for (const batchSize of data.controls.batchSizes) {
      const these = runs.filter((run) => {
        const o = optionsOf(run);
        return o.schedule === schedule && o.batchSize === batchSize;
      });
      const where = `schedule ${schedule}, batch ${batchSize}`;
      assert.ok(these.some((run) => run.diverged_step !== null), where + ": a diverging run");
      assert.ok(these.some((run) => run.diverged_step === null && run.loss.length === REFERENCE_STEPS),
        where + ": a full run");
    }
  }
  // a schedule changes the rate within the run, and mini-batches shuffle with the seed
  const cosine = runs.find((run) => run.schedule === "cosine" && run.diverged_step === null);
  assert.ok(cosine.learning_rates[0] > 100 * cosine.learning_rates[REFERENCE_STEPS - 1]);
  const step = runs.find((run) => run.schedule === "step" && run.diverged_step === null);
  assert.deepEqual([...new Set(step.learning_rates)], [0.15, 0.075, 0.0375]);
});

test("permutations are NumPy's default_rng(seed).permutation(n), bit for bit", needsGdcode, () => {
  const expected = reference.json.reference.permutations;
  assert.ok(expected.length >= 3);
  for (const { seed, orders } of expected) {
    const rng = new core.NumpyRandom(seed);
    for (const order of orders) {
      assert.deepEqual(Array.from(rng.permutation(order.length)), order, `seed ${seed}`);
    }
  }
});

test("a mini-batch run depends on the seed; the full batch does not", needsGdcode, () => {
  const a = core.train(data, 0.15, 40, { batchSize: 4, seed: 1 }).losses;
  const b = core.train(data, 0.15, 40, { batchSize: 4, seed: 2 }).losses;
  const again = core.train(data, 0.15, 40, { batchSize: 4, seed: 1 }).losses;
  assert.deepEqual(a, again);
  assert.notDeepEqual(a, b);
  assert.deepEqual(core.train(data, 0.15, 40, { seed: 1 }).losses, core.train(data, 0.15, 40, { seed: 2 }).losses);
});

test("the update rule shows one weight's numbers, and they are the step taken", needsGdcode, () => {
  const trainer = new core.Trainer(data, { learningRate: 0.15, schedule: "step", batchSize: 16, seed: 3 });
  assert.equal(trainer.lastUpdate, null);
  assert.match(core.describeUpdate(null), /w \u2190 w \u2212 \u03b7 \u00d7 \u2202L\/\u2202w/);
  const w0 = trainer.layers[0].W.data[0];
  trainer.run(3);
  const u = trainer.lastUpdate;
  assert.equal(u.step, 3);
  assert.equal(u.eta, 0.15);
  assert.equal(u.newW, trainer.layers[0].W.data[0]);
  assert.equal(u.newW, u.w - u.eta * u.grad);
  assert.notEqual(u.w, w0);
  const text = core.describeUpdate(u);
  assert.ok(text.startsWith("Step 3: w \u2190 w \u2212 \u03b7 \u00d7 \u2202L/\u2202w = " +
    core.formatDigits(u.w, 6) + " \u2212 0.15 \u00d7 "), text);
  assert.ok(text.endsWith("= " + core.formatDigits(u.newW, 6)), text);
  const broken = new core.Trainer(data, { learningRate: 100 });
  broken.run(100);
  assert.equal(broken.lastUpdate.step, broken.divergedStep);
  assert.match(core.describeUpdate(broken.lastUpdate), /not applied, the loss diverged at this step\.$/);
});

test("settings round-trip through the page address", needsGdcode, () => {
  const controls = data.controls;
  const defaults = {
    learningRate: controls.learningRate, schedule: controls.schedule,
    batchSize: controls.batchSize, seed: controls.seed,
  };
  for (const schedule of controls.schedules) {
    for (const batchSize of controls.batchSizes) {
      for (const learningRate of [0.0001, 0.15, 0.32, 100]) {
        for (const seed of [0, 42, controls.maxSeed]) {
          const state = { learningRate, schedule, batchSize, seed };
          const query = core.queryFromState(state, "?chapter=x");
          assert.deepEqual(core.stateFromQuery(query, controls, defaults), state, query);
          assert.match(query, /^\?chapter=x&lr=/);
        }
      }
    }
  }
  assert.equal(core.queryFromState({ learningRate: 0.15, schedule: "cosine", batchSize: null, seed: 3 }),
    "?lr=0.15&schedule=cosine&batch=full&seed=3");
  // junk keeps the defaults, one setting at a time
  for (const junk of ["lr=abc", "lr=0", "lr=1000", "lr=-1", "schedule=adam", "batch=7", "batch=0",
    "batch=16.5", "seed=-1", "seed=1e3", "seed=" + (controls.maxSeed + 1), "lr=", "seed=x"]) {
    assert.deepEqual(core.stateFromQuery("?" + junk, controls, defaults), defaults, junk);
  }
  assert.deepEqual(core.stateFromQuery("?batch=16&lr=1e-3", controls, defaults),
    Object.assign({}, defaults, { batchSize: 16, learningRate: 0.001 }));
});

test("copy as Python: gdcode code with this run's settings", needsGdcode, () => {
  const code = core.pythonCode({ learningRate: 0.15, schedule: "cosine", batchSize: 16, seed: 3 }, data, 1500);
  assert.match(code, /^learning_rate = cosine_decay\(0\.15, total_steps=1500\)$/m);
  assert.match(code, /batch_size=16, epochs=375, rng=3, progress=False\)$/m);
  assert.match(code, /^from gdcode\.training import fit$/m);
  const step = core.pythonCode({ learningRate: 1, schedule: "step", batchSize: null, seed: 0 }, data, 1500);
  assert.match(step, /^learning_rate = step_decay\(1\.0, drop=0\.5, every=500\)$/m);
  assert.match(step, /batch_size=None, epochs=1500, rng=0,/);
  const constant = core.pythonCode({ learningRate: 0.0003, schedule: "constant", batchSize: 1, seed: 9 }, data, 1500);
  assert.match(constant, /^learning_rate = 0\.0003$/m);
  assert.match(constant, /batch_size=1, epochs=25, rng=9,/);
  assert.doesNotMatch(constant, /schedules/);
});

// ------------------------------------------------------------------ without gdcode

// A 4-point problem small enough to write out: XOR-like targets, a 2-3-1 network.
const TINY = {
  format: "gdcode-playground/1",
  layer_sizes: [2, 3, 1],
  activation: "tanh",
  loss: "mse",
  divergence_factor: 1000,
  X: [[-1, -1], [-1, 1], [1, -1], [1, 1]],
  y: [0, 1, 1, 0],
  layers: [
    { W: [[0.5, -0.3, 0.8], [0.2, 0.7, -0.6]], b: [0.1, -0.2, 0.05] },
    { W: [[0.4], [-0.9], [0.3]], b: [0.2] },
  ],
  presets: [{ label: "about right", learning_rate: 0.1 }],
  controls: {
    learning_rate: 0.15, log10_learning_rate_range: [-4, 2], slider_step: 0.05,
    steps_per_frame: 8, max_steps: 1500, schedule: "constant",
    schedules: ["constant", "step", "cosine"], step_decay_drop: 0.5, step_decay_stages: 3,
    batch_size: null, batch_sizes: [null, 2, 1], seed: 0, max_seed: 4294967295,
  },
};

test("gradients match central finite differences", () => {
  const tiny = core.parseData(TINY);
  const { grads } = core.lossAndGradients(tiny.layers, tiny.X, tiny.y);
  const h = 1e-6;
  tiny.layers.forEach((layer, l) => {
    [["W", layer.W.data, grads[l].dW], ["b", layer.b, grads[l].db]].forEach(([name, values, analytic]) => {
      for (let i = 0; i < values.length; i++) {
        const saved = values[i];
        values[i] = saved + h;
        const up = core.lossAndGradients(tiny.layers, tiny.X, tiny.y).loss;
        values[i] = saved - h;
        const down = core.lossAndGradients(tiny.layers, tiny.X, tiny.y).loss;
        values[i] = saved;
        const numeric = (up - down) / (2 * h);
        assert.ok(Math.abs(numeric - analytic[i]) < 1e-7 * Math.max(1, Math.abs(numeric)),
          `${name}${l + 1}[${i}]: analytic ${analytic[i]}, numeric ${numeric}`);
      }
    });
  });
});

test("the loss is the mean squared error of the forward pass", () => {
  const tiny = core.parseData(TINY);
  const P = core.predict(tiny.layers, tiny.X);
  // by hand for the first point: hidden = tanh([-1,-1] @ W1 + b1), P = hidden @ W2 + b2
  const hidden = [0, 1, 2].map((j) => Math.tanh(-TINY.layers[0].W[0][j] - TINY.layers[0].W[1][j] + TINY.layers[0].b[j]));
  const p0 = hidden.reduce((s, a, j) => s + a * TINY.layers[1].W[j][0], 0) + TINY.layers[1].b[0];
  assert.ok(Math.abs(P[0] - p0) < 1e-15);
  const mse = P.reduce((s, p, i) => s + (p - TINY.y[i]) ** 2, 0) / 4;
  assert.ok(Math.abs(core.lossAndGradients(tiny.layers, tiny.X, tiny.y).loss - mse) < 1e-15);
});

test("divergence rule: non-finite, or above factor * max(first loss, 1)", () => {
  assert.equal(core.hasDiverged(999, 0.5, 1000), false); // threshold 1000 * max(0.5, 1)
  assert.equal(core.hasDiverged(1001, 0.5, 1000), true);
  assert.equal(core.hasDiverged(3999, 4, 1000), false);
  assert.equal(core.hasDiverged(4001, 4, 1000), true);
  assert.equal(core.hasDiverged(NaN, 4, 1000), true);
  assert.equal(core.hasDiverged(Infinity, 4, 1000), true);
});

test("parseData rejects malformed files, naming the field", () => {
  const broken = JSON.parse(JSON.stringify(TINY));
  broken.layers[0].W = [[0.5, -0.3], [0.2, 0.7]];
  assert.throws(() => core.parseData(broken), /layers\[0\]\.W has shape \(2, 2\); expected \(2, 3\)/);
  const wrongX = Object.assign({}, TINY, { X: [[1, 2, 3]] });
  assert.throws(() => core.parseData(wrongX), /X has 3 features; the network expects 2/);
  const wrongLoss = Object.assign({}, TINY, { loss: "cross_entropy" });
  assert.throws(() => core.parseData(wrongLoss), /loss="cross_entropy"/);
  const notNumber = Object.assign({}, TINY, { y: [0, 1, "1", 0] });
  assert.throws(() => core.parseData(notNumber), /y\[2\] must be a finite number, got "1"/);
  assert.throws(() => new core.Trainer(core.parseData(TINY), { learningRate: -1 }),
    /learningRate must be a finite number > 0, got -1/);
});

test("slider positions map to rates on a log scale, and back", () => {
  const c = core.parseData(TINY).controls;
  assert.equal(core.learningRateFromSlider(c.log10Min, c), 0.0001);
  assert.equal(core.learningRateFromSlider(c.log10Max, c), 100);
  assert.equal(core.learningRateFromSlider(-1, c), 0.1);
  assert.equal(core.learningRateFromSlider(-0.5, c), 0.32); // 10^-0.5, two digits
  assert.equal(core.learningRateFromSlider(99, c), 100); // clamped
  assert.equal(core.sliderFromLearningRate(0.1, c), -1);
  assert.equal(core.sliderFromLearningRate(0.15, c), -0.8); // log10(0.15) = -0.82, snapped
  assert.equal(core.sliderFromLearningRate(1e-9, c), c.log10Min);
  for (let p = c.log10Min; p <= c.log10Max; p += 0.5) {
    const position = Number(p.toFixed(2));
    assert.equal(core.sliderFromLearningRate(core.learningRateFromSlider(position, c), c), position);
  }
});

test("schedules follow gdcode.schedules' formulas", () => {
  const c = core.parseData(TINY).controls;
  const constant = core.scheduleFunction("constant", 0.3, 1500, c);
  assert.equal(constant(0), 0.3);
  assert.equal(constant(1499), 0.3);
  const step = core.scheduleFunction("step", 0.4, 1500, c); // every 500 steps, halved
  assert.deepEqual([0, 499, 500, 999, 1000, 1499].map(step), [0.4, 0.4, 0.2, 0.2, 0.1, 0.1]);
  const cosine = core.scheduleFunction("cosine", 1, 100, c);
  assert.equal(cosine(0), 1);
  assert.ok(Math.abs(cosine(50) - 0.5) < 1e-15);
  assert.equal(cosine(100), 0);
  assert.equal(cosine(500), 0);
  assert.throws(() => core.scheduleFunction("adam", 0.1, 10, c), /schedule must be one of constant, step, cosine, got "adam"/);
  assert.equal(core.runLength(1500, null, 60), 1500);
  assert.equal(core.runLength(1500, 16, 60), 1500);
  assert.equal(core.runLength(1500, 8, 60), 1504);
  assert.equal(core.runLength(10, 1000, 60), 10);
});

test("the slider's range and the defaults come from the data file", () => {
  const changed = JSON.parse(JSON.stringify(TINY));
  changed.controls.log10_learning_rate_range = [-2, 1];
  changed.controls.learning_rate = 0.5;
  const c = core.parseData(changed).controls;
  assert.equal(core.learningRateFromSlider(-9, c), 0.01);
  assert.equal(core.learningRateFromSlider(9, c), 10);
  assert.equal(new core.Trainer(core.parseData(changed)).learningRate, 0.5);
  const noControls = Object.assign({}, TINY, { controls: undefined });
  assert.throws(() => core.parseData(noControls), /controls must be the object gdcode\.playground writes/);
  const noFactor = Object.assign({}, TINY, { divergence_factor: undefined });
  assert.throws(() => core.parseData(noFactor), /divergence_factor must be a number > 1, got undefined/);
  const badBatch = JSON.parse(JSON.stringify(TINY));
  badBatch.controls.batch_size = 3;
  assert.throws(() => core.parseData(badBatch), /controls\.batch_size must be one of controls\.batch_sizes, got 3/);
});

test("status sentences name the state, the step and the rate", () => {
  const base = { t: 300, loss: 0.1234, learningRate: 0.15, maxSteps: 1500, diverged: false };
  assert.equal(core.describeState(Object.assign({}, base, { running: true })),
    "Training: step 300 of 1500, loss 0.12, learning rate 0.15.");
  assert.match(core.describeState(Object.assign({}, base, { running: false })), /^Paused: step 300/);
  assert.equal(core.describeState(Object.assign({}, base, { t: 0, loss: 1.73 })),
    "Ready: loss 1.7 at the starting weights, learning rate 0.15. Press Train to start.");
  assert.match(core.describeState(Object.assign({}, base, { t: 1500 })), /^Finished: step 1500 of 1500/);
  const diverged = Object.assign({}, base, {
    t: 17, loss: Infinity, diverged: true, divergedStep: 17, divergedLearningRate: 3,
  });
  assert.match(core.describeState(diverged), /^Diverged at step 17 \u2014 learning rate 3 is too large\./);
  assert.doesNotMatch(core.describeState(diverged), /NaN|Infinity/);
  assert.equal(core.formatNumber(NaN), "not a number");
  assert.equal(core.formatNumber(0.000123), "0.00012");
  assert.equal(core.formatNumber(3393.58), "3400");
});
