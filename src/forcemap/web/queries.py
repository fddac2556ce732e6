"""The read-only data behind the web pages and the JSON API (one function per view).

Pages and API routes call the same functions here, so a page and its ``/api/v1/…`` twin
always show the same numbers. These are descriptive look-ups (counts, lists, profiles) and
calls into the library (:mod:`forcemap.store.summary`, :mod:`forcemap.store.slices`,
:mod:`forcemap.network`); no indicator is defined here. Every value reaches SQL as a
``$name`` parameter. Results are plain Python (lists of dicts) ready for Jinja and pydantic:
decimals become numbers, NaN and infinities become ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from forcemap.errors import NotFoundError, StoreError
from forcemap.network import analyse, build_network, layout, network_from_tables, top_brokers
from forcemap.network.analyse import NetworkAnalysis
from forcemap.store.reference import IndustryCatalog, reference_table
from forcemap.store.results import owned_copy
from forcemap.store.store import Store
from forcemap.store.summary import StoreSummary

__all__ = [
    "NETWORK_MEASURES",
    "clean",
    "industry_detail",
    "industry_list",
    "network_view",
    "org_analysis",
    "organization_list",
    "organization_profile",
    "organization_works",
    "overview",
    "rows",
]

#: Measures computed for web views: exact betweenness is left out (seconds on a few
#: thousand nodes); ``forcemap network analyse`` computes it.
NETWORK_MEASURES: tuple[str, ...] = ("constraint", "coreness", "leiden", "pagerank")


def clean(value: Any) -> Any:
    """A JSON-safe scalar: Decimal → int/float, NaN/±inf → None, dates unchanged."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return clean(value.item())
    return value


def rows(table: pa.Table) -> list[dict[str, Any]]:
    """An Arrow table as a list of row dicts with :func:`clean` values."""
    return [{k: clean(v) for k, v in r.items()} for r in table.to_pylist()]


def _q(store: Store, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Run a parameterised query on the store's connection and return row dicts."""
    try:
        return rows(store.con.sql(sql, params=params).to_arrow_table())
    except duckdb.Error as e:
        raise StoreError(f"query failed on {store.path.name}: {e}") from e


@contextmanager
def _registered(store: Store, name: str, table: pa.Table) -> Iterator[None]:
    """Register an Arrow table on the (per-request) connection for the block's duration."""
    store.con.register(name, table)
    try:
        yield
    finally:
        store.con.unregister(name)


# -- overview ------------------------------------------------------------------------------
def overview(summary: StoreSummary, *, store_name: str) -> dict[str, Any]:
    """The overview page's data: table counts, works by year/type/country, ingest, quarantine.

    Returns
    -------
    dict
        store, synthetic, tables (name → rows), works_by_year [{year, works}],
        works_by_type [{type, works}], top_countries [{country_code, works, authorships}],
        institutions_by_type, top_institutions [{institution_id, name, country_code, type,
        works, citations}], patents_by_country, ingest_log, quarantine [{source, file,
        reason, records}].
    """
    log = rows(summary.ingest_log)
    for r in log:
        r["file"] = _basename(r.get("file"))
    quarantine = rows(summary.quarantine)
    for r in quarantine:
        r["file"] = _basename(r.get("file"))
    return {
        "store": store_name,
        "synthetic": summary.synthetic,
        "tables": dict(summary.tables),
        "works_by_year": rows(summary.works_by_year),
        "works_by_type": rows(summary.works_by_type),
        "top_countries": rows(summary.works_by_country.slice(0, 20)),
        "institutions_by_type": rows(summary.institutions_by_type),
        "top_institutions": rows(summary.top_institutions),
        "patents_by_country": rows(summary.patents_by_country),
        "ingest_log": log,
        "quarantine": quarantine,
    }


def _basename(path: Any) -> Any:
    """Only the file name: the server does not reveal its directory layout."""
    if not isinstance(path, str):
        return path
    return path.replace("\\", "/").rsplit("/", 1)[-1]


# -- industries ----------------------------------------------------------------------------
def _count_by(table: pa.Table, key: str, value: str) -> dict[str, int]:
    if table.num_rows == 0:
        return {}
    agg = table.group_by(key).aggregate([(value, "count_distinct")])
    return dict(zip(agg[key].to_pylist(), agg[f"{value}_count_distinct"].to_pylist(), strict=True))


def industry_list(
    catalog: IndustryCatalog, works_slice: pa.Table, patents_slice: pa.Table
) -> list[dict[str, Any]]:
    """The catalog with the size of each industry's slice in the store.

    Returns
    -------
    list of dict
        key, name, description, works, patents, n_cpc_patterns, n_sub_technologies — in
        catalog order.
    """
    w = _count_by(works_slice, "industry", "work_id")
    p = _count_by(patents_slice, "industry", "patent_id")
    return [
        {
            "key": ind.key,
            "name": ind.name,
            "description": ind.description,
            "works": int(w.get(ind.key, 0)),
            "patents": int(p.get(ind.key, 0)),
            "n_cpc_patterns": len(ind.cpc),
            "n_sub_technologies": len(ind.sub_technologies),
        }
        for ind in catalog.values()
    ]


def industry_detail(
    store: Store,
    catalog: IndustryCatalog,
    key: str,
    works_slice: pa.Table,
    patents_slice: pa.Table,
    *,
    top: int = 15,
) -> dict[str, Any]:
    """One industry: its definition and what the store holds in its slice.

    Parameters
    ----------
    store : Store
        A per-request store view.
    catalog : IndustryCatalog
        The industry catalog.
    key : str
        Industry key.
    works_slice, patents_slice : pa.Table
        :func:`forcemap.store.slices.industry_works` / ``industry_patents`` for the catalog.
    top : int, default 15
        Rows in the top-countries and top-organisations lists.

    Returns
    -------
    dict
        key, name, description, cpc, concepts, topics, hs, keywords, sub_technologies
        [{key, name, description, cpc, patents}], works, patents, works_by_year
        [{year, works}], patents_by_year [{year, patents}], top_countries [{country_code,
        works}], top_organizations [{id, name, country_code, type, works}], top_assignees
        [{id, name, country_code, patents}].

    Raises
    ------
    NotFoundError
        ``key`` is not in the catalog.
    """
    ind = catalog[key]
    ws = works_slice.filter(pc.equal(works_slice["industry"], key)).select(["work_id"])
    ps = patents_slice.filter(pc.equal(patents_slice["industry"], key))
    out: dict[str, Any] = {
        "key": ind.key,
        "name": ind.name,
        "description": ind.description,
        "cpc": list(ind.cpc),
        "concepts": list(ind.concepts),
        "topics": list(ind.topics),
        "hs": list(ind.hs),
        "keywords": list(ind.keywords),
        "works": len(set(ws["work_id"].to_pylist())),
        "patents": len(set(ps["patent_id"].to_pylist())),
    }
    sub_counts = _count_by(
        ps.filter(pc.is_valid(ps["sub_technology"])), "sub_technology", "patent_id"
    )
    out["sub_technologies"] = [
        {
            "key": s.key,
            "name": s.name,
            "description": s.description,
            "cpc": list(s.cpc),
            "patents": int(sub_counts.get(s.key, 0)),
        }
        for s in ind.sub_technologies
    ]
    with _registered(store, "_fm_web_ws", ws), _registered(store, "_fm_web_ps", ps):
        out["works_by_year"] = _q(
            store,
            """SELECT w.year, count(DISTINCT w.work_id) AS works
               FROM _fm_web_ws s JOIN works w USING (work_id)
               WHERE w.year IS NOT NULL GROUP BY w.year ORDER BY w.year""",
        )
        out["patents_by_year"] = _q(
            store,
            """SELECT p.year, count(DISTINCT p.patent_id) AS patents
               FROM _fm_web_ps s JOIN patents p USING (patent_id)
               WHERE p.year IS NOT NULL GROUP BY p.year ORDER BY p.year""",
        )
        out["top_countries"] = _q(
            store,
            """SELECT a.country_code, count(DISTINCT a.work_id) AS works
               FROM _fm_web_ws s JOIN authorships a USING (work_id)
               WHERE a.country_code IS NOT NULL
               GROUP BY a.country_code ORDER BY works DESC, a.country_code LIMIT $top""",
            {"top": top},
        )
        out["top_organizations"] = _q(
            store,
            """SELECT i.institution_id AS id, i.name, i.country_code, i.type,
                      count(DISTINCT a.work_id) AS works
               FROM _fm_web_ws s JOIN authorships a USING (work_id)
               JOIN institutions i USING (institution_id)
               GROUP BY ALL ORDER BY works DESC, id LIMIT $top""",
            {"top": top},
        )
        out["top_assignees"] = _q(
            store,
            """SELECT a.assignee_id AS id, any_value(a.name) AS name,
                      any_value(a.country_code) AS country_code,
                      count(DISTINCT a.patent_id) AS patents
               FROM (SELECT DISTINCT patent_id FROM _fm_web_ps) s
               JOIN patent_assignees a USING (patent_id)
               WHERE a.assignee_id IS NOT NULL
               GROUP BY a.assignee_id ORDER BY patents DESC, id LIMIT $top""",
            {"top": top},
        )
    return out


# -- organisations -------------------------------------------------------------------------
def _resolved(store: Store) -> bool:
    return bool(store.scalar("SELECT count(*) FROM organizations"))


# literal SQL only (values are $parameters); the constants are concatenated, never values
_ORG_WORKS_RESOLVED = """
    SELECT l.org_id AS id, count(DISTINCT a.work_id) AS works
    FROM org_aliases l JOIN authorships a ON a.institution_id = l.source_id
    WHERE l.source = 'institution' GROUP BY l.org_id"""
_ORG_WORKS_INSTITUTIONS = """
    SELECT institution_id AS id, count(DISTINCT work_id) AS works
    FROM authorships WHERE institution_id IS NOT NULL GROUP BY institution_id"""
_ORGS_RESOLVED = """
    SELECT o.org_id AS id, o.name, o.type, o.country_code, o.ror,
           coalesce(w.works, 0) AS works
    FROM organizations o LEFT JOIN _org_works w ON w.id = o.org_id
    WHERE ($country IS NULL OR o.country_code = $country)
      AND ($type IS NULL OR o.type = $type)
      AND ($q IS NULL OR contains(lower(coalesce(o.name, '')), $q))"""
_ORGS_INSTITUTIONS = """
    SELECT i.institution_id AS id, i.name, i.type, i.country_code, i.ror,
           coalesce(w.works, 0) AS works
    FROM institutions i LEFT JOIN _org_works w ON w.id = i.institution_id
    WHERE ($country IS NULL OR i.country_code = $country)
      AND ($type IS NULL OR i.type = $type)
      AND ($q IS NULL OR contains(lower(coalesce(i.name, '')), $q))"""
_PAGE = " ORDER BY works DESC, id LIMIT $limit OFFSET $offset"


def organization_works(store: Store) -> pa.Table:
    """Distinct works per organisation (``id``, ``works``): resolved ``organizations`` when
    resolution ran, else OpenAlex ``institutions``. It does not depend on the request, so the
    server computes it once (:func:`organization_list` takes it)."""
    sql = _ORG_WORKS_RESOLVED if _resolved(store) else _ORG_WORKS_INSTITUTIONS
    try:
        return owned_copy(store.con.sql(sql).to_arrow_table())
    except duckdb.Error as e:
        raise StoreError(f"query failed on {store.path.name}: {e}") from e


def organization_list(
    store: Store,
    *,
    country: str | None = None,
    type: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
    works: pa.Table | None = None,
) -> dict[str, Any]:
    """A page of organisations (resolved ``organizations`` when resolution ran, else
    OpenAlex ``institutions``), most works first.

    Parameters
    ----------
    store : Store
        A per-request store view.
    country : str, optional
        ISO alpha-2 country code (case-insensitive).
    type : str, optional
        The stored ``type`` value (``education``, ``company``, … for institutions;
        ``university``, ``enterprise``, … for resolved organisations).
    q : str, optional
        Case-insensitive substring of the name.
    limit, offset : int
        The page.
    works : pa.Table, optional
        :func:`organization_works` of the store (computed now when not given).

    Returns
    -------
    dict
        source (``organizations`` or ``institutions``), total, limit, offset, items
        [{id, name, type, country_code, ror, works}].
    """
    params: dict[str, Any] = {
        "country": country.upper() if country else None,
        "type": type,
        "q": q.lower() if q else None,
    }
    page = {**params, "limit": limit, "offset": offset}
    source = "organizations" if _resolved(store) else "institutions"
    sql = _ORGS_RESOLVED if source == "organizations" else _ORGS_INSTITUTIONS
    with _registered(store, "_org_works", organization_works(store) if works is None else works):
        total = store.scalar("SELECT count(*) FROM (" + sql + ")", params)  # noqa: S608
        items = _q(store, sql + _PAGE, page)
    return {
        "source": source,
        "total": int(total or 0),
        "limit": limit,
        "offset": offset,
        "items": items,
    }


def org_analysis(store: Store) -> NetworkAnalysis:
    """The whole-store organisation collaboration network, analysed with
    :data:`NETWORK_MEASURES` (the organisation profiles read each node's metrics from it)."""
    return analyse(build_network(store), measures=NETWORK_MEASURES)


def organization_profile(
    store: Store,
    org_id: str,
    *,
    analysis: NetworkAnalysis | None = None,
    top: int = 15,
) -> dict[str, Any]:
    """An organisation's identity, output per year, partners and network position.

    Parameters
    ----------
    store : Store
        A per-request store view.
    org_id : str
        An ``organizations.org_id`` (resolution ran), an OpenAlex institution id or a
        patent assignee id.
    analysis : NetworkAnalysis, optional
        The analysed whole-store organisation collaboration network; when given, the
        node's metrics are returned under ``network``.
    top : int, default 15
        Partners listed.

    Returns
    -------
    dict
        id, source (organization / institution / assignee), name, type, country_code,
        city, ror, works, citations, patents, works_by_year [{year, works}],
        patents_by_year [{year, patents}], partners [{id, name, country_code, type,
        works}], network ({node_id, degree, strength, pagerank, pagerank_rank, constraint,
        effective_size, community, coreness, in_core, n_nodes} or None).

    Raises
    ------
    NotFoundError
        No organisation, institution or assignee has this id.
    """
    ident: dict[str, Any]
    found = _q(
        store,
        "SELECT org_id AS id, name, type, country_code, city, ror FROM organizations "
        "WHERE org_id = $id",
        {"id": org_id},
    )
    if found:
        ident = {**found[0], "source": "organization"}
        aliases = _q(
            store,
            "SELECT source, source_id FROM org_aliases WHERE org_id = $id ORDER BY 1, 2",
            {"id": org_id},
        )
        inst_ids = [a["source_id"] for a in aliases if a["source"] == "institution"]
        asg_ids = [a["source_id"] for a in aliases if a["source"] == "assignee"]
        node_id = org_id
    else:
        found = _q(
            store,
            "SELECT institution_id AS id, name, type, country_code, city, ror "
            "FROM institutions WHERE institution_id = $id",
            {"id": org_id},
        )
        if found:
            ident = {**found[0], "source": "institution"}
            inst_ids, asg_ids = [org_id], []
        else:
            found = _q(
                store,
                """SELECT assignee_id AS id, any_value(name) AS name, any_value(type) AS type,
                          any_value(country_code) AS country_code, any_value(city) AS city,
                          NULL::VARCHAR AS ror
                   FROM patent_assignees WHERE assignee_id = $id GROUP BY assignee_id""",
                {"id": org_id},
            )
            if not found:
                raise NotFoundError(
                    f"no organisation, institution or assignee with id {org_id!r} in this "
                    "store; list them at /api/v1/organizations"
                )
            ident = {**found[0], "source": "assignee"}
            inst_ids, asg_ids = [], [org_id]
        source = "institution" if ident["source"] == "institution" else "assignee"
        alias = store.scalar(
            "SELECT org_id FROM org_aliases WHERE source = $s AND source_id = $id",
            {"s": source, "id": org_id},
        )
        node_id = alias or org_id
    out: dict[str, Any] = dict(ident)
    p = {"ids": inst_ids, "top": top}
    out["works_by_year"] = _q(
        store,
        """SELECT w.year, count(DISTINCT w.work_id) AS works
           FROM (SELECT DISTINCT work_id FROM authorships
                 WHERE list_contains($ids, institution_id)) m
           JOIN works w USING (work_id) WHERE w.year IS NOT NULL
           GROUP BY w.year ORDER BY w.year""",
        {"ids": inst_ids},
    )
    totals = _q(
        store,
        """SELECT count(*) AS works, coalesce(sum(w.cited_by_count), 0) AS citations
           FROM (SELECT DISTINCT work_id FROM authorships
                 WHERE list_contains($ids, institution_id)) m
           JOIN works w USING (work_id)""",
        {"ids": inst_ids},
    )[0]
    out["works"] = int(totals["works"])
    out["citations"] = int(totals["citations"])
    out["patents_by_year"] = _q(
        store,
        """SELECT p.year, count(DISTINCT p.patent_id) AS patents
           FROM (SELECT DISTINCT patent_id FROM patent_assignees
                 WHERE list_contains($ids, assignee_id)) m
           JOIN patents p USING (patent_id) WHERE p.year IS NOT NULL
           GROUP BY p.year ORDER BY p.year""",
        {"ids": asg_ids},
    )
    out["patents"] = int(
        store.scalar(
            "SELECT count(DISTINCT patent_id) FROM patent_assignees "
            "WHERE list_contains($ids, assignee_id)",
            {"ids": asg_ids},
        )
        or 0
    )
    out["partners"] = _q(
        store,
        """WITH mine AS (SELECT DISTINCT work_id FROM authorships
                         WHERE list_contains($ids, institution_id))
           SELECT i.institution_id AS id, i.name, i.country_code, i.type,
                  count(DISTINCT a.work_id) AS works
           FROM authorships a JOIN mine USING (work_id)
           JOIN institutions i USING (institution_id)
           WHERE NOT list_contains($ids, a.institution_id)
           GROUP BY ALL ORDER BY works DESC, id LIMIT $top""",
        p,
    )
    out["network"] = _node_metrics(analysis, node_id) if analysis is not None else None
    return out


def _node_metrics(analysis: NetworkAnalysis, node_id: str) -> dict[str, Any] | None:
    nodes = analysis.nodes
    hit = nodes.filter(pc.equal(nodes["node_id"], node_id))
    if hit.num_rows == 0:
        return None
    r = rows(hit)[0]
    pr = r.get("pagerank")
    rank = (
        int(pc.sum(pc.greater(nodes["pagerank"], pr)).as_py() or 0) + 1 if pr is not None else None
    )
    return {
        "node_id": node_id,
        "degree": r["degree"],
        "strength": r["strength"],
        "pagerank": pr,
        "pagerank_rank": rank,
        "constraint": r["constraint"],
        "effective_size": r["effective_size"],
        "community": r["community"],
        "coreness": r["coreness"],
        "in_core": r["in_core"],
        "n_nodes": nodes.num_rows,
    }


# -- network -------------------------------------------------------------------------------
def _continents() -> dict[str, str]:
    t = reference_table("countries")
    return {
        k: v
        for k, v in zip(t["iso2"].to_pylist(), t["continent"].to_pylist(), strict=True)
        if k and v
    }


def network_view(
    store: Store,
    *,
    kind: str = "org_collaboration",
    industry: str | None = None,
    years: tuple[int, int] | None = None,
    countries: Sequence[str] | None = None,
    counting: str = "full",
    max_nodes: int = 300,
    brokers: int = 10,
    seed: int = 0,
    org_level: str = "self",
) -> dict[str, Any]:
    """Build, analyse and lay out a network slice for display (organisations at
    ``org_level``: self, parent or top).

    The network is built and analysed in full (:data:`NETWORK_MEASURES`); the display keeps
    the ``max_nodes`` strongest nodes and the edges among them, laid out by
    :func:`forcemap.network.layout`.

    Returns
    -------
    dict
        meta (kind, directed, slice, counting, node_resolution, notes), summary (n_nodes,
        n_edges, density, total_weight, n_components, lcc_share, modularity,
        n_communities, cross_border_share, ...), shown (nodes displayed), truncated,
        nodes [{id, label, type, country_code, region, degree, strength, pagerank,
        constraint, effective_size, community, coreness, x, y}], edges [{source, target,
        weight}], brokers [{id, label, type, country_code, degree, constraint,
        effective_size, pagerank}], linkable (node ids are organisation ids).
    """
    net = build_network(
        store,
        kind=kind,  # type: ignore[arg-type]
        industry=industry,
        years=years,
        countries=countries or None,
        counting=counting,  # type: ignore[arg-type]
        org_level=org_level,
    )
    an = analyse(net, measures=NETWORK_MEASURES, seed=seed)
    nodes = an.nodes
    n = nodes.num_rows
    truncated = n > max_nodes
    if truncated:
        idx = pc.sort_indices(
            nodes, sort_keys=[("strength", "descending"), ("node_id", "ascending")]
        )[:max_nodes]
        nodes = nodes.take(np.sort(idx.to_numpy()))  # the strongest, in node order
    keep = nodes["node_id"]
    e = net.edges
    if truncated:
        e = e.filter(pc.and_(pc.is_in(e["source"], keep), pc.is_in(e["target"], keep)))
    sub = network_from_tables(
        net.nodes.filter(pc.is_in(net.nodes["node_id"], keep)), e, directed=net.directed
    )
    xy = layout(sub, seed=seed)
    pos = {
        nid: (round(float(xy[i, 0]), 4), round(float(xy[i, 1]), 4))
        for i, nid in enumerate(sub.nodes["node_id"].to_pylist())
    }
    cont = _continents()
    out_nodes = []
    for r in rows(
        nodes.select(
            [
                "node_id",
                "label",
                "type",
                "country_code",
                "degree",
                "strength",
                "pagerank",
                "constraint",
                "effective_size",
                "community",
                "coreness",
            ]
        )
    ):
        x, y = pos.get(r["node_id"], (0.5, 0.5))
        cc = r["country_code"]
        out_nodes.append(
            {
                "id": r.pop("node_id"),
                **r,
                "region": cont.get(cc, "(unknown)") if cc else "(unknown)",
                "x": x,
                "y": y,
            }
        )
    agg = e.group_by(["source", "target"]).aggregate([("weight", "sum")])
    out_edges = [
        {"source": s, "target": t, "weight": clean(w)}
        for s, t, w in zip(
            agg["source"].to_pylist(),
            agg["target"].to_pylist(),
            agg["weight_sum"].to_pylist(),
            strict=True,
        )
    ]
    out_edges.sort(key=lambda d: (d["source"], d["target"]))
    br = rows(
        top_brokers(an, n=brokers).select(
            [
                "node_id",
                "label",
                "type",
                "country_code",
                "degree",
                "constraint",
                "effective_size",
                "pagerank",
            ]
        )
    )
    for b in br:
        b["id"] = b.pop("node_id")
    s = an.summary
    summary = {
        k: clean(s.get(k))
        for k in (
            "n_nodes",
            "n_edges",
            "directed",
            "density",
            "total_weight",
            "n_components",
            "lcc_size",
            "lcc_share",
            "modularity",
            "n_communities",
            "max_coreness",
            "core_size",
            "cross_border_share",
            "enterprise_university_share",
            "enterprise_institute_share",
            "university_institute_share",
            "same_type_share",
        )
    }
    meta = net.meta
    return {
        "meta": {
            "kind": meta["kind"],
            "directed": bool(meta["directed"]),
            "slice": {
                k: v for k, v in meta["slice"].items() if k in ("industry", "countries", "years")
            },
            "counting": meta["counting"],
            "node_resolution": meta["node_resolution"],
            "notes": list(s.get("notes", [])),
            "org_level": meta.get("org_level"),
        },
        "summary": summary,
        "shown": nodes.num_rows,
        "truncated": truncated,
        "linkable": kind in ("org_collaboration", "org_citation", "science_technology"),
        "nodes": out_nodes,
        "edges": out_edges,
        "brokers": br,
    }
