// offline_math: a display formula wider than its column scrolls sideways (math.css); a
// keyboard reader can only scroll it if it can be focused. Each such box gets a tab stop
// (tabindex="0") while it is wider than its column, and loses it when it fits, so the
// formulas that fit are not stops on the way through the page. The formulas themselves
// are MathML written at build time: nothing here draws them.
(() => {
  const boxes = () => document.querySelectorAll("div.math > .math-display");
  const update = () => {
    for (const box of boxes()) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.tabIndex = 0;
      } else {
        box.removeAttribute("tabindex");
      }
    }
  };
  update();
  window.addEventListener("resize", update, { passive: true });
  document.fonts?.ready.then(update);
})();
