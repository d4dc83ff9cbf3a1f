// Board charts with Apache ECharts: a KPI's last twelve periods against its target, a key result's check-ins
// against its ideal line, and an objective's key results in percent of the way. Drawn again after every
// in-place change of the board (HTMX swaps #board-body with fresh data).
(function () {
  const COLORS = { green: "#2fb344", amber: "#f59f00", red: "#d63939", no_data: "#9ba9be" };
  const BLUE = "#206bc4", GREY = "#9ba9be";
  const PALETTE = ["#206bc4", "#ae3ec9", "#0ca678", "#f76707", "#d6336c", "#4263eb"];
  let drawn = [];
  const LEGEND = { top: 0, right: 0, itemWidth: 14, itemHeight: 8, textStyle: { fontSize: 10, color: "#667382" } };

  // A chart with nothing to draw yet says so, over its axes.
  function empty(option, hasData, text) {
    if (!hasData) {
      option.graphic = [{ type: "text", left: "center", top: "middle",
                          style: { text, fill: GREY, fontSize: 12, fontWeight: "normal" } }];
    }
    return option;
  }

  function kpi(data) {
    const points = data.values.map((value, i) => ({ value, itemStyle: { color: COLORS[data.statuses[i]] || GREY } }));
    return empty({
      tooltip: { trigger: "axis", valueFormatter: (v) => (v === null || v === undefined ? "—" : v.toLocaleString()) },
      legend: Object.assign({ data: [data.names.value, data.names.target] }, LEGEND),
      grid: { left: 44, right: 10, top: 26, bottom: 24 },
      xAxis: { type: "category", data: data.labels, axisLabel: { hideOverlap: true, fontSize: 10 } },
      yAxis: { type: "value", scale: true, boundaryGap: ["10%", "10%"], axisLabel: { fontSize: 10 } },
      series: [
        { name: data.names.value, type: "line", data: points, symbolSize: 7, connectNulls: false,
          itemStyle: { color: BLUE }, lineStyle: { width: 2, color: BLUE } },
        { name: data.names.target, type: "line", data: data.targets, symbol: "none", step: "middle",
          itemStyle: { color: "#667382" }, lineStyle: { type: "dashed", width: 1.5, color: "#667382" } },
      ],
    }, data.values.some((v) => v !== null), data.names.empty);
  }

  function keyResult(data) {
    return empty({
      tooltip: { trigger: "axis" },
      legend: Object.assign({ data: [data.names.value, data.names.ideal] }, LEGEND),
      grid: { left: 44, right: 12, top: 26, bottom: 24 },
      xAxis: { type: "time", min: data.start, max: data.end, axisLabel: { hideOverlap: true, fontSize: 10 } },
      yAxis: { type: "value", scale: true, axisLabel: { fontSize: 10 } },
      series: [
        { name: data.names.ideal, type: "line", symbol: "none", itemStyle: { color: GREY },
          lineStyle: { type: "dashed", color: GREY }, data: [[data.start, data.from], [data.end, data.to]] },
        { name: data.names.value, type: "line", step: "end", symbolSize: 6, lineStyle: { color: BLUE, width: 2 },
          itemStyle: { color: BLUE }, data: data.values },
      ],
    }, data.values.length > 0, data.names.empty);
  }

  function objective(data) {
    const series = [
      { name: data.names.ideal, type: "line", symbol: "none", itemStyle: { color: GREY },
        lineStyle: { type: "dashed", color: GREY }, data: [[data.start, 0], [data.end, 100]] },
    ];
    data.series.forEach((kr, i) => {
      const colour = PALETTE[i % PALETTE.length];
      series.push({ name: kr.name, type: "line", step: "end", symbolSize: 5, data: kr.values,
                    lineStyle: { width: 2, color: colour }, itemStyle: { color: colour } });
    });
    return empty({
      tooltip: { trigger: "axis", valueFormatter: (v) => (v === null || v === undefined ? "—" : `${v}%`) },
      // Key results by name under the chart, shortened: their titles are sentences.
      legend: { type: "scroll", bottom: 0, itemWidth: 14, itemHeight: 8, textStyle: { fontSize: 10, color: "#667382" },
                formatter: (name) => (name.length > 18 ? `${name.slice(0, 17)}…` : name) },
      grid: { left: 40, right: 12, top: 12, bottom: 46 },
      xAxis: { type: "time", min: data.start, max: data.end, axisLabel: { hideOverlap: true, fontSize: 10 } },
      yAxis: { type: "value", min: 0, max: (v) => Math.max(100, Math.ceil(v.max / 10) * 10),
               axisLabel: { fontSize: 10, formatter: "{value}%" } },
      series,
    }, data.series.some((kr) => kr.values.length > 0), data.names.empty);
  }

  const DRAW = { kpi, key_result: keyResult, objective };

  function draw() {
    drawn.forEach((chart) => chart.dispose());
    drawn = [];
    const source = document.getElementById("board-charts");
    if (!source || typeof echarts === "undefined") return;
    const charts = JSON.parse(source.textContent);
    document.querySelectorAll(".board-chart").forEach((element) => {
      const data = charts[element.dataset.chart];
      if (!data || !DRAW[data.type]) return;
      const chart = echarts.init(element, null, { renderer: "svg" });
      chart.setOption(Object.assign({ animation: false }, DRAW[data.type](data)));
      drawn.push(chart);
    });
  }

  window.addEventListener("resize", () => drawn.forEach((chart) => chart.resize()));
  // Only the board's body brings new chart data; the search's suggestions do not.
  document.addEventListener("htmx:afterSettle", (event) => {
    if (!event.target || event.target.id !== "board-suggestions") draw();
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
