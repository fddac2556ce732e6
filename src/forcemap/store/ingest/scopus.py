"""Scopus CSV exports (``scopus.csv``: UTF-8 with a byte-order mark, RFC 4180 quoting).

Columns are matched by name (``EID`` is required; any subset of the others may be exported).
Mapping (``docs/formats.md``): ``EID`` → ``work_id`` (``scopus:2-s2.0-…``), ``DOI``,
``Title``, ``Abstract`` (``[No abstract available]`` is empty), ``Year``, ``Document Type`` →
``type``, ``Source title`` → ``source_name``, ``ISSN`` → ``source_id`` (``issn:…``),
``Cited by``, ``Language of Original Document``; ``Author full names`` (else ``Authors``) →
authorships with ``Author(s) ID`` → ``scopus:author:<id>``, their affiliations from
``Authors with affiliations``, ``Correspondence Address`` → ``is_corresponding``; ``Author
Keywords`` and ``Index Keywords`` → keywords; ``References`` → references (DOI when one is
given, else the normalised key).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from forcemap.store.ingest.bib_fields import (
    doi_of,
    find_doi,
    int_of,
    issn_id,
    keywords,
    language_of,
    norm_key,
    parse_affiliation,
    ref_key,
    split_list,
    surname_key,
    text_of,
    type_of,
    year_of,
)
from forcemap.store.ingest.bib_records import (
    Author,
    BibFormat,
    FieldError,
    Progress,
    RawRecord,
    Record,
    Split,
    read_csv_records,
)
from forcemap.store.ingest.bibliographic import ingest_bibliographic
from forcemap.store.store import IngestReport, Store

__all__ = ["SCOPUS", "ingest_scopus", "scopus_reference_id"]

_TYPES = {"CONFERENCE PAPER": "proceedings-paper", "BOOK CHAPTER": "book-chapter"}
_PLACEHOLDERS = {
    "[no abstract available]",
    "[no author name available]",
    "[no author id available]",
}


def _read(path: Path) -> Split:
    return read_csv_records(
        path, required=("EID",), expected='a Scopus CSV export ("Authors",…,"EID")'
    )


def _value(f: dict[str, str], name: str) -> str | None:
    v = text_of(f.get(name))
    return None if v is None or v.lower() in _PLACEHOLDERS else v


_ONLY_INITIALS = re.compile(r"(?:[A-Z][a-z]?\.\s?-?)+")
_VOL = re.compile(r",\s*([A-Za-z]?\d+)(?:\s*\([^)]*\)|,\s*[\w-]+)?,\s*(?:pp?\.\s|art\. no\.)")
_PAGE = re.compile(r"(?:\bpp?\.\s*|art\. no\.\s*)([A-Za-z]?\d+)")


def scopus_reference_id(ref: str) -> str | None:
    """The cited id of one Scopus reference: ``doi:<doi>`` when it holds a DOI, else the
    normalised ``ref:<surname>|<year>|<volume>|<page>`` key. Both the classic layout
    (``Authors, Title (2010) Source, 22 (3), pp. 587-603.``) and the 2023 one (``Authors,
    Title, Source, 22, 3, pp. 587-603, (2010)``) are read.

    >>> scopus_reference_id("Goodenough, J.B., Kim, Y., Challenges for rechargeable Li "
    ...                     "batteries (2010) Chemistry of Materials, 22 (3), pp. 587-603.")
    'ref:goodenough|2010|22|587'
    >>> scopus_reference_id("Goodenough J.B., Kim Y., Challenges for rechargeable Li "
    ...                     "batteries, Chemistry of Materials, 22, 3, pp. 587-603, (2010)")
    'ref:goodenough|2010|22|587'
    >>> scopus_reference_id("De Vries, P., Title (2020) Scientometrics, 124 (3), pp. 2011-2030.")
    'ref:devries|2020|124|2011'
    """
    doi = find_doi(ref)
    if doi:
        return f"doi:{doi}"
    years = re.findall(r"\(((?:1[5-9]|20)\d{2})\)", ref)  # not an issue number "(7748)"
    if not years:
        return None
    vol = _VOL.search(ref)
    page = _PAGE.search(ref)
    src = re.search(r"\(\d{4}\)\s*([^,(]+)", ref)
    # the first author: "De Vries, P.," (classic layout, initials after a comma) or "De Vries P.,"
    parts = ref.split(",", 2)
    first = parts[0]
    if len(parts) > 1 and _ONLY_INITIALS.fullmatch(parts[1].strip()):
        first = f"{parts[0]},{parts[1]}"
    return ref_key(
        surname_key(first),
        years[0],
        vol.group(1) if vol else None,
        page.group(1) if page else None,
        src.group(1) if src else None,
    )


def _short_names(value: str | None) -> list[str]:
    """``Lee, K.; Brown, A.B.`` (since 2023) or ``Lee K., Brown A.B.`` (before)."""
    if not value:
        return []
    if ";" in value:
        return split_list(value, ";")
    parts = split_list(value, ",")
    if len(parts) == 2 and _ONLY_INITIALS.fullmatch(parts[1]):
        return [value.strip()]  # one author, new style: "Nguyen, T."
    return parts


def _authors(f: dict[str, str]) -> list[Author]:
    short = _short_names(_value(f, "Authors"))
    full = [re.sub(r"\s*\(\d+\)$", "", n) for n in split_list(_value(f, "Author full names"))]
    names = full if full and (len(full) == len(short) or not short) else short
    authors = [Author(name=n) for n in names]
    ids = [x for x in split_list(_value(f, "Author(s) ID")) if x.isdigit()]
    if len(ids) == len(authors):
        for a, i in zip(authors, ids, strict=True):
            a.author_id = f"scopus:author:{i}"
    keys = short if len(short) == len(authors) else names
    current: int | None = None
    for entry in split_list(_value(f, "Authors with affiliations")):
        match = max(
            (j for j, k in enumerate(keys) if entry.startswith(k + ",")),
            key=lambda j: len(keys[j]),
            default=None,
        )
        if match is not None:
            current = match
            entry = entry[len(keys[match]) + 1 :].strip()
        if current is None or not entry:
            continue
        aff = parse_affiliation(entry, org_first=False)
        if aff.raw not in (x.raw for x in authors[current].affiliations):
            authors[current].affiliations.append(aff)
    corr = _value(f, "Correspondence Address")
    if corr and authors:
        who = norm_key(corr.split(";", 1)[0])
        for a, k in zip(authors, keys, strict=True):
            a.is_corresponding = who in (norm_key(k), norm_key(a.name))
    return authors


def _convert(r: RawRecord) -> Record:
    f = r.fields
    eid = _value(f, "EID")
    if eid is None:
        raise FieldError("EID", "missing EID")
    if not re.fullmatch(r"2-s2\.0-\d+", eid):
        raise FieldError("EID", "not a Scopus EID (2-s2.0-…)")
    refs = [c for c in (scopus_reference_id(x) for x in split_list(f.get("References"))) if c]
    return Record(
        line=r.line,
        work_id=f"scopus:{eid}",
        doi=doi_of(f.get("DOI"), "DOI"),
        title=_value(f, "Title"),
        abstract=_value(f, "Abstract"),
        year=year_of(f.get("Year"), "Year"),
        type=type_of(f.get("Document Type"), _TYPES),
        source_id=issn_id(f.get("ISSN")),
        source_name=_value(f, "Source title"),
        cited_by_count=int_of(f.get("Cited by"), "Cited by"),
        language=language_of(f.get("Language of Original Document")),
        volume=_value(f, "Volume"),
        first_page=_value(f, "Page start") or _value(f, "Art. No."),
        authors=_authors(f),
        keywords=keywords(
            [*split_list(f.get("Author Keywords")), *split_list(f.get("Index Keywords"))]
        ),
        references=refs,
    )


SCOPUS = BibFormat(
    source="scopus",
    suffixes=(".csv",),
    read=_read,
    convert=_convert,
    id_field="EID",
    authors_field="Author full names",
)


def ingest_scopus(
    store: Store,
    path: str | os.PathLike[str],
    *,
    origin: str | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest a Scopus CSV export (a file, or a directory of ``*.csv``), one batch per file.

    Parameters, return value and errors as :func:`~forcemap.store.ingest.wos.ingest_wos`
    (origin ``scopus`` by default). A file whose header has no ``EID`` column is refused
    (:class:`~forcemap.errors.ParseError`) before anything is written.
    """
    return ingest_bibliographic(store, path, SCOPUS, origin=origin, progress=progress)
