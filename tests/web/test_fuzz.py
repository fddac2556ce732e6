"""Property-based fuzzing of the JSON API against its own OpenAPI (schemathesis), live server.

Every generated request (valid and invalid parameters) must get an answer below 500, and
every error answer must have the single error shape.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings


@pytest.fixture(scope="module")
def api_schema(live_server: str) -> Any:
    """The OpenAPI schema as served by the live server."""
    schema = schemathesis.openapi.from_url(live_server + "/openapi.json")
    return schema


def _operations(schema: Any) -> list[Any]:
    return [r.ok() for r in schema.get_all_operations()]


def test_schema_has_the_api(api_schema: Any) -> None:
    labels = {op.label for op in _operations(api_schema)}
    assert labels == {
        "GET /api/v1/overview",
        "GET /api/v1/industries",
        "GET /api/v1/industries/{key}",
        "GET /api/v1/organizations",
        "GET /api/v1/organizations/{org_id}",
        "GET /api/v1/network",
        "GET /api/v1/positioning",
        "GET /api/v1/bottlenecks",
        "GET /api/v1/actors",
        "GET /api/v1/watch",
        "GET /api/v1/benchmark",
        "GET /api/v1/benchmark/series",
        "GET /api/v1/talent",
        "GET /api/v1/landscape",
        "GET /api/v1/consortium",
        "GET /api/v1/panel",
        "GET /api/v1/portfolio/review",
        "GET /api/v1/portfolio/allocate",
        "GET /api/v1/search",
        "GET /api/v1/mapping/historiograph",
        "GET /api/v1/mapping/three-field",
        "GET /api/v1/mapping/network",
        "GET /api/v1/mapping/bursts",
        "GET /api/v1/mapping/laws",
        "GET /api/v1/mapping/collaboration",
        "GET /api/v1/mapping/themes",
    }


def _fuzz(op: Any, base_url: str, n: int, failures: list[str], calls: dict[str, int]) -> None:
    """Run ``n`` generated cases of one operation; record 5xx answers in ``failures``."""

    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=op.as_strategy())
    def run(case: Any) -> None:
        r = case.call(base_url=base_url, timeout=30)
        calls[op.label] = calls.get(op.label, 0) + 1
        if r.status_code >= 500:
            failures.append(f"{case.method} {r.request.url} -> {r.status_code}: {r.text[:300]}")
        elif r.status_code >= 400:
            body = r.json()
            assert set(body) == {"ok", "error", "status"}, body
            assert body["status"] == r.status_code

    run()


#: The decision tools (forms): each valid case runs an optimisation, so fewer cases.
_TOOLS = frozenset(
    {
        "/api/v1/consortium",
        "/api/v1/panel",
        "/api/v1/portfolio/review",
        "/api/v1/portfolio/allocate",
        "/api/v1/search",
    }
)


#: Not fuzzed: a science map's random parameters (co-citation of every reference, coupling
#: aggregated to authors) build pair networks of millions of edges, minutes each, and each
#: valid thematic map clusters a new co-word network (~20 s on abstracts); their parameters
#: and errors are tested in tests/web/test_mapping.py and test_mapping_themes.py.
_NOT_FUZZED = frozenset({"/api/v1/mapping/network", "/api/v1/mapping/themes"})


def test_fuzz_no_server_errors(api_schema: Any, live_server: str) -> None:
    """≤ 20 generated cases per operation (network: 12, each may build a new network; the
    decision tools: 10; the science map and the thematic map: none)."""
    failures: list[str] = []
    calls: dict[str, int] = {}
    for op in _operations(api_schema):
        if op.path in _NOT_FUZZED:
            continue
        n = 12 if op.path == "/api/v1/network" else 10 if op.path in _TOOLS else 20
        _fuzz(op, live_server, n, failures, calls)
    assert failures == []
    assert len(calls) == 24, calls
    # operations with parameters were really fuzzed (the two without have a single case)
    fuzzed = {
        k: v
        for k, v in calls.items()
        if k not in ("GET /api/v1/overview", "GET /api/v1/industries")
    }
    assert len(fuzzed) == 22 and min(fuzzed.values()) >= 10, calls
