// forcemap network explorer: draws the server-computed layout as SVG, filters, node details.
(function () {
  "use strict";
  var el = document.getElementById("graph-data");
  if (!el) { return; }
  var D = JSON.parse(el.textContent);
  var NS = "http://www.w3.org/2000/svg";
  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173",
    "#3182bd"];
  var edgesG = document.getElementById("edges"), nodesG = document.getElementById("nodes");
  var index = {}, circles = [], lines = [];
  D.nodes.forEach(function (n, i) { index[n.id] = i; });
  function key(n, k) { var v = n[k]; return v === null || v === undefined ? "(none)" : String(v); }
  var colourKey = D.color_by;
  function byValue(a, b) {
    var x = Number(a), y = Number(b);
    return (isNaN(x) || isNaN(y)) ? (a < b ? -1 : a > b ? 1 : 0) : x - y;
  }
  var keys = Array.from(new Set(D.nodes.map(function (n) { return key(n, colourKey); }))).sort(byValue);
  var colours = {};
  keys.forEach(function (k, i) { colours[k] = i < PALETTE.length ? PALETTE[i] : "#b0b6c2"; });
  var smax = Math.max.apply(null, D.nodes.map(function (n) { return n.strength || 0; }).concat([1]));
  var wmax = Math.max.apply(null, D.edges.map(function (e) { return e.weight || 0; }).concat([1]));
  D.edges.forEach(function (e) {
    var a = D.nodes[index[e.source]], b = D.nodes[index[e.target]];
    if (!a || !b) { return; }
    var l = document.createElementNS(NS, "line");
    l.setAttribute("x1", a.x * 1000); l.setAttribute("y1", a.y * 1000);
    l.setAttribute("x2", b.x * 1000); l.setAttribute("y2", b.y * 1000);
    l.setAttribute("stroke-width", (0.3 + 2.5 * (e.weight || 0) / wmax).toFixed(2));
    edgesG.appendChild(l); lines.push([l, index[e.source], index[e.target]]);
  });
  D.nodes.forEach(function (n, i) {
    var c = document.createElementNS(NS, "circle");
    c.setAttribute("cx", n.x * 1000); c.setAttribute("cy", n.y * 1000);
    c.setAttribute("r", (3 + 13 * Math.sqrt(Math.max(n.strength || 0, 0) / smax)).toFixed(1));
    c.setAttribute("fill", colours[key(n, colourKey)]);
    c.setAttribute("data-id", n.id);
    var t = document.createElementNS(NS, "title"); t.textContent = n.label || n.id;
    c.appendChild(t);
    c.addEventListener("click", function () { select(i); });
    nodesG.appendChild(c); circles.push(c);
  });
  var legend = document.getElementById("legend");
  keys.slice(0, PALETTE.length).forEach(function (k) {
    var d = document.createElement("div"), s = document.createElement("span");
    s.className = "sw"; s.style.background = colours[k]; d.appendChild(s);
    d.appendChild(document.createTextNode(k)); legend.appendChild(d);
  });
  if (keys.length > PALETTE.length) {
    var more = document.createElement("div");
    more.textContent = (keys.length - PALETTE.length) + " more in grey"; legend.appendChild(more);
  }
  var filters = { type: "f-type", region: "f-region", community: "f-community" };
  Object.keys(filters).forEach(function (k) {
    var sel = document.getElementById(filters[k]);
    Array.from(new Set(D.nodes.map(function (n) { return key(n, k); }))).sort(byValue).forEach(function (v) {
      var o = document.createElement("option"); o.value = v; o.textContent = v; sel.appendChild(o);
    });
    sel.addEventListener("change", apply);
  });
  document.getElementById("f-clear").addEventListener("click", function () {
    Object.keys(filters).forEach(function (k) {
      Array.from(document.getElementById(filters[k]).options).forEach(function (o) { o.selected = false; });
    });
    apply();
  });
  function apply() {
    var chosen = {};
    Object.keys(filters).forEach(function (k) {
      chosen[k] = new Set(Array.from(document.getElementById(filters[k]).selectedOptions)
        .map(function (o) { return o.value; }));
    });
    var on = D.nodes.map(function (n) {
      return Object.keys(chosen).every(function (k) { return chosen[k].size === 0 || chosen[k].has(key(n, k)); });
    });
    circles.forEach(function (c, i) { c.classList.toggle("dim", !on[i]); });
    lines.forEach(function (l) { l[0].classList.toggle("dim", !(on[l[1]] && on[l[2]])); });
  }
  function fmt(v) { return v === null || v === undefined ? "–" : (typeof v === "number" && !Number.isInteger(v) ? v.toPrecision(4) : String(v)); }
  function select(i) {
    circles.forEach(function (c) { c.classList.remove("sel"); });
    circles[i].classList.add("sel");
    var n = D.nodes[i], box = document.getElementById("node-details");
    box.innerHTML = "";
    var h = document.createElement("h3"); h.textContent = n.label || n.id; box.appendChild(h);
    var tbl = document.createElement("table");
    [["id", n.id], ["type", n.type], ["country", n.country_code], ["region", n.region],
     ["community", n.community], ["degree", n.degree], ["strength", n.strength],
     ["PageRank", n.pagerank], ["constraint", n.constraint], ["effective size", n.effective_size],
     ["k-core", n.coreness]].forEach(function (r) {
      var tr = document.createElement("tr"), th = document.createElement("th"), td = document.createElement("td");
      th.textContent = r[0]; td.textContent = fmt(r[1]); tr.appendChild(th); tr.appendChild(td); tbl.appendChild(tr);
    });
    box.appendChild(tbl);
    if (D.linkable) {
      var a = document.createElement("a"); a.href = "/organizations/" + encodeURIComponent(n.id);
      a.textContent = "Organisation profile →"; a.id = "node-profile-link"; box.appendChild(a);
    }
  }
})();
