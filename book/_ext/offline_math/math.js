// offline_math: a display formula wider than its column scrolls sideways (math.css); a
// keyboard reader can only scroll it if it can be focused. Each such box gets a tab stop
// (tabindex="0") while it is wider than its column, and loses it when it fits, so the
// formulas that fit are not stops on the way through the page. The formulas themselves
// are MathML written at build time: nothing here draws them.
//
// The widths are read in a ResizeObserver's callback, which the browser calls after it has
// laid the page out: reading them at load instead forced a layout of the whole page in
// this script (a 0.4 s task on W3 D4 in Lighthouse's mobile run). The box is observed for
// the column's width (window resized, sidebar shown) and the formula inside it for its own
// (the math font arriving), so every change that can make a box scroll or fit is seen.
(() => {
  if (typeof ResizeObserver === "undefined") return;
  const update = (box) => {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.tabIndex = 0;
    } else {
      box.removeAttribute("tabindex");
    }
  };
  const observer = new ResizeObserver((entries) => {
    const boxes = new Set();
    for (const entry of entries) {
      const target = entry.target;
      boxes.add(target.matches(".math-display") ? target : target.parentElement);
    }
    boxes.forEach(update);
  });
  for (const box of document.querySelectorAll("div.math > .math-display")) {
    observer.observe(box);
    if (box.firstElementChild) observer.observe(box.firstElementChild);
  }
})();
