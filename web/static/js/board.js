// The work board: drag a card onto a technician to assign (or reassign, with a reason),
// or use the card's assign button, which opens the board's one assign dialog filled in
// from the card; and keep the board current from the server's event stream. Without
// JavaScript the card's assign button opens the card's assign page instead.
//
// A live update never pulls the board out from under the supervisor: while a card's
// form is open (or the reason dialog, or focus is in a form) the refresh waits, says so
// in a polite status, and runs once the form is closed. A refresh keeps each column's
// scroll position and the focused control.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) return;
  var message = document.getElementById("board-message");
  var waitingBox = document.getElementById("board-waiting");
  var texts = document.getElementById("board-texts").dataset;
  var dialog = document.getElementById("reason-dialog");
  var assign = document.getElementById("assign-dialog");
  var dragging = false, moving = false, waiting = false, timer = null, asked = 0, sortables = [];

  function say(text, kind) {
    message.textContent = text;
    message.className = "flash flash-" + kind;
    message.hidden = false;
  }

  // blocker says what a refresh would disturb now: "quiet" for the user's own drag or
  // move (it refreshes by itself when done), "form" for an open form or dialog, or "".
  function blocker() {
    if (dragging || moving) return "quiet";
    if (dialog && dialog.open) return "form";
    if (assign && assign.open) return "form";
    if (board.querySelector("details[open]")) return "form";
    var f = document.activeElement;
    if (f && f !== board && board.contains(f) && f.closest("form")) return "form";
    return "";
  }

  function wait(kind) {
    waiting = true;
    if (kind !== "form" || !waitingBox || waitingBox.firstChild) return;
    var p = document.createElement("p");
    p.className = "flash flash-info";
    p.textContent = texts.waiting;
    waitingBox.appendChild(p);
  }

  function doneWaiting() {
    waiting = false;
    if (waitingBox) waitingBox.textContent = "";
  }

  // scrollKey names a scrolling box of the board so the same box is found after a swap.
  function scrollKey(el) {
    if (el.id) return el.id;
    var holder = el.parentElement && el.parentElement.closest("[id]");
    return el.className + "@" + (holder && holder !== board ? holder.id : "");
  }

  // remember describes the focused element so that its twin can be found in fresh
  // markup: by its id, else by what it is within the nearest element with an id (a card).
  function remember(el) {
    if (!el || el === board || !board.contains(el)) return null;
    if (el.id) return { id: el.id };
    var holder = el.parentElement.closest("[id]");
    var sel = el.tagName.toLowerCase();
    if (el.getAttribute("name")) sel += '[name="' + el.getAttribute("name") + '"]';
    else if (el.dataset.cardAction) sel += '[data-card-action="' + el.dataset.cardAction + '"]';
    else if (el.classList.contains("card-number")) sel += ".card-number";
    return { holder: holder.id, sel: sel, n: Array.prototype.indexOf.call(holder.querySelectorAll(sel), el) };
  }

  function restore(f) {
    if (!f) return;
    var el = f.id ? document.getElementById(f.id) : null;
    if (!el && f.holder) {
      var holder = document.getElementById(f.holder);
      if (holder) el = holder.querySelectorAll(f.sel)[f.n] || (holder.matches(".board-item") ? holder : null);
    }
    if (!el) {
      // What had focus is gone from the board (another user closed the order, say):
      // focus stays on the board rather than falling to the page body.
      board.tabIndex = -1;
      el = board;
    }
    el.focus({ preventScroll: true });
  }

  function swap(fresh) {
    var boxes = ".cards, .columns, .lanes", scrolls = {};
    board.querySelectorAll(boxes).forEach(function (el) {
      scrolls[scrollKey(el)] = [el.scrollTop, el.scrollLeft];
    });
    var x = window.scrollX, y = window.scrollY;
    var focused = remember(document.activeElement);
    board.innerHTML = fresh.innerHTML;
    board.querySelectorAll(boxes).forEach(function (el) {
      var s = scrolls[scrollKey(el)];
      if (s) { el.scrollTop = s[0]; el.scrollLeft = s[1]; }
    });
    window.scrollTo(x, y);
    restore(focused);
    init();
    doneWaiting();
    board.dispatchEvent(new CustomEvent("board:refreshed", { bubbles: true }));
  }

  // refresh reloads the board's cards from the server, as they really are now, unless
  // the user is in the middle of something: then it waits (see settle).
  function refresh() {
    clearTimeout(timer);
    var kind = blocker();
    if (kind) { wait(kind); return Promise.resolve(); }
    var mine = ++asked;
    return fetch(location.href, { headers: { "X-Requested-With": "fetch" } })
      .then(function (res) { return res.text(); })
      .then(function (html) {
        if (mine !== asked) return; // a later refresh is under way
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("board");
        if (!fresh) return;
        // The user may have opened a form while the board was loading.
        var now = blocker();
        if (now) { wait(now); return; }
        swap(fresh);
      })
      .catch(function () { waiting = true; /* offline for a moment: the next event retries */ });
  }

  function refreshSoon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }

  // settle runs a refresh that waited, once nothing is in the way any more.
  function settle() {
    if (!waiting) return;
    setTimeout(function () { if (waiting && !blocker()) refreshSoon(); }, 0);
  }

  // askReason opens the reason dialog; resolves to the reason, or null when cancelled.
  function askReason(card) {
    return new Promise(function (resolve) {
      var text = document.getElementById("reason-text");
      var error = document.getElementById("reason-error");
      text.value = "";
      error.hidden = true;
      dialog.dataset.card = card.dataset.id;
      dialog.onclose = function () {
        if (dialog.returnValue === "ok" && text.value.trim() !== "") resolve(text.value.trim());
        else resolve(null);
      };
      dialog.showModal();
      text.focus();
    });
  }

  function move(card, tech) {
    moving = true;
    var ask = card.dataset.assignee && card.dataset.assignee !== "0" ? askReason(card) : Promise.resolve("");
    return ask.then(function (reason) {
      if (reason === null) return;
      var body = new URLSearchParams({
        order_id: card.dataset.id, version: card.dataset.version, state: card.dataset.state,
        technician_id: tech, reason: reason
      });
      return fetch("/board/move", { method: "POST", body: body, headers: { "X-Requested-With": "fetch" } })
        .then(function (res) {
          if (res.ok) { say(texts.moved, "ok"); return; }
          return res.text().then(function (t) { say(t || texts.failed, "error"); });
        })
        .catch(function () { say(texts.failed, "error"); });
    }).then(function () {
      moving = false;
      // The dropped card keeps focus, so the keyboard and the screen reader stay on it.
      if (!document.activeElement || document.activeElement === document.body) card.focus({ preventScroll: true });
      return refresh();
    });
  }

  function init() {
    sortables.forEach(function (s) { s.destroy(); });
    sortables = [];
    if (typeof Sortable === "undefined") return;
    board.querySelectorAll("[data-lane]").forEach(function (lane) {
      sortables.push(Sortable.create(lane, {
        group: "board",
        draggable: ".board-item",
        filter: "a, details, select, input, button",
        preventOnFilter: false,
        forceFallback: true, // mouse and touch alike (tablets, gloves)
        animation: 150,
        onStart: function () { dragging = true; },
        onEnd: function (evt) {
          dragging = false;
          if (evt.from === evt.to) { settle(); return; }
          var tech = evt.to.dataset.tech;
          if (!tech) { say(texts.failed, "error"); refresh(); return; }
          move(evt.item, tech);
        }
      }));
    });
  }

  // openAssign fills the assign dialog in from card and opens it: the order, the version
  // and state the card showed, the current technician left out of the choices, and the
  // reason asked for only when the order has a technician already.
  function openAssign(card, button) {
    var form = assign.querySelector("form");
    var reassign = !!card.dataset.assignee && card.dataset.assignee !== "0";
    form.elements.order_id.value = card.dataset.id;
    form.elements.version.value = card.dataset.version;
    form.elements.state.value = card.dataset.state;
    var select = form.elements.technician_id;
    select.value = "";
    Array.prototype.forEach.call(select.options, function (o) {
      var current = o.value !== "" && o.value === card.dataset.assignee;
      o.hidden = current;
      o.disabled = current;
    });
    var reason = document.getElementById("assign-reason");
    reason.value = "";
    reason.disabled = !reassign;
    reason.required = reassign;
    document.getElementById("assign-reason-row").hidden = !reassign;
    var verb = reassign ? texts.reassign : texts.assign;
    var number = card.querySelector(".card-number");
    document.getElementById("assign-title").textContent = verb + " " + (number ? number.textContent : "");
    document.getElementById("assign-ok").textContent = verb;
    var cancel = document.getElementById("assign-cancel-order");
    cancel.hidden = !button.hasAttribute("data-cancel");
    cancel.href = "/orders/" + card.dataset.id + "?action=cancel#action-cancel";
    assign.showModal();
    select.focus();
  }

  if (assign) {
    board.addEventListener("click", function (e) {
      var button = e.target.closest && e.target.closest('a[data-card-action="assign"]');
      if (!button || e.ctrlKey || e.metaKey || e.shiftKey || e.button) return;
      var card = button.closest(".board-item");
      if (!card) return;
      e.preventDefault();
      openAssign(card, button);
    });
    document.getElementById("assign-close").addEventListener("click", function () { assign.close(); });
    assign.addEventListener("close", settle);
  }

  // A refresh that waited runs when the form closes, the dialog closes or focus leaves
  // the form. (A submitted form loads the board afresh by itself.)
  board.addEventListener("toggle", settle, true); // toggle does not bubble
  board.addEventListener("focusout", settle);
  if (dialog) dialog.addEventListener("close", settle);

  init();

  // After a save from a card's form the board comes back as /board…#card-<id>: focus
  // that card, so the supervisor carries on from where they acted.
  if (location.hash.indexOf("#card-") === 0) {
    var target = document.getElementById(location.hash.slice(1));
    if (target) target.focus();
  }

  if (window.EventSource) {
    var events = new EventSource("/events");
    events.addEventListener("order", refreshSoon);
    events.addEventListener("resync", refreshSoon);
    // The browser reconnects by itself (after an app restart, say); catch up then.
    events.onopen = function () {
      if (board.dataset.live === "reconnecting") refreshSoon();
      board.dataset.live = "open";
    };
    events.onerror = function () { board.dataset.live = "reconnecting"; };
    // Leaving the page closes the stream: the browser allows only a few connections per
    // server, and streams left open would stall the next pages. A page brought back from
    // the back/forward cache loads afresh, stream and all.
    window.addEventListener("pagehide", function () { events.close(); });
    window.addEventListener("pageshow", function (e) { if (e.persisted) location.reload(); });
  }
})();
