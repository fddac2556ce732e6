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
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from forcemap.errors import InputError, NotFoundError, ParseError, SchemaError, StoreError
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
    error: str | None = None  # a record that could not even be read (bad JSON line, CSV row)
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
        Reconciled over records: ``read == stored + rejected + duplicates``; ``related``
        counts the CPC, assignee, inventor and citation rows written.

    Raises
    ------
    NotFoundError
        ``path`` does not exist.
    InputError
        Unknown file type.
    ParseError
        A ``.json`` file is not JSON, or not records / a search page (names file and line).
    SchemaError
        A CSV lacks the ``patent`` or ``date`` column.
    StoreError
        DuckDB failed; the file's batch was rolled back.

    Notes
    -----
    - Quarantined, with the record number (JSON list/page; the line for JSON Lines and CSV),
      guid, field and reason: a record that is not an object, a missing or invalid ``guid``,
      a missing or unparseable ``datePublished``, an unparseable filing date or claim count,
      an invalid CPC symbol or cited patent number, a CSV row with the wrong number of fields,
      and pre-grant publications (``US-PGPUB`` records, kind A1/A2/A9): the store's
      ``patents`` are grants.
    - Duplicates (the same patent twice in a file) are merged, the later record winning. A
      patent already in the store (from an earlier file or from PatentsView) is replaced,
      with its CPC, assignee, inventor and citation rows. A file identical to one ingested
      before is skipped.
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
    if suffix in _CSV_SUFFIXES:
        records = list(_read_csv(path))
        parse = _parse_csv_row
    else:
        records = list(_read_jsonl(path) if suffix in _JSONL_SUFFIXES else _read_json(path))
        parse = _parse_json_record
    rejects: list[tuple[_Record, str, str | None, str | None]] = []  # record, reason, field, id
    kept: dict[str, _Patent] = {}
    duplicates = 0
    for rec in records:
        if rec.error is not None:
            rejects.append((rec, rec.error, None, None))
            continue
        try:
            pat = parse(rec.data)
        except _Reject as r:
            rejects.append((rec, r.reason, r.field, _record_id(rec.data)))
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
                b.reject(reason, line=rec.line, record_id=rid, field=fld, raw=_raw(rec))
            _write(b, origin)
            report = store.finish(
                b,
                checksum=checksum,
                read=len(records),
                stored=len(kept),
                duplicates=duplicates,
                started=started,
            )
            report.related = {
                "patent_cpc": tables[1].num_rows,
                "patent_assignees": tables[2].num_rows,
                "patent_inventors": tables[3].num_rows,
                "patent_citations": tables[4].num_rows,
            }
    except duckdb.Error as e:
        raise StoreError(f"{path}: ingest failed, store unchanged: {e}") from e
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
        return rid if isinstance(rid, str) and rid.strip() else None
    return None


def _raw(rec: _Record) -> str:
    if rec.raw is not None:
        return rec.raw
    try:
        return json.dumps(rec.data, ensure_ascii=False)[:4000]
    except (TypeError, ValueError):
        return repr(rec.data)[:4000]


# -- reading files --------------------------------------------------------------------------


def _read_json(path: Path) -> Iterator[_Record]:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            doc = json.load(fh)
    except json.JSONDecodeError as e:
        raise ParseError(f"not JSON: {e.msg}", file=str(path), line=e.lineno) from e
    except UnicodeDecodeError as e:
        raise ParseError(f"not UTF-8 text: {e}", file=str(path)) from e
    if isinstance(doc, list):
        records = doc
    elif isinstance(doc, dict) and isinstance(doc.get("patents"), list):
        records = doc["patents"]
    elif isinstance(doc, dict) and isinstance(doc.get("docs"), list):
        records = doc["docs"]
    elif isinstance(doc, dict) and "guid" in doc:
        records = [doc]
    else:
        raise ParseError(
            'expected a list of USPTO records, a search page {"patents": [...]} or one record '
            'with a "guid"',
            file=str(path),
        )
    for k, rec in enumerate(records, 1):
        yield _Record(k, rec)


def _read_jsonl(path: Path) -> Iterator[_Record]:
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield _Record(n, None, "invalid UTF-8", raw.decode("utf-8", errors="replace"))
                continue
            try:
                yield _Record(n, json.loads(text))
            except json.JSONDecodeError:
                yield _Record(n, None, "malformed JSON", text)


def _read_csv(path: Path) -> Iterator[_Record]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise ParseError(f"not UTF-8 text: {e}", file=str(path)) from e
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise SchemaError(f"{path}: empty file; expected a header line") from None
    for col in ("patent", "date"):
        if col not in header:
            raise SchemaError(
                f"{path}: missing column {col!r}; the flattened USPTO CSV has columns "
                f"{','.join(CSV_COLUMNS)}"
            )
    line = 1
    try:
        for row in reader:
            start, line = line + 1, reader.line_num
            if not any(v.strip() for v in row):
                continue
            if len(row) != len(header):
                yield _Record(
                    start,
                    None,
                    f"wrong number of fields ({len(row)}, expected {len(header)})",
                    ",".join(row)[:4000],
                )
                continue
            yield _Record(start, dict(zip(header, row, strict=True)))
    except csv.Error as e:
        raise ParseError(f"malformed CSV: {e}", file=str(path), line=reader.line_num) from e


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


def _type_code(v: str | None) -> str | None:
    if v is None:
        return None
    try:
        code = int(float(v)) % 10
    except ValueError:
        return None
    return {2: "company", 3: "company", 4: "individual", 5: "individual"}.get(
        code, "government" if code in (6, 7, 8, 9) else None
    )


def _country(cc: str | None, state: str | None, code: str | None) -> str | None:
    if cc and re.fullmatch(r"[A-Za-z]{2}", cc):
        return cc.upper()
    if state and state.upper() in _US_STATES:
        return "US"
    try:
        if code is not None and int(float(code)) % 10 in (2, 4, 6, 8, 9):
            return "US"
    except ValueError:
        pass
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
    s = _text(v)
    if s is None:
        return None
    try:
        f = float(s)
    except ValueError:
        raise _Reject(f"invalid {fld}", fld) from None
    if f != int(f) or not 0 <= f < 100_000:
        raise _Reject(f"invalid {fld}", fld)
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
