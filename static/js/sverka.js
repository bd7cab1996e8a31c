// Sverka: small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Belt and braces with hx-headers on <body>: elements outside <body>'s inheritance
  // (hx-disinherit, boosted swaps) still send the session's CSRF token.
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.headers["X-CSRF-Token"]) {
      event.detail.headers["X-CSRF-Token"] = csrfToken();
    }
  });

  // htmx does not swap error responses: show their message in the flash area instead,
  // so that a refused save or a too-large upload never fails silently.
  function showFlash(text, level) {
    var area = document.getElementById("flash");
    if (!area || !text) { return; }
    var p = document.createElement("p");
    p.className = "flash flash-" + (level || "error");
    p.setAttribute("role", "alert");
    p.textContent = text;
    area.appendChild(p);
    while (area.children.length > 3) { area.removeChild(area.firstElementChild); }
  }
  window.sverkaFlash = showFlash;

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text = "";
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (type.indexOf("application/json") === 0) {
      try { text = JSON.parse(xhr.responseText).detail; } catch (e) { text = ""; }
    } else {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var node = doc.querySelector(".error-message, .form-error");
      text = node ? node.textContent.trim() : "";
    }
    showFlash(text || ("The request failed (error " + xhr.status + "). Reload the page and try again."), "error");
  });

  document.addEventListener("htmx:sendError", function () {
    showFlash("The server could not be reached. Check your connection; your last change was not saved.", "error");
  });
})();
