// forcemap science map: draws the server-laid-out network of /mapping/network with WebGL
// (sigma.js + graphology, vendored under /static/vendor/). Positions and clusters come from the
// JSON data block #map-data; nothing is computed here but sizes, colours and highlights.
(function () {
  "use strict";
  var block = document.getElementById("map-data");
  var container = document.getElementById("sigma-container");
  if (!block || !container) { return; }
  var data = JSON.parse(block.textContent);
  var G = window.graphology;
  var GraphCls = G && (G.UndirectedGraph || G.Graph || G);
  var S = window.Sigma;
  var SigmaCls = S && (S.Sigma || S.default || S);
  var details = document.getElementById("map-details");
  var legend = document.getElementById("map-legend");
  var labelsBox = document.getElementById("cluster-labels");
  var OTHER = "#b8b8b8";

  var clusters = {};
  data.clusters.forEach(function (c) { clusters[c.cluster] = c; });
  function colourOf(k) { return clusters[k] ? clusters[k].colour : OTHER; }

  var smax = 0, wmax = 0;
  data.nodes.forEach(function (n) { smax = Math.max(smax, n.strength || 0); });
  data.edges.forEach(function (e) { wmax = Math.max(wmax, e.weight || 0); });
  smax = smax || 1; wmax = wmax || 1;

  var graph = new GraphCls();
  var byId = {};
  data.nodes.forEach(function (n) {
    byId[n.id] = n;
    graph.addNode(n.id, {
      x: n.x, y: 1 - n.y,
      size: 2 + 10 * Math.sqrt((n.strength || 0) / smax),
      color: colourOf(n.cluster),
      label: n.label || n.id
    });
  });
  data.edges.forEach(function (e) {
    if (byId[e.source] && byId[e.target] && !graph.hasEdge(e.source, e.target)) {
      graph.addEdge(e.source, e.target, {
        size: 0.3 + 1.7 * (e.weight || 0) / wmax, color: "rgba(110,110,110,0.3)"
      });
    }
  });

  var renderer;
  try {
    renderer = new SigmaCls(graph, container, {
      renderEdgeLabels: false,
      labelRenderedSizeThreshold: 9,
      labelDensity: 0.4,
      zIndex: true
    });
  } catch (err) {
    container.textContent = "This browser cannot draw the map (WebGL unavailable): " + err.message;
    return;
  }
  container.setAttribute("data-nodes", String(graph.order));
  container.setAttribute("data-edges", String(graph.size));

  var hovered = null, focusCluster = null, neighbours = null;
  function dim(node) {
    if (hovered !== null) { return node !== hovered && !neighbours.has(node); }
    if (focusCluster !== null) { return byId[node].cluster !== focusCluster; }
    return false;
  }
  renderer.setSetting("nodeReducer", function (node, attrs) {
    if (!dim(node)) { return hovered === node ? Object.assign({}, attrs, { highlighted: true }) : attrs; }
    return Object.assign({}, attrs, { color: "#e8e8e8", label: "", zIndex: 0 });
  });
  renderer.setSetting("edgeReducer", function (edge, attrs) {
    if (hovered === null && focusCluster === null) { return attrs; }
    var ends = graph.extremities(edge);
    if (hovered !== null) {
      return (ends[0] === hovered || ends[1] === hovered)
        ? Object.assign({}, attrs, { color: "rgba(60,60,60,0.6)" })
        : Object.assign({}, attrs, { hidden: true });
    }
    return (byId[ends[0]].cluster === focusCluster && byId[ends[1]].cluster === focusCluster)
      ? attrs : Object.assign({}, attrs, { hidden: true });
  });

  function show(nodeId) {
    var n = byId[nodeId];
    if (!details || !n) { return; }
    var box = document.getElementById("node-box");
    if (!box) {
      box = document.createElement("div");
      box.id = "node-box";
      details.insertBefore(box, details.children[1] || null);
      var hint = details.querySelector("p.muted");
      if (hint) { hint.remove(); }
    }
    box.textContent = "";
    var h = document.createElement("h4");
    h.textContent = n.label || n.id;
    box.appendChild(h);
    var c = clusters[n.cluster];
    [["id", n.id], ["cluster", n.cluster + (c ? " — " + c.label : "")],
     ["occurrences", n.n_docs], ["links", n.links],
     ["link strength", (n.strength || 0).toLocaleString()]].forEach(function (kv) {
      var p = document.createElement("p");
      var b = document.createElement("b");
      b.textContent = kv[0] + ": ";
      p.appendChild(b);
      p.appendChild(document.createTextNode(String(kv[1])));
      box.appendChild(p);
    });
  }
  renderer.on("enterNode", function (ev) {
    hovered = ev.node;
    neighbours = new Set(graph.neighbors(ev.node));
    show(ev.node);
    renderer.refresh();
  });
  renderer.on("leaveNode", function () { hovered = null; neighbours = null; renderer.refresh(); });
  renderer.on("clickNode", function (ev) { show(ev.node); });

  // cluster legend (click: show one cluster only) and labels at the clusters' centres
  var centres = [];
  data.clusters.forEach(function (c) {
    if (!c.shown || c.colour === OTHER) { return; }
    var sx = 0, sy = 0, k = 0;
    data.nodes.forEach(function (n) { if (n.cluster === c.cluster) { sx += n.x; sy += 1 - n.y; k += 1; } });
    var div = document.createElement("div");
    div.className = "cluster-label";
    div.textContent = c.label.split("; ").slice(0, 2).join("; ");
    div.style.borderColor = c.colour;
    labelsBox.appendChild(div);
    centres.push({ x: sx / k, y: sy / k, el: div });
    if (legend) {
      var item = document.createElement("div");
      item.className = "legend-item";
      var sw = document.createElement("span");
      sw.className = "sw";
      sw.style.background = c.colour;
      item.appendChild(sw);
      item.appendChild(document.createTextNode(c.cluster + ": " + c.label));
      item.title = "show this cluster only (click again: all)";
      item.addEventListener("click", function () {
        focusCluster = focusCluster === c.cluster ? null : c.cluster;
        renderer.refresh();
      });
      legend.appendChild(item);
    }
  });
  function placeLabels() {
    centres.forEach(function (c) {
      var p = renderer.graphToViewport({ x: c.x, y: c.y });
      c.el.style.left = p.x + "px";
      c.el.style.top = p.y + "px";
    });
  }
  renderer.on("afterRender", placeLabels);
  placeLabels();
})();
