"""Report sections built from the analysis layers (they call the API; they never compute).

Each function takes a store (and options), calls the public functions of one layer, and
returns :class:`~forcemap.report.render.Section` objects stating the method and the evidence.
"""

from __future__ import annotations

import warnings

import pyarrow as pa
import pyarrow.compute as pc

from forcemap.decide.result import DecisionResult
from forcemap.report.render import Section, bar_chart, rule_text
from forcemap.report.tables import format_number
from forcemap.store import Store

__all__ = [
    "actor_sections",
    "bottleneck_sections",
    "decision_section",
    "indicator_sections",
    "network_sections",
    "positioning_sections",
]


TRADE_COLUMNS = ["hs6", "description", "imports", "exports", "import_hhi", "export_hhi",
                  "top_origins", "top_exporters"]  # fmt: skip


def network_sections(
    store: Store, *, label: str, min_edges: int = 10, industry: str | None = None
) -> list[Section]:
    """The institution collaboration network (of one industry's slice when ``industry`` is
    given): size, communities, top brokers, gatekeepers, linkage."""
    from forcemap.network import analyse, build_network, gatekeepers, top_brokers

    net = build_network(store, kind="org_collaboration", industry=industry)
    sec = Section(
        f"{label}: innovation network",
        intro="Organisations linked by co-authored works, shared patents and joint projects "
        f"({net.meta.get('node_resolution')}).",
        method="Full counting (one link per co-authored document); Leiden communities "
        "(modularity, resolution 1, seed 0; Traag et al. 2019); brokers ranked by Burt's "
        "constraint (lowest first; Burt 1992); betweenness exact below 20,000 nodes.",
    )
    if net.edges.num_rows < min_edges:
        sec.warn(f"Only {net.edges.num_rows} collaboration links: too few for a network analysis.")
        return [sec]
    a = analyse(net)
    s = a.summary

    def share(v: float | None) -> str:
        return format_number(v, decimals=3)

    rows = [
        ("organisations", f"{s['n_nodes']:,}"),
        ("links", f"{s['n_edges']:,}"),
        ("largest connected component", f"{s['lcc_size']:,} ({share(s['lcc_share'])})"),
        ("communities (Leiden)", f"{s['n_communities']:,}"),
        ("modularity", share(s["modularity"])),
        ("cross-border share of link weight", share(s["cross_border_share"])),
        ("enterprise–university share", share(s["enterprise_university_share"])),
        ("university–institute share", share(s["university_institute_share"])),
    ]
    sec.table(
        "Network summary",
        pa.table({"measure": [r[0] for r in rows], "value": [r[1] for r in rows]}),
    )
    comms = a.communities.slice(0, 12)
    sec.chart(
        "Largest communities (organisations)",
        bar_chart(
            [str(c) for c in comms["community"].to_pylist()],
            [float(v) for v in comms["size"].to_pylist()],
        ),
    )
    sec.table(
        "Largest communities",
        a.communities.select(
            [
                "community",
                "size",
                "top_label",
                "dominant_type",
                "dominant_type_share",
                "n_countries",
            ]
        ),
        max_rows=12,
    )
    sec.table(
        "Top brokers (lowest Burt constraint, degree ≥ 2)",
        top_brokers(a, n=15).select(
            [
                "node_id",
                "label",
                "type",
                "country_code",
                "degree",
                "constraint",
                "effective_size",
                "betweenness",
                "community",
            ]
        ),
    )
    gk = gatekeepers(net, n=10)
    if gk.num_rows:
        sec.table(
            "Gatekeepers (cut vertices: the groups behind them have no other tie to the network)",
            gk,
        )
    sec.table("Triple-helix linkage profile", a.linkage, max_rows=15)
    return [sec]


def _concept_names(store: Store) -> dict[str, str]:
    rows = store.sql(
        "SELECT concept_id, any_value(name) FROM work_concepts GROUP BY concept_id"
    ).fetchall()
    return {k: v for k, v in rows if v}


def _with_names(table: pa.Table, key: str, names: dict[str, str]) -> pa.Table:
    return table.append_column(
        "name", pa.array([names.get(k, k) for k in table[key].to_pylist()], pa.string())
    )


def indicator_sections(store: Store, *, label: str, min_works: int = 50) -> list[Section]:
    """One section per indicator family on ``store``: impact, disruption, specialisation and
    complexity, emergence, patent value — each with sample sizes and thin-evidence warnings.

    ``min_works``: a field (level-0 concept) with fewer works than this is named in a warning
    (field-normalised scores over a handful of works are noise).
    """
    n_works = int(store.scalar("SELECT count(*) FROM works"))
    n_patents = int(store.scalar("SELECT count(*) FROM patents"))
    out: list[Section] = []
    if n_works:
        out += [_impact_section(store, label, min_works), _disruption_section(store, label)]
        out.append(_complexity_section(store, label, "concept", "fields of science"))
        out.append(_emergence_section(store, label))
    if int(store.scalar("SELECT count(*) FROM trade")):
        out.append(_complexity_section(store, label, "hs6", "traded products (HS6)"))
    if n_patents:
        out.append(_patent_value_section(store, label))
    return out


def _impact_section(store: Store, label: str, min_works: int) -> Section:
    from forcemap.indicators.impact import aggregate_impact

    names = _concept_names(store)
    sec = Section(
        f"{label}: citation impact",
        method="Citations from works in the store (all years after publication). MNCS: mean "
        "of citations ÷ the mean of works of the same field (level-0 concept), year and type "
        "(Waltman et al. 2011); PP(top 10 %): Waltman–Schreiber fractional share of the "
        "field-year-type top 10 %. Countries: fractional counting by authorship share.",
    )
    by_field = aggregate_impact(store, by="field", counting="full")
    by_field = _with_names(by_field, "unit_id", names).sort_by([("p", "descending")])
    thin = [f"{r['name']} ({r['p']})" for r in by_field.to_pylist() if r["p"] < min_works]
    sec.text(f"{int(pc.sum(by_field['p']).as_py() or 0):,} works with a field.")
    sec.table(
        "Fields (level-0 concepts)",
        by_field.select(["name", "p", "citations", "mncs", "pp_top10"]),
        max_rows=20,
    )
    if thin:
        sec.warn(
            f"{len(thin)} field(s) have fewer than {min_works} works; their normalised scores "
            f"are not meaningful: {', '.join(thin[:15])}" + (" …" if len(thin) > 15 else "")
        )
    by_country = aggregate_impact(store, by="country", counting="fractional").sort_by(
        [("p_frac", "descending")]
    )
    sec.table(
        "Countries (fractional counting, top 15 by output)",
        by_country.select(["unit_id", "p", "p_frac", "mncs", "pp_top10", "share_top10"]),
        max_rows=15,
    )
    return sec


def _disruption_section(store: Store, label: str) -> Section:
    from forcemap.indicators import indicator_table

    cd = indicator_table(store, "disruption", window=5, entity="works")
    cd = cd.rename_columns(["id" if c == "work_id" else c for c in cd.column_names])
    defined = cd.filter(pc.is_valid(cd["cd"]))
    n = defined.num_rows
    sec = Section(
        f"{label}: disruption (CD5)",
        method="CD_5 = (n_i − n_j) / (n_i + n_j + n_k) over citers in the 5 years after "
        "publication (Funk & Owen-Smith 2017; Wu, Wang & Evans 2019), with cdindex's "
        "conventions: no citers in the window → undefined; citers but no references → 1. "
        "References outside the store count: their citers in the store form n_k.",
    )
    sec.text(
        f"{cd.num_rows:,} works; CD_5 defined for {n:,} (at least one citer within 5 years "
        "among the stored works)."
    )
    if n < 100:
        sec.warn(f"CD_5 is defined for only {n} works: too few for a distribution.")
    if n:
        vals = defined["cd"].to_pylist()
        bins = [-1.0 + 0.2 * i for i in range(11)]
        counts = [0] * 10
        for v in vals:
            counts[min(int((v + 1.0) / 0.2), 9)] += 1
        sec.chart(
            "Distribution of CD_5 (−1 consolidating … +1 disruptive)",
            bar_chart(
                [format_number(b, decimals=1, signed=True) for b in bins[:-1]],
                [float(c) for c in counts],
            ),
        )
        pos = sum(1 for v in vals if v > 0)
        sec.text(
            f"Share with CD_5 > 0: {format_number(pos / n, decimals=3)}; mean "
            f"{format_number(sum(vals) / n, decimals=4, signed=True)}. Most disruptive "
            "works with at least 5 citers in the window:"
        )
        big = defined.filter(
            pc.greater_equal(pc.add(defined["n_i"], defined["n_j"]), pa.scalar(5, pa.int64()))
        )
        top = big.sort_by([("cd", "descending"), ("n_i", "descending")]).slice(0, 10)
        titles = dict(
            store.sql(
                "SELECT work_id, any_value(title) FROM works WHERE work_id IN "
                "(SELECT unnest($ids)) GROUP BY work_id",
                params={"ids": top["id"].to_pylist()},
            ).fetchall()
        )
        top = top.append_column(
            "title", pa.array([titles.get(i) for i in top["id"].to_pylist()], pa.string())
        )
        sec.table(
            "Most disruptive works", top.select(["id", "year", "title", "cd", "n_i", "n_j", "n_k"])
        )
    return sec


def _complexity_section(store: Store, label: str, prod: str, what: str) -> Section:
    from forcemap.indicators.complexity import eci_pci
    from forcemap.indicators.specialisation import activity_table, presence_matrix

    sec = Section(
        f"{label}: specialisation and complexity of {what}",
        method="Activity X_cp: "
        + (
            "works per country and level-0/1 concept (score ≥ 0.3), fractional counting"
            if prod == "concept"
            else "export value per country and HS6 product"
        )
        + "; RCA = Balassa index; M_cp = [RCA ≥ 1]; ECI/PCI by the eigenvector method with "
        "py-ecomplexity's sign and normalisation (Hidalgo & Hausmann 2009).",
    )
    act = activity_table(store, prod=prod)  # type: ignore[arg-type]
    locs = len(set(act["loc"].to_pylist()))
    prods = len(set(act["prod"].to_pylist()))
    sec.text(f"{act.num_rows:,} country × product cells; {locs} countries, {prods} products.")
    if locs < 20 or prods < 20:
        sec.warn(
            f"Only {locs} countries and {prods} products: complexity rankings need broad "
            "coverage; read them as illustrative."
        )
    if locs < 3 or prods < 3:
        return sec
    mcp = presence_matrix(act)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        eci, pci = eci_pci(mcp)
    for w in caught:
        sec.warn(str(w.message))
    sec.table("Economic complexity (top 15 countries)",
              eci.sort_by([("eci", "descending")]), max_rows=15)  # fmt: skip
    if prod == "concept":
        pci = _with_names(pci, "prod", _concept_names(store))
    sec.table("Most complex products (top 15)", pci.sort_by([("pci", "descending")]), max_rows=15)
    return sec


def _emergence_section(store: Store, label: str) -> Section:
    from forcemap.indicators.emergence import emergence_score

    has_topics = int(store.scalar("SELECT count(*) FROM work_topics")) > 0
    unit = "topic" if has_topics else "concept"
    em = emergence_score(store, unit=unit)
    q = em.filter(pc.equal(em["qualified"], True))
    sec = Section(
        f"{label}: emerging {unit}s",
        method="Emergence score of Carley et al. (2018) / Porter et al. (2019): a 10-year "
        "window (3 base + 7 active years), qualification on records, years present, actors, "
        "novelty and growth; EScore from the active-period trend, recent trend and slope.",
    )
    sec.text(f"{em.num_rows:,} {unit}s scored; {q.num_rows:,} qualify as emergent.")
    if q.num_rows == 0:
        sec.warn("No unit qualifies: too little data over the 10-year window.")
        return sec
    sec.table(
        "Top emergent units",
        q.sort_by([("escore", "descending")]).select(
            ["unit_id", "name", "records", "active_records", "actors", "escore"]
        ),
        max_rows=15,
    )
    return sec


def _patent_value_section(store: Store, label: str) -> Section:
    from forcemap.indicators.patent_value import patent_value

    pv = patent_value(store, window=5)
    sec = Section(
        f"{label}: patent value",
        method="OECD patent quality indicators (Squicciarini, Dernis & Criscuolo 2013): "
        "forward citations within 5 years of grant, breakthrough = top 1 % of the grant-year "
        "× WIPO-field cohort, generality/originality with the N/(N−1) correction.",
    )
    fc = [v for v in pv["forward_citations"].to_pylist() if v is not None]
    bt = sum(1 for v in pv["breakthrough"].to_pylist() if v)
    sec.text(
        f"{pv.num_rows:,} patents; {len(fc):,} with a 5-year forward-citation count "
        f"(mean {format_number(sum(fc) / max(len(fc), 1), decimals=2)}); {bt:,} breakthrough "
        "inventions."
    )
    if len(fc) < 100:
        sec.warn(f"Only {len(fc)} patents with forward citations: cohorts are too small.")
    sec.table(
        "Most cited patents (5 years)",
        pv.sort_by([("forward_citations", "descending")]).slice(0, 10),
    )
    return sec


def positioning_sections(
    store: Store, *, label: str, countries: tuple[str, ...], unit: str = "industry"
) -> list[Section]:
    """Positioning of each home country: class, level, trend, years behind, with the rule."""
    from forcemap.decide.positioning import STRATEGIES, positioning, positioning_matrix

    out: list[Section] = []
    for country in countries:
        r = positioning(store, country=country, unit=unit)  # type: ignore[arg-type]
        sec = Section(
            f"{label}: positioning of {country} by {unit}",
            method=rule_text(r.rule),
        )
        cols = ["unit_name", "class", "level", "level_low", "level_high", "level_pub",
                "level_tech", "sides", "trend", "leader", "leader_pub", "leader_tech",
                "years_behind", "top_works", "world_top_works", "hv_patents",
                "world_hv_patents"]  # fmt: skip
        sec.table(
            f"{country}: class per {unit} (level_low–level_high: 95 % stability interval of L; "
            "a side without enough world evidence is dropped, its level empty)",
            r.table.select(cols),
            max_rows=40,
        )
        for note in [x for x in r.table["note"].to_pylist() if x]:
            sec.text(note + ".")
        sec.notes(r)
        for cls in ("leading", "parallel", "catch-up"):
            if cls in r.table["class"].to_pylist():
                sec.text(f"{cls}: {STRATEGIES[cls]}")
        out.append(sec)
    if countries:
        m = positioning_matrix(r)
        leaders = m.filter(pc.equal(m["class"], "leading"))
        sec = Section(
            f"{label}: who leads each {unit}",
            method="The country × unit matrix of the same rule: every country classed "
            "against the best in each unit.",
        )
        sec.table("Leading countries per unit", leaders.sort_by("unit"), max_rows=60)
        out.append(sec)
    return out


def bottleneck_sections(store: Store, *, label: str, country: str) -> list[Section]:
    """Bottleneck technologies (CPC groups) and trade dependencies (HS6) of ``country``."""
    from forcemap.decide.bottlenecks import bottlenecks

    r = bottlenecks(store, country=country)
    sec = Section(f"{label}: bottleneck technologies for {country}", method=rule_text(r.rule))
    if r.table.num_rows == 0:
        sec.text(f"No CPC group meets the bottleneck rule for {country}.")
    else:
        cols = ["industry", "rank", "cpc", "title", "outcome", "score", "rta", "families",
                "unknown_country_share", "country_share", "country_share_low",
                "country_share_high", "hhi_country", "hhi_assignee", "top_share", "holders",
                "dependent_hs6"]  # fmt: skip
        shown = r.table.select([c for c in cols if c in r.table.column_names])
        sec.table("Bottleneck candidates, ranked within each industry", shown, max_rows=30)
    trade = r.evidence.get("trade")
    if trade is not None and trade.num_rows:
        dep = trade.filter(pc.equal(trade["dependent"], True)).select(TRADE_COLUMNS)
        sec.table(f"HS6 products failing the EU 2021 dependency test for {country}", dep,
                  max_rows=20)  # fmt: skip
    sec.notes(r)
    return [sec]


def actor_sections(
    store: Store, *, label: str, country: str | None, industry: str | None = None, top: int = 10
) -> list[Section]:
    """Strategic S&T actors of ``country`` (all countries when None) per industry."""
    from forcemap.decide.actors import strategic_actors

    r = strategic_actors(store, country=country, industry=industry, top=top)
    who = country or "all countries"
    sec = Section(
        f"{label}: strategic actors ({who}{', ' + industry if industry else ''})",
        method=rule_text(r.rule),
    )
    cols = ["industry", "rank", "name", "type", "country_code", "outcome", "score",
            "anchor_candidate", "works", "patents", "mncs", "mncs_low", "mncs_high", "pagerank",
            "brokerage", "breadth"]  # fmt: skip
    shown = r.table.select([c for c in cols if c in r.table.column_names])
    sec.table("Top organisations per industry", shown, max_rows=60)
    sec.notes(r)
    return [sec]


def decision_section(
    result: DecisionResult,
    title: str,
    columns: list[str],
    *,
    max_rows: int = 30,
    table_title: str | None = None,
) -> Section:
    """A report section for any :class:`~forcemap.decide.result.DecisionResult`: its table
    (the given columns; ``table_title`` above it, the section's title by default), the rule
    with every threshold, and its caveats."""
    r = result
    sec = Section(title, method=rule_text(r.rule))
    table = r.table
    shown = table.select([c for c in columns if c in table.column_names])
    if shown.num_rows:
        sec.table(table_title or title, shown, max_rows=max_rows)
    else:
        sec.text("No rows: nothing meets the rule on this store.")
    sec.notes(r)
    return sec
