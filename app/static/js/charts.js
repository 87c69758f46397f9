// Draws the trend charts of the page with ECharts from the figures in
// <script type="application/json" id="chart-data"> (the CSP allows no inline script).
// The same figures are in the table beside each chart.
(function () {
  var source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  var charts = JSON.parse(source.textContent);
  var drawn = [];
  charts.forEach(function (c) {
    var box = document.querySelector('[data-chart="' + c.id + '"]');
    if (!box || !c.labels.length) { if (box) { box.hidden = true; } return; }
    var chart = echarts.init(box);
    var axis = { type: "value", minInterval: 1 };
    if (c.percent) { axis.max = 100; axis.axisLabel = { formatter: "{value}%" }; }
    // A legend names the colours of several series (a stacked bar's parts); the tooltip
    // is kept inside the chart so that it never widens a phone's page.
    var several = c.series.length > 1;
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", confine: true, renderMode: "richText" },
      legend: { show: several, type: "scroll", bottom: 0 },
      grid: { left: 8, right: 8, top: 16, bottom: several ? 40 : 8, containLabel: true },
      xAxis: { type: "category", data: c.labels },
      yAxis: axis,
      series: c.series.map(function (s) {
        var out = { name: s.name, type: c.kind, data: s.data };
        if (s.stack) { out.stack = s.stack; }
        return out;
      })
    });
    drawn.push(chart);
  });
  window.addEventListener("resize", function () {
    drawn.forEach(function (chart) { chart.resize(); });
  });
})();
