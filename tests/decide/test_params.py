"""The parameter classes of :mod:`forcemap.decide.params` are the one source of each
decision's defaults: the decision functions, the CLI options, the web forms and views and the
API's query parameters must all agree with them.

The CLI, web and API sides are read by introspection (Typer's command tree, the OpenAPI
document, the view functions' signatures, the form parsers run on empty fields), so the test
fails the day one of them changes a default on its own.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import FrozenInstanceError, fields
from typing import Any

import pytest

from forcemap.decide import params as P
from forcemap.errors import InputError

# decision → (parameter class, the decision function's import path)
DECISIONS: dict[str, tuple[type[Any], str]] = {
    "positioning": (P.PositioningParams, "forcemap.decide.positioning:positioning"),
    "bottlenecks": (P.BottlenecksParams, "forcemap.decide.bottlenecks:bottlenecks"),
    "actors": (P.ActorsParams, "forcemap.decide.actors:strategic_actors"),
    "benchmark": (P.BenchmarkParams, "forcemap.decide.benchmark:benchmark"),
    "landscape": (P.LandscapeParams, "forcemap.decide.landscape:landscape"),
    "talent": (P.TalentParams, "forcemap.decide.talent:talent"),
    "watch": (P.WatchParams, "forcemap.decide.watch:technology_watch"),
    "consortium": (P.ConsortiumParams, "forcemap.decide.consortium:consortium"),
    "panel": (P.PanelParams, "forcemap.decide.panel:review_panel"),
    "review": (P.ReviewParams, "forcemap.decide.portfolio:project_review"),
    "allocate": (P.AllocateParams, "forcemap.decide.portfolio:allocate_budget"),
    "pathways": (P.PathwaysParams, "forcemap.decide.explore:pathways"),
}

# Options of `forcemap decide CMD` that are the scope of a call or presentation, not a
# parameter of the decision (anything else must be a field of the class, same default).
CLI_SCOPE: dict[str, set[str]] = {
    "positioning": {"industry", "end_year", "matrix", "out_file"},
    "bottlenecks": {"industry", "out_file"},
    "actors": {"industry", "weight", "org_level", "out_file"},
    "benchmark": {"industry", "peer", "out_file"},
    "landscape": {"industry", "out_file"},
    "talent": {"industry", "out_file"},
    "watch": {"industry", "weight", "out_file"},
    "consortium": {
        "industry",
        "org_level",
        "lead",
        "min_type",
        "include",
        "exclude",
        "cpc_groups",
        "out_file",
    },
    "panel": {"applicant", "text", "topic", "concept", "role", "pool", "out_file"},
    "review": {"as_of", "out_file"},
    "allocate": {"budget", "candidate", "weight", "out_file"},
    "pathways": {"industry", "query", "out_file"},
}

# The API's name for a parameter, where it differs from the class's.
API_NAMES: dict[str, dict[str, str]] = {
    "landscape": {"top": "top_holders"},
    "allocate": {"max_share": "max_share_per_industry"},
}
API_PATHS = {
    "positioning": "/api/v1/positioning",
    "bottlenecks": "/api/v1/bottlenecks",
    "actors": "/api/v1/actors",
    "benchmark": "/api/v1/benchmark",
    "landscape": "/api/v1/landscape",
    "talent": "/api/v1/talent",
    "watch": "/api/v1/watch",
    "consortium": "/api/v1/consortium",
    "panel": "/api/v1/panel",
    "review": "/api/v1/portfolio/review",
    "allocate": "/api/v1/portfolio/allocate",
}
# The web view's name for a parameter, where it differs; views not listed have none.
VIEW_NAMES: dict[str, dict[str, str]] = {"landscape": {"top": "top_holders"}}
VIEWS = {
    "positioning": "positioning_view",
    "bottlenecks": "bottlenecks_view",
    "actors": "actors_view",
    "benchmark": "benchmark_view",
    "landscape": "landscape_view",
    "talent": "talent_view",
    "watch": "watch_view",
    "consortium": "consortium_view",
    "panel": "panel_view",
    "review": "review_view",
    "allocate": "allocation_view",
}


def _load(path: str) -> Callable[..., Any]:
    module, name = path.split(":")
    fn: Callable[..., Any] = getattr(__import__(module, fromlist=[name]), name)
    return fn


def _same(a: Any, b: Any) -> bool:
    """Equal defaults (2 and 2.0 are the same number; a float compares by value; a CLI list
    written as text, "10,20", is the tuple (10, 20))."""
    if isinstance(a, str) and isinstance(b, tuple):
        return [x.strip() for x in a.split(",") if x.strip()] == [str(v) for v in b]
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and not isinstance(a, bool) and math.isclose(a, b)
    return bool(a == b)


# -- the classes themselves ---------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(DECISIONS))
def test_defaults_construct_and_are_frozen(name: str) -> None:
    cls, _ = DECISIONS[name]
    p = cls()
    first = fields(cls)[0].name
    with pytest.raises(FrozenInstanceError):
        setattr(p, first, getattr(p, first))
    assert P.defaults(cls) == {f.name: getattr(p, f.name) for f in fields(cls)}


@pytest.mark.parametrize("name", sorted(DECISIONS))
def test_decision_keyword_defaults_come_from_the_class(name: str) -> None:
    """Every keyword of the decision function that is a field has the class's default, and
    every field is a keyword of the function."""
    cls, path = DECISIONS[name]
    sig = inspect.signature(_load(path)).parameters
    for f in fields(cls):
        assert f.name in sig, f"{name}: field {f.name} is not a keyword of {path}"
        assert _same(sig[f.name].default, f.default), (name, f.name)


def test_module_constants_are_the_defaults() -> None:
    pairs = {
        P.POSITIONING: P.PositioningParams,
        P.BOTTLENECKS: P.BottlenecksParams,
        P.ACTORS: P.ActorsParams,
        P.BENCHMARK: P.BenchmarkParams,
        P.LANDSCAPE: P.LandscapeParams,
        P.TALENT: P.TalentParams,
        P.WATCH: P.WatchParams,
        P.CONSORTIUM: P.ConsortiumParams,
        P.PANEL: P.PanelParams,
        P.REVIEW: P.ReviewParams,
        P.ALLOCATE: P.AllocateParams,
        P.PATHWAYS: P.PathwaysParams,
    }
    for const, cls in pairs.items():
        assert const == cls()


def test_conventions_have_their_published_defaults() -> None:
    """The 5-year forward-citation window (OECD), the concept score 0.3, CD > 0."""
    for cls in (P.PositioningParams, P.BenchmarkParams, P.ActorsParams, P.LandscapeParams):
        assert cls().citation_window == 5
    assert P.ReviewParams().citation_window == 5
    for cls2 in (P.ActorsParams, P.TalentParams, P.ConsortiumParams, P.PanelParams):
        assert cls2().concept_min_score == 0.3
    assert P.ActorsParams().cd_threshold == 0.0
    assert P.WatchParams().cd_threshold == 0.0


@pytest.mark.parametrize(
    ("cls", "kwargs", "message"),
    [
        (P.PositioningParams, {"country": "Germany"}, "ISO 3166-1 alpha-2"),
        (P.PositioningParams, {"top": 10}, "top=10 must be in (0, 1)"),
        (P.PositioningParams, {"window": 0}, "window=0"),
        (P.PositioningParams, {"citation_window": 0}, "citation_window=0"),
        (P.BottlenecksParams, {"level": "cpc_class"}, "level='cpc_class'"),
        (P.ActorsParams, {"concept_min_score": 1.5}, "concept_min_score=1.5"),
        (P.ActorsParams, {"cd_threshold": math.nan}, "cd_threshold=nan"),
        (P.BenchmarkParams, {"k": 0}, "k=0 must be a positive integer"),
        (P.LandscapeParams, {"growth_window": 1}, "growth_window=1"),
        (P.TalentParams, {"breadth": "x"}, "breadth='x'"),
        (P.WatchParams, {"unit": "x"}, "unit='x'"),
        (P.ConsortiumParams, {"method": "x"}, "method='x'"),
        (P.PanelParams, {"size": 0}, "size=0"),
        (P.ReviewParams, {"withdraw_below": 0.9}, "withdraw_below ≤ review_below"),
        (P.AllocateParams, {"country": "X1"}, "country='X1'"),
        (P.PathwaysParams, {"resolution": 0}, "resolution=0"),
    ],
)
def test_bad_values_are_input_errors(cls: type[Any], kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=None) as e:
        cls(**kwargs)
    assert message in str(e.value)


def test_country_is_normalised() -> None:
    assert P.PositioningParams(country=" us ").country == "US"
    assert P.ActorsParams(country=None).country is None


def test_positioning_checks_the_country() -> None:
    """A deliberate fix: positioning used to upper-case any string as the country."""
    positioning = _load(DECISIONS["positioning"][1])
    with pytest.raises(InputError, match="alpha-2"):
        positioning(None, country="China")


def test_describe_is_unchanged_by_conventions() -> None:
    """Conventions are recorded on the rule without changing the text it shows."""
    from forcemap.decide.result import Rule

    plain = Rule("r", "S.", {"a": 1})
    recorded = Rule("r", "S.", {"a": 1}, conventions={"citation_window": 5})
    assert recorded.describe() == plain.describe() == "S. Parameters: a = 1."
    assert recorded.conventions == {"citation_window": 5}


# -- the interfaces agree -----------------------------------------------------------------
def _cli_commands() -> dict[str, Any]:
    import typer.main

    import forcemap.cli

    root = typer.main.get_command(forcemap.cli.app)
    decide = root.commands["decide"]  # type: ignore[attr-defined]
    return dict(decide.commands)


@pytest.mark.parametrize("name", sorted(DECISIONS))
def test_cli_defaults_equal_the_class(name: str) -> None:
    cls, _ = DECISIONS[name]
    commands = _cli_commands()
    assert name in commands, f"no `forcemap decide {name}`"
    fd = P.defaults(cls)
    matched = 0
    for param in commands[name].params:  # Click parameters, by duck typing
        if param.name in CLI_SCOPE[name]:
            continue
        assert param.name in fd, (
            f"`forcemap decide {name} --{param.name}` is neither a field of {cls.__name__} "
            "nor listed as scope in CLI_SCOPE"
        )
        assert _same(param.default, fd[param.name]), (
            f"`forcemap decide {name}`: --{param.name} defaults to {param.default!r}, "
            f"{cls.__name__}.{param.name} to {fd[param.name]!r}"
        )
        matched += 1
    assert matched, f"`forcemap decide {name}` shares no parameter with {cls.__name__}"


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from forcemap.store.store import Store
    from forcemap.web.app import create_app

    path = tmp_path_factory.mktemp("params") / "s.duckdb"
    Store.open(path).close()
    spec: dict[str, Any] = create_app(path).openapi()
    return spec


@pytest.mark.parametrize("name", sorted(API_PATHS))
def test_api_defaults_equal_the_class(name: str, openapi: dict[str, Any]) -> None:
    """A query parameter with a declared default has the class's; one without (None or an
    empty string: "not given") leaves the decision's default in force, which the views and
    form parsers below check."""
    cls, _ = DECISIONS[name]
    fd = P.defaults(cls)
    op = openapi["paths"][API_PATHS[name]]["get"]
    for q in op.get("parameters", []):
        if q.get("in") != "query":
            continue
        field = API_NAMES.get(name, {}).get(q["name"], q["name"])
        default = q.get("schema", {}).get("default")
        if field not in fd or default in (None, ""):
            continue
        if name == "panel" and field == "max_per_country" and default == 0:
            continue  # 0 is the API's "no cap", read as None (checked below)
        assert _same(default, fd[field]), (
            f"{API_PATHS[name]}?{q['name']} defaults to {default!r}, "
            f"{cls.__name__}.{field} to {fd[field]!r}"
        )


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_web_view_defaults_equal_the_class(name: str) -> None:
    import forcemap.web.decisions as views

    cls, _ = DECISIONS[name]
    fd = P.defaults(cls)
    sig = inspect.signature(getattr(views, VIEWS[name])).parameters
    for pname, prm in sig.items():
        field = VIEW_NAMES.get(name, {}).get(pname, pname)
        if field not in fd or prm.default is inspect.Parameter.empty:
            continue
        assert _same(prm.default, fd[field]), (
            f"web.decisions.{VIEWS[name]}({pname}=…) defaults to {prm.default!r}, "
            f"{cls.__name__}.{field} to {fd[field]!r}"
        )


def test_web_home_country_is_the_default_country() -> None:
    from forcemap.web.app import create_app

    home = inspect.signature(create_app).parameters["home_country"].default
    for cls in (P.PositioningParams, P.BottlenecksParams, P.ActorsParams, P.WatchParams):
        assert home == cls().country


def test_web_forms_empty_fields_read_as_the_class_defaults() -> None:
    """The form parsers (shared by the pages and the API) fill an empty field with the
    decision's default."""
    from forcemap.web import params as web

    c = web.consortium_args(
        industry="ai",
        columns="",
        subs="",
        lead="",
        size="",
        min_types="",
        include="",
        exclude="",
        country="",
        method="",
    )
    assert c["size"] == P.CONSORTIUM.size
    assert c["country"] == P.CONSORTIUM.country
    assert c["method"] == P.CONSORTIUM.method
    pn = web.panel_args(
        applicants="A1",
        text="x",
        topics="",
        concepts="",
        size="",
        roles="",
        coi_years="",
        max_per_org="",
        max_per_country="",
        method="",
    )
    assert pn["size"] == P.PANEL.size
    assert pn["coi_years"] == P.PANEL.coi_years
    assert pn["max_per_country"] == P.PANEL.max_per_country
    assert pn["method"] == P.PANEL.method
    rv = web.review_args(as_of="", min_age_years="", withdraw_below="", review_below="")
    for k in ("min_age_years", "withdraw_below", "review_below"):
        assert _same(rv[k], getattr(P.REVIEW, k)), k
    al = web.allocation_args(budget="1", country="", max_share="", min_per_industry="", method="")
    assert al["country"] == P.ALLOCATE.country
    assert al["max_share_per_industry"] == P.ALLOCATE.max_share_per_industry
    assert al["min_per_industry"] == P.ALLOCATE.min_per_industry
    assert al["method"] == P.ALLOCATE.method


def test_web_form_pages_prefill_the_class_defaults() -> None:
    """The HTML forms pre-fill some fields; a pre-filled value is the class's default."""
    from forcemap.web import forms

    prefill = {
        (forms.consortium_page, "size"): P.CONSORTIUM.size,
        (forms.panel_page, "size"): P.PANEL.size,
        (forms.panel_page, "coi_years"): P.PANEL.coi_years,
        (forms.panel_page, "max_per_org"): P.PANEL.max_per_org,
    }
    for (page, pname), expected in prefill.items():
        default = inspect.signature(page).parameters[pname].default
        assert int(default) == expected, (page.__name__, pname)
