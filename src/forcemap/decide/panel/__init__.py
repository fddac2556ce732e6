r"""Review panel: which experts should assess a project, free of conflicts of interest? (C9)

Candidates
----------
A candidate is a person id: by default every author id of ``authorships`` (OpenAlex's
disambiguated authors); ``pool`` replaces that by a table or CSV of candidates (``author_id``
required; ``name``, ``org``, ``country``, ``type``, ``expertise`` and ``inventor_id``
optional; a pool id may also be a ``patent_inventors.inventor_id``). *Y* is the reference year,
the latest publication or grant year in the store. A candidate's **current organisations** are
every organisation of its latest publication year with an affiliation (``authorships`` →
``org_aliases`` → ``organizations``; the institution id itself when not resolved), plus
the assignees of its latest patents when granted in the COI window, plus the pool's
``org`` (matched to an organisation id or name of the store when possible). Its **main**
organisation (the one reported, capped and typed) is the pool's ``org``, else the organisation
on most works of that year (ties: the smaller id), else the main assignee. A candidate is
**active** with at least ``min_recent_works`` works and patents in the last ``recent_years`` years
:math:`R = [Y - r + 1, Y]`; only active candidates are scored and can sit.

Authors and inventors live in different id spaces. A person's inventor ids are its own id when
it is one, the pool's ``inventor_id``, and — with ``link_inventors="name"`` — the inventors whose
normalised full name (accents stripped, lower case, letters only, at least two words) equals
the author's and whose country agrees (or is unknown), unless the name is common: carried by
more than :data:`MAX_HOMONYMS` (3) people of the pool or inventor ids, it links nobody (a
"Wei Wang" would otherwise tie thousands of records together). A homonym link can only add
conflicts (the cautious side for COI) or a ``chief_engineer`` qualification (see the
caveats).

Conflicts of interest
---------------------
Applicants are author, inventor or organisation ids. The applicants' organisations are the
organisation applicants plus the current organisations of applicant people; the applicants'
inventor ids are found as for candidates. With the COI window :math:`[Y - \text{coi\_years}, Y]`
a candidate is excluded, each time with the evidence, by

=====================  =========================================================================
``applicant``          being an applicant
``requested``          being listed in ``exclude``
``same_organisation``  a current organisation that is an applicant organisation (the org id)
``coauthorship``       a work in the window co-authored with an applicant author (work ids, years)
``coinvention``        a patent granted in the window co-invented with an applicant (patent ids)
``same_project``       a current organisation that is, with a different applicant organisation, a
                       participant of a project running in the window (``end_date``, else
                       ``start_date``, in or after :math:`Y - \text{coi\_years}`; undated
                       projects count) — the project ids
=====================  =========================================================================

Each check is one set-based SQL statement driven from the applicants' side (the applicants'
works self-joined with ``authorships``, the applicants' patents with ``patent_inventors``,
the applicants' projects with ``project_participants``), so its cost is that of the
applicants' records, not of the pool.

Kept candidates' side
---------------------
Everything above that does not depend on the applicants or the project — the candidates,
their current organisations, inventor links, activity, the terms of their documents,
and the project consortia of the COI window — depends only on the pool and the parameters
``coi_years``, ``recent_years``, ``min_recent_works`` and ``link_inventors``. With the default
pool on a read-only store (the web server's), it is computed on the first request and kept in
memory (the last one), keyed by the store, those parameters and the versions of the tables it
reads, so an ingest makes it stale. On the 1 M-work synthetic world the first request takes
about 25 s and the next ones about 0.3 s.

Expertise match
---------------
The project is described by ``text`` (else the names of ``topics`` and ``concepts``). The
documents are the active candidates' works and patents in *R* (title + abstract) and their
pool ``expertise`` texts. The text match is the scorer of ``forcemap decide affinity``
(:func:`forcemap.decide.affinity.profile_scores`), with the project as the one submission and
each candidate as a reviewer whose archive is its documents. Terms are those of
:func:`forcemap.indicators.text.analyze`: runs of two or more letters, digits or underscores,
lower-cased, without :data:`forcemap.indicators.text.STOP_WORDS`, reduced to their Snowball
stems ("batteries" and "battery" are one term), plus the bigrams of consecutive stems (the
phrase terms: "solid state" is a term of "solid-state batteries", not of "solid oxide fuel
cells"). The documents are tokenised set-based in DuckDB
(:func:`~forcemap.indicators.text.sql_terms`' pattern, positions kept for the bigrams); the
project in Python. With *p* the project and :math:`w_{pt}` its BM25 weights
(:func:`forcemap.decide.affinity.bm25_weights`: :math:`k_1 = 1.2`, :math:`b = 0.75`; the
collection is the candidates' documents and the project, since one submission alone gives
no document frequencies), a document *d* scores
:math:`s_d = \sum_{t \in d} w_{pt}` over its distinct terms, and

.. math::

    \mathrm{affinity}_c = \frac{1}{|D_c|} \sum_{d \in D_c} s_d, \qquad
    \mathrm{text}_c = \frac{\mathrm{affinity}_c}{\sum_t w_{pt}} \in [0, 1]

(:math:`D_c` the candidate's documents; the denominator is the affinity of a candidate all of
whose documents hold every project term), except that a candidate whose documents together
share fewer than :data:`~forcemap.decide.affinity.MIN_SHARED_TERMS` (2) terms with the project
scores 0: one common word is never a match. The candidates' side — each document's distinct
terms, its length, the terms' document frequencies — is computed once; a request analyses the
project, weights its terms and multiplies. Each member's reasons name the project terms
contributing most to its affinity and its best-matching documents (``matched_terms``,
``matched_works``).
With :math:`P` the project's topic and concept ids and :math:`C_c` those of the candidate's
works in *R* (concepts with score ≥ 0.3; topics only when the project has topics, concepts
only when it has concepts),

.. math::

    \mathrm{topics}_c = \frac{|P \cap C_c|}{|P \cup C_c|}, \qquad
    \mathrm{activity}_c = \frac{\ln(1 + n_c)}{\ln(1 + \max_{c'} n_{c'})}, \qquad
    \mathrm{match}_c = \frac{\sum_k \omega_k\,\mathrm{component}_{kc}}{\sum_k \omega_k}
    \in [0, 1]

(:math:`n_c` the candidate's works and patents in *R*; weights :data:`DEFAULT_WEIGHTS`
text 0.6, topics 0.25, activity 0.15; the topics weight is dropped when the project has no
topics or concepts). Activity counts only for a candidate whose text or topics match
(:math:`\mathrm{text}_c > 0` or :math:`\mathrm{topics}_c > 0`): an active researcher who
shares nothing with the project has match 0, sits only when the roles and caps leave no
matching candidate, and a caveat then says so.

Roles
-----
=====================  ====================================================================
``enterprise_lead``    main organisation of type ``enterprise`` and **senior**: career age
                       :math:`Y - \text{first year}` ≥ ``senior_career_years`` (10), or a
                       share of last / corresponding authorships ≥ ``senior_lead_share``
                       (0.5) over at least 3 works
``academic``           main organisation of type ``university``
``industry_expert``    main organisation of type ``enterprise`` or ``institute``
``chief_engineer``     inventor on at least one patent whose assignee is an enterprise
``member``             anyone (the seats ``size`` − Σ roles left over)
=====================  ====================================================================

Types are ``organizations.type``, else the OpenAlex institution / PatentsView assignee type
mapped by the panel's own table (``_TYPE_CASE`` in :mod:`~forcemap.decide.panel.candidates`),
else the pool's. That table reads the same raw vocabularies as
:func:`forcemap.store.organizations.org_type_sql` but not the same way: it has none of its
name-based fallbacks, maps ``public body``, ``research organisation`` and types merely
containing "government" or "company" to ``other``, and leaves a missing or individual
(PatentsView 4/5) type unknown (NULL) where the resolution says ``other``.

Selection
---------
Binary :math:`x_{cr}` (candidate *c* sits in role *r*, for eligible pairs only):

.. math::

    \max \sum_{c,r} \mathrm{match}_c\, x_{cr} \quad \text{s.t.} \quad
    \sum_c x_{cr} = n_r \;\forall r, \quad \sum_r x_{cr} \le 1 \;\forall c, \quad
    \sum_{c \in o,\, r} x_{cr} \le \text{max\_per\_org} \;\forall o, \quad
    \sum_{c \in k,\, r} x_{cr} \le \text{max\_per\_country} \;\forall k, \quad
    \sum_{c \in g,\, r} x_{cr} \le \text{max\_same\_career\_band} \;\forall g, \quad
    \sum_r x_{ar} + \sum_r x_{br} \le 1 \;\forall (a, b) \in M,

(*g* a career band: career age :math:`Y` − first publication year, one definition with
:mod:`forcemap.decide.talent` in :mod:`forcemap.decide._career`, cut at ``career_bands``,
default <10, 10–19, ≥20 years; unknown ages in no band; no cap by default), where :math:`M`
holds the pairs of candidates in conflict with each other
(:data:`~forcemap.decide.panel.conflicts.MEMBER_RULES`: a co-authored work or co-invented
patent in the COI window, or current organisations in one project consortium), solved by
HiGHS (:func:`scipy.optimize.milp`, relative gap 1e-9) within ``time_limit``.
Before solving, each role keeps only its best candidates by match: a candidate is dropped
when ``s``\ ² better ones of its organisation, ``s`` of its (organisation, country),
``s``\ ² of its country, or :math:`(s - 1)(1 + 2s^2 + D) + 1` overall (``s`` = size,
:math:`D` the most member conflicts of one candidate) are kept.
With a band cap these limits hold within each band. This is exact: whatever the other
``s`` − 1 members, one of the kept better candidates can
take a dropped one's seat without breaking a cap (an exchange argument), so the optimum is
unchanged and 50,000 candidates shrink to a few hundred variables. ``method="greedy"``
(or a MILP that stops without a solution) fills the scarcest role first with the best
feasible candidate, labelled in ``rule.parameters["method_used"]`` and a caveat.
An infeasible request raises :class:`~forcemap.errors.InfeasibleError` naming the role that
has too few non-conflicted candidates (with how many conflicts removed), the organisation or
country cap that cannot be met, or the roles that compete for the same few people.

Modules
-------
:mod:`~forcemap.decide.panel.candidates` (the candidates' side, kept),
:mod:`~forcemap.decide.panel.conflicts` (applicants and conflicts of interest),
:mod:`~forcemap.decide.panel.scoring` (expertise match),
:mod:`~forcemap.decide.panel.selection` (roles, pruning, MILP or greedy),
:mod:`~forcemap.decide.panel.tables` (the panel and ranking tables),
:mod:`~forcemap.decide.panel.schemas` (constants, schemas, the rule) and
:mod:`~forcemap.decide.panel.review` (:func:`review_panel`, which runs and times the steps).

References
----------
Robertson, S. & Zaragoza, H. (2009). The probabilistic relevance framework: BM25 and beyond.
FnTIR 3(4), 333–389. doi:10.1561/1500000019. Hettich, S. & Pazzani, M. J. (2006).
Mining for proposal reviewers. KDD '06, 862–871. doi:10.1145/1150402.1150506. Wang, F., Chen,
B. & Miao, Z. (2008). A survey on reviewer assignment problem. IEA/AIE 2008, LNCS 5027.
Huangfu, Q. & Hall, J. A. J. (2018). Math. Prog. Comp. 10, 119–142 (HiGHS).
"""

from __future__ import annotations

from forcemap.decide.panel.review import review_panel
from forcemap.decide.panel.schemas import (
    APPLICANT_SCHEMA,
    DEFAULT_WEIGHTS,
    EXCLUDED_SCHEMA,
    MAX_HOMONYMS,
    PANEL_SCHEMA,
    RANKING_SCHEMA,
    ROLES,
    RULES,
    TIMINGS_SCHEMA,
)

__all__ = [
    "APPLICANT_SCHEMA",
    "DEFAULT_WEIGHTS",
    "EXCLUDED_SCHEMA",
    "MAX_HOMONYMS",
    "PANEL_SCHEMA",
    "RANKING_SCHEMA",
    "ROLES",
    "RULES",
    "TIMINGS_SCHEMA",
    "review_panel",
]
