/* The cockpit's charts (一屏观): each <div class="cp-canvas" id=X> has its numbers in <script id=X type=application/json>
   (written by the server). Drawn with Apache ECharts served from static/vendor (no CDN), as SVG (sharp in print),
   with ECharts' aria decals (patterns) so that colour is never the only signal, and each category clickable
   to its list when the server gave a link. */
(function () {
  "use strict";
  var COLOURS = { good: "#12805c", warn: "#c98a00", bad: "#d92d20", info: "#1d4ed8", done: "#667085" };
  var EXTRA = ["#1d4ed8", "#7a5af8", "#475467", "#0e9384", "#dd2590"];
  function colourOf(s, i) { return s.state ? COLOURS[s.state] : EXTRA[i % EXTRA.length]; }
  function option(d) {
    var horizontal = d.kind === "hbar";
    var type = d.kind === "line" ? "line" : "bar";
    var cat = { type: "category", data: d.categories, axisLabel: { interval: 0, hideOverlap: true } };
    var val = { type: "value", axisLabel: { formatter: "{value}" + (d.suffix || "") } };
    return {
      aria: { enabled: true, decal: { show: true } },
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + (d.suffix || ""); } },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: horizontal ? val : cat,
      yAxis: horizontal ? Object.assign({}, cat, { inverse: true }) : val,
      series: d.series.map(function (s, i) {
        return {
          name: s.name, type: type, data: s.values, stack: d.kind === "stack" ? "all" : undefined,
          itemStyle: { color: colourOf(s, i) }, lineStyle: { type: ["solid", "dashed", "dotted"][i % 3] },
          symbol: ["circle", "triangle", "rect", "diamond"][i % 4], symbolSize: 8, connectNulls: true,
          label: { show: d.categories.length <= 12 && type === "bar", position: horizontal ? "right" : "top",
                   formatter: function (p) { return p.value == null || p.value === 0 ? "" : p.value + (d.suffix || ""); } }
        };
      })
    };
  }
  function draw() {
    if (!window.echarts) { return; }
    var nodes = document.querySelectorAll(".cp-canvas");
    var charts = [];
    Array.prototype.forEach.call(nodes, function (node) {
      var data = document.getElementById(node.id + "");
      var source = document.querySelector('script[id="' + node.id + '"][type="application/json"]');
      if (!source) { return; }
      var d = JSON.parse(source.textContent);
      var chart = window.echarts.init(node, null, { renderer: "svg" });
      chart.setOption(option(d));
      if (d.urls && d.urls.length) {
        chart.on("click", function (p) { var u = d.urls[p.dataIndex]; if (u) { window.location.href = u; } });
      }
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    draw();
    var print = document.querySelector("[data-print]");
    if (print) { print.addEventListener("click", function () { window.print(); }); }
  });
})();
