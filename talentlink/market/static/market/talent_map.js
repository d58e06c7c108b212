// The key-industry talent map's charts: options from the server (json_script); a chart that draws
// the districts' map waits for their GeoJSON (served by the platform) to be registered with ECharts.
(function () {
  const source = document.getElementById("talent-map-chart-data");
  const holder = document.getElementById("talent-map-charts");
  if (!source || !holder || typeof echarts === "undefined") return;
  const specs = JSON.parse(source.textContent);
  const charts = [];
  function draw({ id, option, height }) {
    const element = document.getElementById("chart-" + id);
    if (!element) return;
    element.style.height = height + "px";
    const chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption(option);
    charts.push(chart);
  }
  specs.filter((spec) => !spec.map).forEach(draw);
  const maps = [...new Set(specs.filter((spec) => spec.map).map((spec) => spec.map))];
  for (const name of maps) {
    fetch(holder.dataset.geo)
      .then((answer) => answer.json())
      .then((geo) => {
        echarts.registerMap(name, geo);
        specs.filter((spec) => spec.map === name).forEach(draw);
      });
  }
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
})();
