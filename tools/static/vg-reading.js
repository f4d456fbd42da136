/* Vanishing Gradients: reading comfort.
 *
 * 1. A displayed equation wider than its column gets the class vg-overflows
 *    (vg-reading.css fades its right edge) until it is scrolled to the end.
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
  function setup() {
    solutionTitles();
    markOverflow();
    window.addEventListener("resize", markOverflow);
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(markOverflow);
    } else {
      setTimeout(markOverflow, 1500);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
