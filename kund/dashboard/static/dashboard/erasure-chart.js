// The dashboard's "erasures per month" chart (SPEC B-11): Chart.js draws the data the page embeds with
// json_script; the colours follow Bootstrap's theme. Each bar opens nothing: the erasure log holds no
// page per month, and the table under the chart holds the same figures.
(function () {
  "use strict";
  var canvas = document.getElementById("erasure-chart");
  var source = document.getElementById("erasure-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var style = getComputedStyle(document.documentElement);
  Chart.defaults.font.family = style.getPropertyValue("--bs-body-font-family").trim() || Chart.defaults.font.family;
  Chart.defaults.color = style.getPropertyValue("--bs-secondary-color").trim() || Chart.defaults.color;
  var colours = {
    deleted: style.getPropertyValue("--bs-danger").trim() || "#dc3545",
    anonymized: style.getPropertyValue("--bs-primary").trim() || "#0d6efd",
  };
  var chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.datasets.map(function (set) {
        return { label: set.label, data: set.data, backgroundColor: colours[set.key], stack: "erasures" };
      }),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: { stacked: true, ticks: { autoSkip: true, maxRotation: 0 } },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
      },
      plugins: { legend: { position: "bottom" } },
    },
  });
  canvas.dataset.ready = "1";
  window.kundErasureChart = chart;
})();
