// Translator aids in the review editor: memory matches (Ctrl+1…9, Ctrl+Space for the
// highlighted one), spelling suggestions, and a re-check of the draft as the translator types.
(function () {
  "use strict";

  function editorFor(el) {
    // The slot carries the pair and side of the editor it serves.
    var slot = el.closest("[data-aids-pair]");
    if (!slot) return null;
    return document.querySelector(
      'form.editor[data-pair="' + slot.dataset.aidsPair + '"][data-side="' + slot.dataset.aidsSide + '"] textarea'
    );
  }

  function activeEditor() {
    var el = document.activeElement;
    if (el && el.tagName === "TEXTAREA" && el.closest("form.editor")) return el;
    var open = document.querySelectorAll("form.editor textarea");
    return open.length === 1 ? open[0] : null;
  }

  function slotsOf(textarea) {
    var form = textarea.closest("form.editor");
    return document.querySelectorAll(
      '[data-aids-pair="' + form.dataset.pair + '"][data-aids-side="' + form.dataset.side + '"]'
    );
  }

  function setText(textarea, start, end, text) {
    // execCommand keeps the text box's own undo (Ctrl+Z inside the box) working.
    textarea.focus();
    textarea.setSelectionRange(start, end);
    var done = false;
    try { done = document.execCommand("insertText", false, text); } catch (e) { done = false; }
    if (!done) {
      textarea.value = textarea.value.slice(0, start) + text + textarea.value.slice(end);
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function insertMatch(textarea, button) {
    if (!textarea || !button) return false;
    setText(textarea, 0, textarea.value.length, button.dataset.text);
    var item = button.closest(".match");
    if (item) {
      item.parentNode.querySelectorAll(".match").forEach(function (m) { m.classList.remove("highlighted"); });
      item.classList.add("highlighted");
    }
    return true;
  }

  function matchButton(textarea, n) {
    var found = null;
    slotsOf(textarea).forEach(function (slot) {
      var b = n === 0
        ? slot.querySelector(".match.highlighted .aid-insert")
        : slot.querySelector('.aid-insert[data-n="' + n + '"]');
      if (b && !found) found = b;
    });
    return found;
  }

  document.addEventListener("keydown", function (e) {
    if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
    var n = null;
    if (/^[1-9]$/.test(e.key)) n = parseInt(e.key, 10);
    else if (e.key === " " || e.code === "Space") n = 0;
    if (n === null) return;
    var textarea = activeEditor();
    if (!textarea) return;
    var button = matchButton(textarea, n);
    if (button && insertMatch(textarea, button)) e.preventDefault();
  });

  document.addEventListener("click", function (e) {
    var insert = e.target.closest(".aid-insert");
    if (insert) {
      insertMatch(editorFor(insert), insert);
      return;
    }
    var suggestion = e.target.closest(".aid-suggestion");
    if (suggestion) {
      var ta = editorFor(suggestion);
      if (!ta) return;
      var start = parseInt(suggestion.dataset.start, 10);
      var end = parseInt(suggestion.dataset.end, 10);
      var word = suggestion.dataset.word;
      if (ta.value.slice(start, end) !== word) {
        start = ta.value.indexOf(word);
        end = start + word.length;
      }
      if (start >= 0) setText(ta, start, end, suggestion.dataset.text);
    }
  });

  // Re-check the spelling of the draft a moment after the translator stops typing.
  var timers = {};
  document.addEventListener("input", function (e) {
    var ta = e.target;
    if (ta.tagName !== "TEXTAREA" || !ta.closest("form.editor") || !window.htmx) return;
    var form = ta.closest("form.editor");
    var key = form.dataset.pair + ":" + form.dataset.side;
    clearTimeout(timers[key]);
    timers[key] = setTimeout(function () {
      var slot = document.querySelector(
        '[data-aids="spelling"][data-aids-pair="' + form.dataset.pair + '"][data-aids-side="' + form.dataset.side + '"]'
      );
      if (!slot || ta.value.length > 20000) return;
      var url = "/pairs/" + form.dataset.pair + "/spelling?side=" + form.dataset.side +
        "&text=" + encodeURIComponent(ta.value);
      window.htmx.ajax("GET", url, { target: slot, swap: "innerHTML" });
    }, 1200);
  });
})();

// Ctrl+H: find and replace in the document being reviewed.
document.addEventListener("keydown", function (e) {
  if (!(e.ctrlKey || e.metaKey) || e.shiftKey || e.altKey || e.key.toLowerCase() !== "h") return;
  var list = document.getElementById("review-list");
  if (!list || !list.dataset.document) return;
  e.preventDefault();
  window.location.href = "/documents/" + list.dataset.document + "/replace";
});
