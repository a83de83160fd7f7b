// The customer's signature on the completion form: drawn with finger, stylus or mouse
// (signature_pad, pointer events), sent as a PNG data URL in a hidden field. A form
// that comes back with an error redraws what was signed.
(function () {
  "use strict";
  var canvas = document.getElementById("sig-pad");
  var field = document.getElementById("signature");
  if (!canvas || !field || typeof SignaturePad === "undefined") return;
  var pad = new SignaturePad(canvas, { backgroundColor: "rgba(0,0,0,0)", penColor: "#14203c" });

  function fit() {
    var data = pad.isEmpty() ? field.value : pad.toDataURL("image/png");
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    if (data) pad.fromDataURL(data, { width: canvas.offsetWidth, height: canvas.offsetHeight });
  }
  window.addEventListener("resize", fit);
  fit();

  pad.addEventListener("endStroke", function () { field.value = pad.toDataURL("image/png"); });
  document.getElementById("sig-clear").addEventListener("click", function () {
    pad.clear();
    field.value = "";
  });
  canvas.closest("form").addEventListener("submit", function () {
    field.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
  });
})();
