/* The counterparty list's row menus (<details class="row-menu">): one open at a time, and
 * Escape or a click outside closes the open one (Escape gives the focus back to its toggle).
 * Without this script each menu still opens and closes by itself, by mouse, finger or keyboard.
 * The CSP forbids inline script: this file is the list's only script.
 */
(function () {
  "use strict";

  function openMenus() {
    return Array.prototype.slice.call(document.querySelectorAll("details.row-menu[open]"));
  }

  // "toggle" does not bubble: listened to while it is captured on the way down.
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!menu.classList || !menu.classList.contains("row-menu") || !menu.open) {
      return;
    }
    openMenus().forEach(function (other) {
      if (other !== menu) {
        other.open = false;
      }
    });
  }, true);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    openMenus().forEach(function (menu) {
      var hadFocus = menu.contains(document.activeElement);
      menu.open = false;
      if (hadFocus) {
        menu.querySelector("summary").focus();
      }
    });
  });

  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) {
        menu.open = false;
      }
    });
  });
}());
