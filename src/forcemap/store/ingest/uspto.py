"""USPTO grant records: Public Search JSON (full or bibliographic) and their flattened CSV.

Accepted inputs (files, or directories searched for them):

* ``.json`` — a list of USPTO Public Search records (``doc.json``), a search-result page
  ``{"patents": [...], "numFound": ...}`` (``biblio.json``), or one record;
* ``.jsonl`` / ``.ndjson`` — one record per line;
* ``.csv`` — the flattened layout ``patent,src,title,date,filed,assignee,assignee_country,
  cpc_inventive,cpc_additional,us_cited,n_us_cited`` (``uspto_sample_patents.csv``), with
  multi-valued fields ``;``-separated and ``N/A`` for an unknown country.

A record file holds hundreds to thousands of records, so records are normalised in Python and
written set-based through Arrow tables. Each file is one atomic batch. A file is split into its
records by :mod:`~forcemap.store.ingest.uspto_records`, each record normalised by
:mod:`~forcemap.store.ingest.uspto_fields`; this module finds the files, quarantines, writes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from forcemap.errors import InputError, NotFoundError, StoreError
from forcemap.store.ingest.uspto_fields import (
    CSV_FIELDS,
    JSON_FIELDS,
    Patent,
    Reject,
    check_storable,
    parse_csv_row,
    parse_json_record,
)
from forcemap.store.ingest.uspto_records import Record, csv_records, json_records, jsonl_records
from forcemap.store.patent_resolution import (
    fill_holder_countries,
    group_patent_families,
    number_key_sql,
)
from forcemap.store.store import Batch, IngestReport, Store, file_checksum

__all__ = ["ID_PREFIX", "find_uspto_files", "ingest_uspto"]

SOURCE = "uspto"

ID_PREFIX = "uspto:"
"""Namespace of USPTO assignee ids (``uspto:<lower-cased name>``): the records carry no
assignee id, so the name is the id."""


_JSON_SUFFIXES = (".json",)
_JSONL_SUFFIXES = (".jsonl", ".ndjson")
_CSV_SUFFIXES = (".csv",)


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
        ("country_source", pa.string()),
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
_PRIORITY_SCHEMA = pa.schema(
    [
        ("patent_id", pa.string()),
        ("seq", pa.int16()),
        ("country", pa.string()),
        ("number", pa.string()),
        ("filing_date", pa.date32()),
    ]
)
_RELATION_SCHEMA = pa.schema(
    [
        ("patent_id", pa.string()),
        ("seq", pa.int16()),
        ("relation", pa.string()),
        ("number", pa.string()),
    ]
)


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
      LLC, GmbH, Kabushiki Kaisha …), else unknown. Country (``country_source`` says which
      rule gave it): an ISO 3166-1 code of the shipped table or a country name
      (``address``); else a US state (``address``); else, when the assignee has no address,
      the address of the applicant of the same name (``applicantCountry``/``State``/
      ``City``; ``address``); else a US owner type code 2, 4, 6, 8, 9 (``type_code``); else
      a state holder's name, "The United States of America as represented by …"
      (``name``); else, after the file is written, the one country the same holder (same
      assignee id) has on its other records in the store (``holder``; none if they
      disagree); else unknown (NULL). A code that is no country (``EP``, ``WO``, ``XX``)
      stays unknown;
    * ``inventorsName`` (``Last; First``) with ``inventorCountry``/``inventorCity``/
      ``inventorState`` → ``patent_inventors`` (no inventor id); a bibliographic record has
      only ``inventorsShort``, used when it names a single inventor (no "et al.");
    * ``priorityClaimsCountry``/``DocNumber``/``Date`` → ``patent_priority``;
      ``applicationNumber`` (relation ``application``) and ``relatedApplNumber``
      (``continuation 16428791``: the relation named, else ``related-application``) →
      ``patent_relations``; both feed the patent families;
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
    - Patent families are regrouped after each file (:func:`~forcemap.store.patent_resolution.
      group_patent_families`): ``familyIdentifierCur`` is the source's family id.
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
        records, read, filtered = csv_records(path)
        parse: Callable[[Any], Patent] = parse_csv_row
        names = CSV_FIELDS
    elif suffix in _JSONL_SUFFIXES:
        records, read = jsonl_records(path)
        parse, names = parse_json_record, JSON_FIELDS
    else:
        records = json_records(path)
        read, unit = len(records), "record"
        parse, names = parse_json_record, JSON_FIELDS
    rejects: list[tuple[Record, str, str | None, str | None]] = []  # record, reason, field, id
    kept: dict[str, Patent] = {}
    duplicates = 0
    for rec in records:
        if rec.error is not None:
            rejects.append((rec, rec.error, None, None))
            continue
        try:
            pat = parse(rec.data)
            check_storable(pat, names)
        except Reject as r:
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
        "_us_pri": tables[5],
        "_us_rel": tables[6],
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
        ("patent_priority", "patent_id"),
        ("patent_relations", "patent_id"),
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
               (patent_id, seq, assignee_id, name, type, country_code, city, country_source)
           SELECT patent_id, seq, assignee_id, name, type, country_code, city, country_source
           FROM _us_asg"""
    )
    con.execute(
        """INSERT INTO patent_inventors
           SELECT patent_id, seq, NULL, name, country_code, city FROM _us_inv"""
    )
    con.execute("INSERT INTO patent_citations SELECT citing_id, cited_id FROM _us_cit")
    con.execute(
        f"""INSERT INTO patent_priority
            SELECT patent_id, seq, upper(country), number,
                   {number_key_sql("PRI", "country", "number")}, filing_date, NULL
            FROM _us_pri"""  # noqa: S608 - fixed expressions only
    )
    con.execute(
        f"""INSERT INTO patent_relations
            SELECT patent_id, seq, relation, 'US', number,
                   {number_key_sql("APP", "'US'", "number")}, NULL, NULL, NULL
            FROM _us_rel"""  # noqa: S608 - fixed expressions only
    )
    fill_holder_countries(con)
    group_patent_families(con)


def _arrow_tables(patents: list[Patent]) -> tuple[pa.Table, ...]:
    pats, cpcs, asgs, invs, cits = [], [], [], [], []
    pris: list[dict[str, Any]] = []
    rels: list[dict[str, Any]] = []
    for p in patents:
        for k, (country, number, when) in enumerate(p.priority, 1):
            pris.append(
                {"patent_id": p.patent_id, "seq": k, "country": country, "number": number,
                 "filing_date": when}
            )  # fmt: skip
        links = [("application", p.application)] if p.application else []
        for k, (relation, number) in enumerate([*links, *p.related]):
            rels.append(
                {"patent_id": p.patent_id, "seq": k, "relation": relation, "number": number}
            )
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
        for k, (name, typ, country, city, country_source) in enumerate(p.assignees, 1):
            asgs.append(
                {
                    "patent_id": p.patent_id,
                    "seq": k,
                    "assignee_id": ID_PREFIX + " ".join(name.lower().split()),
                    "name": name,
                    "type": typ,
                    "country_code": country,
                    "city": city,
                    "country_source": country_source,
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
        pa.Table.from_pylist(pris, schema=_PRIORITY_SCHEMA),
        pa.Table.from_pylist(rels, schema=_RELATION_SCHEMA),
    )


def _record_id(data: Any) -> str | None:
    if isinstance(data, dict):
        rid = data.get("guid", data.get("patent"))
        if isinstance(rid, str) and rid.strip():
            return rid.encode("utf-8", errors="replace").decode("utf-8")[:200]
    return None
