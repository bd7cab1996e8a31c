// Sverka review workspace: keyboard, the current pair, drafts, the map strip.
// The page works without this file (links and forms); this only makes it faster to use.
(function () {
  "use strict";

  var DRAFT_PREFIX = "sverka-draft:";

  function list() { return document.getElementById("review-list"); }
  function pairs() { return Array.prototype.slice.call(document.querySelectorAll("#review-list .pair")); }
  function current() { return document.querySelector("#review-list .pair.current") || null; }

  function setCurrent(pair, focus) {
    if (!pair) { return; }
    pairs().forEach(function (p) {
      if (p !== pair) { p.classList.remove("current"); p.setAttribute("tabindex", "-1"); }
    });
    pair.classList.add("current");
    pair.setAttribute("tabindex", "0");
    if (focus !== false) {
      // "nearest": never yank the view away further than needed (a common complaint).
      pair.focus({ preventScroll: true });
      pair.scrollIntoView({ block: "nearest" });
    }
  }

  function byNumber(n) { return document.getElementById("pair-" + n); }

  function step(delta) {
    var all = pairs();
    var cur = current();
    var i = cur ? all.indexOf(cur) : -1;
    var next = all[Math.max(0, Math.min(all.length - 1, i + delta))];
    if (next && next !== cur) { setCurrent(next); return; }
    // Past the page edge: follow the pager link, landing on the first/last pair there.
    var rel = delta > 0 ? "next" : "prev";
    var link = document.querySelector('#review-list .pager a[rel="' + rel + '"]');
    if (link) {
      var target = cur ? Number(cur.dataset.number) + delta : null;
      if (target) { goTo(target); } else { link.click(); }
    }
  }

  function docId() { var l = list(); return l ? l.dataset.document : null; }

  function goTo(n) {
    n = parseInt(String(n).replace("#", ""), 10);
    if (!n) { return; }
    var row = byNumber(n);
    if (row) { setCurrent(row); return; }
    var limit = list() ? list().dataset.limit : "50";
    htmx.ajax("GET", "/documents/" + docId() + "?n=" + n + "&limit=" + limit,
      { target: "#review-list", swap: "outerHTML" });
  }

  function tool(pair, selector) {
    if (!pair) { return null; }
    return pair.querySelector(".pair-tools " + selector);
  }

  function press(pair, selector) {
    var el = tool(pair, selector);
    if (el) { el.click(); return true; }
    if (window.sverkaFlash) { window.sverkaFlash("This action is not available for your role.", "warning"); }
    return false;
  }

  function openEditor(pair, side) {
    var link = pair && pair.querySelector(".col-" + side + " .edit-link");
    if (link) { link.click(); }
  }

  // --- drafts: nothing typed is lost, even when the page is closed -------------------------
  function draftKey(form) { return DRAFT_PREFIX + form.dataset.pair + ":" + form.dataset.side; }

  function saveDraft(form) {
    var ta = form.querySelector("textarea[name=text]");
    if (!ta) { return; }
    try {
      if (ta.value === form.dataset.original) { localStorage.removeItem(draftKey(form)); return; }
      localStorage.setItem(draftKey(form), JSON.stringify({ text: ta.value, t: Date.now() }));
      var note = form.querySelector(".draft-note");
      if (note) { note.textContent = "Draft kept in this browser"; }
    } catch (e) { /* storage full or disabled: the editor still works */ }
  }

  function offerDraft(form) {
    var raw = null;
    try { raw = localStorage.getItem(draftKey(form)); } catch (e) { raw = null; }
    if (!raw) { return; }
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { return; }
    var ta = form.querySelector("textarea[name=text]");
    if (!draft || !ta || draft.text === ta.value) { return; }
    var note = form.querySelector(".draft-note");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "small restore-draft";
    var when = new Date(draft.t);
    button.textContent = "Restore unsaved draft (" + when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) + ")";
    button.addEventListener("click", function () { ta.value = draft.text; ta.focus(); button.remove(); });
    if (note) { note.textContent = ""; note.appendChild(button); }
  }

  function initEditor(form) {
    if (form.dataset.ready) { return; }
    form.dataset.ready = "1";
    var ta = form.querySelector("textarea[name=text]");
    var caret = form.querySelector(".split-caret");
    if (caret) { caret.hidden = false; }
    offerDraft(form);
    if (ta) {
      ta.addEventListener("input", function () { saveDraft(form); });
      ta.focus();
      ta.setSelectionRange(ta.value.length, ta.value.length);
    }
    var pair = form.closest(".pair");
    if (pair) { setCurrent(pair, false); }
  }

  function dirtyEditors() {
    return Array.prototype.slice.call(document.querySelectorAll("form.editor")).filter(function (f) {
      var ta = f.querySelector("textarea[name=text]");
      return ta && ta.value !== f.dataset.original;
    });
  }

  window.addEventListener("beforeunload", function (event) {
    if (dirtyEditors().length) { event.preventDefault(); event.returnValue = ""; }
  });

  // --- keyboard ------------------------------------------------------------------------------
  function inField(el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "INPUT" || el.tagName === "SELECT" || el.isContentEditable);
  }

  function submitEditor(form, then) {
    var thenInput = form.querySelector("input[name=then]");
    if (!thenInput) {
      thenInput = document.createElement("input");
      thenInput.type = "hidden"; thenInput.name = "then";
      form.appendChild(thenInput);
    }
    thenInput.value = then || "";
    htmx.trigger(form, "submit");
  }

  function splitAtCaret(form) {
    var ta = form.querySelector("textarea[name=text]");
    var offset = form.querySelector("input[name=offset]");
    var button = form.querySelector(".split-caret");
    if (!ta || !offset || !button) { return; }
    offset.value = String(ta.selectionStart);
    button.click();
  }

  function showKeys() {
    var dialog = document.getElementById("keys-dialog");
    if (dialog && !dialog.open) { dialog.showModal(); }
  }

  document.addEventListener("keydown", function (e) {
    if (!list()) { return; }
    var mod = e.ctrlKey || e.metaKey;
    var target = e.target;
    var editor = target && target.closest ? target.closest("form.editor") : null;

    if (editor && target.tagName === "TEXTAREA") {
      if (mod && e.key === "Enter") { e.preventDefault(); submitEditor(editor, "next"); return; }
      if (mod && (e.key === "s" || e.key === "S")) { e.preventDefault(); splitAtCaret(editor); return; }
      if (e.key === "Escape") {
        e.preventDefault(); saveDraft(editor);
        var cancel = editor.querySelector(".cancel");
        if (cancel) { cancel.click(); }
        return;
      }
      if (mod && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
        // Move on without saving and without closing: the editor keeps its text.
        e.preventDefault(); saveDraft(editor); step(e.key === "ArrowDown" ? 1 : -1); return;
      }
      return;
    }
    if (inField(target)) {
      if (mod && (e.key === "g" || e.key === "G")) { e.preventDefault(); document.getElementById("goto-n").focus(); }
      return;
    }

    var pair = current();
    if (mod && e.key === "ArrowDown") { e.preventDefault(); step(1); return; }
    if (mod && e.key === "ArrowUp") { e.preventDefault(); step(-1); return; }
    if (mod && (e.key === "g" || e.key === "G")) {
      e.preventDefault();
      var input = document.getElementById("goto-n");
      if (input) { input.focus(); input.select(); }
      return;
    }
    if (mod && !e.shiftKey && (e.key === "z" || e.key === "Z")) { e.preventDefault(); var u = document.getElementById("undo-button"); if (u) { u.click(); } return; }
    if (mod && (e.key === "y" || e.key === "Y" || (e.shiftKey && (e.key === "z" || e.key === "Z")))) { e.preventDefault(); var r = document.getElementById("redo-button"); if (r) { r.click(); } return; }
    if (e.key === "?" && !mod) { e.preventDefault(); showKeys(); return; }
    if (!pair) {
      if ((mod && e.key === "Enter") || e.key === "Enter") { var first = pairs()[0]; if (first) { e.preventDefault(); setCurrent(first); } }
      return;
    }
    if (mod && e.shiftKey && e.key === "Enter") {
      // Next unconfirmed pair, without confirming this one.
      e.preventDefault();
      htmx.ajax("GET", "/documents/" + docId() + "/next-open?after=" + (Number(pair.dataset.number) - 1), { swap: "none" });
      return;
    }
    if (mod && e.key === "Enter") {
      e.preventDefault();
      var confirmButton = tool(pair, ".t-confirm");
      var thenField = tool(pair, "input[name=then]");
      if (confirmButton) {
        if (thenField) { thenField.value = "next"; }
        confirmButton.click();
        if (thenField) { thenField.value = ""; }
      }
      return;
    }
    if (mod && (e.key === "j" || e.key === "J")) { e.preventDefault(); press(pair, ".t-merge"); return; }
    if (mod && (e.key === "s" || e.key === "S")) { e.preventDefault(); press(pair, ".t-split"); return; }
    if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      e.preventDefault();
      var side = e.shiftKey ? "ru" : "en";
      var dir = e.key === "ArrowUp" ? "up" : "down";
      press(pair, 'button[value="move-' + side + "-" + dir + '"]');
      return;
    }
    if (mod || e.altKey) { return; }
    switch (e.key) {
      case "Enter": e.preventDefault(); openEditor(pair, e.shiftKey ? "ru" : "en"); break;
      case "c": case "C": e.preventDefault(); press(pair, ".t-confirm"); break;
      case "a": case "A": e.preventDefault(); press(pair, ".t-approve"); break;
      case "v": case "V": e.preventDefault(); press(pair, ".t-reviewed"); break;
      case "x": case "X": e.preventDefault(); press(pair, ".t-reject"); break;
      case "h": case "H": e.preventDefault(); var h = pair.querySelector(".history-link"); if (h) { h.click(); } break;
      case "m": case "M": e.preventDefault(); var m = pair.querySelector(".comments-link"); if (m) { m.click(); } break;
      case "t": case "T": e.preventDefault(); var tl = pair.querySelector(".terms-link"); if (tl) { tl.click(); } break;
      case "Delete": e.preventDefault(); press(pair, ".t-delete"); break;
      case "ArrowDown": if (e.shiftKey) { break; } return;
      default: return;
    }
  });

  // --- clicks ----------------------------------------------------------------------------------
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!t.closest) { return; }
    if (t.closest("[data-keys-open]")) { showKeys(); return; }
    var close = t.closest("[data-close-panel]");
    if (close) {
      var panel = close.closest(".pair-panel");
      if (panel) { panel.innerHTML = ""; var p = panel.closest(".pair"); if (p) { setCurrent(p); } }
      return;
    }
    var pair = t.closest("#review-list .pair");
    if (pair && !pair.classList.contains("current")) { setCurrent(pair, !t.closest("a, button, textarea, input, summary")); }
    var svg = t.closest(".strip-svg");
    if (svg) {
      var rect = svg.getBoundingClientRect();
      var total = Number(svg.dataset.total || 0);
      var n = Math.floor((e.clientY - rect.top) / rect.height * total) + 1;
      goTo(Math.max(1, Math.min(total, n)));
    }
  });

  // Deleting takes the text away: ask first (undo would bring it back, but still).
  document.addEventListener("submit", function (e) {
    var button = e.submitter;
    if (button && button.name === "op" && button.value === "delete") {
      var pair = button.closest(".pair");
      var n = pair ? pair.dataset.number : "";
      if (!window.confirm("Delete pair " + n + " and its text? Undo brings it back.")) {
        e.preventDefault();
        e.stopImmediatePropagation();
      }
    }
  }, true);

  // --- htmx integration --------------------------------------------------------------------
  document.addEventListener("htmx:beforeSwap", function (e) {
    // A conflict answers 409 with the view of both versions: show it.
    if (e.detail.xhr.status === 409 && e.detail.serverResponse.indexOf("conflict") !== -1) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterRequest", function (e) {
    var elt = e.detail.elt;
    var form = elt && elt.closest ? elt.closest("form.editor") : null;
    if (form && e.detail.successful) {
      try { localStorage.removeItem(draftKey(form)); } catch (err) { /* ignore */ }
    }
  });

  var stripTimer = null;
  function refreshStrip() {
    // Several swaps settle at once after a change: redraw the strip once.
    clearTimeout(stripTimer);
    stripTimer = setTimeout(drawStrip, 60);
  }

  function drawStrip() {
    var l = list();
    var holder = document.getElementById("strip");
    if (!l || !holder) { return; }
    htmx.ajax("GET", "/documents/" + l.dataset.document + "/strip?offset=" + l.dataset.offset + "&limit=" + l.dataset.limit,
      { target: "#strip", swap: "innerHTML" });
  }

  function afterListSwap() {
    var l = list();
    if (!l) { return; }
    var focus = l.dataset.focus;
    var row = focus ? byNumber(focus) : null;
    if (!row && location.hash.indexOf("#pair-") === 0) { row = byNumber(location.hash.slice(6)); }
    if (row) { setCurrent(row); }
  }

  var pendingNext = null;

  var movedAt = 0;

  document.addEventListener("htmx:afterSettle", function (e) {
    var t = e.detail.target;
    if (!t) { return; }
    // Out-of-band swaps (the progress bar) settle too: they say nothing about focus.
    if (e.target && e.target.closest && e.target.closest("#progress")) { return; }
    // An outerHTML swap replaced the target: find its successor by id.
    var node = document.body.contains(t) ? t : (t.id ? document.getElementById(t.id) : null);
    if (!node) { node = list(); }
    if (!node) { return; }
    var editors = node.matches("form.editor") ? [node] : Array.prototype.slice.call(node.querySelectorAll("form.editor"));
    editors.forEach(initEditor);
    if (node.id === "review-list") {
      afterListSwap();
      refreshStrip();
    } else if (node.classList.contains("pair")) {
      if (!editors.length && pendingNext === null && Date.now() - movedAt > 400) { setCurrent(node); }
      refreshStrip();
    }
    if (pendingNext !== null) {
      var n = pendingNext;
      pendingNext = null;
      movedAt = Date.now();
      goTo(n);
    }
  });

  document.body.addEventListener("sverka-next", function (e) {
    var n = e.detail && e.detail.number;
    if (!n) {
      if (window.sverkaFlash) { window.sverkaFlash("Every pair of this document is confirmed.", "success"); }
      return;
    }
    // Go there once the saved pair has been swapped in.
    pendingNext = n;
  });

  document.body.addEventListener("sverka-goto", function (e) {
    var n = e.detail && e.detail.number;
    if (n) { goTo(n); } else if (window.sverkaFlash) { window.sverkaFlash("Every pair of this document is confirmed.", "success"); }
  });

  function init() {
    afterListSwap();
    Array.prototype.slice.call(document.querySelectorAll("form.editor")).forEach(initEditor);
    if (!current()) { var first = pairs()[0]; if (first) { setCurrent(first, false); } }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
