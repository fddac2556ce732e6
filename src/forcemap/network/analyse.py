r"""Analyse a network: centrality, brokerage, communities, core–periphery, linkage profiles.

The graph is handed to igraph (C) for degree, strength, PageRank, betweenness, k-cores,
components and Leiden communities; Burt's constraint and effective size are computed by a
numba kernel over the CSR adjacency (one pass over the common neighbours of every linked
pair), which also works for graphs where igraph's all-pairs version is too slow. Results are
Arrow tables and a plain summary dict; nothing here formats output.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import igraph as ig
import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from forcemap.errors import InputError
from forcemap.network.build import Network
from forcemap.store.store import scratch_connection

__all__ = [
    "LEIDEN_MAX_ITERATIONS",
    "LEIDEN_TOLERANCE",
    "MEASURES",
    "NetworkAnalysis",
    "analyse",
    "burt",
    "degree_centralisation",
    "leiden",
    "node_table",
    "top_brokers",
    "triple_helix",
]

MEASURES: frozenset[str] = frozenset(
    {"betweenness", "constraint", "coreness", "leiden", "pagerank"}
)

#: Stop Leiden when one more iteration improves modularity by less than this.
LEIDEN_TOLERANCE = 1e-4
#: At most this many Leiden iterations.
LEIDEN_MAX_ITERATIONS = 20

_HELIX = {
    ("enterprise", "university"): "enterprise_university",
    ("enterprise", "institute"): "enterprise_institute",
    ("institute", "university"): "university_institute",
}


@dataclass(frozen=True)
class NetworkAnalysis:
    """What :func:`analyse` found.

    Attributes
    ----------
    nodes : pa.Table
        One row per node, in the network's node order: node_id, label, type, country_code,
        degree (distinct neighbours, either direction), strength (sum of weights; out + in for
        flows), in_strength, out_strength (flows; equal to strength otherwise), pagerank,
        betweenness, constraint (Burt; null for isolates), effective_size (Burt; null for
        isolates), community (int, 0 = largest; null when Leiden was skipped), coreness (k of
        the k-core), in_core (in the main core, the highest k), component (0 = largest),
        in_lcc (bool).
    communities : pa.Table
        community, size, internal_weight, strength, top_node_id, top_label (highest strength),
        dominant_type, dominant_type_share, n_countries; ordered by community.
    linkage : pa.Table
        The triple-helix profile: type_a, type_b (sorted), weight, n_edges, share of all edge
        weight.
    regions : pa.Table
        Per country_code: strength (collaboration kinds) or out_flow, in_flow (flows leaving
        and entering the region, internal flows excluded), balance = (out − in)/(out + in).
    summary : dict
        n_nodes, n_edges, directed, density, total_weight, n_components, lcc_size, lcc_share,
        modularity, n_communities, resolution, seed, degree_centralisation, max_coreness,
        core_size, cross_border_share, cross_region_share, the three triple-helix shares and
        same_type_share, betweenness_method (``exact`` or ``sampled``),
        betweenness_sources, and notes.
    """

    nodes: pa.Table
    communities: pa.Table
    linkage: pa.Table
    regions: pa.Table
    summary: dict[str, Any] = field(default_factory=dict)


# -- graph construction --------------------------------------------------------------------
def _collapsed(network: Network) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Integer edge list (one edge per node pair or ordered pair) with summed weights."""
    ids = network.nodes["node_id"].to_pylist()
    edges = network.edges
    if edges.num_rows == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z, np.zeros(0), ids
    agg = edges.group_by(["source", "target"]).aggregate([("weight", "sum")])
    node_arr = network.nodes["node_id"]
    src = pc.index_in(agg["source"], value_set=node_arr).to_numpy(zero_copy_only=False)
    tgt = pc.index_in(agg["target"], value_set=node_arr).to_numpy(zero_copy_only=False)
    w = agg["weight_sum"].to_numpy().astype(np.float64)
    if not network.directed:
        a, b = np.minimum(src, tgt), np.maximum(src, tgt)
        key = a.astype(np.int64) * len(ids) + b
        uniq, inv = np.unique(key, return_inverse=True)
        ws = np.bincount(inv, weights=w)
        src, tgt, w = uniq // len(ids), uniq % len(ids), ws
    return src.astype(np.int64), tgt.astype(np.int64), w, ids


def _graph(n: int, src: np.ndarray, tgt: np.ndarray, *, directed: bool) -> ig.Graph:
    edges = np.column_stack([src, tgt]) if len(src) else np.zeros((0, 2), dtype=np.int64)
    return ig.Graph(n=n, edges=edges, directed=directed)


def _mutual_csr(
    n: int, src: np.ndarray, tgt: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Symmetric CSR of mutual weights a_ij + a_ji, neighbours sorted, no self-loops."""
    keep = src != tgt
    s, t, ww = src[keep], tgt[keep], w[keep]
    rows = np.concatenate([s, t])
    cols = np.concatenate([t, s])
    vals = np.concatenate([ww, ww])
    key = rows * n + cols
    order = np.argsort(key, kind="stable")
    key, vals = key[order], vals[order]
    uniq, start = np.unique(key, return_index=True)
    summed = np.add.reduceat(vals, start) if len(vals) else vals
    r, c = uniq // n, uniq % n
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, r + 1, 1)
    np.cumsum(indptr, out=indptr)
    return indptr, c.astype(np.int64), summed.astype(np.float64)


@numba.njit(cache=True, nogil=True)
def _burt_kernel(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    n = len(indptr) - 1
    rowsum = np.zeros(n)
    rowmax = np.zeros(n)
    for i in range(n):
        for k in range(indptr[i], indptr[i + 1]):
            rowsum[i] += data[k]
            if data[k] > rowmax[i]:
                rowmax[i] = data[k]
    con = np.zeros(n)
    eff = np.zeros(n)
    for i in range(n):
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            if j <= i:
                continue
            # common neighbours q of i and j: walk the shorter list, binary-search the longer
            a0, a1, b0, b1 = indptr[i], indptr[i + 1], indptr[j], indptr[j + 1]
            swap = (a1 - a0) > (b1 - b0)
            if swap:
                a0, a1, b0, b1 = b0, b1, a0, a1
            ind_ij = 0.0  # sum_q p_iq p_qj
            ind_ji = 0.0  # sum_q p_jq p_qi
            red_ij = 0.0  # sum_q p_iq m_jq
            red_ji = 0.0  # sum_q p_jq m_iq
            for ka in range(a0, a1):
                q = indices[ka]
                lo, hi = b0, b1
                while lo < hi:
                    mid = (lo + hi) // 2
                    if indices[mid] < q:
                        lo = mid + 1
                    else:
                        hi = mid
                if lo < b1 and indices[lo] == q:
                    if swap:  # ka is in j's row, lo in i's row
                        w_jq, w_iq = data[ka], data[lo]
                    else:
                        w_iq, w_jq = data[ka], data[lo]
                    p_iq = w_iq / rowsum[i]
                    p_jq = w_jq / rowsum[j]
                    p_qj = w_jq / rowsum[q]
                    p_qi = w_iq / rowsum[q]
                    ind_ij += p_iq * p_qj
                    ind_ji += p_jq * p_qi
                    red_ij += p_iq * (w_jq / rowmax[j])
                    red_ji += p_jq * (w_iq / rowmax[i])
            w_ij = data[k]
            con[i] += (w_ij / rowsum[i] + ind_ij) ** 2
            con[j] += (w_ij / rowsum[j] + ind_ji) ** 2
            eff[i] += 1.0 - red_ij
            eff[j] += 1.0 - red_ji
    return con, eff


def burt(
    network: Network,
) -> pa.Table:
    r"""Burt's constraint and effective size of every node (brokerage, structural holes).

    With mutual tie strengths :math:`a_{ij} + a_{ji}` normalised per node,
    :math:`p_{ij} = (a_{ij}+a_{ji}) / \sum_k (a_{ik}+a_{ki})`, and
    :math:`m_{jq} = (a_{jq}+a_{qj}) / \max_k (a_{jk}+a_{kj})`,

    .. math::

        C_i = \sum_{j \in N(i)} \Big(p_{ij} + \sum_{q \ne i,j} p_{iq}\,p_{qj}\Big)^2,
        \qquad
        E_i = \sum_{j \in N(i)} \Big(1 - \sum_{q \ne i,j} p_{iq}\, m_{jq}\Big)

    Low constraint and high effective size mark brokers spanning structural holes.

    Parameters
    ----------
    network : Network
        Any network; layers are summed and directed flows symmetrised (mutual weights).

    Returns
    -------
    pa.Table
        node_id: string, constraint: double, effective_size: double (null for isolates), in
        the network's node order.

    Notes
    -----
    :math:`j` ranges over the direct contacts of :math:`i`, as in networkx's ``constraint``
    and ``effective_size`` (igraph's ``constraint`` also adds two-step contacts and can
    differ). For unweighted graphs :math:`E_i = n - 2t/n` (Borgatti 1997).

    References
    ----------
    Burt, R. S. (1992). Structural Holes: The Social Structure of Competition. Harvard
    University Press. doi:10.4159/9780674029095
    """
    src, tgt, w, ids = _collapsed(network)
    con, eff = _burt_arrays(len(ids), src, tgt, w)
    return pa.table(
        {"node_id": pa.array(ids, pa.string()), "constraint": con, "effective_size": eff}
    )


def _burt_arrays(
    n: int, src: np.ndarray, tgt: np.ndarray, w: np.ndarray
) -> tuple[pa.Array, pa.Array]:
    indptr, indices, data = _mutual_csr(n, src, tgt, w)
    con, eff = _burt_kernel(indptr, indices, data)
    isolated = np.diff(indptr) == 0
    return (
        pa.array(con, pa.float64(), mask=isolated),
        pa.array(eff, pa.float64(), mask=isolated),
    )


def leiden(network: Network, *, resolution: float = 1.0, seed: int = 0) -> tuple[np.ndarray, float]:
    r"""Leiden communities maximising modularity (weighted, undirected).

    .. math::

        Q = \frac{1}{2m}\sum_{ij}\Big(A_{ij} - \gamma\frac{k_i k_j}{2m}\Big)\delta(c_i, c_j)

    Parameters
    ----------
    network : Network
        Layers summed; flows are made undirected (weights of both directions summed).
    resolution : float, default 1.0
        :math:`\gamma`; higher gives more, smaller communities.
    seed : int, default 0
        Seed of the random generator igraph uses (restored to Python's ``random`` after).

    Returns
    -------
    (numpy.ndarray, float)
        Community of each node in the network's node order (0 = largest, ties by lowest
        node index), and the modularity :math:`Q` of that partition at ``resolution``.

    Notes
    -----
    igraph's ``community_leiden(objective_function="modularity")``, one iteration at a time
    from the previous partition, until the partition is stable or an iteration improves
    :math:`Q` by less than :data:`LEIDEN_TOLERANCE` (at most :data:`LEIDEN_MAX_ITERATIONS`).
    Iterating to full stability (igraph's ``n_iterations=-1``) costs minutes on dense
    networks for gains in the fourth decimal of :math:`Q` (a 138 k-node, 2.6 M-edge
    organisation network: Q 0.2581 after 2 iterations in 6 s, 0.2611 when stable after
    712 s). Isolates form singleton communities. An edgeless graph has Q = NaN → 0.

    References
    ----------
    Traag, V. A., Waltman, L., & van Eck, N. J. (2019). From Louvain to Leiden: guaranteeing
    well-connected communities. Scientific Reports 9, 5233. doi:10.1038/s41598-019-41695-z
    """
    src, tgt, w, ids = _collapsed(network)
    return _leiden_arrays(
        len(ids), src, tgt, w, directed=network.directed, resolution=resolution, seed=seed
    )


def _leiden_arrays(
    n: int,
    src: np.ndarray,
    tgt: np.ndarray,
    w: np.ndarray,
    *,
    directed: bool,
    resolution: float,
    seed: int,
    graph: ig.Graph | None = None,
) -> tuple[np.ndarray, float]:
    if directed and len(src):
        a, b = np.minimum(src, tgt), np.maximum(src, tgt)
        key = a * n + b
        uniq, inv = np.unique(key, return_inverse=True)
        w = np.bincount(inv, weights=w)
        src, tgt = uniq // n, uniq % n
        graph = None
    g = graph if graph is not None else _graph(n, src, tgt, directed=False)
    if g.ecount() == 0:
        return np.arange(n, dtype=np.int64), 0.0
    wl = w.tolist()
    ig.set_random_number_generator(random.Random(seed))
    try:
        memb_l: list[int] | None = None
        q = -math.inf
        for _ in range(LEIDEN_MAX_ITERATIONS):
            part = g.community_leiden(
                objective_function="modularity",
                weights=wl,
                resolution=resolution,
                n_iterations=1,
                initial_membership=memb_l,
            )
            q_new = g.modularity(part.membership, weights=wl, resolution=resolution)
            stable = part.membership == memb_l
            memb_l, gain, q = part.membership, q_new - q, q_new
            if stable or gain < LEIDEN_TOLERANCE:
                break
    finally:
        ig.set_random_number_generator(random)
    memb = _relabel(np.asarray(memb_l, dtype=np.int64))
    q = g.modularity(memb.tolist(), weights=wl, resolution=resolution)
    return memb, float(q)


def _relabel(memb: np.ndarray) -> np.ndarray:
    """Renumber groups by decreasing size, ties by first member."""
    if len(memb) == 0:
        return memb
    labels, first, counts = np.unique(memb, return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))
    new = np.empty(len(labels), dtype=np.int64)
    new[order] = np.arange(len(labels))
    return new[np.searchsorted(labels, memb)]


def degree_centralisation(degrees: np.ndarray) -> float | None:
    r"""Freeman's degree centralisation of an undirected graph.

    .. math::

        C_D = \frac{\sum_i (d_{\max} - d_i)}{(n-1)(n-2)}

    1 for a star, 0 for a regular graph.

    Parameters
    ----------
    degrees : numpy.ndarray
        Degree (distinct neighbours) of each node.

    Returns
    -------
    float or None
        None when there are fewer than 3 nodes.

    References
    ----------
    Freeman, L. C. (1978). Centrality in social networks: conceptual clarification. Social
    Networks 1(3), 215–239. doi:10.1016/0378-8733(78)90021-7

    Examples
    --------
    >>> import numpy as np
    >>> degree_centralisation(np.array([3, 1, 1, 1]))
    1.0
    """
    n = len(degrees)
    if n < 3:
        return None
    return float((degrees.max() - degrees).sum() / ((n - 1) * (n - 2)))


def triple_helix(network: Network) -> pa.Table:
    """Share of edge weight between each pair of node types (the triple-helix profile).

    Parameters
    ----------
    network : Network
        Edges are matched to the node ``type`` of both ends.

    Returns
    -------
    pa.Table
        type_a, type_b (alphabetical), weight: double, n_edges: int64, share: double (of the
        total edge weight; null when the total is 0), ordered by weight descending.
    """
    con = scratch_connection()
    con.register("_n", network.nodes.select(["node_id", "type"]))
    con.register("_e", network.edges.select(["source", "target", "weight"]))
    out = con.sql(
        """
        SELECT least(a.type, b.type) AS type_a, greatest(a.type, b.type) AS type_b,
               sum(e.weight)::DOUBLE AS weight, count(*)::BIGINT AS n_edges,
               (sum(e.weight) / nullif(sum(sum(e.weight)) OVER (), 0))::DOUBLE AS share
        FROM _e e JOIN _n a ON a.node_id = e.source JOIN _n b ON b.node_id = e.target
        GROUP BY ALL ORDER BY weight DESC, type_a, type_b
        """
    ).to_arrow_table()
    con.close()
    return out


def _cross_shares(network: Network) -> tuple[float | None, float | None]:
    """Share of weight crossing borders (both countries known) and regions (cities known)."""
    con = scratch_connection()
    con.register("_n", network.nodes.select(["node_id", "country_code", "city"]))
    con.register("_e", network.edges.select(["source", "target", "weight"]))
    row = con.execute(
        """
        SELECT sum(CASE WHEN a.country_code <> b.country_code THEN e.weight ELSE 0 END)
                 / nullif(sum(CASE WHEN a.country_code IS NOT NULL
                                    AND b.country_code IS NOT NULL THEN e.weight END), 0),
               sum(CASE WHEN a.city IS NOT NULL AND b.city IS NOT NULL
                         AND (a.country_code IS DISTINCT FROM b.country_code
                              OR a.city <> b.city) THEN e.weight ELSE 0 END)
                 / nullif(sum(CASE WHEN a.city IS NOT NULL
                                    AND b.city IS NOT NULL THEN e.weight END), 0)
        FROM _e e JOIN _n a ON a.node_id = e.source JOIN _n b ON b.node_id = e.target
        """
    ).fetchone()
    con.close()
    if row is None:
        return None, None
    return (
        None if row[0] is None else float(row[0]),
        None if row[1] is None else float(row[1]),
    )


def _regions(network: Network) -> pa.Table:
    con = scratch_connection()
    con.register("_n", network.nodes.select(["node_id", "country_code"]))
    con.register("_e", network.edges.select(["source", "target", "weight"]))
    if network.directed:
        sql = """
        WITH f AS (
            SELECT a.country_code AS src, b.country_code AS tgt, e.weight
            FROM _e e JOIN _n a ON a.node_id = e.source JOIN _n b ON b.node_id = e.target
            WHERE a.country_code IS NOT NULL AND b.country_code IS NOT NULL
              AND a.country_code <> b.country_code),
        o AS (SELECT src AS region, sum(weight) AS out_flow FROM f GROUP BY ALL),
        i AS (SELECT tgt AS region, sum(weight) AS in_flow FROM f GROUP BY ALL)
        SELECT region, coalesce(out_flow, 0)::DOUBLE AS out_flow,
               coalesce(in_flow, 0)::DOUBLE AS in_flow,
               ((coalesce(out_flow, 0) - coalesce(in_flow, 0))
                 / nullif(coalesce(out_flow, 0) + coalesce(in_flow, 0), 0))::DOUBLE AS balance
        FROM o FULL JOIN i USING (region) ORDER BY region"""
    else:
        sql = """
        SELECT n.country_code AS region, count(DISTINCT n.node_id)::BIGINT AS n_nodes,
               coalesce(sum(x.weight), 0)::DOUBLE AS strength,
               coalesce(sum(CASE WHEN x.cross THEN x.weight END), 0)::DOUBLE AS cross_border
        FROM _n n LEFT JOIN (
            SELECT e.source AS node_id, e.weight,
                   a.country_code IS DISTINCT FROM b.country_code AS cross
            FROM _e e JOIN _n a ON a.node_id = e.source JOIN _n b ON b.node_id = e.target
            UNION ALL
            SELECT e.target, e.weight, a.country_code IS DISTINCT FROM b.country_code
            FROM _e e JOIN _n a ON a.node_id = e.source JOIN _n b ON b.node_id = e.target
        ) x USING (node_id)
        WHERE n.country_code IS NOT NULL
        GROUP BY ALL ORDER BY region"""
    out = con.sql(sql).to_arrow_table()
    con.close()
    return out


def _communities(nodes: pa.Table, internal: np.ndarray) -> pa.Table:
    """One row per community; ``internal[c]`` is the weight of edges inside community c."""
    con = scratch_connection()
    con.register(
        "_n", nodes.select(["node_id", "label", "type", "country_code", "strength", "community"])
    )
    con.register(
        "_iw",
        pa.table(
            {
                "community": pa.array(np.arange(len(internal)), pa.int64()),
                "w": pa.array(internal, pa.float64()),
            }
        ),
    )
    out = con.sql(
        """
        WITH t AS (SELECT community, type, count(*) AS k FROM _n GROUP BY ALL),
        dom AS (SELECT community, arg_max(type, k) AS dominant_type, max(k) AS k FROM t
                GROUP BY ALL)
        SELECT n.community, count(*)::BIGINT AS size,
               coalesce(any_value(iw.w), 0)::DOUBLE AS internal_weight,
               sum(n.strength)::DOUBLE AS strength,
               arg_max(n.node_id, n.strength) AS top_node_id,
               arg_max(n.label, n.strength) AS top_label,
               any_value(d.dominant_type) AS dominant_type,
               (any_value(d.k) / count(*))::DOUBLE AS dominant_type_share,
               count(DISTINCT n.country_code)::BIGINT AS n_countries
        FROM _n n LEFT JOIN _iw iw USING (community) LEFT JOIN dom d USING (community)
        WHERE n.community IS NOT NULL
        GROUP BY n.community ORDER BY n.community
        """
    ).to_arrow_table()
    con.close()
    return out


def analyse(
    network: Network,
    *,
    resolution: float = 1.0,
    seed: int = 0,
    measures: Collection[str] = MEASURES,
    betweenness_exact_max_nodes: int = 20000,
    betweenness_samples: int = 256,
    damping: float = 0.85,
) -> NetworkAnalysis:
    r"""Centrality, brokerage, communities, cores and linkage profile of a network.

    Parameters
    ----------
    network : Network
        From :func:`~forcemap.network.build.build_network` (layers are summed).
    resolution : float, default 1.0
        Leiden modularity resolution :math:`\gamma` (see :func:`leiden`).
    seed : int, default 0
        Seeds Leiden and the betweenness source sample.
    measures : collection of str, default all of :data:`MEASURES`
        Which of betweenness, constraint (with effective size), coreness, leiden, pagerank to
        compute; skipped ones are null.
    betweenness_exact_max_nodes : int, default 20000
        Exact betweenness up to this many nodes; above, estimated from
        ``betweenness_samples`` random source nodes and scaled by :math:`n/k` (Brandes &
        Pich 2007), and ``summary["betweenness_method"]`` says ``sampled``.
    betweenness_samples : int, default 256
        Number of sampled sources :math:`k`.
    damping : float, default 0.85
        PageRank damping factor.

    Returns
    -------
    NetworkAnalysis
        Node metrics, communities, triple-helix linkage, regions and the summary.

    Raises
    ------
    InputError
        Unknown measure or non-positive resolution.

    Notes
    -----
    Betweenness treats a weight as closeness: the path length of an edge is :math:`1/w`. On
    flow networks (edges cited → citing), PageRank walks along citations (citing → cited), so
    it ranks knowledge sources; communities and Burt's measures use the undirected graph with
    both directions' weights summed. Coreness is the unweighted k-core index; the *core* is
    the main core (highest k). Degree centralisation uses unweighted degrees
    (:func:`degree_centralisation`). Cross-border share: weight of edges between different
    countries over the weight of edges whose both countries are known; cross-region share
    the same with (country, city), null when no city is known.

    References
    ----------
    Brandes, U., & Pich, C. (2007). Centrality estimation in large networks. International
    Journal of Bifurcation and Chaos 17(7), 2303–2318. doi:10.1142/S0218127407018403

    Seidman, S. B. (1983). Network structure and minimum degree. Social Networks 5(3),
    269–287. doi:10.1016/0378-8733(83)90028-X
    """
    unknown = set(measures) - MEASURES
    if unknown:
        raise InputError(f"unknown measures {sorted(unknown)}; choose from {sorted(MEASURES)}")
    if resolution <= 0:
        raise InputError(f"resolution must be positive, got {resolution}")
    src, tgt, w, ids = _collapsed(network)
    n = len(ids)
    directed = network.directed
    g = _graph(n, src, tgt, directed=directed)
    wl = w.tolist()
    notes: list[str] = list(network.meta.get("notes", []))
    null = pa.nulls(n, pa.float64())

    und = g.as_undirected(mode="collapse") if directed else g
    degree = np.asarray(und.degree(), dtype=np.int64)
    out_s = np.asarray(g.strength(mode="out", weights=wl), dtype=np.float64) if n else np.zeros(0)
    in_s = np.asarray(g.strength(mode="in", weights=wl), dtype=np.float64) if n else np.zeros(0)
    strength = out_s + in_s if directed else out_s

    cols: dict[str, Any] = {
        "node_id": network.nodes["node_id"],
        "label": network.nodes["label"],
        "type": network.nodes["type"],
        "country_code": network.nodes["country_code"],
        "degree": pa.array(degree, pa.int64()),
        "strength": pa.array(strength, pa.float64()),
        "in_strength": pa.array(in_s if directed else strength, pa.float64()),
        "out_strength": pa.array(out_s if directed else strength, pa.float64()),
    }
    if "pagerank" in measures and n:
        gr = _graph(n, tgt, src, directed=True) if directed else g
        pr = gr.pagerank(weights=wl if len(wl) else None, directed=directed, damping=damping)
        cols["pagerank"] = pa.array(pr, pa.float64())
    else:
        cols["pagerank"] = null
    method, n_sources = None, None
    if "betweenness" in measures and n:
        dist = (1.0 / np.where(w > 0, w, np.nan)).tolist()
        if n <= betweenness_exact_max_nodes:
            bt = np.asarray(g.betweenness(directed=directed, weights=dist or None))
            method, n_sources = "exact", n
        else:
            k = min(betweenness_samples, n)
            rng = np.random.default_rng(seed)
            srcs = rng.choice(n, size=k, replace=False).tolist()
            bt = np.asarray(g.betweenness(directed=directed, weights=dist or None, sources=srcs))
            bt = bt * (n / k)  # igraph counts each pair once, as in the exact case
            method, n_sources = "sampled", k
            notes.append(
                f"betweenness estimated from {k} sampled source nodes of {n} "
                f"(exact above {betweenness_exact_max_nodes} nodes is too slow)"
            )
        cols["betweenness"] = pa.array(bt, pa.float64())
    else:
        cols["betweenness"] = null
    if "constraint" in measures:
        cols["constraint"], cols["effective_size"] = _burt_arrays(n, src, tgt, w)
    else:
        cols["constraint"] = null
        cols["effective_size"] = null
    modularity, n_comm = None, None
    if "leiden" in measures:
        memb, modularity = _leiden_arrays(
            n,
            src,
            tgt,
            w,
            directed=directed,
            resolution=resolution,
            seed=seed,
            graph=None if directed else g,
        )
        cols["community"] = pa.array(memb, pa.int64())
        n_comm = int(memb.max() + 1) if n else 0
    else:
        cols["community"] = pa.nulls(n, pa.int64())
    max_core, core_size = None, None
    if "coreness" in measures:
        core = np.asarray(und.coreness(), dtype=np.int64)
        max_core = int(core.max()) if n else 0
        in_core = core == max_core if n else np.zeros(0, dtype=bool)
        core_size = int(in_core.sum())
        cols["coreness"] = pa.array(core, pa.int64())
        cols["in_core"] = pa.array(in_core, pa.bool_())
    else:
        cols["coreness"] = pa.nulls(n, pa.int64())
        cols["in_core"] = pa.nulls(n, pa.bool_())
    comps = und.connected_components()
    comp = _relabel(np.asarray(comps.membership, dtype=np.int64))
    cols["component"] = pa.array(comp, pa.int64())
    cols["in_lcc"] = pa.array(comp == 0, pa.bool_())
    nodes = pa.table(cols)

    lcc = int((comp == 0).sum()) if n else 0
    helix = triple_helix(network)
    shares = {v: 0.0 for v in _HELIX.values()}
    same = 0.0
    for r in helix.to_pylist():
        key = _HELIX.get((r["type_a"], r["type_b"]))
        if key and r["share"] is not None:
            shares[key] = float(r["share"])
        if r["type_a"] == r["type_b"] and r["share"] is not None:
            same += float(r["share"])
    cross_border, cross_region = _cross_shares(network)
    m = und.ecount()
    summary: dict[str, Any] = {
        "kind": network.meta.get("kind"),
        "n_nodes": n,
        "n_edges": g.ecount(),
        "directed": directed,
        "density": (2.0 * m / (n * (n - 1))) if n > 1 else None,
        "total_weight": float(w.sum()),
        "n_components": len(comps),
        "lcc_size": lcc,
        "lcc_share": lcc / n if n else None,
        "modularity": modularity,
        "n_communities": n_comm,
        "resolution": resolution,
        "seed": seed,
        "degree_centralisation": degree_centralisation(degree),
        "max_coreness": max_core,
        "core_size": core_size,
        "cross_border_share": cross_border,
        "cross_region_share": cross_region,
        **{f"{k}_share": v for k, v in shares.items()},
        "same_type_share": same if helix.num_rows else 0.0,
        "betweenness_method": method,
        "betweenness_sources": n_sources,
        "notes": notes,
    }
    if "leiden" in measures:
        # weight inside each community, from the collapsed edges (a SQL self-join of the nodes
        # on community can be planned as a join on community first: quadratic in its size)
        inside = memb[src] == memb[tgt] if len(src) else np.zeros(0, dtype=bool)
        internal = np.bincount(memb[src][inside], weights=w[inside], minlength=n_comm or 0)
        communities = _communities(nodes, internal)
    else:
        communities = pa.table({"community": pa.array([], pa.int64())})
    return NetworkAnalysis(
        nodes=nodes,
        communities=communities,
        linkage=helix,
        regions=_regions(network),
        summary=summary,
    )


def top_brokers(analysis: NetworkAnalysis, *, n: int = 10, min_degree: int = 2) -> pa.Table:
    """The nodes with the lowest Burt constraint (ties: larger effective size first).

    Parameters
    ----------
    analysis : NetworkAnalysis
        With constraint computed.
    n : int, default 10
        How many to return.
    min_degree : int, default 2
        Nodes with fewer contacts cannot broker and are left out.

    Returns
    -------
    pa.Table
        The node metrics rows of the brokers, ordered by constraint ascending.
    """
    t = analysis.nodes.filter(
        pc.and_(
            pc.greater_equal(analysis.nodes["degree"], min_degree),
            pc.is_valid(analysis.nodes["constraint"]),
        )
    )
    t = t.sort_by(
        [("constraint", "ascending"), ("effective_size", "descending"), ("node_id", "ascending")]
    )
    return t.slice(0, n)


GATEKEEPER_SCHEMA = pa.schema(
    [
        ("node_id", pa.string()),
        ("label", pa.string()),
        ("type", pa.string()),
        ("country_code", pa.string()),
        ("cut_off", pa.int64()),
        ("groups_cut_off", pa.int64()),
        ("largest_group_cut_off", pa.int64()),
    ]
)


def gatekeepers(network: Network, *, n: int = 10, min_group: int = 2) -> pa.Table:
    r"""Cut vertices ranked by how many organisations only they connect to the network.

    A gatekeeper is an articulation point (cut vertex): removing it splits its component.
    With the parts :math:`P_1, …, P_k` of its component left after removing *v*, the largest
    part is "the network" and the others are cut off:

    .. math::

        \mathrm{cut\_off}(v) = \sum_{i:\,P_i \ne P_{\max},\ |P_i| \ge m} |P_i|

    where *m* = ``min_group`` (2 by default: single pendant partners are not groups).
    This is the strict form of a structural hole (Burt 1992): the groups behind *v* have no
    other tie to the rest. Computed in linear time from the block–cut tree of the
    biconnected components (Hopcroft & Tarjan 1973), with igraph.

    Parameters
    ----------
    network : Network
        Directed networks are read as undirected.
    n : int, default 10
        How many to return.
    min_group : int, default 2
        Smallest part counted as cut off.

    Returns
    -------
    pa.Table
        :data:`GATEKEEPER_SCHEMA`, ordered by cut_off descending (ties: node_id); only nodes
        that cut off at least one group.
    """
    src, tgt, _w, ids = _collapsed(network)
    g = _graph(len(ids), src, tgt, directed=False)
    blocks, aps = g.biconnected_components(return_articulation_points=True)
    ap_index = {v: i for i, v in enumerate(aps)}
    nb = len(blocks)
    size = nb + len(aps)
    adj: list[list[int]] = [[] for _ in range(size)]
    weight = np.zeros(size, dtype=np.int64)
    for b, members in enumerate(blocks):
        for v in members:
            if v in ap_index:
                t = nb + ap_index[v]
                adj[b].append(t)
                adj[t].append(b)
            else:
                weight[b] += 1
    weight[nb:] = 1
    parent = np.full(size, -1, dtype=np.int64)
    sub = weight.copy()
    total = np.zeros(size, dtype=np.int64)
    seen = np.zeros(size, dtype=bool)
    for root in range(size):
        if seen[root]:
            continue
        order = []
        stack = [root]
        seen[root] = True
        while stack:  # iterative DFS over the block-cut tree (nodes ≤ blocks + cut vertices)
            u = stack.pop()
            order.append(u)
            for w in adj[u]:
                if not seen[w]:
                    seen[w] = True
                    parent[w] = u
                    stack.append(w)
        for u in reversed(order):
            if parent[u] >= 0:
                sub[parent[u]] += sub[u]
        total[order] = sub[root]
    rows = []
    for v, i in ap_index.items():
        t = nb + i
        parts = [int(sub[c]) for c in adj[t] if parent[c] == t]
        if parent[t] >= 0:
            parts.append(int(total[t] - sub[t]))
        parts.sort(reverse=True)
        cut = [p for p in parts[1:] if p >= min_group]
        if cut:
            rows.append((ids[v], sum(cut), len(cut), max(cut)))
    rows.sort(key=lambda r: (-r[1], r[0]))
    rows = rows[:n]
    meta = {
        r["node_id"]: r
        for r in network.nodes.select(["node_id", "label", "type", "country_code"]).to_pylist()
    }
    return pa.Table.from_pylist(
        [
            {
                **{k: meta[r[0]].get(k) for k in ("node_id", "label", "type", "country_code")},
                "cut_off": r[1],
                "groups_cut_off": r[2],
                "largest_group_cut_off": r[3],
            }
            for r in rows
        ],
        schema=GATEKEEPER_SCHEMA,
    )


def node_table(network: Network, analysis: NetworkAnalysis | None = None) -> pa.Table:
    """The network's node table joined with the analysis' metrics (same node order).

    Parameters
    ----------
    network : Network
        The network.
    analysis : NetworkAnalysis, optional
        Its analysis; metric columns not already in the node table are appended.

    Returns
    -------
    pa.Table
        Node columns, then degree, pagerank, betweenness, constraint, … when analysed.
    """
    t = network.nodes
    if analysis is None:
        return t
    for name in analysis.nodes.column_names:
        if name not in t.column_names:
            t = t.append_column(name, analysis.nodes[name])
    return t
