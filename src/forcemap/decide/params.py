"""The parameters of every decision: one frozen dataclass per decision, the single source of
its defaults, its checks and the values its rule states.

Each decision function takes its tunable parameters as keyword arguments whose defaults are
read from the module constant of its class here (``window: int = POSITIONING.window``), builds
the class from the values it was given (which checks them: a bad value is an
:class:`~forcemap.errors.InputError`) and builds the rule it shows from the instance, so a
threshold is stated once. Conventions that used to be literals are parameters too (the
forward-citation window, the concept-score threshold, the CD threshold of a disruptive work),
with the same defaults.

The classes live in this one module rather than beside each decision because the interfaces
read them too: the CLI options, the web forms and the API models must have the same defaults
(``tests/decide/test_params.py`` proves they do), and this module imports nothing heavier
than the errors, so reading a default never imports DuckDB, Arrow or a decision's SQL.

Only parameters with a default belong here; the scope of a call (the store, the industry or
catalog, ids, texts, the budget to allocate) stays an argument of the decision.

``top`` means two things in the package (a renaming is recommended, not done: the keyword
names are public): a **share** in :class:`PositioningParams` (the top 10 % of forward
citations defining a high-value patent), a **row count** everywhere else (organisations,
scientists, units or candidates listed). Each class says which.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from forcemap._checks import check_years
from forcemap.errors import InputError

__all__ = [
    "ACTORS",
    "ALLOCATE",
    "BENCHMARK",
    "BENCHMARK_SERIES",
    "BOTTLENECKS",
    "CD_THRESHOLD",
    "CITATION_WINDOW",
    "CONCEPT_MIN_SCORE",
    "CONSORTIUM",
    "CPC_LEVELS",
    "LANDSCAPE",
    "ORG_LEVELS",
    "PANEL",
    "PATENT_UNITS",
    "PATHWAYS",
    "POSITIONING",
    "REVIEW",
    "TALENT",
    "WATCH",
    "ActorsParams",
    "AllocateParams",
    "BenchmarkParams",
    "BenchmarkSeriesParams",
    "BottlenecksParams",
    "ConsortiumParams",
    "LandscapeParams",
    "PanelParams",
    "PathwaysParams",
    "PositioningParams",
    "ReviewParams",
    "TalentParams",
    "WatchParams",
    "defaults",
]

#: Default of every forward-citation window (years after grant), the OECD convention
#: (Squicciarini, Dernis & Criscuolo 2013).
CITATION_WINDOW = 5
#: Default least OpenAlex concept score for a work to carry a concept.
CONCEPT_MIN_SCORE = 0.3
#: The CPC levels a technology can be read at (bottlenecks, landscape).
CPC_LEVELS: tuple[str, ...] = ("cpc_group", "cpc_subclass")
#: Default CD threshold above which a work counts as disruptive (Park, Leahey & Funk 2023).
CD_THRESHOLD = 0.0


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_at_least(name: str, value: object, low: int) -> None:
    """The message most decisions give for an integer parameter below its least value."""
    if not _is_int(value) or value < low:  # type: ignore[operator]
        raise InputError(f"{name}={value!r} must be an integer ≥ {low}")


def _check_citation_window(value: object) -> None:
    _int_at_least("citation_window", value, 1)


def _check_concept_min_score(value: float) -> None:
    if not 0.0 <= float(value) <= 1.0:
        raise InputError(f"concept_min_score={value} must be in [0, 1]")


def _check_impact_field(value: str) -> None:
    from forcemap.indicators.impact import FIELD_DEFINITIONS

    if value not in ("auto", *FIELD_DEFINITIONS):
        raise InputError(
            f"impact_field={value!r} must be 'auto' or one of {', '.join(FIELD_DEFINITIONS)}"
        )


def _check_citations(value: str) -> None:
    # forcemap.indicators.impact.CITATION_BASES, without importing duckdb through impact
    if value not in ("store", "source", "auto"):
        raise InputError(f"citations={value!r} must be 'store', 'source' or 'auto'")


def _check_country(country: str) -> str:
    # decide._scope.check_country, without importing duckdb/pyarrow through _scope
    c = str(country).strip().upper()
    if len(c) != 2 or not c.isalpha():
        raise InputError(f"country={country!r} must be an ISO 3166-1 alpha-2 code such as 'CN'")
    return c


#: The organisation roll-up levels (forcemap.store.org_hierarchy.ORG_LEVELS, without importing
#: duckdb through it): as resolved, the parent, the top of the hierarchy.
ORG_LEVELS: tuple[str, ...] = ("self", "parent", "top")
#: The patent counting units (forcemap.store.patent_resolution.PATENT_UNITS): one invention
#: (family) counted once, or every grant.
PATENT_UNITS: tuple[str, ...] = ("family", "patent")


def _check_org_level(value: str) -> None:
    if value not in ORG_LEVELS:
        raise InputError(f"org_level must be one of {', '.join(ORG_LEVELS)}, got {value!r}")


def _check_patent_unit(value: str) -> None:
    if value not in PATENT_UNITS:
        raise InputError(f"patent_unit must be one of {', '.join(PATENT_UNITS)}, got {value!r}")


def defaults(params: type[Any]) -> dict[str, Any]:
    """The default of every field of a parameter class, by name."""
    return {f.name: f.default for f in fields(params)}


# -- C3 positioning -------------------------------------------------------------------------
@dataclass(frozen=True)
class PositioningParams:
    """Parameters of :func:`~forcemap.decide.positioning.positioning`.

    ``top`` is a **share**: the top share of forward citations in a grant-year cohort that
    makes a patent high-value (works always use the top-10 % indicator). ``window`` is the
    length of the positioning window in years; ``citation_window`` the years after grant
    in which forward citations count. The home country is checked (an ISO alpha-2 code).

    The evidence minimums (issue 18), in the spirit of the Leiden Ranking's and InCites'
    practice of reporting no indicator below a minimum output (the Leiden Ranking admits a
    university only above a fractional publication threshold; InCites advises against
    reading normalised indicators of small sets):

    * ``min_top_documents`` (10): a **side** (publications or patents) enters the score of a
      unit only when the world's top documents of that side in the window (fractional top-10 %
      works, high-value families) reach it; with fewer, one document moves a share by more
      than 10 points. A side below is dropped and said; with no side left the row is
      *insufficient evidence*.
    * ``min_documents`` (10): the country's own documents (fractional works and families on
      the sides used) in the window; below, *insufficient evidence*.
    * ``min_coverage`` (0.5): the least share of a side's evidence whose country is known
      (top-10 % work credit with a known author country; patent families with a known
      holder country); a side below it is dropped (unknown is never foreign).
    * ``keep_partial`` (False): True reads an incomplete first/last year
      (:func:`~forcemap.decide._evidence.incomplete_years`) in the trend and the years behind.
    * ``draws`` (1,000, the Leiden Ranking's): bootstrap draws of the stability intervals
      (0: no intervals).
    """

    country: str = "CN"
    unit: Literal["industry", "field"] = "industry"
    window: int = 5
    weight_pub: float = 1.0
    weight_tech: float = 1.0
    top: float = 0.10
    parallel_at: float = 80.0
    leading_other_at: float = 80.0
    min_top_documents: float = 10.0
    min_documents: float = 10.0
    min_coverage: float = 0.5
    keep_partial: bool = False
    draws: int = 1000
    citation_window: int = CITATION_WINDOW
    #: Citation basis of the works' top-10 % (see forcemap.indicators.impact.citation_basis).
    citations: str = "auto"
    #: Patent counting unit: "family" (one invention once) or "patent" (every grant).
    patent_unit: str = "family"

    def __post_init__(self) -> None:
        _check_citations(self.citations)
        _check_patent_unit(self.patent_unit)
        if self.unit not in ("industry", "field"):
            raise InputError(f"unit={self.unit!r} is not 'industry' or 'field'")
        if self.window < 1:
            raise InputError(f"window={self.window!r} must be ≥ 1 year")
        if self.weight_pub < 0 or self.weight_tech < 0 or self.weight_pub + self.weight_tech <= 0:
            raise InputError("weights must be ≥ 0 and not both 0")
        if not 0 < self.top < 1:
            raise InputError(f"top={self.top!r} must be in (0, 1)")
        for name in ("min_top_documents", "min_documents"):
            v = getattr(self, name)
            if not math.isfinite(v) or v < 0:
                raise InputError(f"{name}={v!r} must be a finite number ≥ 0")
        if not 0 <= self.min_coverage <= 1:
            raise InputError(f"min_coverage={self.min_coverage!r} must be in [0, 1]")
        if self.draws < 0:
            raise InputError(f"draws={self.draws!r} must be ≥ 0 (0: no intervals)")
        _check_citation_window(self.citation_window)
        object.__setattr__(self, "country", _check_country(self.country))


POSITIONING = PositioningParams()


# -- C4 bottlenecks -------------------------------------------------------------------------
def _check_min_share(name: str, value: float) -> None:
    """A share parameter (a coverage minimum) must be a number in [0, 1]."""
    if not (isinstance(value, int | float) and 0.0 <= float(value) <= 1.0):
        raise InputError(f"{name}={value!r} must be a share in [0, 1]")


@dataclass(frozen=True)
class BottlenecksParams:
    """Parameters of :func:`~forcemap.decide.bottlenecks.bottlenecks`.

    ``top_holders`` is a **count**: the holders whose joint share is tested against
    ``top_share_above``. ``min_coverage``: the least share of a group's families with a known
    holder country for the group to be assessed (below it the outcome is *insufficient
    evidence*; 0.5, the majority of the evidence — an unknown country is never foreign).
    ``min_families`` (5) is in the spirit of the minimum publication counts of InCites and
    the Leiden Ranking: no indicator on fewer units of evidence.
    """

    country: str = "CN"
    level: str = "cpc_group"
    years: tuple[int, int] | None = None
    rta_below: float = 1.0
    hhi_country_above: float = 0.25
    hhi_assignee_above: float = 0.15
    top_holders: int = 3
    top_share_above: float = 0.5
    min_families: int = 5
    with_trade: bool = True
    import_hhi_above: float = 0.4
    export_hhi_above: float = 0.4
    min_coverage: float = 0.5
    #: Organisations as resolved, or rolled up to their parent or top (org_hierarchy).
    org_level: str = "self"
    #: Patent counting unit: "family" (one invention once) or "patent" (every grant).
    patent_unit: str = "family"

    def __post_init__(self) -> None:
        object.__setattr__(self, "country", _check_country(self.country))
        if self.level not in CPC_LEVELS:
            raise InputError(f"level={self.level!r} must be one of {', '.join(CPC_LEVELS)}")
        check_years(self.years)
        _check_min_share("min_coverage", self.min_coverage)
        _check_org_level(self.org_level)
        _check_patent_unit(self.patent_unit)
        if self.top_holders < 1:
            raise InputError(f"top_holders={self.top_holders} must be at least 1")
        if self.min_families < 1:
            raise InputError(f"min_families={self.min_families} must be at least 1")


BOTTLENECKS = BottlenecksParams()


# -- C5 strategic actors --------------------------------------------------------------------
@dataclass(frozen=True)
class ActorsParams:
    """Parameters of :func:`~forcemap.decide.actors.strategic_actors`.

    ``top`` is a **row count**: organisations per industry in the main table. ``country``
    None ranks every country's organisations together. ``cd_threshold``: a work is
    disruptive when its CD over ``cd_window`` years is above it; ``citation_window``: the
    years after grant in which forward citations count; ``concept_min_score``: the least
    concept score for a work to count towards a sub-technology (breadth).

    Minimums, in the spirit of the Leiden Ranking (only units with enough fractionally
    counted publications are ranked) and InCites' document thresholds, scaled to one
    industry's slice: ``min_output`` (1.0) fractional works + patents for an organisation to
    be ranked (below it: *insufficient evidence*, no rank); ``min_impact_works`` (5.0)
    fractional works with a field-normalised score for its MNCS (and works with a CD for its
    disruptive share) to be reported. ``min_coverage`` (0.5): the least share of the
    industries' organisations with a known country for a country's list to be labelled.
    """

    country: str | None = "CN"
    years: tuple[int, int] | None = None
    top: int = 20
    weights: Mapping[str, float] | None = None
    anchor_quantile: float = 0.75
    impact_field: str = "auto"
    citation_window: int = CITATION_WINDOW
    cd_threshold: float = CD_THRESHOLD
    concept_min_score: float = CONCEPT_MIN_SCORE
    min_output: float = 1.0
    min_impact_works: float = 5.0
    min_coverage: float = 0.5
    #: Citation basis of the works' NCS (see forcemap.indicators.impact.citation_basis).
    citations: str = "auto"
    #: Patent counting unit: "family" (one invention once) or "patent" (every grant).
    patent_unit: str = "family"

    def __post_init__(self) -> None:
        _check_citations(self.citations)
        _check_patent_unit(self.patent_unit)
        if self.country is not None:
            object.__setattr__(self, "country", _check_country(self.country))
        for name in ("min_output", "min_impact_works"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise InputError(f"{name}={v!r} must be a number ≥ 0")
        _check_min_share("min_coverage", self.min_coverage)
        check_years(self.years)
        if self.top < 1:
            raise InputError(f"top={self.top} must be at least 1")
        if not 0.0 <= self.anchor_quantile <= 1.0:
            raise InputError(f"anchor_quantile={self.anchor_quantile} must be in [0, 1]")
        _check_impact_field(self.impact_field)
        _check_citation_window(self.citation_window)
        if not math.isfinite(self.cd_threshold):
            raise InputError(f"cd_threshold={self.cd_threshold} must be a finite number")
        _check_concept_min_score(self.concept_min_score)


ACTORS = ActorsParams()


# -- C2 benchmark ---------------------------------------------------------------------------
@dataclass(frozen=True)
class BenchmarkParams:
    """Parameters of :func:`~forcemap.decide.benchmark.benchmark`.

    ``k`` is a **count** (peers chosen when none are named); there is no ``top``.

    ``min_impact_works`` is the least fractional output with a citation score for MNCS and
    PP(top 10 %) to be shown (below it they are null and ``impact_evidence`` says
    *insufficient evidence*). The default 50 is half the Leiden Ranking's 100 fractionally
    counted publications (the CWTS minimum for a university in a field) and InCites' usual
    caution below 50 documents: a benchmark row is one country in one industry, often of a
    sample, so the Leiden minimum would blank most rows while 50 still keeps the bootstrap
    interval of an MNCS within a usable width. ``partial_years`` ("auto") leaves out of the
    CAGR a first or last year whose store volume is below ``partial_ratio`` × the median of
    the 3 neighbouring years (or whose latest publication date is before 1 December);
    "keep" uses every year. ``complete_through`` declares the last complete year (later
    years are partial), overriding the detection at the last end. ``min_coverage`` is the
    least share of works with a known country below which shares are said to describe the
    attributed part only.
    """

    country: str = "CN"
    unit: Literal["industry", "field"] = "industry"
    k: int = 5
    years: tuple[int, int] | None = None
    growth_window: int = 5
    min_works: int = 30
    citation_window: int = CITATION_WINDOW
    min_impact_works: float = 50.0
    partial_years: Literal["auto", "keep"] = "auto"
    complete_through: int | None = None
    partial_ratio: float = 0.5
    min_coverage: float = 0.5
    #: Citation basis of MNCS and PP(top 10 %) (see forcemap.indicators.impact.citation_basis).
    citations: str = "auto"
    #: Organisations as resolved, or rolled up to their parent or top (org_hierarchy).
    org_level: str = "self"
    #: Patent counting unit: "family" (one invention once) or "patent" (every grant).
    patent_unit: str = "family"

    def __post_init__(self) -> None:
        _check_citations(self.citations)
        _check_org_level(self.org_level)
        _check_patent_unit(self.patent_unit)
        object.__setattr__(self, "country", _check_country(self.country))
        if self.unit not in ("industry", "field"):
            raise InputError(f"unit={self.unit!r} must be one of industry, field")
        check_years(self.years)
        if not _is_int(self.k) or self.k < 1:
            raise InputError(f"k={self.k!r} must be a positive integer")
        if not _is_int(self.growth_window) or self.growth_window < 2:
            raise InputError(f"growth_window={self.growth_window!r} must be an integer ≥ 2 (years)")
        _check_citation_window(self.citation_window)
        _check_benchmark_evidence(self)


def _check_benchmark_evidence(p: Any) -> None:
    """The evidence thresholds of :class:`BenchmarkParams` and :class:`BenchmarkSeriesParams`."""
    m = p.min_impact_works
    if isinstance(m, bool) or not isinstance(m, int | float) or not math.isfinite(m) or m < 0:
        raise InputError(f"min_impact_works={m!r} must be a number ≥ 0 (fractional works)")
    if p.partial_years not in ("auto", "keep"):
        raise InputError(f"partial_years={p.partial_years!r} must be one of auto, keep")
    if p.complete_through is not None and not _is_int(p.complete_through):
        raise InputError(f"complete_through={p.complete_through!r} must be a year (integer)")
    for name in ("partial_ratio", "min_coverage"):
        v = getattr(p, name)
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
            raise InputError(f"{name}={v!r} must be in [0, 1]")


@dataclass(frozen=True)
class BenchmarkSeriesParams:
    """Parameters of :func:`~forcemap.decide.benchmark.benchmark_series` (SciVal's
    Benchmarking module: year-by-year indicators of countries, organisations or authors).

    ``unit`` is the kind of entity compared; ``top`` a **count** (entities chosen by
    fractional output when none are named); ``span`` the number of years shown when no
    ``years`` window is given (ending in the last year with works). The evidence thresholds
    are those of :class:`BenchmarkParams`, applied to each entity-year.
    """

    unit: Literal["country", "organization", "author"] = "country"
    top: int = 5
    years: tuple[int, int] | None = None
    span: int = 10
    min_impact_works: float = 50.0
    partial_years: Literal["auto", "keep"] = "auto"
    complete_through: int | None = None
    partial_ratio: float = 0.5
    min_coverage: float = 0.5
    #: Organisations as resolved, or rolled up to their parent or top (org_hierarchy).
    org_level: str = "self"

    def __post_init__(self) -> None:
        _check_org_level(self.org_level)
        if self.unit not in ("country", "organization", "author"):
            raise InputError(f"unit={self.unit!r} must be one of country, organization, author")
        check_years(self.years)
        _int_at_least("top", self.top, 1)
        _int_at_least("span", self.span, 1)
        _check_benchmark_evidence(self)


BENCHMARK = BenchmarkParams()
BENCHMARK_SERIES = BenchmarkSeriesParams()


# -- C12 landscape --------------------------------------------------------------------------
@dataclass(frozen=True)
class LandscapeParams:
    """Parameters of :func:`~forcemap.decide.landscape.landscape`.

    ``top_holders`` is a **count**: holders in the holder × CPC matrix. ``min_patents`` (5,
    in the spirit of InCites' and the Leiden Ranking's minimum counts) patents over the trend
    years for a white space; ``min_coverage`` (0.5) of a technology's patents with a holder of
    known country for X's absence to be read (an unknown holder may be X's);
    ``drop_partial_years`` (True) leaves an incomplete last year of the store out of the
    trend (:func:`~forcemap.decide._evidence.incomplete_years`); False keeps it.
    """

    country: str = "CN"
    years: tuple[int, int] | None = None
    level: str = "cpc_group"
    top_holders: int = 20
    white_space_growth: float = 0.0
    growth_window: int = 5
    min_patents: int = 5
    citation_window: int = CITATION_WINDOW
    min_coverage: float = 0.5
    drop_partial_years: bool = True
    #: Organisations as resolved, or rolled up to their parent or top (org_hierarchy).
    org_level: str = "self"
    #: Patent counting unit: "family" (one invention once) or "patent" (every grant).
    patent_unit: str = "family"

    def __post_init__(self) -> None:
        _check_org_level(self.org_level)
        _check_patent_unit(self.patent_unit)

        object.__setattr__(self, "country", _check_country(self.country))
        if self.level not in CPC_LEVELS:
            raise InputError(f"level={self.level!r} must be one of {', '.join(CPC_LEVELS)}")
        check_years(self.years)
        _check_min_share("min_coverage", self.min_coverage)
        _int_at_least("top_holders", self.top_holders, 1)
        _int_at_least("growth_window", self.growth_window, 2)
        _int_at_least("min_patents", self.min_patents, 1)
        _check_citation_window(self.citation_window)


LANDSCAPE = LandscapeParams()


# -- C11 talent -----------------------------------------------------------------------------
@dataclass(frozen=True)
class TalentParams:
    """Parameters of :func:`~forcemap.decide.talent.talent`.

    ``top`` is a **row count**: scientists listed per unit and kind. ``concept_min_score``:
    the least score of a level-1 concept counted in a scientist's breadth.

    Minimums (in the spirit of InCites' and the Leiden Ranking's minimum document counts):
    ``min_works`` (5) works for a scientist to be listed and for a mean NCS / top-10 % share;
    ``min_scientists`` (4) eligible scientists in a unit for percentile ranks to be read
    (below it the unit's rows are kept, unranked, as *insufficient evidence*);
    ``min_coverage`` (0.5) of the unit's authors with a known current country for X's list
    to be labelled (an author of unknown country is not foreign, and may be X's).
    """

    country: str = "CN"
    years: tuple[int, int] | None = None
    unit: Literal["industry", "field"] = "industry"
    min_works: int = 5
    young_career_years: int = 10
    top: int = 25
    recent_years: int = 3
    impact_field: str = "auto"
    breadth: Literal["auto", "concept1", "topic_subfield"] = "auto"
    concept_min_score: float = CONCEPT_MIN_SCORE
    min_scientists: int = 4
    min_coverage: float = 0.5
    #: Citation basis of NCS and top-10 % (see forcemap.indicators.impact.citation_basis).
    citations: str = "auto"
    #: Organisations as resolved, or rolled up to their parent or top (org_hierarchy).
    org_level: str = "self"

    def __post_init__(self) -> None:
        _check_citations(self.citations)
        _check_org_level(self.org_level)
        object.__setattr__(self, "country", _check_country(self.country))
        check_years(self.years)
        if self.unit not in ("industry", "field"):
            raise InputError(f"unit={self.unit!r} is not 'industry' or 'field'")
        _int_at_least("min_works", self.min_works, 1)
        _int_at_least("min_scientists", self.min_scientists, 1)
        _check_min_share("min_coverage", self.min_coverage)
        _int_at_least("young_career_years", self.young_career_years, 0)
        _int_at_least("top", self.top, 1)
        _int_at_least("recent_years", self.recent_years, 1)
        _check_impact_field(self.impact_field)
        if self.breadth not in ("auto", "concept1", "topic_subfield"):
            raise InputError(
                f"breadth={self.breadth!r} must be 'auto', 'concept1' or 'topic_subfield'"
            )
        _check_concept_min_score(self.concept_min_score)


TALENT = TalentParams()


# -- C7 technology watch --------------------------------------------------------------------
@dataclass(frozen=True)
class WatchParams:
    """Parameters of :func:`~forcemap.decide.watch.technology_watch`.

    ``top`` is a **row count**: units listed (and seeds in the evidence). ``cd_threshold``:
    a record is disruptive when its CD\\ :sub:`5` is above it.

    Specificity (concepts only; OpenAlex topics and CPC main groups are leaves of curated
    classifications): a work carries a concept at ``concept_min_score`` or more; a concept
    of level below ``min_concept_level`` (OpenAlex levels 0–1 are disciplines such as
    "Medicine", "Engineering"), in more than ``max_doc_share`` of all the store's works, or
    whose window works have less than ``min_field_share`` in their most common level-0 field
    (spread across fields) is *generic* and not ranked.

    Evidence minimums (in the spirit of the Leiden Ranking and InCites, which withhold
    indicators below a publication threshold, scaled to one topic): an entry needs
    ``thin_records`` records in the window and ``min_linked_documents`` of them with an
    in-store citation link (the evidence of coherence), else its status is *insufficient
    evidence*. ``min_records`` is the floor below which a unit is not ranked at all.

    Rotolo, Hicks & Martin (2015) attributes: an entry is *emerging* when it passes the
    emergence rules of Carley et al. (2018) (novelty, persistence, community), its coherence
    (share of its linked records that cite or are cited by another of its records) is at
    least ``min_coherence``, and its share growth rate (whose bootstrap interval decides
    *borderline*) is above ``min_growth``. ``citations``: the basis of the impact attribute
    (``store``: in-store citations; ``source``: the source's ``cited_by_count``; ``auto``:
    ``source`` when the store holds less than half of the citations the source reports).
    """

    country: str = "CN"
    unit: str = "topic"
    end_year: int | None = None
    top: int = 20
    cd_threshold: float = CD_THRESHOLD
    weights: Mapping[str, float] | None = None
    qualified_only: bool = False
    min_records: int = 10
    thin_records: int = 20
    evidence_per_unit: int = 5
    beauty_min_citations: int = 10
    seed_min_mcd: float = 10.0
    concept_min_score: float = CONCEPT_MIN_SCORE
    min_concept_level: int = 2
    max_doc_share: float = 0.01
    min_field_share: float = 0.5
    min_linked_documents: int = 5
    min_coherence: float = 0.2
    min_growth: float = 0.0
    citations: str = "auto"
    #: Organisations as resolved, or rolled up to their parent or top (org_hierarchy).
    org_level: str = "self"
    #: Patent counting unit: "family" (one invention once) or "patent" (every grant).
    patent_unit: str = "family"

    def __post_init__(self) -> None:
        _check_org_level(self.org_level)
        _check_patent_unit(self.patent_unit)

        from forcemap.indicators.emergence import EMERGENCE_UNITS

        if self.unit not in EMERGENCE_UNITS:
            raise InputError(f"unit={self.unit!r} is not one of {', '.join(EMERGENCE_UNITS)}")
        object.__setattr__(self, "country", _check_country(self.country))
        if self.top < 1 or self.min_records < 1 or self.evidence_per_unit < 1:
            raise InputError("top, min_records and evidence_per_unit must be ≥ 1")
        _int_at_least("thin_records", self.thin_records, 1)
        _int_at_least("min_linked_documents", self.min_linked_documents, 0)
        _int_at_least("min_concept_level", self.min_concept_level, 0)
        _check_concept_min_score(self.concept_min_score)
        for name in ("max_doc_share", "min_field_share", "min_coherence"):
            v = getattr(self, name)
            if not 0.0 <= float(v) <= 1.0:
                raise InputError(f"{name}={v} must be in [0, 1]")
        if not math.isfinite(float(self.min_growth)) or float(self.min_growth) <= -1.0:
            raise InputError(f"min_growth={self.min_growth} must be a finite rate above -1")
        if self.citations not in ("store", "source", "auto"):
            raise InputError(f"citations={self.citations!r} must be 'store', 'source' or 'auto'")


WATCH = WatchParams()


# -- C8 consortium --------------------------------------------------------------------------
@dataclass(frozen=True)
class ConsortiumParams:
    """Parameters of :func:`~forcemap.decide.consortium.consortium`.

    ``size`` is the number of members; there is no ``top``. ``concept_min_score``: the
    least concept score for a work to count towards a catalog sub-technology. ``depth``:
    how many members are credited per sub-technology (the r-th strongest with weight
    ``depth_discount``**r, r = 0 … depth − 1: diminishing returns); ``depth=1`` is plain
    max coverage. ``min_contribution``: the least share of the objective F each member must
    add, F(C) − F(C without it) ≥ ``min_contribution`` · F(C) (0: more than nothing).
    """

    size: int = 6
    country: str | None = None
    tie_bonus: float = 0.05
    depth: int = 3
    depth_discount: float = 0.5
    time_limit: float = 10.0
    method: str = "milp"
    max_candidates: int = 500
    years: tuple[int, int] | None = None
    concept_min_score: float = CONCEPT_MIN_SCORE
    min_contribution: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.min_contribution, bool) or not 0 <= self.min_contribution < 1:
            raise InputError(
                f"min_contribution={self.min_contribution!r} must be a share in [0, 1)"
            )
        if self.method not in ("milp", "greedy"):
            raise InputError(f"method={self.method!r} must be 'milp' or 'greedy'")
        if int(self.size) != self.size or self.size < 1:
            raise InputError(f"size={self.size!r} must be a positive integer")
        if self.max_candidates < 1:
            raise InputError(f"max_candidates={self.max_candidates} must be at least 1")
        if self.time_limit <= 0:
            raise InputError(f"time_limit={self.time_limit} must be positive")
        if self.tie_bonus < 0:
            raise InputError(f"tie_bonus={self.tie_bonus} must be non-negative")
        if int(self.depth) != self.depth or self.depth < 1:
            raise InputError(f"depth={self.depth!r} must be a positive integer")
        if not 0 <= self.depth_discount <= 1:
            raise InputError(f"depth_discount={self.depth_discount} must be in [0, 1]")
        if self.country is not None:
            object.__setattr__(self, "country", _check_country(self.country))
        check_years(self.years)
        _check_concept_min_score(self.concept_min_score)


CONSORTIUM = ConsortiumParams()


# -- C9 review panel ------------------------------------------------------------------------
@dataclass(frozen=True)
class PanelParams:
    """Parameters of :func:`~forcemap.decide.panel.review_panel`.

    ``top`` is a **row count**: candidates listed in ``evidence["ranking"]``.
    ``concept_min_score``: the least concept score for a work to carry a concept in the
    topic/concept overlap. ``max_same_career_band``: at most this many members in one career
    band (None: no cap), the bands cut at ``career_bands`` (years since the first
    publication, increasing: (10, 20) gives <10, 10–19, ≥20).
    """

    size: int = 5
    coi_years: int = 5
    max_per_org: int | None = 1
    max_per_country: int | None = None
    min_recent_works: int = 1
    recent_years: int = 5
    time_limit: float = 10.0
    weights: Mapping[str, float] | None = None
    senior_career_years: int = 10
    senior_lead_share: float = 0.5
    link_inventors: str = "name"
    method: str = "milp"
    top: int = 50
    concept_min_score: float = CONCEPT_MIN_SCORE
    max_same_career_band: int | None = None
    career_bands: tuple[int, ...] = (10, 20)

    def __post_init__(self) -> None:
        _int_at_least("size", self.size, 1)
        if self.max_same_career_band is not None:
            _int_at_least("max_same_career_band", self.max_same_career_band, 1)
        edges = tuple(self.career_bands)
        if (
            not edges
            or any(isinstance(e, bool) or not isinstance(e, int) or e < 1 for e in edges)
            or any(b <= a for a, b in itertools.pairwise(edges))
        ):
            raise InputError(
                f"career_bands={self.career_bands!r} must be increasing positive whole years, "
                "e.g. (10, 20)"
            )
        object.__setattr__(self, "career_bands", edges)
        _int_at_least("coi_years", self.coi_years, 0)
        if self.max_per_org is not None:
            _int_at_least("max_per_org", self.max_per_org, 1)
        if self.max_per_country is not None:
            _int_at_least("max_per_country", self.max_per_country, 1)
        _int_at_least("min_recent_works", self.min_recent_works, 0)
        _int_at_least("recent_years", self.recent_years, 1)
        _int_at_least("senior_career_years", self.senior_career_years, 0)
        _int_at_least("top", self.top, 1)
        if not 0.0 <= float(self.senior_lead_share) <= 1.0:
            raise InputError(f"senior_lead_share={self.senior_lead_share} must be in [0, 1]")
        if not self.time_limit or self.time_limit <= 0:
            raise InputError(f"time_limit={self.time_limit} must be positive")
        if self.link_inventors not in ("name", "none"):
            raise InputError(f"link_inventors={self.link_inventors!r} must be 'name' or 'none'")
        if self.method not in ("milp", "greedy"):
            raise InputError(f"method={self.method!r} must be 'milp' or 'greedy'")
        _check_concept_min_score(self.concept_min_score)


PANEL = PanelParams()


# -- C10 portfolio: review and allocation ---------------------------------------------------
@dataclass(frozen=True)
class ReviewParams:
    """Parameters of :func:`~forcemap.decide.portfolio.project_review`; no ``top``.

    ``citation_window``: the years after grant in which a linked patent's forward citations
    count.
    """

    min_age_years: float = 2.0
    withdraw_below: float = 0.25
    review_below: float = 0.5
    impact_baseline: float = 1.0
    weights: Mapping[str, float] | None = None
    citation_window: int = CITATION_WINDOW

    def __post_init__(self) -> None:
        if self.min_age_years < 0:
            raise InputError(f"min_age_years={self.min_age_years} must be ≥ 0")
        if not 0 <= self.withdraw_below <= self.review_below:
            raise InputError(
                f"need 0 ≤ withdraw_below ≤ review_below, got {self.withdraw_below} and "
                f"{self.review_below}"
            )
        if not self.impact_baseline > 0:
            raise InputError(f"impact_baseline={self.impact_baseline} must be positive")
        _check_citation_window(self.citation_window)


REVIEW = ReviewParams()


@dataclass(frozen=True)
class AllocateParams:
    """Parameters of :func:`~forcemap.decide.portfolio.allocate_budget`; no ``top``.

    ``min_per_industry`` / ``max_share_per_industry`` None mean no constraint.
    """

    country: str = "CN"
    weights: Mapping[str, float] | None = None
    industry_priority: Mapping[str, float] | None = None
    min_per_industry: int | Mapping[str, int] | None = None
    max_share_per_industry: float | Mapping[str, float] | None = None
    time_limit: float = 10.0
    method: str = "milp"
    positioning_values: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        if self.industry_priority is not None and any(
            not math.isfinite(float(v)) or v < 0 for v in self.industry_priority.values()
        ):
            raise InputError("industry_priority weights must be finite and ≥ 0")
        object.__setattr__(self, "country", _check_country(self.country))


ALLOCATE = AllocateParams()


# -- C13 technical pathways -----------------------------------------------------------------
@dataclass(frozen=True)
class PathwaysParams:
    """Parameters of :func:`~forcemap.decide.explore.pathways`.

    ``top_organizations`` and ``n_representatives`` are **counts** per pathway.
    """

    entity: str = "works"
    k_neighbors: int = 10
    min_similarity: float = 0.1
    resolution: float = 1.0
    seed: int = 0
    n_terms: int = 8
    min_size: int = 3
    query_hits: int = 500
    top_organizations: int = 5
    n_representatives: int = 3
    end_year: int | None = None
    min_df: int | float = 2
    max_df: int | float = 0.5

    def __post_init__(self) -> None:
        for name, val in (
            ("k_neighbors", self.k_neighbors),
            ("n_terms", self.n_terms),
            ("min_size", self.min_size),
        ):
            if not isinstance(val, int) or val < 1:
                raise InputError(f"{name}={val!r} must be a positive integer")
        if not 0.0 <= float(self.min_similarity) < 1.0:
            raise InputError(f"min_similarity={self.min_similarity} must be in [0, 1)")
        if self.resolution <= 0:
            raise InputError(f"resolution={self.resolution} must be positive")


PATHWAYS = PathwaysParams()
