"""The ``citations`` query parameter of the citation-based decision routes."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_benchmark_citation_basis(client: TestClient) -> None:
    """On the SYNERGY sample auto takes the source's counts; ``store`` is taken as asked;
    the basis is named in the caveats; an unknown basis is a 422."""
    params = {"unit": "field", "k": 2}
    auto = client.get("/api/v1/benchmark", params=params)
    assert auto.status_code == 200, auto.text
    assert any("source's citation counts" in c and "(auto:" in c for c in auto.json()["caveats"])
    store = client.get("/api/v1/benchmark", params={**params, "citations": "store"}).json()
    assert any("between works in the store (asked" in c for c in store["caveats"])
    mncs = {(r["unit"], r["country"]): r["mncs"] for r in auto.json()["rows"]}
    mncs_store = {(r["unit"], r["country"]): r["mncs"] for r in store["rows"]}
    assert mncs.keys() == mncs_store.keys() and mncs != mncs_store
    bad = client.get("/api/v1/benchmark", params={**params, "citations": "scopus"})
    assert bad.status_code == 422
