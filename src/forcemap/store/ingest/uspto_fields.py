"""USPTO grant records: normalising one record (Public Search JSON or a flattened CSV row)
into a :class:`Patent`, and the checks of what the store's columns can hold.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from forcemap.store.ingest.bib_fields import country_code_of
from forcemap.store.reference import reference_table

__all__ = [
    "CSV_FIELDS",
    "JSON_FIELDS",
    "SEQ_MAX",
    "Patent",
    "Reject",
    "check_storable",
    "parse_csv_row",
    "parse_json_record",
]

_GUID = re.compile(r"US-([A-Z]{0,2}[0-9]+)-([A-Z][0-9]?)")
_NUMBER = re.compile(r"([A-Z]{0,2})0*([1-9][0-9]*)")
_PUBLICATION = re.compile(r"(19|20)[0-9]{9}")  # pre-grant publication numbers: YYYY + 7 digits
_CPC = re.compile(r"[A-HY][0-9]{2}[A-Z][0-9]{1,4}/[0-9]{2,6}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TAG = re.compile(r"<[^>]*>")
_US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP".split()
)
# A corporate legal form in an assignee name marks a company when no type code says otherwise.
_LEGAL_FORM = re.compile(
    r"\b(inc|incorporated|corp|corporation|co|company|llc|l\.l\.c|ltd|limited|plc|gmbh|ag|s\.?a"
    r"|kk|kabushiki kaisha|b\.?v|n\.?v|ab|oy|s\.?p\.?a|s\.?r\.?l|sas|pte|pty|llp|lp|se)\b\.?",
    re.IGNORECASE,
)
_TYPE_BY_PREFIX = {
    "D": "design",
    "PP": "plant",
    "RE": "reissue",
    "T": "defensive publication",
    "H": "statutory invention registration",
}
_TYPE_BY_KIND = (
    ("S", "design"),
    ("P", "plant"),
    ("E", "reissue"),
    ("I", "defensive publication"),
    ("H", "statutory invention registration"),
)
_OCR_PLACEHOLDER = "OCR SCANNED DOCUMENT"
SEQ_MAX = (
    32_767  # seq columns are SMALLINT: the most CPC symbols, assignees, inventors a patent has
)


class Reject(Exception):
    """A record that cannot be stored: reason and field."""

    def __init__(self, reason: str, field: str | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


@dataclass
class Patent:
    patent_id: str
    kind: str | None
    type: str | None
    grant_date: date
    filing_date: date | None
    title: str | None
    abstract: str | None
    family_id: str | None
    num_claims: int | None
    cpc: list[tuple[str, bool]] = field(default_factory=list)  # (symbol, is_first)
    assignees: list[tuple[str, str | None, str | None, str | None, str | None]] = field(
        default_factory=list
    )  # (name, type, country, city, country_source)
    inventors: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)
    application: str | None = None  # the patent's own application number (14/231597)
    priority: list[tuple[str | None, str, date | None]] = field(
        default_factory=list
    )  # (office, number, date) of each foreign priority claim
    related: list[tuple[str, str]] = field(default_factory=list)  # (relation, number)


# the source field each part of a patent comes from, to name it in a quarantine entry
JSON_FIELDS = {
    "application": "applicationNumber",
    "priority": "priorityClaimsDocNumber",
    "related": "relatedApplNumber",
    "kind": "guid",
    "type": "applicationRefFilingType",
    "title": "inventionTitle",
    "abstract": "abstractHtml",
    "family_id": "familyIdentifierCur",
    "cpc": "cpcInventiveFlattened",
    "assignees": "assigneeName",
    "inventors": "inventorsName",
    "cited": "urpn",
}
CSV_FIELDS = {
    "kind": "patent",
    "title": "title",
    "cpc": "cpc_inventive",
    "assignees": "assignee",
    "cited": "us_cited",
}


def check_storable(p: Patent, names: dict[str, str]) -> None:
    """What the store's columns cannot hold: more list items than a SMALLINT ``seq`` counts,
    text that is not valid Unicode (a lone surrogate escaped in JSON)."""
    for attr, label in (
        ("cpc", "CPC symbols"),
        ("assignees", "assignees"),
        ("inventors", "inventors"),
    ):
        n = len(getattr(p, attr))
        if n > SEQ_MAX:
            raise Reject(
                f"{n:,} {label}: more than the {SEQ_MAX:,} a patent can hold", names.get(attr)
            )
    for attr in (
        "kind",
        "type",
        "title",
        "abstract",
        "family_id",
        "cpc",
        "assignees",
        "inventors",
        "cited",
        "application",
        "priority",
        "related",
    ):
        value = getattr(p, attr)
        parts = value if isinstance(value, list) else [value]
        for part in parts:
            for v in part if isinstance(part, tuple) else (part,):
                if isinstance(v, str):
                    try:
                        v.encode("utf-8")
                    except UnicodeEncodeError:
                        raise Reject(
                            "text is not valid Unicode (an unpaired surrogate escape)",
                            names.get(attr, attr),
                        ) from None


# -- normalising one record -----------------------------------------------------------------


def _text(v: Any) -> str | None:
    """A scalar as clean text; ``N/A`` and blanks are None; HTML entities decoded."""
    if v is None or isinstance(v, (dict, list)):
        return None
    s = " ".join(html.unescape(str(v)).split())
    return None if not s or s.upper() == "N/A" else s


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    if isinstance(v, list):
        return v
    return [v]


def _at(values: list[Any], k: int) -> str | None:
    return _text(values[k]) if k < len(values) else None


def _split(v: Any, sep: str = ";") -> list[str]:
    """A ``;``-separated string or a list as a list of clean strings."""
    if isinstance(v, list):
        items: Iterable[Any] = v
    elif isinstance(v, str):
        items = re.split(sep, v)
    else:
        items = []
    return [t for t in (_text(x) for x in items) if t]


def _date(v: Any, fld: str, *, required: bool) -> date | None:
    values = _as_list(v)
    s = next((str(x).strip() for x in values if x is not None and str(x).strip()), None)
    if s is None or not any(c.isdigit() for c in s):  # "", "None", "[]", "N/A": no date
        if required:
            raise Reject(f"missing {fld}", fld)
        return None
    m = _DATE.search(s)
    try:
        if not m:
            raise ValueError(s)
        d = date.fromisoformat(m.group(0))
    except ValueError:
        raise Reject(f"invalid {fld}", fld) from None
    if not date(1790, 7, 31) <= d <= date(2100, 12, 31):
        raise Reject(f"invalid {fld}", fld)
    return d


def _number(s: str) -> str | None:
    """A patent number without leading zeros (``06103599`` → ``6103599``), or None."""
    m = _NUMBER.fullmatch(s.upper().replace(" ", "").replace(",", ""))
    return m.group(1) + m.group(2) if m else None


def _person(name: str) -> str:
    """``Last; First`` → ``First Last``."""
    last, _, first = name.partition(";")
    return " ".join(f"{first.strip()} {last.strip()}".split())


def _code(v: str | None) -> int | None:
    """An assignee type code (``02``, ``3``, ``3.0``) as its last digit; a value that is not
    a small whole number (``inf``, ``NaN``, text) quarantines the record."""
    if v is None:
        return None
    if not re.fullmatch(r"[0-9]{1,3}(\.0*)?", v.strip()):
        raise Reject(f"invalid assigneeTypeCode: {v[:40]!r} is not a type code", "assigneeTypeCode")
    return int(float(v)) % 10


def _type_code(v: str | None) -> str | None:
    code = _code(v)
    if code is None:
        return None
    return {2: "company", 3: "company", 4: "individual", 5: "individual"}.get(
        code, "government" if code in (6, 7, 8, 9) else None
    )


@lru_cache(maxsize=1)
def _iso2() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes of the shipped country table."""
    return frozenset(c.upper() for c in reference_table("countries")["iso2"].to_pylist() if c)


# A holder that is a state names its country: "The United States of America as represented by
# the Secretary of the Navy", "Government of the United States as represented by ...",
# "Her Majesty the Queen in right of Canada, as represented by ...".
_STATE_HOLDER = re.compile(
    r"^(?:the\s+)?(?:government\s+of\s+)?(?P<a>[a-z .'-]+?),?\s+as\s+represented\s+by\b"
    r"|\bin\s+(?:the\s+)?right\s+of\s+(?P<b>[a-z .'-]+?)(?:,|\s+as\s+represented\b|$)",
    re.IGNORECASE,
)


def holder_country_from_name(name: str | None) -> str | None:
    """ISO alpha-2 of a state holder named by its country (``The United States of America as
    represented by the Secretary of the Navy`` → ``US``); None for any other name.

    Only the explicit forms "<country> as represented by" and "in right of <country>" are
    read, and the country must be one of the shipped table's names: a company whose name
    contains a country ("T-Mobile USA, Inc.") is not located by it.

    >>> [holder_country_from_name(n) for n in (
    ...     "The United States of America as represented by the Secretary of the Navy",
    ...     "Her Majesty the Queen in Right of Canada as represented by the Minister",
    ...     "T-Mobile USA, Inc.", "Acme as represented by counsel")]
    ['US', 'CA', None, None]
    """
    if not name:
        return None
    m = _STATE_HOLDER.search(name)
    if not m:
        return None
    return country_code_of(m.group("a") or m.group("b"))


def _country(cc: str | None, state: str | None, code: str | None) -> tuple[str | None, str | None]:
    """The country of an address and where it came from (``address`` / ``type_code``).

    A two-letter code must be an ISO 3166-1 code of the shipped table (``EP``, ``WO`` or a
    typo are not countries: unknown); a longer value is read as a country name
    (:func:`~forcemap.store.ingest.bib_fields.country_code_of`); with no country, a US state
    or territory code gives ``US``; else a US owner type code (2, 4, 6, 8, 9: US company,
    individual, federal, state or local government) gives ``US``.
    """
    if cc:
        c = cc.strip().upper()
        if len(c) == 2 and c.isalpha():
            if c in _iso2():
                return c, "address"
            if c == "UK":
                return "GB", "address"
        else:
            named = country_code_of(cc)
            if named:
                return named, "address"
    if state and state.strip().upper() in _US_STATES:
        return "US", "address"
    if _code(code) in (2, 4, 6, 8, 9):
        return "US", "type_code"
    return None, None


def _assignee(
    raw_name: str, code: str | None, cc: str | None, city: str | None, state: str | None
) -> tuple[str, str | None, str | None, str | None, str | None]:
    typ = _type_code(code)
    name = raw_name
    if "; " in raw_name:  # USPTO writes persons "Last; First"
        name = _person(raw_name)
        typ = typ or "individual"
    elif typ is None and _LEGAL_FORM.search(raw_name):
        typ = "company"
    country, source = _country(cc, state, code)
    if country is None:
        country = holder_country_from_name(name)
        source = "name" if country else None
    return name, typ, country, city, source


def _name_key(name: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", name.lower()).split())


def _cpc(
    inventive: list[str], additional: list[str], flagged: str | None, fld: str
) -> list[tuple[str, bool]]:
    seen: dict[str, None] = {}  # insertion-ordered set: a list's `in` is quadratic
    for s in [*inventive, *additional]:
        sym = s.split()[0] if " " in s and not _CPC.fullmatch(s.replace(" ", "")) else s
        sym = sym.replace(" ", "").upper()
        if not _CPC.fullmatch(sym):
            raise Reject("invalid CPC symbol", fld)
        seen[sym] = None
    symbols = list(seen)
    first = flagged if flagged in symbols else (symbols[0] if symbols else None)
    return [(s, s == first) for s in symbols]


def _cited(values: list[str], fld: str) -> list[str]:
    out: dict[str, None] = {}  # insertion-ordered set
    for v in values:
        if _PUBLICATION.fullmatch(v):
            continue
        n = _number(v)
        if n is None:
            raise Reject("invalid cited patent number", fld)
        out[f"US-{n}"] = None
    return list(out)


def _guid(v: Any, fld: str) -> tuple[str, str]:
    if not isinstance(v, str) or not v.strip():
        raise Reject(f"missing {fld}", fld)
    m = _GUID.fullmatch(v.strip().upper())
    number = _number(m.group(1)) if m else None
    if not m or number is None:
        raise Reject(f"invalid {fld}", fld)
    if _PUBLICATION.fullmatch(number):
        raise Reject("pre-grant publication, not a granted patent", fld)
    return number, m.group(2)


def _patent_type(number: str, kind: str, filing_type: Any) -> str:
    """The number's prefix decides (OCR records call plant patents "utility"), then the
    kind code, then the record's filing type; else utility."""
    prefix = _NUMBER.fullmatch(number).group(1)  # type: ignore[union-attr]
    if prefix in _TYPE_BY_PREFIX:
        return _TYPE_BY_PREFIX[prefix]
    for k, t in _TYPE_BY_KIND:
        if kind.startswith(k):
            return t
    ft = _text(filing_type)
    return ft.lower() if ft else "utility"


def parse_json_record(rec: Any) -> Patent:
    if not isinstance(rec, dict):
        raise Reject("not a JSON object", None)
    if rec.get("type") == "US-PGPUB" or rec.get("databaseName") == "PGPB":
        raise Reject("pre-grant publication, not a granted patent", "type")
    number, kind = _guid(rec.get("guid"), "guid")
    grant = _date(rec.get("datePublished"), "datePublished", required=True)
    assert grant is not None
    filing = _date(rec.get("applicationFilingDate"), "applicationFilingDate", required=False)
    claims = _int(rec.get("numberOfClaims"), "numberOfClaims")
    title = _text(rec.get("inventionTitle"))
    if title == _OCR_PLACEHOLDER:
        title = None
    abstract = rec.get("abstractHtml") or rec.get("abstract")
    abstract = _text(_TAG.sub(" ", abstract)) if isinstance(abstract, str) else None
    family = _text(rec.get("familyIdentifierCurStr") or rec.get("familyIdentifierCur"))
    pat = Patent(
        f"US-{number}",
        kind,
        _patent_type(number, kind, rec.get("applicationRefFilingType")),
        grant,
        filing,
        title,
        abstract,
        family,
        claims,
    )
    inventive = _split(rec.get("cpcInventiveFlattened")) or _split(rec.get("cpcInventive"))
    additional = _split(rec.get("cpcAdditionalFlattened")) or _split(rec.get("cpcAdditional"))
    flagged = None
    for g in _as_list(rec.get("cpcCurClassificationGroup")):
        tokens = str(g).split()
        if len(tokens) > 4 and tokens[4] == "F":
            flagged = tokens[2].upper()
            break
    pat.cpc = _cpc(inventive, additional, flagged, "cpcInventiveFlattened")
    names = _as_list(rec.get("assigneeName"))
    countries, cities = _as_list(rec.get("assigneeCountry")), _as_list(rec.get("assigneeCity"))
    states, codes = _as_list(rec.get("assigneeState")), _as_list(rec.get("assigneeTypeCode"))
    # an applicant of the same name (the assignee applying) carries an address too
    applicants: dict[str, tuple[str | None, str | None, str | None]] = {}
    app_names = _as_list(rec.get("applicantName"))
    app_cc, app_city = _as_list(rec.get("applicantCountry")), _as_list(rec.get("applicantCity"))
    app_state = _as_list(rec.get("applicantState"))
    for k, nm in enumerate(app_names):
        an = _text(nm)
        if an:
            applicants.setdefault(
                _name_key(an), (_at(app_cc, k), _at(app_state, k), _at(app_city, k))
            )
    for k, nm in enumerate(names):
        name = _text(nm)
        if name:
            cc, st, city = _at(countries, k), _at(states, k), _at(cities, k)
            if cc is None and st is None and _name_key(name) in applicants:
                cc, st, app_city_k = applicants[_name_key(name)]
                city = city or app_city_k
            pat.assignees.append(_assignee(name, _at(codes, k), cc, city, st))
    inv_names = _as_list(rec.get("inventorsName"))
    if not inv_names:
        short = _text(rec.get("inventorsShort"))
        if short and "et al" not in short.lower():
            inv_names = [short]
    inv_cc = _as_list(rec.get("inventorCountry"))
    inv_city, inv_state = _as_list(rec.get("inventorCity")), _as_list(rec.get("inventorState"))
    for k, nm in enumerate(inv_names):
        name = _text(nm)
        if name:
            pat.inventors.append(
                (
                    _person(name) if ";" in name else name,
                    _country(_at(inv_cc, k), _at(inv_state, k), None)[0],
                    _at(inv_city, k),
                )
            )
    pat.cited = _cited(_split(rec.get("urpn")), "urpn")
    pat.application = _text(rec.get("applicationNumber"))
    pr_cc, pr_no = (
        _as_list(rec.get("priorityClaimsCountry")),
        _as_list(rec.get("priorityClaimsDocNumber")),
    )
    pr_date = _as_list(rec.get("priorityClaimsDate"))
    for k, no in enumerate(pr_no):
        pr_number = _text(no)
        if pr_number:
            when = _date(
                pr_date[k] if k < len(pr_date) else None, "priorityClaimsDate", required=False
            )
            pat.priority.append((_at(pr_cc, k), pr_number, when))
    for v in _as_list(rec.get("relatedApplNumber")):
        t = _text(v)
        if t:
            m = _RELATED.fullmatch(t)
            rel, rel_number = (m.group(1).lower(), m.group(2)) if m else ("related-application", t)
            rel = {"divisional": "division"}.get(rel, rel.replace(" ", "-"))
            pat.related.append((rel, rel_number))
    return pat


# "continuation 16428791", "division 15/306,892"; a bare number is "related U.S. application
# data" (a provisional or a parent application)
_RELATED = re.compile(
    r"(continuation-in-part|continuation in part|continuation|division|divisional|"
    r"reissue|substitution)\s+(.+)",
    re.IGNORECASE,
)


def _int(v: Any, fld: str) -> int | None:
    """A count: a whole number 0 ≤ n < 100,000 (a JSON number or its text)."""
    if isinstance(v, bool):
        raise Reject(f"invalid {fld}: not a number", fld)
    s = _text(v)
    if s is None:
        return None
    try:
        f = float(s)
    except (ValueError, OverflowError):
        raise Reject(f"invalid {fld}: not a number", fld) from None
    if not math.isfinite(f):
        raise Reject(f"invalid {fld}: {s[:40]!r} is not a finite number", fld)
    if not 0 <= f < 100_000 or f != int(f):
        raise Reject(f"invalid {fld}: {s[:40]!r} is out of range (a count 0-99,999)", fld)
    return int(f)


def parse_csv_row(row: dict[str, str]) -> Patent:
    number, kind = _guid(row.get("patent"), "patent")
    grant = _date(row.get("date"), "date", required=True)
    assert grant is not None
    filing = _date(row.get("filed"), "filed", required=False)
    title = _text(row.get("title"))
    pat = Patent(
        f"US-{number}",
        kind,
        _patent_type(number, kind, None),
        grant,
        filing,
        None if title == _OCR_PLACEHOLDER else title,
        None,
        None,
        None,
    )
    pat.cpc = _cpc(
        _split(row.get("cpc_inventive")), _split(row.get("cpc_additional")), None, "cpc_inventive"
    )
    # Assignees are separated by ";" without a space ("A Inc.;B KK"); "Last; First" is a person.
    names = _split(row.get("assignee"), r";(?! )")
    countries = [c.strip() for c in re.split(r";(?! )", row.get("assignee_country") or "")]
    for k, name in enumerate(names):
        cc = _text(countries[k]) if k < len(countries) else None
        pat.assignees.append(_assignee(name, None, cc, None, None))
    pat.cited = _cited(_split(row.get("us_cited")), "us_cited")
    return pat
