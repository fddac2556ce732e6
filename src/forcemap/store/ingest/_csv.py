"""CSV staging shared by the trade, projects and CORDIS readers: header, records, SQL helpers.

Records are split by :func:`forcemap.store.ingest._physical.scan_csv` (an independent count,
quarantine of malformed, undecodable and oversized records with their physical lines) before
DuckDB reads them, so no stray quote or odd byte can make rows vanish.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import duckdb
import numpy as np
import pyarrow as pa

from forcemap.errors import ParseError
from forcemap.store.ingest._physical import MAX_RECORD, scan_csv
from forcemap.store.store import Batch

__all__ = [
    "Staged",
    "checks_sql",
    "csv_field_sql",
    "default_origin",
    "missing_sql",
    "number_sql",
    "raw_sql",
    "read_checksum",
    "read_header",
    "stage_csv",
]

# upper-cased, trimmed values read as missing; not NaN, which is a value that is not a number
# (quarantined as such, naming the field)
_MISSING = "('', 'NA', 'N/A', 'NULL')"


def read_checksum(checksum: str, encoding: str) -> str:
    """The checksum that recognises a file already ingested *as read with* ``encoding``: a
    file read once as UTF-8 (its odd bytes quarantined) and again with ``--encoding latin-1``
    is a new reading, not a file to skip."""
    enc = encoding.lower().replace("_", "-")
    return checksum if enc in ("utf-8", "utf8") else f"{checksum}:{enc}"


def read_header(
    path: Path, expected: str, *, delim: str = ",", encoding: str = "utf-8"
) -> list[str]:
    """The header of a CSV file (its first non-blank line): names stripped of spaces and a
    BOM, lower-cased.

    Only the header line is decoded, so a byte that is not ``encoding`` later in the file is
    that record's problem (quarantined by :func:`stage_csv`), not the header's. ``delim`` is the
    field separator (``,``; CORDIS uses ``;``, Comtrade bulk files a tab).

    Raises
    ------
    ParseError
        The file is empty, compressed and unreadable, or its header line is not ``encoding``
        text (``expected`` is put in the message).
    """
    try:
        with _open_binary(path) as fh:
            first = b""
            while not first.strip():
                first = fh.readline(1 << 20)
                if not first:
                    break
    except (OSError, EOFError, zipfile.BadZipFile) as e:
        raise ParseError(
            f"cannot read the header ({e}); expected {expected}", file=str(path)
        ) from e
    if not first.strip():
        raise ParseError(f"empty file or blank header line; expected {expected}", file=str(path))
    try:
        text = first.removeprefix(b"\xef\xbb\xbf").decode(encoding)
    except (UnicodeDecodeError, LookupError) as e:
        raise ParseError(
            f"the header line is not {encoding} text ({e}); give the file's encoding "
            f"(e.g. --encoding latin-1); expected {expected}",
            file=str(path),
            line=1,
        ) from e
    row = next(csv.reader(io.StringIO(text), delimiter=delim))
    return [c.strip().lstrip("\ufeff").lower() for c in row]


def _open_binary(path: Path) -> BinaryIO:
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if name.endswith(".zip"):
        zf = zipfile.ZipFile(path)
        members = [i for i in zf.infolist() if not i.is_dir()]
        if len(members) != 1:
            raise ParseError(
                f"zip archive holds {len(members)} files; expected one data file",
                file=str(path),
            )
        return zf.open(members[0])  # type: ignore[return-value] # ZipExtFile is a binary stream
    return open(path, "rb")


def default_origin(world: Path, source: str) -> str:
    """``synthetic:<source>`` when ``world/manifest.json`` marks a synthetic world, else
    ``source``."""
    try:
        doc = json.loads((world / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return source
    synthetic = (
        isinstance(doc, dict)
        and doc.get("synthetic") is True
        and doc.get("generator") == "forcemap.store.synth"
    )
    return f"synthetic:{source}" if synthetic else source


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> int:
    rows = con.execute(sql, params).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


# The field separators stage_csv reads, with the regexes of a quote that opens a field (after a
# separator or at the line start) and of one that closes a field (before a separator or at the
# line end). They are counted separately, so the quotes of '";"' count twice, not once.
_DELIMS: dict[str, tuple[str, str]] = {
    ",": ('(^|,)"', '"(,|$)'),
    ";": ('(^|;)"', '"(;|$)'),
    "\t": ('(^|\t)"', '"(\t|$)'),
}


def csv_field_sql(col: str, delim: str = ",") -> str:
    """SQL writing one VARCHAR column back as a CSV field (quoted when needed, NULL → '')."""
    if delim not in _DELIMS:
        raise ValueError(f"unsupported CSV delimiter {delim!r}")
    return (
        f"""CASE WHEN {col} IS NULL THEN '' WHEN regexp_matches({col}, '["{delim}\\r\\n]') """
        f"""THEN '"' || replace({col}, '"', '""') || '"' ELSE {col} END"""
    )


def raw_sql(columns: Sequence[str], alias: str, delim: str = ",") -> str:
    """SQL rebuilding a staged record as a CSV line (for the quarantine's ``raw``)."""
    if not columns:
        return "''"
    fields = ", ".join(csv_field_sql(f'{alias}."{c}"', delim) for c in columns)
    return f"concat_ws('{delim}', {fields})"


_REJECT_REASONS = {
    "MISSING COLUMNS": "malformed CSV: too few fields",
    "TOO MANY COLUMNS": "malformed CSV: too many fields",
    "UNQUOTED VALUE": "malformed CSV: bad quoting",
    "INVALID ENCODING": "invalid UTF-8",
    "LINE SIZE OVER MAXIMUM": "record too large",
}

_STAGE_TEMPS = ("_csv_raw", "_csv_rj", "_csv_rs", "_csv_map")


@dataclass(frozen=True)
class Staged:
    """What :func:`stage_csv` found in a file.

    ``records`` is the independent count of the records the file holds (see
    :mod:`forcemap.store.ingest._physical`), to pass to ``Store.finish`` as ``read``;
    ``filtered`` the records left out by design (a repeated header line), by reason;
    ``status`` is ``truncated`` when a compressed file was cut (the records before the cut are
    staged), else ``ok``.
    """

    records: int
    filtered: dict[str, int]
    status: str


def stage_csv(
    b: Batch,
    path: Path,
    header: Sequence[str],
    wanted: Sequence[str],
    table: str,
    *,
    delim: str = ",",
    encoding: str = "utf-8",
) -> Staged:
    """Load a CSV file into the temp table ``table(line, <wanted>…)``, all VARCHAR.

    ``header`` is the file's (normalised) header from :func:`read_header`; ``wanted`` the layout's
    columns (a wanted column absent from the file is NULL; file columns not wanted are dropped).
    ``line`` is the physical 1-based line number of the record's first line (the header is line
    1). ``delim`` is the field separator: ``,``, ``;`` or a tab; ``encoding`` the file's text
    encoding (transcoded to UTF-8 first).

    The file is first split into records by :func:`~forcemap.store.ingest._physical.scan_csv`,
    which counts them without DuckDB's quoting rules and quarantines, each with its physical
    line, records that are malformed (a stray quote that would swallow the following lines —
    scanning resumes at the next line —, too few or too many fields, text after a closing
    quote), not UTF-8, or over the size limit. DuckDB then reads only the accepted records.

    Raises
    ------
    ParseError
        The header line is missing or malformed, or DuckDB read a different number of records
        than the scanner accepted (the message names the first lines concerned).
    """
    con = b.con
    _drop(con, _STAGE_TEMPS)
    cols = ", ".join(f"'c{n}': 'VARCHAR'" for n in range(len(header)))
    pos = {name: n for n, name in enumerate(header)}
    select = ", ".join(
        (f'c{pos[w]} AS "{w}"' if w in pos else f'NULL::VARCHAR AS "{w}"') for w in wanted
    )
    if delim not in _DELIMS:
        raise ValueError(f"unsupported CSV delimiter {delim!r}; one of {sorted(_DELIMS)!r}")
    with scan_csv(path, delim=delim, encoding=encoding, encoding_hint=True) as scan:
        b.reject_scan(scan)
        params = {"path": str(scan.parse_path), "maxline": MAX_RECORD + 1024, "delim": delim}
        try:
            con.execute(
                f"""CREATE TEMP TABLE _csv_raw AS
                    SELECT row_number() OVER () AS rn, {select}
                    FROM read_csv($path, columns = {{{cols}}}, header = true,
                                  auto_detect = false, delim = $delim, quote = '"',
                                  escape = '"', strict_mode = false, ignore_errors = true,
                                  store_rejects = true, rejects_table = '_csv_rj',
                                  rejects_scan = '_csv_rs', max_line_size = $maxline,
                                  buffer_size = 2 * $maxline, parallel = false)""",  # noqa: S608
                params,
            )
        except duckdb.InvalidInputException as e:
            raise ParseError(f"cannot read as CSV: {e}", file=str(path)) from e
        lines = pa.table(  # noqa: F841 - queried by name below
            {
                "rn": pa.array(np.arange(1, scan.accepted + 1, dtype=np.int64)),
                "line": pa.array(scan.lines),
            }
        )
        con.execute("CREATE TEMP TABLE _csv_map AS SELECT * FROM lines")
        # DuckDB's own rejects (none expected after the scan): placed on the physical line of
        # the record that holds their byte position
        rj = con.execute(
            """SELECT line_byte_position, arg_min(error_type::VARCHAR, column_idx),
                      arg_min(column_name, column_idx), arg_min(csv_line, column_idx)
               FROM _csv_rj GROUP BY ALL ORDER BY 1"""
        ).fetchall()
        for byte_pos, error_type, column, raw in rj:
            k = max(int(np.searchsorted(scan.offsets, int(byte_pos), side="right")) - 1, 0)
            b.reject(
                _REJECT_REASONS.get(error_type, "malformed CSV"),
                line=int(scan.lines[k]) if scan.accepted else None,
                field=None if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS") else column,
                raw=(raw or "").strip("\r\n"),
            )
        n_raw = _count(con, "SELECT count(*) FROM _csv_raw")
        if n_raw + len(rj) != scan.accepted:
            got = {
                int(r[0])
                for r in con.execute(
                    "SELECT m.line FROM _csv_raw r JOIN _csv_map m USING (rn)"
                ).fetchall()
            }
            lost = [int(x) for x in scan.lines if int(x) not in got][:10]
            raise ParseError(
                f"DuckDB read {n_raw:,} records (+{len(rj)} rejected) of the {scan.accepted:,} "
                f"the file holds after quarantine; first lines not read: {lost}",
                file=str(path),
            )
        con.execute(
            f"""CREATE TEMP TABLE "{table}" AS
                SELECT m.line, r.* EXCLUDE (rn)
                FROM _csv_raw r JOIN _csv_map m USING (rn) ORDER BY m.line"""  # noqa: S608
        )
        _drop(con, _STAGE_TEMPS)
        return Staged(
            records=scan.records,
            filtered=dict(scan.filtered),
            status="truncated" if scan.truncated else "ok",
        )


def _drop(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> None:
    for t in tables:
        con.execute(f"DROP TABLE IF EXISTS {t}")


def checks_sql(checks: Sequence[tuple[str, str, str]]) -> tuple[str, str]:
    """``CASE`` expressions for the field and reason of the first failing check.

    ``checks`` are ``(condition_sql, field, reason)``; field and reason are literals from the
    readers (never user input).
    """
    field = " ".join(f"WHEN {c} THEN '{f}'" for c, f, _ in checks)
    reason = " ".join(f"WHEN {c} THEN '{r}'" for c, _, r in checks)
    return f"CASE {field} END", f"CASE {reason} END"


def number_sql(expr: str) -> str:
    """SQL: the trimmed value as DOUBLE (NULL when missing or not a finite number)."""
    return (
        f"CASE WHEN isfinite(TRY_CAST(trim({expr}) AS DOUBLE)) "
        f"THEN TRY_CAST(trim({expr}) AS DOUBLE) END"
    )


def missing_sql(expr: str) -> str:
    """SQL: true when the value is empty or a missing-value marker (``NA``…)."""
    return f"coalesce(upper(trim({expr})) IN {_MISSING}, true)"
