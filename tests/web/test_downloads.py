"""Downloads of the web tables: every decision table on the pages links to CSV and XLSX files
of its API call, and the files hold what the API returns."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from forcemap.web.downloads import response_tables

_LINK = re.compile(r'href="(/download/[^"]+)"')


def _links(html: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in _LINK.findall(html)]


def _check(client: TestClient, href: str) -> None:
    r = client.get(href)
    assert r.status_code == 200, (href, r.text[:300])
    assert r.headers["content-disposition"].startswith("attachment; filename=")
    if ".csv" in href:
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert rows, href  # a header and at least one row
    else:
        wb = load_workbook(io.BytesIO(r.content), read_only=True)
        try:
            assert wb.sheetnames[-1] == "notes" and len(wb.sheetnames) >= 2, href
            kinds = [row[0].value for row in wb["notes"].iter_rows(min_row=2)]
            assert "rule" in kinds, href
        finally:
            wb.close()


def test_industry_page_links_every_decision_table(synth_client: TestClient) -> None:
    html = synth_client.get("/industries/robotics?country=CN").text
    links = _links(html)
    ids = re.findall(r'id="([a-z-]+)-download"', html)
    assert {"positioning", "bottlenecks", "actors", "benchmark", "talent", "landscape"} <= set(ids)
    assert len(links) == 2 * len(ids)
    for href in links:
        _check(synth_client, href)


@pytest.mark.parametrize(
    "page",
    [
        "/positioning?country=CN",
        "/watch?industry=robotics&country=CN",
        "/consortium?industry=robotics&size=4&min_types=university%3E%3D1",
        "/portfolio?mode=review",
        "/portfolio?mode=allocate&budget=5e7",
        "/search?q=robot+gripper+manipulator&k=10",
    ],
)
def test_form_pages_link_their_tables(synth_client: TestClient, page: str) -> None:
    links = _links(synth_client.get(page).text)
    assert len(links) == 2, page
    for href in links:
        _check(synth_client, href)


def test_download_matches_the_api(synth_client: TestClient) -> None:
    api = synth_client.get("/api/v1/actors", params={"country": "CN", "industry": "robotics"})
    r = synth_client.get("/download/actors.csv", params={"country": "CN", "industry": "robotics"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [x["name"] for x in rows] == [x["name"] for x in api.json()["rows"]]


def test_download_errors(synth_client: TestClient) -> None:
    r = synth_client.get("/download/actors.txt")
    assert r.status_code == 422 and ".xlsx" in r.text
    assert synth_client.get("/download/nothing-here.csv").status_code == 404
    r = synth_client.get("/download/actors.csv", params={"industry": "no_such_industry"})
    assert r.status_code in (404, 422)
    r = synth_client.get("/download/actors.csv", params={"industry": "robotics", "table": "x"})
    assert r.status_code == 422 and "tables:" in r.text and "rows" in r.text


def test_response_tables_finds_lists_of_objects() -> None:
    body: dict[str, Any] = {
        "rule": {"name": "r"},
        "rows": [{"a": 1, "b": [1, 2]}, {"a": 2, "c": "x"}],
        "evidence": {"flows": [{"x": 1}], "n": 3},
        "caveats": ["c"],
    }
    t = response_tables(body)
    assert list(t) == ["rows", "evidence.flows"]
    assert t["rows"].column_names == ["a", "b", "c"]
    assert t["rows"].column("c").to_pylist() == [None, "x"]
    mixed = response_tables([{"v": 1}, {"v": "text"}])["rows"]
    assert mixed.column("v").to_pylist() == ["1", '"text"']
