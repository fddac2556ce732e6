"""Organisation names and types: the normalisation that name matching uses and the one mapping
of source organisation types (OpenAlex institution types, PatentsView assignee types, project
participant types) onto :data:`ORG_TYPES`, with the name-based fallbacks.

:mod:`forcemap.store.organizations` resolves organisations with them; the network builder and
the decisions read :data:`ORG_TYPES` and :func:`org_type_sql` from here, so every layer maps
types the same way.
"""

from __future__ import annotations

import duckdb

from forcemap.store.store import scratch_connection

__all__ = [
    "ORG_NAME_STOPWORDS",
    "ORG_TYPES",
    "ORG_TYPE_NAME_PATTERNS",
    "ORG_WORD_ABBREVIATIONS",
    "normalize_org_name",
    "org_type_sql",
]

ORG_TYPES: tuple[str, ...] = (
    "enterprise",
    "university",
    "institute",
    "facility",
    "healthcare",
    "other",
)
"""The unified organisation types (``organizations.type``)."""

_LEGAL_FORMS = (
    "inc|incorporated|corp|corporation|co|company|ltd|limited|llc|llp|lp|plc|pllc"
    "|gmbh|mbh|ag|kg|kgaa|se|sa|sas|sarl|srl|spa|sl|sae|bv|nv|oy|oyj|ab|as|asa|aps"
    "|kk|pty|pte|ltda|and co|aktiengesellschaft|kabushiki kaisha|kabushikikaisha"
    "|gesellschaft mit beschrankter haftung|societe anonyme|sociedad anonima"
)

# Web of Science writes addresses with a fixed table of abbreviations ("Univ Oxford", "Natl Inst
# Stand & Technol", "Chinese Acad Sci", "Ctr Sci & Technol Studies") and drops "of", "for",
# and "the"; Scopus, OpenAlex, ROR, PatentsView and CORDIS spell the words out. Name
# matching maps each full word to WoS's abbreviation (the canonical spelling: it is the one
# form several full words can share, e.g. "medical"/"medicine" -> "med") and drops those
# connectives, so "Univ Oxford" and "University of Oxford" normalise alike. The table holds
# the standard Web of Science address abbreviations for English words used in organisation
# names; a word not in it is kept as written.
ORG_WORD_ABBREVIATIONS: dict[str, str] = {
    "academy": "acad",
    "advanced": "adv",
    "agricultural": "agr",
    "agriculture": "agr",
    "american": "amer",
    "applied": "appl",
    "association": "assoc",
    "astronomical": "astron",
    "astronomy": "astron",
    "biological": "biol",
    "biology": "biol",
    "biotechnology": "biotechnol",
    "california": "calif",
    "cancer": "canc",
    "center": "ctr",
    "centers": "ctr",
    "centre": "ctr",
    "centres": "ctr",
    "chemical": "chem",
    "chemistry": "chem",
    "clinical": "clin",
    "college": "coll",
    "communication": "commun",
    "communications": "commun",
    "computer": "comp",
    "computing": "comp",
    "department": "dept",
    "development": "dev",
    "economic": "econ",
    "economics": "econ",
    "education": "educ",
    "educational": "educ",
    "electrical": "elect",
    "electronic": "elect",
    "electronics": "elect",
    "engineering": "engn",
    "environment": "environm",
    "environmental": "environm",
    "faculty": "fac",
    "federal": "fed",
    "foundation": "fdn",
    "general": "gen",
    "genetics": "genet",
    "geological": "geol",
    "geology": "geol",
    "government": "govt",
    "health": "hlth",
    "hospital": "hosp",
    "industrial": "ind",
    "industry": "ind",
    "informatics": "informat",
    "information": "informat",
    "institute": "inst",
    "institutes": "inst",
    "international": "int",
    "laboratories": "labs",
    "laboratory": "lab",
    "materials": "mat",
    "mathematical": "math",
    "mathematics": "math",
    "medical": "med",
    "medicine": "med",
    "memorial": "mem",
    "ministry": "minist",
    "molecular": "mol",
    "national": "natl",
    "neuroscience": "neurosci",
    "nuclear": "nucl",
    "observatory": "observ",
    "pharmaceutical": "pharm",
    "pharmacy": "pharm",
    "physical": "phys",
    "physics": "phys",
    "polytechnic": "polytech",
    "psychology": "psychol",
    "public": "publ",
    "research": "res",
    "school": "sch",
    "science": "sci",
    "sciences": "sci",
    "scientific": "sci",
    "society": "soc",
    "standards": "stand",
    "statistical": "stat",
    "statistics": "stat",
    "surgery": "surg",
    "system": "syst",
    "systems": "syst",
    "technological": "technol",
    "technology": "technol",
    "telecommunications": "telecommun",
    "universities": "univ",
    "university": "univ",
    "veterinary": "vet",
}
"""Full word -> Web of Science abbreviation, applied word by word in name matching."""

ORG_NAME_STOPWORDS: tuple[str, ...] = ("of", "for", "the")
"""Connectives Web of Science drops from addresses; dropped from every name in name matching."""


def _abbreviation_map_sql() -> str:
    pairs = ", ".join(f"'{k}': '{v}'" for k, v in sorted(ORG_WORD_ABBREVIATIONS.items()))
    return "MAP {" + pairs + "}"


# The name-normalisation macros (one definition, used by the resolution and by
# normalize_org_name). Steps: lower-case, strip accents (NFKD), keep a "(synthetic)" marker
# aside, drop one trailing parenthesised qualifier (ROR's "Elsevier (Netherlands)", an acronym
# "(CWTS)"), drop dots and apostrophes ("S.A." -> "sa"), '&' -> 'and', every other run of
# non-letters/digits -> one space, drop a leading "the", strip trailing legal forms, spell
# words as Web of Science abbreviates them and drop its dropped connectives (unless all that
# leaves nothing: then only the first four steps apply), re-append the marker.
_MACROS = (
    r"""
CREATE OR REPLACE TEMP MACRO _fm_org_core(s) AS
    trim(regexp_replace(
        regexp_replace(
            regexp_replace(s, '[.''’]', '', 'g'),
            '&', ' and ', 'g'),
        '[^\pL\pN]+', ' ', 'g'))
""",
    r"""
CREATE OR REPLACE TEMP MACRO _fm_org_low(s) AS
    replace(lower(strip_accents(s)), '(synthetic)', ' ')
""",
    r"""
CREATE OR REPLACE TEMP MACRO _fm_org_core2(c) AS
    trim(regexp_replace(' ' || regexp_replace(c, '^the ', ''),
                        '( (?:"""
    + _LEGAL_FORMS
    + r"""))+$', ''))
""",
    r"""
CREATE OR REPLACE TEMP MACRO _fm_org_words(c) AS
    array_to_string(
        list_filter(
            list_transform(string_split(c, ' '),
                           lambda w: coalesce("""
    + _abbreviation_map_sql()
    + r"""[w], w)),
            lambda w: w <> '' AND w NOT IN ("""
    + ", ".join(f"'{w}'" for w in ORG_NAME_STOPWORDS)
    + r""")),
        ' ')
""",
    r"""
CREATE OR REPLACE TEMP MACRO _fm_org_full(s) AS
    _fm_org_words(_fm_org_core2(_fm_org_core(
        regexp_replace(_fm_org_low(s), '\s*\([^()]*\)\s*$', ''))))
""",
    r"""
CREATE OR REPLACE TEMP MACRO _fm_org_norm(s) AS
    nullif(
        CASE WHEN _fm_org_full(s) = '' THEN _fm_org_core(_fm_org_low(s))
             ELSE _fm_org_full(s) END
        || CASE WHEN contains(lower(s), '(synthetic)') THEN ' (synthetic)' ELSE '' END,
        '')
""",
)

_UNIVERSITY_NAME = (
    r"\b(universit[a-z]*|univ|college|coll|polytechnic|politecnico|politechnika|hochschule"
    r"|universidad|universidade|institute of technology|school of)\b"
)
_INSTITUTE_NAME = (
    r"\b(institute|institut|inst|instituto|istituto|fraunhofer|max planck|academy of sciences"
    r"|research (center|centre|council|organi[sz]ation|foundation)|national laborator(y|ies)"
    r"|commissariat|cnrs|inserm|csic)\b"
)
_CORPORATE_NAME = r"\b(inc|corp|corporation|co|ltd|limited|llc|gmbh|plc|kk)\b"
# A name ending in a legal form ("Elsevier B.V.", "Siemens AG"), matched on the core name.
_LEGAL_FORM_END = r" (?:" + _LEGAL_FORMS + r")$"

ORG_TYPE_NAME_PATTERNS: dict[str, str] = {
    "uni": _UNIVERSITY_NAME,
    "inst": _INSTITUTE_NAME,
    "corp": _CORPORATE_NAME,
    "legal": _LEGAL_FORM_END,
}
"""The parameters a query using :func:`org_type_sql` with a name must bind: the regular
expressions of a university name, an institute name, a company name and a name ending in a
legal form."""


def org_type_sql(
    t: str, *, name: str | None = None, source: str | None = None, raw_name: str | None = None
) -> str:
    """The SQL ``CASE`` expression that maps a raw organisation type to :data:`ORG_TYPES`:
    the one mapping of the package (organisation resolution uses it; so should any module that
    types an organisation from a raw type).

    ``t`` is an SQL expression of the raw type, lower-cased and trimmed. With ``name`` (an SQL
    expression of the name, lower-cased, accents stripped) the name-based fallbacks apply
    (a university, an institute that is not a company), and the query must bind
    :data:`ORG_TYPE_NAME_PATTERNS` as parameters; with ``source`` (an SQL expression of
    ``'institution'``/``'assignee'``/``'participant'``) an OpenAlex institution type is mapped
    by its own vocabulary; with ``source`` and ``raw_name`` (the name as stored) an institution
    whose name ends in a legal form is an enterprise (this needs the name macros of the
    resolution and the ``legal`` parameter).

    Raw types: OpenAlex ``education``/``company``/``government``/``nonprofit``/``facility``/
    ``healthcare``; CORDIS ``HES``/``PRC``/``REC``/``PUB``/``OTH``; PatentsView assignee
    codes (2/3 companies, 6–9 governments; 4/5 individuals map to ``other``); the unified
    types themselves; ``public body``, ``research organisation`` and similar words.
    Anything else, or nothing, is ``other``.
    """
    tt = f"coalesce({t}, '')"
    nm = f"coalesce({name}, '')" if name is not None else None
    out = ["CASE"]
    if source is not None:
        out.append(
            f"""    WHEN {source} = 'institution' AND {t} IS NOT NULL THEN CASE {t}
        WHEN 'education' THEN 'university'
        WHEN 'company' THEN 'enterprise'
        WHEN 'government' THEN 'institute'
        WHEN 'nonprofit' THEN 'institute'
        WHEN 'facility' THEN 'facility'
        WHEN 'healthcare' THEN 'healthcare'
        ELSE 'other' END"""
        )
    out.append(
        f"""    WHEN {t} IN ('university', 'education', 'higher education', 'hes', 'academic')
        THEN 'university'
    WHEN {t} = 'facility' THEN 'facility'
    WHEN {t} IN ('healthcare', 'hospital') THEN 'healthcare'"""
    )
    if nm is not None:
        out.append(f"    WHEN regexp_matches({nm}, $uni) THEN 'university'")
    out.append(
        f"""    WHEN {t} IN ('government', 'institute', 'research', 'research organisation',
                   'research organization', 'rec', 'pub', 'public', 'public body',
                   'nonprofit', 'non-profit')
         OR contains({tt}, 'government')
         OR regexp_full_match({tt}, '1?[6-9]')
        THEN 'institute'"""
    )
    if nm is not None:
        out.append(
            f"""    WHEN regexp_matches({nm}, $inst)
         AND NOT regexp_matches({nm}, $corp) THEN 'institute'"""
        )
    out.append(
        f"""    WHEN {t} IN ('company', 'enterprise', 'private', 'prc', 'industry', 'sme',
                   'business')
         OR contains({tt}, 'company')
         OR regexp_full_match({tt}, '1?[23]')
        THEN 'enterprise'"""
    )
    if raw_name is not None and source is not None:
        out.append(
            f"""    WHEN {source} = 'institution'
         AND regexp_matches(' ' || _fm_org_core(_fm_org_low(coalesce({raw_name}, ''))),
                            $legal) THEN 'enterprise'"""
        )
    out.append("    ELSE 'other'\nEND")
    return "\n".join(out)


def _create_macros(con: duckdb.DuckDBPyConnection) -> None:
    for sql in _MACROS:
        con.execute(sql)


def normalize_org_name(name: str | None) -> str | None:
    """The normalised form of one organisation name, as used for name matching.

    Runs the same SQL as :func:`resolve_organizations` (on a throw-away in-memory DuckDB), so
    analysts can check why two names did or did not merge, or write override files.

    Parameters
    ----------
    name
        An organisation name as it appears in a source.

    Returns
    -------
    str or None
        Lower-case, accents stripped (NFKD), a trailing parenthesised qualifier removed
        (``Elsevier (Netherlands)``), punctuation removed, ``&`` spelled ``and``, leading
        "the" and trailing legal forms removed, words spelled as Web of Science abbreviates
        them (:data:`ORG_WORD_ABBREVIATIONS`, ``university`` -> ``univ``) and
        :data:`ORG_NAME_STOPWORDS` dropped, whitespace collapsed; a ``(synthetic)`` marker is
        kept (moved to the end). None for None or a name with no letters or digits.

    Examples
    --------
    >>> normalize_org_name("Société Générale S.A.")
    'societe generale'
    >>> normalize_org_name("The Acme Co., Ltd. (synthetic)")
    'acme (synthetic)'
    >>> normalize_org_name("Univ Oxford") == normalize_org_name("University of Oxford")
    True
    """
    con = scratch_connection()
    try:
        _create_macros(con)
        rows = con.execute("SELECT _fm_org_norm($s::VARCHAR)", {"s": name}).fetchall()
    finally:
        con.close()
    value = rows[0][0]
    return None if value is None else str(value)
