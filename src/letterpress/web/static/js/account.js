/* Copy buttons of the account page and of an administrator's user page.
 *
 * A <button data-copy="ID" hidden> copies the text of the element #ID. The buttons stay hidden
 * without this script (the text can still be selected by hand). Where the Clipboard API is not
 * available (plain HTTP on another host than localhost) the text is selected and the legacy
 * copy command is tried; if that fails too, the text stays selected for the keyboard.
 * The CSP forbids inline script: this file is the only script of those pages.
 */
(function () {
  "use strict";

  var RESET_MS = 2000;

  function selectContents(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function legacyCopy(element) {
    selectContents(element);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function announce(text) {
    var status = document.getElementById("copy-status");
    if (status) {
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    }
  }

  function feedback(button, text) {
    if (!button.dataset.label) {
      button.dataset.label = button.textContent;
    }
    button.textContent = text;
    announce(text);
    window.clearTimeout(button.copyTimer);
    button.copyTimer = window.setTimeout(function () {
      button.textContent = button.dataset.label;
    }, RESET_MS);
  }

  function copy(button) {
    var target = document.getElementById(button.dataset.copy);
    if (!target) {
      return;
    }
    var text = target.textContent.trim();
    var fallback = function () {
      feedback(button, legacyCopy(target) ? button.dataset.copied : button.dataset.failed);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () {
        feedback(button, button.dataset.copied);
      }, fallback);
    } else {
      fallback();
    }
  }

  function init() {
    var buttons = document.querySelectorAll("button[data-copy]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { copy(button); });
    });
    var fresh = document.getElementById("new-app-password");
    if (fresh && window.location.hash === "#new-app-password") {
      fresh.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
