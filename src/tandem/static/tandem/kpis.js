// KPI charts with Apache ECharts: the sparklines of the KPI list and the trend of a KPI page.
(function () {
  const COLORS = { green: "#2fb344", amber: "#f59f00", red: "#d63939", no_data: "#9ba9be" };

  function sparklines() {
    document.querySelectorAll(".sparkline").forEach((element) => {
      const values = JSON.parse("[" + element.dataset.values + "]");
      const chart = echarts.init(element, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        grid: { left: 2, right: 2, top: 4, bottom: 4 },
        xAxis: { type: "category", show: false, data: values.map((_, i) => i) },
        yAxis: { type: "value", show: false, scale: true },
        series: [{ type: "line", data: values, symbol: "circle", symbolSize: 3, connectNulls: false,
                   lineStyle: { width: 2, color: COLORS[element.dataset.status] || COLORS.no_data } }],
      });
    });
  }

  function trend() {
    const element = document.getElementById("kpi-trend");
    const source = document.getElementById("kpi-trend-data");
    if (!element || !source) return;
    const data = JSON.parse(source.textContent);
    const chart = echarts.init(element);
    const points = data.values.map((value, i) => ({ value, itemStyle: { color: COLORS[data.statuses[i]] } }));
    // The zone between the amber and red lines is shaded amber; beyond the red line, red.
    const low = data.amber.map((a, i) => (a === null || data.red[i] === null ? null : Math.min(a, data.red[i])));
    const gap = data.amber.map((a, i) => (a === null || data.red[i] === null ? null : Math.abs(a - data.red[i])));
    const series = [
      { name: data.names.value, type: "line", data: points, symbolSize: 9, z: 10, lineStyle: { width: 3, color: "#206bc4" } },
      { name: data.names.target, type: "line", data: data.targets, symbol: "none", lineStyle: { type: "dashed", color: "#667382" } },
      { name: "base", type: "line", data: low, stack: "band", symbol: "none", lineStyle: { opacity: 0 }, tooltip: { show: false },
        areaStyle: data.direction === "higher" ? { color: COLORS.red, opacity: 0.08 } : { opacity: 0 } },
      { name: data.names.amber, type: "line", data: gap, stack: "band", symbol: "none", lineStyle: { opacity: 0 },
        areaStyle: { color: COLORS.amber, opacity: 0.18 } },
      { name: data.names.red, type: "line", data: data.red, symbol: "none", lineStyle: { type: "dotted", color: COLORS.red } },
    ];
    // A summed KPI's period in progress: where its run rate would end, as a hollow point.
    if ((data.projected || []).some((v) => v !== null)) {
      series.push({ name: data.names.projected, type: "scatter", data: data.projected, symbol: "emptyCircle", symbolSize: 11,
                    itemStyle: { color: "#206bc4" }, z: 11 });
    }
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: (v) => (v === null || v === undefined ? "—" : v.toLocaleString()) },
      legend: { data: [data.names.value, data.names.target, data.names.red, data.names.projected], bottom: 0 },
      grid: { left: 48, right: 16, top: 16, bottom: 48 },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value", scale: true, boundaryGap: ["10%", "10%"] },
      series,
    });
    window.addEventListener("resize", () => chart.resize());
  }

  function start() {
    if (typeof echarts === "undefined") return;
    sparklines();
    trend();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
