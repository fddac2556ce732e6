"""Bibliographic exports (Web of Science, Scopus, Lens.org, RIS, BibTeX): the shared machinery.

Each export format has a small module that turns one file into source records
(:mod:`~forcemap.store.ingest.wos`, :mod:`~forcemap.store.ingest.scopus`,
:mod:`~forcemap.store.ingest.lens`, :mod:`~forcemap.store.ingest.ris_bibtex`); this module
decodes the file, validates and maps every record to the canonical tables, and writes one file as
one atomic, reconciled batch:

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

import csv
import hashlib
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from forcemap.errors import NotFoundError, ParseError, StoreError
from forcemap.store.ingest._physical import MAX_RECORD, Scan, scan_csv
from forcemap.store.reference import reference_table
from forcemap.store.store import Batch, IngestReport, Store, file_checksum

__all__ = [
    "Affiliation",
    "Author",
    "BibFormat",
    "FieldError",
    "RawRecord",
    "Record",
    "Reject",
    "Split",
    "country_code_of",
    "ingest_bibliographic",
    "norm_key",
    "parse_affiliation",
    "ref_key",
    "surname_key",
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


# -- normalisation helpers -------------------------------------------------------------------


def _ascii(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def norm_key(s: str | None) -> str | None:
    """Lower-case, accents stripped, ``&`` → ``and``, runs of other characters → one space.

    >>> norm_key("Univ Sci & Technol  China")
    'univ sci and technol china'
    >>> norm_key(" -- ") is None
    True
    """
    if s is None:
        return None
    t = re.sub(r"[^a-z0-9]+", " ", _ascii(s).lower().replace("&", " and ")).strip()
    return t or None


_INITIALS = re.compile(r"(?:[A-Z]{1,4}|(?:[A-Z]\.-?){1,4}|[A-Z]\.?)")
# Surname particles, lower case as written in given-name-first names ("Pieter de Vries",
# "Jan van der Berg", "Maria da Silva").
_PARTICLES = frozenset(
    "de van von der den da di du del della des dos das do le la ter ten zu vom".split()
)


def surname_key(name: str | None) -> str | None:
    """The normalised surname of an author name in any export's spelling.

    ``Smith, John``, ``Smith, J.``, ``Smith J`` (WoS cited references), ``Smith J.A.`` (Scopus
    references) and ``John Smith`` (Lens) all give ``smith``; letters only, so ``van der Berg``
    gives ``vanderberg``. In the given-name-first form the surname is the last word with the
    lower-case particles written before it (``Pieter de Vries`` gives ``devries`` like
    ``de Vries, P`` and ``De Vries P``; a capitalised word is a given name: ``Le Wang`` gives
    ``wang``).

    >>> [surname_key(n) for n in ("Smith, John", "Smith JA", "Smith J.-P.", "John Smith")]
    ['smith', 'smith', 'smith', 'smith']
    >>> [surname_key(n) for n in ("de Vries, P", "De Vries P", "Pieter de Vries", "Le Wang")]
    ['devries', 'devries', 'devries', 'wang']
    """
    if not name:
        return None
    s = name.strip()
    if "," in s:
        s = s.split(",", 1)[0]
    else:
        tokens = s.split()
        if len(tokens) > 1 and _INITIALS.fullmatch(tokens[-1]):
            s = " ".join(tokens[:-1])
        elif len(tokens) > 1:
            start = len(tokens) - 1
            while start > 0 and tokens[start - 1] in _PARTICLES:
                start -= 1
            s = " ".join(tokens[start:])
    key = re.sub(r"[^a-z]", "", _ascii(s).lower())
    return key or None


def _alnum(s: str | None) -> str | None:
    if not s:
        return None
    t = re.sub(r"[^a-z0-9]", "", _ascii(s).lower())
    return t or None


def ref_key(
    surname: str | None,
    year: int | str | None,
    volume: str | None,
    page: str | None,
    source: str | None = None,
) -> str | None:
    """The normalised key of a reference or work: ``ref:<surname>|<year>|<volume>|<page>``.

    Without volume and page, the normalised source stands in (``ref:<surname>|<year>|<source>``);
    None when the surname or the year is missing.

    >>> ref_key("smith", 2019, "567", "123")
    'ref:smith|2019|567|123'
    >>> ref_key("smith", "2019", None, None, "Nature")
    'ref:smith|2019|nature'
    """
    if not surname or not year:
        return None
    v, p = _alnum(volume), _alnum(page)
    if v is None and p is None:
        src = _alnum(source)
        return f"ref:{surname}|{year}|{src}" if src else None
    return f"ref:{surname}|{year}|{v or ''}|{p or ''}"


def work_key(rec: Record) -> str | None:
    """The reference key a citing record would give this work (first author, year, volume,
    first page); None without volume and page (a key on the source name alone is too weak)."""
    if not rec.authors or (not rec.volume and not rec.first_page):
        return None
    return ref_key(surname_key(rec.authors[0].name), rec.year, rec.volume, rec.first_page)


_DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_FIND = re.compile(r"10\.\d{4,9}/[^\s,;\]\[]+")


def doi_of(value: str | None, fname: str) -> str | None:
    """A DOI in the store's form (lower-case, no resolver prefix), or :class:`FieldError`."""
    if value is None or not value.strip():
        return None
    d = value.strip().lower()
    d = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", d).rstrip(".")
    if not _DOI_RE.match(d):
        raise FieldError(fname, "not a DOI (10.<registrant>/<suffix>)")
    return d


def find_doi(text: str) -> str | None:
    """The first DOI in a free-text reference, normalised."""
    m = _DOI_FIND.search(text)
    return m.group(0).lower().rstrip(".") if m else None


def year_of(value: str | None, fname: str) -> int | None:
    """The year a field starts with (``2021``, ``2021/03/15``, ``2021 Mar``), 1000-2100; a
    longer number (``18446744073709551615``) is not a year, nor is text.

    >>> year_of("2021///", "PY"), year_of(" ", "PY")
    (2021, None)
    """
    if value is None or not value.strip():
        return None
    m = re.match(r"^\s*(\d{4})(?!\d)", value)
    if not m or not 1000 <= int(m.group(1)) <= 2100:
        raise FieldError(fname, "not a year (YYYY)")
    return int(m.group(1))


INT_MAX = 2**31 - 1
"""The largest count an INTEGER column (``cited_by_count``) holds."""


def int_of(value: str | None, fname: str) -> int | None:
    """A non-negative count up to :data:`INT_MAX`, or :class:`FieldError` naming the field."""
    if value is None or not value.strip():
        return None
    v = value.strip()
    if not re.fullmatch(r"\d+", v):
        raise FieldError(fname, "not a non-negative integer")
    if len(v) > 12 or int(v) > INT_MAX:
        raise FieldError(fname, f"{v[:30]} is over the largest count the store holds ({INT_MAX:,})")
    return int(v)


def text_of(value: str | None) -> str | None:
    if value is None:
        return None
    v = value.strip()
    return v or None


def split_list(value: str | None, sep: str = ";") -> list[str]:
    """Split a ``; ``-separated field, dropping empty items."""
    if not value:
        return []
    return [x.strip() for x in value.split(sep) if x.strip()]


def issn_id(value: str | None) -> str | None:
    """``issn:NNNN-NNNN`` from the first ISSN of a field (``00280836``, ``0028-0836``)."""
    if not value:
        return None
    m = re.search(r"\b(\d{4})-?(\d{3}[\dXx])\b", value)
    return f"issn:{m.group(1)}-{m.group(2).upper()}" if m else None


def keywords(values: Iterable[str], prefix: str = "kw") -> list[tuple[str, str]]:
    """``(concept_id, name)`` pairs, ``<prefix>:<normalised>``, first spelling kept."""
    out: dict[str, str] = {}
    for v in values:
        k = norm_key(v)
        if k:
            out.setdefault(f"{prefix}:{k}", v.strip())
    return list(out.items())


_LANGUAGES = {
    "english": "en",
    "chinese": "zh",
    "german": "de",
    "french": "fr",
    "spanish": "es",
    "japanese": "ja",
    "russian": "ru",
    "portuguese": "pt",
    "korean": "ko",
    "italian": "it",
    "polish": "pl",
    "turkish": "tr",
    "czech": "cs",
    "dutch": "nl",
}


def language_of(value: str | None) -> str | None:
    """ISO 639-1 code for the common language names (``English`` → ``en``), else as given."""
    v = text_of(value)
    if v is None:
        return None
    first = v.split(";")[0].strip()
    return _LANGUAGES.get(first.lower(), first.lower() if len(first) <= 3 else first)


def type_of(value: str | None, mapping: dict[str, str] | None = None) -> str | None:
    """A document type in the store's hyphenated lower-case style (``Proceedings Paper`` →
    ``proceedings-paper``); the first of ``;``-separated types."""
    v = text_of(value)
    if v is None:
        return None
    first = v.split(";")[0].strip()
    if mapping and first.upper() in mapping:
        return mapping[first.upper()]
    return re.sub(r"[^a-z0-9]+", "-", first.lower()).strip("-") or None


def author_position(seq: int, n: int) -> str:
    return "first" if seq == 1 else ("last" if seq == n else "middle")


# -- countries and affiliations --------------------------------------------------------------

# Web of Science and Scopus country spellings that the ISO names do not cover.
_COUNTRY_VARIANTS = {
    "usa": "US",
    "united states": "US",
    "peoples r china": "CN",
    "pr china": "CN",
    "p r china": "CN",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "north ireland": "GB",
    "northern ireland": "GB",
    "uk": "GB",
    "united kingdom": "GB",
    "south korea": "KR",
    "korea": "KR",
    "republic of korea": "KR",
    "north korea": "KP",
    "taiwan": "TW",
    "russia": "RU",
    "ussr": "RU",
    "iran": "IR",
    "vietnam": "VN",
    "viet nam": "VN",
    "czech republic": "CZ",
    "turkey": "TR",
    "turkiye": "TR",
    "u arab emirates": "AE",
    "hong kong": "HK",
    "macau": "MO",
    "macao": "MO",
    "bosnia and herceg": "BA",
    "bosnia and herzegovina": "BA",
    "trinid and tobago": "TT",
    "papua n guinea": "PG",
    "dem rep congo": "CD",
    "rep congo": "CG",
    "cote ivoire": "CI",
    "syria": "SY",
    "laos": "LA",
    "moldova": "MD",
    "macedonia": "MK",
    "north macedonia": "MK",
    "byelarus": "BY",
    "fed rep ger": "DE",
    "cent afr republ": "CF",
    "st kitts and nevi": "KN",
    "st vincent": "VC",
    "st lucia": "LC",
    "brunei": "BN",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "palestine": "PS",
    "vatican": "VA",
    "swaziland": "SZ",
    "cape verde": "CV",
    "micronesia": "FM",
    "guinea bissau": "GW",
    "sao tome and prin": "ST",
    "antigua and barbu": "AG",
    "equat guinea": "GQ",
    "kosovo": "XK",
    "the netherlands": "NL",
    "netherlands": "NL",
}


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    ref = reference_table("countries")
    names: dict[str, str] = {}
    for iso2, name, short in zip(
        ref.column("iso2").to_pylist(),
        ref.column("name").to_pylist(),
        ref.column("short_name").to_pylist(),
        strict=True,
    ):
        if not iso2:
            continue
        for n in (name, short):
            k = norm_key(n)
            if k and len(k) > 3:  # not 'us', 'uk': those are in the variants
                names.setdefault(k, iso2.upper())
    names.update(_COUNTRY_VARIANTS)
    return names


def country_code_of(text: str | None) -> str | None:
    """ISO alpha-2 of a country as spelled in an affiliation's last segment.

    Accepts ISO names, the CLDR short names and the WoS / Scopus spellings (``USA``,
    ``Peoples R China``, ``England`` …); a US address's ``CA 94305 USA`` gives ``US``.

    >>> [country_code_of(s) for s in ("Peoples R China", "CA 94305 USA", "England", "Nowhere")]
    ['CN', 'US', 'GB', None]
    """
    k = norm_key(text)
    if not k:
        return None
    names = _country_names()
    if k in names:
        return names[k]
    words = [w for w in k.split() if not any(c.isdigit() for c in w)]
    for n in (3, 2, 1):  # the country ends the segment: "CA 94305 USA", "Beijing, China"
        if len(words) >= n:
            cand = " ".join(words[-n:])
            if cand in names:
                return names[cand]
    return None


_ORG_RE = re.compile(
    r"\b(univ|universit\w*|college|coll|inst|institut\w*|academy|acad|hosp|hospital|"
    r"lab|labs|laborator\w*|ctr|centre|center|inc|ltd|corp|corporation|co|gmbh|ag|plc|llc|"
    r"company|council|agency|ministry|fdn|foundation|polytech\w*|ecole|cnrs|csic|"
    r"school|sch|clinic|museum|observatory|society)\b"
    # legal forms written with dots ("Elsevier B.V.", "Nokia Oyj", "Fiat S.p.A.")
    r"|\b(b\.\s?v|n\.\s?v|s\.\s?a|s\.\s?p\.\s?a|s\.\s?r\.\s?l|a\.\s?g)\.?(?=\W|$)"
    r"|\b(bv|nv|oyj|spa|srl|sarl|kk)\b",
    re.IGNORECASE,
)
_SUBUNIT_RE = re.compile(
    r"^(dept|department|dep|fac|faculty|div|division|sch of|school of|unit|grp|group|"
    r"sect|section|chair|lab of|laboratory of|key lab|state key lab|ctr for|centre for|"
    r"center for|program|programme)\b",
    re.IGNORECASE,
)
_US_STATE = re.compile(r"^[A-Z]{2}$")


def parse_affiliation(raw: str, *, org_first: bool) -> Affiliation:
    """Split an address into organisation, city and country.

    ``org_first``: the organisation is the first comma-separated segment (Web of Science
    addresses, ``Univ X, Dept Y, City, Country``); otherwise (Scopus, RIS, which write the
    units from the smallest to the largest) the *last* segment before the city that names an
    organisation and not a sub-unit (``Oxford Internet Institute, University of Oxford,
    Oxford, United Kingdom`` gives ``University of Oxford``; ``Department of …`` is a
    sub-unit), else the segment before the city.

    >>> a = parse_affiliation("Stanford Univ, Dept Phys, Stanford, CA 94305 USA.", org_first=True)
    >>> (a.org, a.city, a.country_code)
    ('Stanford Univ', 'Stanford', 'US')
    >>> parse_affiliation("Research Intelligence, Elsevier B.V., Amsterdam, Netherlands",
    ...                   org_first=False).org
    'Elsevier B.V.'
    """
    text = raw.strip().rstrip(".").strip()
    segs = [s.strip() for s in text.split(",") if s.strip()]
    if not segs:
        return Affiliation(raw=raw.strip())
    country = country_code_of(segs[-1]) if len(segs) > 1 else None
    rest = segs[:-1] if country else segs
    # the city: the last remaining segment, without postal codes or a US state
    city = None
    for seg in reversed(rest[1:] if len(rest) > 1 else []):
        words = [w for w in seg.split() if not any(c.isdigit() for c in w)]
        if words and not (len(words) == 1 and _US_STATE.match(words[0])):
            city = " ".join(words)
            break
    if org_first:
        org = rest[0] if rest else None
    else:
        cands = rest[:-1] if len(rest) > 1 else rest
        org = next(
            (s for s in reversed(cands) if _ORG_RE.search(s) and not _SUBUNIT_RE.match(s)),
            next((s for s in reversed(cands) if _ORG_RE.search(s)), None),
        )
        if org is None:
            org = cands[-2] if len(cands) >= 2 else (cands[0] if cands else None)
    return Affiliation(raw=raw.strip(), org=org, country_code=country, city=city)


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


_SURROGATE = re.compile("[\udc80-\udcff]")


def clean_raw(s: str) -> str:
    return _SURROGATE.sub("\ufffd", s)


def file_encoding(path: Path) -> str:
    """``utf-16`` for a file with a UTF-16 byte-order mark, else ``utf-8``."""
    with open(path, "rb") as fh:
        return "utf-16" if fh.read(2) in (b"\xff\xfe", b"\xfe\xff") else "utf-8"


def scan_records(scan: Scan) -> Iterator[tuple[int, str]]:
    """(physical line, text) of each record the physical scanner accepted, in order."""
    data = scan.parse_path.read_bytes()
    offsets = [int(x) for x in scan.offsets] + [len(data)]
    for k, line in enumerate(scan.lines.tolist()):
        yield line, data[offsets[k] : offsets[k + 1]].rstrip(b"\r\n").decode("utf-8")


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
    m = _SURROGATE.search(item.raw)
    if m is None:
        return
    bad = next((k for k, v in item.fields.items() if v and _SURROGATE.search(v)), None)
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
    works, auth, refs, kws, keys = [], [], [], [], []
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


def hash_id(prefix: str, *parts: str | int | None) -> str:
    """``<prefix>:<16 hex digits>`` of the normalised parts (stable across re-exports)."""
    text = "|".join(norm_key(str(p)) or "" for p in parts)
    return f"{prefix}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"
