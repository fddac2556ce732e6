"""The SQL of the PatentsView reader (:mod:`~forcemap.store.ingest.patentsview`), table by table.

Which columns each ``g_*.tsv`` table must have and which are read, the canonical table each child
table fills, the value parsers (temporary DuckDB macros), the row checks that quarantine a row
naming its field, the duplicate keys and the staging tables.
"""

from __future__ import annotations

__all__ = [
    "CHECKS",
    "CHILD_TARGET",
    "DEDUP_KEY",
    "KEYS",
    "MACROS",
    "SEQ_FIELD",
    "STAGED",
    "USED",
    "int_checks",
]

_US_STATES = ", ".join(
    f"'{s}'"
    for s in (
        "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
        "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP"
    ).split()
)

# Columns each table must have (the rest of the columns read may be absent: NULL).
KEYS: dict[str, tuple[str, ...]] = {
    "g_location_disambiguated": ("location_id",),
    "g_patent": ("patent_id", "patent_date"),
    "g_application": ("patent_id", "filing_date"),
    "g_cpc_current": ("patent_id", "cpc_group"),
    "g_assignee_disambiguated": ("patent_id", "assignee_id"),
    "g_inventor_disambiguated": ("patent_id", "inventor_id"),
    "g_us_patent_citation": ("patent_id", "citation_patent_id"),
    "g_foreign_priority": ("patent_id", "foreign_application_id"),
    "g_us_rel_doc": ("patent_id", "related_doc_number", "related_doc_type"),
}
# Columns read from each table; also the processing order (locations and patents first).
USED: dict[str, tuple[str, ...]] = {
    "g_location_disambiguated": (
        "location_id", "disambig_city", "disambig_state", "disambig_country",
    ),
    "g_patent": (
        "patent_id", "patent_type", "patent_date", "patent_title", "patent_abstract",
        "wipo_kind", "num_claims", "withdrawn",
    ),
    "g_application": ("patent_id", "filing_date", "application_id"),
    "g_cpc_current": ("patent_id", "cpc_sequence", "cpc_group", "cpc_type"),
    "g_assignee_disambiguated": (
        "patent_id", "assignee_sequence", "assignee_id",
        "disambig_assignee_individual_name_first", "disambig_assignee_individual_name_last",
        "disambig_assignee_organization", "assignee_type", "location_id",
    ),
    "g_inventor_disambiguated": (
        "patent_id", "inventor_sequence", "inventor_id", "disambig_inventor_name_first",
        "disambig_inventor_name_last", "location_id",
    ),
    "g_us_patent_citation": ("patent_id", "citation_sequence", "citation_patent_id"),
    "g_foreign_priority": (
        "patent_id", "priority_claim_sequence", "priority_claim_kind", "foreign_application_id",
        "filing_date", "foreign_country_filed",
    ),
    "g_us_rel_doc": (
        "patent_id", "related_doc_number", "published_country", "related_doc_type",
        "related_doc_kind", "related_doc_published_date", "related_doc_status",
        "related_doc_sequence",
    ),
}  # fmt: skip

# Canonical table filled from each child table file, and its patent key column.
CHILD_TARGET: dict[str, tuple[str, str]] = {
    "g_cpc_current": ("patent_cpc", "patent_id"),
    "g_assignee_disambiguated": ("patent_assignees", "patent_id"),
    "g_inventor_disambiguated": ("patent_inventors", "patent_id"),
    "g_us_patent_citation": ("patent_citations", "citing_id"),
    "g_foreign_priority": ("patent_priority", "patent_id"),
    "g_us_rel_doc": ("patent_relations", "patent_id"),
}

# Value parsers shared by the table SQL (temporary macros, created in each batch).
MACROS = (
    r"CREATE OR REPLACE TEMP MACRO _pv_s(x) AS nullif(trim(x), '')",
    # Patent numbers: optional letter prefix (D, RE, PP, H, T, ...) then digits; leading zeros
    # of the digits are dropped (USPTO writes 06103599, PatentsView 6103599).
    r"""CREATE OR REPLACE TEMP MACRO _pv_pid(x) AS
        CASE WHEN regexp_full_match(upper(replace(x, ' ', '')), '[A-Z]{0,2}0*[1-9][0-9]*')
             THEN regexp_replace(upper(replace(x, ' ', '')), '^([A-Z]{0,2})0*', '\1') END""",
    r"""CREATE OR REPLACE TEMP MACRO _pv_date(x) AS
        CASE WHEN regexp_full_match(x, '[0-9]{4}-[0-9]{2}-[0-9]{2}([ T].*)?')
                  AND TRY_CAST(left(x, 10) AS DATE)
                      BETWEEN DATE '1790-07-31' AND DATE '2100-12-31'
             THEN TRY_CAST(left(x, 10) AS DATE) END""",
    # Counts, sequence numbers and type codes: whole numbers in 0..2^31-1 (an INTEGER)
    r"""CREATE OR REPLACE TEMP MACRO _pv_int(x) AS
        CASE WHEN TRY_CAST(x AS DOUBLE) = trunc(TRY_CAST(x AS DOUBLE))
                  AND TRY_CAST(x AS DOUBLE) BETWEEN 0 AND 2147483647
             THEN TRY_CAST(TRY_CAST(x AS DOUBLE) AS INTEGER) END""",
    r"""CREATE OR REPLACE TEMP MACRO _pv_cpc(x) AS
        CASE WHEN regexp_full_match(upper(replace(x, ' ', '')),
                                    '[A-HY][0-9]{2}[A-Z][0-9]{1,4}/[0-9]{2,6}')
             THEN upper(replace(x, ' ', '')) END""",
    # PatentsView / USPTO assignee type codes; 1x = the same owner type with part interest.
    r"""CREATE OR REPLACE TEMP MACRO _pv_atype(x) AS
        CASE WHEN _pv_int(x) IS NOT NULL THEN
                 CASE _pv_int(x) % 10 WHEN 2 THEN 'company' WHEN 3 THEN 'company'
                      WHEN 4 THEN 'individual' WHEN 5 THEN 'individual'
                      WHEN 6 THEN 'government' WHEN 7 THEN 'government'
                      WHEN 8 THEN 'government' WHEN 9 THEN 'government' END
             WHEN lower(x) IN ('company', 'individual', 'government', 'university')
                 THEN lower(x) END""",
)


def int_checks(col: str) -> list[tuple[str, str, str]]:
    """Checks of a whole-number column (``_pv_int``): a text, NaN/inf, a fraction or a value
    out of 0..2^31-1 is quarantined naming the column, never read as NULL."""
    d = f"TRY_CAST({col} AS DOUBLE)"
    present = f"{col} IS NOT NULL"
    return [
        (f"{present} AND {d} IS NULL", f"invalid {col}: not a number", col),
        (f"{present} AND NOT isfinite({d})", f"invalid {col}: not a finite number", col),
        (f"{present} AND {d} <> trunc({d})", f"invalid {col}: not a whole number", col),
        (
            f"{present} AND _pv_int({col}) IS NULL",
            f"invalid {col}: out of range (0..2,147,483,647)",
            col,
        ),
    ]


# Per table: typed columns of a checked row, its reason (NULL = valid) and the field at fault.
# Conditions are tried in order; the first that holds names the reason.
CHECKS: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "g_location_disambiguated": (
        # a country is a two-letter code (PatentsView writes ISO 3166-1 alpha-2); without
        # one, a US state or territory code gives US; anything else stays unknown
        f"""location_id AS loc, disambig_city AS city,
           CASE WHEN regexp_full_match(upper(trim(disambig_country)), '[A-Z]{{2}}')
                THEN upper(trim(disambig_country))
                WHEN upper(trim(disambig_state)) IN ({_US_STATES}) THEN 'US' END AS country""",
        [("location_id IS NULL", "missing location_id", "location_id")],
    ),
    "g_patent": (
        """_pv_pid(patent_id) AS pid, _pv_date(patent_date) AS grant_date,
           _pv_int(num_claims) AS num_claims, wipo_kind AS kind,
           lower(patent_type) AS ptype, patent_title AS title, patent_abstract AS abstract""",
        [
            ("patent_id IS NULL", "missing patent_id", "patent_id"),
            ("_pv_pid(patent_id) IS NULL", "invalid patent_id", "patent_id"),
            ("patent_date IS NULL", "missing patent_date", "patent_date"),
            ("_pv_date(patent_date) IS NULL", "invalid patent_date", "patent_date"),
            *int_checks("num_claims"),
            (
                "lower(coalesce(withdrawn, '0')) IN ('1', 'true', 't', 'y', 'yes')",
                "withdrawn patent",
                "withdrawn",
            ),
        ],
    ),
    "g_application": (
        "_pv_pid(patent_id) AS pid, _pv_date(filing_date) AS filing_date, "
        "application_id AS app_number",
        [
            ("patent_id IS NULL", "missing patent_id", "patent_id"),
            ("_pv_pid(patent_id) IS NULL", "invalid patent_id", "patent_id"),
            (
                "filing_date IS NOT NULL AND _pv_date(filing_date) IS NULL",
                "invalid filing_date",
                "filing_date",
            ),
        ],
    ),
    "g_cpc_current": (
        """_pv_pid(patent_id) AS pid, _pv_int(cpc_sequence) AS seqnum,
           _pv_cpc(cpc_group) AS symbol,
           coalesce(starts_with(lower(cpc_type), 'invent'), false) AS inventive""",
        [
            ("patent_id IS NULL", "missing patent_id", "patent_id"),
            ("_pv_pid(patent_id) IS NULL", "invalid patent_id", "patent_id"),
            ("cpc_group IS NULL", "missing cpc_group", "cpc_group"),
            ("_pv_cpc(cpc_group) IS NULL", "invalid CPC symbol", "cpc_group"),
            *int_checks("cpc_sequence"),
        ],
    ),
    "g_assignee_disambiguated": (
        """_pv_pid(patent_id) AS pid, _pv_int(assignee_sequence) AS seqnum,
           assignee_id AS aid,
           coalesce(disambig_assignee_organization,
                    _pv_s(concat_ws(' ', disambig_assignee_individual_name_first,
                                    disambig_assignee_individual_name_last))) AS name,
           _pv_atype(assignee_type) AS atype, location_id AS loc""",
        [
            ("patent_id IS NULL", "missing patent_id", "patent_id"),
            ("_pv_pid(patent_id) IS NULL", "invalid patent_id", "patent_id"),
            ("assignee_id IS NULL", "missing assignee_id", "assignee_id"),
            *int_checks("assignee_sequence"),
            (
                "assignee_type IS NOT NULL AND _pv_atype(assignee_type) IS NULL "
                "AND (_pv_int(assignee_type) IS NULL OR _pv_int(assignee_type) > 99)",
                "invalid assignee_type",
                "assignee_type",
            ),
        ],
    ),
    "g_inventor_disambiguated": (
        """_pv_pid(patent_id) AS pid, _pv_int(inventor_sequence) AS seqnum,
           inventor_id AS iid,
           _pv_s(concat_ws(' ', disambig_inventor_name_first,
                           disambig_inventor_name_last)) AS name,
           location_id AS loc""",
        [
            ("patent_id IS NULL", "missing patent_id", "patent_id"),
            ("_pv_pid(patent_id) IS NULL", "invalid patent_id", "patent_id"),
            ("inventor_id IS NULL", "missing inventor_id", "inventor_id"),
            *int_checks("inventor_sequence"),
        ],
    ),
    "g_us_patent_citation": (
        """_pv_pid(patent_id) AS pid, _pv_pid(citation_patent_id) AS cited,
           _pv_int(citation_sequence) AS seqnum""",
        [
            ("patent_id IS NULL", "missing patent_id", "patent_id"),
            ("_pv_pid(patent_id) IS NULL", "invalid patent_id", "patent_id"),
            ("citation_patent_id IS NULL", "missing citation_patent_id", "citation_patent_id"),
            (
                "_pv_pid(citation_patent_id) IS NULL",
                "invalid citation_patent_id",
                "citation_patent_id",
            ),
            *int_checks("citation_sequence"),
        ],
    ),
    "g_foreign_priority": (
        """_pv_pid(patent_id) AS pid, _pv_int(priority_claim_sequence) AS seqnum,
           foreign_application_id AS number, upper(trim(foreign_country_filed)) AS country,
           _pv_date(filing_date) AS filing_date, priority_claim_kind AS kind""",
        [
            ("patent_id IS NULL", "missing patent_id", "patent_id"),
            ("_pv_pid(patent_id) IS NULL", "invalid patent_id", "patent_id"),
            (
                "foreign_application_id IS NULL",
                "missing foreign_application_id",
                "foreign_application_id",
            ),
            (
                "filing_date IS NOT NULL AND _pv_date(filing_date) IS NULL",
                "invalid filing_date",
                "filing_date",
            ),
            *int_checks("priority_claim_sequence"),
        ],
    ),
    "g_us_rel_doc": (
        """_pv_pid(patent_id) AS pid, _pv_int(related_doc_sequence) AS seqnum,
           lower(related_doc_type) AS relation, related_doc_number AS number,
           coalesce(upper(trim(published_country)), 'US') AS country,
           upper(trim(related_doc_kind)) AS kind,
           _pv_date(related_doc_published_date) AS doc_date, related_doc_status AS status""",
        [
            ("patent_id IS NULL", "missing patent_id", "patent_id"),
            ("_pv_pid(patent_id) IS NULL", "invalid patent_id", "patent_id"),
            ("related_doc_type IS NULL", "missing related_doc_type", "related_doc_type"),
            ("related_doc_number IS NULL", "missing related_doc_number", "related_doc_number"),
            (
                "related_doc_published_date IS NOT NULL "
                "AND _pv_date(related_doc_published_date) IS NULL",
                "invalid related_doc_published_date",
                "related_doc_published_date",
            ),
            *int_checks("related_doc_sequence"),
        ],
    ),
}

# Per table: the key that makes two valid rows duplicates (the later line wins).
DEDUP_KEY = {
    "g_location_disambiguated": "loc",
    "g_patent": "pid",
    "g_application": "pid",
    "g_cpc_current": "pid, coalesce(seqnum::VARCHAR, symbol)",
    "g_assignee_disambiguated": "pid, coalesce(seqnum::VARCHAR, aid)",
    "g_inventor_disambiguated": "pid, coalesce(seqnum::VARCHAR, iid)",
    "g_us_patent_citation": "pid, cited",
    "g_foreign_priority": "pid, coalesce(seqnum::VARCHAR, number)",
    "g_us_rel_doc": "pid, coalesce(seqnum::VARCHAR, relation || number)",
}
STAGED = {
    "g_location_disambiguated": "_pv_loc",
    "g_patent": "_pv_pat",
    "g_application": "_pv_app",
    "g_cpc_current": "_pv_cpc_rows",
    "g_assignee_disambiguated": "_pv_asg",
    "g_inventor_disambiguated": "_pv_inv",
    "g_us_patent_citation": "_pv_cit",
    "g_foreign_priority": "_pv_pri",
    "g_us_rel_doc": "_pv_rel",
}


# Child tables whose rows are numbered per patent in a SMALLINT column: the sequence column
SEQ_FIELD = {
    "g_cpc_current": "cpc_sequence",
    "g_assignee_disambiguated": "assignee_sequence",
    "g_inventor_disambiguated": "inventor_sequence",
    "g_foreign_priority": "priority_claim_sequence",
    "g_us_rel_doc": "related_doc_sequence",
}
