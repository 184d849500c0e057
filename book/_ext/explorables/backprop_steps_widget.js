/*
 * The backpropagation stepper (W3D5): the chapter's tiny network drawn as
 * nodes and edges; Next and Back walk through the forward pass and then the
 * backward pass, highlighting what each step computes and showing it with
 * gdcode's numbers (backprop-steps.json). The arrow keys also step while the
 * widget has focus.
 */
(function () {
  "use strict";
  const X = window.GDExplorables;
  const core = X.backpropSteps;
  const ui = X.ui;
  const SVG = "http://www.w3.org/2000/svg";

  // node positions in the drawing's own units (viewBox 0 0 520 250)
  const NODES = {
    x1: [60, 85, "x1"], x2: [60, 175, "x2"],
    h1: [210, 50, "h1"], h2: [210, 130, "h2"], h3: [210, 210, "h3"],
    o1: [360, 85, "o1"], o2: [360, 175, "o2"],
    loss: [470, 130, "L"],
  };
  const EDGES = [];
  ["x1", "x2"].forEach(function (a) {
    ["h1", "h2", "h3"].forEach(function (b) {
      EDGES.push([a, b]);
    });
  });
  ["h1", "h2", "h3"].forEach(function (a) {
    ["o1", "o2"].forEach(function (b) {
      EDGES.push([a, b]);
    });
  });
  EDGES.push(["o1", "loss"], ["o2", "loss"]);

  function svg(tag, attributes, children) {
    const node = document.createElementNS(SVG, tag);
    Object.entries(attributes || {}).forEach(function ([k, v]) {
      if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    });
    (children || []).forEach(function (c) {
      node.appendChild(c);
    });
    return node;
  }

  function init(container, json) {
    const data = core.parseData(json);
    const steps = core.buildSteps(data);
    const address = ui.urlState("bp-");
    let index = 0;

    const edges = {};
    const nodes = {};
    const drawing = svg("svg", { viewBox: "0 0 530 268", role: "img", "aria-labelledby": ui.uid("title") });
    const title = svg("title", { id: drawing.getAttribute("aria-labelledby"),
      text: "The tiny network: inputs x1, x2; hidden ReLU units h1 to h3; outputs o1, o2; the loss L" });
    drawing.appendChild(title);
    EDGES.forEach(function ([a, b]) {
      const line = svg("line", {
        class: "gdx-edge", x1: NODES[a][0], y1: NODES[a][1], x2: NODES[b][0], y2: NODES[b][1],
      });
      edges[a + "-" + b] = line;
      drawing.appendChild(line);
    });
    Object.entries(NODES).forEach(function ([name, [x, y, label]]) {
      const group = svg("g", { class: "gdx-node" }, [
        svg("circle", { cx: x, cy: y, r: 25 }),
        svg("text", { x: x, y: y + 7, "text-anchor": "middle", text: label }),
      ]);
      nodes[name] = group;
      drawing.appendChild(group);
    });
    [[60, "inputs"], [210, "hidden (ReLU)"], [360, "outputs"], [470, "loss"]].forEach(function ([x, text]) {
      drawing.appendChild(svg("text", { class: "gdx-label", x: x, y: 262, "text-anchor": "middle", text: text }));
    });

    const back = ui.el("button", { type: "button", class: "gdx-back", text: "◀ Back" });
    const next = ui.el("button", { type: "button", class: "gdx-next", text: "Next ▶" });
    const restart = ui.el("button", { type: "button", class: "gdx-restart", text: "Start again" });
    const counter = ui.el("span", { class: "gdx-number gdx-counter" });
    const phase = ui.el("p", { class: "gdx-phase" });
    const equation = ui.el("p", { class: "gdx-equation" });
    const lines = ui.el("ul", { class: "gdx-lines" });
    const status = ui.liveRegion(0);
    status.node.classList.add("gdx-visually-hidden");
    const help = ui.el("p", {
      class: "gdx-help",
      text: "Next and Back (or the arrow keys, with focus in this figure) walk through the forward pass " +
        "and then the backward pass. The numbers are the ones gdcode computes for the chapter's network.",
    });

    container.appendChild(ui.el("div", { class: "gdx-buttons", role: "group", "aria-label": "Step through the passes" },
      [back, next, restart, counter]));
    container.appendChild(drawing);
    container.appendChild(phase);
    container.appendChild(equation);
    container.appendChild(lines);
    container.appendChild(help);
    container.appendChild(status.node);

    function show(i, speak) {
      const t0 = performance.now();
      index = Math.max(0, Math.min(steps.length - 1, i));
      const s = steps[index];
      Object.entries(nodes).forEach(function ([name, node]) {
        node.classList.toggle("gdx-on", s.nodes.indexOf(name) >= 0);
      });
      Object.entries(edges).forEach(function ([name, line]) {
        line.classList.toggle("gdx-on", s.edges.indexOf(name) >= 0);
      });
      drawing.classList.toggle("gdx-backward", s.phase === "backward");
      counter.textContent = "step " + (index + 1) + " of " + steps.length;
      phase.textContent = s.title;
      equation.textContent = s.equation;
      lines.replaceChildren.apply(lines, s.lines.map(function (text) {
        return ui.el("li", { text: text });
      }));
      back.disabled = index === 0;
      next.disabled = index === steps.length - 1;
      container.setAttribute("data-step", String(index));
      address.write({ step: index === 0 ? null : String(index + 1) });
      if (speak) status.say(core.describeStep(steps, index), true);
      ui.recordFrame(container, performance.now() - t0);
    }

    function move(delta) {
      const before = index;
      show(index + delta, true);
      // keep the focus on a button that still works
      if (document.activeElement && document.activeElement.disabled) (delta > 0 ? back : next).focus();
      return index !== before;
    }

    back.addEventListener("click", function () {
      move(-1);
    });
    next.addEventListener("click", function () {
      move(1);
    });
    restart.addEventListener("click", function () {
      show(0, true);
    });
    container.addEventListener("keydown", function (event) {
      if (event.target.tagName === "INPUT" || event.target.tagName === "SELECT") return;
      if (event.key === "ArrowRight") {
        event.preventDefault();
        move(1);
      } else if (event.key === "ArrowLeft") {
        event.preventDefault();
        move(-1);
      }
    });
    const wanted = ui.numberFrom(address.read("step")); // 1-based, as the counter shows
    show(wanted === null ? 0 : Math.round(wanted) - 1, true);
    address.arm(); // from now on, changes go into the page's address
    container.gdxState = function () {
      return { index: index, steps: steps, data: data };
    };
  }

  ui.start("backprop-steps", init);
})();
