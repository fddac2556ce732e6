"""OpenAlex works and institutions: snapshot part files and API result pages.

Accepted inputs (files or directories, searched recursively):

* the snapshot layout: ``works/updated_date=YYYY-MM-DD/part_NNN.gz`` (gzipped JSON Lines, one
  work per line) and ``institutions/updated_date=…/part_NNN.gz`` (institution entities);
* plain or gzipped JSON Lines files (``.jsonl``, ``.ndjson``, ``.jsonl.gz``…) of works;
* API result pages (``.json``): ``{"meta": {…}, "results": [ … ]}``.

Both the 2023 schema (``concepts``, ``host_venue``) and the 2024 schema (``topics``,
``primary_topic``, ``primary_location``) are read; abstracts are rebuilt from
``abstract_inverted_index``. Parsing is set-based in DuckDB: every line is read with its line
number, validated, and transformed with one explicit JSON structure; nothing is parsed twice.

Each file is one atomic batch. ``read`` is an independent count of the records the file holds:
its non-blank physical lines (:func:`~forcemap.store.ingest._physical.scan_lines`, which also
quarantines lines that are not UTF-8 or over the size limit, and strips byte-order marks), or for
an API page the elements of its ``results`` array, split by a compiled bracket-and-string scanner
that shares nothing with the JSON parser. Lines that are not JSON, records without a valid id,
and fields of the wrong type, out of their column's range (``cited_by_count`` >= 2^31, a
concept ``level`` above 32,767, a year outside -9999..9999), not a finite number (NaN, inf) or
not a valid date are quarantined with file, line (for API pages: the record's number), field
and reason; nothing is stored as a silent NULL. A work not yet stored is *stored*; one that
replaces an older stored copy (older ``updated_date``) is *replaced*; one whose stored copy is as
new or newer, or that repeats in the file (the newest, then the later line, wins), is a
*duplicate*.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from forcemap.errors import NotFoundError, ParseError, StoreError
from forcemap.store.ingest._physical import MAX_RECORD, Scan, scan_lines
from forcemap.store.store import Batch, IngestReport, Store, file_checksum

__all__ = ["find_openalex_files", "ingest_openalex"]

SOURCE = "openalex"

# Numbers are read as their JSON text ("VARCHAR") and checked against their column's range
# (_NUMBERS) before they are cast, so an overflow, NaN or a text is a quarantined record, never
# a file refused by a cast or a silent NULL.
_WORK_STRUCT = json.dumps(
    {
        "id": "VARCHAR",
        "doi": "VARCHAR",
        "title": "VARCHAR",
        "display_name": "VARCHAR",
        "publication_year": "VARCHAR",
        "publication_date": "VARCHAR",
        "type": "VARCHAR",
        "language": "VARCHAR",
        "cited_by_count": "VARCHAR",
        "updated_date": "VARCHAR",
        "primary_location": {"source": {"id": "VARCHAR", "display_name": "VARCHAR"}},
        "host_venue": {"id": "VARCHAR", "display_name": "VARCHAR"},
        "authorships": [
            {
                "author_position": "VARCHAR",
                "author": {"id": "VARCHAR", "display_name": "VARCHAR", "orcid": "VARCHAR"},
                "institutions": [
                    {
                        "id": "VARCHAR",
                        "display_name": "VARCHAR",
                        "ror": "VARCHAR",
                        "country_code": "VARCHAR",
                        "type": "VARCHAR",
                        "lineage": ["VARCHAR"],
                    }
                ],
                "countries": ["VARCHAR"],
                "is_corresponding": "BOOLEAN",
                "raw_affiliation_string": "VARCHAR",
                "raw_affiliation_strings": ["VARCHAR"],
            }
        ],
        "concepts": [
            {"id": "VARCHAR", "display_name": "VARCHAR", "level": "VARCHAR", "score": "VARCHAR"}
        ],
        "topics": [
            {
                "id": "VARCHAR",
                "display_name": "VARCHAR",
                "score": "VARCHAR",
                "subfield": {"id": "VARCHAR"},
                "field": {"id": "VARCHAR"},
                "domain": {"id": "VARCHAR"},
            }
        ],
        "primary_topic": {"id": "VARCHAR"},
        "referenced_works": ["VARCHAR"],
        "abstract_inverted_index": "MAP(VARCHAR, VARCHAR[])",
    }
)

_INSTITUTION_STRUCT = json.dumps(
    {
        "id": "VARCHAR",
        "ror": "VARCHAR",
        "display_name": "VARCHAR",
        "type": "VARCHAR",
        "country_code": "VARCHAR",
        "geo": {"city": "VARCHAR", "country_code": "VARCHAR"},
        "updated_date": "VARCHAR",
        "lineage": ["VARCHAR"],
        "associated_institutions": [
            {
                "id": "VARCHAR",
                "ror": "VARCHAR",
                "display_name": "VARCHAR",
                "country_code": "VARCHAR",
                "type": "VARCHAR",
                "relationship": "VARCHAR",
            }
        ],
    }
)

# Fields whose JSON type is checked: (field, path, accepted json_type values). A field of
# another type transforms to NULL; only then is its JSON type looked up.
_WORK_TYPED = (
    ("referenced_works", "referenced_works", ("ARRAY",)),
    ("authorships", "authorships", ("ARRAY",)),
    ("concepts", "concepts", ("ARRAY",)),
    ("topics", "topics", ("ARRAY",)),
    ("abstract_inverted_index", "abstract_inverted_index", ("OBJECT",)),
)

# Numeric fields: (field, list in the record or None, element field or value, lowest, highest,
# integer). The range is the store column's (INTEGER, SMALLINT) or a plausible one (years);
# a DOUBLE must be finite.
_I32 = 2**31 - 1
_NUMBERS: tuple[tuple[str, str | None, str, float | None, float | None, bool], ...] = (
    ("publication_year", None, "j.publication_year", -9999, 9999, True),
    ("cited_by_count", None, "j.cited_by_count", 0, _I32, True),
    ("concepts.level", "j.concepts", "level", 0, 32767, True),
    ("concepts.score", "j.concepts", "score", None, None, False),
    ("topics.score", "j.topics", "score", None, None, False),
)
# Dates: (field, SQL type); a present value must cast.
_DATES = (("publication_date", "DATE"), ("updated_date", "TIMESTAMP"))
_MAX_AUTHORS = 32767  # authorships.author_seq is a SMALLINT

_OA = r"regexp_replace({}, '^https?://openalex\.org/', '')"
_ROR = r"regexp_replace({}, '^https?://ror\.org/', '')"
_LAST = r"regexp_extract({}, '([^/]+)$', 1)"
_TRUNCATED = "truncated compressed stream: the rest of the file is missing"
_TRUNCATED_PAGE = "truncated API page: the document ends inside this record"

Progress = Callable[[int, int], None]


def find_openalex_files(paths: Iterable[str | os.PathLike[str]]) -> list[tuple[Path, str]]:
    """Expand files and directories into ``(file, entity)`` pairs, entity ``works`` or
    ``institutions`` (an ``institutions`` folder in the path marks institution entities).

    Raises
    ------
    NotFoundError
        A path does not exist, or a directory holds no OpenAlex files.
    """
    out: list[tuple[Path, str]] = []
    suffixes = (".gz", ".jsonl", ".ndjson", ".json")
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise NotFoundError(f"{p}: no such file or directory")
        files = (
            sorted(f for f in p.rglob("*") if f.is_file() and f.name.endswith(suffixes))
            if p.is_dir()
            else [p]
        )
        if p.is_dir() and not files:
            raise NotFoundError(f"{p}: no OpenAlex files (*.gz, *.jsonl, *.json) in directory")
        for f in files:
            if f.name.startswith(".") or f.name == "manifest":
                continue
            entity = "institutions" if "institutions" in f.parts[:-1] else "works"
            out.append((f, entity))
    return out


def ingest_openalex(
    store: Store,
    paths: Sequence[str | os.PathLike[str]],
    *,
    origin: str = "openalex",
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest OpenAlex works (and institution entities) into the store, one batch per file.

    Parameters
    ----------
    store
        An open, writable store.
    paths
        Files or directories (snapshot layout, JSON Lines, or API pages).
    origin
        Label stored with every record (``synthetic:openalex`` for generated worlds).
    progress
        Called as ``progress(bytes_done, bytes_total)`` after each file.

    Returns
    -------
    IngestReport
        Reconciled counts over all files: ``read == stored + rejected + duplicates``.
    """
    files = find_openalex_files(paths)
    total = sum(f.stat().st_size for f, _ in files)
    report = IngestReport(source=SOURCE)
    done = 0
    for f, entity in files:
        report.add(_ingest_file(store, f, entity=entity, origin=origin))
        done += f.stat().st_size
        if progress:
            progress(done, total)
    return report


# -- one file -----------------------------------------------------------------------------


def _ingest_file(store: Store, path: Path, *, entity: str, origin: str) -> IngestReport:
    started = datetime.now()
    checksum = file_checksum(path)
    source = SOURCE if entity == "works" else f"{SOURCE}:{entity}"
    if store.already_ingested(source, checksum):
        return IngestReport(source=SOURCE, skipped=[str(path)])
    con = store.con
    # the scratch directory marks an ingest in progress (scans put their files in TMPDIR)
    with tempfile.TemporaryDirectory(prefix="forcemap-oa-"):
        try:
            with store.batch(source, path) as b:
                read, status, unit = _stage(b, path)
                struct = _WORK_STRUCT if entity == "works" else _INSTITUTION_STRUCT
                prefix = "W" if entity == "works" else "I"
                _parse(con, struct, prefix, works=entity == "works")
                if status == "truncated":  # the cut record is quarantined as such
                    con.execute(
                        """UPDATE _oa_bad SET reason = $r, field = NULL
                           WHERE line_no = (SELECT max(line_no) FROM _oa_lines)""",
                        {"r": _TRUNCATED},
                    )
                con.execute(
                    """INSERT INTO quarantine
                          (batch_id, source, file, line, record_id, field, reason, raw, unit)
                       SELECT $b, $s, $f, line_no, rid, field, reason, raw, $u FROM _oa_bad""",
                    {"b": b.batch_id, "s": source, "f": str(path), "u": unit},
                )
                if entity == "works":
                    stored, replaced, dups = _write_works(con, b, origin)
                else:
                    stored, replaced, dups = _write_institutions(con, origin, b.batch_id)
                report = store.finish(
                    b,
                    checksum=checksum,
                    read=read,
                    stored=stored,
                    replaced=replaced,
                    duplicates=dups,
                    started=started,
                    status=status,
                )
        except duckdb.Error as e:
            raise StoreError(
                f"{path}: ingest failed, this file left the store unchanged: {e}"
            ) from e
        finally:
            for t in ("_oa_lines", "_oa_p", "_oa_bad", "_oa_ok", "_oa_new", "_oa_auth"):
                con.execute(f"DROP TABLE IF EXISTS {t}")
    q = store.export_quarantine(b.batch_id)
    if q:
        report.quarantine_files.append(str(q))
    return report


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = con.execute(sql).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


# -- records ------------------------------------------------------------------------------


def _stage(b: Batch, path: Path) -> tuple[int, str, str]:
    """Load the file's records into ``_oa_lines(line_no, line)``.

    Returns ``(records, status, unit)``: the independent count of records the file holds, the
    file status (``ok``, or ``truncated`` when a compressed stream or an API page is cut; the
    records before the cut are read) and what ``line_no`` counts (``line``: physical lines of
    a JSON Lines file; ``record``: elements of an API page's ``results``). Records the scan
    rejects (not UTF-8, a NUL byte, over the size limit) are quarantined here.
    """
    name = path.name.lower()
    if name.endswith(".json") and not name.endswith((".jsonl", ".ndjson")):
        records, status = _stage_page(b, path)
        return records, status, "record"
    with scan_lines(path) as scan:
        status = "truncated" if scan.truncated else "ok"
        last = scan.physical_lines
        for r in scan.rejects:
            cut = scan.truncated is not None and r.line == last
            # JSON text is UTF-8 (RFC 8259): no other encoding to suggest
            reason = _TRUNCATED if cut else r.reason
            b.reject(reason, line=r.line, field=r.field, raw=r.raw)
        _load_lines(b.con, scan)
        return scan.records, status, "line"


def _load_lines(con: duckdb.DuckDBPyConnection, scan: Scan) -> None:
    """``_oa_lines(line_no, line)`` from the accepted records, one a line of ``parse_path``
    (valid UTF-8, no BOM, no CR): handed to DuckDB as one Arrow array over the file's bytes."""
    n = scan.accepted
    size = scan.parse_path.stat().st_size
    buf = np.memmap(scan.parse_path, dtype=np.uint8, mode="r") if size else np.zeros(0, np.uint8)
    starts = np.asarray(scan.offsets, dtype=np.int64)
    if len(starts) != n:
        raise ParseError(
            f"scanner gave {len(starts)} record offsets for {n} records", file=str(scan.path)
        )
    offsets = np.append(starts, np.int64(size))
    text = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf))
    nums = pa.array(np.asarray(scan.lines, dtype=np.int64))
    tbl = pa.table({"line_no": nums, "line": text})  # queried by name below
    # every string but the last ends with its line's newline (JSON whitespace); strip it
    con.execute(
        "CREATE TEMP TABLE _oa_lines AS SELECT line_no, rtrim(line, chr(10)) AS line FROM tbl"
    )
    del text, tbl, buf


# -- API pages: the elements of "results", split without the JSON parser -----------------------

# JSON strings (closed, or not closed before the line or the text ends), the structural
# characters and line breaks: enough to find the items of a container without parsing values.
_TOKEN = re.compile(rb'"[^"\\\n]*(?:\\[^\n][^"\\\n]*)*(")?|[\[\]{},:\n]')
_WS = b" \t\r\n"


def _json_items(buf: bytes, s: int) -> tuple[list[tuple[int, int, int, bool]], int]:
    """The items of the JSON object or array opening at ``buf[s]`` (``{`` or ``[``).

    An item is the text between the container's separating commas at its own depth (a member
    ``"key": value`` or an array element), as ``(start, end, colon, broken)``: ``colon`` is the
    position of the item's first ``:`` at that depth, or -1. Strings are skipped, so brackets
    and commas inside them do not count. A JSON string never holds a raw line break: a string
    still open at the end of its line (a stray quote) makes its item ``broken`` and voids the
    rest of that line; the structure resumes on the next line at the depth its line began
    with (an item that began on that line at the container's own level ends with it). So a
    stray quote costs its own record, not every record after it. Returns the items and the
    position of the closing bracket, or -1 when the text ends first (the last item is cut).
    """
    items: list[tuple[int, int, int, bool]] = []
    depth = line_depth = 0
    start, colon, broken, skip = s + 1, -1, False, False
    for m in _TOKEN.finditer(buf, s):
        c = buf[m.start()]
        if c == 10:  # a line break between tokens
            skip, line_depth = False, depth
            continue
        if skip:
            continue
        if c == 34:  # a string
            if m.group(1) is not None:
                continue
            end = buf.find(b"\n", m.end())
            if end < 0:  # the text ends inside the string: cut
                break
            skip = True
            if line_depth <= 1:  # the item began on this line: it ends with it
                items.append((start, end, colon, True))
                start, colon, broken = end + 1, -1, False
                depth = max(line_depth, 1)
            else:
                broken, depth = True, line_depth
        elif c in b"[{":
            depth += 1
        elif c in b"]}":
            depth -= 1
            if depth == 0:
                if buf[start : m.start()].strip(_WS):
                    items.append((start, m.start(), colon, broken))
                return items, m.start()
        elif depth == 1 and c == 44:  # ,
            items.append((start, m.start(), colon, broken))
            start, colon, broken = m.end(), -1, False
        elif depth == 1 and c == 58 and colon < 0:  # :
            colon = m.start()
    if buf[start:].strip(_WS):
        items.append((start, len(buf), colon, broken))
    return items, -1


def _stage_page(b: Batch, path: Path) -> tuple[int, str]:
    """Load the records of an API page into ``_oa_lines(line_no, line)``, ``line_no`` being
    the record's number: the elements of ``results`` (or of a top-level array; or the page
    itself when it is one entity). Returns (records, status): ``truncated`` when the page is
    cut (the elements before the cut are read; the cut one is quarantined).

    Raises
    ------
    ParseError
        The file is not an API page (no object with a ``results`` array, no array, no entity).
    """
    buf = path.read_bytes()
    s = 3 if buf.startswith(b"\xef\xbb\xbf") else 0
    while s < len(buf) and buf[s] in _WS:
        s += 1
    expected = 'not a JSON API page: expected {"meta": …, "results": […]}'
    if s >= len(buf) or buf[s] not in b"{[":
        raise ParseError(expected, file=str(path), line=1)
    items, close = _json_items(buf, s)
    if buf[s] == 123:  # an object: its "results" member, or the object itself (one entity)
        keys: dict[str, int] = {}
        for a, _, c, _ in items:
            try:
                keys.setdefault(json.loads(buf[a:c].decode("utf-8", "replace")), c + 1)
            except ValueError:
                continue
        if "results" in keys:
            v = keys["results"]
            while v < len(buf) and buf[v] in _WS:
                v += 1
            if v >= len(buf) or buf[v] != 91:
                raise ParseError(expected, file=str(path))
            items, close = _json_items(buf, v)
        elif "id" in keys:
            items = [(s, close + 1 if close >= 0 else len(buf), -1, False)]
        else:
            raise ParseError(expected, file=str(path))
    nums: list[int] = []
    lines: list[str] = []
    for k, (a, z, _, broken) in enumerate(items, start=1):
        raw = buf[a:z].strip(_WS)
        if close < 0 and k == len(items):
            b.reject(_TRUNCATED_PAGE, line=k, raw=_text(raw), unit="record")
        elif broken:
            reason = "malformed JSON: a string not closed on its line (a stray quote?)"
            b.reject(reason, line=k, raw=_text(raw), unit="record")
        elif len(raw) > MAX_RECORD:
            reason = f"record of {len(raw):,} bytes is over the {MAX_RECORD:,}-byte limit"
            b.reject(reason, line=k, raw=_text(raw[:4000]), unit="record")
        elif b"\n" in raw or b"\r" in raw:  # whitespace between tokens, or inside a string
            text = _one_line(raw)
            if text is None:
                b.reject("malformed JSON: a line break inside a string", line=k,
                         raw=_text(raw), unit="record")  # fmt: skip
            else:
                nums.append(k)
                lines.append(text)
        else:
            try:
                lines.append(raw.decode("utf-8"))
                nums.append(k)
            except UnicodeDecodeError as e:
                reason = f"invalid UTF-8 byte 0x{raw[e.start]:02X} at column {e.start + 1}"
                b.reject(reason, line=k, raw=_text(raw), unit="record")
    # a page holds a few hundred records: passed as two list parameters
    b.con.execute(
        """CREATE TEMP TABLE _oa_lines AS
           SELECT unnest($nums)::BIGINT AS line_no, unnest($lines)::VARCHAR AS line""",
        {"nums": nums, "lines": lines},
    )
    return len(items), "truncated" if close < 0 else "ok"


def _one_line(raw: bytes) -> str | None:
    """A record spread over lines as one line (line breaks between tokens become spaces), or
    None when a line break is inside a string (invalid JSON) or the text is not UTF-8."""
    out = bytearray(raw)
    for m in re.finditer(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', raw):
        if b"\n" in m.group() or b"\r" in m.group():
            return None
    out = out.replace(b"\r", b" ").replace(b"\n", b" ")
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _text(raw: bytes) -> str:
    return raw[:4000].decode("utf-8", errors="replace")


def _number_check(value: str, lo: float | None, hi: float | None, integer: bool) -> str:
    """SQL: NULL when ``value`` (JSON text) is missing or valid, else what is wrong with it."""
    d = f"TRY_CAST({value} AS DOUBLE)"
    rng = []
    if lo is not None:
        rng.append(f"{d} < {lo}")
    if hi is not None:
        rng.append(f"{d} > {hi}")
    out = " OR ".join(rng) or "false"
    return f"""CASE WHEN {value} IS NULL THEN NULL
                    WHEN {d} IS NULL THEN 'wrong type'
                    WHEN isnan({d}) OR isinf({d}) THEN 'not a finite number'
                    {f"WHEN {d} <> trunc({d}) THEN 'not an integer'" if integer else ""}
                    WHEN {out} THEN 'out of range' END"""


def _checks(
    works: bool, typed: tuple[tuple[str, str, tuple[str, ...]], ...]
) -> list[tuple[str, str, str]]:
    """``(condition, field, reason)`` SQL triples tried in order after the id checks."""
    out: list[tuple[str, str, str]] = []
    for field, path, types in typed:
        accepted = ", ".join(repr(t) for t in types)
        out.append(
            (
                f"j.{field} IS NULL AND coalesce(json_type(line, '$.{path}'), 'NULL') "
                f"NOT IN ('NULL', {accepted})",
                field,
                f"'wrong type: {field}'",
            )
        )
    if not works:
        return out
    out.append(
        (
            f"len(j.authorships) > {_MAX_AUTHORS}",
            "authorships",
            f"'too many authorships (over {_MAX_AUTHORS:,})'",
        )
    )
    for field, lst, value, lo, hi, integer in _NUMBERS:
        rng = f" ({lo:,}..{hi:,})" if lo is not None and hi is not None else ""
        if lst is None:
            bad = _number_check(value, lo, hi, integer)
        else:
            bad = (
                f"list_filter(list_transform({lst}, lambda x: "
                f"{_number_check(f'x.{value}', lo, hi, integer)}), lambda r: r IS NOT NULL)[1]"
            )
        reason = (
            f"({bad}) || ': {field}' || CASE WHEN ({bad}) = 'out of range' THEN '{rng}' ELSE '' END"
        )
        out.append((f"({bad}) IS NOT NULL", field, reason))
    pos = _number_check("p", 0, _I32, True)
    out.append(
        (
            "list_bool_or(list_transform(flatten(map_values(j.abstract_inverted_index)), "
            f"lambda p: ({pos}) IS NOT NULL OR p IS NULL))",
            "abstract_inverted_index",
            "'invalid word position: abstract_inverted_index'",
        )
    )
    for field, typ in _DATES:
        out.append(
            (
                f"j.{field} IS NOT NULL AND TRY_CAST(j.{field} AS {typ}) IS NULL",
                field,
                f"'invalid date: {field}'",
            )
        )
    return out


def _parse(con: duckdb.DuckDBPyConnection, struct: str, prefix: str, *, works: bool) -> None:
    """Parse ``_oa_lines`` into ``_oa_p(line_no, j)`` and split rejects into ``_oa_bad``."""
    # The record-level checks (types, ranges, dates) after the JSON and id checks; each failing
    # record gets the reason and field of the first failing check.
    checks = _checks(works, _WORK_TYPED if works else ())
    reasons = "\n".join(f"WHEN {c} THEN {r}" for c, _, r in checks)
    fields = "\n".join(f"WHEN {c} THEN '{f}'" for c, f, _ in checks)
    id_re = rf"^(https://openalex\.org/)?{prefix}[0-9]+$"
    con.execute(
        f"""CREATE TEMP TABLE _oa_p AS
            SELECT line_no, j, field,
                   CASE WHEN reason IS NOT NULL THEN left(line, 4000) END AS raw, reason
            FROM (
              SELECT line_no, line, j,
                CASE
                  WHEN j IS NULL THEN 'malformed JSON'
                  WHEN j.id IS NULL AND json_type(line) <> 'OBJECT' THEN 'not a JSON object'
                  WHEN j.id IS NULL THEN 'missing id'
                  WHEN NOT regexp_matches(j.id, $idre) THEN 'invalid id'
                  {reasons}
                END AS reason,
                CASE
                  WHEN j IS NULL OR (j.id IS NULL AND json_type(line) <> 'OBJECT') THEN NULL
                  WHEN j.id IS NULL OR NOT regexp_matches(j.id, $idre) THEN 'id'
                  {fields}
                END AS field
              FROM (
                SELECT line_no, line, try(json_transform(line, $struct)) AS j
                FROM _oa_lines
              )
            )""",  # noqa: S608 - only the allow-listed field names above are interpolated
        {"struct": struct, "idre": id_re},
    )
    con.execute(
        f"""CREATE TEMP TABLE _oa_bad AS
            SELECT line_no, {_OA.format("j.id")} AS rid, field, reason, raw
            FROM _oa_p WHERE reason IS NOT NULL"""  # noqa: S608
    )
    # Valid records, deduplicated within the file: the newest updated_date wins, then the
    # later line. Losers are merged duplicates.
    con.execute(
        f"""CREATE TEMP TABLE _oa_ok AS
            SELECT {_OA.format("j.id")} AS id, line_no, j,
                   TRY_CAST(j.updated_date AS TIMESTAMP) AS updated,
                   row_number() OVER (PARTITION BY {_OA.format("j.id")}
                       ORDER BY TRY_CAST(j.updated_date AS TIMESTAMP) DESC NULLS LAST,
                                line_no DESC) AS rnk
            FROM _oa_p WHERE reason IS NULL"""  # noqa: S608
    )


def _write_works(con: duckdb.DuckDBPyConnection, b: Batch, origin: str) -> tuple[int, int, int]:
    """Upsert the parsed works and their child rows; return (stored, replaced, duplicates)."""
    in_file_dups = _count(con, "SELECT count(*) FROM _oa_ok WHERE rnk > 1")
    # Keep a record that is new (stored), or newer than the stored copy (replaced); the rest
    # are duplicates.
    con.execute(
        """CREATE TEMP TABLE _oa_new AS
           SELECT o.*, w.work_id IS NOT NULL AS replaces
           FROM _oa_ok o
           LEFT JOIN (SELECT work_id, max(updated_date) AS updated_date FROM works
                      GROUP BY work_id) w
                ON w.work_id = o.id
           WHERE o.rnk = 1 AND (w.work_id IS NULL OR o.updated > w.updated_date)"""
    )
    stored, replaced = con.execute(
        "SELECT count(*) FILTER (NOT replaces), count(*) FILTER (replaces) FROM _oa_new"
    ).fetchall()[0]
    kept = _count(con, "SELECT count(*) FROM _oa_ok WHERE rnk = 1")
    for table, key in (
        ("works", "work_id"),
        ("authorships", "work_id"),
        ("work_concepts", "work_id"),
        ("work_topics", "work_id"),
        ("work_references", "citing_id"),
    ):
        con.execute(
            f"DELETE FROM {table} WHERE {key} IN (SELECT id FROM _oa_new)"  # noqa: S608
        )
    abstracts = """
        SELECT id, string_agg(word, ' ' ORDER BY pos) AS abstract FROM (
            SELECT id, word, TRY_CAST(unnest(poss) AS INTEGER) AS pos FROM (
                SELECT id, unnest(map_keys(j.abstract_inverted_index)) AS word,
                       unnest(map_values(j.abstract_inverted_index)) AS poss
                FROM _oa_new WHERE j.abstract_inverted_index IS NOT NULL))
        GROUP BY id"""
    con.execute(
        f"""INSERT INTO works
            SELECT n.id,
                   lower(regexp_replace(n.j.doi, '^https?://(dx\\.)?doi\\.org/', '')),
                   coalesce(n.j.title, n.j.display_name),
                   a.abstract,
                   TRY_CAST(TRY_CAST(n.j.publication_year AS DOUBLE) AS INTEGER),
                   TRY_CAST(n.j.publication_date AS DATE),
                   n.j.type,
                   {_OA.format("coalesce(n.j.primary_location.source.id, n.j.host_venue.id)")},
                   coalesce(n.j.primary_location.source.display_name,
                            n.j.host_venue.display_name),
                   TRY_CAST(TRY_CAST(n.j.cited_by_count AS DOUBLE) AS INTEGER),
                   n.j.language,
                   n.updated,
                   $origin,
                   $batch
            FROM _oa_new n LEFT JOIN ({abstracts}) a USING (id)""",  # noqa: S608
        {"origin": origin, "batch": b.batch_id},
    )
    con.execute(
        """CREATE TEMP TABLE _oa_auth AS
            SELECT id AS work_id, seq, au,
                   unnest(CASE WHEN len(au.institutions) > 0 THEN au.institutions
                               ELSE [NULL] END) AS inst
            FROM (SELECT id, unnest(j.authorships) AS au,
                         generate_subscripts(j.authorships, 1) AS seq
                  FROM _oa_new WHERE len(j.authorships) > 0)"""
    )
    con.execute(
        f"""INSERT INTO authorships
            SELECT work_id, seq, {_OA.format("au.author.id")}, au.author.display_name,
                   au.author_position, au.is_corresponding, {_OA.format("inst.id")},
                   coalesce(inst.country_code,
                            CASE WHEN inst.id IS NULL THEN au.countries[1] END),
                   coalesce(au.raw_affiliation_string, au.raw_affiliation_strings[1])
            FROM _oa_auth"""  # noqa: S608
    )
    con.execute(
        f"""INSERT INTO authors
            SELECT aid, arg_max(name, seq), arg_max(orcid, seq) FROM (
              SELECT {_OA.format("au.author.id")} AS aid, au.author.display_name AS name,
                     regexp_replace(au.author.orcid, '^https?://orcid\\.org/', '') AS orcid, seq
              FROM _oa_auth WHERE au.author.id IS NOT NULL)
            WHERE aid NOT IN (SELECT author_id FROM authors)
            GROUP BY aid"""  # noqa: S608
    )
    con.execute(
        f"""INSERT INTO institutions
            SELECT iid, any_value(ror), any_value(name), any_value(type),
                   any_value(country_code), NULL, $origin FROM (
              SELECT {_OA.format("inst.id")} AS iid, {_ROR.format("inst.ror")} AS ror,
                     inst.display_name AS name, inst.type AS type,
                     inst.country_code AS country_code
              FROM _oa_auth WHERE inst.id IS NOT NULL)
            WHERE iid NOT IN (SELECT institution_id FROM institutions)
            GROUP BY iid""",  # noqa: S608
        {"origin": origin},
    )
    _write_lineage(con, b.batch_id)
    con.execute("DROP TABLE _oa_auth")
    con.execute(
        f"""INSERT INTO work_references
            SELECT DISTINCT id, {_OA.format("ref")} FROM (
              SELECT id, unnest(j.referenced_works) AS ref FROM _oa_new)
            WHERE ref IS NOT NULL"""  # noqa: S608
    )
    con.execute(
        f"""INSERT INTO work_concepts
            SELECT id, {_OA.format("c.id")}, c.display_name,
                   TRY_CAST(TRY_CAST(c.level AS DOUBLE) AS SMALLINT), TRY_CAST(c.score AS DOUBLE)
            FROM (
              SELECT id, unnest(j.concepts) AS c FROM _oa_new)
            WHERE c.id IS NOT NULL"""  # noqa: S608
    )
    con.execute(
        f"""INSERT INTO work_topics
            SELECT id, {_OA.format("t.id")}, t.display_name, TRY_CAST(t.score AS DOUBLE),
                   t.id = primary_id, {_LAST.format("t.subfield.id")},
                   {_LAST.format("t.field.id")}, {_LAST.format("t.domain.id")} FROM (
              SELECT id, j.primary_topic.id AS primary_id, unnest(j.topics) AS t FROM _oa_new)
            WHERE t.id IS NOT NULL"""  # noqa: S608
    )
    return stored, replaced, in_file_dups + (kept - stored - replaced)


# Lineage: the OpenAlex ids of an institution's ancestors, itself included, in no documented
# order: stored as one 'ancestor' relation per ancestor other than itself (the hierarchy step
# of the organisation resolution orders them).
_LINEAGE_SQL = f"""
INSERT INTO institution_relations
SELECT DISTINCT iid, aid, 'ancestor', 'openalex:lineage', $batch FROM (
    SELECT {_OA.format("inst_id")} AS iid, {_OA.format("unnest(lineage)")} AS aid
    FROM _oa_lin)
WHERE aid IS NOT NULL AND aid <> iid AND regexp_full_match(aid, 'I[0-9]+')
  AND NOT EXISTS (SELECT 1 FROM institution_relations r
                  WHERE r.institution_id = iid AND r.related_id = aid
                    AND r.relationship = 'ancestor' AND r.source = 'openalex:lineage')
"""  # noqa: S608 - constant SQL of this module


def _write_lineage(con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    """Store the lineage of the institutions embedded in the batch's authorships."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _oa_lin AS
           SELECT DISTINCT inst.id AS inst_id, inst.lineage AS lineage FROM _oa_auth
           WHERE inst.id IS NOT NULL AND len(inst.lineage) > 0"""
    )
    con.execute(_LINEAGE_SQL, {"batch": batch_id})
    con.execute("DROP TABLE _oa_lin")


def _write_institutions(
    con: duckdb.DuckDBPyConnection, origin: str, batch: int
) -> tuple[int, int, int]:
    """Upsert institution entities (authoritative over the copies embedded in works); return
    (stored, replaced, duplicates)."""
    in_file_dups = _count(con, "SELECT count(*) FROM _oa_ok WHERE rnk > 1")
    con.execute(
        """CREATE TEMP TABLE _oa_new AS
            SELECT id, j, id IN (SELECT institution_id FROM institutions) AS replaces
            FROM _oa_ok WHERE rnk = 1"""
    )
    stored, replaced = con.execute(
        "SELECT count(*) FILTER (NOT replaces), count(*) FILTER (replaces) FROM _oa_new"
    ).fetchall()[0]
    con.execute("DELETE FROM institutions WHERE institution_id IN (SELECT id FROM _oa_new)")
    con.execute(
        f"""INSERT INTO institutions
            SELECT id, {_ROR.format("j.ror")}, j.display_name, j.type,
                   coalesce(j.country_code, j.geo.country_code), j.geo.city, $origin
            FROM _oa_new""",  # noqa: S608
        {"origin": origin},
    )
    _write_associated(con, origin, batch)
    return stored, replaced, in_file_dups


def _write_associated(con: duckdb.DuckDBPyConnection, origin: str, batch: int) -> None:
    """Replace the lineage and associated-institution relations of the institution entities
    in ``_oa_new``; an associated institution not yet stored is added to ``institutions`` (its
    id, ROR, name, type and country, as embedded copies in works are), so the hierarchy can name
    it."""
    con.execute(
        """DELETE FROM institution_relations
           WHERE institution_id IN (SELECT id FROM _oa_new)
             AND source IN ('openalex:lineage', 'openalex:associated')"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _oa_lin AS
           SELECT id AS inst_id, j.lineage AS lineage FROM _oa_new WHERE len(j.lineage) > 0"""
    )
    con.execute(_LINEAGE_SQL, {"batch": batch})
    con.execute("DROP TABLE _oa_lin")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _oa_assoc AS
            SELECT id, {_OA.format("a.id")} AS aid, {_ROR.format("a.ror")} AS ror,
                   a.display_name AS name, a.type AS type, a.country_code AS country_code,
                   lower(trim(a.relationship)) AS relationship
            FROM (SELECT id, unnest(j.associated_institutions) AS a FROM _oa_new)
            WHERE regexp_full_match({_OA.format("a.id")}, 'I[0-9]+')"""  # noqa: S608
    )
    con.execute(
        """INSERT INTO institution_relations
           SELECT DISTINCT id, aid, coalesce(relationship, 'related'), 'openalex:associated', $b
           FROM _oa_assoc WHERE aid <> id""",
        {"b": batch},
    )
    con.execute(
        """INSERT INTO institutions
           SELECT aid, any_value(ror), any_value(name), any_value(type), any_value(country_code),
                  NULL, $origin
           FROM _oa_assoc WHERE aid NOT IN (SELECT institution_id FROM institutions)
           GROUP BY aid""",
        {"origin": origin},
    )
    con.execute("DROP TABLE _oa_assoc")
