/* Printing: each plotly chart redrawn at the page's width before the browser prints (a chart
   keeps its screen width otherwise and is cut off on A4), and again after (print.css). */
(function () {
  function redraw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll(".js-plotly-plot").forEach(function (graph) {
      window.Plotly.Plots.resize(graph);
    });
  }
  window.addEventListener("beforeprint", redraw);
  window.addEventListener("afterprint", redraw);
  if (window.matchMedia) {
    window.matchMedia("print").addEventListener("change", redraw);
  }
})();
