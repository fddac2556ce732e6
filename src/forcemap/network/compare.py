r"""Compare networks over time (snapshots per period) and between countries."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from forcemap.errors import InputError
from forcemap.network.analyse import NetworkAnalysis, analyse
from forcemap.network.build import build_network
from forcemap.store import Store

__all__ = ["SnapshotComparison", "compare_countries", "compare_snapshots", "match_communities"]

_SUMMARY_KEYS = (
    "n_nodes",
    "n_edges",
    "density",
    "total_weight",
    "lcc_share",
    "modularity",
    "n_communities",
    "degree_centralisation",
    "max_coreness",
    "core_size",
    "cross_border_share",
    "enterprise_university_share",
    "enterprise_institute_share",
    "university_institute_share",
)


@dataclass(frozen=True)
class SnapshotComparison:
    """Per-period network snapshots and what changed between consecutive periods.

    Attributes
    ----------
    periods : pa.Table
        period (``"y0-y1"``), first_year, last_year and the summary measures of each
        snapshot (n_nodes, n_edges, density, …, degree_centralisation: the centralisation
        trend).
    core_changes : pa.Table
        period_from, period_to, node_id, label, change (``entered`` / ``left`` the main core).
    community_changes : pa.Table
        period_from, period_to, community_from, community_to (null for born/dissolved),
        jaccard, event (``continued``, ``merged``, ``split``, ``born``, ``dissolved``).
    analyses : dict
        period label → :class:`~forcemap.network.analyse.NetworkAnalysis`.
    """

    periods: pa.Table
    core_changes: pa.Table
    community_changes: pa.Table
    analyses: dict[str, NetworkAnalysis] = field(default_factory=dict)


def match_communities(
    before: dict[int, set[str]], after: dict[int, set[str]], *, threshold: float = 0.3
) -> list[dict[str, Any]]:
    r"""Match communities of two periods by the Jaccard index of their member sets.

    .. math::

        J(A, B) = \frac{|A \cap B|}{|A \cup B|}

    Pairs with :math:`J \ge` ``threshold`` are matches. A later community matched by two or
    more earlier ones is a *merge*; an earlier community matched to two or more later ones a
    *split*; a one-to-one match *continued*; an earlier community without match *dissolved*,
    a later one *born*.

    Parameters
    ----------
    before, after : dict of int to set of str
        Community id → member node ids.
    threshold : float, default 0.3
        Minimum Jaccard index of a match.

    Returns
    -------
    list of dict
        community_from, community_to, jaccard, event; ordered by community_from then
        community_to (born last).

    References
    ----------
    Greene, D., Doyle, D., & Cunningham, P. (2010). Tracking the evolution of communities in
    dynamic social networks. ASONAM 2010, 176–183. doi:10.1109/ASONAM.2010.17

    Examples
    --------
    >>> match_communities({0: {"a", "b"}, 1: {"c", "d"}}, {0: {"a", "b", "c", "d"}})
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'community_from': 0, 'community_to': 0, 'jaccard': 0.5, 'event': 'merged'},
     {'community_from': 1, 'community_to': 0, 'jaccard': 0.5, 'event': 'merged'}]
    """
    member_of: dict[str, int] = {m: c for c, ms in after.items() for m in ms}
    pairs: list[tuple[int, int, float]] = []
    for cb, mb in before.items():
        cand = {member_of[m] for m in mb if m in member_of}
        for ca in cand:
            ma = after[ca]
            j = len(mb & ma) / len(mb | ma)
            if j >= threshold:
                pairs.append((cb, ca, j))
    out_deg: dict[int, int] = {}
    in_deg: dict[int, int] = {}
    for cb, ca, _ in pairs:
        out_deg[cb] = out_deg.get(cb, 0) + 1
        in_deg[ca] = in_deg.get(ca, 0) + 1
    rows: list[dict[str, Any]] = []
    for cb, ca, j in sorted(pairs):
        if in_deg[ca] > 1:
            event = "merged"
        elif out_deg[cb] > 1:
            event = "split"
        else:
            event = "continued"
        rows.append({"community_from": cb, "community_to": ca, "jaccard": j, "event": event})
    for cb in sorted(before):
        if cb not in out_deg:
            rows.append(
                {"community_from": cb, "community_to": None, "jaccard": 0.0, "event": "dissolved"}
            )
    rows.sort(key=lambda r: (r["community_from"], r["community_to"] or 0))
    for ca in sorted(after):
        if ca not in in_deg:
            rows.append(
                {"community_from": None, "community_to": ca, "jaccard": 0.0, "event": "born"}
            )
    return rows


def _members(a: NetworkAnalysis, *, min_size: int) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for nid, c in zip(
        a.nodes["node_id"].to_pylist(), a.nodes["community"].to_pylist(), strict=True
    ):
        if c is not None:
            out.setdefault(int(c), set()).add(nid)
    return {c: m for c, m in out.items() if len(m) >= min_size}


def compare_snapshots(
    store: Store,
    *,
    periods: Sequence[tuple[int, int]] = ((2015, 2017), (2018, 2020)),
    jaccard_threshold: float = 0.3,
    min_community_size: int = 3,
    resolution: float = 1.0,
    seed: int = 0,
    **build_options: Any,
) -> SnapshotComparison:
    """Build and analyse one network per period and report what changed.

    Parameters
    ----------
    store : Store
        The store.
    periods : sequence of (int, int), default ((2015, 2017), (2018, 2020))
        Inclusive year ranges, in time order.
    jaccard_threshold : float, default 0.3
        See :func:`match_communities`.
    min_community_size : int, default 3
        Smaller communities (mostly isolates) are not tracked.
    resolution, seed : float, int
        Passed to :func:`~forcemap.network.analyse.analyse`.
    **build_options
        Passed to :func:`~forcemap.network.build.build_network` (kind, industry, countries,
        counting, …; not ``years``).

    Returns
    -------
    SnapshotComparison
        Per-period summaries (the centralisation trend), core entries/exits and community
        events.

    Raises
    ------
    InputError
        Fewer than one period, overlapping or unordered periods, or ``years`` in
        ``build_options``.
    """
    if not periods:
        raise InputError("compare_snapshots needs at least one period")
    if "years" in build_options:
        raise InputError("compare_snapshots sets years from periods; do not pass years")
    for (_a0, a1), (b0, _b1) in itertools.pairwise(periods):
        if not a1 < b0:
            raise InputError(f"periods must be ordered and disjoint: {periods!r}")
    analyses: dict[str, NetworkAnalysis] = {}
    rows: list[dict[str, Any]] = []
    for y0, y1 in periods:
        label = f"{y0}-{y1}"
        net = build_network(store, years=(y0, y1), **build_options)
        a = analyse(
            net,
            resolution=resolution,
            seed=seed,
            measures=("coreness", "leiden", "pagerank"),
        )
        analyses[label] = a
        rows.append(
            {
                "period": label,
                "first_year": y0,
                "last_year": y1,
                **{k: a.summary.get(k) for k in _SUMMARY_KEYS},
            }
        )
    core_rows: list[dict[str, Any]] = []
    comm_rows: list[dict[str, Any]] = []
    labels = list(analyses)
    for p0, p1 in itertools.pairwise(labels):
        an0, an1 = analyses[p0], analyses[p1]
        core0 = _core(an0)
        core1 = _core(an1)
        for nid, lab in sorted(core1.items()):
            if nid not in core0:
                core_rows.append(_cc(p0, p1, nid, lab, "entered"))
        for nid, lab in sorted(core0.items()):
            if nid not in core1:
                core_rows.append(_cc(p0, p1, nid, lab, "left"))
        for r in match_communities(
            _members(an0, min_size=min_community_size),
            _members(an1, min_size=min_community_size),
            threshold=jaccard_threshold,
        ):
            comm_rows.append({"period_from": p0, "period_to": p1, **r})
    periods_t = pa.Table.from_pylist(rows)
    core_t = pa.Table.from_pylist(
        core_rows,
        schema=pa.schema(
            [
                ("period_from", pa.string()),
                ("period_to", pa.string()),
                ("node_id", pa.string()),
                ("label", pa.string()),
                ("change", pa.string()),
            ]
        ),
    )
    comm_t = pa.Table.from_pylist(
        comm_rows,
        schema=pa.schema(
            [
                ("period_from", pa.string()),
                ("period_to", pa.string()),
                ("community_from", pa.int64()),
                ("community_to", pa.int64()),
                ("jaccard", pa.float64()),
                ("event", pa.string()),
            ]
        ),
    )
    return SnapshotComparison(
        periods=periods_t, core_changes=core_t, community_changes=comm_t, analyses=analyses
    )


def _core(a: NetworkAnalysis) -> dict[str, str]:
    n = a.nodes
    return {
        i: lab
        for i, lab, c, d in zip(
            n["node_id"].to_pylist(),
            n["label"].to_pylist(),
            n["in_core"].to_pylist(),
            n["degree"].to_pylist(),
            strict=True,
        )
        if c and d > 0
    }


def _cc(p0: str, p1: str, nid: str, label: str, change: str) -> dict[str, Any]:
    return {"period_from": p0, "period_to": p1, "node_id": nid, "label": label, "change": change}


def compare_countries(
    store: Store,
    *,
    countries: Collection[str],
    resolution: float = 1.0,
    seed: int = 0,
    **build_options: Any,
) -> pa.Table:
    """The network summary of each country's slice, one row per country.

    Parameters
    ----------
    store : Store
        The store.
    countries : collection of str
        ISO alpha-2 codes; each network keeps the documents with a participant from that
        country (and their foreign partners; see ``build_network(countries=…)``).
    resolution, seed : float, int
        Passed to :func:`~forcemap.network.analyse.analyse`.
    **build_options
        Passed to :func:`~forcemap.network.build.build_network` (not ``countries``).

    Returns
    -------
    pa.Table
        country_code, then n_nodes, n_edges, density, total_weight, lcc_share, modularity,
        n_communities, degree_centralisation, max_coreness, core_size, cross_border_share and
        the triple-helix shares; ordered by country_code.

    Raises
    ------
    InputError
        No countries given, or ``countries`` in ``build_options``.
    """
    if not countries:
        raise InputError("compare_countries needs at least one country code")
    if "countries" in build_options:
        raise InputError("pass the countries to compare as countries=…, not in build options")
    rows = []
    for cc in sorted(set(countries)):
        net = build_network(store, countries=[cc], **build_options)
        a = analyse(net, resolution=resolution, seed=seed, measures=("coreness", "leiden"))
        rows.append({"country_code": cc, **{k: a.summary.get(k) for k in _SUMMARY_KEYS}})
    return pa.Table.from_pylist(rows)
