"""Bibliographic exports (Web of Science, Scopus, Lens.org, RIS, BibTeX): the shared machinery.

Each export format has a small module that turns one file into source records
(:mod:`~forcemap.store.ingest.wos`, :mod:`~forcemap.store.ingest.scopus`,
:mod:`~forcemap.store.ingest.lens`, :mod:`~forcemap.store.ingest.ris_bibtex`) with the record
model and file readers of :mod:`~forcemap.store.ingest.bib_records` and the field normalisation
of :mod:`~forcemap.store.ingest.bib_fields`; this module validates and maps every record to the
canonical tables, and writes one file as one atomic, reconciled batch:

* ``works`` — one row per record, ``work_id`` namespaced by source (``WOS:…``,
  ``scopus:2-s2.0-…``, ``lens:…``, ``ris:<hash>``, ``bib:<key>``);
* ``authorships`` — one row per (author, affiliation) like OpenAlex, ``author_seq`` 1-based;
  affiliations parsed into organisation + country become ``institutions`` with ids
  ``<source>:inst:<normalised organisation name>``;
* ``authors`` — only when the source names its authors (Scopus author ids, WoS ORCIDs);
* ``work_references`` — ``cited_id`` is a stored work when the reference matches one (by DOI,
  or by the normalised key ``ref:<first-author surname>|<year>|<volume>|<first page>``), else
  the external id ``doi:<doi>`` / ``ref:<key>`` (``lens:<id>`` for Lens references). References
  stored earlier under an external id are re-linked when the cited work arrives;
* ``work_concepts`` — keywords as ``kw:<normalised keyword>`` (Lens fields of study as
  ``fos:<normalised>``), ``level`` and ``score`` NULL.

Each file is first split into its records by their delimiters alone (:class:`Split`: physical
lines for the CSV and tab-delimited exports, through
:func:`~forcemap.store.ingest._physical.scan_csv` / ``scan_lines``; ``PT``…``ER`` and
``TY``…``ER`` spans for WoS plain text and RIS; ``@entry`` blocks for BibTeX). That count is
the ``read`` the batch reconciles against, and every record is then parsed alone, in time
linear in its size, so a damaged record is one quarantine entry and cannot swallow the next.
Records are parsed in Python (exports hold at most 100 000 records) and written set-based from
Arrow tables. Quarantined with file, record start line, field and reason: malformed records,
bytes that are not UTF-8 (with the line of the first one), records over
:data:`~forcemap.store.ingest._physical.MAX_RECORD` bytes (with their size), counts over the
INTEGER range, more than 32,767 authors, and any other record the mapping cannot read. A
record cut by the end of the file (no ``ER``, an unclosed ``@entry``) is quarantined; a CSV
or tab-delimited row is accepted when it is complete, with or without the final line break.

A record whose id is already in the file is a duplicate, merged; one already in the store is
*replaced* by the merge: its non-empty fields win, its author, reference and keyword lists
replace the stored ones when non-empty (so a "full record" export and a "cited references"
export of the same works combine).
"""

from __future__ import annotations

import os
from dataclasses import fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from forcemap.errors import NotFoundError, ParseError, StoreError
from forcemap.store.ingest._physical import MAX_RECORD
from forcemap.store.ingest.bib_fields import author_position, norm_key, work_key
from forcemap.store.ingest.bib_records import (
    SURROGATE,
    Author,
    BibFormat,
    FieldError,
    Progress,
    RawRecord,
    Record,
    Reject,
    Split,
    clean_raw,
)
from forcemap.store.store import Batch, IngestReport, Store, file_checksum

__all__ = ["ingest_bibliographic"]

# -- one file, one batch ---------------------------------------------------------------------


def _files(path: Path, fmt: BibFormat) -> list[Path]:
    if not path.exists():
        raise NotFoundError(f"{path}: no such file or directory")
    if not path.is_dir():
        return [path]
    files = sorted(
        f
        for f in path.rglob("*")
        if f.is_file() and not f.name.startswith(".") and f.name.lower().endswith(fmt.suffixes)
    )
    if not files:
        raise NotFoundError(
            f"{path}: no {fmt.source} export files ({', '.join('*' + s for s in fmt.suffixes)})"
        )
    return files


def ingest_bibliographic(
    store: Store,
    path: str | os.PathLike[str],
    fmt: BibFormat,
    *,
    origin: str | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest one export file (or every matching file of a directory), one batch per file."""
    files = _files(Path(path), fmt)
    total = sum(f.stat().st_size for f in files)
    report = IngestReport(source=fmt.source)
    done = 0
    for f in files:
        report.add(_ingest_file(store, f, fmt, origin=origin or fmt.source))
        done += f.stat().st_size
        if progress:
            progress(done, total)
    return report


def _parse(path: Path, fmt: BibFormat, b: Batch) -> tuple[Split, list[Record]]:
    """Split the file into records, validate and map each one alone; reject the bad ones."""
    split = fmt.read(path)
    if split.records != len(split.items) + sum(split.filtered.values()):
        raise ParseError(  # a bug in a splitter, never the input's fault
            f"record count does not reconcile: {split.records} records in the file != "
            f"{len(split.items)} read + {sum(split.filtered.values())} filtered",
            file=str(path),
        )
    out: list[Record] = []
    for item in split.items:
        if isinstance(item, Reject):
            b.reject(
                item.reason,
                line=item.line,
                record_id=item.record_id,
                field=item.field,
                raw=clean_raw(item.raw) if item.raw else None,
            )
            continue
        rid = item.fields.get(fmt.id_field) if fmt.id_field else None
        rid = clean_raw(rid.strip())[:200] if rid and rid.strip() else None
        try:
            _check_raw(item)
            rec = fmt.convert(item)
            _check_record(rec, fmt)
        except FieldError as e:
            b.reject(
                e.reason, line=item.line, record_id=rid, field=e.field, raw=clean_raw(item.raw)
            )
            continue
        except Exception as e:  # one record's surprise is that record's quarantine entry
            reason = f"unreadable record ({type(e).__name__}: {e})"[:500]
            b.reject(reason, line=item.line, record_id=rid, raw=clean_raw(item.raw))
            continue
        out.append(rec)
    return split, out


def _check_raw(item: RawRecord) -> None:
    """A record over the size limit, or holding bytes that are not UTF-8 (decoded as lone
    surrogates), raises :class:`FieldError` with its size, or the byte and its line."""
    if len(item.raw) > MAX_RECORD // 4:
        size = len(item.raw.encode("utf-8", errors="surrogateescape"))
        if size > MAX_RECORD:
            raise FieldError(
                None, f"record of {size:,} bytes is over the {MAX_RECORD:,}-byte limit"
            )
    m = SURROGATE.search(item.raw)
    if m is None:
        return
    bad = next((k for k, v in item.fields.items() if v and SURROGATE.search(v)), None)
    line = item.line + item.raw.count("\n", 0, m.start())
    byte = ord(m.group(0)) - 0xDC00
    raise FieldError(bad, f"invalid UTF-8 byte 0x{byte:02X} at line {line}")


def _check_record(rec: Record, fmt: BibFormat) -> None:
    """What the store's columns cannot hold: more authors than a SMALLINT ``author_seq``."""
    n = len(rec.authors)
    if n > 32_767:
        raise FieldError(fmt.authors_field, f"{n:,} authors: more than the 32,767 a work can hold")


def _merge(old: Record, new: Record) -> Record:
    """``new`` over ``old``: non-empty scalar fields and non-empty lists of ``new`` win."""
    vals: dict[str, Any] = {}
    for f in fields(Record):
        a, b = getattr(old, f.name), getattr(new, f.name)
        vals[f.name] = b if (b not in (None, [], "")) else a
    if _poorer(new.authors, old.authors):
        vals["authors"] = old.authors
    return replace(new, **vals)


def _poorer(new: list[Author], old: list[Author]) -> bool:
    """The same author list without the affiliations the other one has."""
    return (
        len(new) == len(old)
        and not any(a.affiliations for a in new)
        and any(a.affiliations for a in old)
    )


_W_SCHEMA = pa.schema(
    [
        ("work_id", pa.string()),
        ("doi", pa.string()),
        ("title", pa.string()),
        ("abstract", pa.string()),
        ("year", pa.int32()),
        ("pub_date", pa.date32()),
        ("type", pa.string()),
        ("source_id", pa.string()),
        ("source_name", pa.string()),
        ("cited_by_count", pa.int32()),
        ("language", pa.string()),
        ("line", pa.int64()),
    ]
)
_A_SCHEMA = pa.schema(
    [
        ("work_id", pa.string()),
        ("author_seq", pa.int16()),
        ("author_id", pa.string()),
        ("author_name", pa.string()),
        ("author_position", pa.string()),
        ("is_corresponding", pa.bool_()),
        ("institution_id", pa.string()),
        ("country_code", pa.string()),
        ("raw_affiliation", pa.string()),
    ]
)
_AU_SCHEMA = pa.schema([("author_id", pa.string()), ("name", pa.string()), ("orcid", pa.string())])
_I_SCHEMA = pa.schema(
    [
        ("institution_id", pa.string()),
        ("name", pa.string()),
        ("country_code", pa.string()),
        ("city", pa.string()),
    ]
)
_R_SCHEMA = pa.schema([("citing_id", pa.string()), ("cited_id", pa.string())])
_K_SCHEMA = pa.schema(
    [("work_id", pa.string()), ("concept_id", pa.string()), ("name", pa.string())]
)
_KEY_SCHEMA = pa.schema([("work_id", pa.string()), ("key", pa.string())])

_TEMPS = ("_bib_w", "_bib_a", "_bib_au", "_bib_i", "_bib_r", "_bib_k", "_bib_keys", "_bib_m")
_TEMPS2 = ("_bib_match", "_bib_rel", "_bib_r2", "_bib_akeep")


def _tables(records: list[Record], source: str) -> dict[str, pa.Table]:
    works: list[dict[str, Any]] = []
    auth: list[dict[str, Any]] = []
    refs: list[dict[str, str]] = []
    kws: list[dict[str, str]] = []
    keys: list[dict[str, str]] = []
    authors: dict[str, dict[str, Any]] = {}
    insts: dict[str, dict[str, Any]] = {}
    for r in records:
        works.append(
            {
                "work_id": r.work_id,
                "doi": r.doi,
                "title": r.title,
                "abstract": r.abstract,
                "year": r.year,
                "pub_date": r.pub_date,
                "type": r.type,
                "source_id": r.source_id,
                "source_name": r.source_name,
                "cited_by_count": r.cited_by_count,
                "language": r.language,
                "line": r.line,
            }
        )
        n = len(r.authors)
        for seq, a in enumerate(r.authors, 1):
            if a.author_id:
                authors.setdefault(
                    a.author_id, {"author_id": a.author_id, "name": a.name, "orcid": a.orcid}
                )
            base = {
                "work_id": r.work_id,
                "author_seq": seq,
                "author_id": a.author_id,
                "author_name": a.name,
                "author_position": author_position(seq, n),
                "is_corresponding": a.is_corresponding,
            }
            if not a.affiliations:
                auth.append(
                    {**base, "institution_id": None, "country_code": None, "raw_affiliation": None}
                )
            for af in a.affiliations:
                org = norm_key(af.org)
                iid = f"{source}:inst:{org}" if org else None
                if iid:
                    insts.setdefault(
                        iid,
                        {
                            "institution_id": iid,
                            "name": af.org,
                            "country_code": af.country_code,
                            "city": af.city,
                        },
                    )
                auth.append(
                    {
                        **base,
                        "institution_id": iid,
                        "country_code": af.country_code,
                        "raw_affiliation": af.raw,
                    }
                )
        refs.extend({"citing_id": r.work_id, "cited_id": c} for c in dict.fromkeys(r.references))
        kws.extend({"work_id": r.work_id, "concept_id": k, "name": nm} for k, nm in r.keywords)
        k = work_key(r)
        if k:
            keys.append({"work_id": r.work_id, "key": k})
    return {
        "_bib_w": pa.Table.from_pylist(works, schema=_W_SCHEMA),
        "_bib_a": pa.Table.from_pylist(auth, schema=_A_SCHEMA),
        "_bib_au": pa.Table.from_pylist(list(authors.values()), schema=_AU_SCHEMA),
        "_bib_i": pa.Table.from_pylist(list(insts.values()), schema=_I_SCHEMA),
        "_bib_r": pa.Table.from_pylist(refs, schema=_R_SCHEMA),
        "_bib_k": pa.Table.from_pylist(kws, schema=_K_SCHEMA),
        "_bib_keys": pa.Table.from_pylist(keys, schema=_KEY_SCHEMA),
    }


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = con.execute(sql).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def _ingest_file(store: Store, path: Path, fmt: BibFormat, *, origin: str) -> IngestReport:
    started = datetime.now()
    checksum = file_checksum(path)
    if store.already_ingested(fmt.source, checksum):
        return IngestReport(source=fmt.source, skipped=[str(path)])
    con = store.con
    try:
        with store.batch(fmt.source, path) as b:
            split, records = _parse(path, fmt, b)
            unique: dict[str, Record] = {}
            for r in records:
                unique[r.work_id] = _merge(unique[r.work_id], r) if r.work_id in unique else r
            in_file_dups = len(records) - len(unique)
            tables = _tables(list(unique.values()), fmt.source)
            for name, tbl in tables.items():
                con.register(f"{name}_arrow", tbl)
                con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")  # noqa: S608
                con.unregister(f"{name}_arrow")
            related = _write(con, b, origin)
            replaced = related.pop("_replaced")
            report = store.finish(
                b,
                checksum=checksum,
                read=split.records,
                stored=len(unique) - replaced,
                replaced=replaced,
                duplicates=in_file_dups,
                filtered=split.filtered,
                started=started,
            )
            report.related = related
    except duckdb.Error as e:
        raise StoreError(f"{path}: ingest failed, this file left the store unchanged: {e}") from e
    finally:
        for t in _TEMPS + _TEMPS2:
            con.execute(f"DROP TABLE IF EXISTS {t}")
    q = store.export_quarantine(b.batch_id)
    if q:
        report.quarantine_files.append(str(q))
    return report


_WORK_COLS = (
    "doi",
    "title",
    "abstract",
    "year",
    "pub_date",
    "type",
    "source_id",
    "source_name",
    "cited_by_count",
    "language",
)


def _write(con: duckdb.DuckDBPyConnection, b: Batch, origin: str) -> dict[str, int]:
    """Merge the staged ``_bib_*`` tables into the store; return rows written per table."""
    replaced = _count(
        con, "SELECT count(*) FROM _bib_w WHERE work_id IN (SELECT work_id FROM works)"
    )
    merged = ", ".join(f"coalesce(n.{c}, w.{c})" for c in _WORK_COLS)
    con.execute(
        f"""CREATE TEMP TABLE _bib_m AS
            SELECT n.work_id, {merged}, w.updated_date, $origin AS origin, $batch AS batch_id
            FROM _bib_w n LEFT JOIN (SELECT * FROM works
                                     WHERE work_id IN (SELECT work_id FROM _bib_w)) w
                 USING (work_id)
            ORDER BY n.line""",  # noqa: S608 - allow-listed column names only
        {"origin": origin, "batch": b.batch_id},
    )
    con.execute("DELETE FROM works WHERE work_id IN (SELECT work_id FROM _bib_w)")
    con.execute("INSERT INTO works SELECT * FROM _bib_m")
    out = {"works": _count(con, "SELECT count(*) FROM _bib_m"), "_replaced": replaced}

    # child lists: a work's stored rows are replaced only when the new record has some, and
    # stored authorships with affiliations are not replaced by the same authors without any
    con.execute(
        """CREATE TEMP TABLE _bib_akeep AS
           SELECT work_id FROM
             (SELECT work_id, count(raw_affiliation) AS aff, max(author_seq) AS n
              FROM _bib_a GROUP BY work_id) n
           JOIN (SELECT work_id, count(raw_affiliation) AS aff, max(author_seq) AS n
                 FROM authorships WHERE work_id IN (SELECT work_id FROM _bib_a)
                 GROUP BY work_id) o USING (work_id)
           WHERE n.aff = 0 AND o.aff > 0 AND n.n = o.n"""
    )
    con.execute(
        """DELETE FROM authorships WHERE work_id IN (SELECT work_id FROM _bib_a)
           AND work_id NOT IN (SELECT work_id FROM _bib_akeep)"""
    )
    con.execute(
        """INSERT INTO authorships SELECT * FROM _bib_a
           WHERE work_id NOT IN (SELECT work_id FROM _bib_akeep)"""
    )
    out["authorships"] = _count(
        con, "SELECT count(*) FROM _bib_a WHERE work_id NOT IN (SELECT work_id FROM _bib_akeep)"
    )
    con.execute(
        """DELETE FROM work_concepts WHERE work_id IN (SELECT work_id FROM _bib_k)
           AND (starts_with(concept_id, 'kw:') OR starts_with(concept_id, 'fos:'))"""
    )
    con.execute(
        "INSERT INTO work_concepts SELECT work_id, concept_id, name, NULL, NULL FROM _bib_k"
    )
    out["work_concepts"] = _count(con, "SELECT count(*) FROM _bib_k")
    out["authors"] = _count(
        con, "SELECT count(*) FROM _bib_au WHERE author_id NOT IN (SELECT author_id FROM authors)"
    )
    con.execute(
        """INSERT INTO authors SELECT * FROM _bib_au
           WHERE author_id NOT IN (SELECT author_id FROM authors)"""
    )
    out["institutions"] = _count(
        con,
        """SELECT count(*) FROM _bib_i
           WHERE institution_id NOT IN (SELECT institution_id FROM institutions)""",
    )
    con.execute(
        """INSERT INTO institutions
           SELECT institution_id, NULL, name, NULL, country_code, city, $origin FROM _bib_i
           WHERE institution_id NOT IN (SELECT institution_id FROM institutions)""",
        {"origin": origin},
    )

    # references: external ids → stored works (by DOI over the whole store, by key over this
    # file's works), the smallest work id when several match
    con.execute(
        """CREATE TEMP TABLE _bib_match AS
           SELECT 'doi:' || doi AS ext, min(work_id) AS work_id FROM works
           WHERE doi IS NOT NULL AND ('doi:' || doi IN (SELECT cited_id FROM _bib_r)
                                      OR doi IN (SELECT doi FROM _bib_w))
           GROUP BY doi
           UNION ALL
           SELECT key, min(work_id) FROM _bib_keys GROUP BY key"""
    )
    con.execute(
        """CREATE TEMP TABLE _bib_r2 AS
           SELECT DISTINCT r.citing_id, coalesce(m.work_id, r.cited_id) AS cited_id,
                  m.work_id IS NOT NULL AS matched
           FROM _bib_r r LEFT JOIN _bib_match m ON m.ext = r.cited_id"""
    )
    con.execute("DELETE FROM work_references WHERE citing_id IN (SELECT citing_id FROM _bib_r)")
    con.execute("INSERT INTO work_references SELECT DISTINCT citing_id, cited_id FROM _bib_r2")
    out["work_references"] = _count(
        con, "SELECT count(*) FROM (SELECT DISTINCT citing_id, cited_id FROM _bib_r2)"
    )
    out["references_matched"] = _count(con, "SELECT count(*) FROM _bib_r2 WHERE matched")
    # references stored earlier under an external id that names a work of this file
    con.execute(
        """CREATE TEMP TABLE _bib_rel AS
           SELECT DISTINCT wr.citing_id, m.work_id AS cited_id
           FROM work_references wr JOIN _bib_match m ON wr.cited_id = m.ext"""
    )
    out["references_relinked"] = _count(con, "SELECT count(*) FROM _bib_rel")
    con.execute("DELETE FROM work_references WHERE cited_id IN (SELECT ext FROM _bib_match)")
    con.execute(
        """INSERT INTO work_references SELECT r.* FROM _bib_rel r
           WHERE NOT EXISTS (SELECT 1 FROM work_references x
                             WHERE x.citing_id = r.citing_id AND x.cited_id = r.cited_id)"""
    )
    return out
