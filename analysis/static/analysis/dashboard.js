/* The dashboard's charts: ECharts fed from the page's embedded data (analysis-data).
   Clicking a map area drills down to it (same period). No network beyond map.json. */
(function () {
  "use strict";
  var root = document.getElementById("analysis-root");
  var dataEl = document.getElementById("analysis-data");
  if (!root || !dataEl || !window.echarts) { return; }
  var data = JSON.parse(dataEl.textContent);
  var t = data.text;
  var charts = [];
  var palette = ["#2f6fdf", "#f29d38", "#3aa776", "#d9534f", "#7b61c9", "#20a4b8", "#9c7b4f", "#8a8f98"];

  function make(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var chart = echarts.init(el, null, {renderer: "canvas"});
    charts.push(chart);
    return chart;
  }

  function drillUrl(code) {
    var params = new URLSearchParams(window.location.search);
    params.set("region", code);
    return "?" + params.toString();
  }

  var trend = make("chart-trend");
  if (trend) {
    trend.setOption({
      color: palette, tooltip: {trigger: "axis"}, legend: {top: 0},
      grid: {left: 36, right: 12, top: 32, bottom: 28},
      xAxis: {type: "category", data: data.trend.map(function (r) { return r.label; })},
      yAxis: {type: "value", minInterval: 1},
      series: [
        {name: t.submitted, type: "line", smooth: true, areaStyle: {opacity: 0.15}, data: data.trend.map(function (r) { return r.n; })},
        {name: t.completed, type: "line", smooth: true, data: data.trend.map(function (r) { return r.completed; })},
        {name: t.overdue, type: "bar", data: data.trend.map(function (r) { return r.overdue; })}
      ]
    });
  }

  function pie(id, rows) {
    var chart = make(id);
    if (!chart) { return; }
    chart.setOption({
      color: palette, tooltip: {trigger: "item", formatter: "{b}：{c}" + t.pieces + "（{d}%）"},
      legend: {type: "scroll", bottom: 0, itemWidth: 10, itemHeight: 10, textStyle: {fontSize: 11}},
      series: [{type: "pie", radius: ["30%", "60%"], center: ["50%", "44%"], label: {show: false},
                data: rows.map(function (r) { return {name: r.name, value: r.n}; })}]
    });
  }

  function bars(id, rows) {
    var chart = make(id);
    if (!chart) { return; }
    var top = rows.slice(0, 10).reverse();
    chart.setOption({
      color: palette, tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
      grid: {left: 76, right: 12, top: 8, bottom: 20},
      xAxis: {type: "value", minInterval: 1},
      yAxis: {type: "category", data: top.map(function (r) { return r.name; }), axisLabel: {fontSize: 11}},
      series: [{type: "bar", data: top.map(function (r) { return r.n; })}]
    });
  }

  pie("chart-kind", data.breakdowns.kind);
  pie("chart-channel", data.breakdowns.channel);
  bars("chart-severity", data.breakdowns.severity);
  bars("chart-category", data.breakdowns.category);

  var mapChart = make("chart-map");
  var metric = "n";
  var byCode = {};
  data.children.forEach(function (c) { byCode[c.code] = c; });

  function mapOption(geo) {
    var rows = data.children.map(function (c) {
      return {name: c.code, value: c[metric] === null ? 0 : c[metric], label: c.name};
    });
    var max = Math.max.apply(null, rows.map(function (r) { return r.value; }).concat([1]));
    var points = data.points.map(function (p) { return {value: [p.lng, p.lat, p.n], overdue: p.overdue}; });
    return {
      tooltip: {trigger: "item", formatter: function (p) {
        if (p.seriesType === "scatter") { return t.submitted + " " + p.value[2] + " " + t.pieces; }
        var c = byCode[p.name];
        if (!c) { return p.name; }
        return c.name + "<br>" + t.submitted + " " + c.n + " " + t.pieces +
          (c.per10k !== null ? "（" + t.per10k + " " + c.per10k + "）" : "") +
          "<br>" + t.overdue_open + " " + c.overdue_open + " " + t.pieces + "<br>" + t.drill;
      }},
      visualMap: {min: 0, max: max, left: 4, bottom: 4, calculable: true, itemHeight: 80,
                  inRange: {color: metric === "overdue_open" ? ["#fff4e5", "#d9534f"] : ["#e8f0fe", "#2f6fdf"]},
                  seriesIndex: 0},
      geo: {map: "scope", nameProperty: "code", roam: true, label: {show: true, fontSize: 10,
            formatter: function (p) { return byCode[p.name] ? byCode[p.name].name : ""; }},
            itemStyle: {borderColor: "#fff"}},
      series: [
        {type: "map", geoIndex: 0, data: rows},
        {type: "scatter", coordinateSystem: "geo", data: points,
         symbolSize: function (v) { return Math.min(26, 6 + Math.sqrt(v[2]) * 3); },
         itemStyle: {color: "#f29d38", borderColor: "#fff"}, tooltip: {trigger: "item"}}
      ]
    };
  }

  if (mapChart) {
    var url = root.dataset.mapUrl + (root.dataset.region ? "?region=" + root.dataset.region : "");
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (geo) {
      if (!geo.features || !geo.features.length) { mapChart.getDom().classList.add("d-none"); return; }
      echarts.registerMap("scope", geo);
      mapChart.setOption(mapOption(geo));
      mapChart.on("click", function (p) {
        if (p.componentType === "geo" || p.seriesType === "map") {
          if (byCode[p.name]) { window.location.href = drillUrl(p.name); }
        }
      });
      document.querySelectorAll("[data-map-metric]").forEach(function (btn) {
        btn.addEventListener("click", function () {
          document.querySelectorAll("[data-map-metric]").forEach(function (b) { b.classList.remove("active"); });
          btn.classList.add("active");
          metric = btn.dataset.mapMetric;
          mapChart.setOption(mapOption(geo), {replaceMerge: ["series"]});
        });
      });
    });
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
