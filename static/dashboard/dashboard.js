/* Dashboard charts (Apache ECharts, vendored) drawn from the data attributes; the table beside each
   chart carries the same numbers for screen readers and printing, so a chart that fails to load costs nothing. */
(function () {
  "use strict";
  var print = document.getElementById("print-page");
  if (print) { print.addEventListener("click", function () { window.print(); }); }
  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll(".dash-chart").forEach(function (el) {
      var labels = JSON.parse(el.dataset.labels || "[]");
      var values = JSON.parse(el.dataset.values || "[]");
      if (!labels.length) { el.hidden = true; return; }
      el.style.height = Math.max(160, labels.length * 34 + 40) + "px";
      var chart = window.echarts.init(el);
      chart.setOption({
        animation: false,
        grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: labels.slice().reverse(), axisLabel: { fontSize: 13 } },
        series: [{ type: "bar", data: values.slice().reverse(), name: el.dataset.title,
                   label: { show: true, position: "right" }, itemStyle: { color: "#b3261e" } }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "complete") { draw(); } else { window.addEventListener("load", draw); }
})();
