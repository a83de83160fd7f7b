// 我的工单: keep the open tab current from the server's event stream. The stream carries
// only the technician's own orders (a new assignment, one taken away, any change); on
// each, the page fetches itself again and swaps the tabs and the list in place. Without
// JavaScript the page is the same, reloaded by hand.
(function () {
  "use strict";
  var jobs = document.getElementById("jobs");
  if (!jobs || !window.EventSource) return;
  var timer = null;

  function refresh() {
    return fetch(location.href, { headers: { "X-Requested-With": "fetch" } })
      .then(function (res) {
        if (!res.ok) throw new Error(res.status);
        return res.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("jobs");
        if (!fresh) return;
        jobs.innerHTML = fresh.innerHTML;
        jobs.dataset.refreshed = String(Number(jobs.dataset.refreshed || 0) + 1);
        jobs.dispatchEvent(new CustomEvent("jobs:refreshed", { bubbles: true }));
      })
      .catch(function () { /* offline for a moment: the next event retries */ });
  }

  function refreshSoon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }

  var events = new EventSource("/events");
  events.addEventListener("order", refreshSoon);
  events.addEventListener("resync", refreshSoon);
  // The browser reconnects by itself (after an app restart, say); catch up then.
  events.onopen = function () {
    if (jobs.dataset.live === "reconnecting") refreshSoon();
    jobs.dataset.live = "open";
  };
  events.onerror = function () { jobs.dataset.live = "reconnecting"; };
  // Leaving the page closes the stream: the browser allows only a few connections per
  // server, and streams left open would stall the next pages. A page brought back from
  // the back/forward cache loads afresh, stream and all.
  window.addEventListener("pagehide", function () { events.close(); });
  window.addEventListener("pageshow", function (e) { if (e.persisted) location.reload(); });
})();
