"""The science-mapping results the pages and the JSON API share (issue 21, item 7).

Each view computes one analysis of the library and shapes it for display; the specs at the
end (:class:`~forcemap.web.state.Cached`) cache them per store and arguments, so a page and
its API twin (:mod:`forcemap.web.mapping`, :mod:`forcemap.web.mapping_api`) show the same
numbers from one computation:

- :func:`science_map_view` — a co-citation, coupling or co-word network
  (:func:`forcemap.network.science_maps.science_map`) with Leiden clusters labelled by their
  strongest nodes and a server-side layout, for the WebGL view (``static/mapping.js``);
- :func:`bursts_view` — Kleinberg bursts (:func:`forcemap.indicators.bursts.bursts`);
- :func:`laws_view` — Lotka's law, Bradford's zones, h/g/m-index tables
  (:mod:`forcemap.indicators.productivity`) and the annual growth of the works;
- :func:`collaboration_view` — output per country and the country collaboration links
  (:func:`forcemap.network.build.build_network`, ``country_collaboration`` on co-authorship)
  with each country's ISO alpha-3 code and map position, for the choropleth.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from forcemap.errors import InputError
from forcemap.indicators.bursts import bursts
from forcemap.indicators.productivity import bradford, hindex_table, lotka
from forcemap.network.analyse import leiden
from forcemap.network.build import build_network, network_from_tables
from forcemap.network.science_maps import science_map
from forcemap.network.view import layout
from forcemap.store.reference import reference_table
from forcemap.store.slices import industry_slice, slice_works_sql
from forcemap.store.store import Store
from forcemap.web.queries import clean, rows
from forcemap.web.state import Cached, WebState

__all__ = [
    "BURSTS",
    "CLUSTER_COLOURS",
    "COLLABORATION",
    "LAWS",
    "MIN_COUNT",
    "SCIENCE_MAP",
    "annual_growth",
    "bursts_view",
    "collaboration_view",
    "laws_view",
    "science_map_view",
]

#: Default ``min_count`` of a science map per kind when none is given: references cited by at
#: least 5 works of the slice (co-citation of every reference of a 7 500-work sample is
#: 167 k nodes and 9 M edges), every work with a reference (coupling), terms on ≥ 2 works.
MIN_COUNT: dict[str, int] = {"cocitation": 5, "coupling": 1, "coword": 2}
#: Colours of the largest clusters, in size order; the others are drawn in :data:`OTHER_COLOUR`.
CLUSTER_COLOURS: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#393b79",
    "#637939",
    "#843c39",
)
OTHER_COLOUR = "#b8b8b8"
#: Terms (node labels) naming a cluster: its strongest nodes.
CLUSTER_LABEL_TERMS = 3
#: The strongest edges among the shown nodes that are drawn: at most this many, and at most
#: :data:`EDGES_PER_NODE` per node drawn.
MAX_EDGES_SHOWN = 20_000
EDGES_PER_NODE = 15
#: The strongest edges among the shown nodes that shape the layout. Fruchterman–Reingold's
#: cost grows with the edges: on the real sample's co-citation map (5 618 nodes) 20 000
#: edges take 1.3 s, DrL on the same graph 64 s (a loaded two-core machine).
LAYOUT_EDGES = 30_000
_VENDOR = Path(__file__).parent / "static" / "vendor"


def _strongest(nodes: pa.Table, n: int) -> np.ndarray:
    """Indices of the ``n`` strongest nodes with at least one link (ties: more documents,
    then node id), in node order."""
    linked = pc.indices_nonzero(pc.greater(nodes["links"], 0)).to_numpy()
    sub = nodes.take(linked)
    order = pc.sort_indices(
        sub,
        sort_keys=[("strength", "descending"), ("n_docs", "descending"), ("node_id", "ascending")],
    ).to_numpy()[:n]
    return np.sort(linked[order])


#: Layout weight of an edge inside a cluster relative to one between clusters.
INTRA_CLUSTER = 3.0


def _layout_weights(
    edges: pa.Table, strength: dict[str, float], cluster: dict[str, int]
) -> np.ndarray:
    """The attraction of each edge in the layout: its association strength
    :math:`w_{ij} / (s_i s_j)` (van Eck & Waltman 2009; so that hubs linked to everything
    do not pull every node into one core), scaled to mean 1, clipped to [0.05, 20], and
    :data:`INTRA_CLUSTER` times stronger inside a cluster (so that clusters separate)."""
    if edges.num_rows == 0:
        return np.zeros(0)
    src, tgt = edges["source"].to_pylist(), edges["target"].to_pylist()
    w = edges["weight"].to_numpy().astype(np.float64)
    si = np.array([strength[a] for a in src]) * np.array([strength[b] for b in tgt])
    a = np.divide(w, si, out=np.zeros_like(w), where=si > 0)
    a = np.clip(a / a.mean(), 0.05, 20.0) if a.mean() > 0 else np.ones_like(w)
    same = np.array([cluster[x] == cluster[y] for x, y in zip(src, tgt, strict=True)])
    out: np.ndarray = np.where(same, a * INTRA_CLUSTER, a)
    return out


def _robust_scale(xy: np.ndarray) -> np.ndarray:
    """Positions rescaled so that the 1st–99th percentile of each axis spans [0.02, 0.98]
    (clipped to [0, 1]): a few nodes of small components pushed far out by the layout do not
    shrink the main component to a dot."""
    if len(xy) < 2:
        return xy
    lo, hi = np.percentile(xy, 1, axis=0), np.percentile(xy, 99, axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    out: np.ndarray = np.clip(0.02 + 0.96 * (xy - lo) / span, 0.0, 1.0)
    return out


def science_map_view(
    store: Store,
    *,
    kind: str = "coword",
    unit: str = "work",
    terms: str = "concept",
    industry: str | None = None,
    years: tuple[int, int] | None = None,
    counting: str = "full",
    normalise: str | None = None,
    min_count: int | None = None,
    min_weight: float = 0.0,
    max_nodes: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """A science map laid out for display: nodes with positions and clusters, the strongest
    edges among them, and the clusters named by their strongest nodes.

    The network is :func:`~forcemap.network.science_maps.science_map` of the arguments
    (``min_count`` None: :data:`MIN_COUNT` of the kind). Clusters are Leiden communities
    maximising modularity (:func:`forcemap.network.analyse.leiden`, resolution 1, ``seed``)
    of the **whole** network, numbered by decreasing size (0 = largest); a cluster is named
    by its :data:`CLUSTER_LABEL_TERMS` strongest nodes (strength = summed edge weight, as
    VOSviewer's "total link strength"). The display keeps the ``max_nodes`` strongest
    linked nodes, less those without a link to another node kept (isolates are counted, not
    drawn), and lays them out with igraph's weighted Fruchterman–Reingold
    (:func:`forcemap.network.view.layout`; igraph's grid variant above 1 000 nodes) on the
    :data:`LAYOUT_EDGES` strongest edges among them plus each node's strongest edge, with
    the attractions of :func:`_layout_weights`, rescaled by :func:`_robust_scale` and seeded
    so that the same request gives the same picture. It returns the strongest edges
    among them (:data:`MAX_EDGES_SHOWN`, :data:`EDGES_PER_NODE`).

    Returns
    -------
    dict
        meta (kind, unit, counting, normalise, min_count, min_weight, slice), summary
        (works, n_nodes, n_edges, isolates, n_clusters, modularity, shown_nodes,
        shown_edges, truncated), clusters [{cluster, size, strength, label, colour,
        shown}], nodes [{id, label, type, n_docs, links, strength, cluster, x, y}], edges
        [{source, target, weight}].
    """
    mc = MIN_COUNT[kind] if min_count is None and kind in MIN_COUNT else min_count
    net = science_map(
        store,
        kind=kind,  # type: ignore[arg-type]
        unit=unit,
        terms=terms,  # type: ignore[arg-type]
        industry=industry,
        years=years,
        counting=counting,  # type: ignore[arg-type]
        normalise=normalise,  # type: ignore[arg-type]
        min_count=mc if mc is not None else 1,
        min_weight=min_weight,
    )
    nodes = net.nodes
    memb, modularity = leiden(net, seed=seed)
    strength = nodes["strength"].to_numpy().astype(np.float64)
    linked = nodes["links"].to_numpy() > 0
    # clusters of linked nodes (isolates are singleton communities: not clusters to show)
    cl_ids = np.unique(memb[linked]) if linked.any() else np.zeros(0, dtype=np.int64)
    sizes = np.bincount(memb[linked], minlength=int(memb.max()) + 1) if len(memb) else memb
    order = sorted(cl_ids.tolist(), key=lambda c: (-int(sizes[c]), c))
    rank = {c: i for i, c in enumerate(order)}  # 0 = largest linked cluster
    labels = nodes["label"].to_pylist()
    ids = nodes["node_id"].to_pylist()
    idx = _strongest(nodes, max_nodes)
    # a node drawn needs a link to another node drawn (else it floats off the layout)
    ke = net.edges.filter(
        pc.and_(
            pc.is_in(net.edges["source"], nodes["node_id"].take(pa.array(idx, pa.int64()))),
            pc.is_in(net.edges["target"], nodes["node_id"].take(pa.array(idx, pa.int64()))),
        )
    )
    ends = pc.unique(
        pa.concat_arrays([ke["source"].combine_chunks(), ke["target"].combine_chunks()])
    )
    idx = idx[
        pc.is_in(nodes["node_id"].take(pa.array(idx, pa.int64())), ends).to_numpy(
            zero_copy_only=False
        )
    ]
    shown_cl = np.bincount([rank[int(memb[i])] for i in idx], minlength=len(order))
    clusters = []
    for c in order:
        members = np.flatnonzero(memb == c)
        top = members[np.lexsort((members, -strength[members]))][:CLUSTER_LABEL_TERMS]
        r = rank[c]
        clusters.append(
            {
                "cluster": r,
                "size": int(sizes[c]),
                "strength": clean(float(strength[members].sum())),
                "label": "; ".join(str(labels[i] or ids[i])[:60] for i in top),
                "colour": CLUSTER_COLOURS[r] if r < len(CLUSTER_COLOURS) else OTHER_COLOUR,
                "shown": int(shown_cl[r]) if r < len(shown_cl) else 0,
            }
        )
    sub_nodes = nodes.take(pa.array(idx, pa.int64()))
    keep = sub_nodes["node_id"]
    e = net.edges
    e = e.filter(pc.and_(pc.is_in(e["source"], keep), pc.is_in(e["target"], keep)))
    e = e.take(
        pc.sort_indices(
            e,
            sort_keys=[("weight", "descending"), ("source", "ascending"), ("target", "ascending")],
        )
    )
    cluster_of = {ids[i]: rank[int(memb[i])] for i in idx.tolist()}
    strength_of = {ids[i]: float(strength[i]) for i in idx.tolist()}
    # the strongest edges, plus each node's strongest edge (no node floats free of the layout)
    first_s = np.unique(e["source"].to_numpy(zero_copy_only=False), return_index=True)[1]
    first_t = np.unique(e["target"].to_numpy(zero_copy_only=False), return_index=True)[1]
    pick = np.union1d(np.arange(min(LAYOUT_EDGES, e.num_rows)), np.union1d(first_s, first_t))
    le = e.take(pa.array(pick, pa.int64()))
    le = le.set_column(
        le.schema.get_field_index("weight"),
        "weight",
        pa.array(_layout_weights(le, strength_of, cluster_of), pa.float64()),
    )
    sub = network_from_tables(sub_nodes, le, directed=False)
    xy = _robust_scale(layout(sub, seed=seed, drl_above=len(idx) + 1))  # always FR
    out_nodes = []
    for j, i in enumerate(idx.tolist()):
        out_nodes.append(
            {
                "id": ids[i],
                "label": labels[i],
                "type": nodes["type"][i].as_py(),
                "n_docs": int(nodes["n_docs"][i].as_py() or 0),
                "links": int(nodes["links"][i].as_py() or 0),
                "strength": clean(float(strength[i])),
                "cluster": rank[int(memb[i])],
                "x": round(float(xy[j, 0]), 5),
                "y": round(float(xy[j, 1]), 5),
            }
        )
    shown_e = e.slice(0, min(MAX_EDGES_SHOWN, EDGES_PER_NODE * len(idx)))
    out_edges = [
        {"source": s, "target": t, "weight": clean(w)}
        for s, t, w in zip(
            shown_e["source"].to_pylist(),
            shown_e["target"].to_pylist(),
            shown_e["weight"].to_pylist(),
            strict=True,
        )
    ]
    meta = net.meta
    return {
        "meta": {
            "kind": kind,
            "unit": meta["unit"],
            "counting": counting,
            "normalise": normalise,
            "min_count": meta["min_count"],
            "min_weight": min_weight,
            "slice": {
                "industry": industry,
                "years": list(years) if years else None,
            },
        },
        "summary": {
            "works": int(meta["slice"]["works"]),
            "n_nodes": nodes.num_rows,
            "n_edges": net.edges.num_rows,
            "isolates": int((~linked).sum()),
            "n_clusters": len(order),
            "modularity": clean(modularity) if net.edges.num_rows else None,
            "shown_nodes": len(out_nodes),
            "shown_edges": len(out_edges),
            "truncated": len(out_nodes) < int(linked.sum()) or e.num_rows > len(out_edges),
        },
        "clusters": clusters,
        "nodes": out_nodes,
        "edges": out_edges,
    }


def bursts_view(
    store: Store,
    *,
    unit: str = "concept",
    s: float = 2.0,
    gamma: float = 1.0,
    start_year: int | None = None,
    end_year: int | None = None,
    min_documents: int = 3,
    min_score: float = 0.3,
) -> dict[str, Any]:
    r""":func:`forcemap.indicators.bursts.bursts` with its parameters and the period, which is
    clamped to the store's first and last work year (a batch per year outside them would
    only add empty batches to the automaton's :math:`\gamma \ln n`).

    Returns
    -------
    dict
        parameters {unit, s, gamma, start_year, end_year, min_documents, min_score} (years
        filled with the store's first and last work year when not given), rows [{unit_id,
        name, start_year, end_year, weight, documents, expected, total_documents}] by
        descending weight.
    """
    y0, y1 = store.con.execute("SELECT min(year), max(year) FROM works").fetchall()[0]
    if start_year is not None and end_year is not None and end_year < start_year:
        raise InputError(f"bursts: end_year {end_year} is before start_year {start_year}")
    # the period is clamped to the years with works (years without any add nothing but
    # batches, and a 1000-9999 request would allocate units x 9000 counts)
    if y0 is not None:
        start_year = None if start_year is None else min(max(start_year, y0), y1)
        end_year = None if end_year is None else max(min(end_year, y1), y0)
    table = bursts(
        store,
        unit=unit,  # type: ignore[arg-type]
        s=s,
        gamma=gamma,
        start_year=start_year,
        end_year=end_year,
        min_documents=min_documents,
        min_score=min_score,
    )
    return {
        "parameters": {
            "unit": unit,
            "s": s,
            "gamma": gamma,
            "start_year": start_year if start_year is not None else y0,
            "end_year": end_year if end_year is not None else y1,
            "min_documents": min_documents,
            "min_score": min_score,
        },
        "rows": rows(table),
    }


def annual_growth(
    store: Store, *, start_year: int | None = None, end_year: int | None = None
) -> dict[str, Any]:
    r"""Works per year and their compound annual growth rate (bibliometrix's "annual growth
    rate"): :math:`100\,((N_{y_1}/N_{y_0})^{1/(y_1 - y_0)} - 1)` between the first and the
    last year with works in the period; None with fewer than two such years.

    Hand-worked: 10 works in 2018 and 40 in 2020 grow by :math:`100(\sqrt 4 - 1) = 100` % a
    year.
    """
    yr = store.con.execute(
        """SELECT year, count(*) AS works FROM works WHERE year IS NOT NULL
             AND ($y0 IS NULL OR year >= $y0) AND ($y1 IS NULL OR year <= $y1)
           GROUP BY year ORDER BY year""",
        {"y0": start_year, "y1": end_year},
    ).fetchall()
    rate = None
    if len(yr) >= 2 and yr[0][1] > 0:
        (a, na), (b, nb) = yr[0], yr[-1]
        rate = 100.0 * ((nb / na) ** (1.0 / (b - a)) - 1.0)
    return {"rows": [{"year": int(y), "works": int(n)} for y, n in yr], "rate": rate}


def laws_view(
    store: Store,
    *,
    start_year: int | None = None,
    end_year: int | None = None,
    top: int = 20,
) -> dict[str, Any]:
    """Lotka's law, Bradford's zones, the ``top`` rows of the h-index tables of authors,
    sources and institutions, and the annual growth, over the works from ``start_year`` to
    ``end_year`` (:mod:`forcemap.indicators.productivity`, :func:`annual_growth`).

    Returns
    -------
    dict
        lotka {fit {beta, c, r2, p_value, authors}, rows}, bradford {zones [{zone, sources,
        documents}], rows}, hindex {author, source, institution: rows}, growth {rate, rows}.
    """
    if start_year is not None and end_year is not None and end_year < start_year:
        raise InputError(f"end_year {end_year} is before start_year {start_year}")
    lt = lotka(store, start_year=start_year, end_year=end_year)
    fit = json.loads((lt.schema.metadata or {}).get(b"lotka", b"{}"))
    bt = bradford(store, start_year=start_year, end_year=end_year)
    zones = []
    for z in (1, 2, 3):
        part = bt.filter(pc.equal(bt["zone"], z))
        docs = pc.sum(part["documents"]).as_py() if part.num_rows else 0
        zones.append({"zone": z, "sources": part.num_rows, "documents": int(docs or 0)})
    hidx = {
        u: rows(hindex_table(store, unit=u, start_year=start_year, end_year=end_year).slice(0, top))
        for u in ("author", "source", "institution")
    }
    return {
        "lotka": {"fit": {k: clean(v) for k, v in fit.items()}, "rows": rows(lt)},
        "bradford": {"zones": zones, "rows": rows(bt)},
        "hindex": hidx,
        "growth": annual_growth(store, start_year=start_year, end_year=end_year),
    }


@functools.cache
def country_positions() -> dict[str, tuple[str, float, float]]:
    """ISO alpha-2 → (alpha-3, lon, lat): the centroid (``properties.ct``) of the country's
    largest polygon in the vendored ``world_50m.json`` (countries absent from the map — some
    small islands — are missing)."""
    t = reference_table("countries")
    iso3 = {a: b for a, b in zip(t["iso3"].to_pylist(), t["iso2"].to_pylist(), strict=True) if a}
    topo = json.loads((_VENDOR / "world_50m.json").read_text(encoding="utf-8"))
    out: dict[str, tuple[str, float, float]] = {}
    for g in topo["objects"]["countries"]["geometries"]:
        code, ct = g.get("id"), g.get("properties", {}).get("ct")
        if code in iso3 and ct:
            out[iso3[code]] = (code, float(ct[0]), float(ct[1]))
    return out


def collaboration_view(
    store: Store,
    *,
    industry: str | None = None,
    years: tuple[int, int] | None = None,
    counting: str = "full",
    top_links: int = 150,
) -> dict[str, Any]:
    """Output per country and the strongest country collaboration links of the works.

    The ``country_collaboration`` network of :func:`forcemap.network.build.build_network`
    on co-authorship only (works, not patents or projects): a country's ``works`` are the
    works with an author affiliated there (full counting), a link's ``weight`` the works
    co-authored by the two countries (full) or :math:`\\sum 1/(n_d - 1)` (fractional).
    ``single_country`` / ``multi_country`` split each country's works by whether another
    country takes part. This is not bibliometrix's SCP/MCP, which assigns a work once, to
    its corresponding author's country (known for few works of an OpenAlex store): here every
    country of a work counts it, so the countries' ``multi_country`` sum to more than the
    international works.

    Returns
    -------
    dict
        summary (n_countries, n_links, works, international_share, unmapped), countries
        [{country_code, iso3, name, works, single_country, multi_country, partners,
        strength, lon, lat}] by descending works, links [{source, target, weight}] (the
        ``top_links`` strongest; the edges among all countries are in ``summary.n_links``).
    """
    net = build_network(
        store,
        kind="country_collaboration",
        layers=("coauthorship",),
        industry=industry,
        years=years,
        counting=counting,  # type: ignore[arg-type]
    )
    pos = country_positions()
    names = {
        a: n
        for a, n in zip(
            reference_table("countries")["iso2"].to_pylist(),
            reference_table("countries")["name"].to_pylist(),
            strict=True,
        )
    }
    # single- vs multi-country works per country, on the same slice as the network
    concepts, topics = industry_slice(industry)[:2] if industry else ([], [])
    topic_filter = bool(concepts or topics)
    params: dict[str, Any] = {
        "y0": years[0] if years else None,
        "y1": years[1] if years else None,
        "field": None,
    }
    if topic_filter:
        params |= {"concepts": sorted(concepts), "topics": sorted(topics)}
    cur = store.cursor()
    try:
        cur.execute(
            "CREATE OR REPLACE TEMP TABLE _fm_collab_works AS " + slice_works_sql(topic_filter),
            params,
        )
        split = cur.execute(
            """WITH wc AS (SELECT DISTINCT a.work_id, a.country_code FROM authorships AS a
                           SEMI JOIN _fm_collab_works AS w ON w.work_id = a.work_id
                           WHERE a.country_code IS NOT NULL),
                    n AS (SELECT work_id, count(*) AS k FROM wc GROUP BY work_id)
               SELECT wc.country_code, count(*) FILTER (WHERE n.k = 1),
                      count(*) FILTER (WHERE n.k > 1)
               FROM wc JOIN n USING (work_id) GROUP BY wc.country_code"""
        ).fetchall()
        n_works, n_intl = cur.execute(
            """WITH wc AS (SELECT a.work_id, count(DISTINCT a.country_code) AS k
                           FROM authorships AS a SEMI JOIN _fm_collab_works AS w
                             ON w.work_id = a.work_id
                           WHERE a.country_code IS NOT NULL GROUP BY a.work_id)
               SELECT count(*), count(*) FILTER (WHERE k > 1) FROM wc"""
        ).fetchall()[0]
    finally:
        cur.close()
    scp = {c: (int(a), int(b)) for c, a, b in split}
    countries = []
    unmapped = []
    for r in net.nodes.to_pylist():
        cc = r["node_id"]
        p = pos.get(cc)
        if p is None:
            unmapped.append(cc)
        countries.append(
            {
                "country_code": cc,
                "iso3": p[0] if p else None,
                "name": names.get(cc, cc),
                "works": int(r["n_docs"] or 0),
                "single_country": scp.get(cc, (0, 0))[0],
                "multi_country": scp.get(cc, (0, 0))[1],
                "partners": int(r["links"] or 0),
                "strength": clean(r["strength"]),
                "lon": p[1] if p else None,
                "lat": p[2] if p else None,
            }
        )
    countries.sort(key=lambda d: (-d["works"], d["country_code"]))
    e = net.edges
    e = e.take(
        pc.sort_indices(
            e,
            sort_keys=[("weight", "descending"), ("source", "ascending"), ("target", "ascending")],
        )
    ).slice(0, top_links)
    links = [
        {"source": s, "target": t, "weight": clean(w)}
        for s, t, w in zip(
            e["source"].to_pylist(), e["target"].to_pylist(), e["weight"].to_pylist(), strict=True
        )
    ]
    return {
        "summary": {
            "n_countries": net.nodes.num_rows,
            "n_links": net.edges.num_rows,
            "works": int(n_works),
            "international_share": (n_intl / n_works) if n_works else None,
            "unmapped": sorted(unmapped),
        },
        "countries": countries,
        "links": links,
    }


def _known_industry(state: WebState, store: Store, args: dict[str, Any]) -> dict[str, Any]:
    if args.get("industry") is not None:
        state.check_industry(args["industry"])
    return args


#: The cached specs (``state.result(SPEC, store, **args)``).
SCIENCE_MAP = Cached("science_map", science_map_view, (_known_industry,))
BURSTS = Cached("bursts", bursts_view)
LAWS = Cached("laws", laws_view)
COLLABORATION = Cached("collaboration", collaboration_view, (_known_industry,))
