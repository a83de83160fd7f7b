// The work board: drag a card onto a technician to assign (or reassign, with a reason),
// and keep the board current from the server's event stream. Without JavaScript the
// cards' own forms do the same.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) return;
  var message = document.getElementById("board-message");
  var texts = document.getElementById("board-texts").dataset;
  var dialog = document.getElementById("reason-dialog");
  var dragging = false, pending = false, timer = null, sortables = [];

  function say(text, kind) {
    message.textContent = text;
    message.className = "flash flash-" + kind;
    message.hidden = false;
  }

  // refresh reloads the board's cards from the server, as they really are now.
  function refresh() {
    if (dragging) { pending = true; return Promise.resolve(); }
    return fetch(location.href, { headers: { "X-Requested-With": "fetch" } })
      .then(function (res) { return res.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("board");
        if (fresh && !dragging) {
          board.innerHTML = fresh.innerHTML;
          init();
          board.dispatchEvent(new CustomEvent("board:refreshed", { bubbles: true }));
        }
      })
      .catch(function () { /* offline for a moment: the next event retries */ });
  }

  function refreshSoon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
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
    var ask = card.dataset.assignee && card.dataset.assignee !== "0" ? askReason(card) : Promise.resolve("");
    return ask.then(function (reason) {
      if (reason === null) return refresh();
      var body = new URLSearchParams({
        order_id: card.dataset.id, version: card.dataset.version, state: card.dataset.state,
        technician_id: tech, reason: reason
      });
      return fetch("/board/move", { method: "POST", body: body, headers: { "X-Requested-With": "fetch" } })
        .then(function (res) {
          if (res.ok) { say(texts.moved, "ok"); return; }
          return res.text().then(function (t) { say(t || texts.failed, "error"); });
        })
        .catch(function () { say(texts.failed, "error"); })
        .then(refresh);
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
          if (evt.from === evt.to) { if (pending) { pending = false; refresh(); } return; }
          var tech = evt.to.dataset.tech;
          if (!tech) { say(texts.failed, "error"); refresh(); return; }
          pending = false;
          move(evt.item, tech);
        }
      }));
    });
  }

  init();
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
  }
})();
