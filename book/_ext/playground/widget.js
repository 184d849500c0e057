/*
 * The learning-rate playground's page widget: controls, two canvases, the
 * update rule with its numbers, a status line and "Copy as Python". All the
 * numerics live in core.js (window.GDPlayground); the data, the starting
 * weights and the controls' defaults and ranges come from playground-data.js,
 * which gdcode writes at build time (window.GDPlayground.data).
 *
 * Every element with class "gd-playground" becomes a playground. Its data
 * attributes (written by the {playground} directive when the page sets them)
 * override the defaults in the data file:
 *   data-learning-rate     starting learning rate
 *   data-steps-per-frame   steps per animation frame
 *   data-max-steps         length of a run (rounded up to whole epochs)
 * The page address overrides both for the settings it holds
 * (?lr=0.15&schedule=cosine&batch=16&seed=3): a link shares a run. The widget
 * writes the address only when the reader changes a setting.
 */
(function () {
  "use strict";

  const core = window.GDPlayground;
  const STATUS_INTERVAL_MS = 1500; // how often the live status line may change while training
  const BOUNDARY_EVERY_N_FRAMES = 6; // the decision regions are redrawn at about 10 Hz
  const GRID = 48; // decision-region cells per side
  let counter = 0;

  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      if (key === "text") node.textContent = attributes[key];
      else node.setAttribute(key, attributes[key]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(child);
    });
    return node;
  }

  function numberOption(container, name, fallback, isValid) {
    const value = Number(container.dataset[name]);
    return container.dataset[name] !== undefined && isValid(value) ? value : fallback;
  }

  function init(container) {
    if (container.dataset.gdpReady) return;
    if (!core || !core.Trainer || !core.data) {
      const message = container.querySelector(".gdp-fallback") || container.appendChild(el("p"));
      message.textContent =
        "The learning-rate playground could not start: its scripts or data did not load.";
      return;
    }
    container.dataset.gdpReady = "1";
    counter += 1;
    const id = "gdp-" + counter;

    const data = core.parseData(core.data);
    const controls = data.controls;
    const n = data.X.rows;
    const options = {
      learningRate: numberOption(container, "learningRate", controls.learningRate, function (v) {
        return v > 0 && Number.isFinite(v);
      }),
      stepsPerFrame: numberOption(container, "stepsPerFrame", controls.stepsPerFrame, function (v) {
        return Number.isInteger(v) && v >= 1;
      }),
      maxSteps: numberOption(container, "maxSteps", controls.maxSteps, function (v) {
        return Number.isInteger(v) && v >= 1;
      }),
    };
    // The settings a link can share: the page's defaults, then the address.
    const settings = core.stateFromQuery(window.location.search, controls, {
      learningRate: options.learningRate,
      schedule: controls.schedule,
      batchSize: controls.batchSize,
      seed: controls.seed,
    });

    // ------------------------------------------------------------ the DOM
    const slider = el("input", {
      type: "range",
      id: id + "-rate",
      min: String(controls.log10Min),
      max: String(controls.log10Max),
      step: String(controls.sliderStep),
      "aria-describedby": id + "-rate-help",
    });
    const rateValue = el("span", { class: "gdp-rate-value", "aria-hidden": "true" });
    const trainButton = el("button", { type: "button", class: "gdp-train" });
    const resetButton = el("button", { type: "button", class: "gdp-reset", text: "Reset" });
    const copyButton = el("button", { type: "button", class: "gdp-copy", text: "Copy as Python" });
    const scheduleSelect = el("select", { id: id + "-schedule", class: "gdp-schedule" },
      controls.schedules.map(function (name) {
        return el("option", { value: name, text: name === "constant" ? "constant" : name + " decay" });
      }));
    const batchSelect = el("select", { id: id + "-batch", class: "gdp-batch" },
      controls.batchSizes.map(function (size) {
        return el("option", {
          value: size === null ? "full" : String(size),
          text: size === null ? "full (" + n + ")" : size === 1 ? "1 (stochastic)" : String(size),
        });
      }));
    const seedInput = el("input", {
      type: "number",
      id: id + "-seed",
      class: "gdp-seed",
      min: "0",
      max: String(controls.maxSeed),
      step: "1",
      inputmode: "numeric",
      "aria-describedby": id + "-settings-help",
    });
    const presetButtons = data.presets.map(function (preset) {
      return el("button", {
        type: "button",
        class: "gdp-preset",
        text: preset.label + " (" + core.formatNumber(preset.learningRate) + ")",
      });
    });
    const lossCanvas = el("canvas", {
      class: "gdp-loss",
      role: "img",
      "aria-label":
        "Loss curve, loss on a log scale against the step. The status line below says where the run is.",
    });
    const boundaryCanvas = el("canvas", {
      class: "gdp-boundary",
      role: "img",
      "aria-label":
        "The " + n + " training points, two interleaved half-moons, " +
        "on the regions where the network predicts each class.",
    });
    const rule = el("p", { class: "gdp-rule", id: id + "-rule" });
    const status = el("p", {
      class: "gdp-status",
      id: id + "-status",
      role: "status",
      "aria-live": "polite",
      "aria-atomic": "true",
    });
    // announced politely; not a second role=status (the status line below is the widget's)
    const copyStatus = el("span", { class: "gdp-copy-status", "aria-live": "polite" });
    const code = el("code", { class: "language-python" });
    const python = el("details", { class: "gdp-python" }, [
      el("summary", { text: "Python for this run (gdcode)" }),
      el("pre", { tabindex: "0", "aria-label": "Python code for this run" }, [code]),
    ]);

    function field(labelText, input) {
      return el("div", { class: "gdp-field" }, [el("label", { for: input.id, text: labelText }), input]);
    }

    const fallback = container.querySelector(".gdp-fallback");
    if (fallback) fallback.remove();
    container.appendChild(
      el("div", { class: "gdp-controls" }, [
        el("div", { class: "gdp-rate" }, [
          el("label", { for: slider.id, text: "Learning rate" }),
          slider,
          rateValue,
        ]),
        el("p", {
          class: "gdp-help",
          id: id + "-rate-help",
          text: "Log scale from " + core.formatNumber(Math.pow(10, controls.log10Min)) + " to " +
            core.formatNumber(Math.pow(10, controls.log10Max)) + "; each arrow-key press multiplies the rate by about " +
            core.formatDigits(Math.pow(10, controls.sliderStep), 3) + ".",
        }),
        el("div", { class: "gdp-buttons" }, [trainButton, resetButton, copyButton, copyStatus]),
        el("div", { class: "gdp-settings" }, [
          field("Schedule", scheduleSelect),
          field("Batch size", batchSelect),
          field("Seed", seedInput),
        ]),
        el("p", {
          class: "gdp-help",
          id: id + "-settings-help",
          text: "The seed shuffles the mini-batches, as fit(..., rng=seed) does. " +
            "The address of this page keeps the settings: a link to it shares this run.",
        }),
        el("div", { class: "gdp-presets", role: "group", "aria-label": "Learning-rate presets" },
          presetButtons),
      ])
    );
    container.appendChild(el("div", { class: "gdp-figures" }, [lossCanvas, boundaryCanvas]));
    container.appendChild(rule);
    container.appendChild(status);
    container.appendChild(python);

    // ------------------------------------------------------------ state
    const trainer = new core.Trainer(data, {
      learningRate: settings.learningRate,
      schedule: settings.schedule,
      batchSize: settings.batchSize,
      seed: settings.seed,
      maxSteps: options.maxSteps,
    });
    let running = false;
    let frameId = null; // the pending animation frame, if any
    let previous = null; // the last run's curve, drawn in grey for comparison
    let frameCount = 0;
    let lastStatusTime = 0;
    let lowestLoss = trainer.loss;
    let runRates = [trainer.learningRate, trainer.learningRate]; // base rates at the start and now

    // Grid of points for the decision regions, in standardised input units.
    const bounds = dataBounds(data.X);
    const gridX = gridMatrix(bounds, GRID);
    const regionImage = document.createElement("canvas");
    regionImage.width = GRID;
    regionImage.height = GRID;

    function currentSettings() {
      return {
        learningRate: trainer.learningRate,
        schedule: trainer.scheduleName,
        batchSize: trainer.batchSize,
        seed: trainer.seed,
      };
    }

    function showSettings() {
      const learningRate = trainer.learningRate;
      slider.value = String(core.sliderFromLearningRate(learningRate, controls));
      const text = core.formatNumber(learningRate);
      rateValue.textContent = text;
      slider.setAttribute("aria-valuetext", "learning rate " + text);
      scheduleSelect.value = trainer.scheduleName;
      batchSelect.value = trainer.batchSize === null ? "full" : String(trainer.batchSize);
      seedInput.value = String(trainer.seed);
      code.textContent = core.pythonCode(currentSettings(), data, options.maxSteps);
    }

    /** Keep the settings in the page address (no new history entry). */
    function rememberInAddress() {
      if (!window.history || typeof window.history.replaceState !== "function") return;
      try {
        const query = core.queryFromState(currentSettings(), window.location.search);
        window.history.replaceState(window.history.state, "", query + window.location.hash);
      } catch (error) {
        // an address the browser will not change (e.g. some file: pages): keep going without
      }
    }

    function setLearningRate(learningRate) {
      trainer.setLearningRate(learningRate);
      runRates[1] = learningRate;
      showSettings();
    }

    function announce(force) {
      const now = performance.now();
      if (!force && now - lastStatusTime < STATUS_INTERVAL_MS) return;
      lastStatusTime = now;
      status.textContent = core.describeState({
        t: trainer.t,
        loss: trainer.loss,
        learningRate: trainer.t > 0 ? trainer.learningRates[trainer.t - 1] : trainer.currentLearningRate,
        baseLearningRate: trainer.learningRate,
        schedule: trainer.scheduleName,
        diverged: trainer.diverged,
        divergedStep: trainer.divergedStep,
        divergedLearningRate: trainer.divergedLearningRate,
        running: running,
        maxSteps: trainer.runSteps,
      });
    }

    function showRule() {
      rule.textContent = core.describeUpdate(trainer.lastUpdate);
    }

    function updateButtons() {
      trainButton.textContent = running ? "Pause" : "Train";
    }

    function stopAnimation() {
      running = false;
      if (frameId !== null) cancelAnimationFrame(frameId);
      frameId = null;
    }

    function keepAsPrevious() {
      if (trainer.t === 0) return;
      const first = core.formatNumber(runRates[0]);
      const last = core.formatNumber(runRates[1]);
      const schedule = trainer.scheduleName === "constant" ? "" : ", " + trainer.scheduleName + " decay";
      const batch = trainer.fullBatch ? "" : ", batch " + trainer.batchSize;
      previous = {
        losses: trainer.losses.slice(),
        runSteps: trainer.runSteps,
        label: "grey: previous run, rate " + (first === last ? first : first + " to " + last) + schedule + batch,
      };
    }

    function afterReset() {
      runRates = [trainer.learningRate, trainer.learningRate];
      lowestLoss = Math.min(trainer.loss, previous ? minFinite(previous.losses) : Infinity);
      updateButtons();
      showSettings();
      showRule();
      draw(true);
      announce(true);
    }

    function reset() {
      stopAnimation();
      keepAsPrevious();
      trainer.reset();
      afterReset();
    }

    /** New schedule, batch size or seed: a new run from the starting weights. */
    function reconfigure(change) {
      stopAnimation();
      keepAsPrevious();
      trainer.configure(Object.assign(currentSettings(), change));
      afterReset();
      rememberInAddress();
    }

    function start() {
      if (trainer.finished) reset();
      running = true;
      updateButtons();
      announce(true);
      if (frameId === null) frameId = requestAnimationFrame(frame);
    }

    function pause() {
      stopAnimation();
      updateButtons();
      announce(true);
    }

    function frame() {
      frameId = null;
      if (!running) return;
      trainer.run(Math.min(options.stepsPerFrame, trainer.runSteps - trainer.t));
      if (Number.isFinite(trainer.loss)) lowestLoss = Math.min(lowestLoss, trainer.loss);
      frameCount += 1;
      showRule();
      if (trainer.finished) {
        running = false;
        updateButtons();
        draw(true);
        announce(true);
        return;
      }
      draw(frameCount % BOUNDARY_EVERY_N_FRAMES === 0);
      announce(false);
      frameId = requestAnimationFrame(frame);
    }

    function copyPython() {
      const text = code.textContent;
      function done(message) {
        copyStatus.textContent = message;
      }
      python.open = true;
      if (navigator.clipboard && typeof navigator.clipboard.writeText === "function") {
        navigator.clipboard.writeText(text).then(
          function () {
            done("Copied: gdcode code that reruns these settings from the start.");
          },
          function () {
            done("The browser did not allow copying; the code is shown below.");
          }
        );
      } else {
        done("This browser cannot copy from here; the code is shown below.");
      }
    }

    // ------------------------------------------------------------ events
    trainButton.addEventListener("click", function () {
      if (running) pause();
      else start();
    });
    resetButton.addEventListener("click", reset);
    copyButton.addEventListener("click", copyPython);
    slider.addEventListener("input", function () {
      setLearningRate(core.learningRateFromSlider(slider.value, controls));
      rememberInAddress();
      if (!running) announce(true);
    });
    scheduleSelect.addEventListener("change", function () {
      reconfigure({ schedule: scheduleSelect.value });
    });
    batchSelect.addEventListener("change", function () {
      reconfigure({ batchSize: batchSelect.value === "full" ? null : Number(batchSelect.value) });
    });
    seedInput.addEventListener("change", function () {
      const value = Number(seedInput.value);
      if (seedInput.value.trim() !== "" && Number.isInteger(value) && value >= 0 && value <= controls.maxSeed) {
        reconfigure({ seed: value });
      } else {
        seedInput.value = String(trainer.seed); // not a seed: keep the one in use
      }
    });
    presetButtons.forEach(function (button, i) {
      button.addEventListener("click", function () {
        setLearningRate(data.presets[i].learningRate);
        rememberInAddress();
        reset();
        start();
      });
    });

    // ------------------------------------------------------------ drawing
    function colors() {
      const style = getComputedStyle(container);
      function read(name, fallbackColor) {
        return style.getPropertyValue(name).trim() || fallbackColor;
      }
      return {
        text: read("--gdp-text", "#1a1a1a"),
        grid: read("--gdp-grid", "#d0d0d0"),
        curve: read("--gdp-curve", "#0a58a8"),
        previous: read("--gdp-previous", "#8a8a8a"),
        danger: read("--gdp-danger", "#b3001b"),
        class0: read("--gdp-class0", "#5d3a9b"),
        class1: read("--gdp-class1", "#c25400"),
      };
    }

    function prepare(canvas) {
      const ratio = window.devicePixelRatio || 1;
      const width = Math.max(200, canvas.clientWidth);
      const height = Math.max(150, canvas.clientHeight);
      if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
        canvas.width = Math.round(width * ratio);
        canvas.height = Math.round(height * ratio);
      }
      const ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, width, height);
      ctx.font = "12px system-ui, sans-serif";
      return { ctx: ctx, width: width, height: height };
    }

    let palette = null; // the theme's colours, read again when the theme or the size changes
    function draw(withBoundary) {
      if (palette === null) palette = colors();
      drawLoss(palette);
      if (withBoundary) drawBoundary(palette);
    }

    function drawLoss(palette) {
      const c = prepare(lossCanvas);
      const ctx = c.ctx;
      const margin = { left: 52, right: 22, top: 24, bottom: 34 };
      const plotW = c.width - margin.left - margin.right;
      const plotH = c.height - margin.top - margin.bottom;
      const threshold = trainer.threshold;
      const logHigh = Math.ceil(Math.log10(threshold) + 0.2);
      const logLow = Math.min(Math.floor(Math.log10(lowestLoss)), logHigh - 2);
      const runSteps = trainer.runSteps;
      const x = function (t) {
        return margin.left + (plotW * t) / runSteps;
      };
      const y = function (loss) {
        if (!Number.isFinite(loss) || loss <= 0) return margin.top; // off the scale: top edge
        const v = Math.min(logHigh, Math.max(logLow, Math.log10(loss)));
        return margin.top + (plotH * (logHigh - v)) / (logHigh - logLow);
      };

      // axes and decade grid lines
      ctx.strokeStyle = palette.grid;
      ctx.fillStyle = palette.text;
      ctx.lineWidth = 1;
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      for (let k = logLow; k <= logHigh; k++) {
        const yk = y(Math.pow(10, k));
        ctx.beginPath();
        ctx.moveTo(margin.left, yk);
        ctx.lineTo(margin.left + plotW, yk);
        ctx.stroke();
        ctx.fillText(k >= -3 && k <= 4 ? String(Math.pow(10, k)) : "1e" + k, margin.left - 6, yk);
      }
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      const tick = Math.max(1, niceStep(runSteps / 4));
      for (let t = 0; t <= runSteps; t += tick) {
        ctx.fillText(String(t), x(t), margin.top + plotH + 4);
      }
      ctx.fillText("step", margin.left + plotW / 2, margin.top + plotH + 19);
      ctx.save();
      ctx.translate(12, margin.top + plotH / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText("loss (log scale)", 0, -6);
      ctx.restore();

      // divergence threshold
      ctx.strokeStyle = palette.danger;
      ctx.setLineDash([5, 4]);
      ctx.beginPath();
      ctx.moveTo(margin.left, y(threshold));
      ctx.lineTo(margin.left + plotW, y(threshold));
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = palette.danger;
      ctx.textAlign = "right";
      ctx.textBaseline = "top";
      ctx.fillText("divergence threshold", margin.left + plotW - 4, y(threshold) + 3);

      // losses[k - 1] is the loss measured at step k (as gdcode's fit records it)
      function curve(losses, color, width) {
        ctx.strokeStyle = color;
        ctx.lineWidth = width;
        ctx.beginPath();
        losses.forEach(function (loss, i) {
          if (i === 0) ctx.moveTo(x(i + 1), y(loss));
          else ctx.lineTo(x(i + 1), y(loss));
        });
        ctx.stroke();
      }
      ctx.textAlign = "left";
      ctx.textBaseline = "top";
      if (previous) {
        curve(previous.losses, palette.previous, 1.5);
        ctx.fillStyle = palette.previous;
        ctx.fillText(previous.label, margin.left + 6, margin.top + plotH - 18);
      }
      curve(trainer.losses, palette.curve, 2);

      if (trainer.diverged) {
        // an "x" where the rule fired (kept inside the plot when the loss is off the scale)
        const px = x(trainer.divergedStep);
        const py = Math.max(y(trainer.loss), margin.top + 8);
        ctx.strokeStyle = palette.danger;
        ctx.lineWidth = 2.5;
        ctx.beginPath();
        ctx.moveTo(px - 6, py - 6);
        ctx.lineTo(px + 6, py + 6);
        ctx.moveTo(px + 6, py - 6);
        ctx.lineTo(px - 6, py + 6);
        ctx.stroke();
        ctx.fillStyle = palette.danger;
        ctx.textAlign = "left";
        ctx.textBaseline = "middle";
        ctx.fillText("diverged at step " + trainer.divergedStep, px + 10, py);
      }
      // the current step and loss, above the plot
      ctx.fillStyle = palette.text;
      ctx.textAlign = "right";
      ctx.textBaseline = "bottom";
      ctx.fillText("step " + trainer.t + ", loss " + core.formatNumber(trainer.loss),
        margin.left + plotW, margin.top - 6);
    }

    function drawBoundary(palette) {
      const c = prepare(boundaryCanvas);
      const ctx = c.ctx;
      const pad = 8;
      const size = Math.min(c.width, c.height) - 2 * pad;
      const left = (c.width - size) / 2;
      const top = pad;
      const px = function (v) {
        return left + (size * (v - bounds.min)) / (bounds.max - bounds.min);
      };
      const py = function (v) {
        return top + size - (size * (v - bounds.min)) / (bounds.max - bounds.min);
      };

      // decision regions: class 1 where the output is above 0.5, stronger
      // colour where the network is more certain; one pixel per grid cell,
      // scaled up (and smoothed) onto the canvas
      const P = trainer.predict(gridX);
      const rgb0 = toRgb(ctx, palette.class0);
      const rgb1 = toRgb(ctx, palette.class1);
      const image = regionImage.getContext("2d").createImageData(GRID, GRID);
      for (let i = 0; i < GRID; i++) {
        for (let j = 0; j < GRID; j++) {
          const p = P[i * GRID + j];
          const offset = 4 * ((GRID - 1 - i) * GRID + j); // image rows run top-down
          if (!Number.isFinite(p)) continue; // transparent
          const rgb = p > 0.5 ? rgb1 : rgb0;
          const confidence = Math.min(1, Math.abs(p - 0.5) * 2);
          image.data[offset] = rgb[0];
          image.data[offset + 1] = rgb[1];
          image.data[offset + 2] = rgb[2];
          image.data[offset + 3] = Math.round(255 * (0.1 + 0.3 * confidence));
        }
      }
      regionImage.getContext("2d").putImageData(image, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(regionImage, left, top, size, size);
      ctx.strokeStyle = palette.grid;
      ctx.strokeRect(left, top, size, size);

      // the points: class 0 as circles, class 1 as squares
      for (let i = 0; i < data.X.rows; i++) {
        const cx = px(data.X.data[2 * i]);
        const cy = py(data.X.data[2 * i + 1]);
        ctx.fillStyle = data.y[i] > 0.5 ? palette.class1 : palette.class0;
        ctx.strokeStyle = "#ffffff";
        ctx.lineWidth = 1;
        ctx.beginPath();
        if (data.y[i] > 0.5) ctx.rect(cx - 4, cy - 4, 8, 8);
        else ctx.arc(cx, cy, 4.5, 0, 2 * Math.PI);
        ctx.fill();
        ctx.stroke();
      }
    }

    // ------------------------------------------------------------ go
    updateButtons();
    showSettings();
    showRule();
    draw(true);
    announce(true);
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(function () {
        palette = null;
        draw(true);
      }).observe(container);
    }
    // The theme's light/dark switch sets data-theme on <html>: redraw in the new colours.
    new MutationObserver(function () {
      palette = null;
      draw(true);
    }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  }

  /** A square box around the (standardised) data, with a margin. */
  function dataBounds(X) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < X.data.length; i++) {
      lo = Math.min(lo, X.data[i]);
      hi = Math.max(hi, X.data[i]);
    }
    const margin = 0.1 * (hi - lo);
    return { min: lo - margin, max: hi + margin };
  }

  /** Cell centres of a g x g grid over the box, as a (g*g, 2) matrix, row i = second coordinate. */
  function gridMatrix(bounds, g) {
    const data = new Float64Array(g * g * 2);
    const step = (bounds.max - bounds.min) / g;
    for (let i = 0; i < g; i++) {
      for (let j = 0; j < g; j++) {
        data[2 * (i * g + j)] = bounds.min + (j + 0.5) * step;
        data[2 * (i * g + j) + 1] = bounds.min + (i + 0.5) * step;
      }
    }
    return { rows: g * g, cols: 2, data: data };
  }

  /** The smallest of 1, 2, 5 times a power of ten that is >= raw. */
  function niceStep(raw) {
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const nice = [1, 2, 5, 10].find(function (m) {
      return m * power >= raw;
    });
    return nice * power;
  }

  /** [r, g, b] of a CSS colour (the canvas normalises it to #rrggbb). */
  function toRgb(ctx, color) {
    ctx.fillStyle = "#000000";
    ctx.fillStyle = color;
    const hex = String(ctx.fillStyle);
    if (!/^#[0-9a-f]{6}$/i.test(hex)) return [128, 128, 128];
    return [1, 3, 5].map(function (i) {
      return parseInt(hex.slice(i, i + 2), 16);
    });
  }

  function minFinite(values) {
    let m = Infinity;
    values.forEach(function (v) {
      if (Number.isFinite(v)) m = Math.min(m, v);
    });
    return m;
  }

  /** Start each playground when it comes within a screen of the viewport (or the page is
   * printed), not while the page loads: a phone's first seconds go to showing the text. */
  function initAll() {
    const containers = document.querySelectorAll(".gd-playground");
    if (!("IntersectionObserver" in window)) {
      containers.forEach(init);
      return;
    }
    const observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        observer.unobserve(entry.target);
        init(entry.target);
      });
    }, { rootMargin: window.innerHeight + "px 0px" }); // a screen above and below
    containers.forEach(function (container) { observer.observe(container); });
    window.addEventListener("beforeprint", function () { containers.forEach(init); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initAll);
  else initAll();
})();
