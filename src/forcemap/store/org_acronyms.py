r"""Acronym and alias matching of organisations: "MIT" ↔ "Massachusetts Institute of
Technology", "UCL" ↔ "University College London", "CNRS" ↔ "Centre National de la Recherche
Scientifique", and the alternative names a ROR dump lists.

The step runs inside :func:`forcemap.store.organizations.resolve_organizations`, after the ROR
and name rules and before the overrides; it only moves actors that have no ROR or OpenAlex id
(so two RORs are never merged) into an existing organisation, and only when exactly one
organisation of the same country fits. :func:`org_acronym` shows the acronym derived from a
name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from forcemap.store.org_names import _create_macros
from forcemap.store.store import scratch_connection

__all__ = ["ACRONYM_STOPWORDS", "AcronymCounts", "match_acronyms", "org_acronym"]

ACRONYM_STOPWORDS: tuple[str, ...] = (
    "a", "and", "at", "da", "das", "de", "degli", "dei", "del", "della", "der", "des", "di",
    "die", "do", "dos", "du", "e", "en", "et", "fur", "in", "la", "le", "les", "of", "on",
    "the", "und", "van", "von", "y", "for",
)  # fmt: skip
"""Words that give no letter to an acronym (English, French, German, Italian, Spanish,
Portuguese and Dutch connectives): "Centre National de la Recherche Scientifique" → CNRS."""

# Legal forms an acronym-named actor may carry ("IBM Corp."); matched case-insensitively.
_ACRONYM_LEGAL = r"(?i)\s+(inc|corp|corporation|co|ltd|limited|llc|gmbh|ag|sa|se|plc|bv|nv|kk)$"

_MACROS = (
    # The words of a name that give letters: lower-case, accents stripped, a trailing
    # parenthesised qualifier, legal forms and a leading "the" removed (the name-matching
    # macros), split on everything that is not a letter, connectives dropped.
    r"""
CREATE OR REPLACE TEMP MACRO _fm_acr_words(s) AS
    list_filter(
        string_split(trim(regexp_replace(
            _fm_org_core2(_fm_org_core(regexp_replace(_fm_org_low(s), '\s*\([^()]*\)\s*$', ''))),
            '[^a-z]+', ' ', 'g')), ' '),
        lambda w: w <> '' AND NOT list_contains(__STOP__, w))
""",
    # The acronym derived from a name: the initials of its words, when it has two to ten.
    r"""
CREATE OR REPLACE TEMP MACRO _fm_org_initials(s) AS
    CASE WHEN len(_fm_acr_words(s)) BETWEEN 2 AND 10
         THEN upper(array_to_string(list_transform(_fm_acr_words(s), lambda w: w[1]), ''))
    END
""",
    # The acronym a name *is*: 2–8 capitals (dots and '&' dropped: "M.I.T.", "AT&T"),
    # optionally followed by a legal form; NULL for any other name.
    r"""
CREATE OR REPLACE TEMP MACRO _fm_org_acronym_name(s) AS
    CASE WHEN regexp_full_match(
             regexp_replace(trim(replace(replace(s, '.', ''), '&', '')), '__LEGAL__', ''),
             '[A-Z]{2,8}')
         THEN regexp_replace(trim(replace(replace(s, '.', ''), '&', '')), '__LEGAL__', '')
    END
""",
)


def _create_acronym_macros(con: duckdb.DuckDBPyConnection) -> None:
    # the macros embed this module's constants (no parameters in a macro definition)
    stop = "[" + ", ".join(f"'{w}'" for w in ACRONYM_STOPWORDS) + "]"
    _create_macros(con)
    for sql in _MACROS:
        con.execute(sql.replace("__STOP__", stop).replace("__LEGAL__", _ACRONYM_LEGAL))


# Acronyms each organisation answers to, per country: derived from its members' names, written
# in them ("… (CNRS)"), and listed by ROR (names of type acronym) for its ROR.
_TARGETS_SQL = r"""
CREATE OR REPLACE TEMP TABLE _fm_acr_target AS
WITH m AS (
    SELECT a.name, a.country_code AS cc, a.strong_key, x.org_id
    FROM _fm_org_actors AS a JOIN _fm_org_auto AS x USING (source, source_id)
), t AS (
    SELECT org_id, cc, _fm_org_initials(name) AS acro, 'initials' AS how FROM m
    UNION ALL
    SELECT org_id, cc,
           nullif(replace(replace(regexp_extract(name, '\(\s*([A-Z][A-Z.&]{1,11})\s*\)\s*$', 1),
                                  '.', ''), '&', ''), ''),
           'written'
    FROM m
    UNION ALL
    SELECT m.org_id, coalesce(m.cc, upper(ro.country_code)),
           upper(replace(replace(rn.name, '.', ''), '&', '')), 'ror'
    FROM m JOIN ror_names AS rn ON m.strong_key = 'ror:' || rn.ror AND rn.name_type = 'acronym'
    LEFT JOIN (SELECT ror, any_value(country_code) AS country_code FROM ror_organizations
               GROUP BY ror) AS ro ON ro.ror = rn.ror
)
SELECT DISTINCT org_id, cc, acro, how FROM t
WHERE acro IS NOT NULL AND cc IS NOT NULL AND regexp_full_match(acro, '[A-Z]{2,10}')
"""

# Other names of an organisation (ROR aliases and labels), normalised like every name.
_ALIAS_TARGETS_SQL = r"""
CREATE OR REPLACE TEMP TABLE _fm_alias_target AS
WITH m AS (
    SELECT a.country_code AS cc, a.strong_key, x.org_id
    FROM _fm_org_actors AS a JOIN _fm_org_auto AS x USING (source, source_id)
    WHERE a.strong_key LIKE 'ror:%'
)
SELECT DISTINCT m.org_id, coalesce(m.cc, upper(ro.country_code)) AS cc,
       _fm_org_norm(rn.name) AS norm
FROM m JOIN ror_names AS rn ON m.strong_key = 'ror:' || rn.ror
                            AND rn.name_type IN ('alias', 'label', 'ror_display')
LEFT JOIN (SELECT ror, any_value(country_code) AS country_code FROM ror_organizations
           GROUP BY ror) AS ro ON ro.ror = rn.ror
WHERE _fm_org_norm(rn.name) IS NOT NULL AND coalesce(m.cc, ro.country_code) IS NOT NULL
"""

# Candidates: actors without a ROR / OpenAlex id, with a country, whose name is an acronym
# (or whose normalised name is a ROR alias), and the organisations it fits in that country.
_CANDIDATES_SQL = """
CREATE OR REPLACE TEMP TABLE _fm_acr_cand AS
WITH a AS (
    SELECT x.source, x.source_id, x.org_id AS own_org, ac.country_code AS cc, ac.norm,
           _fm_org_acronym_name(ac.name) AS acro
    FROM _fm_org_auto AS x JOIN _fm_org_actors AS ac USING (source, source_id)
    WHERE ac.strong_key IS NULL AND ac.country_code IS NOT NULL
), hits AS (
    SELECT a.source, a.source_id, 'acronym' AS method, 'acronym:' || a.acro || '|' || a.cc AS ev,
           t.org_id
    FROM a JOIN _fm_acr_target AS t ON t.acro = a.acro AND t.cc = a.cc
    WHERE a.acro IS NOT NULL AND t.org_id <> a.own_org
    UNION
    SELECT a.source, a.source_id, 'alias', 'alias:' || a.norm || '|' || a.cc, t.org_id
    FROM a JOIN _fm_alias_target AS t ON t.norm = a.norm AND t.cc = a.cc
    WHERE t.org_id <> a.own_org
)
SELECT source, source_id, method, ev, count(DISTINCT org_id) AS k, min(org_id) AS org_id,
       string_agg(DISTINCT org_id, ', ' ORDER BY org_id) AS orgs
FROM hits GROUP BY source, source_id, method, ev
"""

_APPLY_SQL = """
UPDATE _fm_org_auto AS x SET org_id = c.org_id, method = c.method, evidence = c.ev
FROM (SELECT * FROM _fm_acr_cand WHERE k = 1
      QUALIFY row_number() OVER (PARTITION BY source, source_id
                                 ORDER BY method = 'acronym', ev) = 1) AS c
WHERE x.source = c.source AND x.source_id = c.source_id
  AND NOT EXISTS (SELECT 1 FROM _fm_acr_cand AS d
                  WHERE d.source = c.source AND d.source_id = c.source_id AND d.k > 1)
"""


@dataclass
class AcronymCounts:
    """What the acronym and alias step did.

    Attributes
    ----------
    by_acronym, by_alias
        Actors moved into an organisation whose acronym is their name / that ROR lists their
        name as an alias or label.
    ambiguous
        Actors whose acronym or alias fits two or more organisations of their country: left
        where they were, as ``"<source> <source_id>: acronym:MIT|US fits I1, I2"``.
    """

    by_acronym: int = 0
    by_alias: int = 0
    ambiguous: list[str] = field(default_factory=list)


def match_acronyms(con: duckdb.DuckDBPyConnection) -> AcronymCounts:
    r"""Move acronym- and alias-named actors into the one organisation they fit.

    Works on the resolution's temporary tables (``_fm_org_actors``, ``_fm_org_auto``) inside
    its transaction; set-based DuckDB SQL.

    Rules:

    1. **Acronym.** An actor without ROR or OpenAlex id whose name *is* an acronym (2–8
       capitals, dots and ``&`` ignored, an optional legal form: ``MIT``, ``M.I.T.``,
       ``IBM Corp.``) fits an organisation of the same country that answers to it: the
       initials of a member's name (2–10 words after connectives such as *of*, *de la*,
       *und* are dropped, :data:`ACRONYM_STOPWORDS`), an acronym written in parentheses at
       the end of a member's name (``… (CNRS)``), or a ROR name of type ``acronym`` of its ROR
       (when a ROR dump was ingested).
    2. **Alias.** An actor without ROR or OpenAlex id whose normalised name equals a ROR
       ``alias``/``label``/display name of an organisation's ROR, in the same country, fits it.
    3. **Only when unambiguous.** An actor that fits exactly one organisation joins it (method
       ``acronym`` / ``alias``, evidence ``acronym:MIT|US`` / ``alias:<name>|<country>``);
       one that fits two or more stays where it was and is reported (``UCL`` in GB could be
       University College London or another "U… C… L…"). Without a country nothing is matched.
       An alias match wins over an acronym match of the same actor.

    The overrides file (applied after this step) forces or forbids any of these: map the actor
    to the organisation, or to an id of its own.
    """
    _create_acronym_macros(con)
    con.execute(_TARGETS_SQL)
    con.execute(_ALIAS_TARGETS_SQL)
    con.execute(_CANDIDATES_SQL)
    counts = AcronymCounts()
    counts.ambiguous = [
        f"{s} {i}: {ev} fits {orgs}"
        for s, i, ev, orgs in con.execute(
            """SELECT source, source_id, ev, orgs FROM _fm_acr_cand WHERE k > 1
               ORDER BY source, source_id, ev"""
        ).fetchall()
    ]
    con.execute(_APPLY_SQL)
    by = dict(
        con.execute(
            """SELECT method, count(*) FROM _fm_org_auto
               WHERE method IN ('acronym', 'alias') GROUP BY method"""
        ).fetchall()
    )
    counts.by_acronym, counts.by_alias = int(by.get("acronym", 0)), int(by.get("alias", 0))
    for tmp in ("_fm_acr_target", "_fm_alias_target", "_fm_acr_cand"):
        con.execute("DROP TABLE IF EXISTS " + tmp)  # identifiers from a fixed allow-list
    return counts


def org_acronym(name: str | None) -> tuple[str | None, str | None]:
    """The acronym a name *is* and the acronym derived from its words, as the resolution
    computes them (on a throw-away in-memory DuckDB).

    Examples
    --------
    >>> org_acronym("Massachusetts Institute of Technology")
    (None, 'MIT')
    >>> org_acronym("Centre National de la Recherche Scientifique")
    (None, 'CNRS')
    >>> org_acronym("M.I.T.")
    ('MIT', None)
    """
    con = scratch_connection()
    try:
        _create_acronym_macros(con)
        row = con.execute(
            "SELECT _fm_org_acronym_name($s::VARCHAR), _fm_org_initials($s::VARCHAR)",
            {"s": name},
        ).fetchall()[0]
    finally:
        con.close()
    return (None if row[0] is None else str(row[0]), None if row[1] is None else str(row[1]))
