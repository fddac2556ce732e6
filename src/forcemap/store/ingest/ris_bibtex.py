"""Reference-manager exports: RIS (``*.ris``, read with ``rispy``) and BibTeX (``*.bib``, read
with ``bibtexparser`` 2).

RIS: records run from ``TY  -`` to ``ER  -``; ``work_id`` is ``ris:<hash>`` of the DOI (else of
title, year and first author), so the same work exported twice is one work. ``TI``/``T1`` →
``title``, ``AU``/``A1`` → authorships, ``AD`` → affiliations (paired with the authors when
there is one per author, given to every author when there is one), ``PY``/``Y1`` → ``year``,
``DA`` → ``pub_date``, ``DO`` → ``doi``, ``AB``/``N2``, ``T2``/``JO``/``JF`` →
``source_name``, ``SN`` → ``source_id``, ``VL``, ``SP``, ``KW`` → keywords, ``TY`` → ``type``.

BibTeX: each entry is ``bib:<citation key>``; LaTeX accents are decoded; ``author`` →
authorships, ``title``, ``year``, ``doi``, ``abstract``, ``journal``/``booktitle`` →
``source_name``, ``issn``, ``volume``, ``pages``, ``keywords`` (``,`` or ``;`` separated),
the entry type → ``type``. A repeated key is a merged duplicate; an entry the parser cannot
read is quarantined with its start line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import bibtexparser
import rispy
from bibtexparser import middlewares as bm
from bibtexparser.model import DuplicateBlockKeyBlock, Entry

from forcemap.errors import ParseError
from forcemap.store.ingest.bibliographic import (
    Author,
    BibFormat,
    FieldError,
    Progress,
    RawRecord,
    Record,
    Reject,
    doi_of,
    hash_id,
    ingest_bibliographic,
    issn_id,
    keywords,
    language_of,
    parse_affiliation,
    surname_key,
    text_of,
    type_of,
    year_of,
)
from forcemap.store.store import IngestReport, Store

__all__ = ["BIBTEX", "RIS", "ingest_bibtex", "ingest_ris"]

_SEP = "\x1e"  # joins repeated values inside one raw field (never occurs in text)

# -- RIS -------------------------------------------------------------------------------------

_RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
_RIS_TYPES = {
    "JOUR": "article",
    "JFULL": "article",
    "EJOUR": "article",
    "CONF": "proceedings-paper",
    "CPAPER": "proceedings-paper",
    "BOOK": "book",
    "CHAP": "book-chapter",
    "THES": "dissertation",
    "RPRT": "report",
    "PAT": "patent",
    "GEN": "other",
}


def _read_ris(text: str, path: Path) -> Iterator[RawRecord | Reject]:
    lines = text.split("\n")
    if not any(_RIS_TAG.match(ln.rstrip("\r")) for ln in lines[:200]):
        raise ParseError("not an RIS file: no 'TY  - ' record start", file=str(path), line=1)
    return _ris_records(lines)


def _ris_records(lines: list[str]) -> Iterator[RawRecord | Reject]:
    start: int | None = None
    buf: list[str] = []
    fields: dict[str, str] = {}
    for i, raw_line in enumerate(lines, 1):
        line = raw_line.rstrip("\r")
        m = _RIS_TAG.match(line)
        if m and m.group(1) == "TY":
            if start is not None:
                yield Reject(start, "record not terminated by ER", field="ER", raw="\n".join(buf))
            start, buf, fields = i, [line], {"TY": m.group(2) or ""}
            continue
        if not line.strip():
            continue
        if start is None:
            yield Reject(i, "line outside a record (no TY line before it)", raw=line)
            continue
        buf.append(line)
        if m:
            tag, value = m.group(1), (m.group(2) or "").strip()
            if tag == "ER":
                yield RawRecord(start, fields, "\n".join(buf))
                start = None
                continue
            fields[tag] = f"{fields[tag]}{_SEP}{value}" if tag in fields else value
    if start is not None:
        yield Reject(start, "record not terminated by ER (file truncated?)", field="ER")


def _ris_date(value: str | None) -> date | None:
    m = re.match(r"^(\d{4})/(\d{1,2})/(\d{1,2})", value or "")
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _convert_ris(r: RawRecord) -> Record:
    try:
        parsed = rispy.loads(r.raw)
    except Exception as e:  # rispy raises plain Exceptions on malformed records
        raise FieldError(None, f"malformed RIS record: {e}") from e
    if not parsed:
        raise FieldError("TY", "malformed RIS record")
    e = parsed[0]
    title = text_of(e.get("title") or e.get("primary_title"))
    year_field = "PY" if e.get("year") else "Y1"
    year = year_of(e.get("year") or e.get("publication_year"), year_field)
    doi = doi_of(e.get("doi"), "DO")
    names = list(e.get("authors") or e.get("first_authors") or [])
    if doi is None and title is None:
        raise FieldError("TI", "record has neither a DOI (DO) nor a title (TI/T1)")
    authors = [Author(name=n.strip()) for n in names if n.strip()]
    addrs = [a for a in r.fields.get("AD", "").split(_SEP) if a.strip()]
    if addrs and authors:
        if len(addrs) == len(authors):
            for a, ad in zip(authors, addrs, strict=True):
                a.affiliations.append(parse_affiliation(ad, org_first=False))
        elif len(addrs) == 1:
            aff = parse_affiliation(addrs[0], org_first=False)
            for a in authors:
                a.affiliations.append(aff)
    first = surname_key(authors[0].name) if authors else None
    source = (
        e.get("secondary_title")
        or e.get("journal_name")
        or e.get("alternate_title3")
        or e.get("alternate_title2")
    )
    return Record(
        line=r.line,
        work_id=hash_id("ris", doi) if doi else hash_id("ris", title, year, first),
        doi=doi,
        title=title,
        abstract=text_of(e.get("abstract") or e.get("notes_abstract")),
        year=year,
        pub_date=_ris_date(e.get("date") or e.get("publication_year")),
        type=type_of(e.get("type_of_reference"), _RIS_TYPES),
        source_id=issn_id(e.get("issn")),
        source_name=text_of(source),
        language=language_of(e.get("language")),
        volume=text_of(e.get("volume")),
        first_page=text_of(e.get("start_page")),
        authors=authors,
        keywords=keywords(e.get("keywords") or []),
    )


RIS = BibFormat(source="ris", suffixes=(".ris",), read=_read_ris, convert=_convert_ris)


def ingest_ris(
    store: Store,
    path: str | os.PathLike[str],
    *,
    origin: str | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest an RIS export (a file, or a directory of ``*.ris``), one batch per file.

    Parameters, return value and errors as :func:`~forcemap.store.ingest.wos.ingest_wos`
    (origin ``ris`` by default).
    """
    return ingest_bibliographic(store, path, RIS, origin=origin, progress=progress)


# -- BibTeX ----------------------------------------------------------------------------------

_BIB_TYPES = {
    "ARTICLE": "article",
    "INPROCEEDINGS": "proceedings-paper",
    "CONFERENCE": "proceedings-paper",
    "BOOK": "book",
    "INBOOK": "book-chapter",
    "INCOLLECTION": "book-chapter",
    "PHDTHESIS": "dissertation",
    "MASTERSTHESIS": "dissertation",
    "TECHREPORT": "report",
    "MISC": "other",
}


def _middlewares() -> list[bm.Middleware]:
    return [bm.LatexDecodingMiddleware(), bm.SeparateCoAuthors()]


def _entry_fields(e: Entry) -> dict[str, str]:
    out = {"ENTRYTYPE": e.entry_type, "ID": e.key}
    for f in e.fields:
        v = f.value
        out[f.key.lower()] = _SEP.join(v) if isinstance(v, list) else str(v)
    return out


def _read_bibtex(text: str, path: Path) -> Iterator[RawRecord | Reject]:
    lib = bibtexparser.parse_string(text, append_middleware=_middlewares())
    items: list[RawRecord | Reject] = []
    strings = "\n".join(s.raw for s in lib.strings)  # for re-parsing repeated keys
    for e in lib.entries:
        items.append(RawRecord(e.start_line + 1, _entry_fields(e), e.raw))
    for b in lib.failed_blocks:
        line = b.start_line + 1
        if isinstance(b, DuplicateBlockKeyBlock):
            again = bibtexparser.parse_string(
                f"{strings}\n{b.raw}", append_middleware=_middlewares()
            ).entries
            if again:
                items.append(RawRecord(line, _entry_fields(again[0]), b.raw))
                continue
        key = re.match(r"\s*@\w+\s*[{(]\s*([^,\s]+)\s*,", b.raw or "")
        items.append(
            Reject(
                line,
                "malformed BibTeX entry",
                raw=b.raw,
                record_id=key.group(1) if key else None,
            )
        )
    if not items and text.strip() and "@" not in text:
        raise ParseError("not a BibTeX file: no @entry", file=str(path), line=1)
    return iter(sorted(items, key=lambda x: x.line))


def _convert_bibtex(r: RawRecord) -> Record:
    f = r.fields
    pages = text_of(f.get("pages"))
    kws = re.split(r"[;,]", f.get("keywords", ""))
    return Record(
        line=r.line,
        work_id=f"bib:{f['ID']}",
        doi=doi_of(f.get("doi"), "doi"),
        title=text_of(f.get("title")),
        abstract=text_of(f.get("abstract")),
        year=year_of(f.get("year"), "year"),
        type=type_of(f.get("ENTRYTYPE"), _BIB_TYPES),
        source_id=issn_id(f.get("issn")),
        source_name=text_of(f.get("journal") or f.get("booktitle")),
        language=language_of(f.get("language")),
        volume=text_of(f.get("volume")),
        first_page=re.split(r"\s*-+\s*", pages)[0] if pages else None,
        authors=[Author(name=n.strip()) for n in f.get("author", "").split(_SEP) if n.strip()],
        keywords=keywords(k for k in kws if k.strip()),
    )


BIBTEX = BibFormat(
    source="bibtex", suffixes=(".bib",), read=_read_bibtex, convert=_convert_bibtex, id_field="ID"
)


def ingest_bibtex(
    store: Store,
    path: str | os.PathLike[str],
    *,
    origin: str | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest a BibTeX file (or a directory of ``*.bib``), one batch per file.

    Parameters, return value and errors as :func:`~forcemap.store.ingest.wos.ingest_wos`
    (origin ``bibtex`` by default).
    """
    return ingest_bibliographic(store, path, BIBTEX, origin=origin, progress=progress)
