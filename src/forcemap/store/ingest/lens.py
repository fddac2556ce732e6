"""Lens.org scholarly search exports (CSV, UTF-8, RFC 4180 quoting, ``; ``-separated lists).

``Lens ID`` is required. Mapping (``docs/formats.md``): ``Lens ID`` → ``work_id``
(``lens:000-000-000-000-000``), ``DOI``, ``Title``, ``Abstract``, ``Publication Year``,
``Date Published`` → ``pub_date``, ``Publication Type`` → ``type``, ``Source Title``,
``ISSNs`` → ``source_id``, ``Citing Works Count`` (or ``Scholarly Citation Count``) →
``cited_by_count``; ``Author/s`` → authorships (no affiliations in this export); ``Keywords`` →
``kw:`` and ``Fields of Study`` → ``fos:`` concepts; ``References`` (Lens IDs or DOIs) →
references ``lens:<id>`` / ``doi:<doi>``.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from forcemap.store.ingest.bib_fields import (
    doi_of,
    find_doi,
    int_of,
    issn_id,
    keywords,
    split_list,
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

__all__ = ["LENS", "ingest_lens"]

_LENS_ID = re.compile(r"\d{3}-\d{3}-\d{3}-\d{3}-\d{3}")


def _read(path: Path) -> Split:
    return read_csv_records(
        path, required=("Lens ID",), expected='a Lens.org scholarly CSV ("Lens ID",…)'
    )


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value.strip()[:10]) if value and value.strip() else None
    except ValueError:
        return None


def _ref(item: str) -> str | None:
    if _LENS_ID.fullmatch(item):
        return f"lens:{item}"
    doi = find_doi(item)
    return f"doi:{doi}" if doi else None


def _convert(r: RawRecord) -> Record:
    f = r.fields
    lid = text_of(f.get("Lens ID"))
    if lid is None:
        raise FieldError("Lens ID", "missing Lens ID")
    if not _LENS_ID.fullmatch(lid):
        raise FieldError("Lens ID", "not a Lens ID (000-000-000-000-000)")
    cites = "Citing Works Count" if "Citing Works Count" in f else "Scholarly Citation Count"
    return Record(
        line=r.line,
        work_id=f"lens:{lid}",
        doi=doi_of(f.get("DOI"), "DOI"),
        title=text_of(f.get("Title")),
        abstract=text_of(f.get("Abstract")),
        year=year_of(f.get("Publication Year"), "Publication Year"),
        pub_date=_date(f.get("Date Published")),
        type=type_of(f.get("Publication Type")),
        source_id=issn_id(f.get("ISSNs")),
        source_name=text_of(f.get("Source Title")),
        cited_by_count=int_of(f.get(cites), cites),
        volume=text_of(f.get("Volume")),
        first_page=text_of(f.get("Start Page")),
        authors=[Author(name=n) for n in split_list(f.get("Author/s"))],
        keywords=[
            *keywords(split_list(f.get("Keywords"))),
            *keywords(split_list(f.get("Fields of Study")), prefix="fos"),
        ],
        references=[c for c in (_ref(x) for x in split_list(f.get("References"))) if c],
    )


LENS = BibFormat(
    source="lens",
    suffixes=(".csv",),
    read=_read,
    convert=_convert,
    id_field="Lens ID",
    authors_field="Author/s",
)


def ingest_lens(
    store: Store,
    path: str | os.PathLike[str],
    *,
    origin: str | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest a Lens.org scholarly CSV export (a file, or a directory of ``*.csv``).

    Parameters, return value and errors as :func:`~forcemap.store.ingest.wos.ingest_wos`
    (origin ``lens`` by default); a header without ``Lens ID`` is refused.
    """
    return ingest_bibliographic(store, path, LENS, origin=origin, progress=progress)
