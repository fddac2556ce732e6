"""Convert world-atlas's ``countries-50m.json`` into the topojson Plotly's geo plots read.

Plotly.js fetches ``<topojsonURL>/world_50m.json`` for a world map (by default from
cdn.plot.ly); forcemap serves its own copy from ``web/static/vendor/`` so nothing is fetched
from the internet. Plotly expects the objects ``countries`` (features whose ``id`` is the
ISO 3166-1 alpha-3 code, matched by ``locationmode="ISO-3"``), ``land`` and ``coastlines``;
world-atlas has ``countries`` (ids: ISO numeric codes as zero-padded strings) and ``land``.
This script maps the numeric ids to alpha-3 with forcemap's country table and adds
``coastlines`` as the outline of ``land`` (same arcs), empty ``ocean``, ``lakes``, ``rivers``
and ``subunits`` layers (Plotly reads every layer it draws; forcemap's maps hide them), and
gives each country ``properties.ct`` = [lon, lat], the centroid of its largest polygon
(Plotly's own files carry the same property; forcemap draws collaboration links between
these points). Features
without an ISO code (e.g. Kosovo, N. Cyprus, Somaliland in Natural Earth) keep no id and are
drawn as plain land.

Usage::

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    PYTHONPATH=src python scripts/plotly_topojson.py package/countries-50m.json \
        src/forcemap/web/static/vendor/world_50m.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from forcemap.store.reference import reference_table


def _decoded_arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """The arcs as absolute (lon, lat) points (quantized, delta-encoded in the file)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            pts.append((x * sx + tx, y * sy + ty))
        out.append(pts)
    return out


def _ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for i in indices:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(a if not pts else a[1:])
    return pts


def _centroid(g: dict[str, Any], arcs: list[list[tuple[float, float]]]) -> list[float] | None:
    """Centroid (lon, lat) of the largest outer ring of a (Multi)Polygon (shoelace)."""
    polys = [g["arcs"]] if g["type"] == "Polygon" else g.get("arcs", [])
    best: tuple[float, float, float] | None = None
    for poly in polys:
        pts = _ring(poly[0], arcs)
        if max(x for x, _ in pts) - min(x for x, _ in pts) > 270:  # across the antimeridian
            pts = [(x + 360 if x < 0 else x, y) for x, y in pts]
        a = cx = cy = 0.0
        for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True):
            c = x0 * y1 - x1 * y0
            a, cx, cy = a + c, cx + (x0 + x1) * c, cy + (y0 + y1) * c
        if a and (best is None or abs(a) > best[0]):
            best = (abs(a), cx / (3 * a), cy / (3 * a))
    if best is None:
        return None
    lon = (best[1] + 180) % 360 - 180
    return [round(lon, 2), round(best[2], 2)]


def convert(src: Path, dst: Path) -> int:
    """Write the Plotly topojson; returns the number of countries given an alpha-3 id."""
    topo = json.loads(src.read_text(encoding="utf-8"))
    t = reference_table("countries")
    iso3 = {
        int(n): c
        for n, c in zip(t["iso_numeric"].to_pylist(), t["iso3"].to_pylist(), strict=True)
        if n is not None and c
    }
    arcs = _decoded_arcs(topo)
    mapped = 0
    for g in topo["objects"]["countries"]["geometries"]:
        g.setdefault("properties", {})["ct"] = _centroid(g, arcs)
        code = iso3.get(int(g["id"])) if str(g.get("id", "")).isdigit() else None
        if code:
            g["id"] = code
            mapped += 1
        else:
            g.pop("id", None)
    land = topo["objects"]["land"]
    topo["objects"]["coastlines"] = {
        "type": "GeometryCollection",
        "geometries": [{"type": g["type"], "arcs": g["arcs"]} for g in land["geometries"]],
    }
    # the other base layers Plotly may draw (ocean, lakes, rivers, subunits): empty here
    for name in ("ocean", "lakes", "rivers", "subunits"):
        topo["objects"][name] = {"type": "GeometryCollection", "geometries": []}
    dst.write_text(json.dumps(topo, separators=(",", ":")), encoding="utf-8")
    return mapped


if __name__ == "__main__":
    n = convert(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{n} countries with an ISO alpha-3 id")
