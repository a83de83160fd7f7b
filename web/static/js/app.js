// Small behaviours shared by several pages, kept out of the markup so the
// Content-Security-Policy can forbid inline scripts.
(function () {
  "use strict";
  // A print button: <button data-print>.
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-print]");
    if (b) { e.preventDefault(); window.print(); }
    // A copy button: <button data-copy="id-of-the-field">.
    var c = e.target.closest && e.target.closest("[data-copy]");
    if (c) {
      var field = document.getElementById(c.dataset.copy);
      if (!field) return;
      field.select();
      if (navigator.clipboard) { navigator.clipboard.writeText(field.value); } else { document.execCommand("copy"); }
    }
  });
  // A stocktake count shows its variance against the ledger as it is typed
  // (full-width digits from an input method count too).
  document.addEventListener("input", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("#stocktake-sheet input[data-ledger]")) return;
    var out = document.getElementById("variance-" + input.dataset.part);
    if (!out) return;
    var s = input.value.trim().replace(/[０-９]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); });
    if (!/^\d+$/.test(s)) { out.textContent = ""; return; }
    var d = parseInt(s, 10) - parseInt(input.dataset.ledger, 10);
    out.textContent = d > 0 ? "+" + d : String(d);
  });
  // After a refused save, focus goes to the summary of what to fix (its entries link to
  // the fields), else to the first field in error, so the keyboard and screen readers
  // start where the work is.
  var summary = document.querySelector("main .error-summary");
  var invalid = document.querySelector('main [aria-invalid="true"]');
  if (summary) {
    summary.focus();
  } else if (invalid) {
    invalid.focus();
  }
})();
