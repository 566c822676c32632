/* The cockpit's charts (一屏观): each <div class="cp-canvas" id=X> has its numbers in <script id=X type=application/json>
   (written by the server). Drawn with Apache ECharts served from static/vendor (no CDN), as SVG (sharp in print),
   with ECharts' aria decals (patterns) so that colour is never the only signal, and each category clickable
   to its list when the server gave a link. A value label is drawn only where its bar segment can hold it (thin
   segments of a stack would print "1" over "9"); the tooltip and the table under each chart give every value. */
(function () {
  "use strict";
  var COLOURS = { good: "#12805c", warn: "#c98a00", bad: "#d92d20", info: "#1d4ed8", done: "#667085" };
  var EXTRA = ["#1d4ed8", "#7a5af8", "#475467", "#0e9384", "#dd2590"];
  var LABEL_FONT = 12;
  function colourOf(s, i) { return s.state ? COLOURS[s.state] : EXTRA[i % EXTRA.length]; }
  function labelText(v, suffix) { return v == null || v === 0 ? "" : v + (suffix || ""); }
  /* Whether a label fits the bar (or stack segment) drawn for value v, given the pixels per unit of the value
     axis: across a vertical bar it needs a line of text, along a horizontal one the text's width. */
  function labelFits(v, text, pxPerUnit, horizontal) {
    if (!text) { return false; }
    var size = Math.abs(v) * pxPerUnit;
    return horizontal ? size >= text.length * LABEL_FONT * 0.62 + 6 : size >= LABEL_FONT + 4;
  }
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
          label: { show: d.categories.length <= 12 && type === "bar",
                   position: d.kind === "stack" ? "inside" : (horizontal ? "right" : "top"), fontSize: LABEL_FONT,
                   formatter: function (p) { return labelText(p.value, d.suffix); } }
        };
      })
    };
  }
  /* Inside a stack a label must fit its segment: once the axes are laid out, hide the labels of the segments
     too small for them (again after a resize). Labels above a bar (not stacked) have room and are kept. */
  function hideThinLabels(chart, d) {
    if (d.kind !== "stack" || d.categories.length > 12) { return; }
    var horizontal = false;  // stacks are drawn upright
    var pxPerUnit = Math.abs(chart.convertToPixel({ yAxisIndex: 0 }, 1) - chart.convertToPixel({ yAxisIndex: 0 }, 0));
    if (!isFinite(pxPerUnit)) { return; }
    chart.setOption({
      series: d.series.map(function (s) {
        return { data: s.values.map(function (v) {
          return { value: v, label: { show: labelFits(v, labelText(v, d.suffix), pxPerUnit, horizontal) } };
        }) };
      })
    });
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
      hideThinLabels(chart, d);
      if (d.urls && d.urls.length) {
        chart.on("click", function (p) { var u = d.urls[p.dataIndex]; if (u) { window.location.href = u; } });
      }
      charts.push({ chart: chart, d: d });
    });
    function resize() { charts.forEach(function (c) { c.chart.resize(); hideThinLabels(c.chart, c.d); }); }
    window.addEventListener("resize", resize);
    window.addEventListener("beforeprint", resize);
  }
  window.luoshiCharts = { draw: draw, labelFits: labelFits };
  document.addEventListener("DOMContentLoaded", function () {
    draw();
    var print = document.querySelector("[data-print]");
    if (print) { print.addEventListener("click", function () { window.print(); }); }
  });
})();
