"""The review panel's constants, table schemas and rule (:mod:`forcemap.decide.panel`)."""

from __future__ import annotations

import pyarrow as pa

from forcemap.decide.result import Rule

__all__ = [
    "APPLICANT_SCHEMA",
    "DEFAULT_WEIGHTS",
    "EXCLUDED_SCHEMA",
    "MAX_HOMONYMS",
    "PANEL_SCHEMA",
    "POOL_COLUMNS",
    "RANKING_SCHEMA",
    "ROLES",
    "ROLE_TYPES",
    "RULES",
    "TIMINGS_SCHEMA",
    "panel_rule",
]

DEFAULT_WEIGHTS: dict[str, float] = {"text": 0.6, "topics": 0.25, "activity": 0.15}
"""Weights of the match components (BM25 text affinity, topic/concept Jaccard, recent activity)."""

ROLES: dict[str, str] = {
    "enterprise_lead": "enterprise affiliation and senior (career age ≥ senior_career_years, "
    "or last/corresponding-author share ≥ senior_lead_share over ≥ 3 works)",
    "academic": "university affiliation",
    "industry_expert": "enterprise or institute affiliation",
    "chief_engineer": "inventor on a patent assigned to an enterprise",
    "member": "any eligible candidate",
}
"""The roles a seat can ask for, with their eligibility rule."""

RULES: tuple[str, ...] = (
    "applicant",
    "requested",
    "same_organisation",
    "coauthorship",
    "coinvention",
    "same_project",
)
"""The exclusion rules, in the order they are reported."""

PANEL_SCHEMA = pa.schema(
    [
        ("role", pa.string()),
        ("author_id", pa.string()),
        ("name", pa.string()),
        ("org_id", pa.string()),
        ("org", pa.string()),
        ("country", pa.string()),
        ("type", pa.string()),
        ("match", pa.float64()),
        ("text_similarity", pa.float64()),
        ("topic_overlap", pa.float64()),
        ("activity", pa.float64()),
        ("recent_outputs", pa.int64()),
        ("career_age", pa.int32()),
        ("matched_terms", pa.list_(pa.string())),
        ("matched_works", pa.list_(pa.string())),
        ("reasons", pa.string()),
    ]
)
"""The main table: one row per panel member, in role order then by match. ``text_similarity``
is the text affinity in [0, 1] (the candidate's BM25 affinity over the project's own),
``career_age`` the years since the member's first publication (NULL: unknown),
``matched_terms`` the project terms (stems, stem bigrams) contributing most to it and
``matched_works`` the member's best-matching recent works, patents or pool text."""

EXCLUDED_SCHEMA = pa.schema(
    [
        ("author_id", pa.string()),
        ("name", pa.string()),
        ("rule", pa.string()),
        ("applicant", pa.string()),
        ("evidence", pa.list_(pa.string())),
        ("years", pa.list_(pa.int32())),
        ("detail", pa.string()),
        ("active", pa.bool_()),
        ("match", pa.float64()),
    ]
)
"""``evidence["excluded"]``: one row per (candidate, rule, applicant) conflict, with the
evidence ids (org id, work ids, patent ids, project ids), their years (newest first) and a
sentence; ``active`` says whether the candidate would otherwise have been eligible."""

RANKING_SCHEMA = pa.schema(
    [
        ("rank", pa.int64()),
        ("author_id", pa.string()),
        ("name", pa.string()),
        ("org_id", pa.string()),
        ("org", pa.string()),
        ("country", pa.string()),
        ("type", pa.string()),
        ("match", pa.float64()),
        ("text_similarity", pa.float64()),
        ("topic_overlap", pa.float64()),
        ("activity", pa.float64()),
        ("recent_outputs", pa.int64()),
        ("career_age", pa.int32()),
        ("roles", pa.list_(pa.string())),
        ("eligible", pa.bool_()),
        ("status", pa.string()),
    ]
)
"""``evidence["ranking"]``: the ``top`` active candidates by match, conflicted or not.
``roles`` lists the specialised roles (all of :data:`ROLES` but ``member``) the candidate
qualifies for; ``eligible`` says whether it can fill one of the requested seats (active, no
conflict, qualified); ``status`` is ``selected: <role>``, ``excluded: <rules>``, ``eligible``
or ``not eligible for any requested role``."""

APPLICANT_SCHEMA = pa.schema(
    [
        ("applicant", pa.string()),
        ("kind", pa.string()),
        ("organisations", pa.list_(pa.string())),
        ("inventor_ids", pa.list_(pa.string())),
    ]
)
"""``evidence["applicants"]``: how each applicant id was read."""

MAX_HOMONYMS = 3
"""A name carried by more people (or inventor ids) than this is too common to link by."""

POOL_COLUMNS = ("author_id", "name", "org", "country", "type", "expertise", "inventor_id")
"""The columns of a candidate pool (``author_id`` required, the others optional)."""

ROLE_TYPES = ("enterprise", "university", "institute")
"""The organisation types the roles ask for."""

TIMINGS_SCHEMA = pa.schema(
    [
        ("prepare", pa.float64()),
        ("coi", pa.float64()),
        ("scoring", pa.float64()),
        ("solve", pa.float64()),
        ("total", pa.float64()),
    ]
)
"""``evidence["timings"]``: one row, the seconds spent preparing the candidates' side, checking
conflicts, scoring and selecting (pruning + HiGHS), and in all."""


def panel_rule(params: dict[str, object]) -> Rule:
    """The rule of :func:`~forcemap.decide.panel.review_panel`, with its ``params``."""
    return Rule(
        name="review_panel",
        statement="Candidates with a conflict of interest with an applicant are excluded: "
        "the applicants themselves, a shared current organisation, a co-authored work or a "
        "co-invented patent within the last coi_years years before the reference year, or a "
        "current organisation in a project consortium with an applicant organisation. The "
        "remaining active candidates (≥ min_recent_works works/patents in the last "
        "recent_years years) are scored by a weighted mean of the text affinity between the "
        "project text and their recent titles and abstracts (the BM25 scorer of decide "
        "affinity: each document a query of its stems and stem bigrams, the mean over the "
        "candidate's documents over the project's own score, 0 when the candidate's documents "
        "share fewer than two terms with the project), the Jaccard overlap of topics "
        "and concepts, and log-scaled recent activity; the panel maximises the total match "
        "subject to the role counts, one role per person, max_per_org per organisation, "
        "max_per_country per country, max_same_career_band per career band (career age: the "
        "reference year minus the first publication year; bands cut at career_bands), and no "
        "two members in conflict with each other "
        "(member_conflicts: a co-authored work or co-invented patent in the same window, or "
        "current organisations in one project consortium) (integer programme, HiGHS).",
        parameters=params,
        references=(
            "Robertson & Zaragoza 2009, doi:10.1561/1500000019",
            "Hettich & Pazzani 2006, KDD '06, doi:10.1145/1150402.1150506",
            "Wang, Chen & Miao 2008, A survey on reviewer assignment problem, IEA/AIE",
            "Huangfu & Hall 2018, Math. Prog. Comp. 10 (HiGHS)",
        ),
    )
