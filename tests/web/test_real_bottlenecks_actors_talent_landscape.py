"""The industry page and API on the real demo store: bottlenecks, actors, talent and the IP
landscape show their coverage, intervals and "insufficient evidence" (issue 18)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from forcemap.web import create_app

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=r".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def real_client(real_store_path: Path) -> Iterator[TestClient]:
    """The app on the real demo store (SYNERGY + the USPTO sample), in process."""
    with TestClient(create_app(real_store_path)) as c:
        yield c


def test_bottlenecks_api_shows_the_unknown_share(real_client: TestClient) -> None:
    d = real_client.get("/api/v1/bottlenecks", params={"country": "US"}).json()
    cad = [r for r in d["rows"] if r["cpc"] == "G06F30/00"]
    assert cad and cad[0]["rank"] is None
    assert cad[0]["outcome"] == "insufficient evidence (known holder country 17 % < 50 %)"
    assert cad[0]["unknown_country_share"] == pytest.approx(5 / 6)
    cov = {c["what"]: c for c in d["data_coverage"]}
    assert "patent families with a known holder country" in cov


def test_industry_page_sections(real_client: TestClient) -> None:
    html = real_client.get("/industries/semiconductors", params={"country": "US"}).text
    bn = html.split('id="industry-bottlenecks"')[1].split("</section>")[0]
    assert "G06F30/00" in bn and "insufficient evidence (known holder country 17 % &lt; 50 %)" in bn
    assert "unknown country" in bn and 'id="bottlenecks-coverage"' in bn
    land = real_client.get("/industries/ai", params={"country": "US"}).text
    sec = land.split('id="industry-landscape"')[1].split("</section>")[0]
    assert 'id="landscape-insufficient"' in sec and "G06N20/00" in sec
    assert "incomplete year(s) 2023 left out" in sec and "share low" in sec
    bio = real_client.get("/industries/biomedicine", params={"country": "US"}).text
    tal = bio.split('id="industry-talent"')[1].split("</section>")[0]
    assert "insufficient evidence (eligible scientists in the unit 2 &lt; 4)" in tal
    assert "MNCS low" in tal


def test_api_rows_carry_intervals_and_outcomes(real_client: TestClient) -> None:
    d = real_client.get(
        "/api/v1/actors", params={"country": "US", "industry": "biomedicine", "top": 10}
    ).json()
    assert d["rows"] and all("outcome" in r and "mncs_low" in r for r in d["rows"])
    for r in d["rows"]:
        if r["mncs"] is not None:
            assert r["mncs_low"] <= r["mncs"] <= r["mncs_high"]
    d = real_client.get("/api/v1/landscape", params={"country": "US", "industry": "ai"}).json()
    assert not d["white_spaces"]
    assert any(g["cpc"] == "G06N20/00" for g in d["insufficient"])
    assert all("patent_share_low" in r for r in d["rows"])
