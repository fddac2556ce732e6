r"""Organisation resolution: one actor per organisation across publications, patents and projects.

The store holds actors from three sources: OpenAlex ``institutions``, PatentsView
``patent_assignees`` and ``project_participants``. :func:`resolve_organizations` clusters them
into ``organizations`` and records, for every source actor, which organisation it belongs to and
why in ``org_aliases(source, source_id, org_id, method, evidence)``. An enterprise that publishes,
patents and takes part in projects is then one node in every network and ranking.

The resolution is rebuilt from scratch each time, set-based in DuckDB SQL and inside one
transaction, so it is idempotent and a crash leaves the previous resolution intact.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from forcemap.errors import NotFoundError, ParseError, SchemaError, StoreError
from forcemap.store._versions import bump_versions, tables_fingerprint
from forcemap.store.org_acronyms import match_acronyms
from forcemap.store.org_hierarchy import build_org_hierarchy
from forcemap.store.org_names import (
    ORG_NAME_STOPWORDS,
    ORG_TYPE_NAME_PATTERNS,
    ORG_TYPES,
    ORG_WORD_ABBREVIATIONS,
    _create_macros,
    normalize_org_name,
    org_type_sql,
)
from forcemap.store.store import Store

__all__ = [
    "ORG_NAME_STOPWORDS",
    "ORG_TYPES",
    "ORG_TYPE_NAME_PATTERNS",
    "ORG_WORD_ABBREVIATIONS",
    "OVERRIDE_COLUMNS",
    "ResolutionReport",
    "normalize_org_name",
    "org_type_sql",
    "resolve_organizations",
]

_SOURCES: tuple[str, ...] = ("institution", "assignee", "participant")

OVERRIDE_COLUMNS: tuple[str, ...] = (
    "source",
    "source_id",
    "org_id",
    "name",
    "type",
    "country_code",
    "parent_id",
)
"""Columns an overrides CSV may have; the first three are required."""

_REQUIRED_OVERRIDE_COLUMNS = OVERRIDE_COLUMNS[:3]

_OVERRIDE_SCHEMA = pa.schema(
    [
        ("line", pa.int64()),
        ("source", pa.string()),
        ("source_id", pa.string()),
        ("org_id", pa.string()),
        ("name", pa.string()),
        ("type", pa.string()),
        ("country_code", pa.string()),
        ("parent_id", pa.string()),
    ]
)

# Legal-form tokens stripped from the end of a name (repeatedly: "Foo Co., Ltd." -> "foo").
# Written after lower-casing, accent stripping and punctuation removal ("S.A." -> "sa").
# Step 1: one row per source actor, with its unified type, normalised name and strong key.
# strong_key: 'ror:<ror>' (own ROR, or that of the OpenAlex institution its id names),
# else 'openalex:<I...>' for an OpenAlex institution id without ROR, else NULL.
# the type CASE is built from constant column names, no value: S608 does not apply
_ACTORS_SQL = (
    r"""
CREATE OR REPLACE TEMP TABLE _fm_org_actors AS
WITH inst AS (
    SELECT institution_id AS source_id,
           nullif(lower(regexp_replace(trim(min(ror)), '^https?://ror\.org/', '')), '') AS ror,
           min(name) AS name, min(type) AS type, min(country_code) AS country_code,
           min(city) AS city
    FROM institutions
    WHERE institution_id IS NOT NULL AND trim(institution_id) <> ''
    GROUP BY institution_id
), asg AS (
    SELECT assignee_id AS source_id, name, type, country_code, city, count(*) AS n
    FROM patent_assignees
    WHERE assignee_id IS NOT NULL AND trim(assignee_id) <> ''
    GROUP BY assignee_id, name, type, country_code, city
    QUALIFY row_number() OVER (
        PARTITION BY assignee_id
        ORDER BY n DESC, name NULLS LAST, country_code NULLS LAST, city NULLS LAST,
                 type NULLS LAST) = 1
), par AS (
    SELECT org_id AS source_id, name, type, country_code, NULL::VARCHAR AS city, count(*) AS n
    FROM project_participants
    WHERE trim(org_id) <> ''
    GROUP BY org_id, name, type, country_code
    QUALIFY row_number() OVER (
        PARTITION BY org_id
        ORDER BY n DESC, name NULLS LAST, country_code NULLS LAST, type NULLS LAST) = 1
), raw AS (
    SELECT 'institution' AS source, 1 AS src_rank, source_id, name, type, country_code, city,
           ror AS own_ror,
           -- only an OpenAlex id anchors; export institutions ('wos:inst:…') have none
           CASE WHEN regexp_full_match(source_id, 'I[0-9]+') THEN source_id END AS anchor
    FROM inst
    UNION ALL
    SELECT 'assignee', 2, source_id, name, type, country_code, city, NULL, NULL FROM asg
    UNION ALL
    SELECT 'participant', 3, source_id, name, type, country_code, city, NULL, NULL FROM par
), ids AS (
    SELECT * REPLACE (
        CASE WHEN source = 'institution' THEN own_ror
             WHEN regexp_full_match(lower(trim(source_id)),
                                    '(ror:|https?://ror\.org/)0[a-z0-9]{8}')
             THEN regexp_extract(lower(trim(source_id)), '(0[a-z0-9]{8})$', 1) END AS own_ror,
        CASE WHEN source = 'institution' THEN anchor
             ELSE nullif(regexp_extract(trim(source_id),
                                        '^(?:https?://openalex\.org/)?(I[0-9]+)$', 1), '')
        END AS anchor),
        lower(trim(type)) AS t,
        lower(strip_accents(name)) AS nm,
        CASE WHEN regexp_full_match(upper(trim(country_code)), '[A-Z]{2}')
             THEN upper(trim(country_code)) END AS cc
    FROM raw
)
SELECT ids.source, ids.src_rank, ids.source_id, ids.name, ids.cc AS country_code, ids.city,
       ids.source = 'assignee' AND (contains(coalesce(ids.t, ''), 'individual')
                                    OR regexp_full_match(coalesce(ids.t, ''), '1?[45]'))
           AS is_individual,
       """  # noqa: S608
    + org_type_sql("ids.t", name="ids.nm", source="ids.source", raw_name="ids.name")
    + r""" AS utype,
       _fm_org_norm(ids.name) AS norm,
       coalesce(CASE WHEN i.ror IS NOT NULL THEN 'ror:' || i.ror END,
                CASE WHEN ids.own_ror IS NOT NULL THEN 'ror:' || ids.own_ror END,
                CASE WHEN ids.anchor IS NOT NULL THEN 'openalex:' || ids.anchor END)
           AS strong_key
FROM ids LEFT JOIN inst AS i ON i.source_id = ids.anchor
"""
)

# Step 2: clusters. Strong clusters share a strong key; an actor without one joins the single
# strong cluster that has a member with the same (normalised name, country), else forms a name
# cluster with the other keyless actors of that name and country; without a name or a country
# it stays alone ('self').
_AUTO_SQL = r"""
CREATE OR REPLACE TEMP TABLE _fm_org_auto AS
WITH a AS (
    SELECT * FROM _fm_org_actors WHERE NOT is_individual
), strong_names AS (
    SELECT norm, country_code, count(DISTINCT strong_key) AS k, min(strong_key) AS strong_key
    FROM a
    WHERE strong_key IS NOT NULL AND norm IS NOT NULL AND country_code IS NOT NULL
    GROUP BY ALL
), assigned AS (
    SELECT a.*,
           a.strong_key IS NULL AND a.norm IS NOT NULL AND a.country_code IS NOT NULL
               AS by_name,
           sn.k > 1 AS ambiguous,
           CASE WHEN a.strong_key IS NOT NULL THEN a.strong_key
                WHEN a.norm IS NULL OR a.country_code IS NULL
                    THEN 'self:' || a.source || ':' || a.source_id
                WHEN sn.k = 1 THEN sn.strong_key
                ELSE 'name:' || a.norm || '|' || a.country_code END AS ckey
    FROM a LEFT JOIN strong_names AS sn
        ON a.strong_key IS NULL AND sn.norm = a.norm AND sn.country_code = a.country_code
), clusters AS (
    SELECT ckey,
           count(*) AS n,
           count(*) FILTER (WHERE strong_key IS NOT NULL) AS n_strong,
           min('name:' || norm || '|' || country_code) FILTER (WHERE by_name) AS name_ev,
           first(source_id ORDER BY length(source_id), source_id)
               FILTER (WHERE source = 'institution'
                       AND regexp_full_match(source_id, 'I[0-9]+')) AS inst_id,
           first(CASE WHEN source = 'institution' OR contains(source_id, ':') THEN source_id
                      ELSE source || ':' || source_id END
                 ORDER BY src_rank, length(source_id), source_id) AS rep_id
    FROM assigned
    GROUP BY ckey
)
SELECT s.source, s.source_id,
       CASE WHEN s.ckey LIKE 'ror:%' THEN coalesce(c.inst_id, s.ckey)
            WHEN s.ckey LIKE 'openalex:%' THEN coalesce(c.inst_id, substr(s.ckey, 10))
            ELSE c.rep_id END AS org_id,
       CASE WHEN c.n = 1 THEN 'self'
            WHEN s.strong_key IS NOT NULL AND c.n_strong > 1 THEN 'ror'
            ELSE 'name' END AS method,
       CASE WHEN c.n = 1 THEN s.strong_key
            WHEN s.strong_key IS NOT NULL AND c.n_strong > 1 THEN s.strong_key
            WHEN s.by_name THEN 'name:' || s.norm || '|' || s.country_code
            ELSE c.name_ev END AS evidence,
       coalesce(s.ambiguous, false) AS ambiguous
FROM assigned AS s JOIN clusters AS c USING (ckey)
"""

# Step 3: overrides (applied last) and the final tables.
_MATCH_OVERRIDES_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_org_ovr_matched AS
SELECT o.* FROM _fm_org_ovr AS o
WHERE EXISTS (SELECT 1 FROM _fm_org_actors AS a
              WHERE a.source = o.source AND a.source_id = o.source_id)
"""

_ALIASES_SQL = """
INSERT INTO org_aliases
WITH u AS (
    SELECT source, source_id, org_id, method, evidence FROM _fm_org_auto AS x
    WHERE NOT EXISTS (SELECT 1 FROM _fm_org_ovr_matched AS o
                      WHERE o.source = x.source AND o.source_id = x.source_id)
    UNION ALL
    SELECT source, source_id, org_id, 'override', 'override:' || $file || ':' || line
    FROM _fm_org_ovr_matched
), n AS (
    SELECT u.*, count(*) OVER (PARTITION BY org_id) AS n FROM u
)
SELECT n.source, n.source_id, n.org_id,
       CASE WHEN n.method <> 'override' AND n.n = 1 THEN 'self' ELSE n.method END,
       CASE WHEN n.method <> 'override' AND n.n = 1 THEN a.strong_key ELSE n.evidence END
FROM n JOIN _fm_org_actors AS a USING (source, source_id)
ORDER BY n.org_id, n.source, n.source_id
"""

_ORGS_SQL = """
INSERT INTO organizations
WITH m AS (
    SELECT al.org_id, a.*,
           CASE WHEN a.strong_key LIKE 'ror:%' THEN substr(a.strong_key, 5) END AS ror,
           row_number() OVER (PARTITION BY al.org_id
                              ORDER BY a.src_rank, length(a.source_id), a.source_id) AS rk
    FROM org_aliases AS al
    JOIN _fm_org_actors AS a USING (source, source_id)
), auto AS (
    SELECT org_id,
           arg_min(name, rk) FILTER (WHERE name IS NOT NULL) AS name,
           coalesce(arg_min(utype, rk) FILTER (WHERE utype <> 'other'), 'other') AS type,
           arg_min(country_code, rk) FILTER (WHERE country_code IS NOT NULL) AS country_code,
           arg_min(city, rk) FILTER (WHERE city IS NOT NULL) AS city,
           arg_min(ror, rk) FILTER (WHERE ror IS NOT NULL) AS ror
    FROM m GROUP BY org_id
), ovr AS (
    SELECT org_id,
           arg_min(name, line) FILTER (WHERE name IS NOT NULL) AS name,
           arg_min(type, line) FILTER (WHERE type IS NOT NULL) AS type,
           arg_min(country_code, line) FILTER (WHERE country_code IS NOT NULL) AS country_code
    FROM _fm_org_ovr_matched GROUP BY org_id
)
SELECT auto.org_id,
       coalesce(ovr.name, auto.name),
       coalesce(ovr.type, auto.type),
       coalesce(ovr.country_code, auto.country_code),
       auto.city,
       auto.ror
FROM auto LEFT JOIN ovr USING (org_id)
ORDER BY auto.org_id
"""

_EXAMPLES_SQL = """
WITH merged AS (
    SELECT org_id,
           count(*) AS n,
           coalesce(min(evidence) FILTER (WHERE method = 'ror'),
                    min(evidence) FILTER (WHERE method = 'name'),
                    min(evidence) FILTER (WHERE method IN ('acronym', 'alias')),
                    min(evidence) FILTER (WHERE method = 'override')) AS ev,
           string_agg(source || ' ' || source_id, ' + '
                      ORDER BY CASE source WHEN 'institution' THEN 1
                                           WHEN 'assignee' THEN 2 ELSE 3 END,
                               length(source_id), source_id) AS members
    FROM org_aliases GROUP BY org_id HAVING count(*) > 1
)
SELECT ev, org_id, members FROM merged
ORDER BY CASE WHEN ev LIKE 'ror:%' THEN 1 WHEN ev LIKE 'name:%' THEN 2 ELSE 3 END,
         n DESC, org_id
LIMIT $k
"""


@dataclass
class ResolutionReport:
    """What one :func:`resolve_organizations` run produced.

    Attributes
    ----------
    organizations, aliases
        Rows now in ``organizations`` and ``org_aliases``.
    merged_by_ror, merged_by_name
        Aliases whose method is ``'ror'`` / ``'name'``: actors that share their organisation
        with at least one other actor because of a ROR / OpenAlex id, or a normalised name
        within a country.
    overrides_applied
        Override rows that named an existing actor (each forced one alias).
    overrides_unmatched
        Override rows naming a ``(source, source_id)`` absent from the store, as
        ``"<file>:<line>: <source> <source_id>"``; they change nothing.
    individuals_skipped
        Individual patent assignees (people, not organisations) left out.
    ambiguous_names
        Actors without ROR whose (name, country) matched two or more ROR organisations, so were
        not attached to either (they form their own organisation).
    merged_by_acronym, merged_by_alias, ambiguous_acronyms
        The acronym and alias step (:func:`forcemap.store.org_acronyms.match_acronyms`):
        actors moved into the one organisation of their country whose acronym is their name
        or whose ROR lists their name; actors that fit two or more, left alone, as
        ``"<source> <id>: acronym:UCL|GB fits I1, I2"``.
    with_parent, multiple_parents, cycles_broken
        The hierarchy (:func:`forcemap.store.org_hierarchy.build_org_hierarchy`):
        organisations with a parent organisation, organisations the sources give two or more
        parents (one kept), and cycles of parent relations broken.
    by_type
        Organisations per unified type.
    examples
        A few merges with their evidence, e.g.
        ``"ror:04jr1s763 -> I45084792: institution I45084792 + assignee patentsview:..."``.
    """

    organizations: int = 0
    aliases: int = 0
    merged_by_ror: int = 0
    merged_by_name: int = 0
    overrides_applied: int = 0
    overrides_unmatched: list[str] = field(default_factory=list)
    individuals_skipped: int = 0
    ambiguous_names: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    with_parent: int = 0
    multiple_parents: int = 0
    cycles_broken: int = 0
    merged_by_acronym: int = 0
    merged_by_alias: int = 0
    ambiguous_acronyms: list[str] = field(default_factory=list)

    def hierarchy_and_names(self) -> list[str]:
        """Lines for an interface to print after the main counts: the acronym / alias merges
        and the hierarchy, then one line per ambiguous acronym or alias (not merged)."""
        lines = [
            f"{self.merged_by_acronym:,} merged by acronym, {self.merged_by_alias:,} by ROR "
            f"alias ({len(self.ambiguous_acronyms):,} ambiguous, not merged)",
            f"hierarchy: {self.with_parent:,} organisations with a parent, "
            f"{self.multiple_parents:,} with several candidate parents (one kept), "
            f"{self.cycles_broken:,} cycles broken",
        ]
        return lines + [f"ambiguous: {a}" for a in self.ambiguous_acronyms]


def _read_overrides(path: Path) -> list[dict[str, Any]]:
    """Parse and validate an overrides CSV (small, user-curated) into rows with line numbers."""
    if not path.is_file():
        raise NotFoundError(f"overrides file {path} does not exist")
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = [(c or "").strip() for c in (reader.fieldnames or [])]
            if not header:
                raise SchemaError(
                    f"{path}: overrides file is empty; expected a header with columns "
                    f"{', '.join(OVERRIDE_COLUMNS)}"
                )
            for col in header:
                if col not in OVERRIDE_COLUMNS:
                    raise SchemaError(
                        f"{path}: unknown column {col!r} in overrides; allowed columns are "
                        f"{', '.join(OVERRIDE_COLUMNS)}"
                    )
            if len(set(header)) != len(header):
                dup = next(c for c in header if header.count(c) > 1)
                raise SchemaError(f"{path}: column {dup!r} appears twice in overrides")
            for col in _REQUIRED_OVERRIDE_COLUMNS:
                if col not in header:
                    raise SchemaError(
                        f"{path}: missing required column {col!r} in overrides "
                        f"(required: {', '.join(_REQUIRED_OVERRIDE_COLUMNS)})"
                    )
            reader.fieldnames = header
            rows: list[dict[str, Any]] = []
            seen: dict[tuple[str, str], tuple[str, int]] = {}
            parents: dict[str, tuple[str, int]] = {}
            for rec in reader:
                line = reader.line_num
                if None in rec:
                    raise ParseError("too many fields", file=str(path), line=line)
                row = {c: ((rec.get(c) or "").strip() or None) for c in OVERRIDE_COLUMNS}
                if all(v is None for v in row.values()):
                    continue
                if row["source"] not in _SOURCES:
                    raise ParseError(
                        f"source {row['source']!r} is not one of {', '.join(_SOURCES)}",
                        file=str(path),
                        line=line,
                    )
                for col in ("source_id", "org_id"):
                    if row[col] is None:
                        raise ParseError(f"empty {col}", file=str(path), line=line)
                if row["type"] is not None and row["type"] not in ORG_TYPES:
                    raise ParseError(
                        f"type {row['type']!r} is not one of {', '.join(ORG_TYPES)}",
                        file=str(path),
                        line=line,
                    )
                if row["country_code"] is not None:
                    row["country_code"] = row["country_code"].upper()
                if row["parent_id"] is not None:
                    org, par = str(row["org_id"]), str(row["parent_id"])
                    if org in parents and parents[org][0] != par:
                        raise ParseError(
                            f"organisation {org} has parent {parents[org][0]!r} on line "
                            f"{parents[org][1]} and {par!r} here; keep one",
                            file=str(path),
                            line=line,
                        )
                    parents.setdefault(org, (par, line))
                key = (str(row["source"]), str(row["source_id"]))
                if key in seen:
                    prev_org, prev_line = seen[key]
                    if prev_org != row["org_id"]:
                        raise ParseError(
                            f"{key[0]} {key[1]} is mapped to {prev_org!r} on line {prev_line} "
                            f"and to {row['org_id']!r} here; keep one",
                            file=str(path),
                            line=line,
                        )
                    continue
                seen[key] = (str(row["org_id"]), line)
                row["line"] = line
                rows.append(row)
    except UnicodeDecodeError as e:
        raise ParseError(f"not UTF-8 text: {e}", file=str(path)) from e
    except csv.Error as e:
        raise ParseError(f"malformed CSV: {e}", file=str(path)) from e
    return rows


def resolve_organizations(
    store: Store, *, overrides: str | Path | None = None, examples: int = 5
) -> ResolutionReport:
    """Resolve institutions, patent assignees and project participants into organisations.

    Rebuilds ``organizations`` and ``org_aliases`` entirely, in one transaction: on any error
    the previous resolution is left untouched, and running it twice gives the same tables.

    Rules, applied in this order:

    1. **ROR / OpenAlex id.** Actors with the same ROR are one organisation. An OpenAlex
       institution has its ``ror`` column; an assignee or participant whose id is a ROR
       (``ror:<id>`` or ``https://ror.org/<id>``) has that ROR; one whose id is an OpenAlex
       institution id (``I…`` or ``https://openalex.org/I…``) joins that institution
       directly (and so its ROR cluster). Institutions read from bibliographic exports
       (``wos:inst:…``, ``scopus:inst:…``) have neither and are matched by name (rule 2).
       The ``org_id`` is the smallest OpenAlex institution id in the cluster (shortest, then
       lexicographic, i.e. numeric order), else ``ror:<id>`` (no institution) or the bare
       ``I…`` id (institution not in the store).
    2. **Name within a country.** An actor without ROR or OpenAlex id joins the ROR cluster
       having a member with the same normalised name (:func:`normalize_org_name`: Web of
       Science abbreviations such as ``Univ``/``Natl``/``Technol`` equal the full words) and
       the same country; if no ROR cluster has it, such actors with equal (name, country) form one
       organisation; if two or more ROR clusters have it, the match is ambiguous and the actors
       form their own organisation (counted in ``ambiguous_names``). Distinct RORs are never
       merged by name. Actors without a country or a name are never merged by name.
       The ``org_id`` of a cluster without institution is the id of its first member ordered
       by source (assignee before participant), id length, then id: the id itself when it
       is already namespaced (contains ``:``, e.g. ``patentsview:…``), else ``<source>:<id>``.
    3. **Self.** Every other actor is its own organisation (same ``org_id`` rule).
    4. **Acronyms and aliases**: an actor without ROR or OpenAlex id named by an acronym
       (``MIT``) or by a ROR alias joins the one organisation of its country that answers to
       it (:func:`forcemap.store.org_acronyms.match_acronyms`, method ``acronym`` /
       ``alias``); when two or more fit it stays alone and is reported.
    5. **Overrides** (last): each row of the overrides CSV forces ``(source, source_id)`` into
       ``org_id`` (method ``'override'``), whatever rules 1–4 decided; its optional ``name``,
       ``type``, ``country_code`` set that organisation's attributes (first non-empty by line).
       An ``org_id`` may be an existing organisation (merge a missed pair) or a new one (split
       a wrong merge).

    Unified types (``organizations.type``):

    ============  =====================================  =====================================
    type          OpenAlex ``institutions.type``         assignee / participant ``type``
    ============  =====================================  =====================================
    university    education                              university, education, higher
                                                         education, HES; or the name matches
                                                         university / college / polytechnic /
                                                         hochschule / institute of technology
                                                         / school of
    institute     government, nonprofit                  government (PatentsView codes 6–9),
                                                         institute, research, REC, PUB,
                                                         public, nonprofit; or a name matching
                                                         institute / Fraunhofer / Max Planck /
                                                         academy of sciences / research centre
                                                         / national laboratory without a
                                                         corporate legal form
    enterprise    company                                company (PatentsView codes 2–3),
                                                         enterprise, private, PRC, SME
    facility      facility                               facility
    healthcare    healthcare                             healthcare, hospital
    other         archive, other, missing                anything else
    ============  =====================================  =====================================

    Institutions without a type (those read from bibliographic exports) are typed like
    assignees, from their name (``Univ`` and ``Inst`` count as university / institute
    names), and one whose name ends in a legal form (``Elsevier BV``) is an enterprise.
    For assignees and participants the rules are tried in this order: university / facility /
    healthcare type, university name, institute type, institute name, enterprise type; so a
    "company" assignee named "University of X" is a university. An organisation's type is
    that of its first member (institutions, then assignees, then participants; within a
    source by id length, then id) whose type is not ``other``; its name, country, city and
    ROR are the first non-null values in the same order.

    Parameters
    ----------
    store
        An open, writable store.
    overrides
        Optional CSV with header ``source,source_id,org_id[,name,type,country_code,
        parent_id]``; ``source`` is ``institution``, ``assignee`` or ``participant``; ``type``
        one of :data:`ORG_TYPES`. ``parent_id`` sets the parent of ``org_id`` in the
        hierarchy over what the sources say (``org_id`` itself: no parent). UTF-8,
        comma-separated.
    examples
        How many merges to quote in the report.

    Returns
    -------
    ResolutionReport
        Counts, unmatched override rows, organisations by type and example merges. The tables
        written are ``organizations(org_id, name, type, country_code, city, ror)`` (one row per
        organisation) and ``org_aliases(source, source_id, org_id, method, evidence)`` (one row
        per non-individual actor, plus individuals named by an override) where ``method`` is
        ``ror``, ``name``, ``acronym``, ``alias``, ``override`` or ``self`` and ``evidence``
        is ``ror:<id>`` / ``openalex:<I…>``, ``name:<normalised name>|<country>``,
        ``acronym:<ACRONYM>|<country>``, ``alias:<normalised name>|<country>``,
        ``override:<file>:<line>``
        or, for ``self``, the actor's ROR/OpenAlex key (else null).

    Raises
    ------
    SchemaError
        The overrides file has an unknown column or lacks a required one (names file and
        column).
    ParseError
        An override row has an unknown source or type, an empty id, or maps the same actor to
        two organisations (names file and line).
    NotFoundError
        The overrides file does not exist.
    StoreError
        The store is read-only or DuckDB failed (nothing was changed).

    Notes
    -----
    - Individuals (assignees of type ``individual`` or PatentsView codes 4, 5, 14, 15) are
      people, not organisations: skipped and counted, unless an override names them.
    - An override row naming a ``source_id`` that is not in the store is not an error: it is
      listed in ``overrides_unmatched`` (the store may simply not hold that source yet).
    - An assignee or participant with several spellings across patents/projects takes its
      most frequent (name, type, country, city), ties broken alphabetically.
    - Country codes count only when they are two letters (``N/A`` and blanks are unknown).
    - Methods are final: an actor left alone in its organisation once overrides moved the
      others away is recorded as ``self``.
    - Normalisation keeps a ``(synthetic)`` marker, so synthetic actors never merge with real
      ones of the same name.

    References
    ----------
    Research Organization Registry (ROR), https://ror.org.
    Morrison, G., Riccaboni, M. & Pammolli, F. (2017). Disambiguation of patent inventors and
    assignees using high-resolution geolocation data. Scientific Data 4, 170064.
    https://doi.org/10.1038/sdata.2017.64
    """
    if store.read_only:
        raise StoreError(f"store {store.path} is open read-only; cannot resolve organisations")
    ovr_path = Path(overrides) if overrides is not None else None
    ovr_rows = _read_overrides(ovr_path) if ovr_path is not None else []
    ovr_tbl = pa.Table.from_pylist(ovr_rows, schema=_OVERRIDE_SCHEMA)
    ovr_name = ovr_path.name if ovr_path is not None else ""

    con = store.con
    view = "_fm_org_ovr_arrow"
    con.register(view, ovr_tbl)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            before = tables_fingerprint(con, _RESOLVED)
            report = _resolve(con, ovr_name, examples)
            if tables_fingerprint(con, _RESOLVED) != before:
                bump_versions(con, _RESOLVED)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    except duckdb.Error as e:
        raise StoreError(f"organisation resolution failed on {store.path}: {e}") from e
    finally:
        con.unregister(view)
    return report


_RESOLVED = ("organizations", "org_aliases", "org_hierarchy")


def _resolve(con: duckdb.DuckDBPyConnection, ovr_name: str, examples: int) -> ResolutionReport:
    """The body of the resolution transaction."""
    _create_macros(con)
    con.execute(_ACTORS_SQL, ORG_TYPE_NAME_PATTERNS)
    con.execute(_AUTO_SQL)
    acronyms = match_acronyms(con)
    con.execute("CREATE OR REPLACE TEMP TABLE _fm_org_ovr AS SELECT * FROM _fm_org_ovr_arrow")
    con.execute(_MATCH_OVERRIDES_SQL)
    con.execute("DELETE FROM org_aliases")
    con.execute("DELETE FROM organizations")
    con.execute(_ALIASES_SQL, {"file": ovr_name})
    con.execute(_ORGS_SQL)
    # parent overrides naming an organisation of the store (or the organisation itself: no
    # parent); the others are reported as unmatched
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _fm_h_ovr AS
           SELECT org_id AS child, parent_id AS parent, line FROM _fm_org_ovr_matched AS o
           WHERE parent_id IS NOT NULL
             AND (parent_id = org_id
                  OR parent_id IN (SELECT org_id FROM organizations))
           QUALIFY row_number() OVER (PARTITION BY org_id ORDER BY line) = 1"""
    )
    hierarchy = build_org_hierarchy(con)

    def one(sql: str) -> int:
        row = con.execute(sql).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    report = ResolutionReport(
        organizations=one("SELECT count(*) FROM organizations"),
        aliases=one("SELECT count(*) FROM org_aliases"),
        merged_by_ror=one("SELECT count(*) FROM org_aliases WHERE method = 'ror'"),
        merged_by_name=one("SELECT count(*) FROM org_aliases WHERE method = 'name'"),
        overrides_applied=one("SELECT count(*) FROM _fm_org_ovr_matched"),
        individuals_skipped=one(
            """SELECT count(*) FROM _fm_org_actors AS a WHERE is_individual
               AND NOT EXISTS (SELECT 1 FROM _fm_org_ovr_matched AS o
                               WHERE o.source = a.source AND o.source_id = a.source_id)"""
        ),
        merged_by_acronym=acronyms.by_acronym,
        merged_by_alias=acronyms.by_alias,
        ambiguous_acronyms=acronyms.ambiguous,
        with_parent=hierarchy.with_parent,
        multiple_parents=hierarchy.multiple_parents,
        cycles_broken=hierarchy.cycles_broken,
        ambiguous_names=one(
            """SELECT count(*) FROM _fm_org_auto AS x WHERE ambiguous
               AND NOT EXISTS (SELECT 1 FROM _fm_org_ovr_matched AS o
                               WHERE o.source = x.source AND o.source_id = x.source_id)"""
        ),
    )
    report.overrides_unmatched = [
        f"{ovr_name}:{line}: {source} {source_id}"
        for line, source, source_id in con.execute(
            """SELECT line, source, source_id FROM _fm_org_ovr
               EXCEPT SELECT line, source, source_id FROM _fm_org_ovr_matched
               ORDER BY line"""
        ).fetchall()
    ] + [
        f"{ovr_name}:{line}: parent_id {parent} of {org} is not an organisation of the store"
        for line, org, parent in con.execute(
            """SELECT line, org_id, parent_id FROM _fm_org_ovr_matched
               WHERE parent_id IS NOT NULL AND parent_id <> org_id
                 AND parent_id NOT IN (SELECT org_id FROM organizations) ORDER BY line"""
        ).fetchall()
    ]
    report.by_type = {
        str(t): int(n)
        for t, n in con.execute(
            "SELECT type, count(*) FROM organizations GROUP BY type ORDER BY type"
        ).fetchall()
    }
    report.examples = [
        f"{ev} -> {org}: {members}"
        for ev, org, members in con.execute(_EXAMPLES_SQL, {"k": examples}).fetchall()
    ]
    for tmp in (
        "_fm_org_actors",
        "_fm_org_auto",
        "_fm_org_ovr",
        "_fm_org_ovr_matched",
        "_fm_h_ovr",
    ):
        con.execute("DROP TABLE IF EXISTS " + tmp)  # identifiers from a fixed allow-list
    return report
