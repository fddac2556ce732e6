"""USPTO grant records: Public Search JSON (full or bibliographic) and their flattened CSV.

Accepted inputs (files, or directories searched for them):

* ``.json`` — a list of USPTO Public Search records (``doc.json``), a search-result page
  ``{"patents": [...], "numFound": ...}`` (``biblio.json``), or one record;
* ``.jsonl`` / ``.ndjson`` — one record per line;
* ``.csv`` — the flattened layout ``patent,src,title,date,filed,assignee,assignee_country,
  cpc_inventive,cpc_additional,us_cited,n_us_cited`` (``uspto_sample_patents.csv``), with
  multi-valued fields ``;``-separated and ``N/A`` for an unknown country.

A record file holds hundreds to thousands of records, so records are normalised in Python and
written set-based through Arrow tables. Each file is one atomic batch.
"""

from __future__ import annotations

import csv
import html
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numba
import numpy as np
import pyarrow as pa

from forcemap.errors import InputError, NotFoundError, ParseError, SchemaError, StoreError
from forcemap.store.ingest._physical import MAX_RECORD, Scan, scan_csv, scan_lines
from forcemap.store.store import Batch, IngestReport, Store, file_checksum

__all__ = ["ID_PREFIX", "find_uspto_files", "ingest_uspto"]

SOURCE = "uspto"

ID_PREFIX = "uspto:"
"""Namespace of USPTO assignee ids (``uspto:<lower-cased name>``): the records carry no
assignee id, so the name is the id."""

CSV_COLUMNS: tuple[str, ...] = (
    "patent",
    "src",
    "title",
    "date",
    "filed",
    "assignee",
    "assignee_country",
    "cpc_inventive",
    "cpc_additional",
    "us_cited",
    "n_us_cited",
)
"""The flattened CSV layout (``patent`` and ``date`` are required, the rest optional)."""

_JSON_SUFFIXES = (".json",)
_JSONL_SUFFIXES = (".jsonl", ".ndjson")
_CSV_SUFFIXES = (".csv",)

_GUID = re.compile(r"US-([A-Z]{0,2}[0-9]+)-([A-Z][0-9]?)")
_NUMBER = re.compile(r"([A-Z]{0,2})0*([1-9][0-9]*)")
_PUBLICATION = re.compile(r"(19|20)[0-9]{9}")  # pre-grant publication numbers: YYYY + 7 digits
_CPC = re.compile(r"[A-HY][0-9]{2}[A-Z][0-9]{1,4}/[0-9]{2,6}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TAG = re.compile(r"<[^>]*>")
_US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP".split()
)
# A corporate legal form in an assignee name marks a company when no type code says otherwise.
_LEGAL_FORM = re.compile(
    r"\b(inc|incorporated|corp|corporation|co|company|llc|l\.l\.c|ltd|limited|plc|gmbh|ag|s\.?a"
    r"|kk|kabushiki kaisha|b\.?v|n\.?v|ab|oy|s\.?p\.?a|s\.?r\.?l|sas|pte|pty|llp|lp|se)\b\.?",
    re.IGNORECASE,
)
_TYPE_BY_PREFIX = {
    "D": "design",
    "PP": "plant",
    "RE": "reissue",
    "T": "defensive publication",
    "H": "statutory invention registration",
}
_TYPE_BY_KIND = (
    ("S", "design"),
    ("P", "plant"),
    ("E", "reissue"),
    ("I", "defensive publication"),
    ("H", "statutory invention registration"),
)
_OCR_PLACEHOLDER = "OCR SCANNED DOCUMENT"
_SEQ_MAX = (
    32_767  # seq columns are SMALLINT: the most CPC symbols, assignees, inventors a patent has
)
BOM = b"\xef\xbb\xbf"
_SHAPE = (
    'expected a list of USPTO records, a search page {"patents": [...]} or one record with a "guid"'
)

Progress = Callable[[int, int], None]

_PATENT_SCHEMA = pa.schema(
    [
        ("patent_id", pa.string()),
        ("kind", pa.string()),
        ("type", pa.string()),
        ("grant_date", pa.date32()),
        ("filing_date", pa.date32()),
        ("title", pa.string()),
        ("abstract", pa.string()),
        ("family_id", pa.string()),
        ("num_claims", pa.int32()),
    ]
)
_CPC_SCHEMA = pa.schema(
    [
        ("patent_id", pa.string()),
        ("seq", pa.int16()),
        ("symbol", pa.string()),
        ("is_first", pa.bool_()),
    ]
)
_ASSIGNEE_SCHEMA = pa.schema(
    [
        ("patent_id", pa.string()),
        ("seq", pa.int16()),
        ("assignee_id", pa.string()),
        ("name", pa.string()),
        ("type", pa.string()),
        ("country_code", pa.string()),
        ("city", pa.string()),
    ]
)
_INVENTOR_SCHEMA = pa.schema(
    [
        ("patent_id", pa.string()),
        ("seq", pa.int16()),
        ("name", pa.string()),
        ("country_code", pa.string()),
        ("city", pa.string()),
    ]
)
_CITATION_SCHEMA = pa.schema([("citing_id", pa.string()), ("cited_id", pa.string())])


class _Reject(Exception):
    """A record that cannot be stored: reason and field."""

    def __init__(self, reason: str, field: str | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


@dataclass
class _Patent:
    patent_id: str
    kind: str | None
    type: str | None
    grant_date: date
    filing_date: date | None
    title: str | None
    abstract: str | None
    family_id: str | None
    num_claims: int | None
    cpc: list[tuple[str, bool]] = field(default_factory=list)  # (symbol, is_first)
    assignees: list[tuple[str, str | None, str | None, str | None]] = field(
        default_factory=list
    )  # (name, type, country, city)
    inventors: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)


@dataclass
class _Record:
    line: int  # record number (JSON list / page), line (JSON Lines, CSV)
    data: Any
    error: str | None = None  # a record that could not even be read (bad JSON, CSV row)
    raw: str | None = None


# -- public entry points --------------------------------------------------------------------


def find_uspto_files(path: str | os.PathLike[str]) -> list[Path]:
    """The record files at ``path`` (a file, or a directory searched recursively).

    Raises
    ------
    NotFoundError
        ``path`` does not exist, or a directory holds no ``.json``/``.jsonl``/``.csv`` file.
    InputError
        A file's suffix is not one of the accepted formats.
    """
    p = Path(path)
    if not p.exists():
        raise NotFoundError(f"{p}: no such file or directory")
    suffixes = _JSON_SUFFIXES + _JSONL_SUFFIXES + _CSV_SUFFIXES
    if p.is_dir():
        files = sorted(
            f
            for f in p.rglob("*")
            if f.is_file() and f.suffix.lower() in suffixes and not f.name.startswith(".")
        )
        if not files:
            raise NotFoundError(f"{p}: no USPTO record files (*.json, *.jsonl, *.csv) in directory")
        return files
    if p.suffix.lower() not in suffixes:
        raise InputError(
            f"{p}: unknown USPTO file type {p.suffix!r}; expected .json (records or a search "
            "page), .jsonl or the flattened .csv"
        )
    return [p]


def ingest_uspto(
    store: Store,
    path: str | os.PathLike[str],
    *,
    origin: str = "uspto",
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest USPTO grant records (JSON, JSON Lines or flattened CSV), one batch per file.

    Mapping (JSON field → store):

    * ``guid`` ``US-11803561-B1`` → ``patent_id`` ``US-11803561`` and ``kind`` ``B1``
      (leading zeros dropped: ``US-06103599`` → ``US-6103599``, ``PP03823`` → ``PP3823``);
    * ``datePublished`` → ``grant_date`` and ``year``; the first ``applicationFilingDate`` →
      ``filing_date``; ``inventionTitle``; ``abstractHtml`` (tags removed) → ``abstract``;
      ``familyIdentifierCur`` → ``family_id``; ``numberOfClaims``; ``type`` is
      ``applicationRefFilingType`` when given, else from the number (``D`` design, ``PP``
      plant, ``RE`` reissue, ``T`` defensive publication, ``H`` statutory invention
      registration, else utility);
    * ``cpcInventiveFlattened`` then ``cpcAdditionalFlattened`` (``;``-separated; or the
      ``cpcInventive``/``cpcAdditional`` lists) → ``patent_cpc``; ``is_first`` is the symbol
      flagged ``F`` in ``cpcCurClassificationGroup``, else the first inventive symbol;
    * ``assigneeName`` with the parallel lists ``assigneeCountry``, ``assigneeCity``,
      ``assigneeState``, ``assigneeTypeCode`` → ``patent_assignees``: id
      ``uspto:<lower-cased name>``; type from the code (as PatentsView: 2, 3 company; 4, 5
      individual; 6–9 government), else ``individual`` for a ``Last; First`` name (stored
      as "First Last"), else ``company`` when the name has a corporate legal form (Inc.,
      LLC, GmbH, Kabushiki Kaisha …), else unknown; country ``N/A`` with a US state, or a US
      type code, is ``US``;
    * ``inventorsName`` (``Last; First``) with ``inventorCountry``/``inventorCity``/
      ``inventorState`` → ``patent_inventors`` (no inventor id); a bibliographic record has
      only ``inventorsShort``, used when it names a single inventor (no "et al.");
    * ``urpn`` (cited US documents) → ``patent_citations``, granted patents only (cited
      pre-grant publications, 11-digit numbers, are left out as in PatentsView's
      ``g_us_patent_citation``).

    The CSV columns map the same way (``patent`` = guid, ``date``, ``filed``, ``assignee`` and
    ``assignee_country`` split on ``;`` not followed by a space, so ``Hutchinson; Danielle``
    stays one name, ``cpc_inventive``, ``cpc_additional``, ``us_cited``).

    Parameters
    ----------
    store
        An open, writable store.
    path
        A record file, or a directory of them.
    origin
        Label stored with every patent.
    progress
        Called as ``progress(bytes_done, bytes_total)`` after each file.

    Returns
    -------
    IngestReport
        Reconciled over records: ``read == stored + replaced + rejected + duplicates +
        filtered``, ``read`` counted without the JSON parser (JSON Lines and CSV: physical
        lines; a JSON array: its items, by a byte-level scanner); ``related`` counts the CPC,
        assignee, inventor and citation rows written.

    Raises
    ------
    NotFoundError
        ``path`` does not exist.
    InputError
        Unknown file type.
    ParseError
        A ``.json`` file is not a JSON array, a search page or one record (names file and
        line); a malformed record inside it is quarantined instead.
    SchemaError
        A CSV lacks the ``patent`` or ``date`` column.
    StoreError
        DuckDB failed; the file's batch was rolled back.

    Notes
    -----
    - Quarantined, with the record number (JSON list/page; the line for JSON Lines and CSV),
      guid, field and reason: a record that is not an object, a missing or invalid ``guid``,
      a missing or unparseable ``datePublished``, an unparseable filing date or claim count,
      an invalid CPC symbol or cited patent number, a CSV row with the wrong number of fields
      or broken quoting, malformed JSON, bytes that are not UTF-8 (with their line), a record
      over ``MAX_RECORD`` bytes (with its size), JSON nested too deeply, NaN / infinite /
      out-of-range claim counts and assignee type codes, more than 32,767 CPC symbols,
      assignees or inventors, and pre-grant publications (``US-PGPUB`` records, kind
      A1/A2/A9): the store's ``patents`` are grants. A byte-order mark is skipped wherever a
      line starts with one; CRLF and mixed line ends are read.
    - A file cut short: the complete records before the cut are stored, the record the cut
      falls in is quarantined ("record cut short"); a JSON Lines or CSV record is complete
      when it parses, with or without its final line break.
    - Duplicates (the same patent twice in a file) are merged, the later record winning. A
      patent already in the store (from an earlier file or from PatentsView) is *replaced*
      (counted so), with its CPC, assignee, inventor and citation rows. A file identical to
      one ingested before is skipped.
    """
    files = find_uspto_files(path)
    total = sum(f.stat().st_size for f in files)
    report = IngestReport(source=SOURCE)
    done = 0
    for f in files:
        report.add(_ingest_file(store, f, origin))
        done += f.stat().st_size
        if progress:
            progress(done, total)
    return report


# -- one file -------------------------------------------------------------------------------


def _ingest_file(store: Store, path: Path, origin: str) -> IngestReport:
    started = datetime.now()
    checksum = file_checksum(path)
    if store.already_ingested(SOURCE, checksum):
        return IngestReport(source=SOURCE, skipped=[str(path)])
    suffix = path.suffix.lower()
    filtered: dict[str, int] = {}
    unit = "line"
    if suffix in _CSV_SUFFIXES:
        records, read, filtered = _csv_records(path)
        parse: Callable[[Any], _Patent] = _parse_csv_row
        names = _CSV_FIELDS
    elif suffix in _JSONL_SUFFIXES:
        records, read = _jsonl_records(path)
        parse, names = _parse_json_record, _JSON_FIELDS
    else:
        records = _json_records(path)
        read, unit = len(records), "record"
        parse, names = _parse_json_record, _JSON_FIELDS
    rejects: list[tuple[_Record, str, str | None, str | None]] = []  # record, reason, field, id
    kept: dict[str, _Patent] = {}
    duplicates = 0
    for rec in records:
        if rec.error is not None:
            rejects.append((rec, rec.error, None, None))
            continue
        try:
            pat = parse(rec.data)
            _check(pat, names)
        except _Reject as r:
            rejects.append((rec, r.reason, r.field, _record_id(rec.data)))
            continue
        except Exception as e:  # one record's surprise is that record's quarantine entry
            reason = f"unreadable record ({type(e).__name__}: {e})"[:500]
            rejects.append((rec, reason, None, _record_id(rec.data)))
            continue
        if pat.patent_id in kept:
            duplicates += 1
            del kept[pat.patent_id]  # the later record wins (and takes the later position)
        kept[pat.patent_id] = pat
    tables = _arrow_tables(list(kept.values()))
    con = store.con
    views = {
        "_us_pat": tables[0],
        "_us_cpc": tables[1],
        "_us_asg": tables[2],
        "_us_inv": tables[3],
        "_us_cit": tables[4],
    }
    for name, tbl in views.items():
        con.register(name, tbl)
    try:
        with store.batch(SOURCE, path) as b:
            for rec, reason, fld, rid in rejects:
                b.reject(reason, line=rec.line, record_id=rid, field=fld, raw=rec.raw, unit=unit)
            replaced = int(
                con.execute(
                    "SELECT count(*) FROM patents "
                    "WHERE patent_id IN (SELECT patent_id FROM _us_pat)"
                ).fetchone()[0]  # type: ignore[index]
            )
            _write(b, origin)
            report = store.finish(
                b,
                checksum=checksum,
                read=read,
                stored=len(kept) - replaced,
                replaced=replaced,
                duplicates=duplicates,
                filtered=filtered,
                started=started,
            )
            report.related = {
                "patent_cpc": tables[1].num_rows,
                "patent_assignees": tables[2].num_rows,
                "patent_inventors": tables[3].num_rows,
                "patent_citations": tables[4].num_rows,
            }
    except duckdb.Error as e:
        raise StoreError(f"{path}: ingest failed, this file left the store unchanged: {e}") from e
    finally:
        for name in views:
            con.unregister(name)
    q = store.export_quarantine(b.batch_id)
    if q:
        report.quarantine_files.append(str(q))
    return report


def _write(b: Batch, origin: str) -> None:
    """Replace the file's patents and their child rows in the store (inside the batch)."""
    con = b.con
    for table, key in (
        ("patents", "patent_id"),
        ("patent_cpc", "patent_id"),
        ("patent_assignees", "patent_id"),
        ("patent_inventors", "patent_id"),
        ("patent_citations", "citing_id"),
    ):
        con.execute(
            f"DELETE FROM {table} WHERE {key} IN (SELECT patent_id FROM _us_pat)"  # noqa: S608
        )
    con.execute(
        """INSERT INTO patents
           SELECT patent_id, 'US', kind, type, grant_date, filing_date, year(grant_date),
                  title, abstract, family_id, num_claims, $origin, $batch
           FROM _us_pat""",
        {"origin": origin, "batch": b.batch_id},
    )
    con.execute(
        r"""INSERT INTO patent_cpc
            SELECT patent_id, seq, symbol, regexp_replace(symbol, '/.*$', '/00'),
                   left(symbol, 4), left(symbol, 3), left(symbol, 1), is_first
            FROM _us_cpc"""
    )
    con.execute(
        """INSERT INTO patent_assignees
           SELECT patent_id, seq, assignee_id, name, type, country_code, city FROM _us_asg"""
    )
    con.execute(
        """INSERT INTO patent_inventors
           SELECT patent_id, seq, NULL, name, country_code, city FROM _us_inv"""
    )
    con.execute("INSERT INTO patent_citations SELECT citing_id, cited_id FROM _us_cit")


def _arrow_tables(patents: list[_Patent]) -> tuple[pa.Table, ...]:
    pats, cpcs, asgs, invs, cits = [], [], [], [], []
    for p in patents:
        pats.append(
            {
                "patent_id": p.patent_id,
                "kind": p.kind,
                "type": p.type,
                "grant_date": p.grant_date,
                "filing_date": p.filing_date,
                "title": p.title,
                "abstract": p.abstract,
                "family_id": p.family_id,
                "num_claims": p.num_claims,
            }
        )
        for k, (symbol, first) in enumerate(p.cpc, 1):
            cpcs.append({"patent_id": p.patent_id, "seq": k, "symbol": symbol, "is_first": first})
        for k, (name, typ, country, city) in enumerate(p.assignees, 1):
            asgs.append(
                {
                    "patent_id": p.patent_id,
                    "seq": k,
                    "assignee_id": ID_PREFIX + " ".join(name.lower().split()),
                    "name": name,
                    "type": typ,
                    "country_code": country,
                    "city": city,
                }
            )
        for k, (name, country, city) in enumerate(p.inventors, 1):
            invs.append(
                {
                    "patent_id": p.patent_id,
                    "seq": k,
                    "name": name,
                    "country_code": country,
                    "city": city,
                }
            )
        for cited in p.cited:
            cits.append({"citing_id": p.patent_id, "cited_id": cited})
    return (
        pa.Table.from_pylist(pats, schema=_PATENT_SCHEMA),
        pa.Table.from_pylist(cpcs, schema=_CPC_SCHEMA),
        pa.Table.from_pylist(asgs, schema=_ASSIGNEE_SCHEMA),
        pa.Table.from_pylist(invs, schema=_INVENTOR_SCHEMA),
        pa.Table.from_pylist(cits, schema=_CITATION_SCHEMA),
    )


def _record_id(data: Any) -> str | None:
    if isinstance(data, dict):
        rid = data.get("guid", data.get("patent"))
        if isinstance(rid, str) and rid.strip():
            return rid.encode("utf-8", errors="replace").decode("utf-8")[:200]
    return None


# the source field each part of a patent comes from, to name it in a quarantine entry
_JSON_FIELDS = {
    "kind": "guid",
    "type": "applicationRefFilingType",
    "title": "inventionTitle",
    "abstract": "abstractHtml",
    "family_id": "familyIdentifierCur",
    "cpc": "cpcInventiveFlattened",
    "assignees": "assigneeName",
    "inventors": "inventorsName",
    "cited": "urpn",
}
_CSV_FIELDS = {
    "kind": "patent",
    "title": "title",
    "cpc": "cpc_inventive",
    "assignees": "assignee",
    "cited": "us_cited",
}


def _check(p: _Patent, names: dict[str, str]) -> None:
    """What the store's columns cannot hold: more list items than a SMALLINT ``seq`` counts,
    text that is not valid Unicode (a lone surrogate escaped in JSON)."""
    for attr, label in (
        ("cpc", "CPC symbols"),
        ("assignees", "assignees"),
        ("inventors", "inventors"),
    ):
        n = len(getattr(p, attr))
        if n > _SEQ_MAX:
            raise _Reject(
                f"{n:,} {label}: more than the {_SEQ_MAX:,} a patent can hold", names.get(attr)
            )
    for attr in (
        "kind",
        "type",
        "title",
        "abstract",
        "family_id",
        "cpc",
        "assignees",
        "inventors",
        "cited",
    ):
        value = getattr(p, attr)
        parts = value if isinstance(value, list) else [value]
        for part in parts:
            for v in part if isinstance(part, tuple) else (part,):
                if isinstance(v, str):
                    try:
                        v.encode("utf-8")
                    except UnicodeEncodeError:
                        raise _Reject(
                            "text is not valid Unicode (an unpaired surrogate escape)",
                            names.get(attr, attr),
                        ) from None


# -- reading files --------------------------------------------------------------------------
#
# Every reader returns one _Record per record the file holds, counted without the JSON parser:
# JSON Lines and CSV by the physical scanner (_physical.scan_lines / scan_csv), a JSON array by
# the item scanner below. Each record is then parsed on its own, so a damaged one is one
# quarantine entry and cannot take its neighbours with it.

_STACK = 4096  # bracket kinds remembered; deeper nesting is counted, not checked


@numba.njit(cache=True, nogil=True)
def _after_quote_ok(buf: np.ndarray, i: int, e: int) -> bool:
    """After a string's closing quote at ``i`` only whitespace and ``, : ] }`` may follow."""
    j = i + 1
    while j < e and (buf[j] == 32 or buf[j] == 9 or buf[j] == 13 or buf[j] == 10):
        j += 1
    return j >= e or buf[j] == 44 or buf[j] == 58 or buf[j] == 93 or buf[j] == 125


@numba.njit(cache=True, nogil=True)
def _json_items(buf: np.ndarray, s: int, e: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The items of the JSON array or object whose opening bracket is ``buf[s]``.

    A byte-level count that shares nothing with the JSON parser: it tracks strings (with
    escapes), bracket depth and kind, and splits at the commas of depth 1. Returns each item's
    start, end (exclusive) and the position of its first ``:`` at depth 1 (object members;
    else -1), and the position of the closing bracket (-1: never closed). Damage stays local:
    a string never runs over a line break (JSON strings cannot hold one), a quote followed by
    anything but whitespace and ``, : ] }`` is a stray quote inside the string, a closing
    bracket closes the innermost opener of its kind (those inside it were left open), a
    closer with no opener of its kind is ignored, and only a closer at depth 1 can close the
    container.
    """
    starts = np.empty(64, np.int64)
    ends = np.empty(64, np.int64)
    colons = np.empty(64, np.int64)
    stack = np.empty(_STACK, np.uint8)
    stack[0] = buf[s]
    m = 0
    depth = 1
    in_str = False
    esc = False
    start = -1
    last = -1
    colon = -1
    close = -1
    i = s + 1
    while i <= e:
        c = buf[i] if i < e else 44  # the end of the input ends the last item
        if in_str and i < e:
            if esc:
                esc = False
            elif c == 92:
                esc = True
            elif c == 34:
                in_str = not _after_quote_ok(buf, i, e)  # else a stray quote: the string goes on
            elif c == 10:
                in_str = False
            last = i
            i += 1
            continue
        if c == 32 or c == 9 or c == 13 or c == 10:
            i += 1
            continue
        if (depth == 1 and c == 44) or i == e:  # the comma between two items, or the end
            if start >= 0:
                if m == starts.shape[0]:
                    starts = np.concatenate((starts, np.empty(m, np.int64)))
                    ends = np.concatenate((ends, np.empty(m, np.int64)))
                    colons = np.concatenate((colons, np.empty(m, np.int64)))
                starts[m], ends[m], colons[m] = start, last + 1, colon
                m += 1
            start, colon = -1, -1
            if i == e:
                break
            i += 1
            continue
        closer = c == 93 or c == 125
        if depth == 1 and start < 0 and not closer:
            start = i
        if c == 34:
            in_str = True
        elif c == 91 or c == 123:
            if depth < _STACK:
                stack[depth] = c
            depth += 1
        elif closer:
            want = 91 if c == 93 else 123
            if depth > _STACK:
                depth -= 1
            else:
                k = depth - 1
                while k >= 0 and stack[k] != want:
                    k -= 1
                if k == 0 and depth == 1:
                    close = i
                    e = i  # end the last item here
                    continue
                if k > 0:
                    depth = k
        elif c == 58 and depth == 1 and colon < 0:
            colon = i
        last = i
        i += 1
    return starts[:m], ends[:m], colons[:m], close


def _pretty_items(
    data: bytes, open_at: int, *, last_close: bool
) -> tuple[list[tuple[int, int]], int] | None:
    """The items of a pretty-printed array, found by their lines alone; None when the array
    is not pretty-printed.

    In an array written one item per indented block (``[\\n  {\\n    …\\n  },\\n  {``), a line
    holding the first item's indentation and its opening bracket starts an item, and nothing
    else can (a JSON string holds no line break; nested lines are indented deeper), so a
    bracket or quote damaged inside one item cannot merge it with the next. The array ends at
    a line of less indentation holding ``]`` (the last such line when the array is the whole
    document, ``last_close``). Returns the items' (start, end) and the end of the array
    (-1: the file ends inside it).
    """
    first = open_at + 1
    while first < len(data) and data[first] in b" \t\r\n":
        first += 1
    if first >= len(data) or data[first] not in b"{[" or b"\n" not in data[open_at:first]:
        return None
    line_start = data.rindex(b"\n", 0, first) + 1
    indent = data[line_start:first]
    opener = data[first : first + 1]
    closing = re.compile(rb"\n[ \t]{0,%d}\]" % max(len(indent) - 1, 0))
    found = list(closing.finditer(data, first)) if last_close else None
    m = found[-1] if found else (None if last_close else closing.search(data, first))
    stop = m.start() if m else len(data)
    begin = re.compile(re.escape(b"\n" + indent + opener))
    starts = [first] + [x.start() + 1 + len(indent) for x in begin.finditer(data, first, stop)]
    items = []
    for k, a in enumerate(starts):
        b = starts[k + 1] if k + 1 < len(starts) else stop
        while b > a and data[b - 1] in b" \t\r\n":
            b -= 1
        if k + 1 < len(starts) and data[b - 1 : b] == b",":
            b -= 1
        items.append((a, b))
    return items, (m.start() + m.group(0).index(b"]") if m else -1)


def _json_records(path: Path) -> list[_Record]:
    """One record per item of the file's array (a list, or a search page's ``patents``)."""
    data = path.read_bytes()
    buf = np.frombuffer(data, np.uint8)
    s = 3 if data.startswith(BOM) else 0
    while s < len(data) and data[s] in b" \t\r\n":
        s += 1
    if s == len(data):
        raise ParseError("empty file: no USPTO records", file=str(path))
    if data[s] not in b"[{":
        raise ParseError(_SHAPE, file=str(path), line=_line(data, s))
    starts, ends, colons, close = _json_items(buf, s, len(data))
    top_array = data[s] == ord("[")
    if not top_array:
        keys = {}
        for a, c in zip(starts.tolist(), colons.tolist(), strict=True):
            if c >= 0:
                k = data[a:c].strip().strip(b'"')
                keys.setdefault(k, c + 1)
        at = next((keys[k] for k in (b"patents", b"docs") if k in keys), None)
        if at is None and b"guid" not in keys:
            m = re.search(rb'"(?:patents|docs)"\s*:\s*\[', data)  # the envelope is damaged
            at = m.end() - 1 if m else None
        if at is None:
            if b"guid" not in keys:
                raise ParseError(_SHAPE, file=str(path))
            end = close + 1 if close >= 0 else len(data)
            return _decode_items(data, [(s, end)], cut=close < 0)
        while at < len(data) and data[at] in b" \t\r\n":
            at += 1
        if data[at : at + 1] != b"[":
            raise ParseError(_SHAPE, file=str(path))
        s = at
        starts, ends, colons, close = _json_items(buf, s, len(data))
    pretty = _pretty_items(data, s, last_close=top_array)
    if pretty is not None:
        items, close = pretty
    else:
        items = list(zip(starts.tolist(), ends.tolist(), strict=True))
    records = _decode_items(data, items, cut=close < 0)
    if top_array and close >= 0 and data[close + 1 :].strip(b" \t\r\n"):
        rest = close + 1 + (len(data[close + 1 :]) - len(data[close + 1 :].lstrip(b" \t\r\n")))
        records.append(
            _Record(
                len(records) + 1,
                None,
                f"text after the end of the JSON array (line {_line(data, rest)})",
                data[rest : rest + 4000].decode("utf-8", errors="replace"),
            )
        )
    return records


def _line(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def _decode_items(data: bytes, items: list[tuple[int, int]], *, cut: bool) -> list[_Record]:
    """Decode and parse each item alone; a bad one becomes a record with its error."""
    newlines = np.flatnonzero(np.frombuffer(data, np.uint8) == 10)

    def line_of(pos: int) -> int:
        return int(np.searchsorted(newlines, pos)) + 1

    out: list[_Record] = []
    for k, (a, b) in enumerate(items, 1):
        raw = data[a : min(b, a + 4000)].decode("utf-8", errors="replace")
        if b - a > MAX_RECORD:
            reason = f"record of {b - a:,} bytes is over the {MAX_RECORD:,}-byte limit"
            out.append(_Record(k, None, reason, raw))
            continue
        try:
            text = data[a:b].decode("utf-8")
        except UnicodeDecodeError as e:
            pos = a + e.start
            reason = f"invalid UTF-8 byte 0x{data[pos]:02X} at line {line_of(pos)}"
            out.append(_Record(k, None, reason, raw))
            continue
        value, error = _loads(text)
        if error is not None and cut and k == len(items):
            error = "record cut short: the file ends inside it (file truncated?)"
        elif error is not None and error.startswith("malformed JSON"):
            error += f" (record starts at line {line_of(a)})"
        out.append(_Record(k, value, error, raw))
    return out


def _loads(text: str) -> tuple[Any, str | None]:
    """A JSON value, or why it cannot be read."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as e:
        return None, f"malformed JSON: {e.msg}"
    except RecursionError:
        return None, "JSON nested too deeply"


def _jsonl_records(path: Path) -> tuple[list[_Record], int]:
    """One record per non-blank physical line (BOMs, CRLF, bad bytes, oversized lines handled
    by the physical scanner); returns the records and the scanner's count."""
    with scan_lines(path) as scan:
        out = [_Record(r.line, None, r.reason, r.raw) for r in scan.rejects]
        for line, seg in _segments(scan):
            value, error = _loads(seg.decode("utf-8"))
            out.append(_Record(line, value, error, seg[:4000].decode("utf-8", errors="replace")))
        return sorted(out, key=lambda r: r.line), scan.records


def _segments(scan: Scan) -> Iterator[tuple[int, bytes]]:
    """(physical line, bytes) of each record the scanner accepted."""
    data = scan.parse_path.read_bytes()
    offsets = [int(x) for x in scan.offsets] + [len(data)]
    for k, line in enumerate(scan.lines.tolist()):
        yield line, data[offsets[k] : offsets[k + 1]].rstrip(b"\r\n")


def _csv_records(path: Path) -> tuple[list[_Record], int, dict[str, int]]:
    with scan_csv(path) as scan:
        header = [h.strip() for h in next(csv.reader([scan.header.decode("utf-8")]))]
        for col in ("patent", "date"):
            if col not in header:
                raise SchemaError(
                    f"{path}: missing column {col!r}; the flattened USPTO CSV has columns "
                    f"{','.join(CSV_COLUMNS)}"
                )
        out = [_Record(r.line, None, r.reason, r.raw) for r in scan.rejects]
        for line, seg in _segments(scan):
            text = seg.decode("utf-8")
            try:
                rows = list(csv.reader([text], strict=True))
            except csv.Error as e:
                out.append(_Record(line, None, f"malformed CSV: {e}", text[:4000]))
                continue
            row = rows[0] if len(rows) == 1 else []
            if len(row) != len(header):
                reason = f"wrong number of fields ({len(row)}, expected {len(header)})"
                out.append(_Record(line, None, reason, text[:4000]))
                continue
            out.append(_Record(line, dict(zip(header, row, strict=True)), raw=text[:4000]))
        return sorted(out, key=lambda r: r.line), scan.records, dict(scan.filtered)


# -- normalising one record -----------------------------------------------------------------


def _text(v: Any) -> str | None:
    """A scalar as clean text; ``N/A`` and blanks are None; HTML entities decoded."""
    if v is None or isinstance(v, (dict, list)):
        return None
    s = " ".join(html.unescape(str(v)).split())
    return None if not s or s.upper() == "N/A" else s


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    if isinstance(v, list):
        return v
    return [v]


def _at(values: list[Any], k: int) -> str | None:
    return _text(values[k]) if k < len(values) else None


def _split(v: Any, sep: str = ";") -> list[str]:
    """A ``;``-separated string or a list as a list of clean strings."""
    if isinstance(v, list):
        items: Iterable[Any] = v
    elif isinstance(v, str):
        items = re.split(sep, v)
    else:
        items = []
    return [t for t in (_text(x) for x in items) if t]


def _date(v: Any, fld: str, *, required: bool) -> date | None:
    values = _as_list(v)
    s = next((str(x).strip() for x in values if x is not None and str(x).strip()), None)
    if s is None or not any(c.isdigit() for c in s):  # "", "None", "[]", "N/A": no date
        if required:
            raise _Reject(f"missing {fld}", fld)
        return None
    m = _DATE.search(s)
    try:
        if not m:
            raise ValueError(s)
        d = date.fromisoformat(m.group(0))
    except ValueError:
        raise _Reject(f"invalid {fld}", fld) from None
    if not date(1790, 7, 31) <= d <= date(2100, 12, 31):
        raise _Reject(f"invalid {fld}", fld)
    return d


def _number(s: str) -> str | None:
    """A patent number without leading zeros (``06103599`` → ``6103599``), or None."""
    m = _NUMBER.fullmatch(s.upper().replace(" ", "").replace(",", ""))
    return m.group(1) + m.group(2) if m else None


def _person(name: str) -> str:
    """``Last; First`` → ``First Last``."""
    last, _, first = name.partition(";")
    return " ".join(f"{first.strip()} {last.strip()}".split())


def _code(v: str | None) -> int | None:
    """An assignee type code (``02``, ``3``, ``3.0``) as its last digit; a value that is not
    a small whole number (``inf``, ``NaN``, text) quarantines the record."""
    if v is None:
        return None
    if not re.fullmatch(r"[0-9]{1,3}(\.0*)?", v.strip()):
        raise _Reject(
            f"invalid assigneeTypeCode: {v[:40]!r} is not a type code", "assigneeTypeCode"
        )
    return int(float(v)) % 10


def _type_code(v: str | None) -> str | None:
    code = _code(v)
    if code is None:
        return None
    return {2: "company", 3: "company", 4: "individual", 5: "individual"}.get(
        code, "government" if code in (6, 7, 8, 9) else None
    )


def _country(cc: str | None, state: str | None, code: str | None) -> str | None:
    if cc and re.fullmatch(r"[A-Za-z]{2}", cc):
        return cc.upper()
    if state and state.upper() in _US_STATES:
        return "US"
    if _code(code) in (2, 4, 6, 8, 9):
        return "US"
    return None


def _assignee(
    raw_name: str, code: str | None, cc: str | None, city: str | None, state: str | None
) -> tuple[str, str | None, str | None, str | None]:
    typ = _type_code(code)
    name = raw_name
    if "; " in raw_name:  # USPTO writes persons "Last; First"
        name = _person(raw_name)
        typ = typ or "individual"
    elif typ is None and _LEGAL_FORM.search(raw_name):
        typ = "company"
    return name, typ, _country(cc, state, code), city


def _cpc(inventive: list[str], additional: list[str], flagged: str | None, fld: str) -> list:
    symbols: list[str] = []
    for s in [*inventive, *additional]:
        sym = s.split()[0] if " " in s and not _CPC.fullmatch(s.replace(" ", "")) else s
        sym = sym.replace(" ", "").upper()
        if not _CPC.fullmatch(sym):
            raise _Reject("invalid CPC symbol", fld)
        if sym not in symbols:
            symbols.append(sym)
    first = flagged if flagged in symbols else (symbols[0] if symbols else None)
    return [(s, s == first) for s in symbols]


def _cited(values: list[str], fld: str) -> list[str]:
    out: list[str] = []
    for v in values:
        if _PUBLICATION.fullmatch(v):
            continue
        n = _number(v)
        if n is None:
            raise _Reject("invalid cited patent number", fld)
        cited = f"US-{n}"
        if cited not in out:
            out.append(cited)
    return out


def _guid(v: Any, fld: str) -> tuple[str, str]:
    if not isinstance(v, str) or not v.strip():
        raise _Reject(f"missing {fld}", fld)
    m = _GUID.fullmatch(v.strip().upper())
    number = _number(m.group(1)) if m else None
    if not m or number is None:
        raise _Reject(f"invalid {fld}", fld)
    if _PUBLICATION.fullmatch(number):
        raise _Reject("pre-grant publication, not a granted patent", fld)
    return number, m.group(2)


def _patent_type(number: str, kind: str, filing_type: Any) -> str:
    """The number's prefix decides (OCR records call plant patents "utility"), then the
    kind code, then the record's filing type; else utility."""
    prefix = _NUMBER.fullmatch(number).group(1)  # type: ignore[union-attr]
    if prefix in _TYPE_BY_PREFIX:
        return _TYPE_BY_PREFIX[prefix]
    for k, t in _TYPE_BY_KIND:
        if kind.startswith(k):
            return t
    ft = _text(filing_type)
    return ft.lower() if ft else "utility"


def _parse_json_record(rec: Any) -> _Patent:
    if not isinstance(rec, dict):
        raise _Reject("not a JSON object", None)
    if rec.get("type") == "US-PGPUB" or rec.get("databaseName") == "PGPB":
        raise _Reject("pre-grant publication, not a granted patent", "type")
    number, kind = _guid(rec.get("guid"), "guid")
    grant = _date(rec.get("datePublished"), "datePublished", required=True)
    assert grant is not None
    filing = _date(rec.get("applicationFilingDate"), "applicationFilingDate", required=False)
    claims = _int(rec.get("numberOfClaims"), "numberOfClaims")
    title = _text(rec.get("inventionTitle"))
    if title == _OCR_PLACEHOLDER:
        title = None
    abstract = rec.get("abstractHtml") or rec.get("abstract")
    abstract = _text(_TAG.sub(" ", abstract)) if isinstance(abstract, str) else None
    family = _text(rec.get("familyIdentifierCurStr") or rec.get("familyIdentifierCur"))
    pat = _Patent(
        f"US-{number}",
        kind,
        _patent_type(number, kind, rec.get("applicationRefFilingType")),
        grant,
        filing,
        title,
        abstract,
        family,
        claims,
    )
    inventive = _split(rec.get("cpcInventiveFlattened")) or _split(rec.get("cpcInventive"))
    additional = _split(rec.get("cpcAdditionalFlattened")) or _split(rec.get("cpcAdditional"))
    flagged = None
    for g in _as_list(rec.get("cpcCurClassificationGroup")):
        tokens = str(g).split()
        if len(tokens) > 4 and tokens[4] == "F":
            flagged = tokens[2].upper()
            break
    pat.cpc = _cpc(inventive, additional, flagged, "cpcInventiveFlattened")
    names = _as_list(rec.get("assigneeName"))
    countries, cities = _as_list(rec.get("assigneeCountry")), _as_list(rec.get("assigneeCity"))
    states, codes = _as_list(rec.get("assigneeState")), _as_list(rec.get("assigneeTypeCode"))
    for k, nm in enumerate(names):
        name = _text(nm)
        if name:
            pat.assignees.append(
                _assignee(name, _at(codes, k), _at(countries, k), _at(cities, k), _at(states, k))
            )
    inv_names = _as_list(rec.get("inventorsName"))
    if not inv_names:
        short = _text(rec.get("inventorsShort"))
        if short and "et al" not in short.lower():
            inv_names = [short]
    inv_cc = _as_list(rec.get("inventorCountry"))
    inv_city, inv_state = _as_list(rec.get("inventorCity")), _as_list(rec.get("inventorState"))
    for k, nm in enumerate(inv_names):
        name = _text(nm)
        if name:
            pat.inventors.append(
                (
                    _person(name) if ";" in name else name,
                    _country(_at(inv_cc, k), _at(inv_state, k), None),
                    _at(inv_city, k),
                )
            )
    pat.cited = _cited(_split(rec.get("urpn")), "urpn")
    return pat


def _int(v: Any, fld: str) -> int | None:
    """A count: a whole number 0 ≤ n < 100,000 (a JSON number or its text)."""
    if isinstance(v, bool):
        raise _Reject(f"invalid {fld}: not a number", fld)
    s = _text(v)
    if s is None:
        return None
    try:
        f = float(s)
    except (ValueError, OverflowError):
        raise _Reject(f"invalid {fld}: not a number", fld) from None
    if not math.isfinite(f):
        raise _Reject(f"invalid {fld}: {s[:40]!r} is not a finite number", fld)
    if not 0 <= f < 100_000 or f != int(f):
        raise _Reject(f"invalid {fld}: {s[:40]!r} is out of range (a count 0-99,999)", fld)
    return int(f)


def _parse_csv_row(row: dict[str, str]) -> _Patent:
    number, kind = _guid(row.get("patent"), "patent")
    grant = _date(row.get("date"), "date", required=True)
    assert grant is not None
    filing = _date(row.get("filed"), "filed", required=False)
    title = _text(row.get("title"))
    pat = _Patent(
        f"US-{number}",
        kind,
        _patent_type(number, kind, None),
        grant,
        filing,
        None if title == _OCR_PLACEHOLDER else title,
        None,
        None,
        None,
    )
    pat.cpc = _cpc(
        _split(row.get("cpc_inventive")), _split(row.get("cpc_additional")), None, "cpc_inventive"
    )
    # Assignees are separated by ";" without a space ("A Inc.;B KK"); "Last; First" is a person.
    names = _split(row.get("assignee"), r";(?! )")
    countries = [c.strip() for c in re.split(r";(?! )", row.get("assignee_country") or "")]
    for k, name in enumerate(names):
        cc = _text(countries[k]) if k < len(countries) else None
        pat.assignees.append(_assignee(name, None, cc, None, None))
    pat.cited = _cited(_split(row.get("us_cited")), "us_cited")
    return pat
