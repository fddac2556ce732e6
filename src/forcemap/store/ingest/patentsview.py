"""PatentsView bulk tables (granted patents, 2023+ ``g_`` layout): column layout and reader.

:data:`PATENTSVIEW_TABLES` is the single source of the column layout, also used by the
synthetic world generator. :func:`ingest_patentsview` reads one directory of these tables::

    g_patent.tsv                  patents (required)
    g_application.tsv             filing dates
    g_cpc_current.tsv             CPC classification       -> patent_cpc
    g_assignee_disambiguated.tsv  owners                   -> patent_assignees
    g_inventor_disambiguated.tsv  inventors                -> patent_inventors
    g_location_disambiguated.tsv  cities and countries of assignees and inventors
    g_us_patent_citation.tsv      US patent -> US patent   -> patent_citations
    g_foreign_priority.tsv        foreign priority claims  -> patent_priority
    g_us_rel_doc.tsv              US related documents     -> patent_relations

After the batch is written, holders without a location take their holder's one country and
the patent families are regrouped (:mod:`~forcemap.store.patent_resolution`).

Each table may also be gzipped (``.tsv.gz``) or zipped as downloaded (``.tsv.zip``). Files are
tab-separated with a header row, fields quoted with ``"`` (doubled inside a field); columns are
found by header name, so their order and extra columns do not matter.

Each table file is first split into records by
:func:`~forcemap.store.ingest._physical.scan_csv`, which counts them without DuckDB's quoting
rules (the independent count, ``read``) and quarantines, with its physical line, a record with a
stray or unclosed quote (scanning resumes at the next line), too few or too many fields, bytes
that are not UTF-8, or more than 16 MiB; byte-order marks, CRLF and mixed line ends are read.
DuckDB then parses only the accepted records, set-based; no Python loop touches a row. The
per-table SQL (columns read, value macros, row checks, duplicate keys) is in
:mod:`~forcemap.store.ingest.patentsview_sql`.

The whole directory is one atomic batch (one transaction, one ``ingest_log`` row whose checksum
covers every table file). Every data row of every table file is a record:
``read = stored + replaced + rejected + duplicates + filtered`` holds for each table file and
for the total, and :attr:`IngestReport.related` gives the rows written per table file.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from forcemap.errors import InputError, NotFoundError, ParseError, SchemaError, StoreError
from forcemap.store.ingest._physical import MAX_RECORD, Scan, scan_csv
from forcemap.store.ingest.patentsview_sql import (
    CHECKS,
    CHILD_TARGET,
    DEDUP_KEY,
    KEYS,
    MACROS,
    SEQ_FIELD,
    STAGED,
    USED,
)
from forcemap.store.patent_resolution import (
    fill_holder_countries,
    group_patent_families,
    number_key_sql,
)
from forcemap.store.reference import reference_table
from forcemap.store.store import Batch, IngestReport, Store, file_checksum

__all__ = ["ID_PREFIX", "PATENTSVIEW_TABLES", "ingest_patentsview"]

PATENTSVIEW_TABLES: dict[str, tuple[str, ...]] = {
    "g_patent": (
        "patent_id", "patent_type", "patent_date", "patent_title", "patent_abstract",
        "wipo_kind", "num_claims", "withdrawn", "filename",
    ),
    "g_application": (
        "application_id", "patent_id", "patent_application_type", "filing_date",
        "series_code", "rule_47_flag",
    ),
    "g_cpc_current": (
        "patent_id", "cpc_sequence", "cpc_section", "cpc_class", "cpc_subclass", "cpc_group",
        "cpc_type",
    ),
    "g_assignee_disambiguated": (
        "patent_id", "assignee_sequence", "assignee_id",
        "disambig_assignee_individual_name_first", "disambig_assignee_individual_name_last",
        "disambig_assignee_organization", "assignee_type", "location_id",
    ),
    "g_inventor_disambiguated": (
        "patent_id", "inventor_sequence", "inventor_id", "disambig_inventor_name_first",
        "disambig_inventor_name_last", "gender_code", "location_id",
    ),
    "g_location_disambiguated": (
        "location_id", "disambig_city", "disambig_state", "disambig_country", "latitude",
        "longitude", "county", "state_fips", "county_fips",
    ),
    "g_us_patent_citation": (
        "patent_id", "citation_sequence", "citation_patent_id", "citation_date", "record_name",
        "wipo_kind", "citation_category",
    ),
    "g_foreign_priority": (
        "patent_id", "priority_claim_sequence", "priority_claim_kind", "foreign_application_id",
        "filing_date", "foreign_country_filed",
    ),
    "g_us_rel_doc": (
        "patent_id", "related_doc_number", "published_country", "related_doc_type",
        "related_doc_kind", "related_doc_published_date", "related_doc_status",
        "related_doc_sequence", "wipo_kind",
    ),
}  # fmt: skip

SOURCE = "patentsview"

ID_PREFIX = "patentsview:"
"""Namespace of PatentsView assignee and inventor ids in the store
(``patentsview:<uuid>``, the form project participants use to name an assignee)."""


_SUFFIXES = (".tsv", ".tsv.gz", ".tsv.zip")
_ORPHAN = "patent_id not among the valid patents of g_patent"
_LOOKUP = "location lookup row (stored in the assignee and inventor rows)"
_MAX_SEQ = 32767  # the seq columns of patent_cpc, patent_assignees, patent_inventors: SMALLINT
_TRUNCATED = "truncated compressed stream: the record cut off here (the rest is missing)"

# DuckDB's own rejects of records the scanner accepted (none expected)
_REJECT_REASONS = {
    "MISSING COLUMNS": "malformed CSV: too few fields",
    "TOO MANY COLUMNS": "malformed CSV: too many fields",
    "INVALID ENCODING": "invalid UTF-8",
    "UNQUOTED VALUE": "malformed CSV: bad quoting",
    "LINE SIZE OVER MAXIMUM": "record too large",
}


Progress = Callable[[int, int], None]


@dataclass
class _TableFile:
    table: str
    path: Path  # the file as found (reported in the quarantine; .gz and .zip read as such)
    header: list[str]


@dataclass
class _Counts:
    read: int = 0
    stored: int = 0
    replaced: int = 0
    rejected: int = 0
    duplicates: int = 0
    filtered: dict[str, int] = field(default_factory=dict)
    status: str = "ok"

    @property
    def reconciled(self) -> bool:
        n = self.stored + self.replaced + self.rejected + self.duplicates
        return self.read == n + sum(self.filtered.values())


# -- public entry point -------------------------------------------------------------------


def ingest_patentsview(
    store: Store,
    path: str | os.PathLike[str],
    *,
    origin: str | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest one directory of PatentsView granted-patent tables as one atomic batch.

    Mapping (every id gets its namespace: patents ``US-<patent_id>``, assignees and
    inventors ``patentsview:<id>``):

    * ``g_patent`` → ``patents``: ``kind`` = ``wipo_kind``, ``type`` = ``patent_type``,
      ``grant_date`` = ``patent_date``, ``year`` = its year, ``num_claims``, title, abstract;
      ``filing_date`` from ``g_application``. Withdrawn patents (``withdrawn`` = 1) are not
      stored (quarantined as withdrawn).
    * ``g_cpc_current`` → ``patent_cpc``: ``cpc_group`` is the full symbol (``H01L21/027``),
      stored as ``cpc_subgroup``, with its main group (``H01L21/00``), subclass, class and
      section; ``seq`` is 1-based by ``cpc_sequence``; ``is_first`` marks one row per patent:
      ``cpc_sequence`` 0, else the lowest-sequence inventional symbol.
    * ``g_assignee_disambiguated`` → ``patent_assignees``: ``name`` is the organisation, or
      "first last" for a person; ``type`` from ``assignee_type``: 2, 3 → ``company``;
      4, 5 → ``individual``; 6–9 → ``government`` (1x, part interest, as x); country and
      city from ``g_location_disambiguated`` through ``location_id`` (``country_source``
      ``location``): ``disambig_country`` when it is an ISO 3166-1 code of the shipped
      table, else ``US`` for a US state or territory in ``disambig_state``, else unknown
      (NULL); inventors likewise. A holder without a
      usable location takes the one country its other rows (same ``assignee_id``) have
      (``holder``); else it stays unknown.
    * ``g_inventor_disambiguated`` → ``patent_inventors`` likewise.
    * ``g_foreign_priority`` → ``patent_priority`` (office ``foreign_country_filed``,
      ``foreign_application_id``, ``filing_date``, ``priority_claim_kind``).
    * ``g_us_rel_doc`` → ``patent_relations`` (``related_doc_type`` as ``relation``:
      continuation, division, us-provisional-application …); ``g_application``'s
      ``application_id`` adds each patent's own application as relation ``application``.
      Both feed the patent families (:func:`~forcemap.store.patent_resolution.
      group_patent_families`), regrouped after the batch.
    * ``g_us_patent_citation`` → ``patent_citations`` (``US-<patent_id>`` cites
      ``US-<citation_patent_id>``; the cited patent may be outside the store).

    Parameters
    ----------
    store
        An open, writable store.
    path
        The directory holding the ``g_*.tsv`` (or ``.tsv.gz`` / ``.tsv.zip``) files.
    origin
        Label stored with every patent. Default ``patentsview``, or ``synthetic:patentsview``
        when the directory belongs to a world written by :func:`forcemap.store.synth.write_world`
        (its parent holds that world's ``manifest.json``).
    progress
        Called as ``progress(bytes_done, bytes_total)`` as each table file is read.

    Returns
    -------
    IngestReport
        Reconciled counts over every row of every table file (``read`` = records in the
        files, counted by :func:`~forcemap.store.ingest._physical.scan_csv`); ``related``
        gives the rows written per table file (``g_application``: filing dates set;
        ``g_location_…``: locations loaded, counted as *filtered*: a lookup, not stored by
        itself).

    Raises
    ------
    NotFoundError
        ``path`` does not exist.
    InputError
        ``path`` is not a directory, or holds no ``g_patent`` table.
    SchemaError
        A table lacks a column it needs (names the file and the column).
    ParseError
        A table file has no header line, or DuckDB read fewer records than the scanner
        accepted (names the lines).
    StoreError
        DuckDB failed; nothing of this directory was written.

    Notes
    -----
    - A rejected row goes to ``quarantine`` with its file, physical line (header = 1; a
      record over several lines: its first), record id (the raw ``patent_id`` or
      ``location_id``), field and reason: a row with the wrong number of fields, a stray or
      unclosed quote, bytes that are not UTF-8 or more than 16 MiB (found by the scanner);
      an empty or invalid key, an unparseable date, a number that is not a whole number in
      0..2^31-1 (a text, NaN, inf, 1e400, a fraction), an invalid CPC symbol or assignee
      type; a child row whose patent is not among the valid patents of ``g_patent``; rows
      past the 32,767th of one patent in ``g_cpc_current``, ``g_assignee_…`` or
      ``g_inventor_…`` (their ``seq`` column is a SMALLINT).
    - Duplicates (same key twice in a file: a patent, a location, a patent's CPC / assignee /
      inventor sequence number, a citing–cited pair) are merged: the later line wins.
    - Upserts: a directory identical to one already ingested (same checksums) is skipped; a
      patent already in the store is replaced (counted as *replaced*, not *stored*), and so
      are its CPC, assignee, inventor and citation rows for each of those tables present in
      the directory (a table absent from the directory leaves the stored rows of that table
      alone); a child row counts as replaced when its patent had rows in that table.
    """
    d = Path(path)
    if not d.exists():
        raise NotFoundError(f"{d}: no such file or directory")
    if not d.is_dir():
        raise InputError(
            f"{d}: PatentsView input must be a directory holding g_patent.tsv and its sibling "
            "tables (g_cpc_current.tsv, g_assignee_disambiguated.tsv, ...)"
        )
    found = _find_tables(d)
    if "g_patent" not in found:
        raise InputError(
            f"{d}: no g_patent table (g_patent.tsv, g_patent.tsv.gz or g_patent.tsv.zip) in "
            "this directory; it is required"
        )
    checksum = _directory_checksum(found)
    if store.already_ingested(SOURCE, checksum):
        return IngestReport(source=SOURCE, skipped=[str(d)])
    if origin is None:
        origin = _default_origin(d)
    total = sum(p.stat().st_size for p in found.values())
    started = datetime.now()
    con = store.con
    files = {t: _open_table(t, p) for t, p in found.items()}
    try:
        with store.batch(SOURCE, d) as b:
            for m in MACROS:
                con.execute(m)
            counts, done = {}, 0
            for table in USED:
                if table not in files:
                    continue
                counts[table] = _stage_table(b, files[table])
                done += found[table].stat().st_size
                if progress:
                    progress(done, total)
            _count_replaced(con, counts)
            _write(b, files, origin)
            for table, c in counts.items():
                if not c.reconciled:
                    raise StoreError(
                        f"{files[table].path}: counts do not reconcile: the file holds "
                        f"{c.read} records != stored {c.stored} + replaced {c.replaced} + "
                        f"rejected {c.rejected} + duplicates {c.duplicates} + filtered "
                        f"{sum(c.filtered.values())}; nothing was written"
                    )
            filtered: dict[str, int] = {}
            for c in counts.values():
                for k, v in c.filtered.items():
                    filtered[k] = filtered.get(k, 0) + v
            truncated = [t for t, c in counts.items() if c.status == "truncated"]
            report = store.finish(
                b,
                checksum=checksum,
                read=sum(c.read for c in counts.values()),
                stored=sum(c.stored for c in counts.values()),
                replaced=sum(c.replaced for c in counts.values()),
                duplicates=sum(c.duplicates for c in counts.values()),
                filtered=filtered,
                started=started,
                status="truncated" if truncated else "ok",
            )
            report.related = {
                t: c.stored + c.replaced + c.filtered.get(_LOOKUP, 0) for t, c in counts.items()
            }
    except duckdb.Error as e:
        raise StoreError(f"{d}: ingest failed, this directory left the store unchanged: {e}") from e
    finally:
        _drop_temp(con)
    q = store.export_quarantine(b.batch_id)
    if q:
        report.quarantine_files.append(str(q))
    return report


# -- files ---------------------------------------------------------------------------------


def _find_tables(d: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for table in PATENTSVIEW_TABLES:
        for suffix in _SUFFIXES:
            p = d / f"{table}{suffix}"
            if p.is_file():
                out[table] = p
                break
    return out


def _directory_checksum(found: dict[str, Path]) -> str:
    h = hashlib.sha256()
    for table in sorted(found):
        h.update(f"{found[table].name}\t{file_checksum(found[table])}\n".encode())
    return h.hexdigest()


def _default_origin(d: Path) -> str:
    manifest = d.parent / "manifest.json"
    try:
        doc = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return SOURCE
    synthetic = (
        isinstance(doc, dict)
        and doc.get("synthetic") is True
        and doc.get("generator") == "forcemap.store.synth"
    )
    return f"synthetic:{SOURCE}" if synthetic else SOURCE


def _open_table(table: str, path: Path) -> _TableFile:
    """Read and check the header of a table file (plain, .gz, or one .tsv in a .zip)."""
    header = _read_header(path)
    missing = [c for c in KEYS[table] if c not in header]
    if missing:
        raise SchemaError(
            f"{path}: missing column {missing[0]!r} in the header; {table} needs "
            f"{', '.join(KEYS[table])} (found: {', '.join(header) or 'nothing'})"
        )
    return _TableFile(table, path, header)


def _read_header(path: Path) -> list[str]:
    name = path.name.lower()
    try:
        if name.endswith(".zip"):
            with zipfile.ZipFile(path) as zf:
                members = [i for i in zf.infolist() if not i.is_dir()]
                if len(members) != 1:
                    raise InputError(f"{path}: expected one .tsv file in the zip archive")
                with zf.open(members[0]) as fh:
                    raw = fh.readline(1 << 20)
        else:
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as fh:
                raw = fh.readline(1 << 20)
        line = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError, EOFError, zipfile.BadZipFile) as e:
        raise InputError(f"{path}: cannot read the header line: {e}") from e
    return _header_names(line, path)


def _header_names(line: str, path: Path) -> list[str]:
    if not line.strip():
        raise SchemaError(f"{path}: empty file; expected a tab-separated header line")
    row = next(csv.reader([line.rstrip("\r\n")], delimiter="\t", quotechar='"'))
    return [c.strip().lstrip("\ufeff") for c in row]


# -- staging -------------------------------------------------------------------------------


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _load(b: Batch, tf: _TableFile, scan: Scan) -> None:
    """Read the records ``scan`` accepted into ``_pv_raw(rn, line, <used columns>)``.

    ``line`` is each record's physical line (header = 1). The scanner's rejects are
    quarantined; so is any record DuckDB's reader still refuses (placed on its line through
    its byte position). DuckDB must account for every accepted record, else ParseError.
    """
    con = b.con
    for t in ("_pv_raw0", "_pv_raw", "_pv_rej", "_pv_rej_scan", "_pv_map"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    header = _header_names((scan.header or b"").decode("utf-8"), tf.path)
    pos: dict[str, int] = {}
    for n, c in enumerate(header):
        pos.setdefault(c, n)
    cols = ", ".join(f"'c{n}': 'VARCHAR'" for n in range(len(header)))
    used = ", ".join(
        f"_pv_s(c{pos[c]}) AS {c}" if c in pos else f"NULL::VARCHAR AS {c}" for c in USED[tf.table]
    )
    # PatentsView tables are UTF-8: no other encoding to suggest
    bad: list[tuple[int | None, str | None, str, str]] = [
        (r.line, r.field, r.reason, r.raw) for r in scan.rejects
    ]
    if scan.truncated:  # the record on the last line is cut, whatever else is wrong with it
        bad = [
            (ln, None, _TRUNCATED, raw) if ln == scan.physical_lines else (ln, f, r, raw)
            for ln, f, r, raw in bad
        ]
    con.execute(
        f"""CREATE TEMP TABLE _pv_raw0 AS
            SELECT row_number() OVER () AS rn, {used}
            FROM read_csv($path, columns = {{{cols}}}, delim = '\t', quote = '"',
                          escape = '"', header = true, auto_detect = false,
                          strict_mode = false, ignore_errors = true, parallel = false,
                          max_line_size = $maxline, buffer_size = 2 * $maxline,
                          store_rejects = true, rejects_table = '_pv_rej',
                          rejects_scan = '_pv_rej_scan')""",  # noqa: S608 - c<n> names only
        {"path": str(scan.parse_path), "maxline": MAX_RECORD + 1024},
    )
    lines = pa.table(  # noqa: F841 - queried by name below
        {
            "rn": pa.array(np.arange(1, scan.accepted + 1, dtype=np.int64)),
            "line": pa.array(np.asarray(scan.lines, dtype=np.int64)),
        }
    )
    con.execute("CREATE TEMP TABLE _pv_map AS SELECT * FROM lines")
    rejected = con.execute(
        """SELECT line_byte_position, arg_min(error_type::VARCHAR, column_idx),
                  arg_min(column_name, column_idx), arg_min(csv_line, column_idx)
           FROM _pv_rej GROUP BY ALL ORDER BY 1"""
    ).fetchall()
    for byte_pos, error_type, column, raw in rejected:
        k = max(int(np.searchsorted(scan.offsets, int(byte_pos), side="right")) - 1, 0)
        col = int(column[1:]) if column and column[1:].isdigit() else -1
        bad.append(
            (
                int(scan.lines[k]) if scan.accepted else None,
                header[col] if 0 <= col < len(header) else None,
                _REJECT_REASONS.get(error_type, "malformed CSV"),
                (raw or "").strip("\r\n"),
            )
        )
    _quarantine_lines(b, tf, bad)
    n_raw = _count(con, "SELECT count(*) FROM _pv_raw0")
    if n_raw + len(rejected) != scan.accepted:
        got = {r[0] for r in con.execute("SELECT rn FROM _pv_raw0").fetchall()}
        lost = [int(scan.lines[k - 1]) for k in range(1, scan.accepted + 1) if k not in got]
        raise ParseError(
            f"DuckDB read {n_raw:,} records (+{len(rejected)} rejected) of the "
            f"{scan.accepted:,} accepted; first lines not read: {lost[:10]}",
            file=str(tf.path),
        )
    con.execute(
        """CREATE TEMP TABLE _pv_raw AS
           SELECT r.rn, m.line, r.* EXCLUDE (rn)
           FROM _pv_raw0 r JOIN _pv_map m USING (rn) ORDER BY r.rn"""
    )
    for t in ("_pv_raw0", "_pv_rej", "_pv_rej_scan", "_pv_map"):
        con.execute(f"DROP TABLE IF EXISTS {t}")


def _quarantine_lines(
    b: Batch, tf: _TableFile, rows: list[tuple[int | None, str | None, str, str]]
) -> None:
    """Quarantine ``(line, field, reason, raw)`` rows of the table file ``tf``."""
    if not rows:
        return
    lines, fields, reasons, raws = zip(*rows, strict=True)
    tbl = pa.table(  # noqa: F841 - queried by name below
        {
            "line": pa.array(lines, pa.int64()),
            "field": pa.array(fields, pa.string()),
            "reason": pa.array(reasons, pa.string()),
            "raw": pa.array([r[:4000] for r in raws], pa.string()),
        }
    )
    b.con.execute(
        """INSERT INTO quarantine (batch_id, source, file, line, record_id, field, reason, raw)
           SELECT $b, $s, $f, line, NULL, field, reason, raw FROM tbl""",
        {"b": b.batch_id, "s": b.source, "f": str(tf.path)},
    )


def _quarantine_bad(b: Batch, tf: _TableFile) -> int:
    """Quarantine the rows of ``_pv_chk`` with a reason; return how many there were."""
    con = b.con
    n = _count(con, "SELECT count(*) FROM _pv_chk WHERE reason IS NOT NULL")
    if not n:
        return 0
    raw = " || chr(9) || ".join(f"coalesce(r.{c}, '')" for c in USED[tf.table])
    con.execute(
        f"""INSERT INTO quarantine
               (batch_id, source, file, line, record_id, field, reason, raw)
            SELECT $b, $s, $f, r.line, c.record_id, c.field, c.reason, left({raw}, 4000)
            FROM _pv_chk c JOIN _pv_raw r USING (rn)
            WHERE c.reason IS NOT NULL""",  # noqa: S608 - known column names only
        {"b": b.batch_id, "s": b.source, "f": str(tf.path)},
    )
    return n


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = con.execute(sql).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def _stage_table(b: Batch, tf: _TableFile) -> _Counts:
    """Split, read, check, quarantine and deduplicate one table file into its staging table."""
    con = b.con
    table = tf.table
    with scan_csv(tf.path, delim="\t") as scan:
        _load(b, tf, scan)
        counts = _Counts(
            read=scan.records,
            filtered=dict(scan.filtered),
            status="truncated" if scan.truncated else "ok",
        )
    # the scanner's and the reader's rejects of this file, already quarantined
    counts.rejected = (
        scan.accepted - _count(con, "SELECT count(*) FROM _pv_raw") + len(scan.rejects)
    )
    last = scan.physical_lines if scan.truncated else None
    typed, checks = CHECKS[table]
    if table not in ("g_location_disambiguated", "g_patent"):
        # A child row must belong to a patent stored by this batch.
        checks = [
            *checks,
            ("_pv_pid(patent_id) NOT IN (SELECT pid FROM _pv_pat)", _ORPHAN, "patent_id"),
        ]
    whens = [f"WHEN {cond} THEN '{reason}'" for cond, reason, _ in checks]
    fields = [f"WHEN {cond} THEN '{field}'" for cond, _, field in checks]
    record_id = "location_id" if table == "g_location_disambiguated" else "patent_id"
    con.execute("DROP TABLE IF EXISTS _pv_chk")
    con.execute(
        f"""CREATE TEMP TABLE _pv_chk AS
            SELECT rn, {record_id} AS record_id, {typed},
                   CASE {" ".join(whens)} END AS reason,
                   CASE {" ".join(fields)} END AS field
            FROM _pv_raw"""  # noqa: S608 - fixed expressions only
    )
    if last is not None:  # a cut record may still look valid (a number cut short)
        con.execute(
            """UPDATE _pv_chk SET reason = $r, field = NULL
               WHERE rn IN (SELECT rn FROM _pv_raw WHERE line = $last)""",
            {"r": _TRUNCATED, "last": last},
        )
    staged = STAGED[table]
    con.execute(f"DROP TABLE IF EXISTS {staged}")
    con.execute(
        f"""CREATE TEMP TABLE {staged} AS
            SELECT * EXCLUDE (reason, field, record_id) FROM _pv_chk
            WHERE reason IS NULL
            QUALIFY row_number() OVER (PARTITION BY {DEDUP_KEY[table]} ORDER BY rn DESC) = 1
        """  # noqa: S608 - fixed expressions only
    )
    valid = _count(con, "SELECT count(*) FROM _pv_chk WHERE reason IS NULL")
    kept = _count(con, f"SELECT count(*) FROM {staged}")  # noqa: S608
    if table in SEQ_FIELD:
        # rows past the 32,767th of one patent cannot be numbered: quarantined, not dropped
        con.execute(
            f"""UPDATE _pv_chk SET reason = $r, field = $f WHERE rn IN (
                    SELECT rn FROM {staged}
                    QUALIFY row_number() OVER (PARTITION BY pid
                                               ORDER BY seqnum NULLS LAST, rn) > {_MAX_SEQ})""",  # noqa: S608
            {"r": f"more than {_MAX_SEQ:,} rows for one patent", "f": SEQ_FIELD[table]},
        )
        con.execute(
            f"DELETE FROM {staged} WHERE rn IN "  # noqa: S608
            "(SELECT rn FROM _pv_chk WHERE reason IS NOT NULL)"
        )
    counts.rejected += _quarantine_bad(b, tf)
    if table == "g_location_disambiguated":
        con.execute("ALTER TABLE _pv_loc DROP COLUMN rn")  # a lookup: (loc, country, city)
    counts.stored = _count(con, f"SELECT count(*) FROM {staged}")  # noqa: S608
    counts.duplicates = valid - kept
    return counts


def _count_replaced(con: duckdb.DuckDBPyConnection, counts: dict[str, _Counts]) -> None:
    """Split each table's written rows into stored and replaced, before the store changes.

    A patent (or its filing date) replaces a stored patent of the same id; a child row replaces
    when its patent already has rows in the target table (that patent's rows are replaced as
    a set). Locations are a lookup, never stored by themselves: they count as filtered
    (:data:`_LOOKUP`).
    """
    rows = {
        "g_patent": "SELECT count(*) FROM _pv_pat WHERE 'US-' || pid IN (SELECT patent_id "
        "FROM patents)",
        "g_application": "SELECT count(*) FROM _pv_app WHERE 'US-' || pid IN (SELECT patent_id "
        "FROM patents)",
    }
    for table, (target, key) in CHILD_TARGET.items():
        own = " WHERE relation <> 'application'" if target == "patent_relations" else ""
        rows[table] = (
            f"SELECT count(*) FROM {STAGED[table]} "  # noqa: S608 - fixed names
            f"WHERE 'US-' || pid IN (SELECT {key} FROM {target}{own})"
        )
    for table, c in counts.items():
        if table in rows:
            c.replaced = _count(con, rows[table])
            c.stored -= c.replaced
        else:  # the locations: read into the assignee and inventor rows, not stored as such
            c.filtered[_LOOKUP] = c.filtered.get(_LOOKUP, 0) + c.stored
            c.stored = 0


# -- writing -------------------------------------------------------------------------------


def _write(b: Batch, files: dict[str, _TableFile], origin: str) -> None:
    """Replace the batch's patents (and their rows of the child tables present) in the store."""
    con = b.con
    has_loc = "g_location_disambiguated" in files
    if "g_application" in files:
        filing = "a.filing_date"
        app_join = "LEFT JOIN _pv_app a USING (pid)"
    else:  # keep the filing date a replaced patent had
        filing = "o.filing_date"
        app_join = "LEFT JOIN patents o ON o.patent_id = 'US-' || p.pid"
    con.execute(
        f"""CREATE TEMP TABLE _pv_new AS
            SELECT 'US-' || p.pid AS patent_id, 'US' AS office, p.kind, p.ptype AS type,
                   p.grant_date, {filing} AS filing_date, year(p.grant_date) AS year,
                   p.title, p.abstract, NULL::VARCHAR AS family_id, p.num_claims
            FROM _pv_pat p {app_join}"""  # noqa: S608 - fixed expressions only
    )
    con.execute("DELETE FROM patents WHERE patent_id IN (SELECT patent_id FROM _pv_new)")
    for table, (target, key) in CHILD_TARGET.items():
        if table in files:
            # a patent's own application number (relation 'application') comes from
            # g_application, not from g_us_rel_doc
            own = " AND relation <> 'application'" if target == "patent_relations" else ""
            con.execute(
                f"DELETE FROM {target} WHERE {key} IN (SELECT patent_id FROM _pv_new){own}"  # noqa: S608
            )
    if "g_application" in files:
        con.execute(
            "DELETE FROM patent_relations WHERE relation = 'application' "
            "AND patent_id IN (SELECT patent_id FROM _pv_new)"
        )
    con.execute(
        """INSERT INTO patents
           SELECT patent_id, office, kind, type, grant_date, filing_date, year, title, abstract,
                  family_id, num_claims, $origin, $batch
           FROM _pv_new""",
        {"origin": origin, "batch": b.batch_id},
    )
    loc_join = "LEFT JOIN _pv_loc l USING (loc)" if has_loc else ""
    # a country must be an ISO 3166-1 alpha-2 code of the shipped table, else it is unknown
    iso = pa.table({"iso2": [c for c in reference_table("countries")["iso2"].to_pylist() if c]})
    con.register("_pv_iso", iso)
    country = "CASE WHEN l.country IN (SELECT iso2 FROM _pv_iso) THEN l.country END"
    if not has_loc:
        country = "NULL"
    source = f"CASE WHEN ({country}) IS NOT NULL THEN 'location' END" if has_loc else "NULL"
    city = "l.city" if has_loc else "NULL"
    if "g_cpc_current" in files:
        con.execute(
            r"""INSERT INTO patent_cpc
                SELECT 'US-' || pid,
                       row_number() OVER (PARTITION BY pid ORDER BY seqnum NULLS LAST, rn),
                       symbol, regexp_replace(symbol, '/.*$', '/00'), left(symbol, 4),
                       left(symbol, 3), left(symbol, 1),
                       row_number() OVER (PARTITION BY pid
                                          ORDER BY coalesce(seqnum = 0, false) DESC,
                                                   inventive DESC, seqnum NULLS LAST, rn) = 1
                FROM _pv_cpc_rows"""
        )
    if "g_assignee_disambiguated" in files:
        con.execute(
            f"""INSERT INTO patent_assignees
                   (patent_id, seq, assignee_id, name, type, country_code, city, country_source)
                SELECT 'US-' || pid,
                       row_number() OVER (PARTITION BY pid ORDER BY seqnum NULLS LAST, rn),
                       $prefix || aid, name, atype, {country}, {city}, {source}
                FROM _pv_asg {loc_join}""",  # noqa: S608 - fixed expressions only
            {"prefix": ID_PREFIX},
        )
    if "g_inventor_disambiguated" in files:
        con.execute(
            f"""INSERT INTO patent_inventors
                SELECT 'US-' || pid,
                       row_number() OVER (PARTITION BY pid ORDER BY seqnum NULLS LAST, rn),
                       $prefix || iid, name, {country}, {city}
                FROM _pv_inv {loc_join}""",  # noqa: S608 - fixed expressions only
            {"prefix": ID_PREFIX},
        )
    if "g_us_patent_citation" in files:
        con.execute(
            """INSERT INTO patent_citations
               SELECT 'US-' || pid, 'US-' || cited FROM _pv_cit
               ORDER BY pid, seqnum NULLS LAST, rn"""
        )
    _write_links(con, files)
    fill_holder_countries(con)
    group_patent_families(con)


def _write_links(con: duckdb.DuckDBPyConnection, files: dict[str, _TableFile]) -> None:
    """Priority claims, related documents and each patent's own application number."""
    if "g_foreign_priority" in files:
        con.execute(
            f"""INSERT INTO patent_priority
                SELECT 'US-' || pid,
                       row_number() OVER (PARTITION BY pid ORDER BY seqnum NULLS LAST, rn),
                       country, number, {number_key_sql("PRI", "country", "number")},
                       filing_date, kind
                FROM _pv_pri"""  # noqa: S608 - fixed expressions only
        )
    if "g_us_rel_doc" in files:
        # a related document with a kind code (B1, A1, E ...) is a published document; one
        # without is an application
        doc = number_key_sql("DOC", "country", "number")
        app = number_key_sql("APP", "country", "number")
        con.execute(
            f"""INSERT INTO patent_relations
                SELECT 'US-' || pid,
                       row_number() OVER (PARTITION BY pid ORDER BY seqnum NULLS LAST, rn),
                       relation, country, number,
                       CASE WHEN regexp_full_match(coalesce(kind, ''), '[A-Z][0-9]?')
                            THEN {doc} ELSE {app} END,
                       kind, doc_date, status
                FROM _pv_rel"""  # noqa: S608 - fixed expressions only
        )
    if "g_application" in files:
        con.execute(
            f"""INSERT INTO patent_relations
                SELECT 'US-' || pid, 0, 'application', 'US', app_number,
                       {number_key_sql("APP", "'US'", "app_number")}, NULL, filing_date, NULL
                FROM _pv_app WHERE app_number IS NOT NULL"""  # noqa: S608
        )


_TEMP_TABLES = (
    "_pv_raw0",
    "_pv_raw",
    "_pv_rej",
    "_pv_rej_scan",
    "_pv_map",
    "_pv_chk",
    "_pv_new",
    *STAGED.values(),
)


def _drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    con.unregister("_pv_iso")
    for t in _TEMP_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {t}")
