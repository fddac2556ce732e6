r"""Author disambiguation: one person per scientist across author ids.

A source's author ids split and merge people: OpenAlex gives Marsha M. Linehan four ids in the
SYNERGY sample, and an author read from a bibliographic export has an id per export.
:func:`resolve_persons` groups author ids into persons and records, for every author id, which
person it belongs to and why in ``person_aliases(author_id, person_id, method, score, evidence,
name, orcid)``; pairs of authors that look alike but not enough to merge go to
``person_possible`` so outputs can say "possibly the same person as …".

The method is a Fellegi–Sunter record linkage (Fellegi & Sunter 1969) scored by splink on
DuckDB with **fixed** parameters (no training, so the same store always gives the same
persons):

1. **ORCID.** Authors with the same well-formed ORCID (normalised; a failing check digit is
   counted) are one person. Two different ORCIDs are never one person.
2. **Blocking by compatible names.** Names are folded to ASCII (accents removed from the
   canonical decomposition, ø/ł/ß/æ… transliterated), parsed into surname and given names
   ("Linehan, Marsha M.", "M. M. Linehan", "LINEHAN MM", "Marsha Linehan"; particles such as
   van / de / von stay in the surname; Jr./III dropped; hyphenated given names are two names)
   and blocked on (surname, first initial) and (last surname word, first initial). A pair is
   a candidate when one initials string is a prefix of the other, the given names written out
   on both sides agree, and the two never wrote a work together (co-authors are two people).
3. **Scoring** (:data:`PERSON_COMPARISONS`): name agreement, shared co-authors (by name), shared
   institutions, shared level-1 concepts (or topic subfields), shared venues and the gap
   between the active years; each level adds its Bayes factor :math:`\log_2(m/u)` to the prior
   log-odds :math:`\log_2(\lambda/(1-\lambda))` with :math:`\lambda` =
   :data:`PRIOR_MATCH_PROBABILITY`:

   .. math::  w = \log_2\frac{\lambda}{1-\lambda} + \sum_k \log_2\frac{m_k}{u_k},
              \qquad p = \frac{2^w}{1 + 2^w}.

4. **Clustering.** Pairs with :math:`p \ge` ``match_probability``, the ORCID groups and the
   override joins are joined transitively (connected components). A component that would hold
   two ORCIDs, two authors an override keeps apart, two authors of one work, or two
   incompatible names (a chain "Jun Sun" – "J. Sun" – "Jian Sun") loses its
   weakest match links (those at its lowest probability), round after round, until no
   conflict is left; the cut links stay listed in ``person_possible``.

The full description, parameters and measured quality are in ``docs/resolution.md``
(section *Persons*).

References
----------
Fellegi, I. P. & Sunter, A. B. (1969). A theory for record linkage. *JASA* 64(328),
1183–1210. doi:10.1080/01621459.1969.10501049. Linacre, R. et al. (2022). Splink: free
software for probabilistic record linkage at scale. *International Journal of Population Data
Science* 7(3). doi:10.23889/ijpds.v7i3.1794. Ferreira, A. A., Gonçalves, M. A. & Laender,
A. H. F. (2012). A brief survey of automatic methods for author name disambiguation. *SIGMOD
Record* 41(2), 15–26. doi:10.1145/2350036.2350040.
"""

from __future__ import annotations

import csv
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from forcemap.errors import InputError, NotFoundError, ParseError, SchemaError, StoreError
from forcemap.store import _persons_sql as q
from forcemap.store._versions import bump_versions, tables_fingerprint
from forcemap.store.store import Store, scratch_connection

__all__ = [
    "OVERRIDE_COLUMNS",
    "PERSON_COMPARISONS",
    "PRIOR_MATCH_PROBABILITY",
    "PersonReport",
    "resolve_persons",
]

PRIOR_MATCH_PROBABILITY = 1.0 / (1.0 + 2.0**4)
r"""Prior probability :math:`\lambda` that two candidate authors are one person (log-odds −4)."""

# (level label, SQL condition on the pair's columns, m, u); the first level of each comparison
# with m = u = None is its null level (weight 0). m and u sum to 1 over the other levels.
_Level = tuple[str, str, float | None, float | None]


def _overlap(
    col: str, sizes: tuple[tuple[int, float, float], ...], none: tuple[float, float]
) -> list[_Level]:
    inter = f"len(list_intersect({col}_l, {col}_r))"
    levels: list[_Level] = [("unknown", f"{col}_l IS NULL OR {col}_r IS NULL", None, None)]
    levels += [(f">= {n} shared", f"{inter} >= {n}", m, u) for n, m, u in sizes]
    levels.append(("none shared", "ELSE", none[0], none[1]))
    return levels


PERSON_COMPARISONS: dict[str, list[_Level]] = {
    "name": [
        ("unknown", "given_l IS NULL OR given_r IS NULL", None, None),
        ("same given names", "given_l = given_r AND first_name_l IS NOT NULL", 0.70, 0.30),
        ("same first name", "first_name_l = first_name_r", 0.15, 0.25),
        ("compatible initials", "ELSE", 0.15, 0.45),
    ],
    "name_block": [
        ("unknown", "block_n_l IS NULL OR block_n_r IS NULL", None, None),
        ("<= 2 authors", "greatest(block_n_l, block_n_r) <= 2", 0.30, 0.01),
        ("<= 5 authors", "greatest(block_n_l, block_n_r) <= 5", 0.30, 0.05),
        ("<= 20 authors", "greatest(block_n_l, block_n_r) <= 20", 0.25, 0.20),
        ("<= 100 authors", "greatest(block_n_l, block_n_r) <= 100", 0.10, 0.34),
        ("> 100 authors", "ELSE", 0.05, 0.40),
    ],
    "coauthors": _overlap(
        "coauthors", ((3, 0.30, 0.0003), (2, 0.15, 0.0006), (1, 0.25, 0.008)), (0.30, 0.9911)
    ),
    "institutions": _overlap("insts", ((1, 0.60, 0.02),), (0.40, 0.98)),
    "topics": _overlap("topics", ((3, 0.40, 0.05), (1, 0.45, 0.40)), (0.15, 0.55)),
    "venues": _overlap("venues", ((1, 0.55, 0.10),), (0.45, 0.90)),
    "years": [
        ("unknown", "y0_l IS NULL OR y0_r IS NULL", None, None),
        ("overlap or gap <= 5", "greatest(y0_l, y0_r) - least(y1_l, y1_r) <= 5", 0.85, 0.60),
        ("gap 6-15", "greatest(y0_l, y0_r) - least(y1_l, y1_r) <= 15", 0.13, 0.30),
        ("gap > 15", "ELSE", 0.02, 0.10),
    ],
}
"""The comparisons scored for each candidate pair: per comparison, its levels as (label, SQL
condition on the ``_l`` / ``_r`` columns, m, u), tried in order. The m and u probabilities are
fixed by hand (not trained), so the Bayes factor of a level is :math:`\\log_2(m/u)`: e.g. three
shared co-authors +10.0, one +5.0, none −1.7; a shared institution +4.9; identical given names
+3.8, initials only −2.6."""

OVERRIDE_COLUMNS: tuple[str, ...] = ("author_id", "other_author_id", "action", "reason")
"""Columns of an overrides CSV; ``action`` is ``join`` or ``apart``; ``reason`` is optional."""

_OVERRIDE_SCHEMA = pa.schema(
    [
        ("line", pa.int64()),
        ("author_id", pa.string()),
        ("other_author_id", pa.string()),
        ("action", pa.string()),
        ("reason", pa.string()),
    ]
)

_RESOLVED = ("person_aliases", "person_possible")

_MAX_COAUTHOR_KEY = 20
"""A co-author name key (surname + first initial) held by more author ids than this is not
co-author evidence: sharing a "Wang J" co-author says little about who is who."""
_TEMPS = (
    "_fm_pp_names",
    "_fm_pp_orcid",
    "_fm_pp_as",
    "_fm_pp_feat",
    "_fm_pp_keys",
    "_fm_pp_pairs",
    "_fm_pp_scored",
    "_fm_pp_ovr",
    "_fm_pp_edges",
    "_fm_pp_cc_edges",
    "_fm_pp_cc",
    "_fm_pp_cc_next",
    "_fm_pp_all",
    "_fm_pp_cluster",
    "_fm_pp_conflict",
    "_fm_pp_split",
    "_fm_pp_live",
    "_fm_pp_sub",
)


@dataclass
class PersonReport:
    """What one :func:`resolve_persons` run produced.

    Attributes
    ----------
    authors, persons
        Author ids resolved (rows of ``person_aliases``) and distinct persons.
    merged
        Author ids that share their person with at least one other author id.
    by_method
        Author ids per method (``orcid``, ``match``, ``override``, ``self``).
    candidate_pairs, possible_pairs
        Pairs scored, and pairs written to ``person_possible``.
    unmatchable
        Author ids whose name cannot be compared (empty, a surname of one letter, initials
        only): never matched by name; they merge only through an ORCID or an override.
    not_compared
        Author ids in a name block still larger than ``max_block`` after splitting it by first
        name: not compared by name (very common names at scale).
    invalid_orcids
        Author ids whose ORCID is malformed (not 16 characters of digits and a final digit or
        X, after removing a URL prefix and hyphens): treated as no ORCID.
    orcid_check_failed
        Author ids whose well-formed ORCID fails its ISO 7064 check digit: still used as an
        identifier (e.g. generated ids), but counted.
    conflicts_split
        Clusters that joined two ORCIDs (or two authors kept apart) through a chain of
        matches and were split.
    anonymous_authorships
        Authorships without an author id: they belong to no person (and count for nobody).
    overrides_applied, overrides_unmatched
        Override rows applied, and rows naming an author id absent from the store
        (``"<file>:<line>: <id>"``).
    examples
        A few merged persons with their author ids and evidence.
    parameters
        The parameters of the run (thresholds, caps, prior).
    """

    authors: int = 0
    persons: int = 0
    merged: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    candidate_pairs: int = 0
    possible_pairs: int = 0
    unmatchable: int = 0
    not_compared: int = 0
    invalid_orcids: int = 0
    orcid_check_failed: int = 0
    conflicts_split: int = 0
    anonymous_authorships: int = 0
    overrides_applied: int = 0
    overrides_unmatched: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)


def _read_overrides(path: Path) -> list[dict[str, Any]]:
    """Parse and validate a person overrides CSV into rows with their line numbers."""
    if not path.is_file():
        raise NotFoundError(f"person overrides file {path} does not exist")
    rows: list[dict[str, Any]] = []
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
                        f"{path}: unknown column {col!r} in person overrides; allowed columns "
                        f"are {', '.join(OVERRIDE_COLUMNS)}"
                    )
            for col in OVERRIDE_COLUMNS[:3]:
                if col not in header:
                    raise SchemaError(
                        f"{path}: missing required column {col!r} in person overrides"
                    )
            reader.fieldnames = header
            for rec in reader:
                line = reader.line_num
                if None in rec:
                    raise ParseError("too many fields", file=str(path), line=line)
                row = {c: ((rec.get(c) or "").strip() or None) for c in OVERRIDE_COLUMNS}
                if all(v is None for v in row.values()):
                    continue
                for col in ("author_id", "other_author_id"):
                    if row[col] is None:
                        raise ParseError(f"empty {col}", file=str(path), line=line)
                if row["author_id"] == row["other_author_id"]:
                    raise ParseError(
                        f"author_id and other_author_id are both {row['author_id']!r}",
                        file=str(path),
                        line=line,
                    )
                action = (row["action"] or "").lower()
                if action not in ("join", "apart"):
                    raise ParseError(
                        f"action {row['action']!r} is not 'join' or 'apart'",
                        file=str(path),
                        line=line,
                    )
                row["action"] = action
                row["line"] = line
                rows.append(row)
    except UnicodeDecodeError as e:
        raise ParseError(f"not UTF-8 text: {e}", file=str(path)) from e
    except csv.Error as e:
        raise ParseError(f"malformed CSV: {e}", file=str(path)) from e
    pairs: dict[tuple[str, str], tuple[str, int]] = {}
    for row in rows:
        key = tuple(sorted((str(row["author_id"]), str(row["other_author_id"]))))
        prev = pairs.get((key[0], key[1]))
        if prev is not None and prev[0] != row["action"]:
            raise ParseError(
                f"{key[0]} and {key[1]} are to {prev[0]} on line {prev[1]} and to "
                f"{row['action']} here; keep one",
                file=str(path),
                line=int(row["line"]),
            )
        pairs[(key[0], key[1])] = (str(row["action"]), int(row["line"]))
    return rows


def _splink_settings() -> dict[str, Any]:
    """The splink settings: dedupe, fixed m/u per comparison level, the prior λ."""
    comparisons = []
    for name, levels in PERSON_COMPARISONS.items():
        out = []
        for label, cond, m, u in levels:
            lvl: dict[str, Any] = {"sql_condition": cond, "label_for_charts": label}
            if m is None or u is None:
                lvl["is_null_level"] = True
            else:
                lvl["m_probability"] = m
                lvl["u_probability"] = u
                lvl["fix_m_probability"] = True
                lvl["fix_u_probability"] = True
            out.append(lvl)
        comparisons.append({"output_column_name": name, "comparison_levels": out})
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": comparisons,
        "blocking_rules_to_generate_predictions": [],
        "probability_two_random_records_match": PRIOR_MATCH_PROBABILITY,
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": True,
        "linker_uid": "forcemap_persons",
    }


def _score_pairs(features: pa.Table, pairs: pa.Table) -> pa.Table:
    """Score candidate pairs with splink on a scratch DuckDB; returns (id_l, id_r, p, w,
    evidence), evidence listing each comparison's weight."""
    from splink import DuckDBAPI, Linker

    names = list(PERSON_COMPARISONS)
    out_schema = pa.schema(
        [
            ("id_l", pa.string()),
            ("id_r", pa.string()),
            ("p", pa.float64()),
            ("w", pa.float64()),
            ("evidence", pa.string()),
        ]
    )
    if pairs.num_rows == 0:
        return out_schema.empty_table()
    scon = scratch_connection()
    try:
        scon.execute("SET enable_progress_bar = false")  # a library does not print
        db = DuckDBAPI(scon)
        sdf = db.register(features, table_name="fm_person_features")
        linker = Linker(sdf, _splink_settings(), log_level=None)
        blocked = db.register(pairs, table_name="fm_person_pairs")
        linker.table_management.register_blocked_pairs_for_predict(blocked)
        splink_logger = logging.getLogger("splink")
        level = splink_logger.level
        splink_logger.setLevel(logging.ERROR)
        try:
            pred = linker.inference.predict()
        finally:
            splink_logger.setLevel(level)
        parts = " || ', ' || ".join(
            f"'{n} ' || CASE WHEN mw_{n} >= 0 THEN '+' ELSE '' END || round(mw_{n}, 1)"
            for n in names
        )
        rel = scon.table(pred.physical_name)
        scored = rel.select(
            duckdb.SQLExpression("unique_id_l AS id_l"),
            duckdb.SQLExpression("unique_id_r AS id_r"),
            duckdb.SQLExpression("match_probability AS p"),
            duckdb.SQLExpression("match_weight AS w"),
            duckdb.SQLExpression(
                "'w=' || round(match_weight, 1) || ' (prior ' || "
                f"round({math.log2(PRIOR_MATCH_PROBABILITY / (1 - PRIOR_MATCH_PROBABILITY))}"
                f", 1) || ', ' || {parts} || ')' AS evidence"
            ),
        ).to_arrow_table()
    finally:
        scon.close()
    return scored.cast(out_schema)


def resolve_persons(
    store: Store,
    *,
    overrides: str | Path | None = None,
    match_probability: float = 0.8,
    possible_probability: float = 0.2,
    max_block: int = 200,
    max_work_authors: int = 50,
    examples: int = 5,
) -> PersonReport:
    """Group author ids into persons: ORCID, then a probabilistic match of compatible names.

    Rebuilds ``person_aliases`` and ``person_possible`` entirely, in one transaction (on an
    error the previous resolution is left as it was; a second run gives the same tables). The
    method is in this module's docstring.

    Parameters
    ----------
    store
        An open, writable store.
    overrides
        Optional CSV ``author_id,other_author_id,action[,reason]`` (UTF-8); ``action`` is
        ``join`` (the two author ids are one person, whatever the scores and ORCIDs say) or
        ``apart`` (never the same person: the pair is not linked and, if a chain of matches
        joins them, the cluster is split as for two ORCIDs). Overrides are applied last.
    match_probability
        Least match probability for two authors to be linked (default 0.8, i.e. a match
        weight of +2; 0.9 and 0.95 trade re-joined authors for fewer wrong merges, see
        docs/resolution.md).
    possible_probability
        Least match probability of a pair reported in ``person_possible`` when its authors
        end in different persons (default 0.2).
    max_block
        Most authors in a name block compared pairwise (default 200). A larger block is split
        by first name (or initials); a split block still larger is not compared and its
        authors are counted in ``not_compared``. This bounds the candidate pairs by
        ``max_block² / 2`` per block.
    max_work_authors
        Works with more authors give no co-author evidence (default 50): a 500-author paper
        would make 250,000 co-author links that say nothing about who is who.
    examples
        How many merged persons to quote in the report.

    Returns
    -------
    PersonReport
        Counts, by method, possible pairs and examples. The tables written are
        ``person_aliases(author_id, person_id, method, score, evidence, name, orcid)``, one row
        per author id of ``authors`` ∪ ``authorships``, with ``method`` ``orcid`` (shares a
        valid ORCID with another author id), ``override`` (joined by an override row),
        ``match`` (linked by a pair of probability ≥ ``match_probability``; ``score`` is its
        best such link, ``evidence`` that link's weights) or ``self`` (alone), and
        ``person_possible(author_id, other_author_id, person_id, other_person_id, score,
        evidence)``, one row per pair (``author_id < other_author_id``). The ``person_id`` is
        the author id of the person's representative: the one with an ORCID, else the most
        works, else the smallest id; ``name`` is its name.

    Raises
    ------
    InputError
        A probability outside (0, 1), ``possible_probability > match_probability``, or a cap
        below 2.
    SchemaError, ParseError, NotFoundError
        A bad or missing overrides file (names file, line and column).
    StoreError
        The store is read-only or DuckDB failed (nothing was changed).

    Notes
    -----
    - Authorships without an author id belong to no person; they are counted in
      ``anonymous_authorships`` and stay uncounted by the person-level outputs.
    - Empty names, one-letter surnames and names made only of initials ("J.C.") are never
      matched by name (``unmatchable``): a person needs at least a surname and an initial.
    - An author with a malformed ORCID is treated as having none (``invalid_orcids``); a
      well-formed one failing its check digit still identifies (``orcid_check_failed``).
    """
    if not 0 < possible_probability <= match_probability < 1:
        raise InputError(
            "need 0 < possible_probability <= match_probability < 1, got "
            f"{possible_probability} and {match_probability}"
        )
    if max_block < 2 or max_work_authors < 2:
        raise InputError(
            f"max_block and max_work_authors must be at least 2, got {max_block} and "
            f"{max_work_authors}"
        )
    if store.read_only:
        raise StoreError(f"store {store.path} is open read-only; cannot resolve persons")
    ovr_path = Path(overrides) if overrides is not None else None
    ovr_rows = _read_overrides(ovr_path) if ovr_path is not None else []
    ovr_tbl = pa.Table.from_pylist(ovr_rows, schema=_OVERRIDE_SCHEMA)
    ovr_name = ovr_path.name if ovr_path is not None else ""
    params: dict[str, Any] = {
        "match_probability": match_probability,
        "possible_probability": possible_probability,
        "max_block": max_block,
        "max_work_authors": max_work_authors,
        "max_coauthor_key": _MAX_COAUTHOR_KEY,
        "prior_match_probability": PRIOR_MATCH_PROBABILITY,
        "scorer": "splink (Fellegi-Sunter, fixed m/u)",
    }
    con = store.con
    con.register("_fm_pp_ovr_arrow", ovr_tbl)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            before = tables_fingerprint(con, _RESOLVED)
            report = _resolve(con, ovr_name, params, examples)
            if tables_fingerprint(con, _RESOLVED) != before:
                bump_versions(con, _RESOLVED)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    except duckdb.Error as e:
        raise StoreError(f"person resolution failed on {store.path}: {e}") from e
    finally:
        con.unregister("_fm_pp_ovr_arrow")
        for tmp in _TEMPS:
            con.execute("DROP TABLE IF EXISTS " + tmp)  # names from a fixed allow-list
    report.parameters = params
    return report


def _components(con: duckdb.DuckDBPyConnection, edges_sql: str) -> None:
    """Connected components of the undirected edges ``edges_sql`` (columns a, b) into
    ``_fm_pp_cc(node, comp)``, comp the smallest reachable node id (label propagation with
    pointer jumping, iterated until stable; set-based)."""
    both = f"SELECT a, b FROM ({edges_sql}) UNION SELECT b, a FROM ({edges_sql})"  # noqa: S608
    con.execute("CREATE OR REPLACE TEMP TABLE _fm_pp_cc_edges AS " + both)
    con.execute(q.CC_INIT_SQL)
    while True:
        con.execute(q.CC_STEP_SQL)
        changed = con.execute(
            """SELECT count(*) FROM _fm_pp_cc_next AS n JOIN _fm_pp_cc AS c USING (node)
               WHERE n.comp <> c.comp"""
        ).fetchall()[0][0]
        con.execute("CREATE OR REPLACE TEMP TABLE _fm_pp_cc AS SELECT * FROM _fm_pp_cc_next")
        if not changed:
            return


def _resolve(
    con: duckdb.DuckDBPyConnection, ovr_name: str, params: dict[str, Any], examples: int
) -> PersonReport:
    """The body of the resolution transaction."""
    con.execute(q.NAMES_SQL)
    con.execute(q.ORCID_SQL)
    con.execute(q.AUTHORSHIPS_SQL)
    con.execute(
        q.FEATURES_SQL,
        {"max_work_authors": params["max_work_authors"], "max_coauthor_key": _MAX_COAUTHOR_KEY},
    )
    con.execute(q.KEYS_SQL, {"max_block": params["max_block"]})
    con.execute(q.PAIRS_SQL, {"max_block": params["max_block"]})
    features = con.sql(q.SPLINK_INPUT_SQL).to_arrow_table()
    pairs = con.sql(
        """SELECT '0' AS match_key, id_l AS join_key_l, id_r AS join_key_r
           FROM _fm_pp_pairs ORDER BY id_l, id_r"""
    ).to_arrow_table()
    scored = _score_pairs(features, pairs)
    con.register("_fm_pp_scored_arrow", scored)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _fm_pp_scored AS SELECT * FROM _fm_pp_scored_arrow"
        )
    finally:
        con.unregister("_fm_pp_scored_arrow")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _fm_pp_ovr AS
           SELECT o.*, least(author_id, other_author_id) AS a,
                  greatest(author_id, other_author_id) AS b,
                  EXISTS (SELECT 1 FROM _fm_pp_feat f WHERE f.author_id = o.author_id)
                  AND EXISTS (SELECT 1 FROM _fm_pp_feat f WHERE f.author_id = o.other_author_id)
                      AS matched
           FROM _fm_pp_ovr_arrow AS o"""
    )
    n_split = _cluster(con, params["match_probability"])
    _write(con, ovr_name, params["possible_probability"], params["match_probability"])
    report = _report(con, ovr_name, examples, params["max_block"])
    report.conflicts_split = n_split
    return report


_CONFLICT_SQL = f"""
CREATE OR REPLACE TEMP TABLE _fm_pp_conflict AS
WITH orc AS (
    SELECT c.comp FROM _fm_pp_cc AS c JOIN _fm_pp_feat AS f ON f.author_id = c.node
    WHERE f.orcid IS NOT NULL GROUP BY c.comp HAVING count(DISTINCT f.orcid) > 1
), apart AS (
    SELECT ca.comp FROM _fm_pp_ovr AS o
    JOIN _fm_pp_cc AS ca ON ca.node = o.a JOIN _fm_pp_cc AS cb ON cb.node = o.b
    WHERE o.action = 'apart' AND ca.comp = cb.comp
), cowork AS (
    SELECT c.comp FROM _fm_pp_as AS x JOIN _fm_pp_cc AS c ON c.node = x.author_id
    GROUP BY x.work_id, c.comp HAVING count(DISTINCT x.author_id) > 1
), names AS (
    SELECT DISTINCT cl.comp FROM _fm_pp_cc AS cl
    JOIN _fm_pp_cc AS cr ON cr.comp = cl.comp AND cl.node < cr.node
    JOIN _fm_pp_feat AS fl ON fl.author_id = cl.node
    JOIN _fm_pp_feat AS fr ON fr.author_id = cr.node
    WHERE fl.matchable AND fr.matchable AND NOT ({q.COMPATIBLE_NAMES})
)
SELECT comp FROM orc UNION SELECT comp FROM apart UNION SELECT comp FROM cowork
UNION SELECT comp FROM names
"""  # noqa: S608 - constant SQL

# In each conflicting component, drop its weakest match links (all those at its lowest
# probability); components whose links are all hard (ORCID, override) cannot be split.
_CUT_SQL = """
DELETE FROM _fm_pp_live AS e
USING (
    SELECT c.comp, min(l.p) AS p FROM _fm_pp_live AS l
    JOIN _fm_pp_cc AS c ON c.node = l.a
    WHERE l.kind = 'match' AND c.comp IN (SELECT comp FROM _fm_pp_conflict)
    GROUP BY c.comp
) AS w, _fm_pp_cc AS c
WHERE e.kind = 'match' AND c.node = e.a AND c.comp = w.comp AND e.p = w.p
"""


def _cluster(con: duckdb.DuckDBPyConnection, threshold: float, max_rounds: int = 200) -> int:
    """Persons as clusters, ``_fm_pp_cluster(author_id, ckey)``; returns the number of
    components that had to be split.

    Links: same ORCID and override joins (hard), scored pairs at or above ``threshold``
    (match). Their connected components are the persons, except where a component is in
    conflict: it holds two ORCIDs, two authors an override keeps apart, two authors of the
    same work, or two authors whose names are not compatible (``COMPATIBLE_NAMES``). Such a
    component loses its weakest match links (those at its lowest probability) and is
    recomputed, round after round, until no conflict is left (or only hard links remain).
    """
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _fm_pp_edges AS
           SELECT min(author_id) OVER (PARTITION BY orcid) AS a, author_id AS b, 'orcid' AS kind,
                  1.0 AS p
           FROM _fm_pp_feat WHERE orcid IS NOT NULL
           UNION ALL
           SELECT a, b, 'override', 1.0 FROM _fm_pp_ovr WHERE matched AND action = 'join'
           UNION ALL
           SELECT s.id_l, s.id_r, 'match', s.p FROM _fm_pp_scored AS s
           WHERE s.p >= $t AND NOT EXISTS (
               SELECT 1 FROM _fm_pp_ovr AS o
               WHERE o.action = 'apart' AND o.a = s.id_l AND o.b = s.id_r)""",
        {"t": threshold},
    )
    con.execute("DELETE FROM _fm_pp_edges WHERE a = b")
    _components(con, "SELECT a, b FROM _fm_pp_edges")
    con.execute("CREATE OR REPLACE TEMP TABLE _fm_pp_all AS SELECT * FROM _fm_pp_cc")
    con.execute(_CONFLICT_SQL)
    con.execute("CREATE OR REPLACE TEMP TABLE _fm_pp_split AS SELECT comp FROM _fm_pp_conflict")
    n_split = int(con.execute("SELECT count(*) FROM _fm_pp_split").fetchall()[0][0])
    # the links inside conflicting components, cut round after round
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _fm_pp_live AS
           SELECT e.* FROM _fm_pp_edges AS e JOIN _fm_pp_all AS c ON c.node = e.a
           WHERE c.comp IN (SELECT comp FROM _fm_pp_split)"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _fm_pp_sub AS
           SELECT node, node AS comp FROM _fm_pp_all
           WHERE comp IN (SELECT comp FROM _fm_pp_split)"""
    )
    for _ in range(max_rounds if n_split else 0):
        _components(con, "SELECT a, b FROM _fm_pp_live")
        con.execute(_CONFLICT_SQL)
        n_conflict = con.execute(
            """SELECT count(*) FROM _fm_pp_conflict AS k WHERE EXISTS (
                   SELECT 1 FROM _fm_pp_live AS l JOIN _fm_pp_cc AS c ON c.node = l.a
                   WHERE c.comp = k.comp AND l.kind = 'match')"""
        ).fetchall()[0][0]
        if not n_conflict:
            break
        con.execute(_CUT_SQL)
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE _fm_pp_cc AS SELECT * FROM _fm_pp_sub LIMIT 0")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _fm_pp_cluster AS
           SELECT f.author_id,
                  CASE WHEN a.node IS NULL THEN 's:' || f.author_id
                       WHEN a.comp NOT IN (SELECT comp FROM _fm_pp_split) THEN 'c:' || a.comp
                       ELSE 'k:' || coalesce(k.comp, f.author_id) END AS ckey
           FROM _fm_pp_feat AS f
           LEFT JOIN _fm_pp_all AS a ON a.node = f.author_id
           LEFT JOIN _fm_pp_cc AS k ON k.node = f.author_id"""
    )
    return n_split


_ALIASES_SQL = """
INSERT INTO person_aliases
WITH c AS (
    SELECT c.author_id, c.ckey, f.name, f.orcid, f.n_works,
           count(*) OVER (PARTITION BY c.ckey) AS size,
           count(*) OVER (PARTITION BY c.ckey, f.orcid) AS same_orcid
    FROM _fm_pp_cluster AS c JOIN _fm_pp_feat AS f USING (author_id)
), rep AS (
    SELECT ckey, arg_min(author_id, (orcid IS NULL, -n_works, length(author_id), author_id))
               AS person_id,
           arg_min(name, (orcid IS NULL, -n_works, length(author_id), author_id)) AS pname
    FROM c GROUP BY ckey
), ovr AS (
    SELECT x.author_id, min('override:' || $file || ':' || o.line
                            || coalesce(': ' || o.reason, '')) AS ev
    FROM c AS x
    JOIN _fm_pp_ovr AS o ON o.action = 'join' AND o.matched
        AND (o.author_id = x.author_id OR o.other_author_id = x.author_id)
    JOIN c AS y ON y.ckey = x.ckey AND y.author_id <> x.author_id
        AND (o.author_id = y.author_id OR o.other_author_id = y.author_id)
    GROUP BY x.author_id
), best AS (
    SELECT x.author_id,
           arg_max(y.author_id || ' ' || s.evidence, (s.p, y.author_id)) AS ev, max(s.p) AS p
    FROM c AS x
    JOIN (SELECT id_l AS a, id_r AS b, p, evidence FROM _fm_pp_scored WHERE p >= $t
          UNION ALL SELECT id_r, id_l, p, evidence FROM _fm_pp_scored WHERE p >= $t) AS s
      ON s.a = x.author_id
    JOIN c AS y ON y.author_id = s.b AND y.ckey = x.ckey
    GROUP BY x.author_id
)
SELECT c.author_id, rep.person_id,
       CASE WHEN c.size = 1 THEN 'self'
            WHEN c.orcid IS NOT NULL AND c.same_orcid > 1 THEN 'orcid'
            WHEN ovr.ev IS NOT NULL THEN 'override'
            WHEN best.p IS NOT NULL THEN 'match'
            ELSE 'self' END AS method,
       CASE WHEN c.size = 1 THEN NULL
            WHEN c.orcid IS NOT NULL AND c.same_orcid > 1 THEN 1.0
            WHEN ovr.ev IS NOT NULL THEN 1.0
            ELSE best.p END AS score,
       CASE WHEN c.size = 1 THEN 'orcid:' || c.orcid
            WHEN c.orcid IS NOT NULL AND c.same_orcid > 1 THEN 'orcid:' || c.orcid
            WHEN ovr.ev IS NOT NULL THEN ovr.ev
            WHEN best.ev IS NOT NULL THEN 'link ' || best.ev END AS evidence,
       rep.pname, c.orcid
FROM c JOIN rep USING (ckey)
LEFT JOIN ovr USING (author_id)
LEFT JOIN best USING (author_id)
ORDER BY rep.person_id, c.author_id
"""

_POSSIBLE_SQL = """
INSERT INTO person_possible
SELECT s.id_l, s.id_r, a.person_id, b.person_id, s.p, s.evidence
FROM _fm_pp_scored AS s
JOIN person_aliases AS a ON a.author_id = s.id_l
JOIN person_aliases AS b ON b.author_id = s.id_r
WHERE s.p >= $pp AND a.person_id <> b.person_id
ORDER BY s.id_l, s.id_r
"""


def _write(con: duckdb.DuckDBPyConnection, ovr_name: str, possible: float, match: float) -> None:
    con.execute("DELETE FROM person_aliases")
    con.execute("DELETE FROM person_possible")
    con.execute(_ALIASES_SQL, {"file": ovr_name, "t": match})
    con.execute(_POSSIBLE_SQL, {"pp": possible})


def _report(con: duckdb.DuckDBPyConnection, ovr_name: str, k: int, max_block: int) -> PersonReport:
    def one(sql: str, params: dict[str, Any] | None = None) -> int:
        row = con.execute(sql, params).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    rep = PersonReport(
        authors=one("SELECT count(*) FROM person_aliases"),
        persons=one("SELECT count(DISTINCT person_id) FROM person_aliases"),
        merged=one(
            """SELECT count(*) FROM person_aliases WHERE person_id IN (
                   SELECT person_id FROM person_aliases GROUP BY person_id HAVING count(*) > 1)"""
        ),
        candidate_pairs=one("SELECT count(*) FROM _fm_pp_pairs"),
        possible_pairs=one("SELECT count(*) FROM person_possible"),
        unmatchable=one("SELECT count(*) FROM _fm_pp_feat WHERE NOT matchable"),
        not_compared=one(
            "SELECT count(*) FROM (SELECT author_id FROM _fm_pp_keys GROUP BY author_id "
            "HAVING min(n_block) > $m)",
            {"m": max_block},
        ),
        invalid_orcids=one(
            "SELECT count(*) FROM _fm_pp_feat WHERE has_raw_orcid AND orcid IS NULL"
        ),
        orcid_check_failed=one("SELECT count(*) FROM _fm_pp_feat WHERE NOT check_ok"),
        anonymous_authorships=one(
            "SELECT count(*) FROM authorships WHERE author_id IS NULL OR trim(author_id) = ''"
        ),
        overrides_applied=one("SELECT count(*) FROM _fm_pp_ovr WHERE matched"),
    )
    rep.by_method = {
        str(m): int(n)
        for m, n in con.execute(
            "SELECT method, count(*) FROM person_aliases GROUP BY method ORDER BY method"
        ).fetchall()
    }
    rep.overrides_unmatched = [
        f"{ovr_name}:{line}: {a} {b}"
        for line, a, b in con.execute(
            "SELECT line, author_id, other_author_id FROM _fm_pp_ovr WHERE NOT matched "
            "ORDER BY line"
        ).fetchall()
    ]
    rep.examples = [
        f"{pid} {name}: {members}"
        for pid, name, members in con.execute(
            """SELECT person_id, any_value(name),
                      string_agg(author_id || ' (' || method || ')', ' + ' ORDER BY author_id)
               FROM person_aliases GROUP BY person_id HAVING count(*) > 1
               ORDER BY count(*) DESC, person_id LIMIT $k""",
            {"k": k},
        ).fetchall()
    ]
    return rep
