/*
 * The optimizer race (Variants chapter): gradient descent, momentum, RMSProp
 * and Adam on a contour plot of one of the chapter's surfaces, all from the
 * start point the reader drops (click or tap the plot, type it, or move it
 * with the arrow keys while the plot has focus). Each optimizer has its own
 * learning-rate slider (log scale) and its momentum / rho / beta sliders; a
 * table gives every racer's step count, distance to the minimum and loss.
 * Numbers come from surface_race_core.js, which computes what
 * gdcode.surfaces.optimize_2d computes.
 */
(function () {
  "use strict";
  const X = window.GDExplorables;
  const core = X.surfaceRace;
  const shared = X.shared;
  const ui = X.ui;
  const fmt = shared.formatNumber;
  const LOG_STEP = 0.01;
  const FRAMES_PER_RACE = 120; // a race takes about two seconds at 60 frames per second
  const COLOURS = ["text", "muted", "grid", "axis", "band-low", "band-high", "gd", "momentum", "rmsprop",
    "adam", "danger"];
  const DECAY_LABELS = {
    momentum: "momentum <i>μ</i>", rho: "decay <i>ρ</i>", beta1: "<i>β</i><sub>1</sub>", beta2: "<i>β</i><sub>2</sub>",
  };

  function init(container, json) {
    const data = core.parseData(json);
    const rate = shared.logSlider(data.ranges.learningRate[0], data.ranges.learningRate[1], LOG_STEP);
    const helpId = ui.uid("help");
    const address = ui.urlState("race-");
    const named = address.read("surface");
    const wanted = data.surfaces.some(function (s) {
      return s.name === named;
    }) ? named : container.getAttribute("data-surface") || data.surfaces[0].name;
    let surface = core.surfaceByName(data, wanted);
    let start = surface.start.slice();
    let settings = {};
    let race = null;
    let running = false;
    let frameId = null;
    let contour = null; // {image, key}
    let lastTable = 0;

    // ---------------------------------------------------------------- controls
    const select = ui.el("select", { id: ui.uid("surface") }, data.surfaces.map(function (s) {
      return ui.el("option", { value: s.name, text: s.label });
    }));
    select.value = surface.name;
    const raceButton = ui.el("button", { type: "button", class: "gdx-race", text: "Race" });
    const resetButton = ui.el("button", { type: "button", class: "gdx-reset", text: "Reset" });
    const homeButton = ui.el("button", { type: "button", class: "gdx-home", text: "Chapter's start" });
    const startX = ui.el("input", { type: "number", step: "any", id: ui.uid("x"), class: "gdx-start-x", size: "7" });
    const startY = ui.el("input", { type: "number", step: "any", id: ui.uid("y"), class: "gdx-start-y", size: "7" });
    const plot = ui.el("canvas", {
      class: "gdx-plot", tabindex: "0", role: "application", "aria-roledescription": "contour plot",
      "aria-describedby": helpId,
    });
    const help = ui.el("p", {
      class: "gdx-help", id: helpId,
      text: "Click or tap the plot to drop the start point, or give it below. With the plot focused, " +
        "the arrow keys move the start (Shift: five times further) and Enter races. " +
        "Learning rates are on a log scale.",
    });
    const tableBody = ui.el("tbody");
    const table = ui.el("table", {}, [
      ui.el("caption", { class: "gdx-help", text: "Each optimizer after its steps so far" }),
      ui.el("thead", {}, [ui.el("tr", {}, ["optimizer", "steps", "distance to minimum", "loss", "state"].map(function (h) {
        return ui.el("th", { scope: "col", text: h });
      }))]),
      tableBody,
    ]);
    const status = ui.liveRegion(1000);

    const rows = {};
    const racerBoxes = core.RACERS.map(function (key) {
      const racer = data.racers[key];
      const swatch = ui.el("span", { class: "gdx-swatch", "aria-hidden": "true" });
      swatch.style.background = "var(--gdx-" + key + ")";
      const controls = {
        learning_rate: ui.range({
          // the visible label is the symbol; the name a screen reader gives says whose it is
          label: '<span class="gdx-visually-hidden">' + racer.label + " learning rate </span><i>η</i>",
          min: rate.min, max: rate.max, step: LOG_STEP, position: 0,
          show: function (p) {
            return fmt(rate.toValue(p));
          },
          spoken: function (t) {
            return racer.label + " learning rate " + t + ", log scale";
          },
        }),
      };
      core.DECAYS[key].forEach(function (name) {
        controls[name] = ui.range({
          label: '<span class="gdx-visually-hidden">' + racer.label + ": </span>" + DECAY_LABELS[name],
          min: data.ranges.decay[0], max: data.ranges.decay[1], step: 0.001, position: 0,
          show: function (p) {
            return fmt(p, 3);
          },
          spoken: function (t) {
            return racer.label + " " + name + " " + t;
          },
        });
      });
      Object.entries(controls).forEach(function ([name, control]) {
        control.input.addEventListener("input", function () {
          const v = Number(control.input.value);
          settings[key][name] = name === "learning_rate" ? rate.toValue(v) : v;
          restart(true);
        });
      });
      rows[key] = {
        controls: controls,
        cells: [0, 1, 2, 3, 4].map(function () {
          return ui.el("td");
        }),
      };
      const label = ui.el("th", { scope: "row" }, [swatch.cloneNode(), racer.label]);
      tableBody.appendChild(ui.el("tr", { "data-racer": key }, [label].concat(rows[key].cells.slice(1))));
      return ui.el("fieldset", { "data-racer": key }, [
        ui.el("legend", {}, [swatch, racer.label]),
      ].concat(Object.values(controls).map(function (c) {
        return c.wrapper;
      })));
    });

    container.appendChild(ui.el("div", { class: "gdx-controls" }, [
      ui.el("div", { class: "gdx-range" }, [ui.el("label", { for: select.id, text: "Surface" }), select]),
      ui.el("div", { class: "gdx-range" }, [
        ui.el("label", { for: startX.id, text: "Start x" }), startX,
        ui.el("label", { for: startY.id, text: "y" }), startY,
      ]),
    ]));
    container.appendChild(ui.el("div", { class: "gdx-buttons" }, [raceButton, resetButton, homeButton]));
    container.appendChild(ui.el("div", { class: "gdx-figures" }, [plot]));
    container.appendChild(help);
    // focusable, so that a keyboard can scroll it when the table is wider than a phone
    container.appendChild(ui.el("div", { class: "gdx-table-wrap", tabindex: "0", role: "region",
      "aria-label": "Race results" }, [table]));
    container.appendChild(status.node);
    container.appendChild(ui.el("div", { class: "gdx-racers" }, racerBoxes));

    // ------------------------------------------------------------------- state
    function loadSurface(name, withAddress) {
      surface = core.surfaceByName(data, name);
      start = surface.start.slice();
      settings = {};
      core.RACERS.forEach(function (key) {
        settings[key] = Object.assign({}, surface.optimizers[key]);
        const controls = rows[key].controls;
        controls.learning_rate.set(rate.toPosition(settings[key].learning_rate), fmt(settings[key].learning_rate));
        core.DECAYS[key].forEach(function (n) {
          controls[n].set(settings[key][n]);
        });
      });
      contour = null;
      if (withAddress) readAddress();
      restart(false);
    }

    /** The start and each racer's settings from the address, where they are valid. */
    function readAddress() {
      const point = (address.read("start") || "").split(",").map(ui.numberFrom);
      if (point.length === 2 && point[0] !== null && point[1] !== null) start = point;
      core.RACERS.forEach(function (key) {
        const text = address.read(key);
        if (text === null) return;
        const values = text.split(",").map(ui.numberFrom);
        const names = ["learning_rate"].concat(core.DECAYS[key]);
        if (values.length !== names.length || values.indexOf(null) >= 0) return;
        const candidate = {};
        names.forEach(function (name, i) {
          candidate[name] = values[i];
        });
        try {
          core.checkSettings(key, candidate); // what gdcode would reject is ignored
        } catch (error) {
          return;
        }
        const lr = data.ranges.learningRate;
        candidate.learning_rate = Math.min(lr[1], Math.max(lr[0], candidate.learning_rate));
        Object.assign(settings[key], candidate);
        const controls = rows[key].controls;
        controls.learning_rate.set(rate.toPosition(candidate.learning_rate), fmt(candidate.learning_rate));
        core.DECAYS[key].forEach(function (n) {
          controls[n].set(candidate[n]);
        });
      });
    }

    function writeAddress() {
      const values = { surface: surface.name, start: start.join(",") };
      core.RACERS.forEach(function (key) {
        values[key] = ["learning_rate"].concat(core.DECAYS[key]).map(function (n) {
          return String(settings[key][n]);
        }).join(",");
      });
      address.write(values);
    }

    function showStart() {
      startX.value = String(Number(start[0].toPrecision(4)));
      startY.value = String(Number(start[1].toPrecision(4)));
      plot.setAttribute("aria-label", "Contour plot of the " + surface.label + "; start point (" +
        fmt(start[0], 3) + ", " + fmt(start[1], 3) + "), minimum at (" + surface.minimum.join(", ") + ")");
    }

    function restart(run) {
      stop();
      race = new core.Race(data, surface.name, start, settings);
      writeAddress();
      showStart();
      draw();
      updateTable(true);
      if (run) go();
      else status.say(core.describeRace(race), true);
    }

    function stop() {
      running = false;
      if (frameId !== null) cancelAnimationFrame(frameId);
      frameId = null;
      raceButton.textContent = "Race";
    }

    function go() {
      if (race.done) race = new core.Race(data, surface.name, start, settings);
      running = true;
      raceButton.textContent = "Pause";
      status.say("Racing on the " + surface.label + ".", true);
      if (frameId === null) frameId = requestAnimationFrame(frame);
    }

    function frame() {
      frameId = null;
      if (!running) return;
      const t0 = performance.now();
      race.run(Math.max(1, Math.ceil(surface.nSteps / FRAMES_PER_RACE)));
      draw();
      updateTable(false);
      ui.recordFrame(container, performance.now() - t0);
      if (race.done) {
        stop();
        updateTable(true);
        status.say(core.describeRace(race), true);
        return;
      }
      frameId = requestAnimationFrame(frame);
    }

    function updateTable(force) {
      const now = performance.now();
      if (!force && now - lastTable < 100) return;
      lastTable = now;
      race.runners.forEach(function (r) {
        const cells = rows[r.key].cells;
        const state = r.state();
        cells[1].textContent = String(r.t);
        cells[2].textContent = fmt(r.distance(), 3);
        cells[3].textContent = fmt(r.value(), 3);
        cells[4].textContent = state === "diverged" ? "diverged at step " + r.divergedStep
          : state === "arrived" ? "reached the minimum at step " + r.arrivedStep
            : state === "ready" ? "at the start" : state;
      });
    }

    // ------------------------------------------------------------------ events
    select.addEventListener("change", function () {
      loadSurface(select.value);
    });
    raceButton.addEventListener("click", function () {
      if (running) {
        stop();
        status.say(core.describeRace(race), true);
      } else {
        go();
      }
    });
    resetButton.addEventListener("click", function () {
      restart(false);
    });
    homeButton.addEventListener("click", function () {
      start = surface.start.slice();
      restart(false);
    });
    [startX, startY].forEach(function (input, i) {
      input.addEventListener("change", function () {
        const v = Number(input.value);
        if (input.value.trim() === "" || !Number.isFinite(v)) {
          showStart(); // not a number: put the current start back
          return;
        }
        start[i] = v;
        restart(true);
      });
    });

    let mapping = null; // set by draw: pixel <-> (x, y)
    plot.addEventListener("pointerdown", function (event) {
      if (!mapping) return;
      const box = plot.getBoundingClientRect();
      const p = mapping.point(event.clientX - box.left, event.clientY - box.top);
      if (!p) return;
      start = p;
      restart(true);
    });
    plot.addEventListener("keydown", function (event) {
      const dx = (surface.xlim[1] - surface.xlim[0]) / 40;
      const dy = (surface.ylim[1] - surface.ylim[0]) / 40;
      const k = event.shiftKey ? 5 : 1;
      const moves = { ArrowLeft: [-dx, 0], ArrowRight: [dx, 0], ArrowUp: [0, dy], ArrowDown: [0, -dy] };
      if (moves[event.key]) {
        event.preventDefault();
        start = [round(start[0] + k * moves[event.key][0]), round(start[1] + k * moves[event.key][1])];
        restart(false);
      } else if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        if (running) stop();
        else go();
      }
    });

    function round(v) {
      return Number(v.toFixed(4));
    }

    // ----------------------------------------------------------------- drawing
    let palette = null; // the theme's colours, read again when the theme or the size changes
    function draw() {
      const colours = palette || (palette = ui.palette(container, COLOURS));
      const c = ui.prepare(plot, 200, 200);
      const ctx = c.ctx;
      const m = { left: 40, right: 10, top: 10, bottom: 30 };
      const plotW = c.width - m.left - m.right;
      const plotH = c.height - m.top - m.bottom;
      const [x0, x1] = surface.xlim;
      const [y0, y1] = surface.ylim;
      const px = function (x) {
        return m.left + (plotW * (x - x0)) / (x1 - x0);
      };
      const py = function (y) {
        return m.top + plotH * (1 - (y - y0) / (y1 - y0));
      };
      mapping = {
        point: function (sx, sy) {
          if (sx < m.left || sx > m.left + plotW || sy < m.top || sy > m.top + plotH) return null;
          return [round(x0 + ((sx - m.left) / plotW) * (x1 - x0)), round(y0 + (1 - (sy - m.top) / plotH) * (y1 - y0))];
        },
      };
      // filled contours of log10(f), one band per third of a decade, drawn once per size and theme
      const key = [surface.name, Math.round(plotW), Math.round(plotH), colours["band-low"], colours["band-high"],
        colours.axis].join();
      if (!contour || contour.key !== key) {
        contour = { key: key, image: contourImage(colours, Math.round(plotW), Math.round(plotH)) };
      }
      ctx.drawImage(contour.image, m.left, m.top, plotW, plotH);
      ctx.strokeStyle = colours.axis;
      ctx.lineWidth = 1;
      ctx.strokeRect(m.left, m.top, plotW, plotH);
      ctx.fillStyle = colours.muted;
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      ui.ticks(x0, x1, 6).forEach(function (x) {
        ctx.fillText(ui.tickLabel(x), px(x), m.top + plotH + 4);
      });
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      ui.ticks(y0, y1, 5).forEach(function (y) {
        ctx.fillText(ui.tickLabel(y), m.left - 5, py(y));
      });
      // minimum: a star
      star(ctx, px(surface.minimum[0]), py(surface.minimum[1]), colours.text);
      // the paths, clipped to the plot
      ctx.save();
      ctx.beginPath();
      ctx.rect(m.left, m.top, plotW, plotH);
      ctx.clip();
      const clampPx = function (v, lo, hi) {
        return Math.min(hi + 50, Math.max(lo - 50, v));
      };
      race.runners.forEach(function (r, i) {
        const colour = colours[r.key];
        const last = r.divergedStep === null ? r.t : r.divergedStep - 1;
        ctx.strokeStyle = colour;
        ctx.lineWidth = 2.5 - 0.35 * i;
        ctx.beginPath();
        for (let k = 0; k <= last; k++) {
          const sx = clampPx(px(r.path[2 * k]), m.left, m.left + plotW);
          const sy = clampPx(py(r.path[2 * k + 1]), m.top, m.top + plotH);
          if (k === 0) ctx.moveTo(sx, sy);
          else ctx.lineTo(sx, sy);
        }
        ctx.stroke();
        const q = r.point();
        ctx.fillStyle = colour;
        ctx.beginPath();
        ctx.arc(clampPx(px(q[0]), m.left, m.left + plotW), clampPx(py(q[1]), m.top, m.top + plotH), 4.5, 0, 2 * Math.PI);
        ctx.fill();
      });
      ctx.restore();
      // the start: a ring, on the edge with a note if it is outside the window
      const inside = start[0] >= x0 && start[0] <= x1 && start[1] >= y0 && start[1] <= y1;
      const sx = Math.min(m.left + plotW, Math.max(m.left, px(start[0])));
      const sy = Math.min(m.top + plotH, Math.max(m.top, py(start[1])));
      ctx.strokeStyle = colours.text;
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.arc(sx, sy, 7, 0, 2 * Math.PI);
      ctx.stroke();
      if (!inside) {
        ctx.fillStyle = colours.danger;
        ctx.textAlign = "left";
        ctx.textBaseline = "top";
        ctx.fillText("start (" + fmt(start[0], 3) + ", " + fmt(start[1], 3) + ") is outside the plot",
          m.left + 6, m.top + 4);
      }
    }

    function contourImage(colours, width, height) {
      const image = document.createElement("canvas");
      image.width = width;
      image.height = height;
      const g = image.getContext("2d");
      const pixels = g.createImageData(width, height);
      const lo = rgb(g, colours["band-low"]);
      const hi = rgb(g, colours["band-high"]);
      const line = rgb(g, colours.axis);
      const band = new Int32Array(width * height);
      let bMin = Infinity;
      let bMax = -Infinity;
      for (let i = 0; i < height; i++) {
        const y = surface.ylim[1] - ((i + 0.5) / height) * (surface.ylim[1] - surface.ylim[0]);
        for (let j = 0; j < width; j++) {
          const x = surface.xlim[0] + ((j + 0.5) / width) * (surface.xlim[1] - surface.xlim[0]);
          const b = Math.floor(3 * Math.log10(surface.f.value(x, y) + 1e-3)); // three bands a decade
          band[i * width + j] = b;
          bMin = Math.min(bMin, b);
          bMax = Math.max(bMax, b);
        }
      }
      for (let i = 0; i < height; i++) {
        for (let j = 0; j < width; j++) {
          const n = i * width + j;
          const b = band[n];
          const edge = (j + 1 < width && band[n + 1] !== b) || (i + 1 < height && band[n + width] !== b);
          const t = (b - bMin) / Math.max(1, bMax - bMin);
          for (let c = 0; c < 3; c++) {
            pixels.data[4 * n + c] = edge ? line[c] : Math.round(lo[c] + (hi[c] - lo[c]) * t);
          }
          pixels.data[4 * n + 3] = 255;
        }
      }
      g.putImageData(pixels, 0, 0);
      return image;
    }

    function rgb(ctx, colour) {
      ctx.fillStyle = "#000000";
      ctx.fillStyle = colour;
      const hex = String(ctx.fillStyle);
      if (!/^#[0-9a-f]{6}$/i.test(hex)) return [128, 128, 128];
      return [1, 3, 5].map(function (i) {
        return parseInt(hex.slice(i, i + 2), 16);
      });
    }

    function star(ctx, x, y, colour) {
      ctx.fillStyle = colour;
      ctx.beginPath();
      for (let i = 0; i < 10; i++) {
        const r = i % 2 === 0 ? 9 : 4;
        const a = -Math.PI / 2 + (i * Math.PI) / 5;
        ctx.lineTo(x + r * Math.cos(a), y + r * Math.sin(a));
      }
      ctx.closePath();
      ctx.fill();
    }

    ui.onRedraw(container, function () {
      contour = null;
      palette = null;
      draw();
    });
    loadSurface(surface.name, true);
    address.arm(); // from now on, changes go into the page's address
    container.gdxState = function () {
      return { surface: surface.name, start: start.slice(), settings: JSON.parse(JSON.stringify(settings)),
        race: race, running: running };
    };
  }

  ui.start("surface-race", init);
})();
