// Charts of the supervision dashboards (supervision/_chart.html): every [data-chart] container on the page is
// drawn with the vendored Apache ECharts from its <script type="application/json"> data (the CSP allows no
// inline script). The table beside each chart holds every number; "下载 PNG" saves the drawing
// (getDataURL), "下载 CSV" the table (UTF-8 with a BOM, so that Excel reads the Chinese). No animation when the
// person asked for reduced motion; redrawn when the container's width changes (a phone turned, a window
// resized). Tooltips are drawn on the canvas (renderMode richText), not as HTML with inline styles.
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var COLORS = ["#0b4ea2", "#1a7f37", "#9a6700", "#6639ba", "#57606a", "#c8161d"];
  var RED = "#c8161d";
  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var drawn = {};

  function dataOf(id) {
    var el = document.getElementById("chart-" + id + "-data");
    return el ? JSON.parse(el.textContent) : null;
  }

  function elderly() { return document.body.classList.contains("elderly"); }

  function format(data) {
    return function (value) {
      if (value === null || value === undefined || value === "-") { return "—"; }
      return data.unit === "percent" ? value + "%" : String(value);
    };
  }

  function option(data, el) {
    var size = elderly() ? 16 : 12;
    var ink = elderly() ? "#000" : "#57606a";  // axis text: the page's muted colour, black in 长辈版
    var narrow = el.clientWidth < 520;
    var percent = data.unit === "percent";
    var fmt = format(data);
    var valueAxis = {
      type: "value", min: 0, max: percent ? 100 : null, minInterval: data.unit === "count" ? 1 : null,
      splitNumber: narrow ? 2 : 5,
      axisLabel: { fontSize: size, color: ink, formatter: percent ? "{value}%" : "{value}" }
    };
    var marked = data.kind === "bar" && data.threshold !== null && data.threshold !== undefined;
    var base = {
      animation: !reduced,
      color: COLORS,
      textStyle: { fontSize: size, color: "#1f2328" },
      tooltip: { renderMode: "richText", trigger: data.kind === "line" ? "axis" : "item", valueFormatter: fmt },
      legend: { show: data.series.length > 1, top: 0, textStyle: { fontSize: size, color: "#1f2328" } },
      grid: {
        left: 8, right: data.kind === "bar" ? 56 : 16, top: data.series.length > 1 || marked ? size * 2 + 12 : 12,
        bottom: 8, containLabel: true
      }
    };
    if (data.kind === "bar") {
      // Units along the vertical axis (long Chinese names stay readable), the first at the top.
      base.yAxis = {
        type: "category", inverse: true, data: data.categories,
        axisLabel: { fontSize: size, color: ink, width: narrow ? 96 : 180, overflow: "truncate" }
      };
      base.xAxis = valueAxis;
      base.series = data.series.map(function (s, i) {
        var series = {
          type: "bar", name: s.name, data: s.values, barMaxWidth: elderly() ? 32 : 24,
          label: { show: true, position: "right", fontSize: size, formatter: function (p) { return fmt(p.value); } }
        };
        if (marked && i === 0) {
          // the target: a dashed line, and the bars below it in red (the table gives the numbers)
          series.data = s.values.map(function (v) {
            return v !== null && v < data.threshold ? { value: v, itemStyle: { color: RED } } : v;
          });
          series.markLine = {
            silent: true, symbol: "none", animation: !reduced,
            lineStyle: { color: RED, type: "dashed", width: 2 },
            label: { formatter: fmt(data.threshold), position: "start", fontSize: size, color: RED },
            data: [{ xAxis: data.threshold }]
          };
        }
        return series;
      });
    } else {
      base.xAxis = { type: "category", data: data.categories, axisLabel: { fontSize: size, color: ink, hideOverlap: true } };
      base.yAxis = valueAxis;
      base.series = data.series.map(function (s) {
        return { type: "line", name: s.name, data: s.values, connectNulls: false, showSymbol: data.categories.length <= (narrow ? 16 : 45), symbolSize: elderly() ? 8 : 5 };
      });
    }
    return base;
  }

  function height(data) {
    if (data.kind !== "bar") { return null; }
    var row = elderly() ? 40 : 30;
    var top = data.series.length > 1 || (data.threshold !== null && data.threshold !== undefined) ? 40 : 0;
    return Math.max(160, data.categories.length * row + 48 + top) + "px";
  }

  function draw(el) {
    var id = el.getAttribute("data-chart");
    var data = dataOf(id);
    if (!data) { return; }
    el.hidden = false;
    var h = height(data);
    if (h) { el.style.height = h; }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option(data, el));
    drawn[id] = { chart: chart, data: data, el: el, width: el.clientWidth };
    var actions = el.closest("figure").querySelector(".chart-actions");
    if (actions) { actions.hidden = false; }
  }

  function redraw() {
    Object.keys(drawn).forEach(function (id) {
      var d = drawn[id];
      if (d.el.clientWidth === d.width) { return; }
      d.width = d.el.clientWidth;
      d.chart.setOption(option(d.data, d.el));
      d.chart.resize();
    });
  }

  function save(href, filename) {
    var a = document.createElement("a");
    a.href = href;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  function filename(id, ext) {
    var table = document.getElementById("chart-" + id + "-table");
    var name = (table && table.getAttribute("data-filename")) || id;
    return name.replace(/[\\/:*?"<>|]+/g, "-") + "." + ext;
  }

  function csvOf(table) {
    var lines = Array.prototype.map.call(table.querySelectorAll("thead tr, tbody tr"), function (tr) {
      return Array.prototype.map.call(tr.cells, function (cell) {
        var text = cell.textContent.replace(/\s+/g, " ").trim();
        return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
      }).join(",");
    });
    return "\uFEFF" + lines.join("\r\n") + "\r\n";
  }

  document.addEventListener("click", function (event) {
    var png = event.target.closest("[data-chart-png]");
    var csv = event.target.closest("[data-chart-csv]");
    if (png) {
      var d = drawn[png.getAttribute("data-chart-png")];
      if (d) {
        save(d.chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" }), filename(d.data.id, "png"));
      }
    } else if (csv) {
      var id = csv.getAttribute("data-chart-csv");
      var table = document.getElementById("chart-" + id + "-table");
      if (table) {
        var url = URL.createObjectURL(new Blob([csvOf(table)], { type: "text/csv;charset=utf-8" }));
        save(url, filename(id, "csv"));
        setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
      }
    }
  });

  function start() {
    document.querySelectorAll("[data-chart]").forEach(draw);
    var timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(redraw, 150);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
