"""The form and query values of the decision tools: parsing, messages naming the field, and
the defaults the web fills in agreeing with the decision views' own defaults."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from forcemap.errors import InputError
from forcemap.web import decisions, results
from forcemap.web.params import (
    MAX_CONSORTIUM,
    MAX_PANEL,
    MAX_SEARCH,
    allocation_args,
    consortium_args,
    panel_args,
    parse_counts,
    parse_float,
    parse_ids,
    parse_int,
    review_args,
    search_args,
)

CONSORTIUM_FORM = {
    "industry": "biomedicine",
    "columns": "",
    "subs": "",
    "lead": "",
    "size": "",
    "min_types": "",
    "include": "",
    "exclude": "",
    "country": "",
    "method": "",
}
PANEL_FORM = {
    "applicants": "A1",
    "text": "graphene batteries",
    "topics": "",
    "concepts": "",
    "size": "",
    "roles": "",
    "coi_years": "",
    "max_per_org": "",
    "max_per_country": "",
    "method": "",
}
REVIEW_FORM = {"as_of": "", "min_age_years": "", "withdraw_below": "", "review_below": ""}
ALLOC_FORM = {"budget": "5e7", "country": "", "max_share": "", "min_per_industry": "", "method": ""}


# -- the parsers ----------------------------------------------------------------------------
def test_parse_ids_splits_deduplicates_and_checks_shape() -> None:
    assert parse_ids("I1, I2;I3\nI1  https://openalex.org/A9", "f") == [
        "I1",
        "I2",
        "I3",
        "https://openalex.org/A9",
    ]
    assert parse_ids("", "f") == [] and parse_ids(None, "f") == [] and parse_ids("  ", "f") == []
    with pytest.raises(InputError, match=r"must include: '\(x\)' is not an id"):
        parse_ids("I1 (x)", "must include")
    with pytest.raises(InputError, match="lead: at most 1 ids, got 2"):
        parse_ids("I1 I2", "lead", max_items=1)


def test_parse_counts() -> None:
    assert parse_counts("university>=1, enterprise = 2\ninstitute:3", "t") == {
        "university": 1,
        "enterprise": 2,
        "institute": 3,
    }
    assert parse_counts("University=1", "t", ("university",)) == {"university": 1}
    with pytest.raises(InputError, match="roles: unknown 'chef'; one of a, b"):
        parse_counts("chef=1", "roles", ("a", "b"))
    with pytest.raises(InputError, match="must read NAME=COUNT"):
        parse_counts("university", "t")


@pytest.mark.parametrize(
    ("text", "expected"), [("7", 7), (" 0 ", 0), ("", None), (None, None), ("10", 10)]
)
def test_parse_int(text: str | None, expected: int | None) -> None:
    assert parse_int(text, "size", low=0, high=10) == expected


@pytest.mark.parametrize(
    ("text", "message"), [("1.5", "whole number"), ("11", "between 0 and 10"), ("-1", "between")]
)
def test_parse_int_rejects(text: str, message: str) -> None:
    with pytest.raises(InputError, match=f"size.*{message}"):
        parse_int(text, "size", low=0, high=10)


def test_parse_float_reads_the_usual_spellings() -> None:
    for text in ("5e7", "50000000", "50,000,000", "50_000_000", " 5E7 "):
        assert parse_float(text, "budget", low=0, high=1e15) == 5e7
    assert parse_float("", "budget", low=0, high=1) is None
    for bad, message in (("nan", "between"), ("inf", "between"), ("2", "between"), ("x", "number")):
        with pytest.raises(InputError, match=f"budget.*{message}"):
            parse_float(bad, "budget", low=0, high=1)


# -- the decision tools' arguments ------------------------------------------------------------
def _view_defaults(view: Any) -> dict[str, Any]:
    return {
        name: p.default
        for name, p in inspect.signature(view).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is not inspect.Parameter.empty
    }


@pytest.mark.parametrize(
    ("make", "form", "spec", "own"),
    [
        (consortium_args, CONSORTIUM_FORM, results.CONSORTIUM, set()),
        # the panel form pre-fills max 1 per organisation; an empty field means no cap
        (panel_args, PANEL_FORM, results.PANEL, {"max_per_org"}),
        (review_args, REVIEW_FORM, results.REVIEW, set()),
        (allocation_args, ALLOC_FORM, results.ALLOCATION, set()),
    ],
)
def test_empty_fields_mean_the_views_defaults(
    make: Any, form: dict[str, str], spec: Any, own: set[str]
) -> None:
    """Every argument the web fills in for an empty field is the decision view's default, and
    the arguments are exactly the view's (so they make a cache key)."""
    args = make(**form)
    spec.key(args)  # no unknown or missing argument
    defaults = _view_defaults(spec.compute)
    for name, value in args.items():
        if name in defaults and name not in own and not form.get(name):
            assert value == defaults[name], name


def test_consortium_args() -> None:
    args = consortium_args(
        **{
            **CONSORTIUM_FORM,
            "subs": "a b a",
            "lead": "I1",
            "size": "4",
            "min_types": "university=1, enterprise=2",
            "include": "I2, I3",
            "country": " de ",
            "method": "greedy",
            "org_level": "top",
            "depth": "2",
            "depth_discount": "0.25",
        }
    )
    assert args == {
        "industry": "biomedicine",
        "sub_technologies": ("a", "b"),
        "lead": "I1",
        "size": 4,
        "min_types": (("enterprise", 2), ("university", 1)),
        "must_include": ("I2", "I3"),
        "must_exclude": (),
        "country": "DE",
        "method": "greedy",
        "org_level": "top",
        "depth": 2,
        "depth_discount": 0.25,
        "min_contribution": 0.0,
    }
    assert consortium_args(**{**CONSORTIUM_FORM, "columns": "cpc_group"})["sub_technologies"] == (
        "cpc_group"
    )
    with pytest.raises(InputError, match="not both"):
        consortium_args(**{**CONSORTIUM_FORM, "columns": "cpc_group", "subs": "a"})
    with pytest.raises(InputError, match=f"size=31 must be between 1 and {MAX_CONSORTIUM}"):
        consortium_args(**{**CONSORTIUM_FORM, "size": "31"})
    with pytest.raises(InputError, match="member types: unknown 'pirate'"):
        consortium_args(**{**CONSORTIUM_FORM, "min_types": "pirate=1"})
    with pytest.raises(InputError, match="depth discount"):
        consortium_args(**{**CONSORTIUM_FORM, "depth_discount": "2"})


def test_panel_args() -> None:
    args = panel_args(
        **{
            **PANEL_FORM,
            "text": "  graphene\n batteries ",
            "size": "3",
            "max_per_org": "1",
            "max_per_country": "2",
        }
    )
    assert args["applicants"] == ("A1",) and args["text"] == "graphene batteries"
    assert (args["size"], args["max_per_org"], args["max_per_country"]) == (3, 1, 2)
    assert panel_args(**{**PANEL_FORM, "text": "", "topics": "T1"})["text"] is None
    with pytest.raises(InputError, match="applicants: give at least one"):
        panel_args(**{**PANEL_FORM, "applicants": " "})
    with pytest.raises(InputError, match="describe the proposal"):
        panel_args(**{**PANEL_FORM, "text": "  "})
    with pytest.raises(InputError, match=f"between 1 and {MAX_PANEL}"):
        panel_args(**{**PANEL_FORM, "size": "21"})
    with pytest.raises(InputError, match="roles: unknown"):
        panel_args(**{**PANEL_FORM, "roles": "astronaut=1"})


def test_review_and_allocation_args() -> None:
    assert review_args(**{**REVIEW_FORM, "as_of": " 2024-03-01 "})["as_of"] == "2024-03-01"
    with pytest.raises(InputError, match="as of='2024-13-01' must be a date"):
        review_args(**{**REVIEW_FORM, "as_of": "2024-13-01"})
    with pytest.raises(InputError, match="withdraw below"):
        review_args(**{**REVIEW_FORM, "withdraw_below": "1.5"})
    args = allocation_args(**{**ALLOC_FORM, "country": "us", "max_share": "0.4"})
    assert (args["budget"], args["country"], args["max_share_per_industry"]) == (5e7, "US", 0.4)
    assert allocation_args(**ALLOC_FORM)["country"] == "CN"
    with pytest.raises(InputError, match="budget: give the money"):
        allocation_args(**{**ALLOC_FORM, "budget": ""})
    with pytest.raises(InputError, match="ISO alpha-2"):
        allocation_args(**{**ALLOC_FORM, "country": "usa"})


def test_search_args_collapse_white_space() -> None:
    assert search_args(q="  deep\tlearning \n", k="", entity="") == {
        "query": "deep learning",
        "k": 20,
        "entity": "works",
    }
    assert inspect.signature(decisions.search_view).parameters["k"].default == 20
    with pytest.raises(InputError, match="query is empty"):
        search_args(q=" ", k="5", entity="works")
    with pytest.raises(InputError, match=f"between 1 and {MAX_SEARCH}"):
        search_args(q="x", k="0", entity="works")
