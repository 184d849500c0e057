/*
 * What the three explorables share that is not drawing: number formatting,
 * log-scale sliders and the check that a data file is the one expected.
 * No DOM. Loaded as a classic <script>, it sets window.GDExplorables.shared;
 * from Node, require() returns it.
 */
(function (root, factory) {
  "use strict";
  const api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.GDExplorables = root.GDExplorables || {};
    root.GDExplorables.shared = api;
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  /** The format gdcode.explorables writes into every file. */
  const FORMAT = "gdcode-explorables/1";

  function checkFormat(json, what) {
    if (json === null || typeof json !== "object" || json.format !== FORMAT) {
      throw new TypeError(
        what + " must be the object gdcode.explorables wrote (format " + FORMAT + "), got " +
          (json && typeof json === "object" ? "format " + JSON.stringify(json.format) : String(json))
      );
    }
    return json;
  }

  function checkNumber(name, value) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new TypeError(name + " must be a finite number, got " + JSON.stringify(value));
    }
    return value;
  }

  function checkNumbers(name, list, length) {
    if (!Array.isArray(list) || (length !== undefined && list.length !== length)) {
      throw new TypeError(
        name + " must be a list of " + (length === undefined ? "" : length + " ") +
          "numbers, got " + JSON.stringify(list)
      );
    }
    return Float64Array.from(list, function (v, i) {
      return checkNumber(name + "[" + i + "]", v);
    });
  }

  /**
   * A number as a reader wants to see it: 4 significant digits, exponent
   * notation when very large or small, and words for what is not a number.
   */
  function formatNumber(value, digits) {
    const d = digits === undefined ? 4 : digits;
    if (Number.isNaN(value)) return "not a number";
    if (value === Infinity) return "infinity";
    if (value === -Infinity) return "minus infinity";
    if (value === 0) return "0";
    const size = Math.abs(value);
    if (size >= 1e5 || size < 1e-3) {
      const [mantissa, exponent] = value.toExponential(d - 1).split("e");
      return String(Number(mantissa)) + "e" + (exponent[0] === "+" ? exponent.slice(1) : exponent);
    }
    return String(Number(value.toPrecision(d)));
  }

  /**
   * A log-scale slider: position p in [log10(low), log10(high)] in steps of
   * `step` stands for 10^p. valueFromSlider rounds the shown value to 3
   * significant digits so that the number on the screen is the number used.
   */
  function logSlider(low, high, step) {
    const min = Math.log10(low);
    const max = Math.log10(high);
    return {
      min: min,
      max: max,
      step: step,
      toValue: function (position) {
        const p = Math.min(max, Math.max(min, Number(position)));
        return Number(Math.pow(10, p).toPrecision(3));
      },
      toPosition: function (value) {
        const p = Math.log10(value);
        return Math.min(max, Math.max(min, Math.round(p / step) * step));
      },
    };
  }

  /** The largest |a - b| / |b| over two equal-length lists (0 for two zeros). */
  function maxRelativeError(a, b) {
    let worst = 0;
    for (let i = 0; i < b.length; i++) {
      if (a[i] === b[i]) continue;
      worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
    }
    return worst;
  }

  return {
    FORMAT: FORMAT,
    checkFormat: checkFormat,
    checkNumber: checkNumber,
    checkNumbers: checkNumbers,
    formatNumber: formatNumber,
    logSlider: logSlider,
    maxRelativeError: maxRelativeError,
  };
});
