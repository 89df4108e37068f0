/* In-place updates on the initiative page (README "In-place updates and the page layout").
   The forms carry hx-boost and their part's hx-target/hx-select (templatetags/inplace.py):
   htmx posts them, follows the redirect to the page and swaps the part it changed. This file
   only puts the answer where the eye is: after a swap it scrolls the message placed next to
   the control (or the refusal) into view and moves focus to it; an error page (403, 404, 500)
   replaces the main area, so that its reason is shown rather than nothing. Without JavaScript
   the same forms post and redirect to the same anchors. */
(function () {
  "use strict";
  // An answer without the part to swap (an error page, a form page shown again with its
  // errors) replaces the main area instead, so that its text is shown rather than nothing.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var source = event.detail.elt || (event.detail.requestConfig && event.detail.requestConfig.elt);
    var part = source && source.closest("[hx-select]");
    var wanted = part && part.getAttribute("hx-select");
    var text = event.detail.xhr.responseText || "";
    if (!wanted || wanted.charAt(0) !== "#") return;
    if (text.indexOf('id="' + wanted.slice(1) + '"') !== -1) return;
    var main = document.getElementById("main");
    if (!main) return;
    event.detail.shouldSwap = true;
    event.detail.isError = false;
    event.detail.target = main;
    event.detail.selectOverride = "#main";
    event.detail.swapOverride = "outerHTML";
  });

  // Each answer replaces the last: the messages of earlier actions go when a new one starts.
  document.addEventListener("htmx:beforeRequest", function () {
    var old = document.querySelectorAll(".messages.placed, body > .messages");
    for (var i = 0; i < old.length; i++) old[i].remove();
  });

  function reveal(root) {
    var found = root.querySelector(
      ".messages.placed, .blocked, .field-error, [data-refused]"
    );
    if (!found) return;
    var details = found.closest("details");
    while (details) {
      details.open = true;
      details = details.parentElement && details.parentElement.closest("details");
    }
    var box = found.getBoundingClientRect();
    var header = document.getElementById("ibar");
    var top = header ? header.getBoundingClientRect().height : 0;
    if (box.top < top || box.bottom > window.innerHeight) {
      found.scrollIntoView({ block: "center" });
    }
    if (!found.hasAttribute("tabindex")) found.setAttribute("tabindex", "-1");
    found.focus({ preventScroll: true });
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || !target.isConnected) target = document.getElementById("main");
    if (target) reveal(target);
  });

  // A link to an item inside a folded checklist opens it (browsers without auto-expansion).
  function openAt(hash) {
    if (!hash || hash.length < 2) return;
    var element = document.getElementById(decodeURIComponent(hash.slice(1)));
    var details = element && element.closest("details");
    while (details) {
      details.open = true;
      details = details.parentElement && details.parentElement.closest("details");
    }
  }
  window.addEventListener("hashchange", function () { openAt(location.hash); });
  document.addEventListener("DOMContentLoaded", function () { openAt(location.hash); });
})();
