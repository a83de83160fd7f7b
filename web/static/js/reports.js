// The report's charts (Chart.js): the data and the labels come from the page's JSON
// block; each chart's numbers are also in the table beneath it.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("report-data");
    if (!el || typeof Chart === "undefined") return;
    var data = JSON.parse(el.textContent);
    var colours = ["#2563eb", "#16a34a", "#d97706"];
    function chart(id, s) {
      var canvas = document.getElementById(id);
      if (!canvas || !s) return;
      var sets = (s.names || []).map(function (name, i) {
        return { type: "bar", label: name, data: s.bars[i] || [], backgroundColor: colours[i % colours.length], yAxisID: "y" };
      });
      var scales = { y: { beginAtZero: true, ticks: { precision: 0 } } };
      if (s.line) {
        sets.push({ type: "line", label: s.lineName + " %", data: s.line, borderColor: "#dc2626", backgroundColor: "#dc2626", yAxisID: "share", spanGaps: true });
        scales.share = { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false } };
      }
      new Chart(canvas, {
        data: { labels: s.labels || [], datasets: sets },
        options: { animation: false, responsive: true, maintainAspectRatio: false, scales: scales }
      });
    }
    chart("chart-trend", data.trend);
    chart("chart-tech", data.tech);
    chart("chart-stations", data.stations);
    // The yearly breakdown is a share of the whole.
    var pie = document.getElementById("chart-breakdown");
    if (pie && data.breakdown) {
      new Chart(pie, {
        type: "doughnut",
        data: { labels: data.breakdown.labels || [], datasets: [{ label: (data.breakdown.names || [])[0], data: (data.breakdown.bars || [[]])[0],
          backgroundColor: ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2", "#6b7785"] }] },
        options: { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { position: "right" } } }
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
