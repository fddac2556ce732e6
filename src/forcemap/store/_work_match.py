"""Which work records are the same paper: match features, blocking and the Splink model.

The work-merging pipeline (:mod:`forcemap.store.work_merge`) asks this module for scored
record pairs. Every step is set-based DuckDB SQL; the probabilistic step is a Fellegi–Sunter
model run by Splink 5 on DuckDB with **fixed** m and u probabilities (:data:`MODEL`), so the
same records always give the same pairs and weights (no training, no sampling).

Features of one record (a row of ``works`` and its first authorship), all in SQL:

* ``doi`` — lower case, without ``https://doi.org/`` / ``doi:`` and trailing punctuation;
* ``title_norm`` — HTML tags removed, accents stripped, lower case, every run of other
  characters one space; ``title_key`` — the same without spaces (``Non-linear`` and
  ``Nonlinear`` agree); NULL when it has fewer than :data:`MIN_TITLE` characters (a
  one-letter title carries no evidence); ``title_nums`` — the numbers and roman numerals
  of the title (``Part II`` vs ``Part III`` of a series differ there);
* ``surname`` / ``initial`` — of the first author, in any export's spelling (``Linehan, M.
  M.``, ``Linehan MM``, ``Marsha M. Linehan`` all give ``linehan`` / ``m``);
* ``venue_norm`` and ``venue_key`` — the venue name normalised, and the initials of its words
  without stop words (``J. Clin. Psychol.`` and ``Journal of Clinical Psychology`` both give
  ``jcp``).

Pages are not compared: the store's ``works`` table holds no page numbers.

Reference: Fellegi, I. P. & Sunter, A. B. (1969) A theory for record linkage. JASA 64(328),
1183–1210. doi:10.1080/01621459.1969.10501049; Splink (Linacre et al. 2022, IJPDS 7(3)).
"""

from __future__ import annotations

import json
import math
from typing import Any

import duckdb
import pyarrow as pa

__all__ = [
    "BLOCK_CAP",
    "MIN_TITLE",
    "MODEL",
    "PRIOR",
    "THRESHOLD",
    "TITLE_LINK_LEVELS",
    "evidence_json",
    "feature_sql",
    "model_parameters",
    "score_pairs",
]

MIN_TITLE = 4
"""Normalised titles shorter than this (``title_key`` characters) count as missing."""

BLOCK_CAP = 200
"""A blocking key shared by more records than this is not used to block (``Editorial``,
``Introduction``): it would generate a quadratic number of pairs and carries no evidence."""

PRIOR = 1e-4
"""Splink's ``probability_two_random_records_match`` (λ) among blocked pairs."""

THRESHOLD = 0.99
"""Minimum match probability of a probabilistic link."""

TITLE_LINK_LEVELS = (6, 5, 3, 2, 1)
"""Title levels (Splink gamma values) a probabilistic link needs: exact (long or not), edit
≥ 0.95, one title the other's head, edit ≥ 0.88. Whatever the other fields say, records
whose titles are missing, too short, different or differ in their numbers are never linked
probabilistically."""

_STOP = "['of','the','and','for','in','on','a','an','de','der','des','la','le','et','und','to']"

# first author's surname and initial from a name in any spelling (bib_fields.surname_key in SQL)
_INITIALS = r"^(?:[A-Z]{1,4}|(?:[A-Z]\.-?){1,4}|[A-Z]\.?)$"
_PARTICLES = r"((?:(?:van|von|de|der|den|del|della|di|da|du|dos|das|ter|ten|le|la)\s+)*\S+)\s*$"


def feature_sql(works: str, authorships: str) -> str:
    """SQL selecting the match features of every row of ``works`` (a table or subquery name
    from an allow-list of this package), with the first author from ``authorships``."""
    return f"""
WITH fa AS (
    SELECT work_id, arg_min(author_name, author_seq) AS name
    FROM {authorships} WHERE author_name IS NOT NULL AND work_id IN (SELECT work_id FROM {works})
    GROUP BY work_id
), fa2 AS (
    SELECT work_id, trim(name) AS n,
           string_split(trim(name), ' ') AS toks
    FROM fa
), au AS (
    SELECT work_id,
        CASE WHEN contains(n, ',') THEN split_part(n, ',', 1)
             WHEN len(toks) > 1 AND regexp_matches(toks[-1], '{_INITIALS}')
                  THEN array_to_string(toks[1:-2], ' ')
             ELSE regexp_extract(n, '{_PARTICLES}', 1) END AS sn,
        CASE WHEN contains(n, ',') THEN trim(split_part(n, ',', 2))
             WHEN len(toks) > 1 AND regexp_matches(toks[-1], '{_INITIALS}') THEN toks[-1]
             ELSE toks[1] END AS gn
    FROM fa2
), t AS (
    SELECT w.work_id, w.year, w.doi, w.source_name,
        trim(regexp_replace(lower(strip_accents(regexp_replace(coalesce(w.title, ''),
             '<[^>]*>', ' ', 'g'))), '[^a-z0-9]+', ' ', 'g')) AS tn,
        trim(regexp_replace(lower(strip_accents(coalesce(w.source_name, ''))),
             '[^a-z0-9]+', ' ', 'g')) AS vn,
        nullif(regexp_replace(lower(strip_accents(coalesce(au.sn, ''))), '[^a-z]', '', 'g'), '')
            AS surname,
        nullif(left(regexp_replace(lower(strip_accents(coalesce(au.gn, ''))), '[^a-z]', '',
                                   'g'), 1), '') AS initial
    FROM {works} w LEFT JOIN au USING (work_id)
)
SELECT work_id AS unique_id,
    nullif(regexp_replace(regexp_replace(lower(trim(doi)),
           '^(https?://(dx\\.)?doi\\.org/|doi:\\s*)', ''), '[.,;]+$', ''), '') AS doi,
    CASE WHEN length(replace(tn, ' ', '')) >= {MIN_TITLE} THEN tn END AS title_norm,
    CASE WHEN length(replace(tn, ' ', '')) >= {MIN_TITLE} THEN replace(tn, ' ', '') END
        AS title_key,
    array_to_string(list_sort(list_distinct(regexp_extract_all(tn,
        '\\b([0-9]+|i|ii|iii|iv|v|vi|vii|viii|ix|x|xi|xii)\\b', 1))), ' ') AS title_nums,
    year, surname, initial,
    nullif(vn, '') AS venue_norm,
    nullif(array_to_string(list_transform(
        list_filter(string_split(vn, ' '), lambda x: x <> '' AND NOT list_contains({_STOP}, x)),
        lambda x: left(x, 1)), ''), '') AS venue_key
FROM t
"""  # noqa: S608 - table names from an allow-list, no values


def _lv(cond: str, m: float, u: float, label: str) -> dict[str, Any]:
    return {
        "sql_condition": cond,
        "m_probability": m,
        "u_probability": u,
        "label_for_charts": label,
    }


def _null(cols: str) -> dict[str, Any]:
    a, b = f"{cols}_l", f"{cols}_r"
    return {"sql_condition": f"{a} IS NULL OR {b} IS NULL", "is_null_level": True,
            "label_for_charts": "missing"}  # fmt: skip


_TITLE_NUMS_DIFFER = "coalesce(title_nums_l, '') <> coalesce(title_nums_r, '')"
_EDIT = (
    "1.0 - levenshtein(title_key_l, title_key_r)::DOUBLE"
    " / greatest(length(title_key_l), length(title_key_r))"
)
_PREFIX = (
    "least(length(title_key_l), length(title_key_r)) >= 20 AND "
    "(starts_with(title_key_l, title_key_r) OR starts_with(title_key_r, title_key_l))"
)

MODEL: list[dict[str, Any]] = [
    {
        "output_column_name": "title",
        "comparison_levels": [
            _null("title_key"),
            _lv(
                "title_key_l = title_key_r AND length(title_key_l) >= 40", 0.6, 2e-6, "exact, long"
            ),
            _lv("title_key_l = title_key_r", 0.25, 2e-5, "exact"),
            _lv(_TITLE_NUMS_DIFFER, 0.002, 0.02, "numbers differ"),
            _lv(f"{_EDIT} >= 0.95", 0.08, 1e-4, "edit>=0.95"),
            _lv(_PREFIX, 0.03, 1e-4, "one is the other's head"),
            _lv(f"{_EDIT} >= 0.88", 0.02, 1e-3, "edit>=0.88"),
            _lv("ELSE", 0.018, 0.978762, "different"),
        ],
    },
    {
        "output_column_name": "year",
        "comparison_levels": [
            _null("year"),
            _lv("year_l = year_r", 0.90, 0.05, "same"),
            _lv("abs(year_l - year_r) = 1", 0.09, 0.09, "one apart"),
            _lv("ELSE", 0.01, 0.86, "further apart"),
        ],
    },
    {
        "output_column_name": "first_author",
        "comparison_levels": [
            _null("surname"),
            _lv("surname_l = surname_r AND initial_l = initial_r", 0.85, 0.002, "surname+initial"),
            _lv("surname_l = surname_r", 0.08, 0.003, "surname"),
            _lv("jaro_winkler_similarity(surname_l, surname_r) >= 0.88", 0.04, 0.01, "surname~"),
            _lv("ELSE", 0.03, 0.985, "different"),
        ],
    },
    {
        "output_column_name": "venue",
        "comparison_levels": [
            _null("venue_key"),
            _lv("venue_norm_l = venue_norm_r", 0.55, 0.01, "exact"),
            _lv("venue_key_l = venue_key_r", 0.35, 0.01, "initials"),
            _lv(
                "jaro_winkler_similarity(venue_norm_l, venue_norm_r) >= 0.9", 0.05, 0.02, "jw>=0.9"
            ),
            _lv("ELSE", 0.05, 0.96, "different"),
        ],
    },
]
"""The comparisons with their fixed m and u probabilities (hand-set from the definition of
each level, checked on the labelled set of ``tests/store/test_work_merge.py``)."""

_BLOCKS = [
    "l.b_title = r.b_title",
    "l.b_head = r.b_head AND l.year = r.year",
    "l.b_tail = r.b_tail",
    "l.b_author = r.b_author",
]


def model_parameters() -> dict[str, Any]:
    """The whole model as recorded in docs and evidence: prior, threshold, blocking rules and
    every level's m, u and match weight ``log2(m/u)``."""
    comps = {}
    for c in MODEL:
        comps[c["output_column_name"]] = [
            {
                "level": lv["label_for_charts"],
                "m": lv.get("m_probability"),
                "u": lv.get("u_probability"),
                "weight": (
                    round(math.log2(lv["m_probability"] / lv["u_probability"]), 2)
                    if "m_probability" in lv
                    else 0.0
                ),
            }
            for lv in c["comparison_levels"]
        ]
    return {
        "prior": PRIOR,
        "threshold": THRESHOLD,
        "block_cap": BLOCK_CAP,
        "blocking_rules": _BLOCKS,
        "comparisons": comps,
    }


_PAIR_SCHEMA = pa.schema(
    [
        ("record_a", pa.string()),
        ("record_b", pa.string()),
        ("match_probability", pa.float64()),
        ("match_weight", pa.float64()),
        ("title_level", pa.int32()),
        ("year_gap", pa.int32()),
        ("doi_l", pa.string()),
        ("doi_r", pa.string()),
        ("evidence", pa.string()),
    ]
)


def score_pairs(features: pa.Table, *, new_ids: pa.Table | None = None) -> pa.Table:
    """Score the blocked record pairs of ``features`` (rows of :func:`feature_sql`) with the
    Splink model; with ``new_ids`` (one column ``unique_id``) keep only pairs with a new
    record. Returns ``record_a < record_b, match_probability, match_weight, title_level,
    evidence`` (JSON of field → match weight) for pairs at or above :data:`THRESHOLD`.

    Runs in a private in-memory DuckDB (Splink creates its own tables there)."""
    from splink import DuckDBAPI, Linker

    if features.num_rows < 2:
        return _PAIR_SCHEMA.empty_table()
    con = duckdb.connect()
    try:
        con.register("_feat_in", features)
        con.execute(
            f"""CREATE TABLE feat AS
            WITH k AS (SELECT *, title_key AS k1, left(title_key, 24) AS k2,
                              right(title_key, 24) AS k3,
                              CASE WHEN surname IS NOT NULL AND year IS NOT NULL
                                   THEN surname || '|' || year || '|' || left(title_key, 3)
                              END AS k4
                       FROM _feat_in)
            SELECT * EXCLUDE (k1, k2, k3, k4),
              CASE WHEN count(*) OVER (PARTITION BY k1) <= {BLOCK_CAP} THEN k1 END AS b_title,
              CASE WHEN count(*) OVER (PARTITION BY k2, year) <= {BLOCK_CAP} THEN k2 END
                  AS b_head,
              CASE WHEN count(*) OVER (PARTITION BY k3) <= {BLOCK_CAP} THEN k3 END AS b_tail,
              CASE WHEN count(*) OVER (PARTITION BY k4) <= {BLOCK_CAP} THEN k4 END AS b_author
            FROM k"""  # noqa: S608 - constants only
        )
        con.unregister("_feat_in")
        settings = {
            "link_type": "dedupe_only",
            "probability_two_random_records_match": PRIOR,
            "retain_intermediate_calculation_columns": True,
            "retain_matching_columns": True,
            "additional_columns_to_retain": ["doi"],
            "blocking_rules_to_generate_predictions": [{"blocking_rule": b} for b in _BLOCKS],
            "comparisons": MODEL,
        }
        db = DuckDBAPI(connection=con)
        linker = Linker(db.register("feat"), settings, log_level=None, validate_settings=False)
        pred = linker.inference.predict(threshold_match_probability=THRESHOLD, warning_mode="never")
        con.execute(f"CREATE TABLE pred AS SELECT * FROM {pred.physical_name}")  # noqa: S608
        if new_ids is not None:
            con.register("_new_ids", new_ids)
            con.execute(
                """DELETE FROM pred WHERE unique_id_l NOT IN (SELECT unique_id FROM _new_ids)
                   AND unique_id_r NOT IN (SELECT unique_id FROM _new_ids)"""
            )
        names = [c["output_column_name"] for c in MODEL]
        ev = ", ".join(f"'{n}': round(mw_{n}, 2)" for n in names)
        rows = con.sql(
            f"""SELECT least(unique_id_l, unique_id_r) AS record_a,
                       greatest(unique_id_l, unique_id_r) AS record_b,
                       match_probability, match_weight,
                       gamma_title AS title_level, abs(year_l - year_r) AS year_gap,
                       doi_l, doi_r,
                       to_json({{{ev}}})::VARCHAR AS evidence
                FROM pred ORDER BY record_a, record_b"""  # noqa: S608 - model names only
        ).to_arrow_table()
        return rows.cast(_PAIR_SCHEMA)
    finally:
        con.close()


def evidence_json(d: dict[str, Any]) -> str:
    """A compact, sorted JSON object (evidence of a deterministic link)."""
    return json.dumps(d, sort_keys=True, separators=(",", ":"))
