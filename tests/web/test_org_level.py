"""The org-level parameter (self / parent / top) of the web API and forms: it reaches the
decision, the rule says which level was used, and a bad value is a 422."""

from __future__ import annotations

from typing import Any

from .conftest import TestClient
from .test_api import _error

CONSORTIUM = {"industry": "robotics", "size": 4, "min_types": "university=1"}


def test_consortium_api_and_form_take_the_org_level(synth_client: TestClient) -> None:
    own = synth_client.get("/api/v1/consortium", params=CONSORTIUM).json()
    assert own["rule"]["parameters"]["org_level"] == "self"
    assert "org level" not in own["rule"]["statement"]
    top = synth_client.get("/api/v1/consortium", params={**CONSORTIUM, "org_level": "top"})
    d: dict[str, Any] = top.json()
    assert top.status_code == 200, d
    assert d["rule"]["parameters"]["org_level"] == "top"
    assert "(org level top)" in d["rule"]["statement"]
    # the synthetic world states no hierarchy: every organisation is its own top
    assert [m["org_id"] for m in d["rows"]] == [m["org_id"] for m in own["rows"]]
    msg = _error(
        synth_client.get("/api/v1/consortium", params={**CONSORTIUM, "org_level": "x"}), 422
    )
    assert "org_level" in msg
    page = synth_client.get(
        "/consortium", params={**CONSORTIUM, "min_types": "university>=1", "org_level": "parent"}
    )
    assert page.status_code == 200
    assert "<option selected>parent</option>" in page.text
    assert "(org level parent)" in page.text


def test_actors_and_network_api_take_the_org_level(synth_client: TestClient) -> None:
    d = synth_client.get(
        "/api/v1/actors", params={"industry": "robotics", "org_level": "parent", "top": 3}
    ).json()
    assert d["rule"]["parameters"]["org_level"] == "parent"
    assert "(org level parent)" in d["rule"]["statement"]
    assert "org_level" in _error(synth_client.get("/api/v1/actors", params={"org_level": "x"}), 422)
    n = synth_client.get(
        "/api/v1/network", params={"industry": "robotics", "org_level": "top", "max_nodes": 5}
    ).json()
    assert n["meta"]["org_level"] == "top"
    assert "(org level top)" in n["meta"]["node_resolution"]
    page = synth_client.get("/network", params={"industry": "robotics", "org_level": "top"})
    assert page.status_code == 200 and "<option selected>top</option>" in page.text


def test_decision_apis_take_org_level_and_patent_unit(synth_client: TestClient) -> None:
    """Each organisation-level decision of the API takes ``org_level`` and each patent-counting
    one ``patent_unit``; both reach the rule, and a bad value is a 422 naming the field."""
    cases: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
        ("/api/v1/bottlenecks", {"industry": "semiconductors"}, ("org_level", "patent_unit")),
        ("/api/v1/landscape", {"industry": "semiconductors", "top": 3},
         ("org_level", "patent_unit")),
        ("/api/v1/benchmark", {"industry": "robotics", "k": 2}, ("org_level", "patent_unit")),
        ("/api/v1/benchmark/series", {"unit": "organization", "top": 2, "span": 3},
         ("org_level",)),
        ("/api/v1/talent", {"industry": "robotics", "top": 3}, ("org_level",)),
        ("/api/v1/watch", {"unit": "cpc_group", "top": 3}, ("org_level", "patent_unit")),
        ("/api/v1/positioning", {"unit": "industry"}, ("patent_unit",)),
        ("/api/v1/actors", {"industry": "robotics", "top": 3}, ("patent_unit",)),
    ]  # fmt: skip
    for path, base, names in cases:
        asked = {"org_level": "top", "patent_unit": "patent"}
        params = {**base, **{n: asked[n] for n in names}}
        r = synth_client.get(path, params=params)
        d: dict[str, Any] = r.json()
        assert r.status_code == 200, (path, d)
        for n in names:
            assert d["rule"]["parameters"][n] == asked[n], (path, n)
            msg = _error(synth_client.get(path, params={**base, n: "x"}), 422)
            assert n in msg, (path, n)
        if "org_level" in names:
            assert "(org level top)" in d["rule"]["statement"], path


def test_watch_page_form_takes_org_level_and_patent_unit(synth_client: TestClient) -> None:
    page = synth_client.get(
        "/watch",
        params={"unit": "cpc_group", "top": 3, "org_level": "top", "patent_unit": "patent"},
    )
    assert page.status_code == 200
    assert "<option selected>top</option>" in page.text
    assert "<option selected>patent</option>" in page.text
    assert "(org level top)" in page.text and "counted one by one" in page.text
    assert synth_client.get("/watch", params={"patent_unit": "x"}).status_code == 422
