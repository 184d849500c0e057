/* Loads MathJax when the page's math is about to be seen, never before the page is shown.
 *
 * offline_math (book/_ext/offline_math) writes MathJax's <script> with a type the browser
 * does not run (data-lazy="mathjax"), so MathJax's 1.2 MB bundle is not part of the
 * page's first load. This script starts it when any math element comes within a screen
 * of the viewport (or the reader prints the page); MathJax then typesets the whole page.
 * Pages without math do not include this file.
 */
(function () {
  "use strict";
  var placeholder = document.querySelector('script[data-lazy="mathjax"]');
  if (!placeholder) return;
  var started = false;
  function load() {
    if (started) return;
    started = true;
    var script = document.createElement("script");
    script.src = placeholder.src;
    script.async = true;
    script.id = "MathJax-script";
    document.head.appendChild(script);
  }
  window.addEventListener("beforeprint", load);
  var math = document.querySelectorAll(".math, .MathJax, .tex2jax_process, .mathjax_process");
  if (!math.length) return;
  if (!("IntersectionObserver" in window)) {
    load();
    return;
  }
  var observer = new IntersectionObserver(
    function (entries) {
      for (var i = 0; i < entries.length; i++) {
        if (entries[i].isIntersecting) {
          observer.disconnect();
          load();
          return;
        }
      }
    },
    { rootMargin: "100% 0px 100% 0px" }
  );
  for (var i = 0; i < math.length; i++) observer.observe(math[i]);
})();
