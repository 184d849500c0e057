/*
 * The one-weight explorable (W3D4): the loss curve of the chapter's data with
 * every step of gradient descent on it, the loss per step beside it, and the
 * factor 1 - eta L'' on a scale marked "creeps", "zig-zags in", "zig-zags out".
 * The reader drags the start w0 on the curve (or uses its slider) and moves a
 * log-scale learning-rate slider. Numbers come from one_weight_core.js, which
 * computes what gdcode.one_param.gradient_descent computes.
 */
(function () {
  "use strict";
  const X = window.GDExplorables;
  const core = X.oneWeight;
  const shared = X.shared;
  const ui = X.ui;
  const fmt = shared.formatNumber;
  const W0_STEP = 0.05;
  const LOG_STEP = 0.01; // one arrow key multiplies the rate by about 1.023
  const ANIMATION_STEPS_PER_SECOND = 20;
  const COLOURS = ["text", "muted", "grid", "axis", "curve", "point", "danger", "creep", "zigin", "zigout"];

  function init(container, json) {
    const data = core.parseData(json);
    const rate = shared.logSlider(data.ranges.learningRate[0], data.ranges.learningRate[1], LOG_STEP);
    const address = ui.urlState("ow-");
    const clamp = function (v, range) {
      return Math.min(range[1], Math.max(range[0], v));
    };
    // settings from the address when it has them (clamped to the controls' ranges)
    const fromUrl = {
      w0: ui.numberFrom(address.read("w0")),
      learningRate: ui.numberFrom(address.read("lr")),
      nSteps: ui.numberFrom(address.read("steps")),
    };
    const state = {
      w0: fromUrl.w0 === null ? data.defaults.w0
        : Number((Math.round(clamp(fromUrl.w0, data.ranges.w0) / W0_STEP) * W0_STEP).toFixed(2)),
      learningRate: fromUrl.learningRate === null || fromUrl.learningRate <= 0 ? data.defaults.learningRate
        : clamp(fromUrl.learningRate, data.ranges.learningRate),
      nSteps: fromUrl.nSteps === null ? data.defaults.nSteps
        : Math.round(clamp(fromUrl.nSteps, data.ranges.nSteps)),
      shown: null, // while animating: how many steps are drawn
    };
    let run = null;
    let frameId = null;
    const helpId = ui.uid("help");

    // ---------------------------------------------------------------- controls
    const w0Control = ui.range({
      label: "Start <i>w</i><sub>0</sub>",
      min: data.ranges.w0[0], max: data.ranges.w0[1], step: W0_STEP, position: state.w0,
      show: function (p) {
        return fmt(p, 3);
      },
      spoken: function (t) {
        return "start w0 = " + t;
      },
    });
    const rateControl = ui.range({
      label: "Learning rate <i>η</i>",
      min: rate.min, max: rate.max, step: LOG_STEP, position: rate.toPosition(state.learningRate),
      show: function (p) {
        return fmt(rate.toValue(p));
      },
      spoken: function (t) {
        return "learning rate " + t + ", log scale";
      },
      describedBy: helpId,
    });
    const stepsControl = ui.range({
      label: "Steps",
      min: data.ranges.nSteps[0], max: data.ranges.nSteps[1], step: 1, position: state.nSteps,
      show: function (p) {
        return String(p);
      },
      spoken: function (t) {
        return t + " steps";
      },
    });
    const animate = ui.el("button", { type: "button", class: "gdx-animate", text: "Animate the steps" });
    const presets = (json.presets || []).map(function (p) {
      return ui.el("button", {
        type: "button", class: "gdx-preset", "data-learning-rate": String(p.learning_rate),
        text: p.label + " (" + fmt(p.learning_rate) + ")",
      });
    });
    const help = ui.el("p", {
      class: "gdx-help", id: helpId,
      text: "Drag on the curve to move the start. The learning-rate slider is on a log scale from " +
        fmt(data.ranges.learningRate[0]) + " to " + fmt(data.ranges.learningRate[1]) +
        "; arrow keys change it by about 2% a press, Page Up and Page Down by more.",
    });
    const curve = ui.el("canvas", {
      class: "gdx-main gdx-curve", role: "img",
      "aria-label": "The loss L(w) against w, with the steps of gradient descent drawn on it",
    });
    const perStep = ui.el("canvas", {
      class: "gdx-side gdx-per-step", role: "img",
      "aria-label": "The loss after each step, on a log scale",
    });
    const gauge = ui.el("canvas", {
      class: "gdx-gauge", role: "img",
      "aria-label": "Where 1 - eta L'' lies among the regions creeps, zig-zags in and zig-zags out",
    });
    const factorText = ui.el("p", { class: "gdx-factor" });
    const status = ui.liveRegion(400);

    container.appendChild(ui.el("div", { class: "gdx-controls" }, [
      w0Control.wrapper, rateControl.wrapper, stepsControl.wrapper,
    ]));
    container.appendChild(help);
    container.appendChild(ui.el("div", { class: "gdx-buttons", role: "group", "aria-label": "The chapter's learning rates" },
      presets.concat([animate])));
    container.appendChild(ui.el("div", { class: "gdx-figures" }, [curve, perStep]));
    container.appendChild(gauge);
    container.appendChild(factorText);
    container.appendChild(status.node);

    // ------------------------------------------------------------------- state
    function recompute(announceNow) {
      run = core.descend(data, state.w0, state.learningRate, state.nSteps);
      draw();
      const f = core.stepFactor(data, state.learningRate);
      factorText.textContent = "1 − η L'' = 1 − " + fmt(state.learningRate) + " × " + fmt(data.curvature) +
        " = " + fmt(f) + ": " + core.regime(f) + ".";
      status.say(core.describe(data, run, state.learningRate), announceNow);
      address.write({ w0: String(state.w0), lr: String(state.learningRate), steps: String(state.nSteps) });
    }

    function stopAnimation() {
      if (frameId !== null) cancelAnimationFrame(frameId);
      frameId = null;
      state.shown = null;
      animate.textContent = "Animate the steps";
    }

    function changed() {
      stopAnimation();
      recompute(false);
    }

    w0Control.input.addEventListener("input", function () {
      state.w0 = Number(w0Control.input.value);
      changed();
    });
    rateControl.input.addEventListener("input", function () {
      state.learningRate = rate.toValue(rateControl.input.value);
      changed();
    });
    stepsControl.input.addEventListener("input", function () {
      state.nSteps = Number(stepsControl.input.value);
      changed();
    });
    presets.forEach(function (button) {
      button.addEventListener("click", function () {
        state.learningRate = Number(button.getAttribute("data-learning-rate"));
        rateControl.set(rate.toPosition(state.learningRate), fmt(state.learningRate));
        stopAnimation();
        recompute(true);
      });
    });

    animate.addEventListener("click", function () {
      if (frameId !== null) {
        stopAnimation();
        draw();
        return;
      }
      state.shown = 0;
      animate.textContent = "Stop";
      const started = performance.now();
      function frame(now) {
        const t0 = performance.now();
        const last = run.divergedStep === null ? run.nSteps : run.divergedStep - 1;
        const elapsed = Math.max(0, now - started); // a frame's time stamp can precede the click
        state.shown = Math.min(last, Math.floor((elapsed / 1000) * ANIMATION_STEPS_PER_SECOND));
        draw();
        ui.recordFrame(container, performance.now() - t0);
        if (state.shown >= last) {
          stopAnimation();
          draw();
          status.say(core.describe(data, run, state.learningRate), true);
          return;
        }
        frameId = requestAnimationFrame(frame);
      }
      frameId = requestAnimationFrame(frame);
    });

    // ------------------------------------------------- dragging w0 on the curve
    let view = null; // the curve plot's mapping, set by drawCurve
    let box = null; // the canvas's place on the screen, read once per drag (reading it
    // after each redraw would make the browser lay out the whole page at every move)
    function w0FromPointer(event) {
      const w = view.wAt(event.clientX - box.left);
      const snapped = Math.round(w / W0_STEP) * W0_STEP;
      return Math.min(data.ranges.w0[1], Math.max(data.ranges.w0[0], Number(snapped.toFixed(2))));
    }
    function dragTo(event) {
      const t0 = performance.now();
      state.w0 = w0FromPointer(event);
      w0Control.set(state.w0);
      changed();
      ui.recordFrame(container, performance.now() - t0);
    }
    curve.addEventListener("pointerdown", function (event) {
      if (!view) return;
      curve.setPointerCapture(event.pointerId);
      box = curve.getBoundingClientRect();
      view.frozen = true; // keep the axes still while dragging
      dragTo(event);
    });
    curve.addEventListener("pointermove", function (event) {
      if (view && box && curve.hasPointerCapture(event.pointerId)) dragTo(event);
    });
    function release(event) {
      if (curve.hasPointerCapture(event.pointerId)) curve.releasePointerCapture(event.pointerId);
      box = null;
      if (view) view.frozen = false;
      draw();
    }
    curve.addEventListener("pointerup", release);
    curve.addEventListener("pointercancel", release);

    // ----------------------------------------------------------------- drawing
    function visibleSteps() {
      const last = run.divergedStep === null ? run.nSteps : run.divergedStep - 1;
      return state.shown === null ? last : Math.min(state.shown, last);
    }

    let palette = null; // the theme's colours, read again when the theme or the size changes
    function draw() {
      const colours = palette || (palette = ui.palette(container, COLOURS));
      drawCurve(colours);
      drawPerStep(colours);
      drawGauge(colours);
    }

    function curveWindow() {
      if (view && view.frozen) return view.window;
      let lo = Math.min(data.wBest - 3, state.w0 - 0.5);
      let hi = Math.max(data.wBest + 3, state.w0 + 0.5);
      // widen to show the whole path when it stays within ten times that window
      // (a path that runs further off is drawn on the plot's edge instead)
      const far = 10 * (hi - lo);
      for (let k = 0; k <= run.nSteps; k++) {
        const w = run.w[k];
        if (Number.isFinite(w) && Math.abs(w - data.wBest) <= far) {
          lo = Math.min(lo, w);
          hi = Math.max(hi, w);
        }
      }
      return [lo, hi];
    }

    function drawCurve(colours) {
      const c = ui.prepare(curve, 200, 200);
      const ctx = c.ctx;
      const m = { left: 50, right: 14, top: 22, bottom: 34 };
      const plotW = c.width - m.left - m.right;
      const plotH = c.height - m.top - m.bottom;
      const [wLo, wHi] = curveWindow();
      const lossTop = Math.max(core.loss(data, wLo), core.loss(data, wHi)) * 1.05;
      const px = function (w) {
        return m.left + (plotW * (w - wLo)) / (wHi - wLo);
      };
      const py = function (loss) {
        return m.top + plotH * (1 - loss / lossTop);
      };
      view = {
        window: [wLo, wHi],
        frozen: view ? view.frozen : false,
        wAt: function (x) {
          return wLo + ((x - m.left) / plotW) * (wHi - wLo);
        },
      };
      axes(ctx, colours, m, plotW, plotH, ui.ticks(wLo, wHi, 6).map(function (w) {
        return [px(w), ui.tickLabel(w)];
      }), ui.ticks(0, lossTop, 4).map(function (l) {
        return [py(l), ui.tickLabel(l)];
      }), "w", "loss L(w)");
      // the parabola
      ctx.strokeStyle = colours.curve;
      ctx.lineWidth = 2;
      ctx.beginPath();
      for (let i = 0; i <= 120; i++) {
        const w = wLo + ((wHi - wLo) * i) / 120;
        const y = py(core.loss(data, w));
        if (i === 0) ctx.moveTo(px(w), y);
        else ctx.lineTo(px(w), y);
      }
      ctx.stroke();
      // w*
      ctx.fillStyle = colours.muted;
      ctx.textAlign = "center";
      ctx.textBaseline = "bottom";
      ctx.fillText("w* = " + fmt(data.wBest, 3), px(data.wBest), py(data.lossBest) - 6);
      // the steps, clipped to the plot; points outside it are drawn on its edge
      const shown = visibleSteps();
      ctx.save();
      ctx.beginPath();
      ctx.rect(m.left - 6, m.top - 6, plotW + 12, plotH + 12);
      ctx.clip();
      const clampX = function (w) {
        return Math.min(m.left + plotW + 4, Math.max(m.left - 4, px(w)));
      };
      const clampY = function (l) {
        return Math.max(m.top - 4, py(l));
      };
      ctx.strokeStyle = colours.point;
      ctx.lineWidth = 1.2;
      ctx.beginPath();
      for (let k = 0; k <= shown; k++) {
        const x = clampX(run.w[k]);
        const y = clampY(run.loss[k]);
        if (k === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
      ctx.stroke();
      let outside = 0;
      for (let k = 0; k <= shown; k++) {
        const inside = run.w[k] >= wLo && run.w[k] <= wHi && run.loss[k] <= lossTop;
        if (!inside) outside += 1;
        ctx.fillStyle = k === 0 ? colours.text : colours.point;
        ctx.beginPath();
        ctx.arc(clampX(run.w[k]), clampY(run.loss[k]), k === 0 ? 5.5 : 3.5, 0, 2 * Math.PI);
        ctx.fill();
      }
      ctx.restore();
      ctx.fillStyle = colours.text;
      ctx.textAlign = "left";
      ctx.textBaseline = "bottom";
      ctx.fillText("start w0 = " + fmt(state.w0, 3) + " (drag)", m.left, m.top - 6);
      if (outside > 0 || run.divergedStep !== null) {
        ctx.fillStyle = colours.danger;
        ctx.textAlign = "right";
        ctx.fillText(run.divergedStep !== null ? "overflowed at step " + run.divergedStep
          : outside + " step" + (outside === 1 ? "" : "s") + " off the plot", m.left + plotW, m.top - 6);
      }
    }

    function drawPerStep(colours) {
      const c = ui.prepare(perStep, 160, 200);
      const ctx = c.ctx;
      const m = { left: 50, right: 12, top: 22, bottom: 34 };
      const plotW = c.width - m.left - m.right;
      const plotH = c.height - m.top - m.bottom;
      const shown = visibleSteps();
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = 0; k <= run.nSteps; k++) {
        const l = run.loss[k];
        if (Number.isFinite(l) && l > 0) {
          lo = Math.min(lo, l);
          hi = Math.max(hi, l);
        }
      }
      let logLo = Math.floor(Math.log10(lo));
      let logHi = Math.ceil(Math.log10(hi));
      if (logHi - logLo < 1) logHi = logLo + 1;
      const px = function (k) {
        return m.left + (plotW * k) / run.nSteps;
      };
      const py = function (l) {
        return m.top + (plotH * (logHi - Math.log10(l))) / (logHi - logLo);
      };
      const stride = Math.max(1, Math.ceil((logHi - logLo) / 5));
      const yTicks = [];
      for (let e = logLo; e <= logHi; e += stride) yTicks.push([py(Math.pow(10, e)), ui.tickLabel(Math.pow(10, e))]);
      axes(ctx, colours, m, plotW, plotH, ui.ticks(0, run.nSteps, 4).map(function (k) {
        return [px(k), String(k)];
      }), yTicks, "step", "loss (log)");
      if (data.lossBest >= Math.pow(10, logLo)) {
        const y = py(data.lossBest);
        ctx.strokeStyle = colours.muted;
        ctx.setLineDash([3, 3]);
        ctx.beginPath();
        ctx.moveTo(m.left, y);
        ctx.lineTo(m.left + plotW, y);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = colours.muted;
        ctx.textAlign = "right";
        ctx.textBaseline = "bottom";
        ctx.fillText("L(w*)", m.left + plotW - 3, y - 2);
      }
      ctx.strokeStyle = colours.point;
      ctx.fillStyle = colours.point;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      for (let k = 0; k <= shown; k++) {
        if (k === 0) ctx.moveTo(px(k), py(run.loss[k]));
        else ctx.lineTo(px(k), py(run.loss[k]));
      }
      ctx.stroke();
      if (run.nSteps <= 40) {
        for (let k = 0; k <= shown; k++) {
          ctx.beginPath();
          ctx.arc(px(k), py(run.loss[k]), 2.5, 0, 2 * Math.PI);
          ctx.fill();
        }
      }
      if (run.divergedStep !== null) {
        const x = px(run.divergedStep);
        ctx.strokeStyle = colours.danger;
        ctx.setLineDash([4, 3]);
        ctx.beginPath();
        ctx.moveTo(x, m.top);
        ctx.lineTo(x, m.top + plotH);
        ctx.stroke();
        ctx.setLineDash([]);
      }
      ctx.fillStyle = colours.text;
      ctx.textAlign = "left";
      ctx.textBaseline = "bottom";
      ctx.fillText("loss per step", m.left, m.top - 6);
    }

    function drawGauge(colours) {
      const c = ui.prepare(gauge, 200, 56);
      const ctx = c.ctx;
      const lo = -3;
      const hi = 1;
      const left = 14;
      const right = c.width - 14;
      const px = function (v) {
        return left + ((right - left) * (v - lo)) / (hi - lo);
      };
      const top = 18;
      const barH = 14;
      [[lo, -1, colours.zigout, "zig-zags out"], [-1, 0, colours.zigin, "zig-zags in"],
        [0, 1, colours.creep, "creeps"]].forEach(function ([a, b, colour, name]) {
        ctx.fillStyle = colour;
        ctx.globalAlpha = 0.35;
        ctx.fillRect(px(a), top, px(b) - px(a), barH);
        ctx.globalAlpha = 1;
        ctx.fillStyle = colours.text;
        ctx.textAlign = "center";
        ctx.textBaseline = "bottom";
        ctx.fillText(name, (px(a) + px(b)) / 2, top - 2);
      });
      ctx.fillStyle = colours.muted;
      ctx.textBaseline = "top";
      [-3, -2, -1, 0, 1].forEach(function (v) {
        ctx.fillText(String(v).replace("-", "−"), px(v), top + barH + 3);
      });
      const f = core.stepFactor(data, state.learningRate);
      const x = px(Math.max(lo, Math.min(hi, f)));
      ctx.fillStyle = colours.text;
      ctx.beginPath();
      ctx.moveTo(x, top + barH + 1);
      ctx.lineTo(x - 7, top + barH + 13);
      ctx.lineTo(x + 7, top + barH + 13);
      ctx.closePath();
      ctx.fill();
      ctx.fillRect(x - 1.5, top - 3, 3, barH + 4);
      if (f < lo) {
        ctx.textAlign = "left";
        ctx.fillText("← " + fmt(f, 3), px(lo) + 10, top + barH + 3);
      }
    }

    function axes(ctx, colours, m, plotW, plotH, xTicks, yTicks, xName, yName) {
      ctx.strokeStyle = colours.grid;
      ctx.fillStyle = colours.muted;
      ctx.lineWidth = 1;
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      yTicks.forEach(function ([y, text]) {
        ctx.beginPath();
        ctx.moveTo(m.left, y);
        ctx.lineTo(m.left + plotW, y);
        ctx.stroke();
        ctx.fillText(text, m.left - 5, y);
      });
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      xTicks.forEach(function ([x, text]) {
        ctx.beginPath();
        ctx.moveTo(x, m.top + plotH);
        ctx.lineTo(x, m.top + plotH + 4);
        ctx.stroke();
        ctx.fillText(text, x, m.top + plotH + 6);
      });
      ctx.strokeStyle = colours.axis;
      ctx.strokeRect(m.left, m.top, plotW, plotH);
      ctx.fillStyle = colours.text;
      ctx.fillText(xName, m.left + plotW / 2, m.top + plotH + 19);
      ctx.save();
      ctx.translate(11, m.top + plotH / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textBaseline = "middle";
      ctx.fillText(yName, 0, 0);
      ctx.restore();
    }

    rateControl.set(rate.toPosition(state.learningRate), fmt(state.learningRate));
    ui.onRedraw(container, function () {
      palette = null;
      draw();
    });
    recompute(true);
    address.arm(); // from now on, changes go into the page's address
    // for the tests and the measurements: the run on screen
    container.gdxState = function () {
      return { w0: state.w0, learningRate: state.learningRate, nSteps: state.nSteps, run: run,
        animating: frameId !== null, shown: state.shown };
    };
  }

  ui.start("one-weight", init);
})();
