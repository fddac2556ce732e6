"""The JSON API on the real SYNERGY store: shapes, numbers (checked against SQL), errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from forcemap.errors import InputError, NotFoundError
from forcemap.network import build_network
from forcemap.store import Store
from forcemap.store.reference import load_industry_catalog
from forcemap.store.slices import industry_works
from forcemap.web import create_app
from forcemap.web.serve import is_loopback, serve

from .conftest import TOKEN, TestClient

ERROR_KEYS = {"ok", "error", "status"}


def _error(r, status: int) -> str:  # type: ignore[no-untyped-def]
    """Assert the single error shape and return the message."""
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == ERROR_KEYS
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    return body["error"]


def test_health(client: TestClient) -> None:
    assert client.get("/health").json() == {"ok": True}


def test_overview_counts(client: TestClient, synergy_store: Store) -> None:
    r = client.get("/api/v1/overview")
    assert r.status_code == 200
    d = r.json()
    assert d["tables"]["works"] == 7518
    assert d["tables"]["institutions"] == synergy_store.scalar("SELECT count(*) FROM institutions")
    assert sum(x["works"] for x in d["works_by_year"]) == 7518
    assert sum(x["works"] for x in d["works_by_type"]) == 7518
    assert d["synthetic"] is False
    assert d["store"] == "synergy.duckdb"
    (log,) = d["ingest_log"]
    assert (log["read"], log["stored"], log["rejected"]) == (7518, 7518, 0)
    assert "/" not in log["file"]  # the server does not reveal its directories
    assert d["quarantine"] == []
    us = next(x for x in d["top_countries"] if x["country_code"] == "US")
    assert us["works"] == synergy_store.scalar(
        "SELECT count(DISTINCT work_id) FROM authorships WHERE country_code = 'US'"
    )
    top = d["top_institutions"][0]
    assert top["works"] == synergy_store.scalar(
        "SELECT count(DISTINCT work_id) FROM authorships WHERE institution_id = $i",
        {"i": top["institution_id"]},
    )
    works = [x["works"] for x in d["top_institutions"]]
    assert works == sorted(works, reverse=True)


def test_industries(client: TestClient, synergy_store: Store) -> None:
    d = client.get("/api/v1/industries").json()
    cat = load_industry_catalog()
    assert [x["key"] for x in d] == list(cat.keys())
    sl = industry_works(synergy_store)
    for x in d:
        expected = len({w for w, i in zip(*sl.to_pydict().values(), strict=True) if i == x["key"]})
        assert x["works"] == expected, x["key"]
        assert x["patents"] == 0  # SYNERGY holds no patents
    # biomedicine is found by specific concepts; Medicine (level 0) alone no longer pulls works
    medicine = synergy_store.scalar(
        "SELECT count(DISTINCT work_id) FROM work_concepts "
        "WHERE concept_id = 'C71924100' AND score >= 0.3"
    )
    assert 1000 < next(x for x in d if x["key"] == "biomedicine")["works"] < medicine


def test_industry_detail(client: TestClient, synergy_store: Store) -> None:
    d = client.get("/api/v1/industries/biomedicine").json()
    assert d["key"] == "biomedicine" and d["name"]
    assert d["cpc"] == list(load_industry_catalog()["biomedicine"].cpc)
    dated = synergy_store.scalar("SELECT count(*) FROM works WHERE year IS NOT NULL")
    assert sum(x["works"] for x in d["works_by_year"]) == d["works"] <= dated
    assert d["patents_by_year"] == [] and d["top_assignees"] == []
    c = [x["works"] for x in d["top_countries"]]
    assert c == sorted(c, reverse=True) and c[0] <= d["works"]
    assert len(d["top_organizations"]) == 15
    assert {s["key"] for s in d["sub_technologies"]} == {
        s.key for s in load_industry_catalog()["biomedicine"].sub_technologies
    }


def test_industry_errors(client: TestClient) -> None:
    assert "no industry 'nope'" in _error(client.get("/api/v1/industries/nope"), 404)
    assert "key" in _error(client.get("/api/v1/industries/Bad-Key"), 422)


def test_organizations_pagination_and_filters(client: TestClient, synergy_store: Store) -> None:
    d = client.get("/api/v1/organizations").json()
    assert d["source"] == "institutions"
    assert d["total"] == 4514 and d["limit"] == 50 and len(d["items"]) == 50
    four = client.get("/api/v1/organizations", params={"limit": 4}).json()["items"]
    a = client.get("/api/v1/organizations", params={"limit": 2}).json()["items"]
    b = client.get("/api/v1/organizations", params={"limit": 2, "offset": 2}).json()["items"]
    assert a + b == four
    works = [x["works"] for x in d["items"]]
    assert works == sorted(works, reverse=True) and works[0] > 0
    assert works[0] == synergy_store.scalar(
        "SELECT count(DISTINCT work_id) FROM authorships WHERE institution_id = $i",
        {"i": d["items"][0]["id"]},
    )
    us = client.get("/api/v1/organizations", params={"country": "us", "limit": 500}).json()
    assert us["total"] == synergy_store.scalar(
        "SELECT count(*) FROM institutions WHERE country_code = 'US'"
    )
    assert {x["country_code"] for x in us["items"]} == {"US"}
    q = client.get("/api/v1/organizations", params={"q": "WASHINGTON"}).json()
    assert q["total"] >= 1 and all("washington" in x["name"].lower() for x in q["items"])
    t = client.get("/api/v1/organizations", params={"type": "company", "limit": 5}).json()
    assert t["items"] and {x["type"] for x in t["items"]} == {"company"}
    last = client.get("/api/v1/organizations", params={"offset": 4514}).json()
    assert last["items"] == [] and last["total"] == 4514


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"country": "USA"}, "country"),
        ({"type": "Robert'); DROP TABLE works;--"}, "type"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_organizations_bad_params(client: TestClient, params: dict, field: str) -> None:
    msg = _error(client.get("/api/v1/organizations", params=params), 422)
    assert f"query.{field}" in msg


def test_organization_profile(client: TestClient, synergy_store: Store) -> None:
    top = client.get("/api/v1/overview").json()["top_institutions"][0]
    d = client.get(f"/api/v1/organizations/{top['institution_id']}").json()
    assert d["source"] == "institution" and d["name"] == top["name"]
    assert d["works"] == top["works"] == sum(x["works"] for x in d["works_by_year"])
    assert d["citations"] == top["citations"]
    assert d["partners"] and all(p["id"] != d["id"] for p in d["partners"])
    assert all(p["works"] <= d["works"] for p in d["partners"])
    # degree in the co-authorship network = distinct co-authoring institutions (SQL)
    partners = synergy_store.scalar(
        """SELECT count(DISTINCT b.institution_id) FROM authorships a
           JOIN authorships b USING (work_id)
           WHERE a.institution_id = $i AND b.institution_id <> $i""",
        {"i": d["id"]},
    )
    net = d["network"]
    assert net["degree"] == partners
    assert 0 < net["constraint"] < 1 and 0 < net["pagerank"] < 1
    assert net["pagerank_rank"] >= 1 and net["n_nodes"] == 4514
    assert d["partners"][0]["works"] == synergy_store.scalar(
        """SELECT count(DISTINCT a.work_id) FROM authorships a JOIN authorships b USING (work_id)
           WHERE a.institution_id = $i AND b.institution_id = $p""",
        {"i": d["id"], "p": d["partners"][0]["id"]},
    )


def test_organization_errors(client: TestClient) -> None:
    assert "I0" in _error(client.get("/api/v1/organizations/I0"), 404)
    _error(client.get("/api/v1/organizations/%20bad%20id"), 422)
    assert "/api/v1/nowhere" in _error(client.get("/api/v1/nowhere"), 404)


def test_network(client: TestClient, synergy_store: Store) -> None:
    d = client.get("/api/v1/network", params={"max_nodes": 40}).json()
    assert d["meta"]["kind"] == "org_collaboration" and d["linkable"] is True
    assert d["summary"]["n_nodes"] == 4514 and d["truncated"] is True
    assert d["shown"] == len(d["nodes"]) == 40
    ids = {n["id"] for n in d["nodes"]}
    assert d["edges"] and all(e["source"] in ids and e["target"] in ids for e in d["edges"])
    assert all(0 <= n["x"] <= 1 and 0 <= n["y"] <= 1 for n in d["nodes"])
    # the shown nodes are the 40 strongest of the whole network
    net = build_network(synergy_store)
    strengths = sorted(net.nodes["strength"].to_pylist(), reverse=True)
    assert sorted((n["strength"] for n in d["nodes"]), reverse=True) == strengths[:40]
    cons = [b["constraint"] for b in d["brokers"]]
    assert cons == sorted(cons) and len(cons) == 10
    assert all(b["degree"] >= 2 for b in d["brokers"])


def test_network_slice(client: TestClient) -> None:
    d = client.get(
        "/api/v1/network",
        params={
            "industry": "biomedicine",
            "years": "2010-2015",
            "countries": "us,gb",
            "counting": "fractional",
            "kind": "country_collaboration",
        },
    ).json()
    assert d["meta"]["slice"] == {
        "industry": "biomedicine",
        "countries": ["GB", "US"],
        "years": [2010, 2015],
    }
    assert d["meta"]["counting"] == "fractional" and d["linkable"] is False
    assert {"US", "GB"} <= {n["id"] for n in d["nodes"]}


@pytest.mark.parametrize(
    ("params", "status", "needle"),
    [
        ({"kind": "bogus"}, 422, "query.kind"),
        ({"years": "2015"}, 422, "query.years"),
        ({"years": "2020-2010"}, 422, "first <= last"),
        ({"countries": "USA"}, 422, "query.countries"),
        ({"max_nodes": 0}, 422, "query.max_nodes"),
        ({"industry": "atlantis"}, 404, "no industry 'atlantis'"),
    ],
)
def test_network_errors(client: TestClient, params: dict, status: int, needle: str) -> None:
    assert needle in _error(client.get("/api/v1/network", params=params), status)


def test_openapi_documents_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/api/v1/overview",
        "/api/v1/industries",
        "/api/v1/industries/{key}",
        "/api/v1/organizations",
        "/api/v1/organizations/{org_id}",
        "/api/v1/network",
    } <= paths
    assert not any(p in paths for p in ("/", "/network", "/health"))  # pages are not the API
    assert "ErrorOut" in spec["components"]["schemas"]
    ok = spec["paths"]["/api/v1/organizations"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("OrganizationPage")
    limit = next(
        p
        for p in spec["paths"]["/api/v1/organizations"]["get"]["parameters"]
        if p["name"] == "limit"
    )
    assert limit["schema"]["maximum"] == 500 and limit["schema"]["minimum"] == 1


def test_token_enforced(token_client: TestClient) -> None:
    c = token_client
    c.cookies.clear()
    assert "Bearer" in _error(c.get("/api/v1/overview"), 401)
    _error(c.get("/api/v1/overview", headers={"Authorization": "Bearer wrong"}), 401)
    _error(c.get("/api/v1/overview", params={"token": "wrong"}), 401)
    assert c.get("/health").status_code == 200  # open: reveals nothing
    r = c.get("/", follow_redirects=False)
    assert r.status_code == 401 and "text/html" in r.headers["content-type"]
    ok = c.get("/api/v1/overview", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.json()["tables"]["works"] == 7518
    assert "set-cookie" not in ok.headers
    # a page visit with ?token= sets the cookie and redirects to the URL without the token
    r = c.get("/industries", params={"token": TOKEN, "x": "1"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/industries?x=1"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("forcemap_token=") and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower() and "secure" not in cookie.lower()
    assert c.get("/", params={"token": TOKEN}).url.query == b""  # followed: no token left
    # page navigation with the cookie alone
    assert c.get("/industries").status_code == 200
    assert c.get("/static/plotly.min.js").status_code == 200
    c.cookies.clear()
    assert c.get("/industries").status_code == 401


def test_plotly_served_from_package(client: TestClient) -> None:
    import plotly

    r = client.get("/static/plotly.min.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    bundle = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert len(r.content) == bundle.stat().st_size


def test_create_app_missing_store(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no store"):
        create_app(tmp_path / "none.duckdb")


def test_serve_requires_token_off_loopback(synergy_store_path: Path) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")
    with pytest.raises(InputError, match="FORCEMAP_TOKEN"):
        serve(synergy_store_path, host="0.0.0.0", port=8765)
