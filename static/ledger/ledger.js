/* 三资 pages: the charts (vendored Apache ECharts; the same numbers are in the tables below them)
   and the import upload with a progress bar and the row errors. */
(function () {
  "use strict";
  var data = document.getElementById("ledger-chart-data");
  if (data && window.echarts) {
    var d = JSON.parse(data.textContent);
    var months = document.getElementById("chart-months");
    if (months) {
      // the page's language: the legend's words come from the template (data-msg-*), never from here
      var income = months.getAttribute("data-msg-income") || "收入";
      var expense = months.getAttribute("data-msg-expense") || "支出";
      echarts.init(months, null, { renderer: "svg" }).setOption({
        tooltip: { trigger: "axis" }, legend: { data: [income, expense] },
        grid: { left: 60, right: 10, top: 30, bottom: 30 },
        xAxis: { type: "category", data: d.months }, yAxis: { type: "value" },
        series: [{ name: income, type: "bar", data: d.income, itemStyle: { color: "#0a6b2d" } },
                 { name: expense, type: "bar", data: d.expense, itemStyle: { color: "#b3001b" } }]
      });
    }
    var accounts = document.getElementById("chart-accounts");
    if (accounts) {
      if (!d.accounts.length) { accounts.hidden = true; }
      else {
        echarts.init(accounts, null, { renderer: "svg" }).setOption({
          tooltip: { trigger: "item" },
          series: [{ type: "pie", radius: ["30%", "65%"], data: d.accounts, label: { formatter: "{b}\n{d}%" } }]
        });
      }
    }
  }
  var form = document.getElementById("import-form");
  if (form) {
    var msg = function (name, fallback) { return form.getAttribute("data-msg-" + name) || fallback; };
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var bar = document.getElementById("import-progress"), status = document.getElementById("import-status");
      var table = document.getElementById("import-errors"), body = table.querySelector("tbody");
      body.innerHTML = ""; table.hidden = true; bar.hidden = false; bar.value = 0;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) { bar.value = Math.round(90 * e.loaded / e.total); }
        if (e.loaded === e.total) { status.textContent = msg("checking", "正在逐行检查…"); }
      };
      xhr.onload = function () {
        bar.value = 100;
        var answer = {};
        try { answer = JSON.parse(xhr.responseText); } catch (err) { answer = { error: { message: msg("failed", "导入失败") } }; }
        if (xhr.status === 201) { status.textContent = answer.message; setTimeout(function () { location.reload(); }, 800); return; }
        status.textContent = answer.error.message;
        (answer.error.rows || []).forEach(function (r) {
          var tr = document.createElement("tr");
          [r.row, r.column, r.value, r.message].forEach(function (v) {
            var td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
          });
          body.appendChild(tr);
        });
        table.hidden = !body.children.length;
      };
      xhr.onerror = function () { status.textContent = msg("network", "网络错误，请重试。"); };
      xhr.send(new FormData(form));
    });
  }
})();
