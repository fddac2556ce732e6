r"""Thematic map and thematic evolution of a co-word network (Cobo et al. 2011; bibliometrix).

Thematic map
------------
The co-word network of a slice (:func:`forcemap.network.science_maps.science_map`,
``kind="coword"``: works carrying both terms, full counting) is cut into themes by community
detection, and each theme is placed by Callon's **centrality** (how strongly it is tied to the
other themes: its relevance for the field) and **density** (how strongly its terms are tied to
each other: its development) into one of four quadrants of the strategic diagram
(Cobo, López-Herrera, Herrera-Viedma & Herrera 2011, Fig. 2): **motor** themes (high centrality,
high density), **niche** (low centrality, high density), **emerging or declining** (low, low)
and **basic** (high centrality, low density).

With :math:`c_i` the works carrying term *i* and :math:`c_{ij}` the works carrying both,
``method="bibliometrix"`` (the default) follows bibliometrix's ``thematicMap``
(R/thematicMap.R, networkPlot.R, normalizeSimilarity.R; read at commit 4d97a0b, June 2026):

- **terms**: the ``n_terms`` terms with most occurrences (``n = 250``; ties: smallest term id,
  the order of bibliometrix's frequency-sorted ``cocMatrix``), isolates dropped;
- **clusters**: Louvain (igraph's multilevel) on the raw co-occurrence weights :math:`c_{ij}`
  without loops, run ten times with seeds ``seed``, ``seed + 1``, …, ``seed + 9`` keeping the
  partition of highest modularity (bibliometrix's ``clusteringNetwork``; deterministic for a
  seed, here with Python's ``random.Random`` as igraph's generator, so the partitions are not
  R's);
- **kept terms**: a term enters its theme's measures when it occurs at least
  :math:`\max(2, \lfloor \text{min\_freq} \cdot N / 1000 \rfloor)` times (``minfreq`` per
  thousand of the *N* works of the slice);
- **similarity**: the association index
  :math:`s_{ij} = c_{ij} / (c_i c_j)` (``normalizeSimilarity(type = "association")``);
- **centrality** and **density** of theme *T* of :math:`n_T` kept terms, over the upper
  triangle :math:`i \le j` of :math:`s` in the term order above (bibliometrix's ``triu``):

  .. math::

      \text{centrality}_T = \sum_{i < j,\; i \in T,\; j \notin T} s_{ij}, \qquad
      \text{density}_T = \frac{100}{n_T} \sum_{i \le j;\; i, j \in T} s_{ij}

  so an edge between two themes adds to the centrality of the theme of its earlier term only,
  and the diagonal :math:`s_{ii} = 1/c_i` adds to the density (both as bibliometrix computes
  them);
- **quadrants**: centrality and density are ranked (average ranks of ties) and the diagram is
  split at the mean rank, :math:`(k + 1)/2` for *k* themes, i.e. at the medians; a theme on a
  split line goes to its high side;
- **labels**: each term's score :math:`100\,(\alpha\, c_i / \sum_{t \in T} c_t +
  (1 - \alpha)\, \mathrm{PR}_i)` (:math:`\alpha = 0.5`; :math:`\mathrm{PR}` igraph's weighted
  PageRank of the term in the whole network, the relative frequency over every term of the
  theme before the ``minfreq`` cut), a theme is labelled by its ``n_labels`` best-scored kept
  terms (bibliometrix: ``n.labels = 1``).

``method="cobo"`` follows the paper instead: the equivalence index
:math:`e_{ij} = c_{ij}^2 / (c_i c_j)`, :math:`\text{centrality}_T = 10 \sum_{i \in T, j
\notin T} e_{ij}` over every external link (each counts for both its themes) and
:math:`\text{density}_T = 100 \sum_{i < j \in T} e_{ij} / n_T`; clusters, kept terms,
quadrants and labels as above (Cobo et al. cluster with the simple centres algorithm; both
methods here use Louvain).

Thematic evolution
------------------
The slice is cut into periods at ``cuts`` (bibliometrix's ``timeslice``: a cut year closes its
period, so ``cuts=[2015, 2019]`` over 2010–2022 gives 2010–2015, 2016–2019, 2020–2022), a
thematic map is made per period, and each theme *A* of a period is linked to each theme *B*
of the next sharing kept terms by the **inclusion index** (Cobo et al. 2011, eq. 3)
:math:`|A \cap B| / \min(|A|, |B|)`, bibliometrix's **weighted inclusion**
:math:`\sum_{t \in A \cap B} \min(c_t^A, c_t^B) / \min(\sum_{t \in A} c_t^A,
\sum_{t \in B} c_t^B)` (occurrences :math:`c_t` of the term in each period) and the
**stability** (Jaccard) index :math:`|A \cap B| / |A \cup B|` (Cobo et al. 2011, eq. 4).

References
----------
Cobo, M. J., López-Herrera, A. G., Herrera-Viedma, E. & Herrera, F. (2011). An approach for
detecting, quantifying, and visualizing the evolution of a research field: A practical
application to the Fuzzy Sets Theory field. *J. Informetrics* 5(1), 146–166.
doi:10.1016/j.joi.2010.10.002. Callon, M., Courtial, J. P. & Laville, F. (1991). Co-word
analysis as a tool for describing the network of interactions between basic and technological
research. *Scientometrics* 22(1), 155–205. doi:10.1007/BF02019280. Aria, M. & Cuccurullo, C.
(2017). bibliometrix: An R-tool for comprehensive science mapping analysis. *J. Informetrics*
11(4), 959–975. doi:10.1016/j.joi.2017.08.007.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import igraph as ig
import numpy as np
import pyarrow as pa
from scipy.stats import rankdata

from forcemap._checks import check_years
from forcemap.errors import InputError
from forcemap.network.science_maps import science_map
from forcemap.store.slices import create_work_slice

if TYPE_CHECKING:
    from pathlib import Path

    from forcemap.network.build import Network
    from forcemap.network.coword_terms import Thesaurus
    from forcemap.store.store import Store

__all__ = [
    "CLUSTER_SCHEMA",
    "LINK_SCHEMA",
    "METHODS",
    "QUADRANTS",
    "TERM_SCHEMA",
    "ThematicEvolution",
    "ThematicMap",
    "thematic_evolution",
    "thematic_map",
    "themes_of_network",
]

METHODS: tuple[str, ...] = ("bibliometrix", "cobo")
"""Centrality / density definitions of :func:`thematic_map`."""
QUADRANTS: tuple[str, ...] = ("motor", "niche", "emerging_or_declining", "basic")
"""Quadrants of the strategic diagram."""
LOUVAIN_RUNS = 10
"""Louvain runs per map, the best modularity kept (bibliometrix's ``n_runs``)."""
LABEL_ALPHA = 0.5
"""Weight of the relative frequency against PageRank in a term's label score."""

CLUSTER_SCHEMA = pa.schema(
    [
        ("cluster", pa.int64()),
        ("label", pa.string()),
        ("n_terms", pa.int64()),
        ("occurrences", pa.int64()),
        ("centrality", pa.float64()),
        ("density", pa.float64()),
        ("rank_centrality", pa.float64()),
        ("rank_density", pa.float64()),
        ("quadrant", pa.string()),
        ("terms", pa.list_(pa.string())),
    ]
)
"""Themes: one row each, numbered by decreasing occurrences (``terms``: labels, best first)."""
TERM_SCHEMA = pa.schema(
    [
        ("term_id", pa.string()),
        ("label", pa.string()),
        ("cluster", pa.int64()),
        ("occurrences", pa.int64()),
        ("pagerank", pa.float64()),
        ("score", pa.float64()),
    ]
)
"""Kept terms and their theme, by theme then decreasing score."""
LINK_SCHEMA = pa.schema(
    [
        ("from_period", pa.string()),
        ("from_cluster", pa.int64()),
        ("from_label", pa.string()),
        ("to_period", pa.string()),
        ("to_cluster", pa.int64()),
        ("to_label", pa.string()),
        ("inclusion", pa.float64()),
        ("weighted_inclusion", pa.float64()),
        ("stability", pa.float64()),
        ("shared_terms", pa.list_(pa.string())),
    ]
)
"""Links between the themes of consecutive periods."""


@dataclass
class ThematicMap:
    """Themes (:data:`CLUSTER_SCHEMA`), their terms (:data:`TERM_SCHEMA`) and the parameters
    and figures of the run (``meta``: method, works, min_occurrences, modularity, …)."""

    clusters: pa.Table
    terms: pa.Table
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class ThematicEvolution:
    """Per-period maps and the links between consecutive periods.

    ``periods``: period, start_year, end_year, works, clusters; ``clusters`` and ``terms``:
    the maps' tables with a leading ``period`` column; ``links``: :data:`LINK_SCHEMA`."""

    periods: pa.Table
    clusters: pa.Table
    terms: pa.Table
    links: pa.Table
    meta: dict[str, Any] = field(default_factory=dict)


def _louvain(g: ig.Graph, w: list[float], seed: int) -> tuple[list[int], float]:
    """Best-modularity Louvain partition of :data:`LOUVAIN_RUNS` seeded runs."""
    best: tuple[list[int], float] = ([], -math.inf)
    try:
        for r in range(LOUVAIN_RUNS):
            ig.set_random_number_generator(random.Random(seed + r))
            memb = g.community_multilevel(weights=w).membership
            q = g.modularity(memb, weights=w)
            if q > best[1]:
                best = (memb, q)
    finally:
        ig.set_random_number_generator(random)
    return best


def themes_of_network(
    net: Network,
    *,
    n_works: int,
    min_freq: float = 5.0,
    method: Literal["bibliometrix", "cobo"] = "bibliometrix",
    n_labels: int = 3,
    seed: int = 1234,
) -> ThematicMap:
    """The thematic map of a co-word network (module docstring): its nodes' ``n_docs`` are
    the terms' occurrences :math:`c_i`, its edges' ``weight`` the co-occurrences
    :math:`c_{ij}` (full counting, not normalised); ``n_works`` the works of the slice."""
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if isinstance(n_labels, bool) or not isinstance(n_labels, int) or n_labels < 1:
        raise InputError(f"n_labels={n_labels!r} must be an integer ≥ 1")
    if not 0 <= min_freq <= 1000:
        raise InputError(f"min_freq={min_freq!r} must be in [0, 1000] (per thousand works)")
    min_occ = max(2, math.floor(min_freq * n_works / 1000))
    nodes, edges = net.nodes, net.edges
    ids = nodes.column("node_id").to_pylist()
    labels = dict(zip(ids, nodes.column("label").to_pylist(), strict=True))
    occ_of = dict(zip(ids, nodes.column("n_docs").to_pylist(), strict=True))
    linked = set(edges.column("source").to_pylist()) | set(edges.column("target").to_pylist())
    # the matrix order: occurrences desc, then id (isolates dropped)
    order = sorted((t for t in ids if t in linked), key=lambda t: (-occ_of[t], t))
    k = len(order)
    meta: dict[str, Any] = {
        "method": method,
        "works": n_works,
        "min_freq": min_freq,
        "min_occurrences": min_occ,
        "seed": seed,
        "network_terms": len(ids),
        "linked_terms": k,
    }
    if k == 0:
        meta |= {"modularity": None, "clusters": 0, "reason": "no two terms co-occur"}
        return ThematicMap(CLUSTER_SCHEMA.empty_table(), TERM_SCHEMA.empty_table(), meta)
    pos = {t: i for i, t in enumerate(order)}
    src = np.array([pos[t] for t in edges.column("source").to_pylist()], np.int64)
    tgt = np.array([pos[t] for t in edges.column("target").to_pylist()], np.int64)
    w = edges.column("weight").to_numpy().astype(np.float64)
    occ = np.array([occ_of[t] for t in order], np.float64)
    g = ig.Graph(n=k, edges=np.column_stack([src, tgt]).tolist(), directed=False)
    memb_l, modularity = _louvain(g, w.tolist(), seed)
    memb = np.asarray(memb_l, np.int64)
    pagerank = np.asarray(g.pagerank(weights=w.tolist(), directed=False), np.float64)
    group_occ = np.bincount(memb, weights=occ)
    score = 100.0 * (LABEL_ALPHA * occ / group_occ[memb] + (1 - LABEL_ALPHA) * pagerank)
    kept = occ >= min_occ
    # similarity on the kept terms, upper triangle in matrix order (i < j)
    a, b = np.minimum(src, tgt), np.maximum(src, tgt)
    on = kept[a] & kept[b]
    a, b, cij = a[on], b[on], w[on]
    centrality: np.ndarray
    if method == "bibliometrix":
        s = cij / (occ[a] * occ[b])
        ext = memb[a] != memb[b]
        centrality = np.bincount(memb[a][ext], weights=s[ext], minlength=len(group_occ))
        inside = np.bincount(memb[a][~ext], weights=s[~ext], minlength=len(group_occ))
        inside += np.bincount(memb[kept], weights=1.0 / occ[kept], minlength=len(group_occ))
    else:
        e = cij**2 / (occ[a] * occ[b])
        ext = memb[a] != memb[b]
        centrality = 10.0 * (
            np.bincount(memb[a][ext], weights=e[ext], minlength=len(group_occ))
            + np.bincount(memb[b][ext], weights=e[ext], minlength=len(group_occ))
        )
        inside = np.bincount(memb[a][~ext], weights=e[~ext], minlength=len(group_occ))
    n_kept = np.bincount(memb[kept], minlength=len(group_occ))
    occ_kept = np.bincount(memb[kept], weights=occ[kept], minlength=len(group_occ))
    groups = np.flatnonzero(n_kept > 0)
    if groups.size == 0:  # linked terms, none frequent enough to place a theme
        meta |= {
            "modularity": float(modularity),
            "clusters": 0,
            "reason": f"no term reaches min_occurrences = {min_occ}",
        }
        return ThematicMap(CLUSTER_SCHEMA.empty_table(), TERM_SCHEMA.empty_table(), meta)
    density = 100.0 * inside[groups] / n_kept[groups]
    centrality = centrality[groups]
    rc, rd = rankdata(centrality), rankdata(density)
    hi_c, hi_d = rc >= rc.mean(), rd >= rd.mean()
    quadrant = np.where(
        hi_c, np.where(hi_d, "motor", "basic"), np.where(hi_d, "niche", "emerging_or_declining")
    )
    # terms of each theme by decreasing score (ties: term id)
    members: dict[int, list[int]] = {int(gr): [] for gr in groups}
    for i in sorted(np.flatnonzero(kept).tolist(), key=lambda i: (-score[i], order[i])):
        members[int(memb[i])].append(i)
    lab = {
        gr: "; ".join(labels[order[i]] or order[i] for i in m[:n_labels])
        for gr, m in members.items()
    }
    # themes numbered by decreasing occurrences, ties by label
    rank = sorted(range(len(groups)), key=lambda j: (-occ_kept[groups[j]], lab[int(groups[j])]))
    number = {int(groups[j]): n + 1 for n, j in enumerate(rank)}
    clusters = pa.table(
        {
            "cluster": [number[int(groups[j])] for j in rank],
            "label": [lab[int(groups[j])] for j in rank],
            "n_terms": [int(n_kept[groups[j]]) for j in rank],
            "occurrences": [int(occ_kept[groups[j]]) for j in rank],
            "centrality": [float(centrality[j]) for j in rank],
            "density": [float(density[j]) for j in rank],
            "rank_centrality": [float(rc[j]) for j in rank],
            "rank_density": [float(rd[j]) for j in rank],
            "quadrant": [str(quadrant[j]) for j in rank],
            "terms": [[labels[order[i]] for i in members[int(groups[j])]] for j in rank],
        },
        schema=CLUSTER_SCHEMA,
    )
    rows = [i for j in rank for i in members[int(groups[j])]]
    terms = pa.table(
        {
            "term_id": [order[i] for i in rows],
            "label": [labels[order[i]] for i in rows],
            "cluster": [number[int(memb[i])] for i in rows],
            "occurrences": [int(occ[i]) for i in rows],
            "pagerank": [float(pagerank[i]) for i in rows],
            "score": [float(score[i]) for i in rows],
        },
        schema=TERM_SCHEMA,
    )
    meta |= {"modularity": float(modularity), "clusters": clusters.num_rows}
    return ThematicMap(clusters, terms, meta)


def thematic_map(
    store: Store,
    *,
    terms: Literal["concept", "topic", "title", "abstract", "title_abstract"] = "title_abstract",
    thesaurus: str | Path | Thesaurus | None = None,
    industry: str | None = None,
    field: str | None = None,
    concepts: Collection[str] | None = None,
    topics: Collection[str] | None = None,
    years: tuple[int, int] | None = None,
    n_terms: int = 250,
    min_freq: float = 5.0,
    method: Literal["bibliometrix", "cobo"] = "bibliometrix",
    n_labels: int = 3,
    seed: int = 1234,
    bigrams: bool = True,
    min_score: float = 0.3,
) -> ThematicMap:
    """The thematic map (strategic diagram) of a slice's co-word network.

    Parameters
    ----------
    store : Store
    terms : {"concept", "topic", "title", "abstract", "title_abstract"}
        Co-word terms (:func:`~forcemap.network.science_maps.science_map`).
    thesaurus : path or Thesaurus, optional
        VOSviewer thesaurus merging and ignoring terms.
    industry, field, concepts, topics, years
        The slice of works.
    n_terms : int, default 250
        Terms of the network: the most frequent (bibliometrix's ``n``).
    min_freq : float, default 5.0
        Per thousand works: a term enters its theme's measures from
        :math:`\\max(2, \\lfloor \\text{min\\_freq} \\cdot N / 1000 \\rfloor)` occurrences.
    method : {"bibliometrix", "cobo"}
        Centrality and density definitions (module docstring).
    n_labels : int, default 3
        Terms naming a theme.
    seed : int, default 1234
        First seed of the Louvain runs (bibliometrix's default).
    bigrams : bool, default True
        Text terms: pairs of consecutive stems as well.
    min_score : float, default 0.3
        Concept terms: score from which a work carries a concept.

    Returns
    -------
    ThematicMap
        ``clusters`` (:data:`CLUSTER_SCHEMA`), ``terms`` (:data:`TERM_SCHEMA`), ``meta``.

    Notes
    -----
    Hand-worked (``tests/network/test_thematic.py``): two triangles of terms joined by one
    edge give two themes; their centralities and densities are worked out there from
    :math:`c_{ij}` and :math:`c_i`.
    """
    if isinstance(n_terms, bool) or not isinstance(n_terms, int) or n_terms < 2:
        raise InputError(f"n_terms={n_terms!r} must be an integer ≥ 2")
    net = science_map(
        store,
        kind="coword",
        terms=terms,
        thesaurus=thesaurus,
        industry=industry,
        field=field,
        concepts=concepts,
        topics=topics,
        years=years,
        max_nodes=n_terms,
        bigrams=bigrams,
        min_score=min_score,
    )
    tm = themes_of_network(
        net,
        n_works=int(net.meta["slice"]["works"]),
        min_freq=min_freq,
        method=method,
        n_labels=n_labels,
        seed=seed,
    )
    tm.meta |= {"terms": terms, "n_terms": n_terms, "slice": net.meta["slice"]}
    if "thesaurus" in net.meta:
        tm.meta["thesaurus"] = net.meta["thesaurus"]
    return tm


def _periods(
    store: Store,
    cuts: Sequence[int],
    years: tuple[int, int] | None,
    slice_args: dict[str, Any],
) -> list[tuple[int, int]]:
    """(start, end) of each period: a cut year closes its period (bibliometrix's timeslice).
    Without ``years``, the periods span the years of the slice's works (``slice_args``:
    industry, field, concepts, topics), not the whole store's."""
    y0, y1 = check_years(years)
    if y0 is None or y1 is None:
        cur = store.cursor()
        try:
            create_work_slice(cur, years=years, **slice_args)
            lo, hi = cur.execute("SELECT min(year), max(year) FROM _fm_works").fetchall()[0]
        finally:
            cur.close()
        if lo is None:
            raise InputError("no works with a year in the slice (or the years given)")
        y0 = lo if y0 is None else y0
        y1 = hi if y1 is None else y1
    cs = [int(c) for c in cuts]
    if not cs:
        raise InputError("thematic evolution needs at least one cut year (two periods)")
    if cs != sorted(set(cs)):
        raise InputError(f"cuts {cs} must be strictly increasing years")
    if cs[0] < y0 or cs[-1] >= y1:
        raise InputError(f"cuts {cs} must lie in [{y0}, {y1 - 1}] (the years of the works)")
    bounds = [y0 - 1, *cs, y1]
    return [(bounds[i] + 1, bounds[i + 1]) for i in range(len(bounds) - 1)]


def _links(p1: str, m1: ThematicMap, p2: str, m2: ThematicMap) -> list[dict[str, Any]]:
    """Inclusion, weighted inclusion and stability of every pair of themes sharing terms."""

    def themes(m: ThematicMap) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {}
        for r in m.terms.to_pylist():
            out.setdefault(r["cluster"], {})[r["term_id"]] = r["occurrences"]
        return out

    label1 = dict(
        zip(m1.clusters["cluster"].to_pylist(), m1.clusters["label"].to_pylist(), strict=True)
    )
    label2 = dict(
        zip(m2.clusters["cluster"].to_pylist(), m2.clusters["label"].to_pylist(), strict=True)
    )
    lab_of = dict(zip(m2.terms["term_id"].to_pylist(), m2.terms["label"].to_pylist(), strict=True))
    t1, t2 = themes(m1), themes(m2)
    rows = []
    for c1, a in sorted(t1.items()):
        for c2, b in sorted(t2.items()):
            shared = sorted(set(a) & set(b), key=lambda t: (-min(a[t], b[t]), t))
            if not shared:
                continue
            rows.append(
                {
                    "from_period": p1,
                    "from_cluster": c1,
                    "from_label": label1[c1],
                    "to_period": p2,
                    "to_cluster": c2,
                    "to_label": label2[c2],
                    "inclusion": len(shared) / min(len(a), len(b)),
                    "weighted_inclusion": sum(min(a[t], b[t]) for t in shared)
                    / min(sum(a.values()), sum(b.values())),
                    "stability": len(shared) / len(set(a) | set(b)),
                    "shared_terms": [lab_of[t] for t in shared],
                }
            )
    return rows


def thematic_evolution(
    store: Store,
    *,
    cuts: Sequence[int],
    years: tuple[int, int] | None = None,
    **kwargs: Any,
) -> ThematicEvolution:
    """Thematic maps of consecutive periods linked by their shared terms (module docstring).

    Parameters
    ----------
    store : Store
    cuts : sequence of int
        Years closing each period but the last (``[2015, 2019]``: up to 2015, 2016–2019,
        from 2020).
    years : (int, int), optional
        The first and last years (default: those of the store's works).
    **kwargs
        :func:`thematic_map`'s parameters (terms, thesaurus, industry, n_terms, min_freq,
        method, …) for every period.

    Returns
    -------
    ThematicEvolution
        Links (:data:`LINK_SCHEMA`) between the themes of consecutive periods sharing at
        least one kept term; ``shared_terms`` by decreasing smaller occurrence.

    Notes
    -----
    Hand-worked (``tests/network/test_thematic.py``): themes {a, b, c} (occurrences 4, 3, 2)
    and {a, b, d} (3, 5, 2) share a and b: inclusion 2/3, weighted inclusion
    (3 + 3)/min(9, 10) = 2/3, stability 2/4.
    """
    if "years" in kwargs:
        raise InputError("years is thematic_evolution's own parameter")
    slice_args: dict[str, Any] = {
        k: kwargs[k] for k in ("industry", "field", "concepts", "topics") if k in kwargs
    }
    spans = _periods(store, cuts, years, slice_args)
    maps = [(f"{a}-{b}", a, b, thematic_map(store, years=(a, b), **kwargs)) for a, b in spans]
    periods = pa.table(
        {
            "period": [p for p, *_ in maps],
            "start_year": pa.array([a for _, a, _, _ in maps], pa.int64()),
            "end_year": pa.array([b for _, _, b, _ in maps], pa.int64()),
            "works": pa.array([m.meta["works"] for *_, m in maps], pa.int64()),
            "clusters": pa.array([m.clusters.num_rows for *_, m in maps], pa.int64()),
        }
    )

    def stacked(attr: str, schema: pa.Schema) -> pa.Table:
        parts = []
        for p, _, _, m in maps:
            t = getattr(m, attr)
            parts.append(t.add_column(0, "period", pa.array([p] * t.num_rows, pa.string())))
        return pa.concat_tables(parts) if parts else schema.empty_table()

    rows: list[dict[str, Any]] = []
    for (p1, _, _, m1), (p2, _, _, m2) in itertools.pairwise(maps):
        rows += _links(p1, m1, p2, m2)
    links = pa.Table.from_pylist(rows, schema=LINK_SCHEMA)
    meta = {
        "cuts": [int(c) for c in cuts],
        "periods": [p for p, *_ in maps],
        "maps": {p: m.meta for p, _, _, m in maps},
    }
    return ThematicEvolution(
        periods=periods,
        clusters=stacked("clusters", CLUSTER_SCHEMA),
        terms=stacked("terms", TERM_SCHEMA),
        links=links,
        meta=meta,
    )
