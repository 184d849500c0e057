/*
 * DOM helpers the three explorables share: building elements, sliders with a
 * visible value, canvases sized for the screen, the theme's colours, and
 * redrawing when the size or the light/dark theme changes.
 * Sets window.GDExplorables.ui.
 */
(function () {
  "use strict";
  const root = (window.GDExplorables = window.GDExplorables || {});
  let counter = 0;

  function uid(prefix) {
    counter += 1;
    return "gdx-" + prefix + "-" + counter;
  }

  /** el("button", {class: "x", text: "Go"}, [children]) */
  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(function ([key, value]) {
      if (value === undefined || value === null) return;
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  /**
   * A labelled range input with its value beside it. options: label, min, max,
   * step, position (the input's value), show(position) -> text shown and
   * spoken (aria-valuetext), describedBy.
   */
  function range(options) {
    const id = uid("range");
    const input = el("input", {
      type: "range", id: id, min: options.min, max: options.max, step: options.step,
      "aria-describedby": options.describedBy,
    });
    input.value = String(options.position);
    const output = el("output", { for: id, "aria-hidden": "true" });
    const label = el("label", { for: id });
    label.innerHTML = options.label; // a few trusted words, with <sub>/<i> markup
    function refresh(exact) {
      const text = exact === undefined ? options.show(Number(input.value)) : exact;
      output.textContent = text;
      input.setAttribute("aria-valuetext", options.spoken ? options.spoken(text) : text);
    }
    input.addEventListener("input", function () {
      refresh();
    });
    refresh();
    return {
      wrapper: el("div", { class: "gdx-range" }, [label, input, output]),
      input: input,
      /** Move the thumb; `exact` (text) shows a value the slider's steps cannot hit exactly. */
      set: function (position, exact) {
        input.value = String(position);
        refresh(exact);
      },
      refresh: refresh,
    };
  }

  // Each canvas's size in CSS pixels, measured once and again only after a resize:
  // reading clientWidth after the widget has changed some text would make the browser
  // lay out the page again in the middle of every frame.
  const sizes = new WeakMap();

  /** Size a canvas for the device's pixels; returns {ctx, width, height} in CSS pixels. */
  function prepare(canvas, minWidth, minHeight) {
    const ratio = window.devicePixelRatio || 1;
    if (!sizes.has(canvas)) sizes.set(canvas, [canvas.clientWidth, canvas.clientHeight]);
    const width = Math.max(minWidth || 160, sizes.get(canvas)[0]);
    const height = Math.max(minHeight || 60, sizes.get(canvas)[1]);
    const w = Math.round(width * ratio);
    const h = Math.round(height * ratio);
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = "12px system-ui, sans-serif";
    ctx.lineJoin = "round";
    return { ctx: ctx, width: width, height: height };
  }

  /** The widget's colours, read from its CSS custom properties (--gdx-NAME). */
  function palette(container, names) {
    const style = getComputedStyle(container);
    const colours = {};
    names.forEach(function (name) {
      colours[name] = style.getPropertyValue("--gdx-" + name).trim() || "#808080";
    });
    return colours;
  }

  /** Call redraw() when the widget's size or the theme (light/dark) changes. */
  function onRedraw(container, redraw) {
    let pending = false;
    function schedule() {
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () {
        pending = false;
        container.querySelectorAll("canvas").forEach(function (canvas) {
          sizes.delete(canvas);
        });
        redraw();
      });
    }
    if (typeof ResizeObserver !== "undefined") new ResizeObserver(schedule).observe(container);
    new MutationObserver(schedule).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ["data-theme"],
    });
  }

  /** A polite live region that speaks at most every `interval` ms unless forced. */
  function liveRegion(interval) {
    const node = el("p", { class: "gdx-status", role: "status", "aria-live": "polite" });
    let last = 0;
    let timer = null;
    let pendingText = null;
    function write(text) {
      last = performance.now();
      if (node.textContent !== text) node.textContent = text;
    }
    return {
      node: node,
      say: function (text, force) {
        const wait = interval - (performance.now() - last);
        if (force || wait <= 0) {
          if (timer !== null) clearTimeout(timer);
          timer = null;
          write(text);
          return;
        }
        pendingText = text;
        if (timer === null) {
          timer = setTimeout(function () {
            timer = null;
            write(pendingText);
          }, wait);
        }
      },
    };
  }

  /**
   * Run init(container, data) on every widget of this kind when it comes within a
   * screen of the viewport (or the page is printed), not while the page loads: a widget
   * computes its runs when it starts, and a phone should spend its first seconds on
   * showing the text. Without IntersectionObserver every widget starts at once.
   */
  function start(kind, init) {
    function ready(container) {
      if (container.hasAttribute("data-gdx-ready")) return;
      const data = root.data && root.data[kind];
      if (!data) throw new Error("the data of the " + kind + " explorable did not load");
      const fallback = container.querySelector(".gdx-fallback");
      if (fallback) fallback.remove();
      init(container, data);
      container.setAttribute("data-gdx-ready", "");
    }
    function go() {
      const containers = document.querySelectorAll('.gd-explorable[data-kind="' + kind + '"]');
      if (!("IntersectionObserver" in window)) {
        containers.forEach(ready);
        return;
      }
      const observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (!entry.isIntersecting) return;
          observer.unobserve(entry.target);
          ready(entry.target);
        });
      }, { rootMargin: "100% 0px" });
      containers.forEach(function (container) { observer.observe(container); });
      window.addEventListener("beforeprint", function () { containers.forEach(ready); });
    }
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", go);
    else go();
  }

  /** A short, honest number for an axis tick. */
  function tickLabel(value) {
    if (value === 0) return "0";
    const size = Math.abs(value);
    if (size >= 1e4 || size < 1e-2) return value.toExponential(0).replace("e+", "e");
    return String(Number(value.toPrecision(3)));
  }

  /** About `count` round tick values between lo and hi. */
  function ticks(lo, hi, count) {
    const raw = (hi - lo) / Math.max(1, count);
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map(function (m) {
      return m * power;
    }).find(function (s) {
      return s >= raw;
    });
    const values = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) {
      values.push(Math.abs(v) < 1e-12 * step ? 0 : v);
    }
    return values;
  }

  /**
   * Keep the time (ms) the widget's script spent on each of its last 600 updates in
   * container.gdxFrameMs: the work a frame costs, whatever else the machine is doing
   * (scripts/measure_explorables.py reads it).
   */
  function recordFrame(container, ms) {
    const times = container.gdxFrameMs || (container.gdxFrameMs = []);
    times.push(ms);
    if (times.length > 600) times.shift();
  }

  /**
   * The widget's settings in the page's address (?ow-lr=0.6&...), so that a link
   * shares them. read(name) gives the text or null; write({name: value}) updates the
   * address in place (history.replaceState, no reload, no new history entry), at
   * most every 250 ms. Names carry the widget's prefix, so widgets do not collide.
   * Writes start after arm(): opening a page leaves its address alone until the
   * reader changes something.
   */
  function urlState(prefix) {
    let pending = {};
    let timer = null;
    let armed = false;
    function flush() {
      timer = null;
      const url = new URL(window.location.href);
      Object.entries(pending).forEach(function ([name, value]) {
        if (value === null) url.searchParams.delete(prefix + name);
        else url.searchParams.set(prefix + name, value);
      });
      pending = {};
      try {
        window.history.replaceState(window.history.state, "", url.toString());
      } catch (error) {
        // a page opened from disk may refuse; the widget works on without it
      }
    }
    return {
      read: function (name) {
        return new URL(window.location.href).searchParams.get(prefix + name);
      },
      arm: function () {
        armed = true;
      },
      write: function (values) {
        if (!armed) return;
        Object.assign(pending, values);
        if (timer === null) timer = setTimeout(flush, 250);
      },
    };
  }

  /** A finite number from the address, or null (for a missing or broken value). */
  function numberFrom(text) {
    if (text === null || text.trim() === "") return null;
    const value = Number(text);
    return Number.isFinite(value) ? value : null;
  }

  root.ui = {
    urlState: urlState,
    numberFrom: numberFrom,
    recordFrame: recordFrame,
    uid: uid,
    el: el,
    range: range,
    prepare: prepare,
    palette: palette,
    onRedraw: onRedraw,
    liveRegion: liveRegion,
    start: start,
    tickLabel: tickLabel,
    ticks: ticks,
  };
})();
