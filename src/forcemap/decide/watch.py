r"""Technology watch (C7): which emerging technologies of an industry should country X watch?

The units are OpenAlex topics or concepts (publications) or CPC main groups (patents). With
an ``industry``, a unit's records are its works (patents) in the industry's catalog slice
(:func:`forcemap.store.slices.industry_works`, :func:`~forcemap.store.slices.industry_patents`);
without one, all its records in the store. Over the 10-year window ending in the end year
:math:`E` (the window of the emergence score, 3 base + 7 active years) each unit *u* gets five
components:

================  ==========================================================================
``emergence``     the EScore of Carley et al. (2018), :func:`forcemap.indicators.emergence.
                  emergence_score` (``qualified`` flags the units passing its rules). It is
                  store-wide: the unit's share of *all* records of each year.
``growth``        the acceleration of the 3-year volumes: with :math:`S_2, S_1, S_0` the unit's
                  records in :math:`[E-2, E]`, :math:`[E-5, E-3]`, :math:`[E-8, E-6]` and
                  :math:`g_i = \bigl((S_i + 1)/(S_{i-1} + 1)\bigr)^{1/3} - 1` the annual growth
                  rate (CAGR) from one window to the next, :math:`a_u = g_2 - g_1` (the change
                  of CAGR between the last two 3-year windows; the + 1 keeps empty windows
                  defined). Sums over three years smooth the yearly noise of small units.
``disruption``    the share of the unit's window records with CD\ :sub:`5` > ``cd_threshold``
                  among those with a defined CD\ :sub:`5` (Funk & Owen-Smith 2017; Park et al.
                  2023, :func:`forcemap.indicators.disruption.disruption`)
``novelty``       the first year the unit appears in the store (later = more novel)
``home_share``    X's share of the unit's window records, fractional over authorship
                  countries (of a work's *n* authors, one with *k* countries gives
                  :math:`1/(n k)` to each) or over the distinct assignee countries of a patent
================  ==========================================================================

Each component becomes a percentile rank among the units in scope,

.. math::

    P_{uk} = \frac{|\{u' : v_{u'k} < v_{uk}\}|}{n - 1}, \qquad
    \mathrm{score}_u = \frac{\sum_k w_k P_{uk}}{\sum_k w_k},

so the best unit on a component gets 1, ties share the lower rank (values compared at 9
decimals), an undefined value ranks below every defined one, and a single unit gets 1 on each
defined component. The weights :math:`w_k` default to 1 each. A higher home share ranks
higher (a foothold to build on); give ``home_share`` weight 0 for a country-neutral list.
Two more components carry the attributes of Rotolo, Hicks & Martin (2015) that the first
five do not: ``coherence`` and ``impact`` (below).

**Specificity.** A word is not a topic. For concepts (whose OpenAlex hierarchy mixes
disciplines and methods with technologies) a work carries a concept only at score
``concept_min_score`` or more, and a concept is *generic* — left out of the ranking and listed
in ``evidence["generic"]`` with its reason — when its level is below ``min_concept_level``
(levels 0–1 are disciplines: "Medicine", "Engineering"), when it is in more than
``max_doc_share`` of all the store's works (document frequency), or when its window works
have less than ``min_field_share`` in their most common level-0 field (spread across
fields). OpenAlex topics and CPC main groups are leaves of curated classifications and are
not filtered.

**The four attributes of an emerging technology** (Rotolo, Hicks & Martin 2015), each with
its evidence in the row; *uncertainty*, their fifth, is the interval and the status:

* *radical novelty*: ``first_year`` in the store, ``base_share`` and ``active_share``
  (the emergence rules of Carley et al. 2018: novel, persistent, used by a community;
  ``qualified`` and ``reason``);
* *relatively fast growth*: ``growth``, the annual growth of the unit's share of the scope's
  records from :math:`S_1 = [G-5, G-3]` to :math:`S_2 = [G-2, G]`,
  :math:`\bigl(\tfrac{(s_2 + 1)/N_2}{(s_1 + 1)/N_1}\bigr)^{1/3} - 1`, with its 95 %
  bootstrap interval ``growth_low``–``growth_high`` (documents resampled, Leiden Ranking
  stability intervals); :math:`G` is the end year, or the year before it when the end year
  is incomplete in the store (:func:`forcemap.decide._evidence.incomplete_years`), so an
  incomplete last year never reads as a collapse (``acceleration`` uses the same windows);
* *coherence*: the share of the unit's window records with an in-store citation link
  (``with_links``) that cite or are cited by another record of the unit (``linked``) — a
  community that builds on itself, not a word many unrelated papers use;
* *prominent impact*: ``impact``, the mean field-normalised citation score (MNCS, Waltman
  et al. 2011; works: :func:`forcemap.indicators.impact.field_normalised_citation_score`
  over the level-0 concept, year and type; patents: citations over the mean of the grant
  year) of its window records, with its interval. Rotolo et al. place the prominent impact
  of an emerging technology in the future, so impact is evidence and a score component,
  not a condition.

``status`` is *insufficient evidence (…)* below ``thin_records`` window records or
``min_linked_documents`` records with citation links; else *emerging* when the unit is
qualified, coherent (``coherence`` ≥ ``min_coherence``) and growing (``growth`` >
``min_growth``), *borderline (emerging/not emerging)* when the growth interval straddles
``min_growth``, else *not emerging (reasons)*. The list shows emerging units first, then
borderline, not emerging and insufficient evidence, each by score.

References
----------
Carley, S. F., Newman, N. C., Porter, A. L. & Garner, J. G. (2018). doi:10.1007/
s11192-018-2851-x. Rotolo, D., Hicks, D. & Martin, B. R. (2015). doi:10.1016/j.respol.
2015.06.006. Funk, R. J. & Owen-Smith, J. (2017). doi:10.1287/mnsc.2015.2366. Park, M.,
Leahey, E. & Funk, R. J. (2023). doi:10.1038/s41586-022-05543-x. Ke, Q., Ferrara, E.,
Radicchi, F. & Flammini, A. (2015). doi:10.1073/pnas.1424329112. Waltman, L. & van Eck, N. J.
(2015). doi:10.1016/j.joi.2015.08.001. Waltman, L., van Eck, N. J., van Leeuwen, T. N.,
Visser, M. S. & van Raan, A. F. J. (2011). doi:10.1016/j.joi.2010.08.001.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from forcemap.decide._evidence import (
    incomplete_years,
)
from forcemap.decide._scope import at_org_level, industry_scope
from forcemap.decide._watch_caveats import watch_caveats
from forcemap.decide._watch_sql import (
    ALL_SQL,
    COHERENCE_SQL,
    COUNTRY_SQL,
    DOCS_SQL,
    EVIDENCE_SQL,
    LAST_DATE_SQL,
    LAST_YEAR_SQL,
    ORG_SQL,
    PATENT_FAMILY_SQL,
    PATENT_FAMILY_VALUES_SQL,
    PATENT_NCS_SQL,
    PCT_HEAD,
    PCT_TAIL,
    PCT_TEMPLATE,
    SCORE_SQL,
    SPEC_SQL,
    VALUES_SQL,
    VOLUME_SQL,
    WORKS_EVIDENCE_SQL,
)
from forcemap.decide._watch_status import STATUS_ORDER, attributes, in_order
from forcemap.decide.params import WATCH, WatchParams
from forcemap.decide.result import DecisionResult, Rule, check_weights, is_synthetic
from forcemap.indicators import indicator_table
from forcemap.indicators.emergence import emergence_score
from forcemap.indicators.impact import citation_basis, field_normalised_citation_score
from forcemap.indicators.sleeping_beauty import sleeping_beauty
from forcemap.store.org_hierarchy import org_level_caption
from forcemap.store.patent_resolution import patent_unit_caption, patent_unit_sql
from forcemap.store.slices import industry_patents, industry_works
from forcemap.store.store import Store

__all__ = [
    "COMPONENTS",
    "DEFAULT_WEIGHTS",
    "GENERIC_SCHEMA",
    "STATUS_ORDER",
    "WATCH_SCHEMA",
    "technology_watch",
]

COMPONENTS: tuple[str, ...] = (
    "emergence",
    "growth",
    "disruption",
    "novelty",
    "home_share",
    "coherence",
    "impact",
)
"""The components of the composite score, in order."""

DEFAULT_WEIGHTS: dict[str, float] = dict.fromkeys(COMPONENTS, 1.0)
"""Equal weights: every component counts the same."""

WINDOW = 10
"""Years of the window ending in the end year (the emergence score's 3 base + 7 active)."""

# component -> the value column it ranks (an allow-list used to build the percentile SQL)
_VALUE_COLUMN = {
    "emergence": "escore",
    "growth": "acceleration",
    "disruption": "disruptive_share",
    "novelty": "first_year",
    "home_share": "home_share",
    "coherence": "coherence",
    "impact": "impact",
}

#: The statuses of a ranked unit, in the order the list shows them.

WATCH_SCHEMA = pa.schema(
    [
        ("rank", pa.int64()),
        ("unit", pa.string()),
        ("name", pa.string()),
        ("score", pa.float64()),
        ("escore", pa.float64()),
        ("qualified", pa.bool_()),
        ("reason", pa.string()),
        ("acceleration", pa.float64()),
        ("disruptive_share", pa.float64()),
        ("first_year", pa.int32()),
        ("home_share", pa.float64()),
        ("status", pa.string()),
        ("base_share", pa.float64()),
        ("active_share", pa.float64()),
        ("growth", pa.float64()),
        ("growth_low", pa.float64()),
        ("growth_high", pa.float64()),
        ("growth_volumes", pa.list_(pa.int64())),
        ("coherence", pa.float64()),
        ("linked", pa.int64()),
        ("with_links", pa.int64()),
        ("impact", pa.float64()),
        ("impact_low", pa.float64()),
        ("impact_high", pa.float64()),
        ("with_impact", pa.int64()),
        ("level", pa.int32()),
        ("doc_share", pa.float64()),
        ("field_share", pa.float64()),
        *[(f"p_{k}", pa.float64()) for k in COMPONENTS],
        ("records", pa.int64()),
        ("volumes", pa.list_(pa.int64())),
        ("with_cd", pa.int64()),
        ("thin_evidence", pa.bool_()),
    ]
)
"""The main table: one row per listed unit, best first."""

GENERIC_SCHEMA = pa.schema(
    [
        ("unit", pa.string()),
        ("name", pa.string()),
        ("level", pa.int32()),
        ("records", pa.int64()),
        ("store_documents", pa.int64()),
        ("doc_share", pa.float64()),
        ("field_share", pa.float64()),
        ("reason", pa.string()),
    ]
)
"""``evidence["generic"]``: the concepts with enough records that are too generic to rank
(most window records first)."""

WORKS_EVIDENCE_SCHEMA = pa.schema(
    [
        ("unit", pa.string()),
        ("rank", pa.int64()),
        ("id", pa.string()),
        ("title", pa.string()),
        ("year", pa.int32()),
        ("cd", pa.float64()),
        ("mcd", pa.float64()),
        ("citations", pa.int64()),
    ]
)
"""``evidence["works"]``: the top works (patents) of each listed unit."""

ORGS_EVIDENCE_SCHEMA = pa.schema(
    [
        ("unit", pa.string()),
        ("rank", pa.int64()),
        ("org_id", pa.string()),
        ("name", pa.string()),
        ("type", pa.string()),
        ("country_code", pa.string()),
        ("is_home", pa.bool_()),
        ("records", pa.float64()),
        ("share", pa.float64()),
    ]
)
"""``evidence["organizations"]``: the most active organisations of each listed unit."""

BEAUTY_EVIDENCE_SCHEMA = pa.schema(
    [
        ("unit", pa.string()),
        ("rank", pa.int64()),
        ("id", pa.string()),
        ("title", pa.string()),
        ("year", pa.int32()),
        ("b", pa.float64()),
        ("t_a", pa.int32()),
        ("awakening_year", pa.int32()),
        ("citations", pa.int64()),
    ]
)
"""``evidence["sleeping_beauties"]``: the top sleeping beauties among each unit's records."""

SEEDS_SCHEMA = pa.schema(
    [
        ("rank", pa.int64()),
        ("id", pa.string()),
        ("title", pa.string()),
        ("year", pa.int32()),
        ("cd", pa.float64()),
        ("mcd", pa.float64()),
        ("units", pa.string()),
        ("citations", pa.int64()),
    ]
)
"""``evidence["disruptive_works"]``: the scope's most disruptive records ("seeds"), any year."""

_SEEDS_SQL = """
SELECT row_number() OVER (ORDER BY d.mcd DESC, d.cd DESC, r.record_id) AS rank,
       r.record_id AS id, t.title, r.year, d.cd, d.mcd, r.units, coalesce(c.n, 0) AS citations
FROM (SELECT record_id, min(year) AS year, string_agg(DISTINCT unit_id, ', ' ORDER BY unit_id)
             AS units
      FROM _tw_rec GROUP BY record_id) AS r
JOIN _tw_cd AS d ON d.id = r.record_id
LEFT JOIN _tw_titles AS t ON t.id = r.record_id
LEFT JOIN _tw_cites AS c ON c.id = r.record_id
WHERE d.cd > $thr AND d.mcd >= $min_mcd
ORDER BY rank LIMIT $top
"""


def _pct_sql() -> str:
    parts = [
        PCT_TEMPLATE.replace("{col}", _VALUE_COLUMN[k]).replace("{key}", k) for k in COMPONENTS
    ]
    return PCT_HEAD + ",".join(parts) + PCT_TAIL


def _rule(params: dict[str, object]) -> Rule:
    level = str(params["org_level"])
    return Rule(
        name="technology_watch",
        statement=(org_level_caption(level).capitalize() + ". " if level != "self" else "")
        + (
            "Patents are counted as families (patent_unit family), each in its first grant year. "
            if params.get("patent_unit") == "family"
            else "Patents are counted one by one (patent_unit patent). "
            if params.get("patent_unit") == "patent"
            else ""
        )
        + "Units (topics, concepts or CPC main groups) of the industry are ranked by "
        "the weighted mean of their percentile ranks on the emergence score (Carley et al. "
        "2018), the acceleration of their volume (change of the CAGR between the last two "
        "3-year windows), the share of their works with CD_5 > "
        "cd_threshold, their novelty (first year in the store), the home country's "
        "fractional share of their works, their coherence and their impact, over the 10-year "
        "window ending in end_year. Concepts below min_concept_level, in more than "
        "max_doc_share of the store's works or with less than min_field_share of their works "
        "in one level-0 field are generic and not ranked. Each unit carries the evidence of "
        "the four attributes of Rotolo, Hicks & Martin (2015): novelty (the emergence rules), "
        "growth (annual growth of its share of the scope's records from [G−5, G−3] to "
        "[G−2, G], G = growth_end_year, the last complete year, with a 95 % bootstrap "
        "interval over documents), coherence (share of its records with an in-store citation "
        "link that cite or are cited by another of its records) and impact (MNCS, with its "
        "interval). Its status is 'insufficient evidence' below thin_records records or "
        "min_linked_documents records with citation links; 'emerging' when qualified by the "
        "emergence rules, coherence ≥ min_coherence and growth > min_growth; 'borderline' "
        "when the growth interval straddles min_growth; else 'not emerging' with the reasons. "
        "Emerging units are listed first, then borderline, not emerging and insufficient "
        "evidence, each by score.",
        parameters=params,
        references=(
            "Carley et al. 2018, doi:10.1007/s11192-018-2851-x",
            "Rotolo, Hicks & Martin 2015, doi:10.1016/j.respol.2015.06.006",
            "Funk & Owen-Smith 2017, doi:10.1287/mnsc.2015.2366",
            "Park, Leahey & Funk 2023, doi:10.1038/s41586-022-05543-x",
            "Ke et al. 2015, doi:10.1073/pnas.1424329112",
            "Waltman et al. 2011, doi:10.1016/j.joi.2010.08.001",
            "Waltman et al. 2012 (Leiden Ranking stability intervals), doi:10.1002/asi.22708",
        ),
    )


def technology_watch(
    store: Store,
    *,
    country: str = WATCH.country,
    industry: str | None = None,
    unit: str = WATCH.unit,
    end_year: int | None = WATCH.end_year,
    top: int = WATCH.top,
    cd_threshold: float = WATCH.cd_threshold,
    weights: Mapping[str, float] | None = WATCH.weights,
    qualified_only: bool = WATCH.qualified_only,
    min_records: int = WATCH.min_records,
    thin_records: int = WATCH.thin_records,
    evidence_per_unit: int = WATCH.evidence_per_unit,
    beauty_min_citations: int = WATCH.beauty_min_citations,
    seed_min_mcd: float = WATCH.seed_min_mcd,
    concept_min_score: float = WATCH.concept_min_score,
    min_concept_level: int = WATCH.min_concept_level,
    max_doc_share: float = WATCH.max_doc_share,
    min_field_share: float = WATCH.min_field_share,
    min_linked_documents: int = WATCH.min_linked_documents,
    min_coherence: float = WATCH.min_coherence,
    min_growth: float = WATCH.min_growth,
    citations: str = WATCH.citations,
    org_level: str = WATCH.org_level,
    patent_unit: str = WATCH.patent_unit,
) -> DecisionResult:
    r"""A ranked watch list of emerging technologies for ``country`` (C7).

    Implements the rule of this module's docstring.

    Parameters
    ----------
    store : Store
        The store. Organisation evidence needs resolved organisations
        (:func:`forcemap.store.organizations.resolve_organizations`); without them it is empty.
    country : str, default "CN"
        ISO 3166-1 alpha-2 code of the home country X.
    industry : str, optional
        A catalog industry: only its works (``unit="topic"``/``"concept"``) or patents
        (``unit="cpc_group"``) count. Default: every record of the store.
    unit : {"topic", "concept", "cpc_group"}, default "topic"
        The technology unit (see :func:`~forcemap.indicators.emergence.emergence_score`).
    end_year : int, optional
        Last year of the window (default: the latest publication / grant year in the store).
    top : int, default 20
        A **row count**: units listed.
    cd_threshold : float, default 0.0
        A record is disruptive when its CD\ :sub:`5` is above this.

    The defaults and checks are those of :class:`~forcemap.decide.params.WatchParams`.
    weights : mapping of str to float, optional
        Weights of the components :data:`COMPONENTS` (``emergence``, ``growth``,
        ``disruption``, ``novelty``, ``home_share``); missing ones stay 1 (non-negative,
        at least one positive).
    qualified_only : bool, default False
        Rank only the units passing the emergence qualification rules; by default every unit
        is ranked and ``qualified`` / ``reason`` show the rules' verdict.
    min_records : int, default 10
        Units with fewer records in the window (in scope) are not ranked.
    thin_records : int, default 20
        A listed unit with fewer records in the window is flagged ``thin_evidence`` and its
        status is *insufficient evidence*.
    evidence_per_unit : int, default 5
        Rows per listed unit in each evidence table.
    beauty_min_citations : int, default 10
        ``min_citations`` of :func:`~forcemap.indicators.sleeping_beauty.sleeping_beauty`.
    seed_min_mcd : float, default 10.0
        Least mCD\ :sub:`5` of a record in ``evidence["disruptive_works"]`` (a CD\ :sub:`5`
        of 1 from two citers is not yet a seed).
    concept_min_score, min_concept_level, max_doc_share, min_field_share : float, int
        Specificity of concepts (a work carries a concept at ``concept_min_score`` or more;
        generic below level ``min_concept_level``, above ``max_doc_share`` of the store's
        works, or below ``min_field_share`` in its main level-0 field).
    min_linked_documents : int, default 5
        Least window records with an in-store citation link for a status.
    min_coherence, min_growth : float, default 0.2 and 0.0
        An emerging unit's least coherence and the share growth rate it must exceed.
    citations : {"auto", "store", "source"}, default "auto"
        The citation basis of the impact attribute (works; patents use the store's).
    org_level : {"self", "parent", "top"}, default "self"
        The organisations of ``evidence["organizations"]`` as resolved, or rolled up to their
        parent or the top of their hierarchy
        (:func:`forcemap.store.org_hierarchy.org_aliases_sql`). The rule states the level.
    patent_unit : {"family", "patent"}, default "family"
        With ``unit="cpc_group"``, a record is a patent family (the shared counting unit,
        :func:`forcemap.store.patent_resolution.patent_unit_sql`; dated by its first grant
        year, citations counted between families) or each patent. The rule and the caveats
        state the grouping.

    Returns
    -------
    DecisionResult
        ``table``: :data:`WATCH_SCHEMA`, the ``top`` units by score (component values,
        percentiles ``p_*``, window ``records``, the 3-year volumes
        ``volumes`` :math:`[S_0, S_1, S_2]`, ``with_cd`` the records with a defined CD\ :sub:`5`,
        the ``status`` and the evidence of the four attributes of the module docstring).
        ``evidence["components"]``: the same for every ranked unit;
        ``evidence["generic"]``: :data:`GENERIC_SCHEMA`, the concepts left out as generic;
        ``evidence["works"]``: each listed unit's top window records by mCD\ :sub:`5` =
        CD\ :sub:`5` × in-window citations (disruptive *and* cited first), then store
        citations; ``evidence["organizations"]``: each listed unit's most active
        organisations (fractional records in the window, ``share`` of the unit's records);
        ``evidence["sleeping_beauties"]``: each listed unit's records (any year) with the
        largest beauty coefficient *B* > 0; ``evidence["disruptive_works"]``: the "seeds" of
        disruptive technologies — the ``top`` records in scope of any year (so every one has
        its full 5-year window or as much as the store holds) with CD\ :sub:`5` >
        ``cd_threshold`` and the largest mCD\ :sub:`5` (Funk & Owen-Smith 2017: disruption
        weighted by the citers it draws), with their units.

    Raises
    ------
    InputError
        A bad parameter or an unknown industry.
    StoreError
        The store cannot be read.
    """
    p = WatchParams(
        country=country,
        unit=unit,
        end_year=end_year,
        top=top,
        cd_threshold=cd_threshold,
        weights=weights,
        qualified_only=qualified_only,
        min_records=min_records,
        thin_records=thin_records,
        evidence_per_unit=evidence_per_unit,
        beauty_min_citations=beauty_min_citations,
        seed_min_mcd=seed_min_mcd,
        concept_min_score=concept_min_score,
        min_concept_level=min_concept_level,
        max_doc_share=max_doc_share,
        min_field_share=min_field_share,
        min_linked_documents=min_linked_documents,
        min_coherence=min_coherence,
        min_growth=min_growth,
        citations=citations,
        org_level=org_level,
        patent_unit=patent_unit,
    )
    cty = p.country
    w = check_weights(weights, COMPONENTS)
    entity = "patents" if unit == "cpc_group" else "works"
    cat = industry_scope(None, industry) if industry is not None else None
    scope: pa.Table | None = None
    if cat is not None:
        if entity == "works":
            scope = industry_works(store, catalog=cat).select(["work_id"])
        else:
            scope = industry_patents(store, catalog=cat).select(["patent_id"])
        scope = scope.rename_columns(["record_id"])
    if end_year is None:
        end_year = store.scalar(LAST_YEAR_SQL[entity])
    with store.query_cursor("technology watch") as cur:
        vol_sql = VOLUME_SQL[entity].replace("{units}", patent_unit_sql(p.patent_unit))
        volume = {int(y): float(n) for y, n in cur.execute(vol_sql).fetchall()}
        last_date = cur.execute(LAST_DATE_SQL[entity]).fetchone()
    # one rule for every decision: the impact module's citation basis (patents: the store's)
    basis = citation_basis(store, citations=citations).basis if entity == "works" else "store"
    latest = last_date[0] if last_date else None
    partial = tuple(
        sorted(
            incomplete_years(
                volume,
                {latest.year: latest} if latest is not None else None,
                noun="works" if entity == "works" else "patents",
            )
        )
    )
    gend = None if end_year is None else int(end_year)
    last = max(volume, default=gend)
    while gend is not None and gend in partial and gend == last:  # an indexing lag
        gend -= 1
        last -= 1
    params: dict[str, object] = {
        "country": cty,
        "industry": industry,
        "unit": unit,
        "end_year": end_year,
        "window": None if end_year is None else f"{int(end_year) - WINDOW + 1}–{end_year}",
        "growth_end_year": gend,
        "partial_years": list(partial),
        "top": top,
        "cd_threshold": cd_threshold,
        "weights": w,
        "qualified_only": qualified_only,
        "min_records": min_records,
        "thin_records": thin_records,
        "min_linked_documents": min_linked_documents,
        "concept_min_score": concept_min_score if unit == "concept" else None,
        "min_concept_level": min_concept_level if unit == "concept" else None,
        "max_doc_share": max_doc_share if unit == "concept" else None,
        "min_field_share": min_field_share if unit == "concept" else None,
        "min_coherence": min_coherence,
        "min_growth": min_growth,
        "citations": citations,
        "citation_basis": basis,
        "org_level": p.org_level,
        "patent_unit": p.patent_unit if entity == "patents" else None,
        "acceleration": "g_2 − g_1, g_i = ((S_i + 1) / (S_{i−1} + 1))^(1/3) − 1 over 3-year "
        "volumes S_0 = [G−8, G−6], S_1 = [G−5, G−3], S_2 = [G−2, G], G = growth_end_year",
        "share_growth": "((s_2 + 1)/N_2 ÷ (s_1 + 1)/N_1)^(1/3) − 1, s_i the unit's and N_i the "
        "scope's records in S_1, S_2; 95 % interval from 1,000 bootstrap draws of documents",
        "coherence": "share of the unit's window records with an in-store citation link that "
        "cite or are cited by another of its records",
        "impact": "MNCS of the window records (works: level-0 concept × year × type; patents: "
        "grant year)",
        "disruption": f"CD_5 > {cd_threshold}",
        "works_evidence_order": "mCD_5 = CD_5 × in-window citations, then store citations",
        "beauty_min_citations": beauty_min_citations,
        "seeds": f"records of any year in scope with CD_5 > {cd_threshold} and mCD_5 ≥ "
        f"{seed_min_mcd}, by mCD_5 = CD_5 × in-window citers",
    }
    result = DecisionResult(
        name="technology_watch",
        table=WATCH_SCHEMA.empty_table(),
        rule=_rule(params),
        evidence={
            "components": WATCH_SCHEMA.empty_table(),
            "generic": GENERIC_SCHEMA.empty_table(),
            "works": WORKS_EVIDENCE_SCHEMA.empty_table(),
            "organizations": ORGS_EVIDENCE_SCHEMA.empty_table(),
            "sleeping_beauties": BEAUTY_EVIDENCE_SCHEMA.empty_table(),
            "disruptive_works": SEEDS_SCHEMA.empty_table(),
        },
    )
    if end_year is None or gend is None:
        with store.query_cursor("technology watch") as cur:
            result.synthetic = is_synthetic(cur)
        result.warn(f"No {entity} with a year in the store: nothing to watch.")
        return result
    end_year = int(end_year)
    y0 = end_year - WINDOW + 1
    em = emergence_score(
        store,
        unit=unit,
        end_year=end_year,
        min_score=concept_min_score if unit == "concept" else 0.0,
        patent_unit=p.patent_unit,
    ).select(["unit_id", "name", "qualified", "reason", "escore", "base_share", "active_share"])
    key = "work_id" if entity == "works" else "patent_id"
    cd = (
        indicator_table(store, "disruption", window=5, entity=entity)
        .select([key, "cd", "mcd"])
        .rename_columns(["id", "cd", "mcd"])
    )
    sb = sleeping_beauty(
        store,
        entity="patents" if entity == "patents" else "works",
        min_citations=beauty_min_citations,
    ).select(["id", "year", "b", "t_a", "awakening_year", "citations"])
    ncs: pa.Table | None = None
    if entity == "works":
        ncs = (
            field_normalised_citation_score(store, citations=basis)
            .select(["work_id", "ncs"])
            .rename_columns(["id", "ncs"])
        )
    fam = "_patent" if entity == "patents" else ""  # patents: mapped to families below
    with store.query_cursor("technology watch") as cur:
        result.synthetic = is_synthetic(cur)
        for name, tbl in (("_tw_em", em), (f"_tw_cd{fam}", cd), (f"_tw_sb{fam}", sb)):
            cur.register(name, tbl)
        if entity == "patents":
            for stmt in PATENT_FAMILY_SQL.format(units=patent_unit_sql(p.patent_unit)).split(";"):
                cur.execute(stmt)
            for stmt in PATENT_FAMILY_VALUES_SQL.split(";\n"):
                cur.execute(stmt)
            unit_caption = patent_unit_caption(cur, p.patent_unit)
        cur.execute(
            ALL_SQL[unit],
            {"min_score": float(concept_min_score)} if unit == "concept" else None,
        )
        if scope is None:
            cur.execute("CREATE OR REPLACE TEMP TABLE _tw_rec AS SELECT * FROM _tw_all")
        else:
            cur.register(f"_tw_scope{fam}", scope)
            if entity == "patents":
                cur.execute(
                    "CREATE OR REPLACE TEMP TABLE _tw_scope AS SELECT DISTINCT f.unit_id AS "
                    "record_id FROM _tw_scope_patent AS s JOIN _tw_pfam AS f "
                    "ON f.patent_id = s.record_id"
                )
            cur.execute(
                "CREATE OR REPLACE TEMP TABLE _tw_rec AS "
                "SELECT * FROM _tw_all SEMI JOIN _tw_scope USING (record_id)"
            )
        cur.execute(
            "CREATE OR REPLACE TEMP TABLE _tw_win AS "
            "SELECT * FROM _tw_rec WHERE year BETWEEN $y0 AND $y1",
            {"y0": y0, "y1": end_year},
        )
        cur.execute(
            DOCS_SQL[entity].replace(
                "{scope}",
                ""
                if scope is None
                else f"AND {'record_id' if fam else key} IN (SELECT record_id FROM _tw_scope)",  # noqa: S608
            ),
            {"y0": y0, "y1": end_year},
        )
        cur.execute(COUNTRY_SQL[entity])
        cur.execute(at_org_level(ORG_SQL[entity], p.org_level))
        cites_table = "work_references" if entity == "works" else "_tw_prefs"
        records = "works" if entity == "works" else "_tw_pents"  # patents: one per family
        cur.execute(
            "CREATE OR REPLACE TEMP TABLE _tw_cites AS "  # noqa: S608 - allow-listed name
            f"SELECT cited_id AS id, count(DISTINCT citing_id) AS n FROM {cites_table} "
            "WHERE citing_id <> cited_id GROUP BY cited_id"
        )
        if ncs is None:
            cur.execute("CREATE OR REPLACE TEMP TABLE _tw_ncs AS " + PATENT_NCS_SQL)
        else:
            cur.register("_tw_ncs", ncs)
        cur.execute(
            COHERENCE_SQL.replace("{refs}", cites_table)
            .replace("{key}", key)
            .replace("{entity}", records)
        )
        n_store = cur.execute(
            "SELECT count(DISTINCT record_id) FROM (SELECT record_id FROM _tw_all UNION ALL "  # noqa: S608
            f"SELECT {key} FROM {records})"
        ).fetchone()
        cur.execute(
            SPEC_SQL["concept" if unit == "concept" else "other"],
            {
                "n_store": float(n_store[0] if n_store and n_store[0] else 1),
                **(
                    {
                        "min_level": min_concept_level,
                        "max_df": float(max_doc_share),
                        "min_fs": float(min_field_share),
                    }
                    if unit == "concept"
                    else {}
                ),
            },
        )
        generic = (
            cur.sql(
                """SELECT s.unit_id AS unit, coalesce(e.name, s.unit_id) AS name, s.level,
                          count(DISTINCT w.record_id) AS records,
                          s.store_docs AS store_documents, s.doc_share, s.field_share,
                          s.generic AS reason
                   FROM _tw_spec AS s JOIN _tw_win AS w USING (unit_id)
                   LEFT JOIN _tw_em AS e USING (unit_id)
                   WHERE s.generic IS NOT NULL GROUP BY ALL
                   HAVING count(DISTINCT w.record_id) >= $min_records
                   ORDER BY records DESC, unit""",
                params={"min_records": min_records},
            )
            .to_arrow_table()
            .cast(GENERIC_SCHEMA)
        )
        cur.execute(
            VALUES_SQL,
            {
                "gend": gend,
                "thr": float(cd_threshold),
                "country": cty,
                "min_records": min_records,
                "qualified_only": qualified_only,
            },
        )
        cur.execute(_pct_sql())
        weighted = " + ".join(f"$w_{k} * p_{k}" for k in COMPONENTS)
        score_params: dict[str, object] = {f"w_{k}": v for k, v in w.items()}
        score_params["w_total"] = sum(w.values())
        cur.execute(SCORE_SQL.replace("{weighted}", weighted), score_params)
        scored = cur.sql("SELECT * FROM _tw_scored ORDER BY rank").to_arrow_table()
        boot = cur.sql(
            """SELECT d.record_id, d.year, s.rank, n.ncs,
                      s.unit IS NOT NULL AND EXISTS (SELECT 1 FROM _tw_win AS w
                          WHERE w.record_id = d.record_id AND w.unit_id = s.unit) AS hit
               FROM _tw_docs AS d
               LEFT JOIN (SELECT w.record_id, s.unit, s.rank FROM _tw_win AS w
                          JOIN _tw_scored AS s ON s.unit = w.unit_id) AS s
                      ON s.record_id = d.record_id
               LEFT JOIN _tw_ncs AS n ON n.id = d.record_id
               ORDER BY d.record_id"""
        ).to_arrow_table()
        components = attributes(scored, boot, gend, p)
        components = components.select(WATCH_SCHEMA.names).cast(WATCH_SCHEMA)
        cur.register("_tw_order", components.select(["unit", "rank"]))
        cur.execute(
            "CREATE OR REPLACE TEMP TABLE _tw_listed AS SELECT unit FROM _tw_order "
            "WHERE rank <= $top",
            {"top": top},
        )
        ev_params = {"per_unit": evidence_per_unit, "country": cty}
        for stmt in EVIDENCE_SQL.split(";\n"):
            cur.execute(stmt, {k: v for k, v in ev_params.items() if f"${k}" in stmt})
        cur.execute("CREATE OR REPLACE TEMP TABLE _tw_titles AS " + WORKS_EVIDENCE_SQL[entity])
        works_ev = (
            cur.sql(
                "SELECT e.unit, e.rank, e.id, t.title, e.year, e.cd, e.mcd, e.citations "
                "FROM _tw_ev_works AS e LEFT JOIN _tw_titles AS t USING (id) "
                "ORDER BY e.unit, e.rank"
            )
            .to_arrow_table()
            .cast(WORKS_EVIDENCE_SCHEMA)
        )
        orgs_ev = (
            cur.sql("SELECT * FROM _tw_ev_orgs ORDER BY unit, rank")
            .to_arrow_table()
            .select(ORGS_EVIDENCE_SCHEMA.names)
            .cast(ORGS_EVIDENCE_SCHEMA)
        )
        beauty_ev = (
            cur.sql(
                "SELECT e.unit, e.rank, e.id, t.title, e.year, e.b, e.t_a, e.awakening_year, "
                "e.citations FROM _tw_ev_beauties AS e LEFT JOIN _tw_titles AS t USING (id) "
                "ORDER BY e.unit, e.rank"
            )
            .to_arrow_table()
            .cast(BEAUTY_EVIDENCE_SCHEMA)
        )
        seeds = (
            cur.sql(
                _SEEDS_SQL,
                params={"thr": float(cd_threshold), "min_mcd": float(seed_min_mcd), "top": top},
            )
            .to_arrow_table()
            .cast(SEEDS_SCHEMA)
        )
        counts = cur.execute(
            """SELECT (SELECT count(DISTINCT unit_id) FROM _tw_win),
                      (SELECT count(*) FROM _tw_values),
                      (SELECT count(*) FROM org_aliases)"""
        ).fetchall()[0]
    result.table = components.slice(0, top)
    # the evidence tables in the order of the main table
    order = {u: i for i, u in enumerate(result.table["unit"].to_pylist())}
    result.evidence = {
        "components": components,
        "generic": generic,
        "works": in_order(works_ev, order),
        "organizations": in_order(orgs_ev, order),
        "sleeping_beauties": in_order(beauty_ev, order),
        "disruptive_works": seeds,
    }
    watch_caveats(result, counts, scope is not None, entity)
    if entity == "patents":
        result.warn(unit_caption)
    return result
