"""Web of Science exports: tab-delimited and plain-text ``savedrecs.txt`` files.

The variant is recognised from the file's first line: ``PT<TAB>AU<TAB>…`` (tab-delimited, one
record per line, a header row of two-letter field tags, trailing tabs) or ``FN Clarivate
Analytics Web of Science`` (plain text: ``VR 1.0``, one tagged field per line, continuation lines
indented by three spaces, ``ER`` ends a record, ``EF`` the file). Both are UTF-8 with a
byte-order mark (older tab-delimited "Win" exports are UTF-16, also read).

Mapping (``docs/formats.md``): ``UT`` → ``work_id`` (``WOS:000…``), ``DI`` → ``doi``,
``TI``, ``AB``, ``PY`` (the ``EA`` year for early-access records without ``PY``), ``PD`` →
``pub_date`` when it names a day, ``DT`` → ``type``, ``SO`` → ``source_name``, ``SN`` or
``EI`` → ``source_id`` (``issn:…``), ``TC`` → ``cited_by_count``, ``LA`` → ``language``;
``AF`` (else ``AU``) → authorships, linked to the ``C1`` addresses through their
``[Author; Author]`` brackets, ``RP`` → ``is_corresponding``, ``OI`` → ORCID author ids;
``DE`` and ``ID`` → keywords; ``CR`` → references.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from forcemap.errors import ParseError
from forcemap.store.ingest._physical import scan_lines
from forcemap.store.ingest.bib_fields import (
    doi_of,
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
    Reject,
    Split,
    file_encoding,
    read_text,
    record_spans,
    scan_records,
    split_spans,
)
from forcemap.store.ingest.bibliographic import ingest_bibliographic
from forcemap.store.store import IngestReport, Store

__all__ = ["WOS", "ingest_wos", "wos_reference_id"]

# Tags whose plain-text continuation lines are separate items (joined with "; " like the
# tab-delimited export); the continuation lines of every other tag continue the same text.
_LIST_TAGS = frozenset({"AU", "AF", "BA", "BF", "BE", "CA", "GP", "C1", "C3", "CR"})
_TAG = re.compile(r"^[A-Z][A-Z0-9]$")


def _read(path: Path) -> Split:
    enc = file_encoding(path)
    with open(path, "rb") as fh:
        head = fh.read(4096).decode(enc, errors="replace").lstrip("\ufeff\r\n")
    if head.startswith("FN"):
        return _read_plain(read_text(path))
    if head.startswith("PT\t"):
        return _read_tab(path, enc)
    raise ParseError(
        "not a Web of Science export: expected a tab-delimited header 'PT<TAB>AU<TAB>…' or a "
        "plain-text file starting 'FN Clarivate Analytics Web of Science'",
        file=str(path),
        line=1,
    )


def _read_tab(path: Path, encoding: str) -> Split:
    """One record per physical line, split by the physical scanner (not as CSV: the export
    does not quote, and a title may begin with a quote)."""
    with scan_lines(path, encoding=encoding) as scan:
        records = list(scan_records(scan))
        if not records or (scan.rejects and scan.rejects[0].line < records[0][0]):
            raise ParseError("unreadable tab-delimited header line", file=str(path), line=1)
        header_line, header = records[0]
        names = [h.strip() for h in header.split("\t")]
        while names and not names[-1]:
            names.pop()  # the header's trailing tab
        if "UT" not in names:
            raise ParseError(
                "tab-delimited header has no UT (accession number) column",
                file=str(path),
                line=header_line,
            )
        n = len(names)
        items: list[RawRecord | Reject] = [
            Reject(r.line, r.reason, field=r.field, raw=r.raw) for r in scan.rejects
        ]
        filtered: dict[str, int] = {}
        for i, line in records[1:]:
            parts = line.split("\t")
            while len(parts) > n and not parts[-1]:
                parts.pop()  # trailing tabs
            if [x.strip() for x in parts] == names:
                filtered["repeated header line"] = filtered.get("repeated header line", 0) + 1
                continue
            if len(parts) != n:
                reason = "too many" if len(parts) > n else "too few"
                items.append(Reject(i, f"malformed tab-delimited row: {reason} fields", raw=line))
                continue
            items.append(RawRecord(i, dict(zip(names, parts, strict=True)), line))
        items.sort(key=lambda x: x.line)
        return Split(scan.records - 1, items, filtered)


def _read_plain(text: str) -> Split:
    """Records are the spans between ``PT`` and ``ER`` lines (:func:`record_spans`)."""
    lines = text.split("\n")
    spans = record_spans(
        lines,
        is_start=lambda ln: ln.startswith("PT "),
        is_end=lambda ln: ln.rstrip() == "ER",
        is_outside=lambda ln: ln.startswith(("FN ", "VR ")) or ln.rstrip() == "EF",
    )
    return split_spans(lines, spans, _plain_record)


def _plain_record(span: list[str], start: int, *, ended: bool, at_eof: bool) -> RawRecord | Reject:
    rec_lines = [ln.rstrip("\r") for ln in span if ln.strip()]
    raw = "\n".join(rec_lines)
    cur: dict[str, list[str]] = {}
    last: str | None = None
    bad: tuple[str, str | None] | None = None
    first = rec_lines[0]
    if first.rstrip() == "ER":
        bad = ("ER without a record", "ER")
    elif not first.startswith("PT "):
        bad = ("text outside a record: it does not start with PT", "PT")
    elif not ended:
        bad = ("record not terminated by ER" + (" (file truncated?)" if at_eof else ""), "ER")
    for line in rec_lines[:-1] if ended else rec_lines:
        if line.startswith("   "):
            if last is None:
                bad = bad or ("continuation line outside a field", None)
            else:
                cur[last].append(line.strip())
            continue
        tag, value = line[:2], line[3:].strip()
        if not _TAG.match(tag) or (len(line) > 2 and line[2] != " "):
            bad = bad or ("malformed line: not a field tag or a continuation", None)
            continue
        cur.setdefault(tag, []).append(value)
        last = tag
    if bad is not None:
        ut = " ".join(cur.get("UT", [])).strip() or None
        return Reject(start, bad[0], field=bad[1], raw=raw, record_id=ut)
    fields = {t: ("; " if t in _LIST_TAGS else " ").join(v) for t, v in cur.items()}
    return RawRecord(start, fields, raw)


# -- mapping ---------------------------------------------------------------------------------

_TYPES = {
    "ARTICLE": "article",
    "REVIEW": "review",
    "PROCEEDINGS PAPER": "proceedings-paper",
    "EDITORIAL MATERIAL": "editorial",
    "LETTER": "letter",
    "MEETING ABSTRACT": "meeting-abstract",
    "BOOK CHAPTER": "book-chapter",
    "BOOK": "book",
    "CORRECTION": "erratum",
}
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
    )
}
_CR_DOI = re.compile(r"\bDOI\s+\[?\s*(10\.\d{4,9}/[^\s,\]]+)", re.IGNORECASE)
_CORR = re.compile(r"([^;()\[\]]+?)\s*\((?:corresponding|reprint) author\)", re.IGNORECASE)


def wos_reference_id(cr: str) -> str | None:
    """The cited id of one ``CR`` item: ``doi:<doi>`` when it has a DOI, else the normalised
    ``ref:<surname>|<year>|<volume>|<page>`` key (see :func:`~.bibliographic.ref_key`).

    >>> wos_reference_id("Smith J, 2019, NATURE, V567, P123, DOI 10.1038/S41586-019-1000-1")
    'doi:10.1038/s41586-019-1000-1'
    >>> wos_reference_id("Chen L, 2020, ADV MATER, V32, ARTN 2001234")
    'ref:chen|2020|32|2001234'
    """
    m = _CR_DOI.search(cr)
    if m:
        doi = m.group(1).lower().rstrip(".")
        return f"doi:{doi}"
    parts = [p.strip() for p in cr.split(",")]
    if not parts or not parts[0]:
        return None
    year = parts[1] if len(parts) > 1 and re.fullmatch(r"\d{4}", parts[1]) else None
    i = 2 if year else 1
    source = parts[i] if len(parts) > i else None
    vol = page = None
    for p in parts[i + 1 :]:
        if re.fullmatch(r"V\w+", p):
            vol = p[1:]
        elif re.fullmatch(r"P[A-Za-z]?\d+\w*", p):
            page = p[1:]
        elif p.upper().startswith("ARTN "):
            page = page or p[5:].strip()
    return ref_key(surname_key(parts[0]), year, vol, page, source)


def _pub_date(pd: str | None, year: int | None) -> date | None:
    if not pd or year is None:
        return None
    m = re.fullmatch(r"([A-Z]{3})\s+(\d{1,2})", pd.strip().upper())
    if not m or m.group(1) not in _MONTHS:
        return None
    try:
        return date(year, _MONTHS[m.group(1)], int(m.group(2)))
    except ValueError:
        return None


def _find(names: list[str], name: str) -> int | None:
    if name in names:
        return names.index(name)
    k = norm_key(name)
    keys = [norm_key(n) for n in names]
    return keys.index(k) if k in keys else None


def _authors(f: dict[str, str]) -> list[Author]:
    au = split_list(f.get("AU"))
    af = split_list(f.get("AF"))
    names = af if af else au
    authors = [Author(name=n) for n in names]
    orcids: dict[str | None, str] = {}
    for item in split_list(f.get("OI")):
        name, _, orcid = item.rpartition("/")
        if name and re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", orcid.strip()):
            orcids[norm_key(name)] = orcid.strip()
    for a in authors:
        found = orcids.get(norm_key(a.name))
        if found:
            a.author_id, a.orcid = f"orcid:{found}", found
    c1 = text_of(f.get("C1"))
    if c1 and authors:
        if "[" in c1:
            for m in re.finditer(r"\[([^\]]*)\]\s*([^\[]*)", c1):
                addr = m.group(2).strip().rstrip(";").strip()
                if not addr:
                    continue
                aff = parse_affiliation(addr, org_first=True)
                for nm in split_list(m.group(1)):
                    idx = _find(names, nm)
                    if idx is None:
                        continue
                    if aff.raw not in (x.raw for x in authors[idx].affiliations):
                        authors[idx].affiliations.append(aff)
        else:  # addresses not linked to authors (records before 2008): only an unambiguous one
            addrs = split_list(c1)
            if len(addrs) == 1:
                aff = parse_affiliation(addrs[0], org_first=True)
                for a in authors:
                    a.affiliations.append(aff)
    rp = text_of(f.get("RP"))
    if rp and authors:
        corr = {norm_key(m.group(1)) for m in _CORR.finditer(rp)}
        short = [norm_key(n) for n in au] if len(au) == len(authors) else []
        for j, a in enumerate(authors):
            a.is_corresponding = norm_key(a.name) in corr or (bool(short) and short[j] in corr)
    return authors


def _convert(r: RawRecord) -> Record:
    f = r.fields
    ut = text_of(f.get("UT"))
    if ut is None:
        raise FieldError("UT", "missing accession number (UT)")
    if re.fullmatch(r"\d{15}", ut):
        ut = f"WOS:{ut}"
    if not re.fullmatch(r"[A-Za-z]+:[0-9A-Za-z]+", ut):
        raise FieldError("UT", "not a Web of Science accession number (WOS:…)")
    # early-access records have no PY yet; EA holds the early-access date ("JAN 2024")
    ea = re.search(r"\b\d{4}\b", f.get("EA") or "")
    year = year_of(f.get("PY"), "PY") or (year_of(ea.group(0), "EA") if ea else None)
    refs = [c for c in (wos_reference_id(x) for x in split_list(f.get("CR"))) if c]
    return Record(
        line=r.line,
        work_id=ut,
        doi=doi_of(f.get("DI"), "DI"),
        title=text_of(f.get("TI")),
        abstract=text_of(f.get("AB")),
        year=year,
        pub_date=_pub_date(f.get("PD"), year),
        type=type_of(f.get("DT"), _TYPES),
        source_id=issn_id(f.get("SN")) or issn_id(f.get("EI")),
        source_name=text_of(f.get("SO")),
        cited_by_count=int_of(f.get("TC"), "TC"),
        language=language_of(f.get("LA")),
        volume=text_of(f.get("VL")),
        first_page=text_of(f.get("BP")) or text_of(f.get("AR")),
        authors=_authors(f),
        keywords=keywords([*split_list(f.get("DE")), *split_list(f.get("ID"))]),
        references=refs,
    )


WOS = BibFormat(
    source="wos",
    suffixes=(".txt", ".tsv", ".ciw"),
    read=_read,
    convert=_convert,
    id_field="UT",
    authors_field="AF",
)


def ingest_wos(
    store: Store,
    path: str | os.PathLike[str],
    *,
    origin: str | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest a Web of Science export (tab-delimited or plain text), one batch per file.

    Parameters
    ----------
    store
        An open, writable store.
    path
        A ``savedrecs.txt`` file, or a directory of them (``*.txt``, ``*.tsv``, ``*.ciw``).
    origin
        Label stored with every work (default ``wos``).
    progress
        Called as ``progress(bytes_done, bytes_total)`` after each file.

    Returns
    -------
    IngestReport
        ``read == stored + replaced + rejected + duplicates + filtered`` over the records
        (``read`` counted by delimiters, see :mod:`~.bibliographic`); ``related`` gives the
        rows written per table and the references matched to stored works.

    Raises
    ------
    NotFoundError
        ``path`` does not exist, or a directory has no export files.
    ParseError
        A file is not a Web of Science export (nothing of it is written).
    StoreError
        DuckDB failed; the file's batch was rolled back.
    """
    return ingest_bibliographic(store, path, WOS, origin=origin, progress=progress)
