"""The descriptive views behind the pages and the API, on the real SYNERGY store (OpenAlex
only: no patents, organisations not resolved), checked against direct SQL on the store."""

from __future__ import annotations

import math
from decimal import Decimal

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from forcemap.errors import NotFoundError
from forcemap.store.reference import load_industry_catalog
from forcemap.store.slices import industry_patents, industry_works
from forcemap.store.store import Store
from forcemap.store.summary import summarise
from forcemap.web import queries

UW = "I201448701"  # University of Washington, the store's most productive institution


def test_clean_makes_json_safe_scalars() -> None:
    assert queries.clean(Decimal("3")) == 3 and isinstance(queries.clean(Decimal("3")), int)
    assert queries.clean(Decimal("2.5")) == 2.5
    assert queries.clean(float("nan")) is None and queries.clean(-math.inf) is None
    assert queries.clean(np.int64(4)) == 4 and type(queries.clean(np.int64(4))) is int
    assert queries.clean(np.float32("nan")) is None
    assert queries.clean("x") == "x" and queries.clean(None) is None


def test_rows_are_clean_dicts() -> None:
    t = pa.table({"a": [1, 2], "b": [float("nan"), 0.5]})
    assert queries.rows(t) == [{"a": 1, "b": None}, {"a": 2, "b": 0.5}]


def test_overview_counts_match_the_store(synergy_store: Store) -> None:
    data = queries.overview(summarise(synergy_store), store_name="synergy.duckdb")
    works = synergy_store.scalar("SELECT count(*) FROM works")
    assert data["store"] == "synergy.duckdb" and data["synthetic"] is False
    assert data["tables"]["works"] == works == 7518
    by_year = synergy_store.con.sql(
        "SELECT year, count(*) AS n FROM works WHERE year IS NOT NULL GROUP BY year"
    ).fetchall()
    assert {r["year"]: r["works"] for r in data["works_by_year"]} == dict(by_year)
    assert data["quarantine"] == []


def test_industry_list_counts_each_slice(synergy_store: Store) -> None:
    catalog = load_industry_catalog()
    ws = industry_works(synergy_store, catalog=catalog)
    ps = industry_patents(synergy_store, catalog=catalog)
    got = queries.industry_list(catalog, ws, ps)
    assert [r["key"] for r in got] == list(catalog)
    # independently: distinct works per industry, counted by DuckDB over the slice
    con = duckdb.connect()
    con.register("ws", ws)
    expected = dict(
        con.sql("SELECT industry, count(DISTINCT work_id) FROM ws GROUP BY industry").fetchall()
    )
    con.close()
    for r in got:
        assert r["works"] == expected.get(r["key"], 0), r["key"]
        assert r["patents"] == 0  # no patents in this store
        ind = catalog[r["key"]]
        assert (r["n_cpc_patterns"], r["n_sub_technologies"]) == (
            len(ind.cpc),
            len(ind.sub_technologies),
        )
    assert any(r["works"] for r in got)


def test_industry_detail(synergy_store: Store) -> None:
    catalog = load_industry_catalog()
    ws = industry_works(synergy_store, catalog=catalog)
    ps = industry_patents(synergy_store, catalog=catalog)
    d = queries.industry_detail(synergy_store, catalog, "biomedicine", ws, ps)
    assert d["key"] == "biomedicine" and d["works"] > 0 and d["patents"] == 0
    assert sum(r["works"] for r in d["works_by_year"]) <= d["works"]
    assert len(d["top_countries"]) <= 15
    with pytest.raises(NotFoundError):
        queries.industry_detail(synergy_store, catalog, "nope", ws, ps)


def test_organization_list_pages_and_filters(synergy_store: Store) -> None:
    works = queries.organization_works(synergy_store)
    everything = queries.organization_list(synergy_store, limit=500, works=works)
    assert everything["source"] == "institutions"  # resolution did not run
    n = synergy_store.scalar("SELECT count(*) FROM institutions")
    assert everything["total"] == n
    assert everything["items"][0]["id"] == UW
    counts = [r["works"] for r in everything["items"]]
    assert counts == sorted(counts, reverse=True)
    # pages are windows of the one ordering
    page = queries.organization_list(synergy_store, limit=7, offset=5, works=works)
    assert page["items"] == everything["items"][5:12] and page["total"] == n
    # filters: country (any case), a name substring (any case)
    us = queries.organization_list(synergy_store, country="us", limit=500, works=works)
    assert us["total"] == synergy_store.scalar(
        "SELECT count(*) FROM institutions WHERE country_code = 'US'"
    )
    assert all(r["country_code"] == "US" for r in us["items"])
    wash = queries.organization_list(synergy_store, q="WASHINGTON", works=works)
    assert UW in {r["id"] for r in wash["items"]}
    assert all("washington" in (r["name"] or "").lower() for r in wash["items"])


def test_organization_profile(synergy_store: Store) -> None:
    analysis = queries.org_analysis(synergy_store)
    prof = queries.organization_profile(synergy_store, UW, analysis=analysis)
    assert prof["name"] == "University of Washington" and prof["source"] == "institution"
    assert prof["works"] == synergy_store.scalar(
        "SELECT count(DISTINCT work_id) FROM authorships WHERE institution_id = $id", {"id": UW}
    )
    net = prof["network"]
    assert net is not None and net["node_id"] == UW and net["pagerank_rank"] >= 1
    assert net["n_nodes"] == analysis.nodes.num_rows
    assert queries.organization_profile(synergy_store, UW)["network"] is None
    with pytest.raises(NotFoundError, match="I0"):
        queries.organization_profile(synergy_store, "I0")


def test_network_view_keeps_the_strongest_nodes(synergy_store: Store) -> None:
    v = queries.network_view(synergy_store, max_nodes=25)
    whole = queries.org_analysis(synergy_store).nodes  # the same network, analysed in full
    assert v["shown"] == len(v["nodes"]) == 25 and v["truncated"] is True
    assert v["summary"]["n_nodes"] == whole.num_rows > 25
    shown = {n["id"] for n in v["nodes"]}
    strength = dict(zip(whole["node_id"].to_pylist(), whole["strength"].to_pylist(), strict=True))
    strongest = sorted(strength, key=lambda k: (-strength[k], k))[:25]
    assert shown == set(strongest)
    assert all(e["source"] in shown and e["target"] in shown for e in v["edges"])
    assert all(0 <= n["x"] <= 1 and 0 <= n["y"] <= 1 for n in v["nodes"])
    assert v["linkable"] is True and v["meta"]["kind"] == "org_collaboration"
    small = queries.network_view(synergy_store, industry="biomedicine", countries=["IT"])
    assert small["truncated"] is (small["summary"]["n_nodes"] > 300)
    assert small["meta"]["slice"]["industry"] == "biomedicine"
