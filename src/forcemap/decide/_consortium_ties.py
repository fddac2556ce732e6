"""Prior ties of a consortium's candidates: their edges in the industry's organisation
collaboration network (:func:`forcemap.network.build_network`), at the org level asked for."""

from __future__ import annotations

from forcemap.network.build import build_network
from forcemap.store.reference import Industry
from forcemap.store.store import Store

__all__ = ["prior_ties"]


def prior_ties(
    store: Store, ind: Industry, pid: list[str], years: tuple[int, int] | None, level: str
) -> tuple[list[int], list[int], list[float]]:
    """Pairs of the pool with a prior tie in the industry's collaboration network, and the
    tie weight over the strongest one."""
    concepts = sorted({*ind.concepts, *(c for s in ind.sub_technologies for c in s.concepts)})
    topics = sorted({*ind.topics, *(t for s in ind.sub_technologies for t in s.topics)})
    cpc = sorted({*ind.cpc, *(p for s in ind.sub_technologies for p in s.cpc)})
    net = build_network(
        store,
        kind="org_collaboration",
        concepts=concepts,
        topics=topics,
        cpc=cpc,
        years=years,
        org_level=level,
    )
    ppos = {o: i for i, o in enumerate(pid)}
    ta: list[int] = []
    tb: list[int] = []
    tw: list[float] = []
    for e in net.edges.select(["source", "target", "n_docs"]).to_pylist():
        a, b = ppos.get(e["source"]), ppos.get(e["target"])
        if a is not None and b is not None and a != b:
            ta.append(a)
            tb.append(b)
            tw.append(float(e["n_docs"]))
    tmax = max(tw) if tw else 1.0
    return ta, tb, [v / tmax for v in tw]
