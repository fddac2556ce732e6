"""Benchmarking year by year (capability C2), as SciVal's Benchmarking module: for countries,
organisations or authors, per year, output, world share, MNCS, PP(top 10 %) and the
international and industry–academia collaboration shares, each with its 95 % stability
interval (bootstrap over that year's documents); a year the store holds incompletely is marked
``partial``, never dropped. The decision beside its peers over a window is
:mod:`forcemap.decide.benchmark`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from forcemap.decide._benchmark_figures import (
    FLAGS_SQL,
    WEIGHTS_SQL,
    WORKS_SQL,
    figures,
    impact_evidence,
    matrix,
    stability,
    store_incomplete,
)
from forcemap.decide._scope import at_org_level, check_country, check_years, register
from forcemap.decide.params import BENCHMARK_SERIES, BenchmarkSeriesParams
from forcemap.decide.result import DecisionResult, Rule, is_synthetic
from forcemap.errors import InputError
from forcemap.store.org_hierarchy import org_level_caption
from forcemap.store.store import Store

__all__ = ["ENTITIES", "YEARLY_SCHEMA", "benchmark_series"]

ENTITIES = ("country", "organization", "author")

YEARLY_SCHEMA = pa.schema(
    [
        ("entity", pa.string()),
        ("entity_name", pa.string()),
        ("year", pa.int32()),
        ("partial", pa.bool_()),
        ("works", pa.int64()),
        ("works_frac", pa.float64()),
        ("works_frac_low", pa.float64()),
        ("works_frac_high", pa.float64()),
        ("world_share", pa.float64()),
        ("world_share_low", pa.float64()),
        ("world_share_high", pa.float64()),
        ("impact_works", pa.float64()),
        ("mncs", pa.float64()),
        ("mncs_low", pa.float64()),
        ("mncs_high", pa.float64()),
        ("pp_top10", pa.float64()),
        ("pp_top10_low", pa.float64()),
        ("pp_top10_high", pa.float64()),
        ("intl_copub_share", pa.float64()),
        ("intl_copub_share_low", pa.float64()),
        ("intl_copub_share_high", pa.float64()),
        ("industry_academia_share", pa.float64()),
        ("industry_academia_share_low", pa.float64()),
        ("industry_academia_share_high", pa.float64()),
        ("impact_evidence", pa.string()),
    ]
)
"""The table of :func:`benchmark_series`: one row per entity and year of the window.

``works`` full counting, ``works_frac`` fractional counting, ``world_share`` the share of
the year's output attributed to any entity of the kind; ``partial`` marks a year judged
incomplete (shown, never dropped). Each ``<figure>_low`` / ``_high`` bounds the 95 %
stability interval of the figure from 1,000 bootstrap resamples of the year's works. Below
``min_impact_works`` MNCS and PP(top 10 %) are null and ``impact_evidence`` says
*insufficient evidence*; a year without works of the entity has null shares (no evidence,
not 0)."""

# The works of the scope (``_bm_wu``: work_id, unit) in the window, as ``_bm_w``.
_SERIES_SCOPE_SQL = """
CREATE OR REPLACE TEMP TABLE _bm_wu AS
SELECT DISTINCT work_id, 'all' AS unit FROM works
WHERE $all_works OR work_id IN (SELECT work_id FROM _bs_scope)
"""

# f_ew of each entity on each work: as f_cw, with the entity of an authorship being its
# country, its organisation (the institution's resolved organisation, else the institution)
# or its author.
_ENTITY_WEIGHTS_SQL = """
CREATE OR REPLACE TEMP TABLE _bs_wc AS
WITH sel AS (SELECT DISTINCT work_id FROM _bm_w),
au AS (
    SELECT a.work_id, a.author_seq,
           CASE $kind
               WHEN 'country' THEN upper(coalesce(a.country_code, i.country_code))
               WHEN 'organization' THEN coalesce(al.org_id, a.institution_id)
               ELSE a.author_id END AS entity
    FROM authorships AS a JOIN sel USING (work_id)
    LEFT JOIN (SELECT institution_id, any_value(country_code) AS country_code
               FROM institutions GROUP BY institution_id) AS i USING (institution_id)
    LEFT JOIN (SELECT source_id, any_value(org_id) AS org_id FROM org_aliases
               WHERE source = 'institution' GROUP BY source_id) AS al
           ON al.source_id = a.institution_id
), n_auth AS (
    SELECT work_id, count(DISTINCT author_seq) AS n FROM au GROUP BY work_id
), du AS (
    SELECT DISTINCT work_id, author_seq, entity FROM au WHERE entity IS NOT NULL
), ku AS (
    SELECT *, count(*) OVER (PARTITION BY work_id, author_seq) AS k FROM du
)
SELECT ku.work_id, ku.entity, sum(1.0 / (n.n * ku.k)) AS w
FROM ku JOIN n_auth AS n USING (work_id)
GROUP BY ku.work_id, ku.entity
"""

# The entities shown when none are named: the top ones by fractional output in the window.
_ENTITIES_SQL = """
SELECT entity FROM _bs_wc GROUP BY entity ORDER BY sum(w) DESC, entity LIMIT $top
"""

_SERIES_DOCS_SQL = """
CREATE OR REPLACE TEMP TABLE _bs_docs AS
WITH s AS (SELECT work_id, sum(w) AS fsum FROM _bs_wc GROUP BY work_id)
SELECT w.work_id, w.year, (row_number() OVER (ORDER BY w.year, w.work_id) - 1)::BIGINT AS doc,
       (w.year - $y0)::BIGINT AS stratum, coalesce(s.fsum, 0.0) AS fsum
FROM (SELECT DISTINCT work_id, year FROM _bm_w) AS w LEFT JOIN s USING (work_id)
"""

_SERIES_ROWS_SQL = """
SELECT d.doc, r.r, c.w AS f, coalesce(c.w * f.ncs, 0.0) AS fncs,
       CASE WHEN f.ncs IS NOT NULL THEN c.w ELSE 0.0 END AS fncs_n,
       coalesce(c.w * f.top10, 0.0) AS ftop,
       CASE WHEN f.top10 IS NOT NULL THEN c.w ELSE 0.0 END AS ftop_n,
       1.0 AS n, f.intl::DOUBLE AS intl, f.ia::DOUBLE AS ia
FROM _bs_docs AS d JOIN _bs_wc AS c USING (work_id)
JOIN _bs_ri AS r ON r.entity = c.entity AND r.year = d.year
JOIN _bm_wf AS f ON f.work_id = d.work_id
"""

_ENTITY_NAMES_SQL = """
SELECT e.entity,
       CASE $kind
           WHEN 'country' THEN e.entity
           WHEN 'organization' THEN coalesce(
               (SELECT any_value(name) FROM organizations AS o WHERE o.org_id = e.entity),
               (SELECT any_value(name) FROM institutions AS i
                WHERE i.institution_id = e.entity))
           ELSE (SELECT any_value(author_name) FROM authorships AS a
                 WHERE a.author_id = e.entity) END AS name
FROM (SELECT unnest($entities::VARCHAR[]) AS entity) AS e
"""


def benchmark_series(
    store: Store,
    *,
    units: Sequence[str] | None = None,
    unit: Literal["country", "organization", "author"] = BENCHMARK_SERIES.unit,
    industry: str | None = None,
    top: int = BENCHMARK_SERIES.top,
    years: tuple[int, int] | None = BENCHMARK_SERIES.years,
    span: int = BENCHMARK_SERIES.span,
    min_impact_works: float = BENCHMARK_SERIES.min_impact_works,
    partial_years: Literal["auto", "keep"] = BENCHMARK_SERIES.partial_years,
    complete_through: int | None = BENCHMARK_SERIES.complete_through,
    partial_ratio: float = BENCHMARK_SERIES.partial_ratio,
    min_coverage: float = BENCHMARK_SERIES.min_coverage,
    org_level: str = BENCHMARK_SERIES.org_level,
) -> DecisionResult:
    r"""Year-by-year benchmarking of countries, organisations or authors, as SciVal's
    Benchmarking module does: per entity and year, output, share of world output, MNCS,
    PP(top 10 %) and the international and industry–academia (corporate) collaboration
    shares, each with its stability interval.

    The fractional weight of entity *e* on work *w* is that of the module docstring with the
    entity of an authorship in place of its country (Waltman & van Eck 2015):

    .. math::

        f_{ew} = \sum_{s \in A_w} \frac{[e \in E_s]}{|A_w|\,|E_s|},

    :math:`E_s` the distinct entities of author *s* (countries; organisations: the
    organisation an institution resolves to, else the institution; authors: the author).
    For the works :math:`W_{et}` of year *t* with *e* on them: ``works`` = :math:`|W_{et}|`,
    ``works_frac`` = :math:`\sum_w f_{ew}`, ``world_share`` = ``works_frac`` over
    :math:`\sum_{e'} \sum_w f_{e'w}` of the year, ``mncs`` = :math:`\sum_w f_{ew}
    \mathrm{NCS}_w / \sum_w f_{ew}` (works with an NCS; Waltman et al. 2011), ``pp_top10`` =
    :math:`\sum_w f_{ew} T_w / \sum_w f_{ew}` (Waltman & Schreiber 2013), and the shares of
    :math:`W_{et}` with ≥ 2 countries or with an enterprise and a university.

    Parameters
    ----------
    store : Store
        The store (works, authorships, institutions, org_aliases, organizations,
        work_concepts / work_topics, work_references).
    units : sequence of str, optional
        The entities compared: ISO2 country codes, organisation (or institution) ids, or
        author ids; default the ``top`` entities by fractional output in the window.
    unit : {"country", "organization", "author"}, default "country"
        The kind of entity.
    industry : str, optional
        A catalog industry key: only its works count (the world is the industry); all works
        when None.
    top : int, default 5
        A **count**: entities chosen when ``units`` is None.
    years : (int, int), optional
        Inclusive window; default the ``span`` years ending in the last year with works.
    span : int, default 10
        Years shown when ``years`` is None.
    min_impact_works, partial_years, complete_through, partial_ratio, min_coverage
        As in :func:`benchmark`, applied to each entity-year.
    org_level : {"self", "parent", "top"}, default "self"
        Organisations as resolved, or rolled up to their parent or the top of their hierarchy
        (:func:`forcemap.store.org_hierarchy.org_aliases_sql`): with ``unit="organization"``
        the entities are then the parents (a work of two of a parent's children counts once
        for it; named ``units`` must be ids at that level), and for every unit the
        industry–academia share reads the rolled-up organisation's type. The rule states
        the level.

    Returns
    -------
    DecisionResult
        ``table``: :data:`YEARLY_SCHEMA`, by entity then year; ``evidence["world"]``: per
        year the works of the scope (``works``), the output attributed to any entity
        (``works_frac``) and ``partial``.

    Raises
    ------
    InputError
        A bad parameter, country code or industry.
    StoreError
        A query failed.

    Notes
    -----
    An incomplete year (:func:`incomplete_years` on the store's volume) is kept and marked
    ``partial``: its figures describe the part of the year in the store. Intervals resample
    each year's works separately (1,000 draws, fixed seed; Waltman et al. 2012), so an
    entity's interval in a year reflects the number of its works that year.

    References
    ----------
    Elsevier (2019). *Research Metrics Guidebook* (SciVal: Benchmarking, Output, Field-
    Weighted Citation Impact, International and Academic-Corporate Collaboration).
    Waltman, L. et al. (2012). doi:10.1002/asi.22708 (Leiden Ranking, stability intervals).

    Examples
    --------
    >>> from forcemap.store import Store
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with Store.open(pathlib.Path(d) / "s.duckdb") as s:
    ...         r = benchmark_series(s, unit="organization")
    >>> r.table.num_rows, r.table.schema == YEARLY_SCHEMA
    (0, True)
    """
    p = BenchmarkSeriesParams(
        unit=unit,
        top=top,
        years=years,
        span=span,
        min_impact_works=min_impact_works,
        partial_years=partial_years,
        complete_through=complete_through,
        partial_ratio=partial_ratio,
        min_coverage=min_coverage,
        org_level=org_level,
    )
    wy0, wy1 = check_years(years)
    named = None
    if units is not None:
        named = [check_country(u) if unit == "country" else str(u).strip() for u in units]
        named = list(dict.fromkeys(u for u in named if u))
    from forcemap.indicators.impact import (
        field_normalised_citation_score,
        impact_caveats,
        percentile_rank,
    )

    scope = None
    if industry is not None:
        from forcemap.store.reference import load_industry_catalog
        from forcemap.store.slices import industry_works

        cat = load_industry_catalog()
        if industry not in cat:
            raise InputError(f"unknown industry {industry!r}; the catalog has: {', '.join(cat)}")
        scope = industry_works(store, industries=[industry]).select(["work_id"])
    ncs = field_normalised_citation_score(store).select(["work_id", "ncs"])
    pct_all = percentile_rank(store)
    pct = pct_all.select(["work_id", "top10_frac"])
    with store.query_cursor("benchmark series") as cur:
        synthetic = is_synthetic(cur)
        register(
            cur,
            "_bs_scope",
            scope if scope is not None else pa.table({"work_id": pa.array([], pa.string())}),
        )
        register(cur, "_bm_ncs", ncs)
        register(cur, "_bm_pct", pct)
        cur.execute(_SERIES_SCOPE_SQL, {"all_works": scope is None})
        if wy1 is None or wy0 is None:
            last = cur.execute(
                "SELECT max(w.year) FROM works AS w JOIN _bm_wu USING (work_id)"
            ).fetchall()[0][0]
            y1 = wy1 if wy1 is not None else (int(last) if last is not None else 0)
            y0 = wy0 if wy0 is not None else y1 - span + 1
        else:
            y0, y1 = wy0, wy1
        incomplete = store_incomplete(
            cur,
            wy0,
            wy1,
            mode=partial_years,
            complete_through=complete_through,
            ratio_below=partial_ratio,
        )
        cur.execute(WORKS_SQL, {"y0": y0, "y1": y1})
        cur.execute(WEIGHTS_SQL)
        cur.execute(at_org_level(FLAGS_SQL, p.org_level))
        cur.execute(at_org_level(_ENTITY_WEIGHTS_SQL, p.org_level), {"kind": unit})
        entities = (
            named
            if named is not None
            else [r[0] for r in cur.execute(_ENTITIES_SQL, {"top": top}).fetchall()]
        )
        year_list = list(range(y0, y1 + 1)) if y0 <= y1 else []
        grid = pa.table(
            {
                "entity": pa.array([e for e in entities for _ in year_list], pa.string()),
                "year": pa.array([y for _ in entities for y in year_list], pa.int32()),
                "r": pa.array(np.arange(len(entities) * len(year_list), dtype=np.int64)),
            }
        )
        register(cur, "_bs_ri", grid)
        cur.execute(_SERIES_DOCS_SQL, {"y0": y0})
        docs = cur.sql("SELECT doc, stratum, fsum FROM _bs_docs ORDER BY doc").to_arrow_table()
        long = cur.sql(_SERIES_ROWS_SQL).to_arrow_table()
        counts = dict(
            cur.execute(
                """SELECT r.r, count(*) FROM _bs_docs AS d JOIN _bs_wc AS c USING (work_id)
                   JOIN _bs_ri AS r ON r.entity = c.entity AND r.year = d.year
                   GROUP BY r.r"""
            ).fetchall()
        )
        names = dict(
            cur.execute(_ENTITY_NAMES_SQL, {"kind": unit, "entities": entities}).fetchall()
        )
        world = cur.sql(
            """SELECT g.year::INTEGER AS year, count(d.work_id)::BIGINT AS works,
                      coalesce(sum(d.fsum), 0.0) AS works_frac,
                      count(d.work_id) FILTER (WHERE d.fsum > 0)::BIGINT AS known
               FROM (SELECT unnest(range($y0, $y1 + 1)) AS year) AS g
               LEFT JOIN _bs_docs AS d ON d.year = g.year
               GROUP BY g.year ORDER BY g.year""",
            params={"y0": y0, "y1": y1},
        ).to_arrow_table()
    strata = docs["stratum"].to_numpy().astype(np.int64)
    fsum = docs["fsum"].to_numpy().astype(float)
    row_stratum = np.array([y - y0 for _ in entities for y in year_list], np.int64)
    n_rows = len(row_stratum)
    if n_rows and len(strata):
        mat = matrix(long, strata, fsum, n_rows, int(row_stratum.max()) + 1)
        point = figures(np.asarray(mat.sum(axis=0)).reshape(1, -1), row_stratum)
        points = {k: v[0] for k, v in point.items()}
    else:
        points = {k: np.full(n_rows, np.nan) for k in ("share", "mncs", "pp_top10", "intl", "ia")}
        points["output"] = np.zeros(n_rows)
    ivals = stability(long, strata, fsum, row_stratum)
    works = np.array([counts.get(i, 0) for i in range(n_rows)], np.int64)
    has = works > 0
    # fractional output with a citation score, per row
    imp = np.zeros(n_rows)
    if long.num_rows:
        np.add.at(imp, long["r"].to_numpy().astype(np.int64), long["fncs_n"].to_numpy())
    evidence = [impact_evidence(float(w), min_impact_works) for w in imp]
    ok = np.array([e == "ok" for e in evidence], dtype=bool)

    def col(values: np.ndarray, keep: np.ndarray) -> pa.Array:
        return pa.array(np.where(keep, values, np.nan), pa.float64(), from_pandas=True)

    cols: dict[str, Any] = {
        "entity": grid["entity"],
        "entity_name": pa.array([names.get(e) for e in grid["entity"].to_pylist()], pa.string()),
        "year": grid["year"],
        "partial": pa.array([y in incomplete for y in grid["year"].to_pylist()], pa.bool_()),
        "works": pa.array(works, pa.int64()),
        "works_frac": pa.array(points["output"], pa.float64()),
        "impact_works": pa.array(imp, pa.float64()),
        "impact_evidence": pa.array(evidence, pa.string()),
    }
    cols["works_frac_low"] = col(ivals["output"][0], np.ones(n_rows, bool))
    cols["works_frac_high"] = col(ivals["output"][1], np.ones(n_rows, bool))
    for fig, key in (
        ("world_share", "share"),
        ("mncs", "mncs"),
        ("pp_top10", "pp_top10"),
        ("intl_copub_share", "intl"),
        ("industry_academia_share", "ia"),
    ):
        keep = has & ok if fig in ("mncs", "pp_top10") else has
        if fig == "world_share":
            keep = np.isfinite(points["share"])
        cols[fig] = col(points[key], keep)
        cols[f"{fig}_low"] = col(ivals[key][0], keep)
        cols[f"{fig}_high"] = col(ivals[key][1], keep)
    table = pa.table({f.name: cols[f.name] for f in YEARLY_SCHEMA}).cast(YEARLY_SCHEMA)
    world_t = pa.table(
        {
            "year": world["year"],
            "works": world["works"],
            "works_frac": world["works_frac"],
            "partial": pa.array([y in incomplete for y in world["year"].to_pylist()]),
        }
    )
    params: dict[str, object] = {
        "unit": unit,
        "units": named,
        "industry": industry,
        "top": top,
        "years": f"{y0}–{y1}" if year_list else None,
        "span": span,
        "min_impact_works": min_impact_works,
        "partial_years": partial_years,
        "complete_through": complete_through,
        "partial_ratio": partial_ratio,
        "min_coverage": min_coverage,
        "incomplete_years": sorted(incomplete) or None,
        "org_level": p.org_level,
    }
    result = DecisionResult(
        name="benchmark_series",
        table=table,
        rule=_series_rule(p, params),
        evidence={"world": world_t},
        synthetic=synthetic,
    )
    kinds = {"country": "a known country", "organization": "a known organisation"}
    total = int(np.sum(world["works"].to_numpy())) if world.num_rows else 0
    known = int(np.sum(world["known"].to_numpy())) if world.num_rows else 0
    cov = result.cover(
        f"works of the window with {kinds.get(unit, 'a known author')}",
        known,
        total,
        minimum=min_coverage,
    )
    if total and cov.below:
        result.warn(
            f"Fewer than {100 * min_coverage:g} % of the works have {kinds.get(unit, 'an author')}"
            ": world shares describe the attributed part of the output only."
        )
    if not entities:
        result.warn(f"No {unit} has works in the window: nothing to compare.")
    for y in sorted(incomplete):
        if y0 <= y <= y1:
            result.warn(f"{incomplete[y]}: kept and marked partial (not a decline).")
    thin = int(np.sum(~ok & has))
    if thin:
        result.warn(
            f"{thin} entity-year(s) have fewer than {min_impact_works:g} fractional works with "
            "a citation score: MNCS and PP(top 10 %) are insufficient evidence there."
        )
    for caveat in impact_caveats(pct_all):
        result.warn(caveat)
    if synthetic:
        result.warn("SYNTHETIC DATA: the store holds records from a synthetic world.")
    return result


def _series_rule(p: BenchmarkSeriesParams, params: dict[str, object]) -> Rule:
    return Rule(
        name="benchmark_series",
        statement=(
            org_level_caption(p.org_level).capitalize() + ". " if p.org_level != "self" else ""
        )
        + f"Each {p.unit} is followed year by year, as in SciVal's Benchmarking: "
        "output (full and fractional counting), share of the year's world output, MNCS, "
        "PP(top 10 %), international and industry–academia co-publication shares, each with "
        "its 95 % stability interval (1,000 bootstrap resamples of the year's works). "
        f"MNCS and PP(top 10 %) need at least {p.min_impact_works:g} fractional works with a "
        "citation score in the year, else insufficient evidence. A year whose store volume "
        f"is below {p.partial_ratio:g} × the median of its 3 neighbours (or whose latest "
        "publication date is before December) is marked partial, never dropped "
        f"(partial_years = {p.partial_years}).",
        parameters=params,
        references=(
            "Elsevier 2019, Research Metrics Guidebook (SciVal Benchmarking)",
            "Waltman et al. 2012, doi:10.1002/asi.22708",
            "Waltman & van Eck 2015, doi:10.1016/j.joi.2015.08.001",
            "Waltman et al. 2011, doi:10.1016/j.joi.2010.08.001",
            "Waltman & Schreiber 2013, doi:10.1002/asi.22775",
        ),
    )
