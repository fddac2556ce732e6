"""Bibliographic exports: normalising field values, shared by every format module.

Keys for matching (:func:`norm_key`, :func:`surname_key`, :func:`ref_key`, :func:`work_key`,
:func:`hash_id`), typed values that raise :class:`~forcemap.store.ingest.bib_records.FieldError`
on a bad field (:func:`doi_of`, :func:`year_of`, :func:`int_of`), lists, ISSNs, keywords,
languages and document types, and countries and affiliations (:func:`country_code_of`,
:func:`parse_affiliation`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from forcemap.store.ingest.bib_records import Affiliation, FieldError, Record
from forcemap.store.reference import reference_table

__all__ = [
    "INT_MAX",
    "author_position",
    "country_code_of",
    "doi_of",
    "find_doi",
    "hash_id",
    "int_of",
    "issn_id",
    "keywords",
    "language_of",
    "norm_key",
    "parse_affiliation",
    "ref_key",
    "split_list",
    "surname_key",
    "text_of",
    "type_of",
    "work_key",
    "year_of",
]

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


def hash_id(prefix: str, *parts: str | int | None) -> str:
    """``<prefix>:<16 hex digits>`` of the normalised parts (stable across re-exports)."""
    text = "|".join(norm_key(str(p)) or "" for p in parts)
    return f"{prefix}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"
