/* Small progressive enhancements (no dependencies); every page works without them.
   - [data-copy="#id"] buttons copy that element's value or text to the clipboard.
   - The weekly update form's Markdown fields get a live preview (POST /preview/markdown/). */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    var text = "value" in source ? source.value : source.textContent;
    var done = function () {
      var status = document.getElementById(button.getAttribute("aria-describedby") || "");
      if (status) status.textContent = "Copied to the clipboard.";
      button.textContent = "Copied";
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else if (source.select) {
      source.select();
      try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
    }
  });

  var form = document.querySelector("form.update-form");
  if (!form) return;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
  ["progress", "risks", "next_week"].forEach(function (name) {
    var area = form.querySelector("textarea[name=" + name + "]");
    if (!area) return;
    var box = document.createElement("div");
    box.className = "mdpreview prose";
    box.id = area.id + "-preview";
    box.setAttribute("role", "region");
    box.setAttribute("aria-live", "polite");
    // Named without the field's label, so that the label still names the field alone.
    box.setAttribute("aria-label", "Preview, as the page will show it");
    area.insertAdjacentElement("afterend", box);
    var timer = null;
    var last = null;
    function render() {
      if (area.value === last) return;
      last = area.value;
      var body = new URLSearchParams();
      body.set("text", area.value);
      fetch("/preview/markdown/", {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf ? csrf.value : "" },
        body: body
      }).then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null) box.innerHTML = html; })
        .catch(function () { /* offline: no preview, the form still posts */ });
    }
    area.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(render, 300); });
    render();
  });
})();
