/*
 * The learning-rate playground's page widget: controls, two canvases and a
 * status line. All the numerics live in core.js (window.GDPlayground); the
 * data and starting weights come from playground-data.js, which gdcode writes
 * at build time (window.GDPlayground.data).
 *
 * Every element with class "gd-playground" becomes a playground. Options come
 * from its data attributes (written by the {playground} directive):
 *   data-learning-rate     starting learning rate        (default 0.15)
 *   data-steps-per-frame   steps per animation frame     (default 8)
 *   data-max-steps         length of a run               (default 1500)
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
    const options = {
      learningRate: numberOption(container, "learningRate", 0.15, function (v) {
        return v > 0 && Number.isFinite(v);
      }),
      stepsPerFrame: numberOption(container, "stepsPerFrame", 8, function (v) {
        return Number.isInteger(v) && v >= 1;
      }),
      maxSteps: numberOption(container, "maxSteps", 1500, function (v) {
        return Number.isInteger(v) && v >= 1;
      }),
    };

    // ------------------------------------------------------------ the DOM
    const slider = el("input", {
      type: "range",
      id: id + "-rate",
      min: String(core.LOG10_LR_MIN),
      max: String(core.LOG10_LR_MAX),
      step: String(core.SLIDER_STEP),
      "aria-describedby": id + "-rate-help",
    });
    const rateValue = el("span", { class: "gdp-rate-value", "aria-hidden": "true" });
    const trainButton = el("button", { type: "button", class: "gdp-train" });
    const resetButton = el("button", { type: "button", class: "gdp-reset", text: "Reset" });
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
        "The " + data.X.rows + " training points, two interleaved half-moons, " +
        "on the regions where the network predicts each class.",
    });
    const status = el("p", {
      class: "gdp-status",
      id: id + "-status",
      role: "status",
      "aria-live": "polite",
      "aria-atomic": "true",
    });

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
          text: "Log scale from 0.0001 to 100; each arrow-key press multiplies the rate by about 1.12.",
        }),
        el("div", { class: "gdp-buttons" }, [trainButton, resetButton]),
        el("div", { class: "gdp-presets", role: "group", "aria-label": "Learning-rate presets" },
          presetButtons),
      ])
    );
    container.appendChild(el("div", { class: "gdp-figures" }, [lossCanvas, boundaryCanvas]));
    container.appendChild(status);

    // ------------------------------------------------------------ state
    const trainer = new core.Trainer(data, { learningRate: options.learningRate });
    let running = false;
    let frameId = null; // the pending animation frame, if any
    let previous = null; // the last run's curve, drawn in grey for comparison
    let frameCount = 0;
    let lastStatusTime = 0;
    let lowestLoss = trainer.loss;

    // Grid of points for the decision regions, in standardised input units.
    const bounds = dataBounds(data.X);
    const gridX = gridMatrix(bounds, GRID);
    const regionImage = document.createElement("canvas");
    regionImage.width = GRID;
    regionImage.height = GRID;

    function setLearningRate(learningRate) {
      trainer.setLearningRate(learningRate);
      slider.value = String(core.sliderFromLearningRate(learningRate));
      const text = core.formatNumber(learningRate);
      rateValue.textContent = text;
      slider.setAttribute("aria-valuetext", "learning rate " + text);
    }

    function announce(force) {
      const now = performance.now();
      if (!force && now - lastStatusTime < STATUS_INTERVAL_MS) return;
      lastStatusTime = now;
      status.textContent = core.describeState({
        t: trainer.t,
        loss: trainer.loss,
        learningRate: trainer.learningRate,
        diverged: trainer.diverged,
        divergedStep: trainer.divergedStep,
        divergedLearningRate: trainer.divergedLearningRate,
        running: running,
        maxSteps: options.maxSteps,
      });
    }

    function updateButtons() {
      trainButton.textContent = running ? "Pause" : "Train";
    }

    function finished() {
      return trainer.diverged || trainer.t >= options.maxSteps;
    }

    function stopAnimation() {
      running = false;
      if (frameId !== null) cancelAnimationFrame(frameId);
      frameId = null;
    }

    function reset() {
      stopAnimation();
      if (trainer.t > 0) {
        const rates = trainer.learningRates;
        const first = core.formatNumber(rates[0]);
        const last = core.formatNumber(rates[rates.length - 1]);
        previous = {
          losses: trainer.losses.slice(),
          label: "grey: previous run, rate " + (first === last ? first : first + " to " + last),
        };
      }
      trainer.reset();
      lowestLoss = Math.min(trainer.loss, previous ? minFinite(previous.losses) : Infinity);
      updateButtons();
      draw(true);
      announce(true);
    }

    function start() {
      if (finished()) reset();
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
      trainer.run(Math.min(options.stepsPerFrame, options.maxSteps - trainer.t));
      if (Number.isFinite(trainer.loss)) lowestLoss = Math.min(lowestLoss, trainer.loss);
      frameCount += 1;
      if (finished()) {
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

    // ------------------------------------------------------------ events
    trainButton.addEventListener("click", function () {
      if (running) pause();
      else start();
    });
    resetButton.addEventListener("click", reset);
    slider.addEventListener("input", function () {
      setLearningRate(core.learningRateFromSlider(slider.value));
      if (!running) announce(true);
    });
    presetButtons.forEach(function (button, i) {
      button.addEventListener("click", function () {
        setLearningRate(data.presets[i].learningRate);
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

    function draw(withBoundary) {
      const palette = colors();
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
      const x = function (t) {
        return margin.left + (plotW * t) / options.maxSteps;
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
      const tick = Math.max(1, niceStep(options.maxSteps / 4));
      for (let t = 0; t <= options.maxSteps; t += tick) {
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
    setLearningRate(options.learningRate);
    updateButtons();
    draw(true);
    announce(true);
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(function () {
        draw(true);
      }).observe(container);
    }
    // The theme's light/dark switch sets data-theme on <html>: redraw in the new colours.
    new MutationObserver(function () {
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

  function initAll() {
    document.querySelectorAll(".gd-playground").forEach(init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initAll);
  else initAll();
})();
