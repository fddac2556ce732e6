// forcemap figures: draws each server-rendered Plotly figure (a JSON data block after its
// div.plotly-graph-div), so that pages need no inline script (Content-Security-Policy).
(function () {
  "use strict";
  function draw() {
    document.querySelectorAll("script.fm-figure").forEach(function (block) {
      var div = block.previousElementSibling;
      if (!div || !div.classList.contains("plotly-graph-div")) { return; }
      var spec = JSON.parse(block.textContent);
      window.Plotly.newPlot(div, spec.data, spec.layout, spec.config);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
