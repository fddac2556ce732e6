"""An offline, self-contained interactive HTML view of a network (inline SVG + plain JS).

Positions are computed here (igraph Fruchterman–Reingold, or DrL for large graphs); the page
has no external resources: no CDN, no fonts, no files beside it.
"""

from __future__ import annotations

import json
import os
import random
from html import escape
from pathlib import Path
from typing import Literal

import igraph as ig
import numpy as np
import pyarrow.compute as pc

from forcemap.errors import InputError, StoreError
from forcemap.network.analyse import NetworkAnalysis, _collapsed, _graph
from forcemap.network.build import Network

__all__ = ["layout", "to_html"]

_PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
)


def layout(network: Network, *, seed: int = 0, drl_above: int = 5000) -> np.ndarray:
    """Node positions (x, y) in node order, scaled to [0, 1].

    Parameters
    ----------
    network : Network
        The network (layers summed; flows laid out undirected).
    seed : int, default 0
        Seed of igraph's random generator (restored to Python's ``random`` afterwards).
    drl_above : int, default 5000
        Use DrL instead of weighted Fruchterman–Reingold above this many nodes.

    Returns
    -------
    numpy.ndarray
        Shape (n, 2).

    References
    ----------
    Fruchterman, T. M. J., & Reingold, E. M. (1991). Graph drawing by force-directed
    placement. Software: Practice and Experience 21(11), 1129–1164. doi:10.1002/spe.4380211102
    """
    src, tgt, w, ids = _collapsed(network)
    n = len(ids)
    if n == 0:
        return np.zeros((0, 2))
    g = _graph(n, src, tgt, directed=False)
    ig.set_random_number_generator(random.Random(seed))
    try:
        if n > drl_above:
            lay = g.layout_drl(weights=w.tolist() or None)
        else:
            lay = g.layout_fruchterman_reingold(weights=w.tolist() or None, niter=500)
    finally:
        ig.set_random_number_generator(random)
    xy = np.asarray(lay.coords, dtype=np.float64).reshape(n, 2)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    out: np.ndarray = (xy - lo) / span
    return out


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>__TITLE__</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;display:flex;height:100vh}
#side{width:260px;padding:10px;border-right:1px solid #ccc;overflow:auto;font-size:13px}
#main{flex:1;position:relative}svg{width:100%;height:100%}
circle{stroke:#fff;stroke-width:.5}circle.dim{opacity:.08}line{stroke:#999;stroke-opacity:.35}
line.dim{stroke-opacity:.03}#tip{position:absolute;background:#fff;border:1px solid #888;
padding:4px 6px;font-size:12px;pointer-events:none;display:none}
.sw{display:inline-block;width:10px;height:10px;margin-right:4px}
</style></head><body>
<div id="side"><h3>__TITLE__</h3><p>__NOTE__</p>
<label>Filter <select id="fkey"><option value="">(none)</option><option value="type">type
</option><option value="country">country</option><option value="community">community</option>
</select></label><br><select id="fval" multiple size="10" style="width:100%"></select>
<h4>Colour: __COLOR_BY__</h4><div id="legend"></div></div>
<div id="main"><svg id="svg" viewBox="-20 -20 1040 1040"><g id="edges"></g><g id="nodes">
</g></svg><div id="tip"></div></div>
<script>
const D=__DATA__;
const NS="http://www.w3.org/2000/svg",eg=document.getElementById("edges"),
ng=document.getElementById("nodes"),tip=document.getElementById("tip");
const circles=[],lines=[];
D.edges.forEach(e=>{const l=document.createElementNS(NS,"line"),a=D.nodes[e[0]],b=D.nodes[e[1]];
l.setAttribute("x1",a.x);l.setAttribute("y1",a.y);l.setAttribute("x2",b.x);
l.setAttribute("y2",b.y);l.setAttribute("stroke-width",e[2]);eg.appendChild(l);lines.push(l);});
D.nodes.forEach((n,i)=>{const c=document.createElementNS(NS,"circle");c.setAttribute("cx",n.x);
c.setAttribute("cy",n.y);c.setAttribute("r",n.r);c.setAttribute("fill",D.colors[n.c]);
c.addEventListener("mousemove",ev=>{tip.style.display="block";tip.style.left=(ev.offsetX+12)+"px";
tip.style.top=(ev.offsetY+12)+"px";tip.textContent=n.label+" | "+n.type+" | "+n.country+
" | community "+n.community+" | strength "+n.strength;});
c.addEventListener("mouseleave",()=>{tip.style.display="none";});ng.appendChild(c);
circles.push(c);});
const lg=document.getElementById("legend");Object.keys(D.colors).forEach(k=>{
const d=document.createElement("div");d.innerHTML='<span class="sw"></span>';
d.firstChild.style.background=D.colors[k];d.appendChild(document.createTextNode(k));
lg.appendChild(d);});
const fkey=document.getElementById("fkey"),fval=document.getElementById("fval");
fkey.addEventListener("change",()=>{fval.innerHTML="";const k=fkey.value;if(!k){apply();return;}
[...new Set(D.nodes.map(n=>String(n[k])))].sort().forEach(v=>{const o=document.createElement(
"option");o.value=v;o.textContent=v;fval.appendChild(o);});apply();});
fval.addEventListener("change",apply);
function apply(){const k=fkey.value,sel=new Set([...fval.selectedOptions].map(o=>o.value));
const on=D.nodes.map(n=>!k||sel.size===0||sel.has(String(n[k])));
circles.forEach((c,i)=>c.classList.toggle("dim",!on[i]));
lines.forEach((l,j)=>{const e=D.edges[j];l.classList.toggle("dim",!(on[e[0]]&&on[e[1]]));});}
</script></body></html>
"""


def to_html(
    network: Network,
    path: str | os.PathLike[str],
    *,
    analysis: NetworkAnalysis | None = None,
    color_by: Literal["type", "community"] = "type",
    size_by: str = "strength",
    max_nodes: int = 2000,
    title: str | None = None,
    seed: int = 0,
) -> Path:
    """Write a self-contained interactive HTML view (hover details, filter by type/country/
    community).

    Parameters
    ----------
    network : Network
        The network.
    path : str or PathLike
        Output ``.html`` file.
    analysis : NetworkAnalysis, optional
        Needed for ``color_by="community"``; adds communities to hovers and filters.
    color_by : {"type", "community"}, default "type"
        Node colour.
    size_by : str, default "strength"
        A numeric node column (of the network or the analysis) for the node radius (√-scaled).
    max_nodes : int, default 2000
        Keep the strongest nodes (by strength) and the edges among them; the page says so
        when nodes are left out.
    title : str, optional
        Page title (default: the network kind).
    seed : int, default 0
        Layout seed.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        ``color_by="community"`` without an analysis, or an unknown ``size_by`` column.
    StoreError
        The file cannot be written.
    """
    from forcemap.network.analyse import node_table
    from forcemap.network.build import network_from_tables

    if color_by not in ("type", "community"):
        raise InputError(f"color_by must be 'type' or 'community', got {color_by!r}")
    if color_by == "community" and analysis is None:
        raise InputError("color_by='community' needs an analysis (forcemap.network.analyse)")
    nodes = node_table(network, analysis)
    if size_by not in nodes.column_names:
        raise InputError(f"size_by: no node column {size_by!r}")
    n_all = nodes.num_rows
    note = f"{n_all} nodes, {network.edges.num_rows} edges."
    sub = network
    if n_all > max_nodes:
        idx = pc.sort_indices(nodes, sort_keys=[("strength", "descending")])[:max_nodes]
        nodes = nodes.take(np.sort(idx.to_numpy()))  # the strongest, in node order
        keep = nodes["node_id"]
        e = network.edges.filter(
            pc.and_(
                pc.is_in(network.edges["source"], keep), pc.is_in(network.edges["target"], keep)
            )
        )
        sub = network_from_tables(nodes, e, directed=network.directed)
        note += f" Showing the {max_nodes} strongest nodes and the edges among them."
    xy = layout(sub, seed=seed) * 1000.0
    sizes = np.nan_to_num(nodes[size_by].to_numpy(zero_copy_only=False).astype(float))
    smax = sizes.max() if len(sizes) and sizes.max() > 0 else 1.0
    radius = 2.0 + 12.0 * np.sqrt(np.clip(sizes, 0, None) / smax)
    comm = (
        nodes["community"].to_pylist()
        if "community" in nodes.column_names
        else [None] * nodes.num_rows
    )
    keys = [str(c) for c in (comm if color_by == "community" else nodes["type"].to_pylist())]
    order = sorted(set(keys), key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))
    colors = {k: _PALETTE[i % len(_PALETTE)] for i, k in enumerate(order)}
    data_nodes = [
        {
            "x": round(float(xy[i, 0]), 1),
            "y": round(float(xy[i, 1]), 1),
            "r": round(float(radius[i]), 1),
            "c": keys[i],
            "label": lab,
            "type": typ,
            "country": cc,
            "community": comm[i],
            "strength": round(float(s), 3),
        }
        for i, (lab, typ, cc, s) in enumerate(
            zip(
                nodes["label"].to_pylist(),
                nodes["type"].to_pylist(),
                nodes["country_code"].to_pylist(),
                nodes["strength"].to_pylist(),
                strict=True,
            )
        )
    ]
    src, tgt, w, _ = _collapsed(sub)
    wmax = w.max() if len(w) else 1.0
    data_edges = [
        [int(a), int(b), round(0.3 + 2.5 * float(x) / wmax, 2)]
        for a, b, x in zip(src, tgt, w, strict=True)
    ]
    data = json.dumps(
        {"nodes": data_nodes, "edges": data_edges, "colors": colors}, ensure_ascii=True
    ).replace("</", "<\\/")
    t = escape(title or f"forcemap {network.meta.get('kind', 'network')}")
    html = (
        _TEMPLATE.replace("__TITLE__", t)
        .replace("__NOTE__", escape(note))
        .replace("__COLOR_BY__", escape(color_by))
        .replace("__DATA__", data)
    )
    try:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(html, encoding="utf-8")
    except OSError as e:
        raise StoreError(f"cannot write {path}: {e}") from e
    return p
