/* Shipshape's keyboard shortcuts (README "Search and keyboard shortcuts"). No dependencies.
   "/" search, "?" this help, "g b" board, "g m" my work, "g d" dashboard, "c" new initiative,
   "u" post an update (on an initiative's page). Ignored while typing in a field, and with
   Ctrl, Alt or Meta held (the browser's own shortcuts). */
(function () {
  "use strict";
  var pending = null; // "g" waiting for its second key
  var timer = null;

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  // The team of the page: /teams/PLAT/... or /i/PLAT-12/...
  function teamKey() {
    var m = location.pathname.match(/^\/teams\/([^/]+)\//) || location.pathname.match(/^\/i\/([A-Za-z0-9]+)-\d+\//);
    return m ? m[1] : "";
  }
  function initiativeKey() {
    var m = location.pathname.match(/^\/i\/([A-Za-z0-9]+-\d+)\//);
    return m ? m[1] : "";
  }
  function go(path) {
    var team = teamKey();
    location.assign(path + (team && path.indexOf("/go/") === 0 ? "?team=" + encodeURIComponent(team) : ""));
  }

  function help() {
    var dialog = document.getElementById("shortcuts");
    if (dialog && !dialog.open) {
      if (typeof dialog.showModal === "function") dialog.showModal(); else dialog.setAttribute("open", "");
    }
  }

  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-shortcuts-open]");
    if (opener) { event.preventDefault(); help(); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) return;
    if (typing(event.target)) return;
    var dialog = document.getElementById("shortcuts");
    if (dialog && dialog.open) return; // the dialog handles Esc itself
    var key = event.key;
    if (pending === "g") {
      pending = null;
      clearTimeout(timer);
      var target = { b: "/go/board/", m: "/", d: "/dashboard/" }[key];
      if (target) { event.preventDefault(); go(target); }
      return;
    }
    if (key === "/") {
      var box = document.getElementById("site-search");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
    } else if (key === "?") {
      event.preventDefault();
      help();
    } else if (key === "g") {
      pending = "g";
      timer = setTimeout(function () { pending = null; }, 1500);
    } else if (key === "c") {
      event.preventDefault();
      go("/go/new/");
    } else if (key === "u") {
      var initiative = initiativeKey();
      if (initiative) { event.preventDefault(); location.assign("/i/" + initiative + "/update/"); }
    }
  });
})();
