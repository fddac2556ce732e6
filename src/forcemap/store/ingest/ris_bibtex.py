"""Reference-manager exports: RIS (``*.ris``, each record read with ``rispy``) and BibTeX
(``*.bib``, read by the linear reader below).

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
read is quarantined with its start line. Entries are found by ``@type{`` and balanced braces (an
entry start at a line's start ends an entry whose brace was never closed), values by their
delimiters and LaTeX by regular expressions, so the time is linear in the file's size (a field
of 50 MB is read in seconds; ``bibtexparser``'s LaTeX decoding took minutes over 1 MB).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import rispy

from forcemap.errors import ParseError
from forcemap.store.ingest._physical import MAX_RECORD
from forcemap.store.ingest.bib_fields import (
    doi_of,
    hash_id,
    issn_id,
    keywords,
    language_of,
    parse_affiliation,
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
    read_text,
    record_spans,
    split_spans,
)
from forcemap.store.ingest.bibliographic import ingest_bibliographic
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


def _read_ris(path: Path) -> Split:
    """Records are the spans between ``TY`` and ``ER`` lines (:func:`record_spans`)."""
    lines = read_text(path).split("\n")
    if not any(_RIS_TAG.match(ln.rstrip("\r")) for ln in lines[:200]):
        raise ParseError("not an RIS file: no 'TY  - ' record start", file=str(path), line=1)
    spans = record_spans(
        lines,
        is_start=lambda ln: ln.startswith("TY  -"),
        is_end=lambda ln: ln.startswith("ER  -"),
    )
    return split_spans(lines, spans, _ris_record)


def _ris_record(span: list[str], start: int, *, ended: bool, at_eof: bool) -> RawRecord | Reject:
    rec_lines = [ln.rstrip("\r") for ln in span if ln.strip()]
    raw = "\n".join(rec_lines)
    if not rec_lines[0].startswith("TY  -"):
        return Reject(start, "text outside a record: it does not start with TY", "TY", raw)
    if not ended:
        reason = "record not terminated by ER" + (" (file truncated?)" if at_eof else "")
        return Reject(start, reason, field="ER", raw=raw)
    fields: dict[str, list[str]] = {}
    for line in rec_lines[:-1]:
        m = _RIS_TAG.match(line)
        if m:
            fields.setdefault(m.group(1), []).append((m.group(2) or "").strip())
    return RawRecord(start, {t: _SEP.join(v) for t, v in fields.items()}, raw)


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
    entry = parsed[0]
    title = text_of(entry.get("title") or entry.get("primary_title"))
    year_field = "PY" if entry.get("year") else "Y1"
    year = year_of(entry.get("year") or entry.get("publication_year"), year_field)
    doi = doi_of(entry.get("doi"), "DO")
    names = list(entry.get("authors") or entry.get("first_authors") or [])
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
        entry.get("secondary_title")
        or entry.get("journal_name")
        or entry.get("alternate_title3")
        or entry.get("alternate_title2")
    )
    return Record(
        line=r.line,
        work_id=hash_id("ris", doi) if doi else hash_id("ris", title, year, first),
        doi=doi,
        title=title,
        abstract=text_of(entry.get("abstract") or entry.get("notes_abstract")),
        year=year,
        pub_date=_ris_date(entry.get("date") or entry.get("publication_year")),
        type=type_of(entry.get("type_of_reference"), _RIS_TYPES),
        source_id=issn_id(entry.get("issn")),
        source_name=text_of(source),
        language=language_of(entry.get("language")),
        volume=text_of(entry.get("volume")),
        first_page=text_of(entry.get("start_page")),
        authors=authors,
        keywords=keywords(entry.get("keywords") or []),
    )


RIS = BibFormat(
    source="ris", suffixes=(".ris",), read=_read_ris, convert=_convert_ris, authors_field="AU"
)


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


# A linear BibTeX reader: entries are found by their ``@type{`` and balanced braces, field
# values by their delimiters, LaTeX by regular expressions; every step moves forward through
# the text, so a field of many megabytes costs time in proportion to its size.

_ENTRY = re.compile(r"@[ \t]*([A-Za-z][\w-]*)[ \t\r\n]*([{(])")
# an entry start at a line's start ends an entry whose brace was never closed
_NEXT_ENTRY = re.compile(r"\n[ \t]*@[ \t]*[A-Za-z][\w-]*[ \t]*[{(]")
_BRACES = re.compile(r"[{}]")
# text up to the next brace, skipping whole groups nested up to two deep, in one C-level match
# (unambiguous, so linear); the brace-by-brace loop takes over only for deeper nesting
_GROUP = r"\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}"
_SKIP = {
    "}": re.compile(rf"[^{{}}]*(?:{_GROUP}[^{{}}]*)*"),
    ")": re.compile(rf"[^{{}}()]*(?:{_GROUP}[^{{}}()]*)*"),
    '"': re.compile(rf'[^{{}}"]*(?:{_GROUP}[^{{}}"]*)*'),
}
_FIELD = re.compile(r"[ \t\r\n]*([A-Za-z][\w:.+/-]*)[ \t\r\n]*=[ \t\r\n]*")
_BARE = re.compile(r"[^\s,#{}\"=]+")
_WS = re.compile(r"[ \t\r\n]*")
_AND = re.compile(r"[{}]|\s+and\s+")
_MONTH_MACROS = {
    m: n
    for m, n in zip(
        "jan feb mar apr may jun jul aug sep oct nov dec".split(),
        "January February March April May June July August September October November "
        "December".split(),
        strict=True,
    )
}


class _BibError(ValueError):
    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


def _blocks(text: str) -> Iterator[tuple[int, str, int, int, str | None]]:
    """``(start, type, body start, body end, error)`` of each ``@`` block, in order."""
    pos = 0
    while m := _ENTRY.search(text, pos):
        typ, body = m.group(1).lower(), m.end()
        nxt = _NEXT_ENTRY.search(text, body)
        limit = nxt.start() if nxt else len(text)
        end = _closing(text, body, limit, "}" if m.group(2) == "{" else ")")
        if end < 0:
            why = (
                "the file ends inside it (file truncated?)"
                if nxt is None
                else ("a brace is never closed")
            )
            yield m.start(), typ, body, limit, why
            pos = limit
        else:
            yield m.start(), typ, body, end, None
            pos = end + 1


def _closing(text: str, pos: int, limit: int, closer: str) -> int:
    """The position of ``closer`` at brace depth 0 in ``text[pos:limit]``, or -1."""
    skip = _SKIP[closer]
    depth = 0
    while True:
        if depth == 0:
            pos = skip.match(text, pos, limit).end()  # type: ignore[union-attr]
        else:
            b = _BRACES.search(text, pos, limit)
            pos = b.start() if b else limit
        if pos >= limit:
            return -1
        c = text[pos]
        if c == "{":
            depth += 1
        elif c == "}" and depth > 0:
            depth -= 1
        elif depth == 0:
            return pos if c == closer else -1  # a closing brace before the closer: unbalanced
        pos += 1


def _value(body: str, pos: int, macros: dict[str, str]) -> tuple[str, int]:
    """A field value (``{…}``, ``"…"``, a number or a macro, joined by ``#``) and the end."""
    parts: list[str] = []
    while True:
        pos = _WS.match(body, pos).end()  # type: ignore[union-attr]
        c = body[pos : pos + 1]
        if c in ("{", '"'):
            end = _closing(body, pos + 1, len(body), "}" if c == "{" else '"')
            if end < 0:
                raise _BibError(
                    f"unbalanced braces in a {'braced' if c == '{' else 'quoted'} value"
                )
            parts.append(body[pos + 1 : end])
            pos = end + 1
        else:
            m = _BARE.match(body, pos)
            if not m:
                raise _BibError("a field without a value")
            token = m.group(0)
            parts.append(token if token.isdigit() else macros.get(token.lower(), token))
            pos = m.end()
        pos = _WS.match(body, pos).end()  # type: ignore[union-attr]
        if body[pos : pos + 1] != "#":
            return "".join(parts), pos
        pos += 1


def _fields(body: str, macros: dict[str, str], *, keyed: bool) -> tuple[str, dict[str, str]]:
    """The citation key and the raw fields of an entry's body."""
    key = ""
    pos = 0
    if keyed:
        comma = body.find(",")
        key = (body if comma < 0 else body[:comma]).strip()
        if not key or re.search(r'[\s{}"=#]', key):
            raise _BibError("missing or invalid citation key", "ID")
        pos = len(body) if comma < 0 else comma + 1
    out: dict[str, str] = {}
    while True:
        pos = _WS.match(body, pos).end()  # type: ignore[union-attr]
        if pos >= len(body):
            return key, out
        m = _FIELD.match(body, pos)
        if not m:
            raise _BibError(f"malformed field: {body[pos : pos + 40]!r}")
        name = m.group(1).lower()
        value, pos = _value(body, m.end(), macros)
        if name in out:
            raise _BibError(f"field {name!r} given twice", name)
        out[name] = value
        if pos < len(body) and body[pos] != ",":
            raise _BibError(f"text after the value of {name!r} (a missing comma?)", name)
        pos += 1


def _names(value: str) -> list[str]:
    """An ``author`` field split on ``and`` outside braces (``{Barnes and Noble}`` is one)."""
    out, depth, start = [], 0, 0
    for t in _AND.finditer(value):
        ch = t.group(0)
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            out.append(value[start : t.start()])
            start = t.end()
    out.append(value[start:])
    return [n for n in (latex_to_text(x) for x in out) if n]


_MARKS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331", "t": "\u0361",
}  # fmt: skip
_LETTERS = {
    "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "o": "ø", "O": "Ø", "aa": "å",
    "AA": "Å", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð", "th": "þ",
    "TH": "Þ", "ng": "ŋ", "NG": "Ŋ",
}  # fmt: skip
_SYMBOL_ACCENT = re.compile(r"\\([\'`^\"~=.])[ \t]*(?:\{[ \t]*(\\?[A-Za-z])[ \t]*\}|(\\?[A-Za-z]))")
_LETTER_ACCENT = re.compile(
    r"\\([uvHckrdbt])(?:[ \t]*\{[ \t]*(\\?[A-Za-z])[ \t]*\}|[ \t]+([A-Za-z]))"
)
_LETTER = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|dh|DH|th|TH|ng|NG|o|O|l|L|i|j)(?![A-Za-z])(?:\{\})?")
_MACRO = re.compile(r"\\([A-Za-z]+)\*?[ \t]*")
_ESCAPED = {"{": "\x00", "}": "\x01"}
# after the macros: braces dropped (escaped ones kept), ties, dashes, TeX quotes
_PLAIN = (
    ("{", ""), ("}", ""), ("~", " "), ("---", "\u2014"), ("--", "\u2013"), ("``", "\u201c"),
    ("''", "\u201d"), ("\x00", "{"), ("\x01", "}"),
)  # fmt: skip


def _accent(m: re.Match[str]) -> str:
    base = m.group(2) or m.group(3)
    base = {"\\i": "i", "\\j": "j"}.get(base, base.lstrip("\\"))
    return unicodedata.normalize("NFC", base + _MARKS[m.group(1)])


def _sub(pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str], text: str) -> str:
    """``pattern.sub(repl, text)``; when the matches are a few distinct strings (the accents
    of a long text repeat), each is replaced with ``str.replace`` instead of a call per match."""
    whole = _WHOLE.get(pattern) or _WHOLE.setdefault(pattern, re.compile(f"({pattern.pattern})"))
    distinct = {t[0] for t in whole.findall(text)}
    if len(distinct) > 64:
        return pattern.sub(repl, text)
    for k in distinct:
        text = text.replace(k, repl(pattern.fullmatch(k)))  # type: ignore[arg-type]
    return text


_WHOLE: dict[re.Pattern[str], re.Pattern[str]] = {}
_TEXT_MACROS = frozenset("emph url mbox mathrm mathit mathbf".split())


def _macro(m: re.Match[str]) -> str:
    name = m.group(1)
    return "" if name.startswith("text") or name in _TEXT_MACROS else name


def latex_to_text(value: str) -> str:
    """BibTeX's LaTeX as plain text, in time linear in its length: accents (``{\\"u}``,
    ``\\'{e}``, ``\\c c``), special letters (``\\ss``, ``\\AA``), escaped characters
    (``\\&``), text macros (``\\emph{x}`` gives ``x``; other macros keep their name),
    dashes and TeX quotes; braces are dropped, ``~`` and runs of white space are one space.

    >>> latex_to_text(r"M{\\"u}ller, {\\AA}ngstr\\"om \\& Caf\\'{e} -- \\emph{{DNA}} 50\\%")
    'Müller, Ångström & Café – DNA 50%'
    """
    t = value
    if "\\" in t:
        for c in "&%$#_{}":
            if "\\" + c in t:
                t = t.replace("\\" + c, _ESCAPED.get(c, c))
        t = t.replace("\\\\", " ").replace("\\ ", "\x02")  # a line break, a forced space
        t = _sub(_SYMBOL_ACCENT, _accent, t)
        t = _sub(_LETTER_ACCENT, _accent, t)
        t = _sub(_LETTER, lambda m: _LETTERS[m.group(1)], t)
        t = _sub(_MACRO, _macro, t)
    for a, b in _PLAIN:
        if a in t:
            t = t.replace(a, b)
    if "  " in t or any(c in t for c in "\t\n\r\f\v\x02"):
        t = " ".join(t.replace("\x02", " ").split())
    return t.strip()


def _read_bibtex(path: Path) -> Split:
    """One record per ``@entry`` (``@string``, ``@preamble`` and ``@comment`` are not
    records); an entry that cannot be read is rejected with its start line."""
    text = read_text(path)
    macros = dict(_MONTH_MACROS)
    items: list[RawRecord | Reject] = []
    line, at = 1, 0
    for start, typ, b0, b1, error in _blocks(text):
        line += text.count("\n", at, start)
        at = start
        if typ in ("comment", "preamble"):
            continue
        if typ == "string":
            if error is None:
                try:
                    macros.update(
                        {
                            k.lower(): v
                            for k, v in _fields(text[b0:b1], macros, keyed=False)[1].items()
                        }
                    )
                except _BibError:
                    pass  # a broken @string leaves its macro undefined: the entries name it
            continue
        raw = text[start : b1 + 1]
        key = re.match(r"\s*([^,\s]+)\s*,", text[b0 : min(b1, b0 + 1000)])
        rid = key.group(1) if key else None
        if error is not None:
            items.append(Reject(line, f"malformed BibTeX entry: {error}", raw=raw, record_id=rid))
            continue
        size = (
            len(raw.encode("utf-8", errors="surrogateescape")) if len(raw) > MAX_RECORD // 4 else 0
        )
        if size > MAX_RECORD:  # not parsed: quarantined with its size
            reason = f"record of {size:,} bytes is over the {MAX_RECORD:,}-byte limit"
            items.append(Reject(line, reason, raw=raw[:4000], record_id=rid))
            continue
        try:
            cite, values = _fields(text[b0:b1], macros, keyed=True)
        except _BibError as e:
            reason = f"malformed BibTeX entry: {e.reason}"
            items.append(Reject(line, reason, field=e.field, raw=raw, record_id=rid))
            continue
        fields = {"ENTRYTYPE": typ, "ID": cite}
        for name, v in values.items():
            fields[name] = (
                _SEP.join(_names(v)) if name in ("author", "editor") else (latex_to_text(v))
            )
        items.append(RawRecord(line, fields, raw))
    if not items and text.strip() and "@" not in text:
        raise ParseError("not a BibTeX file: no @entry", file=str(path), line=1)
    return Split(len(items), items)


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
    source="bibtex",
    suffixes=(".bib",),
    read=_read_bibtex,
    convert=_convert_bibtex,
    id_field="ID",
    authors_field="author",
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
