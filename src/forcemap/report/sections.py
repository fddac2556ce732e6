"""Report sections built from the analysis layers (they call the API; they never compute).

Each function takes a store (and options), calls the public functions of one layer, and
returns :class:`~forcemap.report.render.Section` objects stating the method and the evidence.
"""

from __future__ import annotations

import pyarrow as pa

from forcemap.report.render import Section, bar_chart
from forcemap.store import Store

__all__ = ["network_sections"]


def network_sections(store: Store, *, label: str, min_edges: int = 10) -> list[Section]:
    """The institution collaboration network: size, communities, top brokers, linkage."""
    from forcemap.network import analyse, build_network, top_brokers

    net = build_network(store, kind="org_collaboration")
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
        return "–" if v is None else f"{v:.3f}"

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
    sec.table("Triple-helix linkage profile", a.linkage, max_rows=15)
    return [sec]
