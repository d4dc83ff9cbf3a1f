// OKR charts with Apache ECharts: each key result's check-ins against its ideal line, and the alignment map.
(function () {
  const BLUE = "#206bc4", GREY = "#9ba9be";

  function colour(progress) {
    if (progress === null || progress === undefined) return GREY;
    if (progress >= 0.7) return "#2fb344";
    if (progress >= 0.4) return "#f59f00";
    return "#d63939";
  }

  function keyResultCharts() {
    document.querySelectorAll(".kr-chart").forEach((element) => {
      const source = document.getElementById(element.dataset.chart);
      if (!source) return;
      const data = JSON.parse(source.textContent);
      const chart = echarts.init(element);
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        grid: { left: 40, right: 12, top: 12, bottom: 24 },
        xAxis: { type: "time", min: data.start, max: data.end, axisLabel: { hideOverlap: true } },
        yAxis: { type: "value", scale: true },
        series: [
          { name: data.names.ideal, type: "line", symbol: "none", lineStyle: { type: "dashed", color: GREY },
            data: [[data.start, data.from], [data.end, data.to]] },
          { name: data.names.value, type: "line", step: "end", symbolSize: 7, lineStyle: { color: BLUE, width: 2 },
            itemStyle: { color: BLUE }, data: data.values },
        ],
      });
      window.addEventListener("resize", () => chart.resize());
    });
  }

  function paint(node) {
    node.itemStyle = { color: colour(node.progress), borderColor: colour(node.progress) };
    node.value = node.progress;
    (node.children || []).forEach(paint);
    return node;
  }

  function alignmentMap() {
    const element = document.getElementById("alignment-map");
    const source = document.getElementById("alignment-data");
    if (!element || !source) return;
    const data = JSON.parse(source.textContent);
    const labels = JSON.parse(document.getElementById("alignment-labels").textContent);
    const root = paint({ name: data.name, progress: null, children: data.children });
    const many = data.count > 60;
    const chart = echarts.init(element);
    chart.setOption({
      tooltip: {
        trigger: "item",
        formatter: (p) => {
          const d = p.data;
          if (d.progress === null || d.progress === undefined) return echarts.format.encodeHTML(d.name);
          return `<strong>${echarts.format.encodeHTML(d.name)}</strong><br>${echarts.format.encodeHTML(labels.owner)}: ` +
            `${echarts.format.encodeHTML(d.owner || "")}<br>${echarts.format.encodeHTML(labels.progress)}: ${Math.round(d.progress * 100)}%`;
        },
      },
      series: [{
        type: "tree", data: [root], orient: "LR", roam: true, expandAndCollapse: true,
        // Large trees open two levels deep, so 500 objectives stay readable; a click unfolds the rest.
        initialTreeDepth: many ? 2 : -1,
        top: "6%", bottom: "4%", left: "4%", right: "20%", symbolSize: 11,
        // Above each node, so a parent's title never runs into the lines of what is aligned under it.
        label: {
          position: "top", align: "center", distance: 6, fontSize: 12, width: 170, overflow: "truncate",
          formatter: (p) => {
            const pct = p.data.progress === null || p.data.progress === undefined ? "" : ` · ${Math.round(p.data.progress * 100)}%`;
            return p.data.more ? `${p.name}${pct} (+${p.data.more})` : `${p.name}${pct}`;
          },
        },
        leaves: { label: { position: "right", align: "left", verticalAlign: "middle", width: 220 } },
        lineStyle: { color: "#d0d7e2" },
        animationDuration: 300,
      }],
    });
    // A click folds or unfolds, or, on a node whose objectives are not drawn, opens the map there;
    // a double click opens the objective.
    chart.on("click", (p) => {
      if (p.data && p.data.id && p.data.more) window.location.href = `?root=${p.data.id}`;
    });
    chart.on("dblclick", (p) => { if (p.data && p.data.id) window.location.href = `/okrs/objectives/${p.data.id}/`; });
    window.addEventListener("resize", () => chart.resize());
  }

  function start() {
    if (typeof echarts === "undefined") return;
    keyResultCharts();
    alignmentMap();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
