// Small behaviours on top of htmx. The CSP forbids inline scripts: everything lives here.
(function () {
  "use strict";

  // Dialogs follow the WAI-ARIA dialog pattern: showModal() moves focus in and keeps Tab inside,
  // Esc closes, and focus returns to the element that opened the dialog.
  function openDialog(dialog, opener) {
    dialog.addEventListener("close", function () {
      if (opener && opener.isConnected) opener.focus();
    }, { once: true });
    dialog.showModal();
  }

  var lastTrigger = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    lastTrigger = event.detail.elt;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var dialog = event.detail.target.querySelector("dialog[data-open-on-load]");
    if (dialog) openDialog(dialog, lastTrigger);
  });
  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-close-dialog]");
    if (close) close.closest("dialog").close();
  });

  // Tab and Shift+Tab wrap around inside an open modal dialog instead of leaving the page.
  var FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), select, textarea, iframe";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Tab") return;
    var dialog = document.querySelector("dialog[open]");
    if (!dialog) return;
    var items = Array.prototype.filter.call(dialog.querySelectorAll(FOCUSABLE), function (el) {
      return el.offsetParent !== null;
    });
    if (!items.length) return;
    var first = items[0], last = items[items.length - 1];
    var inside = dialog.contains(document.activeElement);
    if (event.shiftKey && (document.activeElement === first || !inside)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (document.activeElement === last || !inside)) {
      event.preventDefault();
      first.focus();
    }
  });

  // The last-chance offer: once, right before payment, to a customer who has not taken it.
  var form = document.getElementById("checkout-form");
  var popup = document.getElementById("last-chance");
  if (!form || !popup) return;
  var answer = form.querySelector("input[name=popup]");
  var shown = false;
  form.addEventListener("submit", function (event) {
    var box = document.getElementById("insurance-optin");
    if (shown || !box || box.checked) return;
    event.preventDefault();
    shown = true;
    openDialog(popup, event.submitter);
  });
  popup.addEventListener("click", function (event) {
    var button = event.target.closest("[data-popup-answer]");
    if (!button) return;
    answer.value = button.getAttribute("data-popup-answer");
    popup.close();
    form.requestSubmit();
  });
  popup.addEventListener("cancel", function () {
    // Esc: the customer saw the offer and chose to go on without it.
    answer.value = "declined";
  });
})();
