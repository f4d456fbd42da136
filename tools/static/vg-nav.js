/* Vanishing Gradients: make the sidebar buttons that readers see work.
 *
 * pydata-sphinx-theme 0.17 puts its own (hidden) sidebar buttons in the top
 * bar, and both it and sphinx-book-theme bind their click handlers with
 * document.querySelector(".primary-toggle") / (".secondary-toggle"), i.e. to
 * the first such button on the page: the hidden one. The buttons the reader
 * sees (in the article header) get no handler, so on a phone the menu and the
 * "on this page" drawer never open, and on a laptop the menu never collapses
 * (pydata-sphinx-theme issue 2451). Here every other button of the same kind
 * forwards its click to the first one, so whichever handler the themes
 * attached (drawer below 992 px, collapse above) runs.
 */
(function () {
  "use strict";
  function forward(selector) {
    var buttons = document.querySelectorAll(selector);
    if (buttons.length < 2) {
      return;
    }
    var first = buttons[0];
    for (var i = 1; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function (event) {
        event.preventDefault();
        event.stopImmediatePropagation();
        first.click();
      }, true);
    }
  }
  function setup() {
    forward(".primary-toggle");
    forward(".secondary-toggle");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
