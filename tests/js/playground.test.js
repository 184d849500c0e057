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

test("loss curves agree with gdcode's to 1e-9, divergence step included", needsGdcode, () => {
  const runs = reference.json.reference.runs;
  assert.ok(runs.some((run) => run.diverged_step !== null), "the reference has a diverging run");
  assert.ok(runs.some((run) => run.diverged_step === null), "and one that does not diverge");
  for (const run of runs) {
    const js = core.train(data, run.learning_rate, reference.json.reference.n_steps);
    const where = `learning rate ${run.learning_rate}`;
    assert.equal(js.divergedStep, run.diverged_step, where + ": divergence step");
    assert.equal(js.losses.length, run.loss.length, where + ": curve length");
    run.loss.forEach((expected, t) => {
      const got = js.losses[t];
      if (expected === null) {
        assert.ok(!Number.isFinite(got), `${where}, step ${t}: gdcode's loss is not finite, got ${got}`);
        return;
      }
      const error = Math.abs(got - expected) / Math.abs(expected);
      assert.ok(error <= RELATIVE_TOLERANCE,
        `${where}, step ${t}: ${got} vs gdcode ${expected} (relative error ${error})`);
    });
  }
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
  assert.equal(core.learningRateFromSlider(core.LOG10_LR_MIN), 0.0001);
  assert.equal(core.learningRateFromSlider(core.LOG10_LR_MAX), 100);
  assert.equal(core.learningRateFromSlider(-1), 0.1);
  assert.equal(core.learningRateFromSlider(-0.5), 0.32); // 10^-0.5, two digits
  assert.equal(core.learningRateFromSlider(99), 100); // clamped
  assert.equal(core.sliderFromLearningRate(0.1), -1);
  assert.equal(core.sliderFromLearningRate(0.15), -0.8); // log10(0.15) = -0.82, snapped
  assert.equal(core.sliderFromLearningRate(1e-9), core.LOG10_LR_MIN);
  for (let p = core.LOG10_LR_MIN; p <= core.LOG10_LR_MAX; p += 0.5) {
    const position = Number(p.toFixed(2));
    assert.equal(core.sliderFromLearningRate(core.learningRateFromSlider(position)), position);
  }
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
