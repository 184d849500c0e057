// Tests of the explorables' cores (book/_ext/explorables/*_core.js) against gdcode.
//
// Run with `node --test tests/js/`. The data files and gdcode's reference runs come
// from gdcode itself: the folder named by GDEXPLORABLES_REFERENCE (tests/test_explorables.py
// sets it), or one written here by `python -m gdcode.explorables DIR --reference FILE`.
// Without Python and gdcode the tests that need them are skipped, saying why.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const EXT = path.join(__dirname, "..", "..", "book", "_ext", "explorables");
const shared = require(path.join(EXT, "shared_core.js"));
const oneWeight = require(path.join(EXT, "one_weight_core.js"));
const surfaceRace = require(path.join(EXT, "surface_race_core.js"));
const backprop = require(path.join(EXT, "backprop_steps_core.js"));

const REPO = path.resolve(__dirname, "..", "..");
const RELATIVE_TOLERANCE = 1e-9;

function loadReference() {
  let dir = process.env.GDEXPLORABLES_REFERENCE;
  if (!dir) {
    const venvPython = path.join(REPO, ".venv", "bin", "python");
    const python = process.env.PYTHON || (fs.existsSync(venvPython) ? venvPython : "python3");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "gdexplorables-"));
    const result = spawnSync(
      python, ["-m", "gdcode.explorables", dir, "--reference", path.join(dir, "reference.json")],
      { cwd: REPO, encoding: "utf8" }
    );
    if (result.status !== 0) {
      const why = result.error ? result.error.message : result.stderr.trim().split("\n").pop();
      return { skip: "gdcode's data and reference runs are unavailable (" + python + ": " + why + ")" };
    }
  }
  const read = (name) => JSON.parse(fs.readFileSync(path.join(dir, name), "utf8"));
  return {
    oneWeight: read("one-weight.json"),
    surfaceRace: read("surface-race.json"),
    backprop: read("backprop-steps.json"),
    runs: read("reference.json"),
  };
}

const reference = loadReference();
const needsGdcode = reference.skip ? { skip: reference.skip } : {};

/** |got - expected| / |expected|, 0 when equal (also for two zeros). */
function relativeError(got, expected) {
  return got === expected ? 0 : Math.abs(got - expected) / Math.abs(expected);
}

/** Compare a JS list with gdcode's (null = not finite there); returns the worst error. */
function assertClose(got, expected, where) {
  let worst = 0;
  expected.forEach((e, k) => {
    if (e === null) {
      assert.ok(!Number.isFinite(got[k]), `${where}[${k}]: gdcode's value is not finite, JS has ${got[k]}`);
      return;
    }
    const error = relativeError(got[k], e);
    assert.ok(error <= RELATIVE_TOLERANCE, `${where}[${k}]: JS ${got[k]}, gdcode ${e}, relative error ${error}`);
    worst = Math.max(worst, error);
  });
  return worst;
}

// ---------------------------------------------------------------------- shared

test("numbers are formatted for reading, never as NaN", () => {
  assert.equal(shared.formatNumber(0.123456), "0.1235");
  assert.equal(shared.formatNumber(2.5e-7), "2.5e-7");
  assert.equal(shared.formatNumber(-1.23456e12), "-1.235e12");
  assert.equal(shared.formatNumber(NaN), "not a number");
  assert.equal(shared.formatNumber(Infinity), "infinity");
  assert.equal(shared.formatNumber(0), "0");
});

test("a log slider maps positions to round values and back", () => {
  const slider = shared.logSlider(1e-3, 1e3, 0.01);
  assert.equal(slider.toValue(-1), 0.1);
  assert.equal(slider.toValue(3), 1000);
  assert.equal(slider.toValue(99), 1000, "positions past the end are clamped");
  assert.equal(slider.toPosition(0.1), -1);
  for (const p of [-3, -2.37, 0, 1.11, 2.99]) {
    assert.ok(Math.abs(slider.toPosition(slider.toValue(p)) - p) < 1e-9, `position ${p}`);
  }
});

test("a file that gdcode.explorables did not write is refused, saying why", () => {
  assert.throws(() => oneWeight.parseData({ format: "other" }), /format gdcode-explorables\/1.*"other"/);
  assert.throws(() => surfaceRace.parseData(null), /must be the object gdcode.explorables wrote/);
});

// ------------------------------------------------------------------ one weight

test("one weight: curvature and best weight are gdcode's", needsGdcode, () => {
  const data = oneWeight.parseData(reference.oneWeight);
  assert.ok(relativeError(data.curvature, reference.oneWeight.curvature) <= RELATIVE_TOLERANCE);
  assert.ok(relativeError(data.wBest, reference.oneWeight.w_best) <= RELATIVE_TOLERANCE);
  assert.ok(relativeError(data.lossBest, reference.oneWeight.loss_best) <= RELATIVE_TOLERANCE);
});

test("one weight: every step agrees with gdcode.one_param.gradient_descent to 1e-9, divergence included", needsGdcode, () => {
  const data = oneWeight.parseData(reference.oneWeight);
  const runs = reference.runs.one_weight;
  assert.ok(runs.some((r) => r.diverged_step !== null), "the reference has a run that overflows");
  const regimes = new Set(runs.map((r) => oneWeight.regime(oneWeight.stepFactor(data, r.learning_rate))));
  for (const name of ["creeps", "zig-zags in", "zig-zags out"]) assert.ok(regimes.has(name), name);
  let worst = 0;
  for (const run of runs) {
    const js = oneWeight.descend(data, run.w0, run.learning_rate, run.n_steps);
    const where = `w0 ${run.w0}, learning rate ${run.learning_rate}`;
    assert.equal(js.divergedStep, run.diverged_step, where + ": divergence step");
    assert.equal(js.w.length, run.w.length, where + ": length");
    worst = Math.max(worst, assertClose(js.w, run.w, where + " w"), assertClose(js.loss, run.loss, where + " loss"),
      assertClose(js.grad, run.grad, where + " grad"));
  }
  console.log(`# one weight: largest relative difference from gdcode ${worst}`);
});

test("one weight: the chapter's four rates fall in the regions the chapter names", needsGdcode, () => {
  const data = oneWeight.parseData(reference.oneWeight);
  const named = Object.fromEntries(reference.oneWeight.presets.map((p) => [p.label, p.learning_rate]));
  const regime = (label) => oneWeight.regime(oneWeight.stepFactor(data, named[label]));
  assert.equal(regime("too small"), "creeps");
  assert.equal(regime("about right"), "creeps");
  assert.equal(regime("too large"), "zig-zags in");
  assert.equal(regime("far too large"), "zig-zags out");
  const { overshoot, diverge } = oneWeight.thresholds(data);
  assert.equal(oneWeight.regime(oneWeight.stepFactor(data, 0.999 * overshoot)), "creeps");
  assert.equal(oneWeight.regime(oneWeight.stepFactor(data, 1.001 * overshoot)), "zig-zags in");
  assert.equal(oneWeight.regime(oneWeight.stepFactor(data, 0.999 * diverge)), "zig-zags in");
  assert.equal(oneWeight.regime(oneWeight.stepFactor(data, 1.001 * diverge)), "zig-zags out");
});

test("one weight: an overflowing run is described by its step, not as NaN", needsGdcode, () => {
  const data = oneWeight.parseData(reference.oneWeight);
  const run = oneWeight.descend(data, 0.5, 1000, 100);
  assert.ok(run.divergedStep > 1);
  const text = oneWeight.describe(data, run, 1000);
  assert.match(text, new RegExp(`Diverged at step ${run.divergedStep}: w overflowed`));
  assert.doesNotMatch(text, /NaN|undefined/);
  assert.match(oneWeight.describe(data, oneWeight.descend(data, 0.5, 0.1, 10), 0.1), /After 10 steps: w = 2\.003/);
});

test("one weight: bad settings are refused with the value", needsGdcode, () => {
  const data = oneWeight.parseData(reference.oneWeight);
  assert.throws(() => oneWeight.descend(data, 0.5, -1, 10), /learningRate must be a finite number > 0, got -1/);
  assert.throws(() => oneWeight.descend(data, NaN, 0.1, 10), /w0 must be a finite number/);
  assert.throws(() => oneWeight.descend(data, 0.5, 0.1, 2.5), /nSteps must be an integer >= 0, got 2.5/);
});

// ------------------------------------------------------------- optimizer race

test("race: every path agrees with gdcode.surfaces.optimize_2d to 1e-9, divergence included", needsGdcode, () => {
  const data = surfaceRace.parseData(reference.surfaceRace);
  const runs = reference.runs.surfaces;
  for (const name of ["bowl", "rosenbrock"]) {
    assert.ok(runs.some((r) => r.surface === name && r.diverged_step !== null), name + ": a run that overflows");
  }
  let worst = 0;
  for (const run of runs) {
    const surface = surfaceRace.surfaceByName(data, run.surface);
    const js = surfaceRace.run(surface, run.racer, run.settings, run.start, run.n_steps);
    const where = `${run.surface}, ${run.racer} ${JSON.stringify(run.settings)} from (${run.start})`;
    assert.equal(js.divergedStep, run.diverged_step, where + ": divergence step");
    run.path.forEach((point, k) => {
      worst = Math.max(worst, assertClose(js.path[k], point, `${where}, step ${k}`));
    });
  }
  console.log(`# race: largest relative difference from gdcode ${worst} over ${runs.length} runs`);
});

test("race: the widget's own race is gdcode's, racer by racer", needsGdcode, () => {
  const data = surfaceRace.parseData(reference.surfaceRace);
  for (const surface of data.surfaces) {
    const given = reference.surfaceRace.surfaces.find((s) => s.name === surface.name).optimizers;
    const race = new surfaceRace.Race(data, surface.name, surface.start, given);
    while (!race.done) race.run(7);
    for (const runner of race.runners) {
      const ref = reference.runs.surfaces.find((r) => r.surface === surface.name && r.racer === runner.key &&
        JSON.stringify(r.start) === JSON.stringify(surface.start) &&
        JSON.stringify(r.settings) === JSON.stringify(given[runner.key]));
      assert.ok(ref, `${surface.name} ${runner.key}: gdcode ran the widget's settings`);
      const last = ref.path[ref.path.length - 1];
      assertClose(runner.point(), last, `${surface.name} ${runner.key} final point`);
      assert.equal(runner.t, surface.nSteps);
    }
  }
});

test("race: a far start and a huge rate end in named states", needsGdcode, () => {
  const data = surfaceRace.parseData(reference.surfaceRace);
  const settings = JSON.parse(JSON.stringify(data.surfaces[1].optimizers));
  settings.gd.learning_rate = 10;
  const race = new surfaceRace.Race(data, "rosenbrock", [1e6, -1e6], settings);
  while (!race.done) race.run(50);
  const gd = race.runners[0];
  assert.equal(gd.state(), "diverged");
  assert.ok(Number.isFinite(gd.distance()), "the distance is that of the last finite point");
  const text = surfaceRace.describeRace(race);
  assert.match(text, /gradient descent: diverged at step \d+/);
  assert.doesNotMatch(text, /NaN|undefined/);
});

test("race: settings gdcode rejects are rejected", () => {
  assert.throws(() => surfaceRace.checkSettings("momentum", { learning_rate: 0.1, momentum: 1 }),
    /momentum must be in \[0, 1\), got 1/);
  assert.throws(() => surfaceRace.checkSettings("adam", { learning_rate: 0, beta1: 0.9, beta2: 0.9 }),
    /learning_rate must be a finite number > 0, got 0/);
  assert.throws(() => surfaceRace.checkSettings("sgd2", {}), /no optimizer "sgd2"/);
});

// ------------------------------------------------------------ backpropagation

test("backprop: gdcode's numbers are what the chapter's equations give, to 1e-9", needsGdcode, () => {
  const json = reference.backprop;
  const data = backprop.parseData(json);
  const js = backprop.compute(json);
  let worst = 0;
  for (const name of ["Z1", "A1", "Z2", "P", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"]) {
    const got = js[name].flat();
    const expected = data[name].flat();
    const scale = Math.max(...expected.map(Math.abs)); // entries that cancel to ~0 are judged on the array's scale
    got.forEach((g, i) => {
      const error = Math.abs(g - expected[i]) / scale;
      assert.ok(error <= RELATIVE_TOLERANCE, `${name}[${i}]: JS ${g}, gdcode ${expected[i]}`);
      worst = Math.max(worst, error);
    });
  }
  assert.ok(relativeError(js.loss, data.loss) <= RELATIVE_TOLERANCE);
  console.log(`# backprop: largest difference from gdcode ${worst} (relative to each array's largest entry)`);
});

test("backprop: forward steps come first, then backward ones, each showing gdcode's result", needsGdcode, () => {
  const data = backprop.parseData(reference.backprop);
  const steps = backprop.buildSteps(data);
  const phases = steps.map((s) => s.phase);
  const firstBackward = phases.indexOf("backward");
  assert.ok(firstBackward > phases.lastIndexOf("forward"), phases.join(" "));
  assert.equal(phases[0], "start");
  const f = (v) => shared.formatNumber(v, 4);
  const text = steps.map((s) => s.lines.join("\n")).join("\n");
  for (const name of ["Z1", "Z2", "P", "dZ2", "dW2", "dA1", "dZ1", "dW1"]) {
    for (const v of data[name].flat()) assert.ok(text.includes("= " + f(v)) || text.includes(f(v)), `${name} ${v}`);
  }
  for (const name of ["db1", "db2"]) data[name].forEach((v, i) => assert.ok(text.includes(`${name}[${i + 1}] = `)));
  assert.ok(text.includes("= " + f(data.loss)), "the loss");
  const nodes = new Set(["x1", "x2", "h1", "h2", "h3", "o1", "o2", "loss"]);
  for (const s of steps) {
    s.nodes.forEach((n) => assert.ok(nodes.has(n), n));
    s.edges.forEach((e) => e.split("-").forEach((n) => assert.ok(nodes.has(n), e)));
    assert.doesNotMatch(backprop.describeStep(steps, steps.indexOf(s)), /NaN|undefined/);
  }
});
