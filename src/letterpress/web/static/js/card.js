/* Panels of the counterparty card that load after the page (the newest threads of the
 * correspondence: counterparties.routes.recent_threads).
 *
 * An element with data-fragment="URL" gets the HTML fragment at URL (same origin, the user's own
 * session) as its content. Until then, and for good without this script or when the request
 * fails, the element keeps what the page gave it: a link to the full page.
 * The CSP forbids inline script: this file is the card's only script.
 */
(function () {
  "use strict";

  function load(panel) {
    panel.setAttribute("aria-busy", "true");
    fetch(panel.getAttribute("data-fragment"), {
      credentials: "same-origin",
      headers: {"Accept": "text/html"}
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.text();
    }).then(function (html) {
      panel.innerHTML = html;
    }).catch(function () {
      // the link stays
    }).then(function () {
      panel.removeAttribute("aria-busy");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-fragment]"), load);
  });
}());
