// Renders ECharts options to SVG without a browser (ECharts' own server-side rendering), for the
// market report's PDF. Reads {"echarts": path, "font": family, "charts": [{option, width, height}],
// "maps": {name: GeoJSON path}} on stdin and writes a JSON list of SVG strings on stdout.
"use strict";
const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const echarts = require(request.echarts);
  for (const [name, path] of Object.entries(request.maps || {})) {
    echarts.registerMap(name, JSON.parse(require("fs").readFileSync(path, "utf8")));
  }
  const svgs = request.charts.map(({ option, width, height }) => {
    const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
    chart.setOption({ ...option, animation: false, textStyle: { fontFamily: request.font } });
    const svg = chart.renderToSVGString();
    chart.dispose(); // a live chart keeps a timer that would hold the process open
    return svg;
  });
  process.stdout.write(JSON.stringify(svgs));
});
