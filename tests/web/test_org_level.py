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
