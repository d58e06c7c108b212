// The market report's charts: each option comes from the server (json_script), drawn by the
// ECharts copy the platform serves (no inline script under the CSP).
(function () {
  const source = document.getElementById("market-report-charts");
  if (!source || typeof echarts === "undefined") return;
  const charts = [];
  for (const { id, option, height } of JSON.parse(source.textContent)) {
    const element = document.getElementById("chart-" + id);
    if (!element) continue;
    element.style.height = height + "px";
    const chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption(option);
    charts.push(chart);
  }
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
})();
