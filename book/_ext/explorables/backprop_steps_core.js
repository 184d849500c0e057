/*
 * The backpropagation stepper's core (W3D5): no DOM, no drawing.
 *
 * The chapter's tiny network -- 2 inputs, 3 ReLU units, 2 softmax outputs --
 * on its batch of two examples. The numbers come from gdcode (the data file
 * backprop-steps.json, written by gdcode.explorables.backprop_steps_data):
 * this file turns them into the sequence of steps the widget walks through,
 * one node or one group of edges at a time, forward and then backward:
 *
 *   Z1 = X W1 + b1,  A1 = relu(Z1),  Z2 = A1 W2 + b2,  P = softmax(Z2),
 *   L = -mean(log P[i, y_i]);
 *   dZ2 = (P - Y)/n,  dW2 = A1^T dZ2,  db2 = column sums of dZ2,
 *   dA1 = dZ2 W2^T,  dZ1 = dA1 * relu'(Z1),  dW1 = X^T dZ1,  db1 = column sums of dZ1.
 *
 * compute() runs the same equations here, so that tests/js/explorables.test.js
 * can check that gdcode's numbers are what these equations give.
 *
 * Loaded as a classic <script> it sets window.GDExplorables.backpropSteps.
 */
(function (root, factory) {
  "use strict";
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./shared_core.js"));
  } else {
    root.GDExplorables.backpropSteps = factory(root.GDExplorables.shared);
  }
})(typeof self !== "undefined" ? self : this, function (shared) {
  "use strict";

  const ARRAYS = ["X", "Y", "W1", "b1", "W2", "b2", "Z1", "A1", "Z2", "P",
    "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"];

  function matrix(name, rows, shape) {
    if (!Array.isArray(rows) || rows.length !== shape[0]) {
      throw new TypeError(name + " must have " + shape[0] + " rows, got " + JSON.stringify(rows));
    }
    return rows.map(function (row, i) {
      return Array.from(shared.checkNumbers(name + "[" + i + "]", row, shape[1]));
    });
  }

  /** The data file (backprop-steps.json), checked: every array has its shape. */
  function parseData(json) {
    shared.checkFormat(json, "backprop-steps data");
    const n = json.n;
    const shapes = {
      X: [n, 2], Y: [n, 2], W1: [2, 3], W2: [3, 2], Z1: [n, 3], A1: [n, 3], Z2: [n, 2],
      P: [n, 2], dZ2: [n, 2], dW2: [3, 2], dA1: [n, 3], dZ1: [n, 3], dW1: [2, 3],
    };
    const data = { n: n, y: json.y.slice(), loss: shared.checkNumber("loss", json.loss) };
    ARRAYS.forEach(function (name) {
      if (shapes[name]) data[name] = matrix(name, json[name], shapes[name]);
      else data[name] = Array.from(shared.checkNumbers(name, json[name], name.endsWith("1") ? 3 : 2));
    });
    return data;
  }

  // ------------------------------------------------------------ the equations

  function affine(A, W, b) {
    return A.map(function (row) {
      return b.map(function (bj, j) {
        let s = 0;
        row.forEach(function (a, k) {
          s += a * W[k][j];
        });
        return s + bj;
      });
    });
  }

  function transposeTimes(A, B) {
    // A^T B: entry (r, c) = sum over rows i of A[i][r] * B[i][c]
    return A[0].map(function (_, r) {
      return B[0].map(function (_, c) {
        let s = 0;
        A.forEach(function (row, i) {
          s += row[r] * B[i][c];
        });
        return s;
      });
    });
  }

  function columnSums(A) {
    return A[0].map(function (_, j) {
      let s = 0;
      A.forEach(function (row) {
        s += row[j];
      });
      return s;
    });
  }

  /** Every array of the forward and backward pass, from X, y, W1, b1, W2, b2. */
  function compute(net) {
    const n = net.X.length;
    const Y = net.y.map(function (label) {
      return [label === 0 ? 1 : 0, label === 1 ? 1 : 0];
    });
    const Z1 = affine(net.X, net.W1, net.b1);
    const A1 = Z1.map(function (row) {
      return row.map(function (z) {
        return Math.max(z, 0);
      });
    });
    const Z2 = affine(A1, net.W2, net.b2);
    const P = Z2.map(function (row) {
      const top = Math.max.apply(null, row);
      const e = row.map(function (z) {
        return Math.exp(z - top);
      });
      const total = e.reduce(function (s, v) {
        return s + v;
      }, 0);
      return e.map(function (v) {
        return v / total;
      });
    });
    let loss = 0;
    P.forEach(function (row, i) {
      loss -= Math.log(row[net.y[i]]);
    });
    loss /= n;
    const dZ2 = P.map(function (row, i) {
      return row.map(function (p, k) {
        return (p - Y[i][k]) / n;
      });
    });
    const dW2 = transposeTimes(A1, dZ2);
    const db2 = columnSums(dZ2);
    const dA1 = dZ2.map(function (row) {
      return net.W2.map(function (wRow) {
        let s = 0;
        row.forEach(function (d, k) {
          s += d * wRow[k];
        });
        return s;
      });
    });
    const dZ1 = dA1.map(function (row, i) {
      return row.map(function (d, j) {
        return Z1[i][j] > 0 ? d : 0;
      });
    });
    const dW1 = transposeTimes(net.X, dZ1);
    const db1 = columnSums(dZ1);
    return { Y: Y, Z1: Z1, A1: A1, Z2: Z2, P: P, loss: loss, dZ2: dZ2, dW2: dW2, db2: db2,
      dA1: dA1, dZ1: dZ1, dW1: dW1, db1: db1 };
  }

  // ---------------------------------------------------------------- the steps

  const f = function (v) {
    return shared.formatNumber(v, 4);
  };
  const paren = function (v) {
    return v < 0 ? "(" + f(v) + ")" : f(v);
  };

  /**
   * The steps, in order. Each is {phase, title, equation, lines, nodes, edges,
   * result}: nodes and edges to highlight (nodes "x1", "h2", "o1", "loss";
   * edges "x1-h2", "h3-o1", "o1-loss"), and one line of numbers per example.
   */
  function buildSteps(d) {
    const steps = [];
    const ex = function (i) {
      return "example " + (i + 1) + ": ";
    };
    const examples = function (fn) {
      const lines = [];
      for (let i = 0; i < d.n; i++) lines.push(ex(i) + fn(i));
      return lines;
    };
    steps.push({
      phase: "start", title: "The batch and the weights",
      equation: "A0 = X: two examples, two inputs each; correct classes y = (" +
        d.y.map(function (c) { return c + 1; }).join(", ") + ")",
      lines: examples(function (i) {
        return "x = (" + d.X[i].map(f).join(", ") + "), correct class " + (d.y[i] + 1);
      }),
      nodes: ["x1", "x2"], edges: [],
    });
    // forward: hidden units
    for (let j = 0; j < 3; j++) {
      const u = j + 1;
      steps.push({
        phase: "forward", title: "Forward: hidden unit " + u,
        equation: "Z1[:, " + u + "] = x1 W1[1, " + u + "] + x2 W1[2, " + u + "] + b1[" + u +
          "],   A1 = relu(Z1) = max(Z1, 0)",
        lines: examples(function (i) {
          return f(d.X[i][0]) + " × " + paren(d.W1[0][j]) + " + " + paren(d.X[i][1]) + " × " +
            paren(d.W1[1][j]) + " + " + paren(d.b1[j]) + " = " + f(d.Z1[i][j]) +
            (d.Z1[i][j] > 0 ? ", relu keeps it: A1 = " : ", negative, so relu gives A1 = ") + f(d.A1[i][j]);
        }),
        nodes: ["h" + u], edges: ["x1-h" + u, "x2-h" + u],
      });
    }
    // forward: output units (logits)
    for (let k = 0; k < 2; k++) {
      const o = k + 1;
      steps.push({
        phase: "forward", title: "Forward: output unit " + o + " (logit)",
        equation: "Z2[:, " + o + "] = A1[:, 1] W2[1, " + o + "] + A1[:, 2] W2[2, " + o + "] + A1[:, 3] W2[3, " +
          o + "] + b2[" + o + "]",
        lines: examples(function (i) {
          return [0, 1, 2].map(function (j) {
            return paren(d.A1[i][j]) + " × " + paren(d.W2[j][k]);
          }).join(" + ") + " + " + paren(d.b2[k]) + " = " + f(d.Z2[i][k]);
        }),
        nodes: ["o" + o], edges: ["h1-o" + o, "h2-o" + o, "h3-o" + o],
      });
    }
    steps.push({
      phase: "forward", title: "Forward: softmax",
      equation: "P = softmax(Z2), row by row: P[i, k] = exp(Z2[i, k]) / (exp(Z2[i, 1]) + exp(Z2[i, 2]))",
      lines: examples(function (i) {
        return "Z2 = (" + d.Z2[i].map(f).join(", ") + ") gives P = (" + d.P[i].map(f).join(", ") + ")";
      }),
      nodes: ["o1", "o2"], edges: [],
    });
    steps.push({
      phase: "forward", title: "Forward: the loss",
      equation: "L = -(log P[1, y1] + log P[2, y2]) / n, the cross-entropy averaged over the batch",
      lines: ["-(log " + f(d.P[0][d.y[0]]) + " + log " + f(d.P[1][d.y[1]]) + ") / " + d.n +
        " = " + f(d.loss)],
      nodes: ["loss"], edges: ["o1-loss", "o2-loss"],
    });
    // backward: output gradient
    for (let k = 0; k < 2; k++) {
      const o = k + 1;
      steps.push({
        phase: "backward", title: "Backward: dZ2 at output unit " + o,
        equation: "dZ2[:, " + o + "] = (P[:, " + o + "] - Y[:, " + o + "]) / n",
        lines: examples(function (i) {
          return "(" + f(d.P[i][k]) + " - " + f(d.Y[i][k]) + ") / " + d.n + " = " + f(d.dZ2[i][k]);
        }),
        nodes: ["o" + o], edges: ["o" + o + "-loss"],
      });
    }
    // backward: weights and bias into each output
    for (let k = 0; k < 2; k++) {
      const o = k + 1;
      steps.push({
        phase: "backward", title: "Backward: gradients of the weights into output unit " + o,
        equation: "dW2[j, " + o + "] = sum over examples of A1[i, j] dZ2[i, " + o + "];   db2[" + o +
          "] = sum over examples of dZ2[i, " + o + "]",
        lines: [0, 1, 2].map(function (j) {
          return "dW2[" + (j + 1) + ", " + o + "] = " + paren(d.A1[0][j]) + " × " + paren(d.dZ2[0][k]) +
            " + " + paren(d.A1[1][j]) + " × " + paren(d.dZ2[1][k]) + " = " + f(d.dW2[j][k]);
        }).concat(["db2[" + o + "] = " + paren(d.dZ2[0][k]) + " + " + paren(d.dZ2[1][k]) + " = " + f(d.db2[k])]),
        nodes: ["o" + o], edges: ["h1-o" + o, "h2-o" + o, "h3-o" + o],
      });
    }
    // backward: through W2 and the relu of each hidden unit
    for (let j = 0; j < 3; j++) {
      const u = j + 1;
      steps.push({
        phase: "backward", title: "Backward: back through hidden unit " + u,
        equation: "dA1[:, " + u + "] = dZ2[:, 1] W2[" + u + ", 1] + dZ2[:, 2] W2[" + u +
          ", 2],   dZ1 = dA1 × relu'(Z1) (1 where Z1 > 0, else 0)",
        lines: examples(function (i) {
          return paren(d.dZ2[i][0]) + " × " + paren(d.W2[j][0]) + " + " + paren(d.dZ2[i][1]) + " × " +
            paren(d.W2[j][1]) + " = " + f(d.dA1[i][j]) + "; Z1 = " + f(d.Z1[i][j]) +
            (d.Z1[i][j] > 0 ? " > 0, so dZ1 = " : " ≤ 0, the unit was off, so dZ1 = ") + f(d.dZ1[i][j]);
        }),
        nodes: ["h" + u], edges: ["h" + u + "-o1", "h" + u + "-o2"],
      });
    }
    // backward: weights and bias into each hidden unit
    for (let j = 0; j < 3; j++) {
      const u = j + 1;
      steps.push({
        phase: "backward", title: "Backward: gradients of the weights into hidden unit " + u,
        equation: "dW1[r, " + u + "] = sum over examples of X[i, r] dZ1[i, " + u + "];   db1[" + u +
          "] = sum over examples of dZ1[i, " + u + "]",
        lines: [0, 1].map(function (r) {
          return "dW1[" + (r + 1) + ", " + u + "] = " + paren(d.X[0][r]) + " × " + paren(d.dZ1[0][j]) +
            " + " + paren(d.X[1][r]) + " × " + paren(d.dZ1[1][j]) + " = " + f(d.dW1[r][j]);
        }).concat(["db1[" + u + "] = " + paren(d.dZ1[0][j]) + " + " + paren(d.dZ1[1][j]) + " = " + f(d.db1[j])]),
        nodes: ["h" + u], edges: ["x1-h" + u, "x2-h" + u],
      });
    }
    return steps;
  }

  /** The live region's sentence for step `index` of `steps`. */
  function describeStep(steps, index) {
    const s = steps[index];
    return "Step " + (index + 1) + " of " + steps.length + ". " + s.title + ". " + s.equation + ". " +
      s.lines.join("; ") + ".";
  }

  return {
    ARRAYS: ARRAYS,
    parseData: parseData,
    compute: compute,
    buildSteps: buildSteps,
    describeStep: describeStep,
  };
});
