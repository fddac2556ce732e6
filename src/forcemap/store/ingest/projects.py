"""Research projects: the forcemap ``projects.csv`` / ``participants.csv`` / ``outputs.csv`` layout.

A project folder holds up to three comma-separated UTF-8 files with a header row (the columns
are documented in ``docs/formats.md`` and in :data:`PROJECT_LAYOUT`; names are matched
case-insensitively, extra columns are ignored, optional columns may be left out):

* ``projects.csv`` (required) — one row per project → table ``projects``;
* ``participants.csv`` — one row per (project, organisation) → ``project_participants``;
* ``outputs.csv`` — one row per (project, work or patent) → ``project_outputs``.

The folder is one atomic batch; files are read in that order so participants and outputs can
refer to the projects of the same folder. Parsing is set-based in DuckDB. Invalid rows are
quarantined with file, line and field: a missing id, a date that is not ``YYYY-MM-DD``, an end
before the start, a budget or contribution that is not a non-negative number, an unknown country
code, an ``output_type`` other than ``work`` / ``patent``, and participants or outputs of a
project that is neither in the folder nor in the store. Country codes are stored as ISO 3166-1
alpha-2 (alpha-3, numeric and the EU's ``UK`` / ``EL`` are converted).

Re-ingesting an identical folder is skipped (checksum); otherwise stored projects are replaced,
not duplicated (see :func:`ingest_projects`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from forcemap.errors import NotFoundError, ParseError, StoreError
from forcemap.store.ingest._csv import (
    checks_sql,
    default_origin,
    number_sql,
    raw_sql,
    read_checksum,
    read_header,
    stage_csv,
)
from forcemap.store.ingest.trade import code_key_sql, country_code_table
from forcemap.store.store import Batch, IngestReport, Store, file_checksum

__all__ = ["PROJECT_FILES", "PROJECT_LAYOUT", "ingest_projects"]

SOURCE = "projects"

PROJECT_LAYOUT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "projects": (
        (
            "project_id",
            "title",
            "programme",
            "start_date",
            "end_date",
            "budget",
            "currency",
            "goals",
            "status",
        ),
        ("project_id",),
    ),
    "participants": (
        ("project_id", "org_id", "name", "role", "type", "country_code", "contribution"),
        ("project_id", "org_id"),
    ),
    "outputs": (
        ("project_id", "output_type", "output_id"),
        ("project_id", "output_type", "output_id"),
    ),
}
"""Per file kind: (all columns in their documented order, required columns)."""

PROJECT_FILES: tuple[str, ...] = ("projects.csv", "participants.csv", "outputs.csv")
"""The file names read from a project folder, in ingest order."""

Progress = Callable[[int, int], None]

_DATE_RE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"


def _kind_of(path: Path) -> str:
    """The file kind from its name (``projects.csv`` …), else from its header."""
    stem = path.name.lower().removesuffix(".gz").removesuffix(".csv")
    if stem in PROJECT_LAYOUT:
        return stem
    header = set(read_header(path, _expected("projects")))
    if "output_type" in header:
        return "outputs"
    if "org_id" in header:
        return "participants"
    return "projects"


def _expected(kind: str) -> str:
    return f"header {','.join(PROJECT_LAYOUT[kind][0])}"


def _files(path: Path) -> list[tuple[str, Path]]:
    if not path.exists():
        raise NotFoundError(f"{path}: no such file or directory")
    if not path.is_dir():
        return [(_kind_of(path), path)]
    found = {f.name.lower(): f for f in path.iterdir() if f.is_file()}
    if "projects.csv" not in found:
        raise NotFoundError(
            f"{path}: no projects.csv in the directory; a project folder holds "
            f"{', '.join(PROJECT_FILES)} (projects.csv required)"
        )
    return [(name.removesuffix(".csv"), found[name]) for name in PROJECT_FILES if name in found]


def _checksum(path: Path, files: list[tuple[str, Path]]) -> str:
    if not path.is_dir():
        return file_checksum(path)
    h = hashlib.sha256()
    for _, f in files:
        h.update(f"{f.name}\t{file_checksum(f)}\n".encode())
    return h.hexdigest()


def ingest_projects(
    store: Store,
    path: str | os.PathLike[str],
    *,
    origin: str | None = None,
    progress: Progress | None = None,
    encoding: str = "utf-8",
) -> IngestReport:
    """Ingest a project folder (or one of its files) into the project tables, atomically.

    Parameters
    ----------
    store
        An open, writable store.
    path
        A directory holding ``projects.csv`` and optionally ``participants.csv`` and
        ``outputs.csv``, or a single one of these files (its kind is taken from its name, else
        from its header).
    origin
        Label stored with every project row; by default ``projects``, or
        ``synthetic:projects`` when the folder belongs to a world written by
        :func:`forcemap.store.synth.write_world` (its ``manifest.json`` says so).
    progress
        Called as ``progress(bytes_done, bytes_total)`` after each file.
    encoding
        The files' text encoding, transcoded to UTF-8 (default ``utf-8``: a record with bytes
        that are not UTF-8 is quarantined with its line).

    Returns
    -------
    IngestReport
        Rows of every file counted: ``read == stored + replaced + rejected + duplicates +
        filtered`` (it holds for each file too), ``read`` counted independently of the CSV
        parser; ``related`` gives the rows written per table.

    Raises
    ------
    NotFoundError
        ``path`` does not exist, or a directory has no ``projects.csv``.
    ParseError
        A file lacks a required column (the message lists them and the expected header), or
        is empty.
    StoreError
        DuckDB failed; nothing of the folder was written.

    Notes
    -----
    The folder is one batch: one transaction and one ``ingest_log`` row (source ``projects``)
    whose checksum covers every file, so an identical folder is skipped and a failure leaves
    the store as it was. Files are read in the order projects, participants, outputs; a
    participant or output must name a project of this folder or one already stored.

    Each file is authoritative for the projects it covers, in its own table: a project already
    stored is replaced; the participants (outputs) of every project of ``projects.csv`` and of
    every project named in ``participants.csv`` (``outputs.csv``) are replaced by the file's
    rows — a table whose file is absent is left alone. A row that replaces a stored row with
    the same key (project; project and organisation; project, type and output id) counts as
    *replaced*; an earlier line repeating a key within a file is a *duplicate* (the last line
    wins).
    """
    p = Path(path)
    files = _files(p)
    headers = {kind: _check_header(f, kind, encoding) for kind, f in files}
    checksum = read_checksum(_checksum(p, files), encoding)
    if store.already_ingested(SOURCE, checksum):
        return IngestReport(source=SOURCE, skipped=[str(p)])
    if origin is None:
        origin = default_origin(p.parent if p.is_dir() else p.parent.parent, SOURCE)
    total = sum(f.stat().st_size for _, f in files)
    started = datetime.now()
    con = store.con
    try:
        with store.batch(SOURCE, p) as b:
            con.register("_pj_cc", country_code_table())
            con.execute("CREATE TEMP TABLE _pj_ids (project_id VARCHAR)")
            counts: dict[str, tuple[int, int, int, int, dict[str, int]]] = {}
            done = 0
            for kind, f in files:
                counts[kind] = _ingest_file(
                    b, f, kind=kind, header=headers[kind], origin=origin, encoding=encoding
                )
                done += f.stat().st_size
                if progress:
                    progress(done, total)
            report = store.finish(
                b,
                checksum=checksum,
                read=sum(c[0] for c in counts.values()),
                stored=sum(c[1] for c in counts.values()),
                replaced=sum(c[2] for c in counts.values()),
                duplicates=sum(c[3] for c in counts.values()),
                filtered={
                    f"{reason} ({kind})": n
                    for kind, c in counts.items()
                    for reason, n in c[4].items()
                },
                started=started,
            )
            report.related = {_TABLE[k]: c[1] + c[2] for k, c in counts.items()}
    except duckdb.Error as e:
        raise StoreError(f"{p}: ingest failed, this folder left the store unchanged: {e}") from e
    finally:
        for t in (*_TEMPS, "_pj_ids"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        con.unregister("_pj_cc")
    q = store.export_quarantine(b.batch_id)
    if q:
        report.quarantine_files.append(str(q))
    return report


def _check_header(path: Path, kind: str, encoding: str) -> list[str]:
    columns, required = PROJECT_LAYOUT[kind]
    header = read_header(path, _expected(kind), encoding=encoding)
    missing = [c for c in required if c not in header]
    if missing:
        raise ParseError(
            f"{kind} file lacks required column(s) {', '.join(missing)}; "
            f"expected header: {','.join(columns)} (required: {', '.join(required)})",
            file=str(path),
            line=1,
        )
    dup = sorted({c for c in header if c in columns and header.count(c) > 1})
    if dup:
        raise ParseError(
            f"column(s) {', '.join(dup)} appear twice in the header", file=str(path), line=1
        )
    return header


_TEMPS = ("_pj_rows", "_pj_v", "_pj_ok")
_TABLE = {
    "projects": "projects",
    "participants": "project_participants",
    "outputs": "project_outputs",
}


def _ingest_file(
    b: Batch, path: Path, *, kind: str, header: list[str], origin: str, encoding: str
) -> tuple[int, int, int, int, dict[str, int]]:
    """Stage, validate, quarantine and write one file; return (records in the file, stored,
    replaced, duplicates, filtered by reason)."""
    con = b.con
    columns = PROJECT_LAYOUT[kind][0]
    present = [c for c in columns if c in header]
    staged = stage_csv(b, path, header, columns, "_pj_rows", encoding=encoding)
    read = staged.records
    _VALIDATE[kind](con)
    con.execute(
        f"""INSERT INTO quarantine
               (batch_id, source, file, line, record_id, field, reason, raw)
            SELECT $b, $s, $f, v.line, v.project_id, v._field, v._reason,
                   left({raw_sql(present, "r")}, 4000)
            FROM (SELECT line, project_id, _field, _reason FROM _pj_v
                  WHERE _reason IS NOT NULL) v
            JOIN _pj_rows r USING (line)""",  # noqa: S608 - allow-listed names only
        {"b": b.batch_id, "s": SOURCE, "f": str(path)},
    )
    stored, replaced, dups = _WRITE[kind](con, b, origin)
    rejected = _count(
        con,
        "SELECT count(*) FROM quarantine WHERE batch_id = $b AND file = $f",
        {"b": b.batch_id, "f": str(path)},
    )
    filtered = sum(staged.filtered.values())
    if read != stored + replaced + rejected + dups + filtered:
        raise StoreError(
            f"{path}: counts do not reconcile: the file holds {read} records != stored "
            f"{stored} + replaced {replaced} + rejected {rejected} + duplicates {dups} + "
            f"filtered {filtered}; nothing was written"
        )
    for t in _TEMPS:
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return read, stored, replaced, dups, staged.filtered


# -- validation: _pj_rows → _pj_v(line, <typed columns>, _field, _reason) -------------------


def _text(col: str) -> str:
    return f"nullif(trim(r.{col}), '') AS {col}"


def _create_v(
    con: duckdb.DuckDBPyConnection,
    select: str,
    checks: list[tuple[str, str, str]],
    joins: str = "",
) -> None:
    field, reason = checks_sql(checks)
    con.execute(
        f"""CREATE TEMP TABLE _pj_v AS
            SELECT *, {field} AS _field, {reason} AS _reason FROM (
              SELECT r.line, {select} FROM _pj_rows r {joins})"""  # noqa: S608 - literals only
    )


def _date_ok(col: str) -> str:
    return (
        f"({col} IS NULL OR (regexp_full_match({col}, '{_DATE_RE}') "
        f"AND try_strptime({col}, '%Y-%m-%d') IS NOT NULL))"
    )


def _validate_projects(con: duckdb.DuckDBPyConnection) -> None:
    select = ", ".join(
        [
            _text("project_id"),
            _text("title"),
            _text("programme"),
            _text("start_date"),
            _text("end_date"),
            "nullif(trim(r.budget), '') AS budget_raw",
            f"{number_sql('r.budget')} AS budget",
            _text("currency"),
            _text("goals"),
            _text("status"),
        ]
    )
    checks = [
        ("project_id IS NULL", "project_id", "missing project_id"),
        (f"NOT {_date_ok('start_date')}", "start_date", "start_date is not a YYYY-MM-DD date"),
        (f"NOT {_date_ok('end_date')}", "end_date", "end_date is not a YYYY-MM-DD date"),
        (
            "CAST(end_date AS DATE) < CAST(start_date AS DATE)",
            "end_date",
            "end_date is before start_date",
        ),
        (
            "budget_raw IS NOT NULL AND (budget IS NULL OR budget < 0)",
            "budget",
            "budget is not a non-negative number",
        ),
    ]
    _create_v(con, select, checks)


def _country_checks() -> tuple[str, str]:
    """SELECT item and JOIN clause mapping ``country_code`` to ISO alpha-2."""
    return (
        "nullif(trim(r.country_code), '') AS country_raw, cc.iso2 AS country_code",
        f"LEFT JOIN _pj_cc cc ON cc.code = {code_key_sql('r.country_code')}",
    )


def _known_project() -> tuple[str, str]:
    return (
        "kp.project_id IS NOT NULL AS known",
        "LEFT JOIN (SELECT DISTINCT project_id FROM projects) kp "
        "ON kp.project_id = nullif(trim(r.project_id), '')",
    )


def _validate_participants(con: duckdb.DuckDBPyConnection) -> None:
    country, cjoin = _country_checks()
    known, kjoin = _known_project()
    select = ", ".join(
        [
            _text("project_id"),
            _text("org_id"),
            _text("name"),
            _text("role"),
            _text("type"),
            country,
            "nullif(trim(r.contribution), '') AS contribution_raw",
            f"{number_sql('r.contribution')} AS contribution",
            known,
        ]
    )
    checks = [
        ("project_id IS NULL", "project_id", "missing project_id"),
        ("org_id IS NULL", "org_id", "missing org_id"),
        (
            "country_raw IS NOT NULL AND country_code IS NULL",
            "country_code",
            "unknown country code",
        ),
        (
            "contribution_raw IS NOT NULL AND (contribution IS NULL OR contribution < 0)",
            "contribution",
            "contribution is not a non-negative number",
        ),
        ("NOT known", "project_id", "unknown project"),
    ]
    _create_v(con, select, checks, f"{cjoin} {kjoin}")


def _validate_outputs(con: duckdb.DuckDBPyConnection) -> None:
    known, kjoin = _known_project()
    select = ", ".join(
        [
            _text("project_id"),
            "lower(nullif(trim(r.output_type), '')) AS output_type",
            # OpenAlex URLs are shortened to the store's ids (W…)
            r"regexp_replace(nullif(trim(r.output_id), ''), '^https?://openalex\.org/', '') "
            "AS output_id",
            known,
        ]
    )
    checks = [
        ("project_id IS NULL", "project_id", "missing project_id"),
        ("output_type IS NULL", "output_type", "missing output_type"),
        (
            "output_type NOT IN ('work', 'patent')",
            "output_type",
            "output_type is not work or patent",
        ),
        ("output_id IS NULL", "output_id", "missing output_id"),
        ("NOT known", "project_id", "unknown project"),
    ]
    _create_v(con, select, checks, kjoin)


_VALIDATE = {
    "projects": _validate_projects,
    "participants": _validate_participants,
    "outputs": _validate_outputs,
}

# -- writing ---------------------------------------------------------------------------------


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> int:
    rows = con.execute(sql, params).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def _dedupe(con: duckdb.DuckDBPyConnection, key: str) -> tuple[int, int]:
    """``_pj_ok``: valid rows, the last line of each key ranked 1; return (kept, in-file dups)."""
    con.execute(
        f"""CREATE TEMP TABLE _pj_ok AS
            SELECT * FROM _pj_v WHERE _reason IS NULL
            QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY line DESC) = 1"""  # noqa: S608
    )
    valid = _count(con, "SELECT count(*) FROM _pj_v WHERE _reason IS NULL")
    kept = _count(con, "SELECT count(*) FROM _pj_ok")
    return kept, valid - kept


def _write_projects(con: duckdb.DuckDBPyConnection, b: Batch, origin: str) -> tuple[int, int, int]:
    kept, in_file = _dedupe(con, "project_id")
    con.execute("INSERT INTO _pj_ids SELECT project_id FROM _pj_ok")
    replaced = _count(
        con, "SELECT count(*) FROM _pj_ok WHERE project_id IN (SELECT project_id FROM projects)"
    )
    con.execute("DELETE FROM projects WHERE project_id IN (SELECT project_id FROM _pj_ok)")
    con.execute(
        """INSERT INTO projects
           SELECT project_id, title, programme, CAST(start_date AS DATE),
                  CAST(end_date AS DATE), budget, currency, goals, status, $origin, $batch
           FROM _pj_ok ORDER BY line""",
        {"origin": origin, "batch": b.batch_id},
    )
    return kept - replaced, replaced, in_file


def _write_children(
    con: duckdb.DuckDBPyConnection, table: str, key: tuple[str, ...], select: str
) -> tuple[int, int, int]:
    """Replace the stored rows of every project of the folder's projects file and of the file
    (``_pj_ok``) by the file's rows; return (stored, replaced, duplicates)."""
    cols = ", ".join(key)
    kept, in_file = _dedupe(con, cols)
    replaced = _count(
        con,
        f"""SELECT count(*) FROM _pj_ok o
            WHERE EXISTS (SELECT 1 FROM {table} t
                          WHERE {" AND ".join(f"t.{k} = o.{k}" for k in key)})""",  # noqa: S608
    )
    con.execute(
        f"""DELETE FROM {table} WHERE project_id IN (
                SELECT project_id FROM _pj_ok UNION SELECT project_id FROM _pj_ids)"""  # noqa: S608
    )
    con.execute(f"INSERT INTO {table} SELECT {select} FROM _pj_ok ORDER BY line")  # noqa: S608
    return kept - replaced, replaced, in_file


def _write_participants(
    con: duckdb.DuckDBPyConnection, b: Batch, origin: str
) -> tuple[int, int, int]:
    return _write_children(
        con,
        "project_participants",
        ("project_id", "org_id"),
        "project_id, org_id, name, role, type, country_code, contribution",
    )


def _write_outputs(con: duckdb.DuckDBPyConnection, b: Batch, origin: str) -> tuple[int, int, int]:
    return _write_children(
        con,
        "project_outputs",
        ("project_id", "output_type", "output_id"),
        "project_id, output_type, output_id",
    )


_WRITE = {
    "projects": _write_projects,
    "participants": _write_participants,
    "outputs": _write_outputs,
}
