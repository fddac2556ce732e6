"""Parsing of the form and query values of the decision tools (consortium, panel, portfolio,
search): plain text in, checked Python values out, :class:`~forcemap.errors.InputError` (422)
with a message naming the field otherwise.

A form sends every field, empty ones as ``""``; these helpers read an empty field as "not
given". Ids are only checked for shape here: they reach the store as bound parameters of the
decision functions, never as SQL text.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from forcemap.decide.params import CONSORTIUM
from forcemap.errors import InputError
from forcemap.network.build import ORG_TYPES

__all__ = [
    "MAX_CONSORTIUM",
    "MAX_PANEL",
    "MAX_SEARCH",
    "allocation_args",
    "consortium_args",
    "panel_args",
    "parse_counts",
    "parse_float",
    "parse_ids",
    "parse_int",
    "review_args",
    "search_args",
]

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/\-]{0,199}$")
_SPLIT = re.compile(r"[\s,;]+")
_COUNT = re.compile(r"^([a-z][a-z_]*)\s*(?:>=|=|:)\s*(\d{1,4})$")


def parse_ids(text: str | None, field: str, *, max_items: int = 100) -> list[str]:
    """Ids separated by commas, semicolons or white space, in order, without duplicates.

    >>> parse_ids("I1, I2 I1", "must_include")
    ['I1', 'I2']
    """
    if not text or not text.strip():
        return []
    out = list(dict.fromkeys(t for t in _SPLIT.split(text.strip()) if t))
    bad = [t for t in out if not _ID.match(t)]
    if bad:
        raise InputError(
            f"{field}: {bad[0]!r} is not an id (letters, digits and _ . : / - only, e.g. "
            "I5000725 or https://openalex.org/A123)"
        )
    if len(out) > max_items:
        raise InputError(f"{field}: at most {max_items} ids, got {len(out)}")
    return out


def parse_counts(
    text: str | None, field: str, allowed: tuple[str, ...] | None = None
) -> dict[str, int]:
    """``"university>=1, enterprise=2"`` as ``{"university": 1, "enterprise": 2}``.

    >>> parse_counts("university>=1; enterprise = 2", "min_types")
    {'university': 1, 'enterprise': 2}
    """
    if not text or not text.strip():
        return {}
    out: dict[str, int] = {}
    for part in re.split(r"[,;\n]+", text.strip()):
        part = part.strip().lower()
        if not part:
            continue
        m = _COUNT.match(part)
        if not m:
            raise InputError(f"{field}: {part!r} must read NAME=COUNT, e.g. university=1")
        name, count = m.group(1), int(m.group(2))
        if allowed is not None and name not in allowed:
            raise InputError(f"{field}: unknown {name!r}; one of {', '.join(allowed)}")
        out[name] = count
    return out


def parse_int(text: str | None, field: str, *, low: int, high: int) -> int | None:
    """An integer in ``[low, high]``, or None for an empty field."""
    if text is None or not str(text).strip():
        return None
    try:
        v = int(str(text).strip())
    except ValueError:
        raise InputError(f"{field}={text!r} must be a whole number") from None
    if not low <= v <= high:
        raise InputError(f"{field}={v} must be between {low} and {high}")
    return v


def parse_float(text: str | None, field: str, *, low: float, high: float) -> float | None:
    """A finite number in ``[low, high]`` (``5e7``, ``50000000`` and ``50,000,000`` read
    the same), or None for an empty field."""
    if text is None or not str(text).strip():
        return None
    s = str(text).strip().replace(",", "").replace("_", "")
    try:
        v = float(s)
    except ValueError:
        raise InputError(f"{field}={text!r} must be a number, e.g. 5e7") from None
    if not math.isfinite(v) or not low <= v <= high:
        raise InputError(f"{field}={text} must be between {low:g} and {high:g}")
    return v


# -- the decision tools' arguments (shared by the pages and the API) ----------------------
#: Largest consortium the form accepts.
MAX_CONSORTIUM = 30


def consortium_args(
    *,
    industry: str,
    columns: str,
    subs: str,
    lead: str,
    size: str,
    min_types: str,
    include: str,
    exclude: str,
    country: str,
    method: str,
    org_level: str = "self",
    depth: str = "",
    depth_discount: str = "",
    min_contribution: str = "",
) -> dict[str, Any]:
    """The keyword arguments of :data:`~forcemap.web.results.CONSORTIUM` from the form's text values
    (hashable: tuples), or InputError naming the bad field; empty fields take the defaults of
    :data:`~forcemap.decide.params.CONSORTIUM`."""
    sub_keys = tuple(parse_ids(subs, "sub-technologies"))
    if columns == "cpc_group" and sub_keys:
        raise InputError("give either CPC main groups or a list of sub-technologies, not both")
    n = parse_int(size, "size", low=1, high=MAX_CONSORTIUM)
    leads = parse_ids(lead, "lead", max_items=1)
    return {
        "industry": industry,
        "sub_technologies": "cpc_group" if columns == "cpc_group" else (sub_keys or None),
        "lead": leads[0] if leads else None,
        "size": 6 if n is None else n,
        "min_types": tuple(sorted(parse_counts(min_types, "member types", ORG_TYPES).items())),
        "must_include": tuple(parse_ids(include, "must include")),
        "must_exclude": tuple(parse_ids(exclude, "must exclude")),
        "country": country.strip().upper() or None,
        "method": method or "milp",
        "org_level": org_level or "self",
        "depth": _or(parse_int(depth, "depth", low=1, high=MAX_CONSORTIUM), CONSORTIUM.depth),
        "depth_discount": _or(
            parse_float(depth_discount, "depth discount", low=0.0, high=1.0),
            CONSORTIUM.depth_discount,
        ),
        "min_contribution": _or(
            parse_float(min_contribution, "min contribution", low=0.0, high=0.999),
            CONSORTIUM.min_contribution,
        ),
    }


def _or(value: Any, default: Any) -> Any:
    """``value``, or ``default`` when the field was left empty (None)."""
    return default if value is None else value


#: Largest review panel the form accepts.
MAX_PANEL = 20


def panel_args(
    *,
    applicants: str,
    text: str,
    topics: str,
    concepts: str,
    size: str,
    roles: str,
    coi_years: str,
    max_per_org: str,
    max_per_country: str,
    method: str,
) -> dict[str, Any]:
    """The keyword arguments of :data:`~forcemap.web.results.PANEL` from the form's text
    values; an empty ``max_per_org`` / ``max_per_country`` means no cap (the form pre-fills 1
    per org)."""
    from forcemap.decide.panel import ROLES

    ids = parse_ids(applicants, "applicants")
    if not ids:
        raise InputError("applicants: give at least one author, inventor or organisation id")
    n = parse_int(size, "size", low=1, high=MAX_PANEL)
    coi = parse_int(coi_years, "COI years", low=0, high=50)
    desc = " ".join((text or "").split())
    t_ids = tuple(parse_ids(topics, "topics"))
    c_ids = tuple(parse_ids(concepts, "concepts"))
    if not desc and not t_ids and not c_ids:
        raise InputError("describe the proposal: give its text, or topic / concept ids")
    return {
        "applicants": tuple(ids),
        "text": desc or None,
        "topics": t_ids,
        "concepts": c_ids,
        "size": 5 if n is None else n,
        "roles": tuple(sorted(parse_counts(roles, "roles", tuple(ROLES)).items())),
        "coi_years": 5 if coi is None else coi,
        "max_per_org": parse_int(max_per_org, "max per organisation", low=1, high=MAX_PANEL),
        "max_per_country": parse_int(max_per_country, "max per country", low=1, high=MAX_PANEL),
        "method": method or "milp",
    }


def review_args(
    *, as_of: str, min_age_years: str, withdraw_below: str, review_below: str
) -> dict[str, Any]:
    """The keyword arguments of :data:`~forcemap.web.results.REVIEW` from the form's values."""
    day = (as_of or "").strip() or None
    if day is not None:
        try:
            day = date.fromisoformat(day).isoformat()
        except ValueError:
            raise InputError(f"as of={as_of!r} must be a date YYYY-MM-DD") from None
    age = parse_float(min_age_years, "min age (years)", low=0, high=50)
    wb = parse_float(withdraw_below, "withdraw below", low=0, high=1)
    rb = parse_float(review_below, "review below", low=0, high=1)
    return {
        "as_of": day,
        "min_age_years": 2.0 if age is None else age,
        "withdraw_below": 0.25 if wb is None else wb,
        "review_below": 0.5 if rb is None else rb,
    }


def allocation_args(
    *, budget: str, country: str, max_share: str, min_per_industry: str, method: str
) -> dict[str, Any]:
    """The keyword arguments of :data:`~forcemap.web.results.ALLOCATION` from the form's values."""
    b = parse_float(budget, "budget", low=0, high=1e15)
    if b is None:
        raise InputError("budget: give the money to allocate, e.g. 5e7")
    cc = (country or "").strip().upper() or "CN"
    if len(cc) != 2 or not cc.isalpha():
        raise InputError(f"country={country!r} must be an ISO alpha-2 code such as CN")
    return {
        "budget": b,
        "country": cc,
        "max_share_per_industry": parse_float(max_share, "max share per industry", low=0, high=1),
        "min_per_industry": parse_int(
            min_per_industry, "min projects per industry", low=0, high=100
        ),
        "method": method or "milp",
    }


#: Most hits a search lists.
MAX_SEARCH = 200


def search_args(*, q: str, k: str, entity: str) -> dict[str, Any]:
    """The arguments of :func:`forcemap.web.results.search` from the form's values (the query
    with its white space collapsed, so equal queries share the cache)."""
    query = " ".join((q or "").split())
    if not query:
        raise InputError("the query is empty: type a few words")
    n = parse_int(k, "results", low=1, high=MAX_SEARCH)
    return {"query": query, "k": 20 if n is None else n, "entity": entity or "works"}
