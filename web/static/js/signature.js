// The completion form. The customer's signature is drawn with finger, stylus or mouse
// (signature_pad, pointer events) and sent as a PNG data URL in a hidden field. A form
// that comes back refused has the signature kept on the server (#staged-signature): it is
// shown on the pad and stays as it is unless the pad is cleared or drawn on. The error
// summary of a refused form takes the focus, so it is read out and seen first.
(function () {
  "use strict";
  var summary = document.getElementById("complete-errors");
  if (summary) summary.focus();

  var canvas = document.getElementById("sig-pad");
  var field = document.getElementById("signature");
  if (!canvas || !field || typeof SignaturePad === "undefined") return;
  var pad = new SignaturePad(canvas, { backgroundColor: "rgba(0,0,0,0)", penColor: "#14203c" });
  var staged = document.getElementById("staged-signature");
  var unstage = document.getElementById("sig-unstage");
  var keptSrc = staged && !(unstage && unstage.checked) ? staged.dataset.src : "";
  var drawn = false; // the pad holds strokes made on this page

  if (staged) {
    // The pad shows the kept signature; its own controls do the rest.
    staged.hidden = true;
  }

  function fit() {
    var data = drawn ? pad.toDataURL("image/png") : keptSrc;
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    if (data) pad.fromDataURL(data, { width: canvas.offsetWidth, height: canvas.offsetHeight });
  }
  window.addEventListener("resize", fit);
  fit();

  // A stroke makes a new signature (over the kept one, if it was not cleared first).
  pad.addEventListener("endStroke", function () {
    drawn = true;
    keptSrc = "";
    if (unstage) unstage.checked = true;
    field.value = pad.toDataURL("image/png");
  });
  document.getElementById("sig-clear").addEventListener("click", function () {
    pad.clear();
    drawn = false;
    keptSrc = "";
    if (unstage) unstage.checked = true;
    field.value = "";
  });
  canvas.closest("form").addEventListener("submit", function () {
    field.value = drawn && !pad.isEmpty() ? pad.toDataURL("image/png") : "";
  });
})();
