"""Bibliographic exports: the record model and the reading of a file into its records.

The model (:class:`RawRecord`, :class:`Reject`, :class:`Record` with its :class:`Author` and
:class:`Affiliation` lists, :class:`Split`, :class:`BibFormat`) is what each format module
(:mod:`~forcemap.store.ingest.wos`, :mod:`~forcemap.store.ingest.scopus`,
:mod:`~forcemap.store.ingest.lens`, :mod:`~forcemap.store.ingest.ris_bibtex`) produces and
:mod:`~forcemap.store.ingest.bibliographic` writes. The readers here split a file into records
by their delimiters alone (CSV records through the physical scanner, tagged ``TY``…``ER``
spans) and decode text (byte-order marks, bytes that are not UTF-8 kept for quarantine).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from forcemap.errors import ParseError
from forcemap.store.ingest._physical import Scan, scan_csv

__all__ = [
    "SURROGATE",
    "Affiliation",
    "Author",
    "BibFormat",
    "FieldError",
    "Progress",
    "RawRecord",
    "Record",
    "Reject",
    "Split",
    "clean_raw",
    "decode",
    "file_encoding",
    "read_csv_records",
    "read_text",
    "record_spans",
    "scan_records",
    "split_spans",
]

Progress = Callable[[int, int], None]

# -- the record model ------------------------------------------------------------------------


@dataclass
class RawRecord:
    """One record as read from the file: its start line, its fields by source name, its text."""

    line: int
    fields: dict[str, str]
    raw: str


@dataclass
class Reject:
    """A record (or a piece of the file) that cannot be read."""

    line: int
    reason: str
    field: str | None = None
    raw: str | None = None
    record_id: str | None = None


class FieldError(ValueError):
    """A field of a record is invalid; the record is quarantined with this field and reason."""

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass
class Affiliation:
    raw: str
    org: str | None = None
    country_code: str | None = None
    city: str | None = None


@dataclass
class Author:
    name: str
    author_id: str | None = None
    orcid: str | None = None
    affiliations: list[Affiliation] = field(default_factory=list)
    is_corresponding: bool | None = None


@dataclass
class Record:
    """A work mapped to the canonical model (before writing)."""

    line: int
    work_id: str
    doi: str | None = None
    title: str | None = None
    abstract: str | None = None
    year: int | None = None
    pub_date: date | None = None
    type: str | None = None
    source_id: str | None = None
    source_name: str | None = None
    cited_by_count: int | None = None
    language: str | None = None
    volume: str | None = None
    first_page: str | None = None
    authors: list[Author] = field(default_factory=list)
    keywords: list[tuple[str, str]] = field(default_factory=list)  # (concept_id, name)
    references: list[str] = field(default_factory=list)  # cited ids, external form


@dataclass
class Split:
    """A file split into its records by their delimiters, before any field is parsed.

    ``records`` is the independent count (physical lines for the CSV and tab-delimited
    exports; ``ER``-terminated records for WoS plain text and RIS; ``@entry`` blocks for
    BibTeX); ``items`` holds one raw record or reject per record, ``filtered`` the records
    left out by design (a repeated header line), so ``records == len(items) + filtered``.
    """

    records: int
    items: list[RawRecord | Reject]
    filtered: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BibFormat:
    """How one export format is read: ``read(path)`` splits the file into records (the
    header checked, raising :class:`~forcemap.errors.ParseError` for a file of another
    format), ``convert(raw)`` maps one record (raising :class:`FieldError`).
    ``authors_field`` names the author list in quarantine entries."""

    source: str
    suffixes: tuple[str, ...]
    read: Callable[[Path], Split]
    convert: Callable[[RawRecord], Record]
    id_field: str | None = None
    authors_field: str = "authors"


# -- decoding --------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """Bytes → text: a UTF-8 or UTF-16 byte-order mark is honoured and removed; invalid UTF-8
    bytes become lone surrogates (``surrogateescape``) so the records holding them can be
    quarantined while the rest of the file is read. A BOM at a later line's start (files
    concatenated) is removed too."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="surrogateescape").replace("\n\ufeff", "\n")


def read_text(path: Path) -> str:
    """The file's text, as :func:`decode`."""
    return decode(path.read_bytes())


SURROGATE = re.compile("[\udc80-\udcff]")
"""A byte that was not UTF-8, as :func:`decode` keeps it (a lone surrogate)."""


def clean_raw(s: str) -> str:
    """``s`` with each byte that was not UTF-8 replaced by U+FFFD (for quarantine entries)."""
    return SURROGATE.sub("\ufffd", s)


def file_encoding(path: Path) -> str:
    """``utf-16`` for a file with a UTF-16 byte-order mark, else ``utf-8``."""
    with open(path, "rb") as fh:
        return "utf-16" if fh.read(2) in (b"\xff\xfe", b"\xfe\xff") else "utf-8"


def scan_records(scan: Scan) -> Iterator[tuple[int, str]]:
    """(physical line, text) of each record the physical scanner accepted, in order."""
    for line, seg in scan.segments():
        yield line, seg.decode("utf-8")


def read_csv_records(
    path: Path, *, required: tuple[str, ...], expected: str, delim: str = ","
) -> Split:
    """Records of an RFC 4180 CSV export with a header row, numbered by their first line.

    The records are split by :func:`~forcemap.store.ingest._physical.scan_csv` (the
    independent count: a stray quote cannot swallow the lines after it; malformed quoting,
    wrong field counts, bytes that are not UTF-8 and oversized records are rejected with their
    physical line), then each record is read alone with :mod:`csv`.

    Raises
    ------
    ParseError
        The file is empty or its header lacks a required column.
    """
    try:
        scan = scan_csv(path, delim=delim, encoding=file_encoding(path))
    except ParseError as e:
        msg = str(e).removeprefix(f"{path}:{e.line}: " if e.line else f"{path}: ")
        raise ParseError(f"{msg}; expected {expected}", file=str(path), line=e.line or 1) from e
    with scan:
        names = [h.strip() for h in next(csv.reader([(scan.header or b"").decode("utf-8")]))]
        missing = [c for c in required if c not in names]
        if missing:
            raise ParseError(
                f"header lacks required column(s) {', '.join(missing)}; expected {expected}",
                file=str(path),
                line=1,
            )
        items: list[RawRecord | Reject] = [
            Reject(r.line, r.reason, field=r.field, raw=r.raw) for r in scan.rejects
        ]
        for line, text in scan_records(scan):
            try:
                rows = list(csv.reader([text], delimiter=delim, strict=True))
            except csv.Error as e:
                items.append(Reject(line, f"malformed CSV: {e}", raw=text))
                continue
            row = rows[0] if len(rows) == 1 else []
            if len(row) != len(names):
                items.append(Reject(line, "malformed CSV: wrong number of fields", raw=text))
                continue
            items.append(RawRecord(line, dict(zip(names, row, strict=True)), text))
        items.sort(key=lambda x: x.line)
        return Split(scan.records, items, dict(scan.filtered))


def record_spans(
    lines: list[str],
    *,
    is_start: Callable[[str], bool],
    is_end: Callable[[str], bool],
    is_outside: Callable[[str], bool] = lambda _: False,
) -> list[tuple[int, int, bool]]:
    """Split tagged lines into records by their delimiters alone: ``(first, last, ended)``
    line indexes of each record and whether its end line closed it.

    A record starts at a start line (``PT``/``TY``) or at the first other non-blank line after
    a record; it ends at an end line (``ER``), or unended just before the next start line, an
    ``is_outside`` line (WoS ``EF``) or the end of the file. Non-blank lines between records
    that are ``is_outside`` (``FN``, ``VR``, ``EF``) belong to no record. No field syntax is
    involved, so a damaged field cannot merge two records, and a line outside any record is
    itself counted as a record (and quarantined by the parser).
    """
    spans: list[tuple[int, int, bool]] = []
    cur: int | None = None
    last = 0
    for i, raw in enumerate(lines):
        ln = raw.rstrip("\r")
        if not ln.strip():
            continue
        if cur is not None and (is_start(ln) or is_outside(ln)):
            spans.append((cur, last, False))
            cur = None
        if cur is None:
            if is_outside(ln):
                continue
            cur = i
        last = i
        if is_end(ln):
            spans.append((cur, i, True))
            cur = None
    if cur is not None:
        spans.append((cur, last, False))
    return spans


def split_spans(
    lines: list[str],
    spans: list[tuple[int, int, bool]],
    parse: Callable[..., RawRecord | Reject],
) -> Split:
    """The records of ``spans`` (from :func:`record_spans`), each read by
    ``parse(span_lines, first_line, ended=…, at_eof=…)``; ``at_eof`` is true for the last span
    when only blank lines follow it (a record the end of the file may have cut)."""
    items: list[RawRecord | Reject] = []
    for k, (a, b, ended) in enumerate(spans):
        at_eof = k == len(spans) - 1 and not any(x.strip() for x in lines[b + 1 :])
        items.append(parse(lines[a : b + 1], a + 1, ended=ended, at_eof=at_eof))
    return Split(len(spans), items)
