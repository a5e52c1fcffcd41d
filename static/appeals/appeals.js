/* Appeals: similar open appeals while typing, one submit per tap, the statistics chart. */
(function () {
  "use strict";
  var form = document.getElementById("appeal-form");
  if (form) {
    var text = form.querySelector("textarea[name=text]");
    var grid = form.querySelector("select[name=grid]");
    var box = document.getElementById("similar");
    var list = document.getElementById("similar-list");
    var timer = null;
    var lookup = function () {
      var q = (text.value || "").trim();
      if (q.length < 4) { box.hidden = true; return; }
      var url = form.dataset.similar + "?village=" + encodeURIComponent(form.dataset.village) +
        "&grid=" + encodeURIComponent(grid ? grid.value : "") + "&text=" + encodeURIComponent(q.slice(0, 200));
      fetch(url, {headers: {"Accept": "application/json"}}).then(function (r) { return r.json(); }).then(function (data) {
        list.textContent = "";
        (data.appeals || []).forEach(function (a) {
          var li = document.createElement("li");
          var link = document.createElement("a");
          link.href = a.url; link.textContent = a.text;
          var meta = document.createElement("span");
          meta.className = "meta"; meta.textContent = a.status_name + " · #" + a.id;
          li.appendChild(link); li.appendChild(meta); list.appendChild(li);
        });
        box.hidden = !(data.appeals || []).length;
      }).catch(function () { box.hidden = true; });
    };
    var later = function () { clearTimeout(timer); timer = setTimeout(lookup, 500); };
    text.addEventListener("input", later);
    if (grid) { grid.addEventListener("change", later); }
    // Text typed before this script ran (a slow phone), or kept by the browser on "back", is looked up too.
    if ((text.value || "").trim()) { later(); }
    form.addEventListener("submit", function () {
      var button = document.getElementById("submit-appeal");
      setTimeout(function () { button.disabled = true; button.textContent = "正在提交…"; }, 0);
    });
  }
  var chart = document.getElementById("appeal-chart");
  if (chart && window.echarts) {
    var d = JSON.parse(chart.dataset.chart);
    var pct = function (v) { return v === null ? null : Math.round(v * 1000) / 10; };
    window.echarts.init(chart, null, {renderer: "svg"}).setOption({
      animation: false, tooltip: {trigger: "axis"}, legend: {data: ["办结率", "满意率"]},
      grid: {left: 40, right: 10, bottom: 60, top: 40},
      xAxis: {type: "category", data: d.labels, axisLabel: {rotate: 30}},
      yAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
      series: [{name: "办结率", type: "bar", data: d.closure.map(pct)},
               {name: "满意率", type: "bar", data: d.satisfaction.map(pct)}]
    });
  }
}());
