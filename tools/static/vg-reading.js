/* Vanishing Gradients: reading comfort.
 *
 * 1. A displayed equation wider than its column gets the class vg-overflows
 *    (vg-reading.css fades its right edge) until it is scrolled to the end,
 *    and tabindex="0": a reader without a mouse can focus it and scroll it
 *    with the arrow keys (axe: scrollable-region-focusable). MathJax's menu,
 *    which the site does not load (_config.yml), made every equation
 *    focusable; now only those that scroll are.
 * 2. A solution's title ("Solution to Exercise 6.2") holds a link back to
 *    the exercise; a reader clicks the title to open the solution, so the
 *    link does not jump away (the title's own toggle still runs).
 */
(function () {
  "use strict";
  function markOverflow() {
    document.querySelectorAll('mjx-container[display="true"]').forEach(function (box) {
      var over = box.scrollWidth > box.clientWidth + 1;
      box.classList.toggle("vg-overflows", over);
      if (over && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.vgFocusable = "1";
      } else if (!over && box.dataset.vgFocusable) {
        box.removeAttribute("tabindex");
        delete box.dataset.vgFocusable;
      }
      if (over && !box.dataset.vgWatched) {
        box.dataset.vgWatched = "1";
        box.addEventListener("scroll", function () {
          var end = box.scrollLeft + box.clientWidth >= box.scrollWidth - 2;
          box.classList.toggle("vg-scrolled-end", end);
        });
      }
    });
  }
  function solutionTitles() {
    document.querySelectorAll("div.solution p.admonition-title a")
      .forEach(function (link) {
        // sphinx-togglebutton opens and closes the solution when its title
        // is clicked, but a click on the link inside would jump to the
        // exercise (and the theme's handler finds no button for it): the
        // link's click presses the solution's toggle button instead.
        link.addEventListener("click", function (event) {
          var title = link.closest(".admonition-title");
          var button = title && title.querySelector(".toggle-button");
          if (!button) {
            return;
          }
          event.preventDefault();
          event.stopPropagation();
          button.click();
        });
      });
  }
  // Run callback once MathJax has typeset the page (before its startup
  // promise resolves, which is what the browser tests wait for).
  function afterTypesetting(callback) {
    var mj = window.MathJax;
    if (!mj) {
      return;  // a page without maths
    }
    if (mj.startup && mj.startup.promise) {
      mj.startup.promise.then(callback);
      return;
    }
    // Not loaded yet (it is requested after DOMContentLoaded):
    // window.MathJax is still the configuration that startup.js reads.
    mj.startup = mj.startup || {};
    var ready = mj.startup.pageReady;
    mj.startup.pageReady = function () {
      var typeset = ready ? ready() : MathJax.startup.defaultPageReady();
      return typeset.then(callback);
    };
  }
  function setup() {
    solutionTitles();
    markOverflow();
    window.addEventListener("resize", markOverflow);
    afterTypesetting(markOverflow);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
